//! The model card: a readable Markdown page written beside every model — data (with sha256,
//! row counts and license), label mapping, features, learner and chosen hyperparameters, seed,
//! held-out / cross-validation metrics with the command that produced them, known limits.
//! Built only from the trained model and its recipe, so it always matches the file.

use std::fmt::Write as _;
use std::path::Path;

use super::recipe::Split;
use super::Trained;

/// The card of `trained`, written for the model file `out`.
pub fn render(trained: &Trained, out: &Path) -> String {
    let r = &trained.recipe;
    let m = &trained.model;
    let mut s = String::new();
    let file = out.file_name().map_or_else(
        || out.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
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
        slant_model::FORMAT_VERSION,
        m.header.seed,
        m.header.tokenizer_fingerprint
    );

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
        if src.excluded > 0 {
            notes.push(format!(
                "`{}`: {} rows left out by `exclude`",
                src.name, src.excluded
            ));
        }
        if src.dev_rows > 0 {
            notes.push(format!(
                "`{}`: {} of its used rows are dev rows (seeded `dev_share`)",
                src.name, src.dev_rows
            ));
        }
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
    if let Some(max) = r.max_rows {
        let _ = writeln!(
            s,
            "\nAt most {max} rows per source were used (a seeded sample)."
        );
    }

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

    let f = &m.header.features;
    let _ = writeln!(
        s,
        "\n## Features\n\n- word n-grams {:?}, char n-grams {}, hashed into 2^{} buckets, sublinear tf: {}{}{}\n- selection: {:?} top {} of {} buckets with df ≥ {} (on training rows) → {} columns\n- weighting: {}, then L2 normalization\n",
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

    let _ = writeln!(
        s,
        "## Learner\n\nlinfa-logistic 0.8.1 `MultiLogisticRegression` (f32, L-BFGS; `alpha = 1/C`, loss summed over rows), max {} iterations, gradient tolerance {}, class weight `{:?}`. C grid {:?}; the metric for choosing C is {:?}, after fitting the temperature (and, for binary heads, the threshold) on the same held-out rows.\n",
        r.learner.max_iterations, r.learner.gradient_tolerance, r.learner.class_weight, r.learner.c, r.tuning.metric
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

    let _ = writeln!(
        s,
        "\n## Metrics\n\nProduced by:\n\n```\n{}\n```\n",
        trained.command
    );
    for o in &trained.heads {
        if let Some(cv) = &o.result.cv {
            let _ = writeln!(
                s,
                "### `{}`: cross-validation on train\n\n{}",
                o.name,
                cv.to_markdown()
            );
        }
        if let Some(h) = &o.heldout {
            let _ = writeln!(
                s,
                "### `{}`: {}\n\nMacro-F1 of the plain argmax (temperature 1, no threshold): {:.4}\n\n{}",
                o.name,
                h.rows,
                h.argmax_macro_f1,
                h.report.to_markdown()
            );
            if h.by_source.len() > 1 {
                let _ = writeln!(
                    s,
                    "By source (same rows, same threshold):\n\n| source | rows | positives | accuracy | macro-F1 | ROC-AUC | ECE |\n|---|---:|---:|---:|---:|---:|---:|"
                );
                let spec = trained
                    .model
                    .header
                    .heads
                    .iter()
                    .find(|hs| hs.name == o.name);
                let positive = spec.and_then(|hs| hs.positive_index());
                for (name, r) in &h.by_source {
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
        }
    }

    s.push_str("\n## Known limits\n\n");
    for l in &r.limits {
        let _ = writeln!(s, "- {l}");
    }
    for o in &trained.heads {
        if let Some(h) = &o.heldout {
            if h.rows.contains("used to pick") {
                let _ = writeln!(
                    s,
                    "- `{}`: the held-out numbers above are on the rows that chose C, the temperature and the threshold, so they are optimistic; `slant train --cv K` gives an estimate on untouched rows.",
                    o.name
                );
            }
        }
    }
    s.push_str("- Features are selected on all training rows before cross-validation folds are split, which flatters CV estimates slightly.\n");
    s.push_str("- A linear bag-of-n-grams model: no word order beyond the n-gram length, no world knowledge; expect errors on sarcasm, quotes and negation at a distance.\n");
    s
}
