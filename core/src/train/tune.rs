//! Choosing each head's C, temperature and threshold without leaks.
//!
//! Everything fitted from labels — the χ² columns, their idf or NB weights, the linfa weights —
//! is fitted inside a *pass* ([`pass`]) on that pass's training rows only. A pass fits every
//! head's C grid in ascending order (warm starts; see [`super::fit`] for why they cannot skip a
//! candidate) and scores its evaluation rows.
//!
//! - Cross-validation ([`cross_validate`]): one pass per fold; folds keep groups whole
//!   ([`super::split::group_folds`]) and are shared by all heads. C, temperature and threshold
//!   are chosen on the pooled out-of-fold logits; the reported per-fold figures use a
//!   temperature and threshold fitted on the *other* folds (cross-fitted), so only the choice of
//!   C among a few grid points touches the rows a figure is measured on.
//! - Dev ([`on_dev`]): one pass on all training rows, judged on the dev rows, which are then no
//!   longer an untouched estimate (the card says so).
//! - Holdout: cross-validation with one validation fold (a grouped share of training rows).
//!
//! Cross-validation and holdout end with a final pass on all training rows at each head's
//! chosen C ([`final_pass`]).

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;
use slant_model::{Model, ModelHeader, Sparse};

use super::calibrate::{best_threshold, fit_temperature, probabilities};
use super::data::Dataset;
use super::fit::{fit, logits, Convergence, Fitted};
use super::recipe::{CheckedRecipe, ClassWeight, Metric, Split};
use super::select::{self, HeadRows};
use super::split::{group_folds, Rng};
use super::TrainError;
use crate::eval::{evaluate, Confusion, FoldSummary, Report};
use crate::serve::decide::decide;

/// One head's labeled rows.
#[derive(Debug, Clone)]
pub struct HeadTask<'a> {
    pub name: &'a str,
    pub classes: &'a [String],
    pub positive: Option<usize>,
    pub train_rows: Vec<usize>,
    pub train_y: Vec<usize>,
    pub dev_rows: Vec<usize>,
    pub dev_y: Vec<usize>,
}

impl<'a> HeadTask<'a> {
    /// Every head's train and dev rows from `data`.
    pub fn all(data: &'a Dataset) -> Vec<HeadTask<'a>> {
        data.heads
            .iter()
            .enumerate()
            .map(|(h, info)| {
                let mut task = HeadTask {
                    name: &info.name,
                    classes: &info.classes,
                    positive: info.positive,
                    train_rows: Vec::new(),
                    train_y: Vec::new(),
                    dev_rows: Vec::new(),
                    dev_y: Vec::new(),
                };
                for (i, row) in data.rows.iter().enumerate() {
                    if let Some(c) = row.labels[h] {
                        let (rows, y) = match row.split {
                            Split::Train => (&mut task.train_rows, &mut task.train_y),
                            Split::Dev => (&mut task.dev_rows, &mut task.dev_y),
                        };
                        rows.push(i);
                        y.push(c);
                    }
                }
                task
            })
            .collect()
    }

    fn k(&self) -> usize {
        self.classes.len()
    }
}

/// What a pass needs besides its rows.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub raw: &'a [Sparse],
    pub data: &'a Dataset,
    pub recipe: &'a CheckedRecipe,
    /// The model header so far (columns and heads are added per pass).
    pub header: &'a ModelHeader,
    pub progress: &'a ProgressBar,
}

/// One grid point of one head: its score and how its fits ended.
#[derive(Debug, Clone, Serialize)]
pub struct GridPoint {
    pub c: f32,
    /// The tuning metric on the held-out rows (pooled out-of-fold rows for cross-validation).
    pub score: f64,
    /// Most iterations any of its fits used.
    pub iterations: u64,
    /// Largest final ‖∇L‖ / ‖∇L(0)‖ over its fits.
    pub relative_gradient: f32,
    /// Fits that reached the gradient tolerance, of `fits`.
    pub converged: usize,
    pub fits: usize,
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
    /// What chose C, temperature and threshold: `5-fold cv (grouped)`, `dev`, `holdout 0.1`.
    pub tuning: String,
    /// Rows the final weights were fitted on (repeats counted).
    pub fit_rows: usize,
    pub grid: Vec<GridPoint>,
    /// How the final fit ended.
    pub final_fit: Convergence,
    /// Cross-validation: one report per fold at the chosen C (cross-fitted calibration).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<FoldSummary>,
    /// Cross-validation: the pooled out-of-fold rows of each source, in recipe order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cv_by_source: Vec<(String, Report)>,
}

/// A pass's rows for one head.
struct PassHead {
    fit_rows: Vec<usize>,
    fit_y: Vec<usize>,
    eval_rows: Vec<usize>,
    grid: Vec<f32>,
}

/// The columns a pass chose and its fits: per head, per grid point, the fit and the logits of
/// its evaluation rows.
pub struct PassResult {
    pub model: Model,
    pub candidates: usize,
    fits: Vec<Vec<(Fitted, Vec<f32>)>>,
}

/// Selects and weights columns on the pass's training rows, projects every row onto them, and
/// fits each head's grid.
fn pass(
    ctx: Context<'_>,
    tasks: &[HeadTask<'_>],
    heads: &[PassHead],
) -> Result<PassResult, TrainError> {
    let selected = select_columns(&ctx, tasks, heads)?;
    let candidates = selected.candidates;
    let model = Model::new(
        ctx.header.clone(),
        selected.feature_ids,
        selected.column_weights,
        Vec::new(),
    );
    let x: Vec<Sparse> = ctx.raw.par_iter().map(|r| model.project(r)).collect();
    let fits = tasks
        .iter()
        .zip(heads)
        .map(|(task, head)| fit_grid(&ctx, &x, model.n_features(), task, head))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PassResult {
        model,
        candidates,
        fits,
    })
}

/// The columns selection keeps on the pass's training rows (each training document counted once
/// per head, whatever its repeats in the fit).
///
/// # Errors
/// No feature passed selection.
fn select_columns(
    ctx: &Context<'_>,
    tasks: &[HeadTask<'_>],
    heads: &[PassHead],
) -> Result<select::Selected, TrainError> {
    let mut doc_rows: Vec<usize> = heads
        .iter()
        .flat_map(|h| h.fit_rows.iter().copied())
        .collect();
    doc_rows.sort_unstable();
    doc_rows.dedup();
    // Selection counts each training document once, whatever its repeats in the fit.
    let unique: Vec<(Vec<usize>, Vec<usize>)> = heads
        .iter()
        .map(|h| {
            let mut pairs: Vec<(usize, usize)> = h
                .fit_rows
                .iter()
                .copied()
                .zip(h.fit_y.iter().copied())
                .collect();
            pairs.sort_unstable();
            pairs.dedup();
            pairs.into_iter().unzip()
        })
        .collect();
    let head_rows: Vec<HeadRows<'_>> = unique
        .iter()
        .zip(tasks)
        .map(|((rows, y), t)| HeadRows {
            rows,
            classes: y,
            n_classes: t.k(),
        })
        .collect();
    let selected = select::select(
        ctx.raw,
        &doc_rows,
        &head_rows,
        &ctx.recipe.selection,
        ctx.recipe.weighting,
    );
    if selected.feature_ids.is_empty() {
        return Err(TrainError::Data {
            message: "no feature passed selection (too few rows for min_df?)".into(),
        });
    }
    Ok(selected)
}

/// One head's fits over its grid of C (each warm-started from the one before, its bias shifted
/// to the training prior), with the logits of the head's evaluation rows under each.
///
/// # Errors
/// A fit failed.
fn fit_grid(
    ctx: &Context<'_>,
    x: &[Sparse],
    d: usize,
    task: &HeadTask<'_>,
    head: &PassHead,
) -> Result<Vec<(Fitted, Vec<f32>)>, TrainError> {
    let k = task.k();
    let counts = class_counts(&head.fit_y, k);
    let learner = &ctx.recipe.learner;
    let mut warm: Option<ndarray::Array1<f64>> = None;
    let mut grid = Vec::with_capacity(head.grid.len());
    for &c in &head.grid {
        let mut f = fit(
            x,
            &head.fit_rows,
            &head.fit_y,
            k,
            d,
            c,
            learner,
            warm.as_ref(),
        )
        .map_err(|message| TrainError::Fit {
            head: task.name.to_string(),
            message,
        })?;
        let binary_t = k == 2 && task.positive.is_some();
        prior_shift(&mut f.bias, &counts, learner.class_weight, binary_t);
        ctx.progress.inc(1);
        let z = logits(x, &head.eval_rows, &f.weights, &f.bias);
        warm = Some(f.warm.clone());
        grid.push((f, z));
    }
    Ok(grid)
}

/// The rows a fit sees: each row repeated by its source's `repeat` and, with
/// `class_weight = "resample"`, by its class's share (rarer classes about as often as the
/// largest).
fn fit_rows(ctx: Context<'_>, rows: &[usize], y: &[usize], k: usize) -> (Vec<usize>, Vec<usize>) {
    let repeat = |r: usize| {
        ctx.recipe.sources[ctx.data.rows[r].source]
            .repeat
            .unwrap_or(1) as usize
    };
    let mut weighted = vec![0usize; k];
    for (&r, &c) in rows.iter().zip(y) {
        weighted[c] += repeat(r);
    }
    let largest = weighted.iter().copied().max().unwrap_or(1);
    let class_factor: Vec<usize> = weighted
        .iter()
        .map(|&n| match ctx.recipe.learner.class_weight {
            ClassWeight::Resample if n > 0 => ((largest as f64 / n as f64).round() as usize).max(1),
            _ => 1,
        })
        .collect();
    let mut out = (Vec::new(), Vec::new());
    for (&r, &c) in rows.iter().zip(y) {
        for _ in 0..repeat(r) * class_factor[c] {
            out.0.push(r);
            out.1.push(c);
        }
    }
    out
}

/// The held-out calibration of a candidate and its score.
struct Judged {
    temperature: f32,
    threshold: Option<f32>,
    score: f64,
}

fn prior_shift(bias: &mut [f32], counts: &[u64], weight: ClassWeight, binary_with_threshold: bool) {
    // Binary heads with a threshold get their balance from the threshold; shifting the bias
    // too would only distort the calibrated probabilities. Resampled heads are balanced already.
    if weight != ClassWeight::Balanced || binary_with_threshold {
        return;
    }
    let n: u64 = counts.iter().sum();
    let k = counts.len() as f64;
    for (b, &c) in bias.iter_mut().zip(counts) {
        *b += ((n as f64) / (k * c.max(1) as f64)).ln() as f32;
    }
}

/// Fits temperature and (binary heads) threshold on logits `z` of rows labeled `y`.
fn calibrate(z: &[f32], y: &[usize], task: &HeadTask<'_>) -> (f32, Option<f32>) {
    let k = task.k();
    let temperature = fit_temperature(z, k, y);
    let threshold = match task.positive {
        Some(p) if k == 2 => {
            let probs = probabilities(z, k, temperature);
            Some(best_threshold(&probs, y, task.classes, p))
        }
        _ => None,
    };
    (temperature, threshold)
}

fn score(
    probs: &[f32],
    y: &[usize],
    task: &HeadTask<'_>,
    threshold: Option<f32>,
    metric: Metric,
) -> f64 {
    let pred = decide(probs, task.k(), task.positive, threshold);
    let conf = Confusion::from_pairs(task.classes.to_vec(), y, &pred);
    match metric {
        Metric::MacroF1 => conf.macro_f1(),
        Metric::Accuracy => conf.accuracy(),
        Metric::MacroRecall => conf.macro_recall(),
    }
}

fn judge(z: &[f32], y: &[usize], task: &HeadTask<'_>, metric: Metric) -> Judged {
    let (temperature, threshold) = calibrate(z, y, task);
    let probs = probabilities(z, task.k(), temperature);
    Judged {
        temperature,
        threshold,
        score: score(&probs, y, task, threshold, metric),
    }
}

fn class_counts(y: &[usize], k: usize) -> Vec<u64> {
    let mut c = vec![0u64; k];
    for &v in y {
        c[v] += 1;
    }
    c
}

/// The best grid point (first on ties, i.e. the smallest C).
fn best(scores: &[Judged]) -> usize {
    let mut best = 0;
    for (i, j) in scores.iter().enumerate() {
        if j.score > scores[best].score + 1e-12 {
            best = i;
        }
    }
    best
}

fn grid_point(c: f32, score: f64, fits: &[Convergence]) -> GridPoint {
    GridPoint {
        c,
        score,
        iterations: fits.iter().map(|f| f.iterations).max().unwrap_or(0),
        relative_gradient: fits.iter().map(|f| f.relative_gradient).fold(0.0, f32::max),
        converged: fits.iter().filter(|f| f.converged).count(),
        fits: fits.len(),
    }
}

/// Tunes every head on its dev rows: one pass on all training rows. Heads without dev rows
/// come with their settings already chosen (`pre`, by a grouped holdout) and are fitted at
/// their C. Returns the pass (its columns become the model's) and each head's result.
///
/// # Errors
/// A failed selection or fit.
pub fn on_dev(
    ctx: Context<'_>,
    tasks: &[HeadTask<'_>],
    pre: Vec<Option<(Tuned, String)>>,
) -> Result<(PassResult, Vec<HeadResult>), TrainError> {
    let grid = ctx.recipe.c_grid();
    let heads: Vec<PassHead> = tasks
        .iter()
        .zip(&pre)
        .map(|(t, pre)| {
            let (fit_rows, fit_y) = fit_rows(ctx, &t.train_rows, &t.train_y, t.k());
            PassHead {
                fit_rows,
                fit_y,
                eval_rows: t.dev_rows.clone(),
                grid: pre
                    .as_ref()
                    .map_or_else(|| grid.to_vec(), |(tu, _)| vec![tu.c]),
            }
        })
        .collect();
    let mut result = pass(ctx, tasks, &heads)?;
    let mut out = Vec::with_capacity(tasks.len());
    for (((task, head), fits), pre) in tasks
        .iter()
        .zip(&heads)
        .zip(result.fits.iter_mut())
        .zip(pre)
    {
        if let Some((tu, tuning)) = pre {
            out.push(finish(tu, &tuning, head, fits.swap_remove(0).0));
            continue;
        }
        let judged: Vec<Judged> = fits
            .iter()
            .map(|(_, z)| judge(z, &task.dev_y, task, ctx.recipe.tuning.metric))
            .collect();
        let b = best(&judged);
        let points = grid
            .iter()
            .zip(&judged)
            .zip(fits.iter())
            .map(|((&c, j), (f, _))| grid_point(c, j.score, &[f.convergence]))
            .collect();
        let chosen = fits.swap_remove(b).0;
        out.push(HeadResult {
            weights: chosen.weights,
            bias: chosen.bias,
            c: grid[b],
            temperature: judged[b].temperature,
            threshold: judged[b].threshold,
            tuning: "dev".into(),
            fit_rows: head.fit_rows.len(),
            grid: points,
            final_fit: chosen.convergence,
            folds: Vec::new(),
            cv: None,
            cv_by_source: Vec::new(),
        });
    }
    Ok((result, out))
}

/// How cross-validation chose a head's settings, before the final fit.
pub struct Tuned {
    pub c: f32,
    pub temperature: f32,
    pub threshold: Option<f32>,
    pub grid: Vec<GridPoint>,
    pub folds: Vec<Report>,
    pub cv: Option<FoldSummary>,
    pub cv_by_source: Vec<(String, Report)>,
}

/// The fold of each training row (labeled for any head), or `None` for rows never held out.
/// `folds` grouped folds; `holdout = Some(share)` holds out one grouped share instead.
pub fn fold_assignment(ctx: Context<'_>, folds: usize, holdout: Option<f64>) -> Vec<Option<usize>> {
    let rows = &ctx.data.rows;
    let train: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].split == Split::Train && rows[i].labels.iter().any(Option::is_some))
        .collect();
    let groups: Vec<u32> = train.iter().map(|&i| rows[i].group).collect();
    // Strata: the source and every head's class, so each fold mirrors the whole.
    let strata: Vec<u64> = train
        .iter()
        .map(|&i| {
            let mut key = format!("{}", rows[i].source);
            for l in &rows[i].labels {
                key.push_str(&l.map_or("/-".into(), |c| format!("/{c}")));
            }
            super::data::fnv1a(key.as_bytes())
        })
        .collect();
    let mut rng = Rng::new(ctx.recipe.seed, "cv");
    let mut fold = vec![None; rows.len()];
    match holdout {
        None => {
            for (&i, f) in train
                .iter()
                .zip(group_folds(&groups, &strata, folds, &mut rng))
            {
                fold[i] = Some(f);
            }
        }
        Some(share) => {
            // Deal groups into 1 / share slots; slot 0 is held out.
            let slots = ((1.0 / share).round() as usize).max(2);
            for (&i, f) in train
                .iter()
                .zip(group_folds(&groups, &strata, slots, &mut rng))
            {
                fold[i] = (f == 0).then_some(0);
            }
        }
    }
    fold
}

/// Tunes the heads `which` by a grouped holdout of `share` of their training rows: the
/// settings [`on_dev`] takes for heads without dev rows.
///
/// # Errors
/// A failed selection or fit.
pub fn holdout_for(
    ctx: Context<'_>,
    tasks: &[HeadTask<'_>],
    which: &[bool],
    share: f64,
) -> Result<Vec<Option<(Tuned, String)>>, TrainError> {
    if !which.iter().any(|&w| w) {
        return Ok(tasks.iter().map(|_| None).collect());
    }
    let fold_of = fold_assignment(ctx, 1, Some(share));
    let chosen: Vec<HeadTask<'_>> = tasks
        .iter()
        .zip(which)
        .filter(|(_, &w)| w)
        .map(|(t, _)| t.clone())
        .collect();
    let mut tuned = cross_validate(ctx, &chosen, &fold_of, 1)?.into_iter();
    let name = format!("grouped holdout {share} of train");
    Ok(which
        .iter()
        .map(|&w| {
            if w {
                tuned.next().map(|t| (t, name.clone()))
            } else {
                None
            }
        })
        .collect())
}

/// Cross-validates every head over `fold_of` (from [`fold_assignment`]) with `folds`
/// validation folds.
///
/// # Errors
/// A failed selection or fit.
pub fn cross_validate(
    ctx: Context<'_>,
    tasks: &[HeadTask<'_>],
    fold_of: &[Option<usize>],
    folds: usize,
) -> Result<Vec<Tuned>, TrainError> {
    let grid = ctx.recipe.c_grid();
    // Per head: out-of-fold logits per grid point, in the order of its training rows.
    let mut oof: Vec<Vec<Vec<f32>>> = tasks
        .iter()
        .map(|t| vec![vec![0f32; t.train_rows.len() * t.k()]; grid.len()])
        .collect();
    let mut conv: Vec<Vec<Vec<Convergence>>> = vec![vec![Vec::new(); grid.len()]; tasks.len()];
    for f in 0..folds {
        let mut eval_index: Vec<Vec<usize>> = Vec::with_capacity(tasks.len());
        let heads: Vec<PassHead> = tasks
            .iter()
            .map(|t| {
                let (mut tr_rows, mut tr_y, mut ev_rows, mut ev_i) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for (i, (&r, &c)) in t.train_rows.iter().zip(&t.train_y).enumerate() {
                    if fold_of[r] == Some(f) {
                        ev_rows.push(r);
                        ev_i.push(i);
                    } else {
                        tr_rows.push(r);
                        tr_y.push(c);
                    }
                }
                eval_index.push(ev_i);
                let (fit_rows, fit_y) = fit_rows(ctx, &tr_rows, &tr_y, t.k());
                PassHead {
                    fit_rows,
                    fit_y,
                    eval_rows: ev_rows,
                    grid: grid.to_vec(),
                }
            })
            .collect();
        let result = pass(ctx, tasks, &heads)?;
        for (h, fits) in result.fits.iter().enumerate() {
            let k = tasks[h].k();
            for (gi, (fitted, z)) in fits.iter().enumerate() {
                for (vi, &i) in eval_index[h].iter().enumerate() {
                    oof[h][gi][i * k..(i + 1) * k].copy_from_slice(&z[vi * k..(vi + 1) * k]);
                }
                conv[h][gi].push(fitted.convergence);
            }
        }
    }
    Ok(tasks
        .iter()
        .enumerate()
        .map(|(h, t)| summarize(ctx, t, grid, &oof[h], &conv[h], fold_of, folds))
        .collect())
}

/// Chooses a head's C on its pooled out-of-fold logits and measures it fold by fold.
fn summarize(
    ctx: Context<'_>,
    task: &HeadTask<'_>,
    grid: &[f32],
    oof: &[Vec<f32>],
    conv: &[Vec<Convergence>],
    fold_of: &[Option<usize>],
    folds: usize,
) -> Tuned {
    let k = task.k();
    // Only rows that were held out in some fold carry out-of-fold logits.
    let held: Vec<usize> = (0..task.train_rows.len())
        .filter(|&i| fold_of[task.train_rows[i]].is_some())
        .collect();
    let held_y = labels_of(task, &held);
    let judged: Vec<Judged> = oof
        .iter()
        .map(|z| {
            judge(
                &rows_of(z, &held, k),
                &held_y,
                task,
                ctx.recipe.tuning.metric,
            )
        })
        .collect();
    let b = best(&judged);
    let points = grid
        .iter()
        .zip(&judged)
        .zip(conv)
        .map(|((&c, j), cv)| grid_point(c, j.score, cv))
        .collect();
    let folded = fold_reports(task, &oof[b], &judged[b], &held, fold_of, folds);
    let cv_by_source = reports_by_source(ctx, task, &held, &folded);
    Tuned {
        c: grid[b],
        temperature: judged[b].temperature,
        threshold: judged[b].threshold,
        grid: points,
        cv: Some(FoldSummary::of(&folded.reports)),
        folds: folded.reports,
        cv_by_source,
    }
}

/// The rows `idx` of `z` (`k` values per row), one after another.
fn rows_of(z: &[f32], idx: &[usize], k: usize) -> Vec<f32> {
    idx.iter()
        .flat_map(|&i| z[i * k..(i + 1) * k].to_vec())
        .collect()
}

/// The true classes of the head's training rows `idx`.
fn labels_of(task: &HeadTask<'_>, idx: &[usize]) -> Vec<usize> {
    idx.iter().map(|&i| task.train_y[i]).collect()
}

/// The chosen C's held-out rows decided fold by fold: each fold's report, and every held-out
/// row's probabilities and decision (indexed by training row) for the per-source reports.
struct FoldReports {
    reports: Vec<Report>,
    probs: Vec<f32>,
    decided: Vec<usize>,
}

/// Per fold, the chosen C's held-out rows of that fold, calibrated on the other folds (with one
/// fold: on itself), decided and measured.
fn fold_reports(
    task: &HeadTask<'_>,
    oof: &[f32],
    chosen: &Judged,
    held: &[usize],
    fold_of: &[Option<usize>],
    folds: usize,
) -> FoldReports {
    let k = task.k();
    let mut out = FoldReports {
        reports: Vec::with_capacity(folds),
        probs: vec![0f32; task.train_rows.len() * k],
        decided: vec![0usize; task.train_rows.len()],
    };
    for f in 0..folds {
        let (inside, others): (Vec<usize>, Vec<usize>) = held
            .iter()
            .copied()
            .partition(|&i| fold_of[task.train_rows[i]] == Some(f));
        let (t, th) = if others.is_empty() {
            (chosen.temperature, chosen.threshold)
        } else {
            calibrate(&rows_of(oof, &others, k), &labels_of(task, &others), task)
        };
        let p = probabilities(&rows_of(oof, &inside, k), k, t);
        let pred = decide(&p, k, task.positive, th);
        for (vi, &i) in inside.iter().enumerate() {
            out.probs[i * k..(i + 1) * k].copy_from_slice(&p[vi * k..(vi + 1) * k]);
            out.decided[i] = pred[vi];
        }
        let y = labels_of(task, &inside);
        out.reports
            .push(evaluate(task.classes, &y, &p, &pred, task.positive));
    }
    out
}

/// The held-out rows' report per data source (sources with no held-out row left out).
fn reports_by_source(
    ctx: Context<'_>,
    task: &HeadTask<'_>,
    held: &[usize],
    folded: &FoldReports,
) -> Vec<(String, Report)> {
    let k = task.k();
    ctx.data
        .sources
        .iter()
        .enumerate()
        .filter_map(|(si, src)| {
            let idx: Vec<usize> = held
                .iter()
                .copied()
                .filter(|&i| ctx.data.rows[task.train_rows[i]].source == si)
                .collect();
            (!idx.is_empty()).then(|| {
                let p = rows_of(&folded.probs, &idx, k);
                let pred: Vec<usize> = idx.iter().map(|&i| folded.decided[i]).collect();
                let report = evaluate(
                    task.classes,
                    &labels_of(task, &idx),
                    &p,
                    &pred,
                    task.positive,
                );
                (src.name.clone(), report)
            })
        })
        .collect()
}

/// Fits every head on all its training rows at its chosen C: the model's columns and weights.
///
/// # Errors
/// A failed selection or fit.
pub fn final_pass(
    ctx: Context<'_>,
    tasks: &[HeadTask<'_>],
    tuned: Vec<Tuned>,
    tuning: &str,
) -> Result<(PassResult, Vec<HeadResult>), TrainError> {
    let heads: Vec<PassHead> = tasks
        .iter()
        .zip(&tuned)
        .map(|(t, tu)| {
            let (fit_rows, fit_y) = fit_rows(ctx, &t.train_rows, &t.train_y, t.k());
            PassHead {
                fit_rows,
                fit_y,
                eval_rows: Vec::new(),
                grid: vec![tu.c],
            }
        })
        .collect();
    let mut result = pass(ctx, tasks, &heads)?;
    let out = tuned
        .into_iter()
        .zip(&heads)
        .zip(result.fits.iter_mut())
        .map(|((tu, head), fits)| finish(tu, tuning, head, fits.swap_remove(0).0))
        .collect();
    Ok((result, out))
}

/// A head's result from its tuning and its final fit.
fn finish(tu: Tuned, tuning: &str, head: &PassHead, f: Fitted) -> HeadResult {
    HeadResult {
        weights: f.weights,
        bias: f.bias,
        c: tu.c,
        temperature: tu.temperature,
        threshold: tu.threshold,
        tuning: tuning.to_string(),
        fit_rows: head.fit_rows.len(),
        grid: tu.grid,
        final_fit: f.convergence,
        folds: tu.folds,
        cv: tu.cv,
        cv_by_source: tu.cv_by_source,
    }
}

/// Linfa fits a run needs (for the progress bar).
pub fn fits_needed(tasks: usize, grid: usize, folds: Option<usize>) -> u64 {
    match folds {
        None => (tasks * (grid + 1)) as u64,
        Some(f) => (tasks * (f * grid + 1)) as u64,
    }
}
