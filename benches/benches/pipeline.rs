//! The full pipeline per article, one core, MB/s of text (bodies + comments): a pipeline built
//! from a config by `Pipeline::build`, as `slant label` builds it, then `label_batch` over news
//! articles (FNC-1 distinct bodies) with 7 comments each (OLID train tweets). Stages: tokenize,
//! then every [`slant_benches::CLASSIFIERS`] case whose plugin and model are built, reading what
//! it reads by default (stance: the mentions of `seeds/targets.toml`), then the claim stage
//! ([`slant_benches::CLAIM_STAGE`], one claim per article) when its model is built. Skipped
//! (visibly) without `../shared/data`.
//!
//! `SLANT_BENCH_MODELS=DIR` reads the model files from `DIR` instead of `models/`, and
//! `SLANT_PLUGIN_DIR` picks the plugins, so that two builds of models and plugins can be
//! compared in turn.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use slant::article::{InputRecord, SourceRef};
use slant::pipeline::{LabelOptions, Pipeline, PipelineConfig};
use slant::plugin::PluginDirs;

const COMMENTS_PER_ARTICLE: usize = 7;

/// A config with the tokenize stage and every classifier case that can run here.
fn config(dirs: &PluginDirs) -> (PipelineConfig, Vec<&'static str>) {
    let repo = slant_benches::repo();
    let mut text = String::from("[pipeline]\nbatch_size = 256\n\n[stages.tokenize]\n");
    let mut stages = Vec::new();
    let cases = slant_benches::CLASSIFIERS
        .iter()
        .map(|case| (case.plugin, case))
        .chain([("claim", &slant_benches::CLAIM_STAGE)]);
    for (name, case) in cases {
        let model = case.model_path();
        if dirs.find(case.plugin).is_err() || !model.exists() {
            eprintln!("pipeline: leaving out `{name}` (plugin or model not built)");
            continue;
        }
        text.push_str(&format!(
            "\n[stages.{name}]\nplugin = {:?}\nmodel = {:?}\n{}\n",
            case.plugin, model, case.pipeline_settings
        ));
        stages.push(name);
    }
    let path = repo.join("bench-pipeline.toml");
    (PipelineConfig::parse(&text, &path).unwrap(), stages)
}

fn bench(c: &mut Criterion) {
    if !slant_benches::shared_data_or_skip("pipeline") {
        return;
    }
    let dirs = PluginDirs::resolve(None);
    let (config, stages) = config(&dirs);
    let pipeline = Pipeline::build(&config, &dirs).unwrap();
    let articles = slant_benches::articles_with_comments(COMMENTS_PER_ARTICLE);
    let bytes = slant_benches::article_bytes(&articles);
    let records: Vec<InputRecord> = articles
        .into_iter()
        .enumerate()
        .map(|(i, a)| InputRecord::from_article(SourceRef::line("bench", i as u64 + 1), a))
        .collect();
    eprintln!(
        "pipeline: stages tokenize + {stages:?}: {} articles x {COMMENTS_PER_ARTICLE} comments, {:.2} MB",
        records.len(),
        bytes as f64 / 1e6
    );
    let options = LabelOptions::default();
    let n = records.len();
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function(format!("tokenize+{}/batch256", stages.join("+")), |b| {
        b.iter_batched(
            || records.clone(),
            |records| {
                let mut labeled = 0;
                let mut records = records.into_iter().peekable();
                while records.peek().is_some() {
                    let batch: Vec<InputRecord> = records.by_ref().take(256).collect();
                    for out in pipeline.label_batch(batch, &options) {
                        assert!(out.error().is_none(), "{:?}", out.error());
                        labeled += 1;
                    }
                }
                assert_eq!(labeled, n, "one output record per article");
                labeled
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
