//! `slant compare` over 100,000 labeled records (synthetic `slant label` output, 8 outlet groups,
//! 2 stance targets, comments): reading the JSONL, extracting figures, and every interval and
//! test, with the default 2,000 resamples and permutations.
//!
//! Run: `cargo bench -p slant-benches --bench compare -- baseline` (each group against one,
//! 28 contrasts); `-- all_pairs` measures every pair (112 contrasts, and so 4,480 permutations
//! each: see `compare::compute::permutations_for`), which takes several times longer. Each is
//! measured with the default Besag–Clifford sequential stopping (a test stops after 50 permuted
//! statistics as extreme as the observed one) and, `*_full`, with every permutation drawn.

use std::io::Write;

use criterion::{criterion_group, criterion_main, Criterion};
use slant::compare::input::{Extraction, GroupField};
use slant::compare::{compare, source, synthetic, Options};

const RECORDS: usize = 100_000;

fn write_corpus(path: &std::path::Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for record in synthetic::record_stream(RECORDS, 42) {
        writeln!(out, "{record}").unwrap();
    }
    out.flush().unwrap();
}

fn bench_compare(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labeled.jsonl");
    write_corpus(&path);
    let paths = vec![path];
    let options = Options::new(Extraction {
        tone_stage: "sentiment".into(),
        group_by: GroupField::Outlet,
    });
    let with_baseline = Options {
        baseline: Some("Reuters".into()),
        ..options.clone()
    };
    let full = |o: &Options| Options {
        stop_after: 0,
        ..o.clone()
    };
    let (baseline_full, all_pairs_full) = (full(&with_baseline), full(&options));
    let mut group = c.benchmark_group("compare_100k");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(30));
    let variants = [
        ("baseline", &with_baseline),
        ("baseline_full", &baseline_full),
        ("all_pairs", &options),
        ("all_pairs_full", &all_pairs_full),
    ];
    for (name, options) in variants {
        group.bench_function(name, |b| {
            b.iter(|| {
                let records = source::read_all(&paths, &options.extraction);
                let comparison = compare(records, options).unwrap();
                assert_eq!(comparison.input.records, RECORDS);
                comparison
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_compare);
criterion_main!(benches);
