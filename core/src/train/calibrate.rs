//! Making scores usable: temperature scaling per head (one scalar T dividing the logits, fitted
//! by minimizing the negative log-likelihood of held-out rows; Guo et al. 2017), the decision
//! threshold of binary heads (the one maximizing macro-F1 on held-out rows), and the
//! resulting decisions (the rule itself is [`crate::serve::decide`], shared with serving).

use crate::eval::Confusion;
use crate::serve::decide::decide;

use slant_model::softmax;

/// Probabilities of row-major logits at temperature `t`.
pub fn probabilities(logits: &[f32], k: usize, t: f32) -> Vec<f32> {
    logits.chunks_exact(k).flat_map(|z| softmax(z, t)).collect()
}

/// Mean negative log-likelihood of the true classes.
pub fn nll(logits: &[f32], k: usize, truth: &[usize], t: f32) -> f64 {
    let n = truth.len().max(1) as f64;
    logits
        .chunks_exact(k)
        .zip(truth)
        .map(|(z, &y)| {
            let p = softmax(z, t)[y];
            -f64::from(p.max(1e-12)).ln()
        })
        .sum::<f64>()
        / n
}

/// The temperature in [0.05, 20] minimizing held-out NLL (golden-section search on ln T; the
/// NLL is unimodal in T for a fixed set of logits). 1.0 when there are no rows.
pub fn fit_temperature(logits: &[f32], k: usize, truth: &[usize]) -> f32 {
    if truth.is_empty() {
        return 1.0;
    }
    let f = |lt: f64| nll(logits, k, truth, lt.exp() as f32);
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    // Round so the stored value does not depend on the last bits of the search.
    let t = ((a + b) / 2.0).exp();
    ((t * 1e4).round() / 1e4) as f32
}

/// The threshold on the positive probability that maximizes macro-F1 (steps of 0.005 in
/// [0.05, 0.95]; ties go to the threshold closest to 0.5).
pub fn best_threshold(probs: &[f32], truth: &[usize], classes: &[String], positive: usize) -> f32 {
    let mut best = (f64::NEG_INFINITY, 0.5f32);
    for step in 10..=190 {
        // Exact quotient: prints as "0.425", not "0.42499998".
        let t = step as f32 / 200.0;
        let pred = decide(probs, 2, Some(positive), Some(t));
        let f1 = Confusion::from_pairs(classes.to_vec(), truth, &pred).macro_f1();
        let closer = (t - 0.5).abs() < (best.1 - 0.5).abs();
        if f1 > best.0 + 1e-12 || ((f1 - best.0).abs() <= 1e-12 && closer) {
            best = (f1, t);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::decide::argmax;

    #[test]
    fn temperature_softens_overconfident_logits() {
        // Logits of ±4 but only 70 % right: the fitted temperature must exceed 1.
        let mut logits = Vec::new();
        let mut truth = Vec::new();
        for i in 0..100 {
            logits.extend_from_slice(&[4.0, -4.0]);
            truth.push(usize::from(i % 10 >= 7));
        }
        let t = fit_temperature(&logits, 2, &truth);
        assert!(t > 2.0, "{t}");
        let p = probabilities(&logits[..2], 2, t);
        assert!((p[0] - 0.7).abs() < 0.01, "{p:?}");
        assert!(nll(&logits, 2, &truth, t) < nll(&logits, 2, &truth, 1.0));
    }

    #[test]
    fn threshold_and_decisions() {
        let classes = vec!["n".to_string(), "y".to_string()];
        // Positives score 0.3–0.4, negatives 0.1–0.2: 0.5 misses every positive.
        let probs = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4];
        let truth = [0, 0, 1, 1];
        let t = best_threshold(&probs, &truth, &classes, 1);
        assert!(t > 0.2 && t <= 0.3, "{t}");
        assert_eq!(decide(&probs, 2, Some(1), Some(t)), [0, 0, 1, 1]);
        assert_eq!(decide(&probs, 2, None, None), [0, 0, 0, 0]);
        assert_eq!(argmax(&[0.2, 0.5, 0.5]), 1);
    }
}
