//! The confusion matrix and what is read off it: accuracy, per-class precision, recall and F1,
//! macro averages. A class that is never predicted (or never true) has precision (recall) 0, as
//! scikit-learn reports it with `zero_division=0`.

use serde::Serialize;

/// Counts of (true class, predicted class) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Class names, in index order.
    pub classes: Vec<String>,
    /// `matrix[truth][predicted]`.
    pub matrix: Vec<Vec<u64>>,
}

impl Confusion {
    /// An empty matrix over `classes`.
    pub fn new(classes: Vec<String>) -> Confusion {
        let k = classes.len();
        Confusion {
            classes,
            matrix: vec![vec![0; k]; k],
        }
    }

    /// Counts every `(truth[i], predicted[i])` pair; indices outside the classes are ignored.
    pub fn from_pairs(classes: Vec<String>, truth: &[usize], predicted: &[usize]) -> Confusion {
        let mut c = Confusion::new(classes);
        for (&t, &p) in truth.iter().zip(predicted) {
            c.add(t, p);
        }
        c
    }

    /// Counts one pair.
    pub fn add(&mut self, truth: usize, predicted: usize) {
        let k = self.classes.len();
        if truth < k && predicted < k {
            self.matrix[truth][predicted] += 1;
        }
    }

    /// Number of counted pairs.
    pub fn total(&self) -> u64 {
        self.matrix.iter().flatten().sum()
    }

    /// Share of pairs on the diagonal (0 when empty).
    pub fn accuracy(&self) -> f64 {
        let total = self.total();
        let right: u64 = (0..self.classes.len()).map(|i| self.matrix[i][i]).sum();
        ratio(right, total)
    }

    /// How many rows are truly class `c`.
    pub fn support(&self, c: usize) -> u64 {
        self.matrix[c].iter().sum()
    }

    /// Precision of class `c`.
    pub fn precision(&self, c: usize) -> f64 {
        let predicted: u64 = self.matrix.iter().map(|row| row[c]).sum();
        ratio(self.matrix[c][c], predicted)
    }

    /// Recall of class `c`.
    pub fn recall(&self, c: usize) -> f64 {
        ratio(self.matrix[c][c], self.support(c))
    }

    /// F1 of class `c` (harmonic mean of precision and recall; 0 if both are 0).
    pub fn f1(&self, c: usize) -> f64 {
        let (p, r) = (self.precision(c), self.recall(c));
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Unweighted mean of the per-class F1 over all classes.
    pub fn macro_f1(&self) -> f64 {
        mean((0..self.classes.len()).map(|c| self.f1(c)))
    }

    /// Unweighted mean of the per-class recall (SemEval-2017's measure).
    pub fn macro_recall(&self) -> f64 {
        mean((0..self.classes.len()).map(|c| self.recall(c)))
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_values() {
        // truth:     a a a b b c
        // predicted: a a b b c c
        let c = Confusion::from_pairs(
            vec!["a".into(), "b".into(), "c".into()],
            &[0, 0, 0, 1, 1, 2],
            &[0, 0, 1, 1, 2, 2],
        );
        assert_eq!(c.matrix, vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
        assert!((c.accuracy() - 4.0 / 6.0).abs() < 1e-12);
        assert!((c.precision(0) - 1.0).abs() < 1e-12);
        assert!((c.recall(0) - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.f1(1) - 0.5).abs() < 1e-12);
        let f1c = 2.0 * 0.5 * 1.0 / 1.5;
        let expected = (0.8 + 0.5 + f1c) / 3.0;
        assert!((c.macro_f1() - expected).abs() < 1e-12);
        assert!((c.macro_recall() - (2.0 / 3.0 + 0.5 + 1.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn never_predicted_class_scores_zero_not_nan() {
        let c = Confusion::from_pairs(vec!["x".into(), "y".into()], &[0, 1], &[0, 0]);
        assert_eq!(c.precision(1), 0.0);
        assert_eq!(c.f1(1), 0.0);
        assert!(c.macro_f1().is_finite());
        assert_eq!(Confusion::new(vec!["x".into()]).accuracy(), 0.0);
    }
}
