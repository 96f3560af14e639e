//! Fitting one head with linfa-logistic's `MultiLogisticRegression` (f32, L-BFGS), also for two
//! classes: without BLAS its gradient is a matrix–matrix product that matrixmultiply runs on
//! both cores, and it fitted 4× faster than the binary `LogisticRegression` (DESIGN.md).
//!
//! linfa takes dense rows only, so the selected columns of the training rows are expanded into
//! one `rows × k` array for the fit; held-out rows are scored sparsely with the same arithmetic
//! as [`slant_model::Model::logits`]. linfa has no sample weights; see
//! [`super::recipe::ClassWeight`] for how skewed labels are handled instead.

use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2, Axis};
use slant_model::Sparse;

use super::recipe::Learner;

/// A fitted head: feature-major weights as the model file stores them, and linfa's parameter
/// matrix (`(d + 1) × k`, intercept last) to warm-start the next fit of a grid.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub warm: Array2<f32>,
}

/// The dense `rows × d` matrix of projected sparse rows.
pub fn dense(x: &[Sparse], rows: &[usize], d: usize) -> Array2<f32> {
    let mut m = Array2::<f32>::zeros((rows.len(), d));
    for (mut out, &r) in m.axis_iter_mut(Axis(0)).zip(rows) {
        for &(j, v) in &x[r] {
            out[j as usize] = v;
        }
    }
    m
}

/// Fits `k` classes on `x` (rows × d) with labels `y` at inverse L2 strength `c`.
///
/// # Errors
/// linfa's error as text (non-finite values, a class missing from `y`, solver failure).
pub fn fit(
    x: &Array2<f32>,
    y: &[usize],
    k: usize,
    c: f32,
    learner: &Learner,
    warm: Option<&Array2<f32>>,
) -> Result<Fitted, String> {
    let d = x.ncols();
    let mut present: Vec<usize> = y.to_vec();
    present.sort_unstable();
    present.dedup();
    if present.len() != k {
        return Err(format!(
            "only {} of {k} classes have training rows in this fit; use fewer folds or more data",
            present.len()
        ));
    }
    let mut params = MultiLogisticRegression::<f32>::default()
        .alpha(1.0 / c)
        .max_iterations(learner.max_iterations)
        // linfa's loss is a sum over rows, so its gradient grows with them: the recipe's
        // tolerance is per row, which keeps "converged" meaning the same on 200 and 200k rows.
        .gradient_tolerance(learner.gradient_tolerance * x.nrows().max(1) as f32);
    if let Some(w) = warm.filter(|w| w.dim() == (d + 1, k)) {
        params = params.initial_params(w.clone());
    }
    let dataset = DatasetBase::new(x.view(), Array1::from(y.to_vec()));
    let fitted = params.fit(&dataset).map_err(|e| e.to_string())?;
    // linfa orders classes by value; ours are 0..k, all present, so columns are class indices.
    let w = fitted.params();
    let b = fitted.intercept();
    let mut weights = vec![0f32; d * k];
    for j in 0..d {
        for c in 0..k {
            weights[j * k + c] = w[[j, c]];
        }
    }
    let mut warm = Array2::<f32>::zeros((d + 1, k));
    warm.slice_mut(ndarray::s![..d, ..]).assign(w);
    warm.row_mut(d).assign(b);
    Ok(Fitted {
        weights,
        bias: b.to_vec(),
        warm,
    })
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
mod tests {
    use super::*;

    #[test]
    fn separable_data_is_learned_and_warm_start_is_accepted() {
        // Column 0 marks class 0, column 1 class 1.
        let x: Vec<Sparse> = (0..40).map(|i| vec![((i % 2) as u32, 1.0)]).collect();
        let rows: Vec<usize> = (0..40).collect();
        let y: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let m = dense(&x, &rows, 2);
        assert_eq!(m.dim(), (40, 2));
        let learner = Learner::default();
        let f = fit(&m, &y, 2, 1.0, &learner, None).unwrap();
        let z = logits(&x, &[0, 1], &f.weights, &f.bias);
        assert!(z[0] > z[1] && z[3] > z[2], "{z:?}");
        let g = fit(&m, &y, 2, 2.0, &learner, Some(&f.warm)).unwrap();
        assert!(g.weights.iter().all(|w| w.is_finite()));
        assert!(fit(&m, &vec![0; 40], 2, 1.0, &learner, None)
            .unwrap_err()
            .contains("only 1 of 2"));
    }
}
