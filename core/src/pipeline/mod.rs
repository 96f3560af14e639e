//! Running articles through the configured stages.
//!
//! [`Pipeline::build`] loads the plugins a [`PipelineConfig`] names, creates their stages and
//! checks that they fit together (a classifier's model must have been trained behind the same
//! tokenizer). [`Pipeline::run`] reads records in windows, labels the batches of a window on all
//! cores, and hands results over in input order: exactly one output record per input record.
//!
//! Stage order: tokenize (body) → toxicity (comments, optionally body) → filter. Later stages
//! (sentiment, stance) see only the comments the filter kept.

pub mod config;
pub mod filter;
mod result;

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde_json::Value;

use crate::article::{Article, InputRecord};
use crate::plugin::{ClassifyInput, PluginDirs, PluginError, StageInstance, TokenBatch};
pub use config::{ApplyTo, ConfigError, FilterAction, PipelineConfig};
pub use filter::{FilterSummary, ScoredComment, ToxicityFilter};
pub use result::{error_json, LabelOptions};

/// Text held in memory by one window of [`Pipeline::run`], at most (plus one record).
const WINDOW_BYTES: usize = 256 << 20;

/// Bytes of text an article brings into memory (body and comments).
fn article_bytes(article: &Article) -> usize {
    article.body.len() + article.comments.iter().map(|c| c.text.len()).sum::<usize>()
}

/// Why a pipeline could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error("stage `{stage}` does not fit the pipeline: {message}")]
    Mismatch { stage: String, message: String },
}

/// What the caller may change for one run (`--model STAGE=PATH`, `--action`, `--threshold`).
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub plugin_dirs: Option<PluginDirs>,
    /// Model file per stage name, replacing the config's.
    pub model_overrides: BTreeMap<String, PathBuf>,
    pub toxicity_action: Option<FilterAction>,
    pub toxicity_threshold: Option<f32>,
    pub toxicity_apply_to: Option<ApplyTo>,
}

/// The live toxicity stage.
pub struct ToxicityStage {
    pub instance: StageInstance,
    pub filter: ToxicityFilter,
    pub apply_to: ApplyTo,
    pub model: PathBuf,
}

/// Built stages, ready to label.
pub struct Pipeline {
    pub batch_size: usize,
    pub tokenizer: StageInstance,
    pub toxicity: Option<ToxicityStage>,
}

impl Pipeline {
    /// Loads and checks every configured stage.
    ///
    /// # Errors
    /// A plugin cannot be found or loaded, refuses its settings, or does not fit (task, labels,
    /// tokenizer fingerprint): the message says what differs.
    pub fn build(
        config: &PipelineConfig,
        options: &BuildOptions,
    ) -> Result<Pipeline, PipelineError> {
        let dirs = options
            .plugin_dirs
            .clone()
            .unwrap_or_else(|| PluginDirs::resolve(None));
        let tokenize_plugin = dirs.find(&config.plugin_spec(&config.stages.tokenize.plugin))?;
        if tokenize_plugin.kind() != slant_sdk::kind::TOKENIZE {
            return Err(PipelineError::Mismatch {
                stage: "tokenize".into(),
                message: format!(
                    "plugin {} is a {} stage, not a tokenize stage",
                    tokenize_plugin.path().display(),
                    tokenize_plugin.kind_name()
                ),
            });
        }
        let tokenizer =
            StageInstance::create(&tokenize_plugin, &config.stages.tokenize.settings_json())?;
        let fingerprint = tokenizer
            .describe_str("fingerprint")
            .unwrap_or_default()
            .to_string();
        let toxicity = match &config.stages.toxicity {
            None => None,
            Some(tox) => {
                let model = options
                    .model_overrides
                    .get("toxicity")
                    .cloned()
                    .unwrap_or_else(|| config.resolve(&tox.model));
                let plugin = dirs.find(&config.plugin_spec(&tox.plugin))?;
                let settings = serde_json::json!({ "model": model.display().to_string() });
                let instance = StageInstance::create(&plugin, &settings)?;
                check_fits("toxicity", &instance, &fingerprint, "toxicity")?;
                let filter = toxicity_filter(tox, &instance, options)?;
                Some(ToxicityStage {
                    filter,
                    apply_to: options.toxicity_apply_to.unwrap_or(tox.apply_to),
                    instance,
                    model,
                })
            }
        };
        for stage in options.model_overrides.keys() {
            if stage != "toxicity" || toxicity.is_none() {
                return Err(PipelineError::Mismatch {
                    stage: stage.clone(),
                    message: "no such classifier stage in this config (--model STAGE=PATH needs a configured stage)".into(),
                });
            }
        }
        Ok(Pipeline {
            batch_size: config.pipeline.batch_size,
            tokenizer,
            toxicity,
        })
    }

    /// Labels a stream of records, calling `emit` with one output record per input record, in
    /// input order. `emit` returns `false` to stop early (e.g. `--strict` after an error).
    ///
    /// # Errors
    /// Whatever `emit` returns.
    pub fn run<E>(
        &self,
        records: impl Iterator<Item = InputRecord>,
        options: &LabelOptions,
        mut emit: impl FnMut(Value) -> Result<bool, E>,
    ) -> Result<(), E> {
        // A window holds a few batches per core, so all cores stay busy while order is kept.
        let window = self.batch_size * rayon::current_num_threads().max(1) * 2;
        let mut records = records.peekable();
        while records.peek().is_some() {
            // A window also ends at WINDOW_BYTES of text, so a run of huge articles cannot hold
            // gigabytes in memory at once.
            let mut batches: Vec<Vec<InputRecord>> = Vec::new();
            let (mut count, mut bytes) = (0usize, 0usize);
            while count < window && bytes < WINDOW_BYTES {
                let Some(record) = records.next() else { break };
                count += 1;
                bytes += record.article.as_ref().map_or(0, article_bytes);
                match batches.last_mut() {
                    Some(b) if b.len() < self.batch_size => b.push(record),
                    _ => batches.push(vec![record]),
                }
            }
            let results: Vec<Vec<Value>> = batches
                .into_par_iter()
                .map(|batch| self.label_batch(batch, options))
                .collect();
            for value in results.into_iter().flatten() {
                if !emit(value)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Labels one batch; one output per input, in order. If a stage fails on the batch, each
    /// article is retried alone so one bad document cannot take its neighbours down.
    pub fn label_batch(&self, batch: Vec<InputRecord>, options: &LabelOptions) -> Vec<Value> {
        let articles: Vec<(usize, &Article)> = batch
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.article.as_ref().ok().map(|a| (i, a)))
            .collect();
        let mut out: Vec<Option<Value>> = vec![None; batch.len()];
        match self.label_articles(
            &articles.iter().map(|(_, a)| *a).collect::<Vec<_>>(),
            options,
        ) {
            Ok(values) => {
                for ((i, _), v) in articles.iter().zip(values) {
                    out[*i] = Some(result::article_json(&batch[*i], v, options));
                }
            }
            Err(_) if articles.len() > 1 => {
                for (i, article) in &articles {
                    out[*i] = Some(match self.label_articles(&[article], options) {
                        Ok(mut v) => result::article_json(&batch[*i], v.remove(0), options),
                        Err(e) => error_json(&batch[*i].source, Some(&article.id), &e.to_string()),
                    });
                }
            }
            Err(e) => {
                for (i, article) in &articles {
                    out[*i] = Some(error_json(
                        &batch[*i].source,
                        Some(&article.id),
                        &e.to_string(),
                    ));
                }
            }
        }
        batch
            .iter()
            .zip(out)
            .map(|(record, v)| {
                v.unwrap_or_else(|| {
                    let message = record.article.as_ref().err().cloned().unwrap_or_default();
                    error_json(&record.source, None, &message)
                })
            })
            .collect()
    }

    /// Runs every stage over articles; returns per-article labels.
    fn label_articles(
        &self,
        articles: &[&Article],
        options: &LabelOptions,
    ) -> Result<Vec<result::Labels>, PluginError> {
        let bodies: Vec<&str> = articles.iter().map(|a| a.body.as_str()).collect();
        let body_tokens = self.tokenizer.tokenize(&bodies)?;
        let mut labels: Vec<result::Labels> = (0..articles.len())
            .map(|i| result::Labels::from_tokens(&body_tokens, i, options.tokens))
            .collect();
        // Comments pass through as read unless a stage scores (and maybe filters) them.
        for (l, a) in labels.iter_mut().zip(articles) {
            l.comments = a
                .comments
                .iter()
                .map(|c| result::CommentOut::Plain(c.clone()))
                .collect();
        }
        if let Some(tox) = &self.toxicity {
            self.run_toxicity(tox, articles, &bodies, &body_tokens, &mut labels)?;
        }
        Ok(labels)
    }

    fn run_toxicity(
        &self,
        tox: &ToxicityStage,
        articles: &[&Article],
        bodies: &[&str],
        body_tokens: &TokenBatch,
        labels: &mut [result::Labels],
    ) -> Result<(), PluginError> {
        let k = tox.filter.labels.len();
        let score_comments = matches!(tox.apply_to, ApplyTo::Comments | ApplyTo::Both);
        let score_body = matches!(tox.apply_to, ApplyTo::Body | ApplyTo::Both);
        if score_comments {
            let texts: Vec<&str> = articles
                .iter()
                .flat_map(|a| a.comments.iter().map(|c| c.text.as_str()))
                .collect();
            let tokens = self.tokenizer.tokenize(&texts)?;
            let scores = tox
                .instance
                .classify(&ClassifyInput::texts(&texts, &tokens), k)?;
            let mut at = 0;
            for (l, a) in labels.iter_mut().zip(articles) {
                let n = a.comments.len();
                let (kept, summary) = tox
                    .filter
                    .apply(a.comments.clone(), &scores[at * k..(at + n) * k]);
                at += n;
                l.comments = kept.into_iter().map(result::CommentOut::Scored).collect();
                l.toxicity = Some(summary);
            }
        }
        if score_body {
            let scores = tox
                .instance
                .classify(&ClassifyInput::texts(bodies, body_tokens), k)?;
            for (i, l) in labels.iter_mut().enumerate() {
                let s = &scores[i * k..(i + 1) * k];
                l.body_toxicity = Some((tox.filter.score_map(s), tox.filter.crosses(s)));
            }
        }
        Ok(())
    }
}

/// The filter of the toxicity stage: which scores may flag, at which thresholds (run flags over
/// config over the thresholds the model was trained with, 0.5 if it has none).
fn toxicity_filter(
    tox: &config::ToxicityConfig,
    instance: &StageInstance,
    options: &BuildOptions,
) -> Result<ToxicityFilter, PipelineError> {
    let labels = instance.labels();
    if let Some(unknown) = tox
        .flag_on
        .iter()
        .flatten()
        .chain(tox.thresholds.keys())
        .find(|l| !labels.contains(l))
    {
        return Err(PipelineError::Mismatch {
            stage: "toxicity".into(),
            message: format!(
                "the config names score `{unknown}`, but the model gives only {}",
                labels.join(", ")
            ),
        });
    }
    let toxic_threshold_given = options.toxicity_threshold.is_some() || tox.threshold.is_some();
    if toxic_threshold_given && !labels.iter().any(|l| l == "toxic") {
        return Err(PipelineError::Mismatch {
            stage: "toxicity".into(),
            message: format!(
                "`threshold` / `--threshold` apply to the score `toxic`, but the model gives only {}; use `thresholds = {{ <score> = p }}`",
                labels.join(", ")
            ),
        });
    }
    let model_thresholds = instance.description().get("thresholds");
    let thresholds = labels
        .iter()
        .map(|label| {
            let may_flag = tox.flag_on.as_ref().is_none_or(|on| on.contains(label));
            let from_run = (label == "toxic")
                .then_some(options.toxicity_threshold)
                .flatten();
            let from_config = (label == "toxic")
                .then_some(tox.threshold)
                .flatten()
                .or_else(|| tox.thresholds.get(label).copied());
            let from_model = model_thresholds
                .and_then(|t| t.get(label))
                .and_then(Value::as_f64)
                .map(|t| t as f32);
            may_flag.then(|| from_run.or(from_config).or(from_model).unwrap_or(0.5))
        })
        .collect();
    Ok(ToxicityFilter {
        action: options.toxicity_action.unwrap_or(tox.action),
        labels,
        thresholds,
    })
}

/// Checks a classifier instance against the stage it is used for and the pipeline's tokenizer.
fn check_fits(
    stage: &str,
    instance: &StageInstance,
    fingerprint: &str,
    task: &str,
) -> Result<(), PipelineError> {
    let mismatch = |message: String| PipelineError::Mismatch {
        stage: stage.into(),
        message,
    };
    let found_task = instance.describe_str("task").unwrap_or("(none)");
    if found_task != task {
        return Err(mismatch(format!(
            "plugin {} serves task `{found_task}`, this stage needs `{task}`",
            instance.plugin().path().display()
        )));
    }
    let model_fp = instance
        .describe_str("tokenizer_fingerprint")
        .unwrap_or("(none)");
    if model_fp != fingerprint {
        return Err(mismatch(format!(
            "model {} was trained behind tokenizer `{model_fp}`, but this pipeline's tokenizer is `{fingerprint}`; \
             retrain the model or configure [stages.tokenize] to match",
            instance.describe_str("model").unwrap_or("?")
        )));
    }
    Ok(())
}
