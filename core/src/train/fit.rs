//! Fitting one head: multinomial logistic regression with the objective of linfa-logistic's
//! `MultiLogisticRegression` — `Σᵢ −log softmax(W xᵢ + b)[yᵢ] + α/2 ‖W‖²`, intercept
//! unpenalized, `α = 1/C` — minimized by argmin's L-BFGS (memory 10, More–Thuente line search:
//! the solver linfa-logistic runs), on sparse rows.
//!
//! Why not call linfa-logistic itself: it takes dense rows only, and profiling showed 73 % of
//! a fit spent packing the dense `rows × k` matrix for each product; the projected rows are
//! 2–10 % dense, so the sparse gradient is an order of magnitude cheaper, which is what makes
//! grouped cross-validation with selection inside the folds and larger feature budgets
//! affordable. linfa also does not report iterations. The unit tests check that this fit
//! reaches linfa's optimum and the exact (Newton) optimum.
//!
//! Convergence: the stopping rule is `‖∇L(w)‖ ≤ tolerance × ‖∇L(0)‖` — relative to the gradient
//! at zero weights, so it means the same for 200 or 200,000 rows. Iterations and the final
//! relative gradient are returned with every fit for the card.
//!
//! Warm starts (the previous C's weights) cannot skip a candidate: a fit only stops when the
//! gradient of *its own* objective is below the tolerance, and for this α-strongly convex loss
//! `‖w − w*‖ ≤ ‖∇L(w)‖ / α`, so a warm start that stops at once is within that bound of the
//! optimum for its C, exactly like a cold start that stops there.
//!
//! Determinism: rows are summed in fixed blocks of [`BLOCK_ROWS`] in parallel and the blocks'
//! sums added in order, so the result does not depend on the number of threads.

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use rayon::prelude::*;
use slant_model::Sparse;

use super::recipe::Learner;

/// Rows per parallel block of a loss or gradient sum.
pub const BLOCK_ROWS: usize = 2048;

/// A fitted head: feature-major weights as the model file stores them, the solver's parameter
/// vector (feature-major, intercepts last) to warm-start the next fit of a grid, and how the
/// solver ended.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub warm: Array1<f64>,
    pub convergence: Convergence,
}

/// How a fit ended.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Convergence {
    /// L-BFGS iterations used.
    pub iterations: u64,
    /// ‖∇L(w)‖ / ‖∇L(0)‖ at the returned weights.
    pub relative_gradient: f32,
    /// Whether `relative_gradient` reached the tolerance (else `max_iterations` ran out or the
    /// line search could make no progress).
    pub converged: bool,
}

/// The objective over the rows `rows` (a row listed twice counts twice) of `x`.
#[derive(Clone, Copy)]
struct Objective<'a> {
    x: &'a [Sparse],
    rows: &'a [usize],
    y: &'a [usize],
    k: usize,
    d: usize,
    alpha: f64,
}

impl Objective<'_> {
    /// Loss and (optionally) gradient at `w`, summed block by block in a fixed order.
    fn eval(&self, w: &Array1<f64>, with_grad: bool) -> (f64, Option<Vec<f64>>) {
        let (k, d) = (self.k, self.d);
        let w = contiguous(w);
        let blocks: Vec<(f64, Option<Vec<f64>>)> = self
            .rows
            .par_chunks(BLOCK_ROWS)
            .zip(self.y.par_chunks(BLOCK_ROWS))
            .map(|(rows, ys)| {
                let mut loss = 0f64;
                let mut grad = with_grad.then(|| vec![0f64; (d + 1) * k]);
                let mut z = vec![0f64; k];
                for (&r, &c) in rows.iter().zip(ys) {
                    z.copy_from_slice(&w[d * k..]);
                    for &(j, v) in &self.x[r] {
                        let col = &w[j as usize * k..(j as usize + 1) * k];
                        for (zc, wc) in z.iter_mut().zip(col) {
                            *zc += wc * f64::from(v);
                        }
                    }
                    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = z.iter().map(|v| (v - m).exp()).sum();
                    let lse = m + sum.ln();
                    loss += lse - z[c];
                    if let Some(g) = grad.as_mut() {
                        for (cl, zc) in z.iter_mut().enumerate() {
                            *zc = (*zc - lse).exp() - f64::from(u8::from(cl == c));
                        }
                        for &(j, v) in &self.x[r] {
                            let col = &mut g[j as usize * k..(j as usize + 1) * k];
                            for (gc, pc) in col.iter_mut().zip(&z) {
                                *gc += pc * f64::from(v);
                            }
                        }
                        for (gc, pc) in g[d * k..].iter_mut().zip(&z) {
                            *gc += pc;
                        }
                    }
                }
                (loss, grad)
            })
            .collect();
        let mut loss = 0.5 * self.alpha * w[..d * k].iter().map(|v| v * v).sum::<f64>();
        let mut grad = with_grad.then(|| {
            let mut g = vec![0f64; (d + 1) * k];
            for (gj, wj) in g[..d * k].iter_mut().zip(&w[..d * k]) {
                *gj = self.alpha * wj;
            }
            g
        });
        for (l, g) in blocks {
            loss += l;
            if let (Some(total), Some(g)) = (grad.as_mut(), g) {
                for (t, v) in total.iter_mut().zip(g) {
                    *t += v;
                }
            }
        }
        (loss, grad)
    }

    fn gradient_norm(&self, w: &Array1<f64>) -> f64 {
        let g = self.eval(w, true).1.unwrap_or_default();
        g.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

impl CostFunction for Objective<'_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, w: &Array1<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.eval(w, false).0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, w: &Array1<f64>) -> Result<Array1<f64>, argmin::core::Error> {
        Ok(Array1::from(self.eval(w, true).1.unwrap_or_default()))
    }
}

/// The parameters as one slice: borrowed when contiguous (always, for the vectors this module
/// and argmin build), copied otherwise rather than assumed.
fn contiguous(w: &Array1<f64>) -> std::borrow::Cow<'_, [f64]> {
    match w.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(w.to_vec()),
    }
}

/// Fits `k` classes on the rows `rows` of `x` (`d` columns) labeled `y` at inverse L2 strength
/// `c`, starting from `warm` when given, until the relative gradient reaches
/// `learner.gradient_tolerance` or `learner.max_iterations` are spent.
///
/// # Errors
/// A class missing from `y`, or the solver's error as text.
#[allow(clippy::too_many_arguments)]
pub fn fit(
    x: &[Sparse],
    rows: &[usize],
    y: &[usize],
    k: usize,
    d: usize,
    c: f32,
    learner: &Learner,
    warm: Option<&Array1<f64>>,
) -> Result<Fitted, String> {
    check_every_class_present(y, k)?;
    let objective = Objective {
        x,
        rows,
        y,
        k,
        d,
        alpha: 1.0 / f64::from(c),
    };
    let zero = Array1::<f64>::zeros((d + 1) * k);
    let g0 = objective.gradient_norm(&zero).max(f64::MIN_POSITIVE);
    let tolerance = f64::from(learner.gradient_tolerance) * g0;
    let start = warm
        .filter(|w| w.len() == (d + 1) * k)
        .cloned()
        .unwrap_or(zero);
    let (params, iterations) = minimize(objective, start, tolerance, learner.max_iterations)?;
    let g = objective.gradient_norm(&params);
    let p = contiguous(&params);
    Ok(Fitted {
        weights: p[..d * k].iter().map(|&v| v as f32).collect(),
        bias: p[d * k..].iter().map(|&v| v as f32).collect(),
        convergence: Convergence {
            iterations,
            relative_gradient: (g / g0) as f32,
            converged: g <= tolerance,
        },
        warm: params,
    })
}

/// An error unless each of the `k` classes labels at least one of the rows `y` labels.
fn check_every_class_present(y: &[usize], k: usize) -> Result<(), String> {
    let mut present: Vec<usize> = y.to_vec();
    present.sort_unstable();
    present.dedup();
    if present.len() != k {
        return Err(format!(
            "only {} of {k} classes have training rows in this fit; use fewer folds or more data",
            present.len()
        ));
    }
    Ok(())
}

/// L-BFGS (history 10, Moré–Thuente line search) from `start` until the gradient's norm is at
/// most `tolerance` or `max_iterations` are spent: the best parameters and the iterations run.
fn minimize(
    objective: Objective<'_>,
    start: Array1<f64>,
    tolerance: f64,
    max_iterations: u64,
) -> Result<(Array1<f64>, u64), String> {
    let solver: LBFGS<_, Array1<f64>, Array1<f64>, f64> =
        LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(tolerance)
            .and_then(|s| s.with_tolerance_cost(0.0))
            .map_err(|e| e.to_string())?;
    let result = Executor::new(objective, solver)
        .configure(|state| state.param(start).max_iters(max_iterations))
        .ctrlc(false)
        .run()
        .map_err(|e| e.to_string())?;
    let iterations = result.state.get_iter();
    let params = result
        .state
        .get_best_param()
        .cloned()
        .ok_or("the solver returned no parameters")?;
    Ok((params, iterations))
}

/// Logits of sparse rows (`rows × k`, row-major), as `Model::logits` computes them.
pub fn logits(x: &[Sparse], rows: &[usize], weights: &[f32], bias: &[f32]) -> Vec<f32> {
    let k = bias.len();
    let mut out = Vec::with_capacity(rows.len() * k);
    for &r in rows {
        let mut z = bias.to_vec();
        for &(j, v) in &x[r] {
            let row = &weights[j as usize * k..(j as usize + 1) * k];
            for (zc, w) in z.iter_mut().zip(row) {
                *zc += w * v;
            }
        }
        out.extend_from_slice(&z);
    }
    out
}

#[cfg(test)]
// The reference Newton solver indexes small fixed-size arrays, as the textbook writes it.
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use linfa::prelude::*;
    use linfa_logistic::MultiLogisticRegression;

    /// A small, overlapping (not separable) problem: 3 features, 60 rows.
    fn problem() -> (Vec<Sparse>, Vec<usize>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..60u32 {
            let a = ((i * 7) % 11) as f32 / 11.0;
            let b = ((i * 5) % 13) as f32 / 13.0;
            let c = ((i * 3) % 7) as f32 / 7.0;
            x.push(vec![(0, a), (1, b), (2, c)]);
            // A noisy rule, so the optimum is finite even with little regularization.
            y.push(usize::from(
                a + 0.5 * b - c + 0.1 * ((i % 5) as f32 - 2.0) > 0.2,
            ));
        }
        (x, y)
    }

    /// The exact optimum by Newton's method in f64. With two softmax classes and `α/2‖W‖²`,
    /// the optimum has `w₁ = −w₀`, so `β = w₁ − w₀` solves binary logistic regression with
    /// penalty `α/4 ‖β‖²` and a free intercept `β₀ = b₁ − b₀`.
    fn newton(x: &[Sparse], y: &[usize], alpha: f64) -> [f64; 4] {
        let mut beta = [0f64; 4]; // 3 weights, then the intercept
        for _ in 0..50 {
            let mut g = [0f64; 4];
            let mut h = [[0f64; 4]; 4];
            for (row, &t) in x.iter().zip(y) {
                let mut f = [0f64; 4];
                for &(j, v) in row {
                    f[j as usize] = f64::from(v);
                }
                f[3] = 1.0;
                let z: f64 = (0..4).map(|j| beta[j] * f[j]).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                for a in 0..4 {
                    g[a] += (p - t as f64) * f[a];
                    for b in 0..4 {
                        h[a][b] += p * (1.0 - p) * f[a] * f[b];
                    }
                }
            }
            for a in 0..3 {
                g[a] += alpha / 2.0 * beta[a];
                h[a][a] += alpha / 2.0;
            }
            // Solve h · step = g by Gaussian elimination (4 × 4, positive definite).
            let mut m = h;
            let mut r = g;
            for col in 0..4 {
                for row in col + 1..4 {
                    let f = m[row][col] / m[col][col];
                    for k in col..4 {
                        m[row][k] -= f * m[col][k];
                    }
                    r[row] -= f * r[col];
                }
            }
            let mut step = [0f64; 4];
            for row in (0..4).rev() {
                let s: f64 = (row + 1..4).map(|k| m[row][k] * step[k]).sum();
                step[row] = (r[row] - s) / m[row][row];
            }
            for a in 0..4 {
                beta[a] -= step[a];
            }
        }
        beta
    }

    fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
        assert!(
            (got - want).abs() < tol * want.abs().max(1.0),
            "{what}: {got} vs {want}"
        );
    }

    #[test]
    fn fit_reaches_the_exact_optimum_from_cold_and_warm_starts() {
        let (x, y) = problem();
        let rows: Vec<usize> = (0..x.len()).collect();
        let learner = Learner {
            gradient_tolerance: 1e-7,
            max_iterations: 1000,
            ..Learner::default()
        };
        let c = 4.0f32;
        let exact = newton(&x, &y, f64::from(1.0 / c));
        let check = |f: &Fitted, what: &str| {
            assert!(f.convergence.converged, "{what}: {:?}", f.convergence);
            assert!(f.convergence.relative_gradient <= 1e-7, "{what}");
            for j in 0..3 {
                let beta = f64::from(f.weights[j * 2 + 1] - f.weights[j * 2]);
                assert_close(&format!("{what}: weight {j}"), beta, exact[j], 1e-4);
            }
            let b = f64::from(f.bias[1] - f.bias[0]);
            assert_close(&format!("{what}: intercept"), b, exact[3], 1e-4);
        };
        let cold = fit(&x, &rows, &y, 2, 3, c, &learner, None).unwrap();
        check(&cold, "cold start");
        assert!(cold.convergence.iterations > 0);
        // A warm start from another C's optimum must still reach this C's optimum.
        let other = fit(&x, &rows, &y, 2, 3, 0.25, &learner, None).unwrap();
        let warm = fit(&x, &rows, &y, 2, 3, c, &learner, Some(&other.warm)).unwrap();
        check(&warm, "warm start");
        assert!(warm.convergence.iterations > 0);
    }

    #[test]
    fn fit_matches_linfa_on_the_same_objective() {
        let (x, y) = problem();
        let rows: Vec<usize> = (0..x.len()).collect();
        let learner = Learner {
            gradient_tolerance: 1e-7,
            max_iterations: 1000,
            ..Learner::default()
        };
        let ours = fit(&x, &rows, &y, 2, 3, 2.0, &learner, None).unwrap();
        let mut dense = ndarray::Array2::<f64>::zeros((x.len(), 3));
        for (i, row) in x.iter().enumerate() {
            for &(j, v) in row {
                dense[[i, j as usize]] = f64::from(v);
            }
        }
        let linfa = MultiLogisticRegression::<f64>::default()
            .alpha(0.5)
            .gradient_tolerance(1e-10)
            .max_iterations(1000)
            .fit(&DatasetBase::new(dense, Array1::from(y.clone())))
            .unwrap();
        for j in 0..3 {
            for c in 0..2 {
                assert_close(
                    &format!("w[{j}][{c}]"),
                    f64::from(ours.weights[j * 2 + c]),
                    linfa.params()[[j, c]],
                    1e-3,
                );
            }
        }
    }

    #[test]
    fn iteration_cap_is_reported_as_not_converged() {
        let (x, y) = problem();
        let rows: Vec<usize> = (0..x.len()).collect();
        let learner = Learner {
            gradient_tolerance: 1e-9,
            max_iterations: 2,
            ..Learner::default()
        };
        let f = fit(&x, &rows, &y, 2, 3, 1000.0, &learner, None).unwrap();
        assert_eq!(f.convergence.iterations, 2);
        assert!(!f.convergence.converged, "{:?}", f.convergence);
    }

    #[test]
    fn separable_data_is_learned_and_missing_classes_are_refused() {
        // Column 0 marks class 0, column 1 class 1; row 0 is listed twice (a repeat).
        let x: Vec<Sparse> = (0..40).map(|i| vec![((i % 2) as u32, 1.0)]).collect();
        let rows: Vec<usize> = (0..40).chain([0]).collect();
        let y: Vec<usize> = rows.iter().map(|i| i % 2).collect();
        let learner = Learner::default();
        let f = fit(&x, &rows, &y, 2, 2, 1.0, &learner, None).unwrap();
        let z = logits(&x, &[0, 1], &f.weights, &f.bias);
        assert!(z[0] > z[1] && z[3] > z[2], "{z:?}");
        assert!(fit(&x, &rows, &vec![0; 41], 2, 2, 1.0, &learner, None)
            .unwrap_err()
            .contains("only 1 of 2"));
    }
}
