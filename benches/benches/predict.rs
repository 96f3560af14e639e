//! Serving throughput of the shipped toxicity model on comments: tokenize plugin → toxicity
//! plugin, in batches of 256, one core. Reported both as MB/s and as records/s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slant::plugin::{ClassifyInput, PluginDirs, StageInstance};

fn bench(c: &mut Criterion) {
    let model = slant_benches::repo().join("models/toxicity.model");
    if !model.exists() {
        eprintln!("skipping: {} not found", model.display());
        return;
    }
    let (comments, corpus) = slant_benches::comments();
    let bytes: usize = comments.iter().map(String::len).sum();
    eprintln!(
        "corpus: {corpus}: {} comments, {:.2} MB",
        comments.len(),
        bytes as f64 / 1e6
    );
    let dirs = PluginDirs::resolve(None);
    let tokenizer =
        StageInstance::create(&dirs.find("tokenize").unwrap(), &serde_json::json!({})).unwrap();
    let toxicity = StageInstance::create(
        &dirs.find("toxicity").unwrap(),
        &serde_json::json!({"model": model.display().to_string()}),
    )
    .unwrap();
    let k = toxicity.labels().len();
    let refs: Vec<&str> = comments.iter().map(String::as_str).collect();
    let run = || {
        let mut scored = 0usize;
        for batch in refs.chunks(256) {
            let tokens = tokenizer.tokenize(batch).unwrap();
            let inputs = ClassifyInput::texts(batch, &tokens);
            scored += toxicity.classify(&inputs, k).unwrap().len() / k;
        }
        assert_eq!(scored, refs.len(), "one score row per comment");
        scored
    };
    for (name, throughput) in [
        ("predict-toxicity/bytes", Throughput::Bytes(bytes as u64)),
        (
            "predict-toxicity/records",
            Throughput::Elements(refs.len() as u64),
        ),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(throughput);
        group.sample_size(10);
        group.bench_function("tokenize+featurize+score", |b| b.iter(run));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
