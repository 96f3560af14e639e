//! Tokenize throughput (MB/s) over news bodies: the rlib path (scanner + memoized stemmer) and
//! the plugin path (the same code behind the ABI, as `slant label` calls it), one core.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slant::plugin::{PluginDirs, StageInstance};
use slant_tokenize::{Settings, Tokenizer};

fn bench(c: &mut Criterion) {
    let (bodies, corpus) = slant_benches::news_bodies();
    let bytes: usize = bodies.iter().map(String::len).sum();
    eprintln!(
        "corpus: {corpus}: {} documents, {:.1} MB",
        bodies.len(),
        bytes as f64 / 1e6
    );
    let mut group = c.benchmark_group("tokenize");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);

    let tokenizer = Tokenizer::new(Settings::default()).unwrap();
    group.bench_function("rlib/stem", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for body in &bodies {
                tokenizer.tokenize_with(body, |_, _, _, _| n += 1);
            }
            assert!(
                n > bytes / 20,
                "a news corpus has at least a token per 20 bytes"
            );
            n
        })
    });
    let no_stem = Tokenizer::new(Settings {
        stem: false,
        ..Settings::default()
    })
    .unwrap();
    group.bench_function("rlib/no-stem", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for body in &bodies {
                no_stem.tokenize_with(body, |_, _, _, _| n += 1);
            }
            n
        })
    });

    let plugin = PluginDirs::resolve(None)
        .find("tokenize")
        .expect("tokenize plugin built");
    let stage = StageInstance::create(&plugin, &serde_json::json!({})).unwrap();
    let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    group.bench_function("plugin-abi/stem/batch256", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for batch in refs.chunks(256) {
                n += stage.tokenize(batch).unwrap().tokens.len();
            }
            assert!(n > bytes / 20);
            n
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
