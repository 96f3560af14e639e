//! Each classifier stage through the plugin ABI (as `slant label` calls it), one core, MB/s:
//! the texts are tokenized once before timing, then every batch of 256 is classified. The cases
//! are [`slant_benches::CLASSIFIERS`], then the claim stage ([`slant_benches::CLAIM_STAGE`])
//! with one and with four claims per body (MB/s of body text: each body is read once per set
//! of claims, and the claims paired with one body count its n-grams once). A case whose plugin
//! or model is missing is skipped with a message, and the whole bench is skipped (visibly)
//! without `../shared/data`.
//!
//! `SLANT_BENCH_MODELS=DIR` reads the model files from `DIR` instead of `models/`, and
//! `SLANT_PLUGIN_DIR` picks the plugins, so that two builds of models and plugins can be
//! compared in turn.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slant::pipeline::units::{regroup, sentence_ranges};
use slant::plugin::{ClassifyInput, PluginDirs, StageInstance, TokenBatch};
use slant_benches::{ClassifierCase, Feed};

/// One batch as a stage sees it: texts, tokens and which text each document is.
struct Batch {
    texts: Vec<String>,
    tokens: TokenBatch,
    /// Per document: index into `texts` (sentences share their body's text).
    text_of: Vec<usize>,
}

fn batches(tokenizer: &StageInstance, texts: &[String], feed: Feed) -> Vec<Batch> {
    texts
        .chunks(256)
        .map(|chunk| {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let tokens = tokenizer.tokenize(&refs).unwrap();
            let (tokens, text_of) = match feed {
                Feed::Sentences => {
                    let mut ranges = Vec::new();
                    let mut text_of = Vec::new();
                    for doc in 0..chunk.len() {
                        let sentences = sentence_ranges(&tokens, doc);
                        text_of.resize(text_of.len() + sentences.len(), doc);
                        ranges.extend(sentences);
                    }
                    (regroup(&tokens, &ranges), text_of)
                }
                Feed::Comments | Feed::Bodies => (tokens, (0..chunk.len()).collect()),
            };
            Batch {
                texts: chunk.to_vec(),
                tokens,
                text_of,
            }
        })
        .collect()
}

/// The stage of `case` with its model, or `None` (and a message naming bench `name`) when its
/// plugin or model file is missing.
fn stage_of(dirs: &PluginDirs, case: &ClassifierCase, name: &str) -> Option<StageInstance> {
    let model = case.model_path();
    let plugin = match dirs.find(case.plugin) {
        Ok(p) if model.exists() => p,
        Ok(_) => {
            eprintln!("skipping classify/{name}: {} not found", model.display());
            return None;
        }
        Err(e) => {
            eprintln!("skipping classify/{name}: {e}");
            return None;
        }
    };
    let settings = serde_json::json!({"model": model.display().to_string()});
    Some(StageInstance::create(&plugin, &settings).unwrap())
}

fn bench_case(
    c: &mut Criterion,
    dirs: &PluginDirs,
    tokenizer: &StageInstance,
    case: &ClassifierCase,
) {
    let Some(stage) = stage_of(dirs, case, case.plugin) else {
        return;
    };
    let width = stage.labels().len();
    let (texts, corpus) = match case.feed {
        Feed::Comments => slant_benches::comments(),
        Feed::Sentences | Feed::Bodies => slant_benches::news_bodies(),
    };
    let bytes: usize = texts.iter().map(String::len).sum();
    let batches = batches(tokenizer, &texts, case.feed);
    let docs: usize = batches.iter().map(|b| b.text_of.len()).sum();
    eprintln!(
        "classify/{}: {corpus} as {:?}: {docs} documents, {:.2} MB",
        case.plugin,
        case.feed,
        bytes as f64 / 1e6
    );
    let mut group = c.benchmark_group(format!("classify/{}", case.plugin));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function(format!("{:?}/batch256", case.feed), |b| {
        b.iter(|| {
            let mut rows = 0;
            for batch in &batches {
                let inputs: Vec<ClassifyInput<'_>> = batch
                    .text_of
                    .iter()
                    .enumerate()
                    .map(|(doc, &t)| ClassifyInput {
                        main: (batch.texts[t].as_str(), &batch.tokens, doc),
                        pair: None,
                        target: case.target,
                    })
                    .collect();
                rows += stage.classify(&inputs, width).unwrap().len() / width;
            }
            assert_eq!(rows, docs, "one score row per document");
            rows
        })
    });
    group.finish();
}

/// Headline-like claims paired with every body (FNC-1's are headlines of viral stories).
const CLAIMS: [&str; 4] = [
    "ISIS fighters were killed in an air strike.",
    "Apple will release a gold iPhone.",
    "A man was found alive after weeks at sea.",
    "The video of the attack is a hoax.",
];

/// The claim stage over the news bodies, each paired with the first `n` of [`CLAIMS`] in a row
/// (as `slant label` pairs them).
fn bench_claims(c: &mut Criterion, dirs: &PluginDirs, tokenizer: &StageInstance) {
    let Some(stage) = stage_of(dirs, &slant_benches::CLAIM_STAGE, "claims") else {
        return;
    };
    let width = stage.labels().len();
    let (texts, corpus) = slant_benches::news_bodies();
    let bytes: usize = texts.iter().map(String::len).sum();
    let batches = batches(tokenizer, &texts, Feed::Bodies);
    let claim_tokens = tokenizer.tokenize(&CLAIMS).unwrap();
    eprintln!(
        "classify/claims: {corpus}: {} bodies, {:.2} MB",
        texts.len(),
        bytes as f64 / 1e6
    );
    let mut group = c.benchmark_group("classify/claims");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    for n in [1, 4] {
        group.bench_function(format!("Bodies/{n}-per-body/batch256"), |b| {
            b.iter(|| {
                let mut rows = 0;
                for batch in &batches {
                    let inputs: Vec<ClassifyInput<'_>> = (0..batch.text_of.len())
                        .flat_map(|doc| (0..n).map(move |k| (doc, k)))
                        .map(|(doc, k)| ClassifyInput {
                            main: (batch.texts[doc].as_str(), &batch.tokens, doc),
                            pair: Some((CLAIMS[k], &claim_tokens, k)),
                            target: "",
                        })
                        .collect();
                    rows += stage.classify(&inputs, width).unwrap().len() / width;
                }
                assert_eq!(rows, n * texts.len(), "one score row per (body, claim)");
                rows
            })
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    if !slant_benches::shared_data_or_skip("classify") {
        return;
    }
    let dirs = PluginDirs::resolve(None);
    let tokenizer = StageInstance::create(
        &dirs
            .find("tokenize")
            .expect("tokenize plugin built (cargo build --release)"),
        &serde_json::json!({}),
    )
    .unwrap();
    for case in slant_benches::CLASSIFIERS {
        bench_case(c, &dirs, &tokenizer, case);
    }
    bench_claims(c, &dirs, &tokenizer);
}

criterion_group!(benches, bench);
criterion_main!(benches);
