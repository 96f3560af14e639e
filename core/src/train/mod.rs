//! Offline training: recipe → data (grouped: same text or same `group_by` value) → tokens
//! (through the tokenize plugin) → hashed features (`slant_model::extract`) → per pass: χ²/df
//! selection and idf/NB weights on that pass's training rows, projected through
//! `slant_model::Model::project` → one multinomial logistic regression per head (sparse
//! L-BFGS, [`fit`]) → C, temperature and threshold chosen by grouped cross-validation, a grouped
//! holdout or dev rows ([`tune`]) → a [`slant_model::Model`], written atomically with a
//! Markdown model card beside it.
//!
//! Modules, in pipeline order: [`recipe`] (the TOML recipe, checked once into a
//! [`recipe::CheckedRecipe`]), [`data`] (rows, labels, groups), [`select`] (χ²/df selection,
//! idf, NB ratios), [`fit`] (the solver), [`calibrate`] (temperature, threshold), [`tune`]
//! (passes, folds, the grid), [`export`] and [`card`] (model file and card), [`split`] (seeded
//! randomness), [`tree`] (phrase trees), [`progress`]. Reading records and tokenizing them are
//! shared with serving and live in [`crate::serve`].
//!
//! Determinism: no clocks, seeded splits, sums in fixed blocks added in order, so the same
//! recipe and data give the same bytes.

pub mod calibrate;
pub mod card;
pub mod data;
pub mod export;
pub mod fit;
pub mod progress;
pub mod recipe;
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
use crate::serve::decide::{argmax, decide};
use crate::serve::featurize::{self, DocInput};
use data::Dataset;
use progress::Progress;
use recipe::{CheckedRecipe, Recipe, TuningMethod};
use tune::{HeadResult, HeadTask};

/// Everything that can stop a training run; each names the file, line or head.
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
    /// What the rows are: "dev (used to pick …)" or "dev (untouched: …)".
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
    pub recipe: CheckedRecipe,
    pub data: Dataset,
    pub heads: Vec<HeadOutcome>,
    /// Buckets that passed `min_df` before the top-k.
    pub candidates: usize,
    pub command: String,
}

/// How a run tunes its heads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Plan {
    /// Grouped k-fold cross-validation on the training rows; dev rows stay untouched.
    Cv(usize),
    /// The dev rows choose C, temperature and threshold.
    Dev,
    /// A grouped share of the training rows does (no dev rows, or `method = "holdout"`).
    Holdout(f64),
}

impl Plan {
    /// How many validation folds the plan fits (`None`: the dev rows validate).
    fn validation_folds(self) -> Option<usize> {
        match self {
            Plan::Cv(k) => Some(k),
            Plan::Holdout(_) => Some(1),
            Plan::Dev => None,
        }
    }

    fn of(recipe: &Recipe, opts: &TrainOptions, has_dev: bool) -> Plan {
        match (opts.cv, recipe.tuning.method) {
            (Some(k), _) => Plan::Cv(k),
            (None, TuningMethod::Cv) => Plan::Cv(recipe.tuning.folds),
            (None, TuningMethod::Auto) if has_dev => Plan::Dev,
            _ => Plan::Holdout(recipe.tuning.holdout),
        }
    }

    /// What chose C, temperature and threshold (the card's "tuning" column).
    fn name(self) -> String {
        match self {
            Plan::Cv(k) => format!("{k}-fold grouped cv on train"),
            Plan::Dev => "dev".into(),
            Plan::Holdout(share) => format!("grouped holdout {share} of train"),
        }
    }

    /// What the dev rows are, for their report.
    fn dev_rows(self) -> &'static str {
        match self {
            Plan::Dev => "dev (used to pick C, temperature, threshold)",
            _ => "dev (untouched: C, temperature and threshold chosen on train)",
        }
    }
}

/// Trains the model `recipe` describes; relative source paths are taken from `base`.
///
/// # Errors
/// Any [`TrainError`]: bad data, a missing or failing tokenize plugin, a failed fit.
pub fn train(
    recipe: &CheckedRecipe,
    base: &Path,
    opts: &TrainOptions,
) -> Result<Trained, TrainError> {
    check_options(opts)?;
    let data = load_data(recipe, base, opts.progress)?;
    let (raw, fingerprint) = featurize_rows(recipe, &data, opts)?;
    let tasks = HeadTask::all(&data);
    let plan = Plan::of(recipe, opts, tasks.iter().any(|t| !t.dev_rows.is_empty()));
    let proto = header(recipe, &data, &fingerprint);
    let bar = opts.progress.bar(
        tune::fits_needed(tasks.len(), recipe.c_grid().len(), plan.validation_folds()),
        "fitting",
    );
    let ctx = tune::Context {
        raw: &raw,
        data: &data,
        recipe,
        header: &proto,
        progress: &bar,
    };
    let (pass, results) = tune_heads(ctx, &tasks, plan)?;
    bar.finish_and_clear();
    let candidates = pass.candidates;
    let mut model = assemble(pass, recipe, &data, &results, opts.progress);
    let heads = evaluate_on_dev(&model, &data, raw, results, &tasks, plan, opts.progress);
    finish_header(&mut model, recipe, &heads);
    Ok(Trained {
        model,
        recipe: recipe.clone(),
        data,
        heads,
        candidates,
        command: opts.command.clone(),
    })
}

/// Refuses options out of range (the recipe itself is checked already).
fn check_options(opts: &TrainOptions) -> Result<(), TrainError> {
    match opts.cv.filter(|k| !(2..=50).contains(k)) {
        Some(k) => Err(TrainError::Recipe {
            path: "--cv".into(),
            message: format!("{k} folds: need 2..=50"),
        }),
        None => Ok(()),
    }
}

/// Chooses every head's C, temperature and threshold as `plan` says, then fits the final pass.
fn tune_heads(
    ctx: tune::Context<'_>,
    tasks: &[HeadTask<'_>],
    plan: Plan,
) -> Result<(tune::PassResult, Vec<HeadResult>), TrainError> {
    match plan {
        Plan::Dev => {
            let without_dev: Vec<bool> = tasks.iter().map(|t| t.dev_rows.is_empty()).collect();
            let pre = tune::holdout_for(ctx, tasks, &without_dev, ctx.recipe.tuning.holdout)?;
            tune::on_dev(ctx, tasks, pre)
        }
        Plan::Cv(k) => {
            let fold_of = tune::fold_assignment(ctx, k, None);
            let tuned = tune::cross_validate(ctx, tasks, &fold_of, k)?;
            tune::final_pass(ctx, tasks, tuned, &plan.name())
        }
        Plan::Holdout(share) => {
            let fold_of = tune::fold_assignment(ctx, 1, Some(share));
            let tuned = tune::cross_validate(ctx, tasks, &fold_of, 1)?;
            tune::final_pass(ctx, tasks, tuned, &plan.name())
        }
    }
}

/// The model of the final pass with every trained head appended, each noted on the console.
fn assemble(
    pass: tune::PassResult,
    recipe: &Recipe,
    data: &Dataset,
    results: &[HeadResult],
    progress: Progress,
) -> Model {
    progress.note(&format!(
        "selected {} of {} buckets ({:?}, min_df {})",
        pass.model.n_features(),
        pass.candidates,
        recipe.selection.method,
        recipe.selection.min_df
    ));
    let mut model = pass.model;
    for (info, result) in data.heads.iter().zip(results) {
        note_result(progress, &info.name, result);
        add_head(&mut model, info, result);
    }
    model
}

/// Each head's outcome: its tuning result and, when it has dev rows, their report through the
/// serving path. Consumes the raw features: only their projection is needed from here on.
fn evaluate_on_dev(
    model: &Model,
    data: &Dataset,
    raw: Vec<Sparse>,
    results: Vec<HeadResult>,
    tasks: &[HeadTask<'_>],
    plan: Plan,
    progress: Progress,
) -> Vec<HeadOutcome> {
    let x: Vec<Sparse> = raw.par_iter().map(|r| model.project(r)).collect();
    drop(raw);
    results
        .into_iter()
        .zip(tasks)
        .enumerate()
        .map(|(h, (result, task))| {
            let heldout = (!task.dev_rows.is_empty())
                .then(|| dev_report(model, data, h, &x, task, plan.dev_rows()));
            if let Some(ho) = &heldout {
                note_heldout(progress, task.name, ho);
            }
            HeadOutcome {
                name: task.name.to_string(),
                result,
                heldout,
            }
        })
        .collect()
}

/// Reads the recipe's data and says how many rows each head has.
fn load_data(
    recipe: &CheckedRecipe,
    base: &Path,
    progress: Progress,
) -> Result<Dataset, TrainError> {
    let data = data::load(recipe, base)?;
    for info in &data.heads {
        progress.note(&format!(
            "head `{}`: train {} / dev {}",
            info.name,
            data::describe_counts(&info.classes, &info.train_counts),
            data::describe_counts(&info.classes, &info.dev_counts),
        ));
    }
    Ok(data)
}

/// Tokenizes every row through the tokenize plugin and hashes its features; also returns the
/// tokenizer's fingerprint.
fn featurize_rows(
    recipe: &Recipe,
    data: &Dataset,
    opts: &TrainOptions,
) -> Result<(Vec<Sparse>, String), TrainError> {
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
    let bar = opts.progress.bar(docs.len() as u64, "featurizing");
    let spec = &recipe.features;
    let raw: Vec<Sparse> =
        featurize::map_docs(&tokenizer, recipe.input, &docs, &bar, |d| extract(spec, d))?;
    bar.finish_and_clear();
    Ok((raw, fingerprint))
}

fn note_result(progress: Progress, name: &str, result: &HeadResult) {
    progress.note(&format!(
        "head `{name}`: C {} by {} (grid {}), temperature {}, threshold {:?}",
        result.c,
        result.tuning,
        result
            .grid
            .iter()
            .map(|g| format!(
                "{}: {:.4} [{} it, |g|/|g0| {:.1e}, {}/{} converged]",
                g.c, g.score, g.iterations, g.relative_gradient, g.converged, g.fits
            ))
            .collect::<Vec<_>>()
            .join("; "),
        result.temperature,
        result.threshold
    ));
    if let Some(cv) = &result.cv {
        progress.note(&format!("head `{name}`: {}", cv.to_line()));
    }
}

fn note_heldout(progress: Progress, name: &str, ho: &Heldout) {
    progress.note(&format!(
        "head `{name}`: {}: macro-F1 {:.4} (argmax {:.4}), accuracy {:.4}, ROC-AUC {}, ECE {:.4}",
        ho.rows,
        ho.report.macro_f1,
        ho.argmax_macro_f1,
        ho.report.accuracy,
        ho.report
            .roc_auc
            .or(ho.report.roc_auc_ovr)
            .map_or("-".into(), |v| format!("{v:.4}")),
        ho.report.ece
    ));
}

/// Appends a trained head to the model.
fn add_head(model: &mut Model, info: &data::HeadInfo, result: &HeadResult) {
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

/// Head `h` on its dev rows through the serving path, pooled and per source.
fn dev_report(
    model: &Model,
    data: &Dataset,
    h: usize,
    x: &[Sparse],
    task: &HeadTask<'_>,
    rows_kind: &str,
) -> Heldout {
    let (rows, y) = (&task.dev_rows, &task.dev_y);
    let (report, argmax_macro_f1) = heldout_report(model, h, x, rows, y);
    // Label meanings differ between corpora: one pooled figure can hide a corpus the model
    // fails on, so each source is also scored alone.
    let by_source = data
        .sources
        .iter()
        .enumerate()
        .filter_map(|(si, src)| {
            let (r, t): (Vec<usize>, Vec<usize>) = rows
                .iter()
                .zip(y)
                .filter(|(&row, _)| data.rows[row].source == si)
                .map(|(&row, &c)| (row, c))
                .unzip();
            (!r.is_empty()).then(|| (src.name.clone(), heldout_report(model, h, x, &r, &t).0))
        })
        .collect();
    Heldout {
        rows: rows_kind.to_string(),
        report,
        argmax_macro_f1,
        by_source,
    }
}

/// The learner and metrics sections of the header, floats rounded so they survive a reread.
fn finish_header(model: &mut Model, recipe: &CheckedRecipe, outcomes: &[HeadOutcome]) {
    model.header.learner = json!({
        "name": "linfa-logistic MultiLogisticRegression (f32, L-BFGS)",
        "linfa": "0.8.1",
        "c_grid": recipe.c_grid(),
        "max_iterations": recipe.learner.max_iterations,
        "relative_gradient_tolerance": recipe.learner.gradient_tolerance,
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
    let range = model.header.head_range(h);
    let mut all = vec![0f32; model.n_outputs()];
    let mut probs = Vec::with_capacity(rows.len() * k);
    let mut raw_pred = Vec::with_capacity(rows.len());
    for &r in rows {
        model.predict_into(&x[r], &mut all);
        probs.extend_from_slice(&all[range.clone()]);
        raw_pred.push(argmax(&model.logits(h, &x[r])));
    }
    let pred = decide(&probs, k, spec.positive_index(), spec.threshold);
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
