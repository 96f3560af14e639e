//! Training one head: the C grid fitted in ascending order with warm starts, each candidate
//! judged on held-out rows (dev, a seeded holdout, or pooled out-of-fold predictions of k-fold
//! cross-validation) after its temperature and threshold were fitted there; the best candidate's
//! weights (or, for cross-validation, a refit on all training rows) become the head.

use indicatif::ProgressBar;
use serde::Serialize;
use slant_model::Sparse;

use super::calibrate::{best_threshold, decide, fit_temperature, probabilities};
use super::fit::{dense, fit, logits, Fitted};
use super::recipe::{ClassWeight, Learner, Metric};
use super::split::{stratified_folds, stratified_holdout, Rng};
use super::TrainError;
use crate::eval::{evaluate, Confusion, FoldSummary, Report};

/// Where a head's held-out predictions come from.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Separate rows (dev, or a holdout carved from training rows by [`holdout`]).
    Heldout { rows: Vec<usize>, y: Vec<usize> },
    /// k-fold cross-validation over the training rows.
    Cv { folds: usize },
}

/// One head's rows and classes.
#[derive(Debug, Clone)]
pub struct HeadTask<'a> {
    pub name: &'a str,
    pub classes: &'a [String],
    pub positive: Option<usize>,
    pub train_rows: Vec<usize>,
    pub train_y: Vec<usize>,
}

/// A trained head and how it was chosen.
#[derive(Debug, Clone, Serialize)]
pub struct HeadResult {
    #[serde(skip)]
    pub weights: Vec<f32>,
    #[serde(skip)]
    pub bias: Vec<f32>,
    pub c: f32,
    pub temperature: f32,
    pub threshold: Option<f32>,
    /// `dev`, `holdout` or `cv`.
    pub tuning: String,
    /// Rows the final weights were fitted on.
    pub fit_rows: usize,
    /// (C, held-out metric) for every grid point.
    pub grid: Vec<(f32, f64)>,
    /// Cross-validation: one report per fold at the chosen C.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<FoldSummary>,
}

/// Splits a head's training rows into (fit rows, fit labels) and (held-out rows, labels) by a
/// seeded stratified holdout.
#[allow(clippy::type_complexity)]
pub fn holdout(
    name: &str,
    rows: &[usize],
    y: &[usize],
    share: f64,
    seed: u64,
) -> ((Vec<usize>, Vec<usize>), (Vec<usize>, Vec<usize>)) {
    let held = stratified_holdout(y, share, &mut Rng::new(seed, &format!("holdout/{name}")));
    let (mut fit, mut out) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for ((&r, &c), &h) in rows.iter().zip(y).zip(&held) {
        let side = if h { &mut out } else { &mut fit };
        side.0.push(r);
        side.1.push(c);
    }
    (fit, out)
}

/// Settings shared by every head.
#[derive(Debug, Clone, Copy)]
pub struct Knobs<'a> {
    pub learner: &'a Learner,
    pub metric: Metric,
    pub seed: u64,
    pub d: usize,
}

/// A candidate's calibration and score on held-out logits.
struct Judged {
    temperature: f32,
    threshold: Option<f32>,
    score: f64,
}

fn prior_shift(bias: &mut [f32], counts: &[u64], weight: ClassWeight, binary_with_threshold: bool) {
    // Binary heads with a threshold get their balance from the threshold; shifting the bias
    // too would only distort the calibrated probabilities.
    if weight == ClassWeight::None || binary_with_threshold {
        return;
    }
    let n: u64 = counts.iter().sum();
    let k = counts.len() as f64;
    for (b, &c) in bias.iter_mut().zip(counts) {
        *b += ((n as f64) / (k * c.max(1) as f64)).ln() as f32;
    }
}

fn judge(z: &[f32], y: &[usize], task: &HeadTask<'_>, metric: Metric) -> Judged {
    let k = task.classes.len();
    let temperature = fit_temperature(z, k, y);
    let probs = probabilities(z, k, temperature);
    let threshold = match task.positive {
        Some(p) if k == 2 => Some(best_threshold(&probs, y, task.classes, p)),
        _ => None,
    };
    let pred = decide(&probs, k, task.positive, threshold);
    let conf = Confusion::from_pairs(task.classes.to_vec(), y, &pred);
    let score = match metric {
        Metric::MacroF1 => conf.macro_f1(),
        Metric::Accuracy => conf.accuracy(),
        Metric::MacroRecall => conf.macro_recall(),
    };
    Judged {
        temperature,
        threshold,
        score,
    }
}

fn class_counts(y: &[usize], k: usize) -> Vec<u64> {
    let mut c = vec![0u64; k];
    for &v in y {
        c[v] += 1;
    }
    c
}

/// Trains one head on projected rows `x` following `plan`.
///
/// # Errors
/// [`TrainError::Fit`] naming the head when linfa fails.
pub fn train_head(
    x: &[Sparse],
    task: &HeadTask<'_>,
    plan: &Plan,
    knobs: Knobs<'_>,
    tuning_name: &str,
    progress: &ProgressBar,
) -> Result<HeadResult, TrainError> {
    let k = task.classes.len();
    let binary_t = k == 2 && task.positive.is_some();
    let counts = class_counts(&task.train_y, k);
    let mut grid_c = knobs.learner.c.clone();
    grid_c.sort_by(f32::total_cmp);
    grid_c.dedup();
    let err = |message: String| TrainError::Fit {
        head: task.name.to_string(),
        message,
    };
    let fit_one = |xm: &ndarray::Array2<f32>,
                   y: &[usize],
                   c: f32,
                   warm: Option<&ndarray::Array2<f32>>|
     -> Result<Fitted, TrainError> {
        let mut f = fit(xm, y, k, c, knobs.learner, warm).map_err(err)?;
        prior_shift(&mut f.bias, &counts, knobs.learner.class_weight, binary_t);
        progress.inc(1);
        Ok(f)
    };
    match plan {
        Plan::Heldout { rows, y } => {
            let xm = dense(x, &task.train_rows, knobs.d);
            let mut best: Option<(Fitted, Judged, f32)> = None;
            let mut warm: Option<ndarray::Array2<f32>> = None;
            let mut grid = Vec::new();
            for &c in &grid_c {
                let f = fit_one(&xm, &task.train_y, c, warm.as_ref())?;
                let z = logits(x, rows, &f.weights, &f.bias);
                let j = judge(&z, y, task, knobs.metric);
                grid.push((c, j.score));
                warm = Some(f.warm.clone());
                if best.as_ref().is_none_or(|b| j.score > b.1.score + 1e-12) {
                    best = Some((f, j, c));
                }
            }
            let (f, j, c) = best.expect("grid is not empty");
            Ok(HeadResult {
                weights: f.weights,
                bias: f.bias,
                c,
                temperature: j.temperature,
                threshold: j.threshold,
                tuning: tuning_name.to_string(),
                fit_rows: task.train_rows.len(),
                grid,
                folds: Vec::new(),
                cv: None,
            })
        }
        Plan::Cv { folds } => {
            let n = task.train_rows.len();
            let fold_of = stratified_folds(
                &task.train_y,
                *folds,
                &mut Rng::new(knobs.seed, &format!("cv/{}", task.name)),
            );
            // Out-of-fold logits per grid point.
            let mut oof = vec![vec![0f32; n * k]; grid_c.len()];
            let mut first_fold_warm: Vec<Option<ndarray::Array2<f32>>> = vec![None; grid_c.len()];
            for f in 0..*folds {
                let (tr, va): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold_of[i] != f);
                let tr_rows: Vec<usize> = tr.iter().map(|&i| task.train_rows[i]).collect();
                let tr_y: Vec<usize> = tr.iter().map(|&i| task.train_y[i]).collect();
                let va_rows: Vec<usize> = va.iter().map(|&i| task.train_rows[i]).collect();
                let xm = dense(x, &tr_rows, knobs.d);
                let mut warm: Option<ndarray::Array2<f32>> = None;
                for (gi, &c) in grid_c.iter().enumerate() {
                    let fitted = fit_one(&xm, &tr_y, c, warm.as_ref())?;
                    let z = logits(x, &va_rows, &fitted.weights, &fitted.bias);
                    for (vi, &i) in va.iter().enumerate() {
                        oof[gi][i * k..(i + 1) * k].copy_from_slice(&z[vi * k..(vi + 1) * k]);
                    }
                    if f == 0 {
                        first_fold_warm[gi] = Some(fitted.warm.clone());
                    }
                    warm = Some(fitted.warm);
                }
            }
            let mut grid = Vec::new();
            let mut best: Option<(usize, Judged)> = None;
            for (gi, &c) in grid_c.iter().enumerate() {
                let j = judge(&oof[gi], &task.train_y, task, knobs.metric);
                grid.push((c, j.score));
                if best.as_ref().is_none_or(|b| j.score > b.1.score + 1e-12) {
                    best = Some((gi, j));
                }
            }
            let (gi, j) = best.expect("grid is not empty");
            let probs = probabilities(&oof[gi], k, j.temperature);
            let reports: Vec<Report> = (0..*folds)
                .map(|f| {
                    let idx: Vec<usize> = (0..n).filter(|&i| fold_of[i] == f).collect();
                    let p: Vec<f32> = idx
                        .iter()
                        .flat_map(|&i| probs[i * k..(i + 1) * k].to_vec())
                        .collect();
                    let y: Vec<usize> = idx.iter().map(|&i| task.train_y[i]).collect();
                    let pred = decide(&p, k, task.positive, j.threshold);
                    evaluate(task.classes, &y, &p, &pred, task.positive)
                })
                .collect();
            let xm = dense(x, &task.train_rows, knobs.d);
            let final_fit = fit_one(&xm, &task.train_y, grid_c[gi], first_fold_warm[gi].as_ref())?;
            Ok(HeadResult {
                weights: final_fit.weights,
                bias: final_fit.bias,
                c: grid_c[gi],
                temperature: j.temperature,
                threshold: j.threshold,
                tuning: tuning_name.to_string(),
                fit_rows: n,
                grid,
                cv: Some(FoldSummary::of(&reports)),
                folds: reports,
            })
        }
    }
}

/// Number of linfa fits `plan` needs (for the progress bar).
pub fn fits_needed(plan: &Plan, grid: usize) -> u64 {
    match plan {
        Plan::Heldout { .. } => grid as u64,
        Plan::Cv { folds } => (folds * grid + 1) as u64,
    }
}
