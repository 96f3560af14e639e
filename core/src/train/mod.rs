//! Offline training: recipe → data → tokens (through the tokenize plugin) → hashed features
//! (`slant_model::extract`) → selected, idf-weighted, L2-normalized columns
//! (`slant_model::Model::project`) → one linfa `MultiLogisticRegression` per head, its L2
//! strength, temperature and threshold chosen on held-out rows → a [`slant_model::Model`],
//! written atomically with a Markdown model card beside it.
//!
//! Modules, in pipeline order: [`recipe`] (the TOML recipe), [`records`] (JSONL/CSV records),
//! [`data`] (rows and labels), [`featurize`] (plugin tokenization in parallel), [`select`]
//! (χ²/df selection, idf), [`fit`] (linfa), [`calibrate`] (temperature, threshold), [`tune`]
//! (grid, dev/holdout/CV), [`export`] (model file and card), [`score`] (serving for
//! `slant predict` / `slant eval`), [`split`] (seeded randomness), [`progress`].
//!
//! Determinism: no clocks, seeded splits, ordered reductions; matrixmultiply splits threads over
//! output blocks, never over a sum, so the same recipe and data give the same bytes.

pub mod calibrate;
pub mod card;
pub mod data;
pub mod export;
pub mod featurize;
pub mod fit;
pub mod progress;
pub mod recipe;
pub mod records;
pub mod score;
pub mod select;
pub mod split;
pub mod tree;
pub mod tune;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::json;
use slant_model::{extract, HeadSpec, HeadWeights, Model, ModelHeader, Sparse};

use crate::eval::{evaluate, Report};
use crate::plugin::{PluginDirs, PluginError, StageInstance};
use data::Dataset;
use featurize::DocInput;
use progress::Progress;
use recipe::{Recipe, Split, TuningMethod};
use tune::{HeadResult, HeadTask, Knobs, Plan};

/// Everything that can stop a training or scoring run; each names the file, line or head.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("recipe {path}: {message}")]
    Recipe { path: String, message: String },
    #[error("{path}: {cause}")]
    Io {
        path: String,
        /// Kept as a message field, not an error `source`, so chains do not print it twice.
        cause: std::io::Error,
    },
    #[error("{at}: {message}")]
    Record { at: String, message: String },
    #[error("{message}")]
    Data { message: String },
    #[error("head `{head}`: fitting failed: {message}")]
    Fit { head: String, message: String },
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error(transparent)]
    Model(#[from] slant_model::ModelError),
    #[error("{path}: cannot write: {message}")]
    Write { path: String, message: String },
    #[error("{message}")]
    Mismatch { message: String },
}

/// How a run is set up besides the recipe.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// `--plugin-dir`.
    pub plugin_dir: Option<PathBuf>,
    /// Override the recipe's tuning with k-fold cross-validation (`--cv K`).
    pub cv: Option<usize>,
    /// The command line, for the card ("metrics produced by …").
    pub command: String,
    pub progress: Progress,
}

/// A held-out evaluation of a head through the serving path.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Heldout {
    /// What the rows are: "dev (used for tuning)", "holdout of train (used for tuning)",
    /// "dev (untouched)".
    pub rows: String,
    pub report: Report,
    /// Macro-F1 of the argmax at temperature 1 (no tuned threshold) on the same rows.
    pub argmax_macro_f1: f64,
    /// The same rows broken down by the source (corpus) they come from, in recipe order.
    pub by_source: Vec<(String, Report)>,
}

/// One trained head with its evaluations.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HeadOutcome {
    pub name: String,
    pub result: HeadResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heldout: Option<Heldout>,
}

/// The result of [`train`].
#[derive(Debug, Clone)]
pub struct Trained {
    pub model: Model,
    pub recipe: Recipe,
    pub data: Dataset,
    pub heads: Vec<HeadOutcome>,
    /// Buckets that passed `min_df` before the top-k.
    pub candidates: usize,
    pub command: String,
}

/// Trains the model `recipe` describes; relative source paths are taken from `base`.
///
/// # Errors
/// Any [`TrainError`]: bad data, a missing or failing tokenize plugin, a failed fit.
pub fn train(recipe: &Recipe, base: &Path, opts: &TrainOptions) -> Result<Trained, TrainError> {
    let progress = opts.progress;
    let data = data::load(recipe, base)?;
    for info in &data.heads {
        progress.note(&format!(
            "head `{}`: train {} / dev {}",
            info.name,
            data::describe_counts(&info.classes, &info.train_counts),
            data::describe_counts(&info.classes, &info.dev_counts),
        ));
    }
    let plugin = PluginDirs::resolve(opts.plugin_dir.as_deref()).find("tokenize")?;
    let tokenizer = StageInstance::create(&plugin, &recipe.tokenizer_json())?;
    let fingerprint = tokenizer
        .describe_str("fingerprint")
        .unwrap_or_default()
        .to_string();

    let docs: Vec<DocInput<'_>> = data
        .rows
        .iter()
        .map(|r| DocInput {
            text: &r.text,
            pair: &r.pair,
        })
        .collect();
    let bar = progress.bar(docs.len() as u64, "featurizing");
    let spec = &recipe.features;
    let raw: Vec<Sparse> =
        featurize::map_docs(&tokenizer, recipe.input, &docs, &bar, |d| extract(spec, d))?;
    bar.finish_and_clear();

    // Rows per head.
    let n_heads = data.heads.len();
    let mut tasks: Vec<HeadTask<'_>> = Vec::with_capacity(n_heads);
    let mut dev: Vec<(Vec<usize>, Vec<usize>)> = Vec::with_capacity(n_heads);
    for (h, info) in data.heads.iter().enumerate() {
        let mut task = HeadTask {
            name: &info.name,
            classes: &info.classes,
            positive: info.positive,
            train_rows: Vec::new(),
            train_y: Vec::new(),
        };
        let mut d = (Vec::new(), Vec::new());
        for (i, row) in data.rows.iter().enumerate() {
            if let Some(c) = row.labels[h] {
                match row.split {
                    Split::Train => {
                        task.train_rows.push(i);
                        task.train_y.push(c);
                    }
                    Split::Dev => {
                        d.0.push(i);
                        d.1.push(c);
                    }
                }
            }
        }
        tasks.push(task);
        dev.push(d);
    }
    let doc_rows: Vec<usize> = (0..data.rows.len())
        .filter(|&i| {
            data.rows[i].split == Split::Train && data.rows[i].labels.iter().any(Option::is_some)
        })
        .collect();
    let head_rows: Vec<select::HeadRows<'_>> = tasks
        .iter()
        .map(|t| select::HeadRows {
            rows: &t.train_rows,
            classes: &t.train_y,
            n_classes: t.classes.len(),
        })
        .collect();
    let selected = select::select(
        &raw,
        &doc_rows,
        &head_rows,
        &recipe.selection,
        recipe.weighting,
    );
    progress.note(&format!(
        "selected {} of {} buckets ({:?}, min_df {})",
        selected.feature_ids.len(),
        selected.candidates,
        recipe.selection.method,
        recipe.selection.min_df
    ));
    if selected.feature_ids.is_empty() {
        return Err(TrainError::Data {
            message: "no feature passed selection (too few rows for min_df?)".into(),
        });
    }

    // Project through the serving code: a model with the chosen columns and no heads yet.
    let mut model = Model::new(
        header(recipe, &data, &fingerprint),
        selected.feature_ids,
        selected.column_weights,
        Vec::new(),
    );
    let x: Vec<Sparse> = raw.par_iter().map(|r| model.project(r)).collect();
    drop(raw);
    let d = model.n_features();

    let knobs = Knobs {
        learner: &recipe.learner,
        metric: recipe.tuning.metric,
        seed: recipe.seed,
        d,
    };
    let mut grid = recipe.learner.c.clone();
    grid.sort_by(f32::total_cmp);
    grid.dedup();
    let mut results = Vec::with_capacity(n_heads);
    for (h, task) in tasks.iter().enumerate() {
        let cv = opts
            .cv
            .or((recipe.tuning.method == TuningMethod::Cv).then_some(recipe.tuning.folds));
        let has_dev = !dev[h].0.is_empty();
        let (plan, fit_task, eval_rows, rows_kind) = match cv {
            Some(folds) => (
                Plan::Cv { folds },
                task.clone(),
                has_dev.then(|| dev[h].clone()),
                "dev (untouched by tuning)",
            ),
            None if has_dev && recipe.tuning.method == TuningMethod::Auto => (
                Plan::Heldout {
                    rows: dev[h].0.clone(),
                    y: dev[h].1.clone(),
                },
                task.clone(),
                Some(dev[h].clone()),
                "dev (used to pick C, temperature, threshold)",
            ),
            None => {
                let (fit, held) = tune::holdout(
                    task.name,
                    &task.train_rows,
                    &task.train_y,
                    recipe.tuning.holdout,
                    recipe.seed,
                );
                let fit_task = HeadTask {
                    train_rows: fit.0,
                    train_y: fit.1,
                    ..task.clone()
                };
                (
                    Plan::Heldout {
                        rows: held.0.clone(),
                        y: held.1.clone(),
                    },
                    fit_task,
                    Some(held),
                    "holdout of train (used to pick C, temperature, threshold)",
                )
            }
        };
        let tuning_name = match (&plan, rows_kind.starts_with("dev")) {
            (Plan::Cv { folds }, _) => format!("{folds}-fold cv"),
            (_, true) => "dev".to_string(),
            _ => format!("holdout {}", recipe.tuning.holdout),
        };
        let bar = progress.bar(
            tune::fits_needed(&plan, grid.len()),
            &format!("fitting {}", task.name),
        );
        let result = tune::train_head(&x, &fit_task, &plan, knobs, &tuning_name, &bar)?;
        bar.finish_and_clear();
        progress.note(&format!(
            "head `{}`: C {} (grid {:?}), temperature {}, threshold {:?}",
            task.name,
            result.c,
            result
                .grid
                .iter()
                .map(|(c, s)| format!("{c}:{s:.4}"))
                .collect::<Vec<_>>(),
            result.temperature,
            result.threshold
        ));
        if let Some(cv) = &result.cv {
            progress.note(&format!("head `{}`: {}", task.name, cv.to_line()));
        }
        results.push((result, eval_rows, rows_kind));
    }

    // Assemble the heads, then measure held-out rows through `predict_into`.
    for (h, (result, _, _)) in results.iter().enumerate() {
        let info = &data.heads[h];
        model.header.heads.push(HeadSpec {
            name: info.name.clone(),
            classes: info.classes.clone(),
            positive: info.positive.map(|p| info.classes[p].clone()),
            temperature: result.temperature,
            threshold: result.threshold,
        });
        model.heads.push(HeadWeights {
            weights: result.weights.clone(),
            bias: result.bias.clone(),
        });
    }
    let mut outcomes = Vec::with_capacity(n_heads);
    for (h, (result, eval_rows, rows_kind)) in results.into_iter().enumerate() {
        let heldout = eval_rows.map(|(rows, y)| {
            let (report, argmax_macro_f1) = heldout_report(&model, h, &x, &rows, &y);
            // Label meanings differ between corpora: one pooled figure can hide a corpus the
            // model fails on, so each source is also scored alone.
            let by_source = data
                .sources
                .iter()
                .enumerate()
                .filter_map(|(si, src)| {
                    let (r, t): (Vec<usize>, Vec<usize>) = rows
                        .iter()
                        .zip(&y)
                        .filter(|(&row, _)| data.rows[row].source == si)
                        .map(|(&row, &c)| (row, c))
                        .unzip();
                    (!r.is_empty())
                        .then(|| (src.name.clone(), heldout_report(&model, h, &x, &r, &t).0))
                })
                .collect();
            Heldout {
                rows: rows_kind.to_string(),
                report,
                argmax_macro_f1,
                by_source,
            }
        });
        if let Some(ho) = &heldout {
            progress.note(&format!(
                "head `{}`: {}: macro-F1 {:.4} (argmax {:.4}), accuracy {:.4}, ROC-AUC {}, ECE {:.4}",
                data.heads[h].name,
                ho.rows,
                ho.report.macro_f1,
                ho.argmax_macro_f1,
                ho.report.accuracy,
                ho.report.roc_auc.or(ho.report.roc_auc_ovr).map_or("-".into(), |v| format!("{v:.4}")),
                ho.report.ece
            ));
        }
        outcomes.push(HeadOutcome {
            name: data.heads[h].name.clone(),
            result,
            heldout,
        });
    }
    model.header.learner = json!({
        "name": "linfa-logistic MultiLogisticRegression (f32, L-BFGS)",
        "linfa": "0.8.1",
        "c_grid": grid,
        "max_iterations": recipe.learner.max_iterations,
        "gradient_tolerance": recipe.learner.gradient_tolerance,
        "class_weight": recipe.learner.class_weight,
        "chosen_c": outcomes.iter().map(|o| (o.name.clone(), json!(o.result.c))).collect::<serde_json::Map<_, _>>(),
    });
    model.header.metrics = json!(outcomes
        .iter()
        .map(|o| (
            o.name.clone(),
            json!({"tuning": o.result, "heldout": o.heldout})
        ))
        .collect::<serde_json::Map<_, _>>());
    for v in [
        &mut model.header.learner,
        &mut model.header.training,
        &mut model.header.metrics,
    ] {
        round_floats(v);
    }
    Ok(Trained {
        model,
        recipe: recipe.clone(),
        data,
        heads: outcomes,
        candidates: selected.candidates,
        command: opts.command.clone(),
    })
}

/// The report of head `h` on projected rows, through `Model::predict_into`.
fn heldout_report(
    model: &Model,
    h: usize,
    x: &[Sparse],
    rows: &[usize],
    y: &[usize],
) -> (Report, f64) {
    let spec = &model.header.heads[h];
    let k = spec.classes.len();
    let offset: usize = model.header.heads[..h]
        .iter()
        .map(|s| s.classes.len())
        .sum();
    let mut all = vec![0f32; model.n_outputs()];
    let mut probs = Vec::with_capacity(rows.len() * k);
    let mut raw_pred = Vec::with_capacity(rows.len());
    for &r in rows {
        model.predict_into(&x[r], &mut all);
        probs.extend_from_slice(&all[offset..offset + k]);
        raw_pred.push(calibrate::argmax(&model.logits(h, &x[r])));
    }
    let pred = calibrate::decide(&probs, k, spec.positive_index(), spec.threshold);
    let report = evaluate(&spec.classes, y, &probs, &pred, spec.positive_index());
    let argmax = crate::eval::Confusion::from_pairs(spec.classes.clone(), y, &raw_pred).macro_f1();
    (report, argmax)
}

/// Rounds every float in `v` to 7 significant digits. Full-precision f64 text (and f32 values
/// widened to f64, `0.0010000000474974513`) do not always survive a JSON parse without
/// serde_json's `float_roundtrip`; short decimals do, so a model read and rewritten keeps its
/// bytes.
fn round_floats(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(r) = format!("{x:.6e}")
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                *n = r;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round_floats),
        serde_json::Value::Object(o) => o.values_mut().for_each(round_floats),
        _ => {}
    }
}

/// The header fields known before fitting.
fn header(recipe: &Recipe, data: &Dataset, fingerprint: &str) -> ModelHeader {
    ModelHeader {
        task: recipe.task.clone(),
        input: recipe.input,
        heads: Vec::new(),
        features: recipe.features.clone(),
        tokenizer_fingerprint: fingerprint.to_string(),
        weighting: recipe.weighting.name().to_string(),
        learner: json!({}),
        training: json!({
            "recipe": recipe.name,
            "tokenizer": recipe.tokenizer_json(),
            "sources": data.sources,
            "heads": recipe.heads,
            "max_rows": recipe.max_rows,
            "selection": recipe.selection,
            "tuning": recipe.tuning,
        }),
        metrics: json!({}),
        seed: recipe.seed,
        slant_version: env!("CARGO_PKG_VERSION").to_string(),
    }
}
