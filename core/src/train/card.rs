//! The model card: a readable Markdown page written beside every model — data (with sha256,
//! row counts and license), label mapping, features, learner and chosen hyperparameters, seed,
//! held-out / cross-validation metrics with the command that produced them, known limits.
//! Built only from the trained model and its recipe, so it always matches the file.

use std::fmt::Write as _;
use std::path::Path;

use super::data::SourceInfo;
use super::recipe::{Recipe, Split};
use super::{HeadOutcome, Trained};
use crate::eval::Report;

/// The card of `trained`, written for the model file `out`.
pub fn render(trained: &Trained, out: &Path) -> String {
    let file = out.file_name().map_or_else(
        || out.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let mut s = String::new();
    overview(&mut s, trained, &file);
    data(&mut s, trained);
    labels(&mut s, trained);
    features(&mut s, trained);
    learner(&mut s, trained);
    metrics(&mut s, trained);
    limits(&mut s, trained);
    s
}

/// Title, description, task, heads, versions.
fn overview(s: &mut String, trained: &Trained, file: &str) {
    let r = &trained.recipe;
    let m = &trained.model;
    let _ = writeln!(s, "# Model card: {} (`{file}`)\n", r.name);
    if let Some(d) = &r.description {
        let _ = writeln!(s, "{d}\n");
    }
    let _ = writeln!(
        s,
        "- task: `{}`, input: `{}`\n- heads: {}\n- slant {}, model format {}, seed {}\n- tokenizer: `{}`\n",
        m.header.task,
        serde_json::to_value(m.header.input).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        m.header
            .heads
            .iter()
            .map(|h| format!("`{}` ({})", h.name, h.classes.join(" / ")))
            .collect::<Vec<_>>()
            .join(", "),
        m.header.slant_version,
        slant_model::format_version(&m.header.features),
        m.header.seed,
        m.header.tokenizer_fingerprint
    );
}

/// The data files, with what was left out and why, how rows are grouped and what is repeated.
fn data(s: &mut String, trained: &Trained) {
    source_table_and_notes(s, trained);
    if let Some(max) = trained.recipe.max_rows {
        let _ = writeln!(
            s,
            "\nAt most {max} rows per source were used (a seeded sample)."
        );
    }
    grouping(s, trained);
    repeats(s, trained);
}

/// One row per data file, then one note per thing left out or merged.
fn source_table_and_notes(s: &mut String, trained: &Trained) {
    s.push_str("## Data\n\n| source | split | file | sha256 | rows | used | license |\n|---|---|---|---|---:|---:|---|\n");
    let mut notes = Vec::new();
    for src in &trained.data.sources {
        let split = match src.split {
            Split::Train => "train",
            Split::Dev => "dev",
        };
        let _ = writeln!(
            s,
            "| {} | {split} | `{}` | `{}` | {} | {} | {} |",
            src.name, src.path, src.sha256, src.rows, src.used, src.license
        );
        notes.extend(source_notes(src));
    }
    if !notes.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            notes
                .iter()
                .map(|n| format!("- {n}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// What happened to a source's records besides being used as they are.
fn source_notes(src: &SourceInfo) -> Vec<String> {
    let mut notes = Vec::new();
    if src.excluded > 0 {
        notes.push(format!(
            "`{}`: {} rows left out by `exclude`",
            src.name, src.excluded
        ));
    }
    if src.phrase_rows {
        notes.push(format!(
            "`{}`: rows are the distinct labeled phrases of each record's tree (`phrases`), so `used` counts phrases",
            src.name
        ));
    }
    if src.merged_away + src.conflicting > 0 {
        notes.push(format!(
            "`{}`: {} records merged into an earlier one with the same key and labels, {} left out because records with their key disagree (`merge_by`)",
            src.name, src.merged_away, src.conflicting
        ));
    }
    if src.dev_rows > 0 {
        notes.push(format!(
            "`{}`: {} of its used rows are dev rows (seeded `dev_share`, drawn by group)",
            src.name, src.dev_rows
        ));
    }
    if src.dev_duplicates > 0 {
        notes.push(format!(
            "`{}`: {} dev rows left out because their text (or group) is also in training",
            src.name, src.dev_duplicates
        ));
    }
    notes
}

/// Which rows form groups that splits and folds keep whole.
fn grouping(s: &mut String, trained: &Trained) {
    let grouped: Vec<String> = trained
        .recipe
        .sources
        .iter()
        .zip(&trained.data.sources)
        .filter_map(|(src, info)| {
            src.group_by
                .as_ref()
                .map(|g| format!("`{}` by `{g}` ({} groups)", src.name, info.groups))
        })
        .collect();
    let _ = writeln!(
        s,
        "\nSplits keep groups whole: rows with the same text (lowercased, whitespace collapsed) form one group across all sources{}. `dev_share` draws whole groups, and cross-validation folds never split a group.",
        if grouped.is_empty() {
            String::new()
        } else {
            format!(", and rows of {}", grouped.join(", "))
        }
    );
}

/// The sources repeated in every fit (`repeat`).
fn repeats(s: &mut String, trained: &Trained) {
    let repeats: Vec<String> = trained
        .recipe
        .sources
        .iter()
        .filter_map(|src| src.repeat.map(|n| format!("`{}` × {n}", src.name)))
        .collect();
    if !repeats.is_empty() {
        let _ = writeln!(
            s,
            "\nOversampled in every fit (selection and evaluation count each row once): {}.",
            repeats.join(", ")
        );
    }
}

/// Each head's classes and label mapping.
fn labels(s: &mut String, trained: &Trained) {
    let r = &trained.recipe;
    s.push_str("\n## Labels\n\n");
    for (head, info) in r.heads.iter().zip(&trained.data.heads) {
        let _ = writeln!(
            s,
            "- head `{}`: classes {}{}",
            info.name,
            info.classes
                .iter()
                .enumerate()
                .map(|(i, c)| format!(
                    "`{c}` (train {}, dev {})",
                    info.train_counts[i], info.dev_counts[i]
                ))
                .collect::<Vec<_>>()
                .join(", "),
            info.positive.map_or(String::new(), |p| format!(
                "; positive class `{}`",
                info.classes[p]
            ))
        );
        for f in &head.from {
            let numeric = f.at_least.map_or(String::new(), |t| {
                format!("values ≥ {t} → `1`, others `0`; ")
            });
            let map = match &f.map {
                None => "values used as they are".to_string(),
                Some(m) => m
                    .iter()
                    .map(|(k, v)| format!("`{k}` → `{v}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let drop = if f.drop.is_empty() {
                String::new()
            } else {
                format!(
                    "; dropped: {}",
                    f.drop
                        .iter()
                        .map(|d| format!("`{d}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let _ = writeln!(
                s,
                "  - from `{}` field `{}`: {numeric}{map}{drop}",
                f.source, f.field
            );
        }
        if info.dropped > 0 {
            let _ = writeln!(s, "  - {} rows dropped by value", info.dropped);
        }
    }
}

/// Features, selection and weighting.
fn features(s: &mut String, trained: &Trained) {
    let r = &trained.recipe;
    let m = &trained.model;
    let f = &m.header.features;
    let _ = writeln!(
        s,
        "\n## Features\n\n- word n-grams {:?}, char n-grams {}, hashed into 2^{} buckets, sublinear tf: {}{}{}\n- selection: {:?} top {} of {} buckets with df ≥ {} (on training rows) → {} columns\n- weighting: {}, then L2 normalization\n- selection and weighting are fitted on the training rows only; during cross-validation they are refitted inside every fold\n",
        f.word_ngrams,
        f.char_ngrams.map_or("none".into(), |c| format!("{c:?}")),
        f.hash_bits,
        f.sublinear_tf,
        f.target_window.map_or(String::new(), |w| format!(", target window {w}")),
        if f.pair { ", pair features" } else { "" },
        r.selection.method,
        r.selection.k,
        trained.candidates,
        r.selection.min_df,
        m.n_features(),
        m.header.weighting
    );
}

/// The solver, what chose C, temperature and threshold, and how every fit converged.
fn learner(s: &mut String, trained: &Trained) {
    let r = &trained.recipe;
    let m = &trained.model;
    let _ = writeln!(
        s,
        "## Learner\n\nMultinomial logistic regression with linfa-logistic's objective (loss summed over rows, `alpha = 1/C` on the weights, intercept free), solved by argmin's L-BFGS on sparse rows until ‖∇‖ ≤ {} × ‖∇ at zero weights‖ (at most {} iterations). Class weight `{:?}`: {}. C grid {:?}; C is chosen by {:?} after fitting the temperature (and, for binary heads, the threshold) on the same held-out rows.\n",
        r.learner.gradient_tolerance,
        r.learner.max_iterations,
        r.learner.class_weight,
        trained
            .data
            .heads
            .iter()
            .map(|h| format!("`{}`: {}", h.name, r.learner.class_weight.describe(h.classes.len())))
            .collect::<Vec<_>>()
            .join("; "),
        r.learner.c,
        r.tuning.metric
    );
    s.push_str("| head | chosen by | fit rows | chosen C | temperature | threshold | final fit |\n|---|---|---:|---:|---:|---:|---|\n");
    for (o, spec) in trained.heads.iter().zip(&m.header.heads) {
        let f = &o.result.final_fit;
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} iterations, ‖∇‖/‖∇₀‖ {:.1e}{} |",
            o.name,
            o.result.tuning,
            o.result.fit_rows,
            o.result.c,
            spec.temperature,
            spec.threshold.map_or("argmax".into(), |t| format!("{t}")),
            f.iterations,
            f.relative_gradient,
            if f.converged { "" } else { " (not converged)" }
        );
    }
    s.push_str("\nEvery grid point (score: the tuning metric on the held-out rows that chose C; iterations: the most any of its fits used; ‖∇‖/‖∇₀‖: the largest final relative gradient):\n\n| head | C | score | iterations | ‖∇‖/‖∇₀‖ | fits converged |\n|---|---:|---:|---:|---:|---:|\n");
    for o in &trained.heads {
        for g in &o.result.grid {
            let _ = writeln!(
                s,
                "| {} | {} | {:.4} | {} | {:.1e} | {}/{} |",
                o.name, g.c, g.score, g.iterations, g.relative_gradient, g.converged, g.fits
            );
        }
    }
}

/// Cross-validation and dev figures, each saying what it is.
fn metrics(s: &mut String, trained: &Trained) {
    let _ = writeln!(
        s,
        "\n## Metrics\n\nProduced by:\n\n```\n{}\n```\n",
        trained.command
    );
    let _ = writeln!(s, "{}\n", what_chose_what(trained));
    for o in &trained.heads {
        cv_figures(s, trained, o);
        dev_figures(s, trained, o);
    }
}

/// A head's cross-validation (or holdout) figures, pooled and per source.
fn cv_figures(s: &mut String, trained: &Trained, o: &HeadOutcome) {
    if let Some(cv) = &o.result.cv {
        let _ = writeln!(
            s,
            "### `{}`: {} ({})\n\n{}\n\n{}",
            o.name,
            o.result.tuning,
            if cv.folds > 1 {
                "CV figures"
            } else {
                "holdout figures"
            },
            if cv.folds > 1 {
                "Each fold's figures use the temperature and threshold fitted on the other folds' out-of-fold predictions; C was chosen on all of them."
            } else {
                "The held-out rows chose C, the temperature and the threshold, so these figures are optimistic."
            },
            cv.to_markdown()
        );
    }
    if o.result.cv_by_source.len() > 1 {
        let _ = writeln!(
            s,
            "By source (pooled held-out rows of `{}`):\n",
            o.result.tuning
        );
        source_table(s, trained, &o.name, &o.result.cv_by_source);
    }
}

/// A head's figures on its dev rows, pooled and per source.
fn dev_figures(s: &mut String, trained: &Trained, o: &HeadOutcome) {
    if let Some(h) = &o.heldout {
        let _ = writeln!(
            s,
            "### `{}`: {} (dev figures)\n\nMacro-F1 of the plain argmax (temperature 1, no threshold): {:.4}\n\n{}",
            o.name,
            h.rows,
            h.argmax_macro_f1,
            h.report.to_markdown()
        );
        if h.by_source.len() > 1 {
            let _ = writeln!(s, "By source (same rows, same threshold):\n");
            source_table(s, trained, &o.name, &h.by_source);
        }
    }
}

/// One row per source: rows, positives, accuracy, macro-F1, ROC-AUC, ECE.
fn source_table(s: &mut String, trained: &Trained, head: &str, rows: &[(String, Report)]) {
    s.push_str("| source | rows | positives | accuracy | macro-F1 | ROC-AUC | ECE |\n|---|---:|---:|---:|---:|---:|---:|\n");
    let positive = trained
        .model
        .header
        .heads
        .iter()
        .find(|hs| hs.name == head)
        .and_then(|hs| hs.positive_index());
    for (name, r) in rows {
        let positives = positive
            .and_then(|p| r.per_class.get(p))
            .map_or("-".into(), |c| c.support.to_string());
        let auc = r.roc_auc.map_or("-".into(), |a| format!("{a:.4}"));
        let _ = writeln!(
            s,
            "| {name} | {} | {positives} | {:.4} | {:.4} | {auc} | {:.4} |",
            r.rows, r.accuracy, r.macro_f1, r.ece
        );
    }
    s.push('\n');
}

/// One paragraph on which rows chose which numbers, and so which figures are estimates.
fn what_chose_what(trained: &Trained) -> String {
    let per_head: Vec<String> = trained
        .heads
        .iter()
        .map(|o| format!("`{}` by {}", o.name, o.result.tuning))
        .collect();
    let dev_chose = trained.heads.iter().any(|o| o.result.tuning == "dev");
    format!(
        "What chose what: column selection and idf/NB weights are fitted on training rows only (refitted inside every fold or holdout). C, the temperature and the threshold were chosen: {}. {} {}",
        per_head.join("; "),
        if dev_chose {
            "Dev figures of heads chosen by dev are optimistic, not estimates."
        } else {
            "The dev rows chose nothing: dev figures are an untouched estimate."
        },
        features_chosen_by(&trained.recipe)
    )
}

/// How the features, k and weighting were chosen: the recipe's own account, or that no
/// measured comparison chose them (also what an ad hoc run's flags get).
fn features_chosen_by(recipe: &Recipe) -> String {
    match &recipe.features_chosen_by {
        Some(how) => format!("The recipe's features, k and weighting: {how}"),
        None => {
            "The features, k and weighting were set by hand, not chosen by a measured comparison."
                .to_string()
        }
    }
}

/// Known limits: the recipe's, and what this run's tuning implies.
fn limits(s: &mut String, trained: &Trained) {
    let r = &trained.recipe;
    s.push_str("\n## Known limits\n\n");
    for l in &r.limits {
        let _ = writeln!(s, "- {l}");
    }
    for o in &trained.heads {
        if let Some(h) = &o.heldout {
            if h.rows.contains("used to pick") {
                let _ = writeln!(
                    s,
                    "- `{}`: the dev numbers above are on the rows that chose C, the temperature and the threshold, so they are optimistic; `slant train --cv K` gives an estimate on untouched rows.",
                    o.name
                );
            }
        }
    }
    s.push_str("- CV figures: C is chosen on the same out-of-fold predictions they are computed from (among a few grid points), which flatters them slightly; the temperature and threshold are cross-fitted.\n");
    s.push_str("- A linear bag-of-n-grams model: no word order beyond the n-gram length, no world knowledge; expect errors on sarcasm, quotes and negation at a distance.\n");
}
