//! Expected calibration error: rows are binned by their top probability (confidence) into equal
//! bins of [0, 1]; ECE is the row-weighted mean gap between each bin's accuracy and its mean
//! confidence. It is measured on the argmax class, so it judges the probabilities themselves,
//! independent of any decision threshold.

/// Bins used when none are asked for (Guo et al. 2017 use 15).
pub const DEFAULT_BINS: usize = 15;

/// ECE of row-major `probs` (`rows × k`) against the true class indices, with `bins` bins.
/// 0 for no rows.
pub fn expected_calibration_error(probs: &[f32], k: usize, truth: &[usize], bins: usize) -> f64 {
    if k == 0 || bins == 0 {
        return 0.0;
    }
    let mut conf_sum = vec![0.0f64; bins];
    let mut right = vec![0u64; bins];
    let mut count = vec![0u64; bins];
    for (row, &t) in probs.chunks_exact(k).zip(truth) {
        let (arg, &p) = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
            .expect("k > 0");
        let p = f64::from(p).clamp(0.0, 1.0);
        let b = ((p * bins as f64) as usize).min(bins - 1);
        conf_sum[b] += p;
        count[b] += 1;
        right[b] += u64::from(arg == t);
    }
    let n: u64 = count.iter().sum();
    if n == 0 {
        return 0.0;
    }
    (0..bins)
        .filter(|&b| count[b] > 0)
        .map(|b| {
            let c = count[b] as f64;
            (right[b] as f64 / c - conf_sum[b] / c).abs() * c / n as f64
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibrated_and_overconfident() {
        // Confidence 0.75, right 3 of 4 times: perfectly calibrated.
        let probs = [0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.25, 0.75];
        let truth = [0, 0, 0, 0];
        let e = expected_calibration_error(&probs, 2, &truth, 10);
        assert!(e.abs() < 1e-9, "{e}");
        // Confidence 1.0, right half the time: ECE 0.5.
        let probs = [1.0, 0.0, 1.0, 0.0];
        let e = expected_calibration_error(&probs, 2, &[0, 1], 10);
        assert!((e - 0.5).abs() < 1e-9, "{e}");
    }
}
