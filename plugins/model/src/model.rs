//! A trained linear model: selected feature buckets with their weights, and one or more softmax
//! heads over them. Serving is a sparse dot product; nothing dense is built per document.

use serde::{Deserialize, Serialize};
use slant_sdk::DocView;

use crate::features::{extract, extract_named, FeatureSpec, Sparse};

/// What the model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// One text (`text`).
    Text,
    /// A text and a target it is about (`text` + `target`).
    Target,
    /// A text and a paired text (`headline` + `body`, or `claim` + `text`).
    Pair,
}

/// One softmax head: its classes and how its probabilities are calibrated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadSpec {
    /// Head name ("toxic", "hate"); the task name for single-head models.
    pub name: String,
    /// Class labels, in weight order.
    pub classes: Vec<String>,
    /// For binary heads: the class whose probability is "the" score (e.g. "OFF", "toxic").
    #[serde(default)]
    pub positive: Option<String>,
    /// Logits are divided by this before the softmax (temperature scaling fitted on held-out
    /// data; 1.0 = uncalibrated).
    pub temperature: f32,
    /// Decision threshold on the positive class probability chosen at training (binary heads).
    #[serde(default)]
    pub threshold: Option<f32>,
}

impl HeadSpec {
    /// Index of the positive class, if any.
    pub fn positive_index(&self) -> Option<usize> {
        let p = self.positive.as_ref()?;
        self.classes.iter().position(|c| c == p)
    }
}

/// Everything in a model file besides the numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelHeader {
    /// The task ("toxicity", "sentiment", "stance", "claim").
    pub task: String,
    pub input: InputKind,
    pub heads: Vec<HeadSpec>,
    pub features: FeatureSpec,
    /// Fingerprint of the tokenize stage the model was trained behind.
    pub tokenizer_fingerprint: String,
    /// How column values are weighted before normalization ("idf", "none").
    pub weighting: String,
    /// Learner name and hyperparameters.
    pub learner: serde_json::Value,
    /// Recipe name, data files (path, sha256, rows), label mapping.
    pub training: serde_json::Value,
    /// Dev / cross-validation metrics.
    pub metrics: serde_json::Value,
    pub seed: u64,
    pub slant_version: String,
}

/// Weights of one head, feature-major: `weights[j * classes + c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadWeights {
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// A loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub header: ModelHeader,
    /// Selected hash buckets, ascending; column `j` of the weights is bucket `feature_ids[j]`.
    pub feature_ids: Vec<u32>,
    /// Per column multiplier applied before L2 normalization (idf, or 1).
    pub column_weights: Vec<f32>,
    pub heads: Vec<HeadWeights>,
}

/// A feature's share in a decision, for `--explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub feature: String,
    /// Weight × value toward the explained class (positive pushes toward it).
    pub weight: f32,
}

impl Model {
    /// Number of selected feature columns.
    pub fn n_features(&self) -> usize {
        self.feature_ids.len()
    }

    /// Total number of scores [`Model::predict`] writes (sum of classes over heads).
    pub fn n_outputs(&self) -> usize {
        self.header.heads.iter().map(|h| h.classes.len()).sum()
    }

    /// Output names: `class` for a single head, `head/class` when there are several.
    pub fn output_labels(&self) -> Vec<String> {
        let single = self.header.heads.len() == 1;
        self.header
            .heads
            .iter()
            .flat_map(|h| {
                h.classes.iter().map(move |c| {
                    if single {
                        c.clone()
                    } else {
                        format!("{}/{}", h.name, c)
                    }
                })
            })
            .collect()
    }

    fn column(&self, bucket: u32) -> Option<usize> {
        self.feature_ids.binary_search(&bucket).ok()
    }

    /// Maps raw hashed features onto the model's columns: keep selected buckets, weight them,
    /// L2-normalize. Returns `(column, value)` sorted by column.
    pub fn project(&self, raw: &Sparse) -> Sparse {
        let mut out: Sparse = raw
            .iter()
            .filter_map(|&(bucket, v)| {
                let j = self.column(bucket)?;
                Some((j as u32, v * self.column_weights[j]))
            })
            .collect();
        let norm = out.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        out
    }

    /// The projected features of a document (what the heads see).
    pub fn featurize(&self, doc: &DocView<'_>) -> Sparse {
        self.project(&extract(&self.header.features, doc))
    }

    /// Raw logits of head `h` for projected features `x`.
    pub fn logits(&self, h: usize, x: &Sparse) -> Vec<f32> {
        let head = &self.heads[h];
        let k = head.bias.len();
        let mut z = head.bias.clone();
        for &(j, v) in x {
            let row = &head.weights[j as usize * k..(j as usize + 1) * k];
            for (zc, w) in z.iter_mut().zip(row) {
                *zc += w * v;
            }
        }
        z
    }

    /// Calibrated probabilities of every head, concatenated in head order, into `out`.
    pub fn predict_into(&self, x: &Sparse, out: &mut [f32]) {
        let mut at = 0;
        for (h, spec) in self.header.heads.iter().enumerate() {
            let z = self.logits(h, x);
            let probs = softmax(&z, spec.temperature);
            out[at..at + probs.len()].copy_from_slice(&probs);
            at += probs.len();
        }
    }

    /// Calibrated probabilities of every head for a document.
    pub fn predict(&self, doc: &DocView<'_>) -> Vec<f32> {
        let mut out = vec![0.0; self.n_outputs()];
        self.predict_into(&self.featurize(doc), &mut out);
        out
    }

    /// The `n` features that pushed class `class` of head `head` most, strongest first.
    pub fn explain(
        &self,
        doc: &DocView<'_>,
        head: usize,
        class: usize,
        n: usize,
    ) -> Vec<Contribution> {
        let x = self.featurize(doc);
        let names = extract_named(&self.header.features, doc);
        let k = self.heads[head].bias.len();
        let w = &self.heads[head].weights;
        let mut out: Vec<Contribution> = Vec::new();
        for (bucket, name) in names {
            let Some(j) = self.column(bucket) else {
                continue;
            };
            let Ok(pos) = x.binary_search_by_key(&(j as u32), |&(c, _)| c) else {
                continue;
            };
            let row = &w[j * k..(j + 1) * k];
            // Against the mean of the other classes: for two classes this is the log-odds share.
            let others = if k > 1 {
                (row.iter().sum::<f32>() - row[class]) / (k - 1) as f32
            } else {
                0.0
            };
            out.push(Contribution {
                feature: name,
                weight: x[pos].1 * (row[class] - others),
            });
        }
        // Buckets shared by several names (hash collisions) appear once per name; that is honest.
        out.sort_by(|a, b| {
            b.weight
                .abs()
                .total_cmp(&a.weight.abs())
                .then(a.feature.cmp(&b.feature))
        });
        out.truncate(n);
        out
    }
}

/// Softmax of `z / temperature`.
pub fn softmax(z: &[f32], temperature: f32) -> Vec<f32> {
    let t = if temperature > 0.0 { temperature } else { 1.0 };
    let max = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b / t));
    let exp: Vec<f32> = z.iter().map(|&v| (v / t - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}
