//! From probabilities to class decisions, the one rule training, `slant predict` and
//! `slant eval` share: a binary head with a threshold picks its positive class when that
//! probability reaches the threshold; every other head takes the argmax.

/// Class decisions for row-major probabilities with `k` classes: for a binary head with a
/// threshold, the positive class when its probability reaches the threshold; otherwise the
/// argmax (first class on ties).
pub fn decide(
    probs: &[f32],
    k: usize,
    positive: Option<usize>,
    threshold: Option<f32>,
) -> Vec<usize> {
    probs
        .chunks_exact(k)
        .map(|p| decide_one(p, positive, threshold))
        .collect()
}

/// The decision for one row `p` of probabilities, by [`decide`]'s rule.
pub fn decide_one(p: &[f32], positive: Option<usize>, threshold: Option<f32>) -> usize {
    match (positive, threshold) {
        (Some(pos), Some(t)) if p.len() == 2 => {
            if p[pos] >= t {
                pos
            } else {
                1 - pos
            }
        }
        _ => argmax(p),
    }
}

/// Index of the largest value, first on ties.
pub fn argmax(p: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}
