//! Feature selection and weighting over hashed buckets. linfa learners only take dense arrays,
//! so the trainer keeps the dense matrix to the `k` best buckets: ranked by χ² against each
//! head's classes (the max over heads, each head's χ² divided by its row count so that heads
//! of different sizes compare), or by document frequency. Column weights are smoothed idf.
//! Everything is computed on training rows only and in a fixed order, so it is deterministic.

use rayon::slice::ParallelSliceMut;
use slant_model::Sparse;

use super::recipe::{Selection, SelectionMethod, Weighting};

/// The labeled training rows of one head.
#[derive(Debug, Clone)]
pub struct HeadRows<'a> {
    pub rows: &'a [usize],
    pub classes: &'a [usize],
    pub n_classes: usize,
}

/// The chosen columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    /// Buckets, ascending.
    pub feature_ids: Vec<u32>,
    /// Per column weight (idf or 1).
    pub column_weights: Vec<f32>,
    /// Buckets that passed `min_df` (before taking the top `k`).
    pub candidates: usize,
}

/// Selects columns from the raw features of `doc_rows` (the training documents) for `heads`.
pub fn select(
    raw: &[Sparse],
    doc_rows: &[usize],
    heads: &[HeadRows<'_>],
    selection: &Selection,
    weighting: Weighting,
) -> Selected {
    let (buckets, df) = document_frequencies(raw, doc_rows);
    let keep: Vec<usize> = (0..buckets.len())
        .filter(|&i| df[i] >= selection.min_df)
        .collect();
    let cand: Vec<u32> = keep.iter().map(|&i| buckets[i]).collect();
    let cand_df: Vec<u32> = keep.iter().map(|&i| df[i]).collect();
    let presence: Vec<Presence> = heads.iter().map(|h| presence(raw, &cand, h)).collect();
    let chosen = choose(selection, &cand, &cand_df, &presence);
    let nb = match weighting {
        Weighting::Nb | Weighting::IdfNb => best_nb_ratios(&presence, &chosen),
        _ => Vec::new(),
    };
    let n = doc_rows.len() as f64;
    let idf = |j: usize| ((1.0 + n) / (1.0 + f64::from(cand_df[j]))).ln() + 1.0;
    let column_weights = chosen
        .iter()
        .enumerate()
        .map(|(i, &j)| {
            (match weighting {
                Weighting::Idf => idf(j),
                Weighting::None => 1.0,
                Weighting::Nb => nb[i],
                Weighting::IdfNb => idf(j) * nb[i],
            }) as f32
        })
        .collect();
    Selected {
        feature_ids: chosen.iter().map(|&j| cand[j]).collect(),
        column_weights,
        candidates: cand.len(),
    }
}

/// Every bucket of `doc_rows` in ascending order with its document frequency (the rows' buckets
/// are unique within a row, so sorting every occurrence and counting runs counts documents).
fn document_frequencies(raw: &[Sparse], doc_rows: &[usize]) -> (Vec<u32>, Vec<u32>) {
    let mut all: Vec<u32> = doc_rows
        .iter()
        .flat_map(|&r| raw[r].iter().map(|&(b, _)| b))
        .collect();
    all.par_sort_unstable();
    let mut counted: Vec<(u32, u32)> = Vec::new();
    for b in all {
        match counted.last_mut() {
            Some((last, n)) if *last == b => *n += 1,
            _ => counted.push((b, 1)),
        }
    }
    counted.into_iter().unzip()
}

/// The candidates (indices into `cand`) the selection method keeps, ascending.
fn choose(
    selection: &Selection,
    cand: &[u32],
    cand_df: &[u32],
    presence: &[Presence],
) -> Vec<usize> {
    match selection.method {
        SelectionMethod::All => (0..cand.len()).collect(),
        SelectionMethod::Df => top_k(
            &cand_df.iter().map(|&d| f64::from(d)).collect::<Vec<_>>(),
            cand,
            selection.k,
        ),
        SelectionMethod::Chi2 => {
            let mut score = vec![0f64; cand.len()];
            for p in presence {
                for (j, s) in chi2(p).into_iter().enumerate() {
                    score[j] = score[j].max(s);
                }
            }
            top_k(&score, cand, selection.k)
        }
    }
}

/// Each chosen column's NB log-count ratio, the largest over the heads.
fn best_nb_ratios(presence: &[Presence], chosen: &[usize]) -> Vec<f64> {
    let mut r = vec![0f64; chosen.len()];
    for p in presence {
        for (slot, v) in r.iter_mut().zip(nb_ratios(p, chosen)) {
            *slot = slot.max(v);
        }
    }
    r
}

/// Indices of the `k` highest scores (ties: lower bucket first), returned in ascending order.
fn top_k(score: &[f64], cand: &[u32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(cand[a].cmp(&cand[b])));
    order.truncate(k);
    order.sort_unstable();
    order
}

/// Per candidate and class: the head's documents holding the bucket.
struct Presence {
    k: usize,
    observed: Vec<u32>,
    class_n: Vec<u64>,
}

fn presence(raw: &[Sparse], cand: &[u32], head: &HeadRows<'_>) -> Presence {
    let k = head.n_classes;
    let mut observed = vec![0u32; cand.len() * k];
    let mut class_n = vec![0u64; k];
    for (&r, &c) in head.rows.iter().zip(head.classes) {
        class_n[c] += 1;
        for &(b, _) in &raw[r] {
            if let Ok(j) = cand.binary_search(&b) {
                observed[j * k + c] += 1;
            }
        }
    }
    Presence {
        k,
        observed,
        class_n,
    }
}

/// χ² of each candidate's presence against the head's classes, divided by the head's rows
/// (scikit-learn's `chi2` on binary presence: observed = documents of class c holding the
/// bucket, expected = its documents × the class share).
fn chi2(p: &Presence) -> Vec<f64> {
    let n: u64 = p.class_n.iter().sum();
    if n == 0 {
        return vec![0.0; p.observed.len() / p.k.max(1)];
    }
    p.observed
        .chunks_exact(p.k)
        .map(|o| {
            let total: f64 = o.iter().map(|&x| f64::from(x)).sum();
            let s: f64 = (0..p.k)
                .filter(|&c| p.class_n[c] > 0)
                .map(|c| {
                    let e = total * p.class_n[c] as f64 / n as f64;
                    if e > 0.0 {
                        (f64::from(o[c]) - e).powi(2) / e
                    } else {
                        0.0
                    }
                })
                .sum();
            s / n as f64
        })
        .collect()
}

/// NB log-count ratios of the chosen candidates (Wang & Manning 2012): |ln(p_c / p_rest)|
/// maximized over classes, with add-one smoothing over the chosen columns. Its magnitude
/// weights the column, so L2 regularization shrinks uninformative columns more.
fn nb_ratios(p: &Presence, chosen: &[usize]) -> Vec<f64> {
    let d = chosen.len() as f64;
    let k = p.k;
    let mut class_total = vec![0f64; k];
    for &j in chosen {
        for (total, &o) in class_total.iter_mut().zip(&p.observed[j * k..(j + 1) * k]) {
            *total += f64::from(o);
        }
    }
    let all: f64 = class_total.iter().sum();
    chosen
        .iter()
        .map(|&j| {
            let o = &p.observed[j * k..(j + 1) * k];
            let row: f64 = o.iter().map(|&x| f64::from(x)).sum();
            (0..k)
                .map(|c| {
                    let a = f64::from(o[c]);
                    let r = ((a + 1.0) / (class_total[c] + d))
                        / ((row - a + 1.0) / (all - class_total[c] + d));
                    r.ln().abs()
                })
                .fold(0f64, f64::max)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_prefers_the_discriminative_bucket_and_idf_is_smoothed() {
        // Bucket 5 appears in every row (useless), 9 only in class 1, 7 in one row of each.
        let raw: Vec<Sparse> = vec![
            vec![(5, 1.0), (7, 1.0)],
            vec![(5, 1.0)],
            vec![(5, 1.0), (9, 1.0)],
            vec![(5, 1.0), (7, 1.0), (9, 1.0)],
        ];
        let rows = [0, 1, 2, 3];
        let classes = [0, 0, 1, 1];
        let heads = [HeadRows {
            rows: &rows,
            classes: &classes,
            n_classes: 2,
        }];
        let sel = Selection {
            method: SelectionMethod::Chi2,
            k: 1,
            min_df: 1,
        };
        let s = select(&raw, &rows, &heads, &sel, Weighting::Idf);
        assert_eq!(s.feature_ids, [9]);
        assert_eq!(s.candidates, 3);
        let expected = ((5.0f64 / 3.0).ln() + 1.0) as f32;
        assert!((s.column_weights[0] - expected).abs() < 1e-6);
        let all = Selection {
            method: SelectionMethod::All,
            k: 1,
            min_df: 2,
        };
        let s = select(&raw, &rows, &heads, &all, Weighting::None);
        assert_eq!(s.feature_ids, [5, 7, 9]);
        assert_eq!(s.column_weights, [1.0, 1.0, 1.0]);
    }

    #[test]
    fn nb_weights_favor_one_sided_buckets() {
        // Bucket 9 only in class 1, bucket 5 everywhere: |log-count ratio| 9 > 5.
        let raw: Vec<Sparse> = vec![
            vec![(5, 1.0)],
            vec![(5, 1.0)],
            vec![(5, 1.0), (9, 1.0)],
            vec![(5, 1.0), (9, 1.0)],
        ];
        let rows = [0, 1, 2, 3];
        let classes = [0, 0, 1, 1];
        let heads = [HeadRows {
            rows: &rows,
            classes: &classes,
            n_classes: 2,
        }];
        let all = Selection {
            method: SelectionMethod::All,
            k: 10,
            min_df: 1,
        };
        let s = select(&raw, &rows, &heads, &all, Weighting::Nb);
        assert_eq!(s.feature_ids, [5, 9]);
        assert!(
            s.column_weights[1] > s.column_weights[0] + 0.2,
            "{:?}",
            s.column_weights
        );
        assert!(s.column_weights.iter().all(|w| w.is_finite() && *w >= 0.0));
    }
}
