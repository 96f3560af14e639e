//! Featurize throughput (MB/s), in-process, one core, with the shipped toxicity model's feature
//! spec (word 1–2-grams + char n-grams): where serving time goes, step by step.
//!
//! - `words`: hashed word n-grams only (the spec without char n-grams);
//! - `hash`: every feature occurrence hashed (words + char n-grams);
//! - `project`: hashed, counted and mapped to the model's selected columns, idf, L2;
//! - `predict`: projected and scored by every head (what a classifier plugin does per text).
//!
//! Texts are tokenized once, before timing. Before timing, every text's served features (the
//! per-model word → columns memo path) are checked bit for bit against the unmemoized path,
//! `project(&extract(..))`. Over OLID train tweets and FNC-1 news bodies; the
//! bench is skipped (visibly) without `../shared/data`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slant::plugin::{PluginDirs, StageInstance, TokenBatch};
use slant_model::features::{extract, occurrences, FeatureSpec, Sparse};
use slant_model::Model;
use slant_sdk::{DocView, TextView};

/// Texts with their tokens, in batches of 256 as the pipeline tokenizes them.
struct Tokenized {
    batches: Vec<(Vec<String>, TokenBatch)>,
    bytes: usize,
    docs: usize,
}

impl Tokenized {
    fn new(texts: &[String]) -> Tokenized {
        let plugin = PluginDirs::resolve(None)
            .find("tokenize")
            .expect("tokenize plugin built (cargo build --release)");
        let stage = StageInstance::create(&plugin, &serde_json::json!({})).unwrap();
        let batches = texts
            .chunks(256)
            .map(|chunk| {
                let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
                (chunk.to_vec(), stage.tokenize(&refs).unwrap())
            })
            .collect();
        Tokenized {
            batches,
            bytes: texts.iter().map(String::len).sum(),
            docs: texts.len(),
        }
    }

    /// Calls `f` on every document; returns what `f` returned, summed.
    fn each(&self, mut f: impl FnMut(&DocView<'_>) -> usize) -> usize {
        let mut total = 0;
        for (texts, batch) in &self.batches {
            for (i, text) in texts.iter().enumerate() {
                let doc = DocView {
                    main: TextView::new(text, batch.doc_tokens(i), &batch.terms),
                    pair: TextView::new("", &[], ""),
                    target: "",
                };
                total += f(&doc);
            }
        }
        total
    }
}

fn bench(c: &mut Criterion) {
    if !slant_benches::shared_data_or_skip("featurize") {
        return;
    }
    let path = slant_benches::repo().join("models/toxicity.model");
    let model = slant_model::read_file(&path).expect("models/toxicity.model readable");
    let spec = model.header.features.clone();
    let words_only = FeatureSpec {
        char_ngrams: None,
        ..spec.clone()
    };
    let (comments, comments_name) = slant_benches::comments();
    let (bodies, bodies_name) = slant_benches::news_bodies();
    for (name, corpus, texts) in [
        ("comments", comments_name, comments),
        ("news", bodies_name, bodies),
    ] {
        let data = Tokenized::new(&texts);
        eprintln!(
            "featurize/{name}: {corpus}: {} texts, {:.2} MB; spec {spec:?}",
            data.docs,
            data.bytes as f64 / 1e6
        );
        let differing = data.each(|d| {
            usize::from(bits(&model.featurize(d)) != bits(&model.project(&extract(&spec, d))))
        });
        assert_eq!(
            differing, 0,
            "{name}: served features differ from project(extract)"
        );
        let mut group = c.benchmark_group(format!("featurize/{name}"));
        group.throughput(Throughput::Bytes(data.bytes as u64));
        group.sample_size(10);
        group.bench_function("words", |b| {
            b.iter(|| {
                let n = data.each(|d| occurrences(&words_only, d).len());
                assert!(n > data.docs, "at least one word n-gram per text");
                n
            })
        });
        group.bench_function("hash", |b| {
            b.iter(|| {
                let n = data.each(|d| occurrences(&spec, d).len());
                assert!(n > data.docs * 10, "char n-grams outnumber texts tenfold");
                n
            })
        });
        group.bench_function("project", |b| {
            b.iter(|| {
                let n = data.each(|d| usize::from(!model.featurize(d).is_empty()));
                assert!(n > data.docs / 2, "most texts hit a selected column");
                n
            })
        });
        group.bench_function("predict", |b| b.iter(|| predict_all(&model, &data)));
        group.finish();
    }
}

/// A sparse vector with its values as bits, to compare exactly.
fn bits(x: &Sparse) -> Vec<(u32, u32)> {
    x.iter().map(|&(j, v)| (j, v.to_bits())).collect()
}

/// Scores every document; asserts one row of probabilities per document.
fn predict_all(model: &Model, data: &Tokenized) -> usize {
    let mut out = vec![0f32; model.n_outputs()];
    let rows = data.each(|d| {
        model.predict_into(&model.featurize(d), &mut out);
        usize::from((out.iter().sum::<f32>() - model.header.heads.len() as f32).abs() < 1e-3)
    });
    assert_eq!(
        rows, data.docs,
        "one probability row per text, each head summing to 1"
    );
    rows
}

criterion_group!(benches, bench);
criterion_main!(benches);
