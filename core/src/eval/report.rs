//! One evaluation of a classifier head on labeled rows, gathered into a [`Report`] (serializable
//! for `--json` and model headers, renderable as Markdown for tables and model cards), and the
//! mean ± sd of reports over cross-validation folds ([`FoldSummary`]).

use serde::Serialize;

use super::calibration::{expected_calibration_error, DEFAULT_BINS};
use super::confusion::Confusion;
use super::roc::{roc_auc, roc_auc_ovr};

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

/// Every metric slant reports for one head on one set of rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub rows: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub macro_recall: f64,
    pub per_class: Vec<ClassMetrics>,
    pub confusion: Confusion,
    /// Binary heads: AUC of the positive class probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_auc: Option<f64>,
    /// Macro one-vs-rest AUC (equals `roc_auc` for two classes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_auc_ovr: Option<f64>,
    /// Expected calibration error of the top-class probability (15 bins).
    pub ece: f64,
}

/// Scores a head: `probs` is row-major `rows × classes.len()`, `truth` and `predicted` are class
/// indices (the prediction may come from a threshold, not the argmax), `positive` the index of
/// the positive class of a binary head.
pub fn evaluate(
    classes: &[String],
    truth: &[usize],
    probs: &[f32],
    predicted: &[usize],
    positive: Option<usize>,
) -> Report {
    let k = classes.len();
    let confusion = Confusion::from_pairs(classes.to_vec(), truth, predicted);
    let per_class = (0..k)
        .map(|c| ClassMetrics {
            label: classes[c].clone(),
            precision: confusion.precision(c),
            recall: confusion.recall(c),
            f1: confusion.f1(c),
            support: confusion.support(c),
        })
        .collect();
    let roc_auc = positive.filter(|&p| p < k).and_then(|p| {
        let scores: Vec<f32> = probs.chunks_exact(k).map(|row| row[p]).collect();
        let pos: Vec<bool> = truth.iter().map(|&t| t == p).collect();
        roc_auc(&scores, &pos)
    });
    Report {
        rows: truth.len() as u64,
        accuracy: confusion.accuracy(),
        macro_f1: confusion.macro_f1(),
        macro_recall: confusion.macro_recall(),
        per_class,
        roc_auc,
        roc_auc_ovr: roc_auc_ovr(probs, k, truth),
        ece: expected_calibration_error(probs, k, truth, DEFAULT_BINS),
        confusion,
    }
}

impl Report {
    /// A Markdown rendering: summary line, per-class table, confusion matrix.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let auc = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
        s.push_str(
            "| rows | accuracy | macro-F1 | macro-recall | ROC-AUC | ROC-AUC (OvR) | ECE |\n",
        );
        s.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
        s.push_str(&format!(
            "| {} | {:.4} | {:.4} | {:.4} | {} | {} | {:.4} |\n\n",
            self.rows,
            self.accuracy,
            self.macro_f1,
            self.macro_recall,
            auc(self.roc_auc),
            auc(self.roc_auc_ovr),
            self.ece
        ));
        s.push_str("| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n");
        for c in &self.per_class {
            s.push_str(&format!(
                "| {} | {:.4} | {:.4} | {:.4} | {} |\n",
                c.label, c.precision, c.recall, c.f1, c.support
            ));
        }
        s.push_str("\nConfusion (rows = truth, columns = predicted):\n\n| |");
        for c in &self.confusion.classes {
            s.push_str(&format!(" {c} |"));
        }
        s.push_str("\n|---|");
        s.push_str(&"---:|".repeat(self.confusion.classes.len()));
        s.push('\n');
        for (c, row) in self.confusion.classes.iter().zip(&self.confusion.matrix) {
            s.push_str(&format!("| {c} |"));
            for v in row {
                s.push_str(&format!(" {v} |"));
            }
            s.push('\n');
        }
        s
    }
}

/// Mean and sample standard deviation of the headline metrics over folds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldSummary {
    pub folds: usize,
    pub accuracy: (f64, f64),
    pub macro_f1: (f64, f64),
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_auc: Option<(f64, f64)>,
    pub ece: (f64, f64),
    /// Per fold, in fold order: accuracy, macro-F1, ROC-AUC (if defined), ECE.
    pub per_fold: Vec<(f64, f64, Option<f64>, f64)>,
}

impl FoldSummary {
    /// Summarizes `reports` (one per fold).
    pub fn of(reports: &[Report]) -> FoldSummary {
        let aucs: Vec<f64> = reports
            .iter()
            .filter_map(|r| r.roc_auc.or(r.roc_auc_ovr))
            .collect();
        FoldSummary {
            folds: reports.len(),
            accuracy: mean_sd(reports.iter().map(|r| r.accuracy)),
            macro_f1: mean_sd(reports.iter().map(|r| r.macro_f1)),
            roc_auc: (aucs.len() == reports.len() && !aucs.is_empty())
                .then(|| mean_sd(aucs.into_iter())),
            ece: mean_sd(reports.iter().map(|r| r.ece)),
            per_fold: reports
                .iter()
                .map(|r| (r.accuracy, r.macro_f1, r.roc_auc.or(r.roc_auc_ovr), r.ece))
                .collect(),
        }
    }

    /// A Markdown table with one row per fold and a last row of mean ± sd.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from(
            "| fold | accuracy | macro-F1 | ROC-AUC | ECE |\n|---:|---:|---:|---:|---:|\n",
        );
        for (i, (acc, f1, auc, ece)) in self.per_fold.iter().enumerate() {
            let auc = auc.map_or("-".into(), |a| format!("{a:.4}"));
            s.push_str(&format!(
                "| {} | {acc:.4} | {f1:.4} | {auc} | {ece:.4} |\n",
                i + 1
            ));
        }
        let auc = self
            .roc_auc
            .map_or("-".into(), |(m, sd)| format!("{m:.4} ± {sd:.4}"));
        s.push_str(&format!(
            "| mean ± sd | {:.4} ± {:.4} | {:.4} ± {:.4} | {auc} | {:.4} ± {:.4} |\n",
            self.accuracy.0,
            self.accuracy.1,
            self.macro_f1.0,
            self.macro_f1.1,
            self.ece.0,
            self.ece.1
        ));
        s
    }

    /// `macro-F1 0.7512 ± 0.0101, accuracy …` on one line.
    pub fn to_line(&self) -> String {
        let mut s = format!(
            "{} folds: macro-F1 {:.4} ± {:.4}, accuracy {:.4} ± {:.4}, ECE {:.4} ± {:.4}",
            self.folds,
            self.macro_f1.0,
            self.macro_f1.1,
            self.accuracy.0,
            self.accuracy.1,
            self.ece.0,
            self.ece.1
        );
        if let Some((m, sd)) = self.roc_auc {
            s.push_str(&format!(", ROC-AUC {m:.4} ± {sd:.4}"));
        }
        s
    }
}

fn mean_sd(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = xs.collect();
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (mean, sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_and_summary() {
        let classes = vec!["NOT".to_string(), "OFF".to_string()];
        let probs = [0.9, 0.1, 0.3, 0.7, 0.6, 0.4, 0.2, 0.8];
        let truth = [0, 1, 1, 0];
        let predicted = [0, 1, 0, 1];
        let r = evaluate(&classes, &truth, &probs, &predicted, Some(1));
        assert_eq!(r.rows, 4);
        assert!((r.accuracy - 0.5).abs() < 1e-12);
        // OFF scores: 0.1(N) 0.7(O) 0.4(O) 0.8(N) → pairs (O>N): 0.7>0.1, 0.4>0.1 → 2 of 4.
        assert_eq!(r.roc_auc, Some(0.5));
        assert!(r.to_markdown().contains("| OFF |"));
        let s = FoldSummary::of(&[r.clone(), r]);
        assert_eq!(s.folds, 2);
        assert!((s.macro_f1.0 - 0.5).abs() < 1e-12 && s.macro_f1.1 == 0.0);
        assert!(s.to_line().starts_with("2 folds: macro-F1 0.5000"));
    }
}
