//! The language check (MB/s, one core) over reader comments and news bodies, beside what it
//! replaced, in one run: `whatlang::detect` on every text (whatlang scores all 36 Latin-script
//! profiles per text), `slant::pipeline::language::detect` (the same verdicts, scored from the
//! text's trigrams), `detect_reliable` (the reliable verdicts alone, the ones the check acts
//! on, without sorting the languages), and `LanguageCheck::check` (the function-word fast path
//! first, the detector only for texts it cannot decide; what `slant label` runs on each body
//! and comment).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slant::pipeline::language::{detect, detect_reliable};
use slant::pipeline::{LanguageCheck, OtherLanguage};

fn bench(c: &mut Criterion) {
    let check = LanguageCheck::new("english", OtherLanguage::Warn);
    for (name, (texts, corpus)) in [
        ("comments", slant_benches::comments()),
        ("news", slant_benches::news_bodies()),
    ] {
        let bytes: usize = texts.iter().map(String::len).sum();
        eprintln!(
            "{name}: {corpus}: {} texts, {:.1} MB",
            texts.len(),
            bytes as f64 / 1e6
        );
        // Nearly every text gets a verdict (None only where whatlang finds no script at all),
        // and the two detectors agree on every 97th text checked here (on all of them in the
        // tests), so the timings compare the same work.
        let detected = texts.iter().filter(|t| detect(t).is_some()).count();
        assert!(
            detected * 10 >= texts.len() * 9,
            "{detected} of {}",
            texts.len()
        );
        for text in texts.iter().step_by(97) {
            assert_eq!(detect(text), whatlang::detect(text), "{text}");
        }

        let mut group = c.benchmark_group(format!("language/{name}"));
        group.throughput(Throughput::Bytes(bytes as u64));
        group.sample_size(10);
        group.bench_function("whatlang-detect", |b| {
            b.iter(|| {
                texts
                    .iter()
                    .filter(|t| whatlang::detect(t).is_some())
                    .count()
            })
        });
        group.bench_function("detect", |b| {
            b.iter(|| texts.iter().filter(|t| detect(t).is_some()).count())
        });
        group.bench_function("detect-reliable", |b| {
            b.iter(|| {
                texts
                    .iter()
                    .filter(|t| detect_reliable(t).is_some())
                    .count()
            })
        });
        group.bench_function("check", |b| {
            b.iter(|| {
                let english = texts
                    .iter()
                    .filter(|t| check.check(t).language == Some("eng"))
                    .count();
                assert!(
                    english * 2 > texts.len(),
                    "an English corpus is mostly English"
                );
                english
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
