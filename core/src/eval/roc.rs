//! ROC-AUC as the Mann–Whitney statistic: the probability that a random positive scores above a
//! random negative, ties counting one half (scikit-learn's `roc_auc_score` gives the same value).

/// ROC-AUC of `scores` for the rows where `positive[i]` is true; `None` when either side is
/// empty (AUC is undefined then).
pub fn roc_auc(scores: &[f32], positive: &[bool]) -> Option<f64> {
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len().min(positive.len())).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks over ties, then the rank-sum of the positives.
    let mut rank_sum_pos = 0.0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &row in &order[i..=j] {
            if positive[row] {
                rank_sum_pos += avg_rank;
            }
        }
        i = j + 1;
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Some((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

/// Macro one-vs-rest ROC-AUC over classes: `probs` is row-major `rows × k`. Classes without
/// positives or negatives are left out of the mean; `None` if no class qualifies.
pub fn roc_auc_ovr(probs: &[f32], k: usize, truth: &[usize]) -> Option<f64> {
    if k == 0 {
        return None;
    }
    let aucs: Vec<f64> = (0..k)
        .filter_map(|c| {
            let scores: Vec<f32> = probs.chunks_exact(k).map(|row| row[c]).collect();
            let pos: Vec<bool> = truth.iter().map(|&t| t == c).collect();
            roc_auc(&scores, &pos)
        })
        .collect();
    (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_random_and_tied() {
        assert_eq!(
            roc_auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
            Some(1.0)
        );
        assert_eq!(
            roc_auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]),
            Some(0.0)
        );
        assert_eq!(
            roc_auc(&[0.5, 0.5, 0.5, 0.5], &[false, true, false, true]),
            Some(0.5)
        );
        // sklearn: roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) == 0.75
        assert_eq!(
            roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            Some(0.75)
        );
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn one_vs_rest_averages_classes() {
        // Three classes, each perfectly ranked by its own column.
        let probs = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8];
        assert_eq!(roc_auc_ovr(&probs, 3, &[0, 1, 2]), Some(1.0));
    }
}
