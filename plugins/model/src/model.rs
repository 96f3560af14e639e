//! A trained linear model: selected feature buckets with their weights, and one or more softmax
//! heads over them. Serving is a sparse dot product; nothing dense is built per document.

use serde::{Deserialize, Serialize};
use slant_sdk::DocView;

use crate::features::{self, extract_named, FeatureSpec, MainText, SharedMain, Sparse};
use crate::projector::{self, ModelId};

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

impl ModelHeader {
    /// Where head `h`'s probabilities sit among the model's concatenated outputs (heads in
    /// order, each head's classes in order). The one place this offset is computed.
    ///
    /// # Panics
    /// If `h` is not a head index (callers take `h` from `heads`).
    pub fn head_range(&self, h: usize) -> std::ops::Range<usize> {
        let start: usize = self.heads[..h].iter().map(|s| s.classes.len()).sum();
        start..start + self.heads[h].classes.len()
    }
}

/// Weights of one head, feature-major: `weights[j * classes + c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadWeights {
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// A loaded model. Build it with [`Model::new`] (it indexes the selected buckets).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub header: ModelHeader,
    /// Selected hash buckets, ascending; column `j` of the weights is bucket `feature_ids[j]`.
    /// Not to be changed after [`Model::new`]: the column index is built from it.
    pub feature_ids: Vec<u32>,
    /// Per column multiplier applied before L2 normalization (idf, or 1).
    pub column_weights: Vec<f32>,
    pub heads: Vec<HeadWeights>,
    columns: ColumnIndex,
    /// Names this model's columns in the per-thread serving memo (see [`projector`]).
    id: ModelId,
}

/// Bucket → column in O(1): one bit per hash bucket, plus the number of set bits before each
/// 64-bit word, so a column is a rank. 2^20 buckets cost 192 KiB, where a binary search over the
/// selected ids was a third of serving time.
///
/// Nearly every lookup misses (a model selects 6,000–20,000 of 2^20 buckets), and with three
/// models' bitmaps and the memos competing for the core's cache, the miss itself cost a load
/// from far away: the bitmap load was a third of the sentiment plugin's samples. So a lookup
/// first reads a [`FILTER_BITS`]-bit filter, bit `bucket mod 2^FILTER_BITS` set when any
/// selected bucket has those low bits. It is 8 KiB, small enough to stay near the core, and
/// answers "no column" alone for 70–90 % of lookups. It never hides a column, so the columns
/// are the same as without it.
#[derive(Debug, Clone, PartialEq)]
struct ColumnIndex {
    filter: Vec<u64>,
    bits: Vec<u64>,
    ranks: Vec<u32>,
}

/// Most outputs [`Model::with_prediction`] holds on the stack.
pub const STACK_OUTPUTS: usize = 16;

/// Width of [`ColumnIndex`]'s filter in bits of the bucket (at most the model's hash bits).
const FILTER_BITS: u32 = 16;

impl ColumnIndex {
    fn new(ids: &[u32], hash_bits: u32) -> ColumnIndex {
        let words = ((1usize << hash_bits.min(26)) / 64).max(1);
        let mut bits = vec![0u64; words];
        for &id in ids {
            if let Some(w) = bits.get_mut(id as usize / 64) {
                *w |= 1u64 << (id % 64);
            }
        }
        let mut ranks = Vec::with_capacity(words);
        let mut seen = 0u32;
        for w in &bits {
            ranks.push(seen);
            seen += w.count_ones();
        }
        let filter = Self::filter_of(&bits, hash_bits);
        ColumnIndex {
            filter,
            bits,
            ranks,
        }
    }

    /// The filter of `bits`: its words folded onto the filter's width with OR, so that filter
    /// bit `b mod width` is set when bucket `b` is.
    fn filter_of(bits: &[u64], hash_bits: u32) -> Vec<u64> {
        let words = ((1usize << hash_bits.min(FILTER_BITS)) / 64).max(1);
        let mut filter = vec![0u64; words];
        for (i, w) in bits.iter().enumerate() {
            filter[i % words] |= w;
        }
        filter
    }

    #[inline]
    fn column(&self, bucket: u32) -> Option<usize> {
        let w = bucket as usize / 64;
        let bit = 1u64 << (bucket % 64);
        // The filter's length is a power of two, so the modulo is a mask.
        if self.filter[w & (self.filter.len() - 1)] & bit == 0 {
            return None;
        }
        let word = *self.bits.get(w)?;
        if word & bit == 0 {
            return None;
        }
        Some((self.ranks[w] + (word & (bit - 1)).count_ones()) as usize)
    }

    /// Replaces `buckets` with the columns of the selected ones, in their order: what
    /// [`column`](Self::column) gives each, without a branch per bucket. The filter and the
    /// bitmap each answer "no column" for a share of lookups too large and too random for
    /// branch prediction (on tweets, two fifths of the one-by-one lookups' samples were on the
    /// filter's test and branch in `perf annotate`), so each pass writes every bucket at the next
    /// free place and moves that place on only past the ones it keeps.
    fn keep_columns(&self, buckets: &mut Vec<u32>) {
        let filter_mask = self.filter.len() - 1;
        let mut kept = 0;
        for i in 0..buckets.len() {
            let b = buckets[i];
            buckets[kept] = b;
            let w = b as usize / 64;
            kept += ((self.filter[w & filter_mask] >> (b % 64)) & 1) as usize;
        }
        buckets.truncate(kept);
        let mut kept = 0;
        for i in 0..buckets.len() {
            let b = buckets[i];
            let w = b as usize / 64;
            // A bucket past the bitmap (a wider hash than the model's) has no column.
            let (word, rank) = match (self.bits.get(w), self.ranks.get(w)) {
                (Some(&word), Some(&rank)) => (word, rank),
                _ => (0, 0),
            };
            buckets[kept] = rank + (word & ((1u64 << (b % 64)) - 1)).count_ones();
            kept += ((word >> (b % 64)) & 1) as usize;
        }
        buckets.truncate(kept);
    }
}

/// A feature's share in a decision, for `--explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub feature: String,
    /// Weight × value toward the explained class (positive pushes toward it).
    pub weight: f32,
}

impl Model {
    /// A model over the selected buckets `feature_ids` (strictly ascending).
    pub fn new(
        header: ModelHeader,
        feature_ids: Vec<u32>,
        column_weights: Vec<f32>,
        heads: Vec<HeadWeights>,
    ) -> Model {
        let columns = ColumnIndex::new(&feature_ids, header.features.hash_bits);
        Model {
            header,
            feature_ids,
            column_weights,
            heads,
            columns,
            id: ModelId::fresh(),
        }
    }

    /// This model's identity in the serving memo; clones share it.
    pub(crate) fn id(&self) -> ModelId {
        self.id
    }

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
        output_names(&self.header.heads)
    }

    pub(crate) fn column(&self, bucket: u32) -> Option<usize> {
        self.columns.column(bucket)
    }

    /// Replaces `buckets` with the columns of the selected ones, in order (see
    /// [`ColumnIndex::keep_columns`]).
    pub(crate) fn keep_columns(&self, buckets: &mut Vec<u32>) {
        self.columns.keep_columns(buckets);
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
        normalize(&mut out);
        out
    }

    /// The projected features of a document (what the heads see): the same numbers as
    /// `project(&extract(spec, doc))`, but features are counted straight into the selected
    /// columns (unselected buckets are never stored or sorted, which is most of them) and a
    /// word's char n-grams are looked up once per model and thread (see [`projector`]).
    pub fn featurize(&self, doc: &DocView<'_>) -> Sparse {
        self.with_features(doc, Sparse::clone)
    }

    /// Calls `f` with [`Model::featurize`]'s features, held in a per-thread buffer (so a
    /// document scored this way allocates nothing). `f` must not featurize again.
    fn with_features<R>(&self, doc: &DocView<'_>, f: impl FnOnce(&Sparse) -> R) -> R {
        self.with_features_from(doc, MainText::Walk, f)
    }

    /// [`Model::with_features`], the main text's counts taken as `main` says.
    fn with_features_from<'d, R>(
        &self,
        doc: &DocView<'d>,
        main: MainText<'_, 'd>,
        f: impl FnOnce(&Sparse) -> R,
    ) -> R {
        let sublinear = self.header.features.sublinear_tf;
        projector::with_counts(self, doc, main, |touched, counts, x| {
            x.clear();
            x.extend(touched.iter().map(|&j| {
                let c = std::mem::take(&mut counts[j as usize]);
                let tf = if sublinear { features::sublinear(c) } else { c };
                (j, tf * self.column_weights[j as usize])
            }));
            normalize(x);
            f(x)
        })
    }

    /// Raw logits of head `h` for projected features `x`.
    pub fn logits(&self, h: usize, x: &Sparse) -> Vec<f32> {
        let mut z = vec![0.0; self.heads[h].bias.len()];
        self.logits_into(h, x, &mut z);
        z
    }

    /// [`Model::logits`] into `z` (as long as head `h`'s bias): bias plus one weight row per
    /// selected column present in `x`, nothing dense.
    fn logits_into(&self, h: usize, x: &Sparse, z: &mut [f32]) {
        let head = &self.heads[h];
        z.copy_from_slice(&head.bias);
        // The class count fixed at compile time for the shipped heads' widths: rows become
        // arrays, so each touched column is one bounds check and an unrolled loop.
        match z.len() {
            2 => add_rows::<2>(&head.weights, x, z),
            3 => add_rows::<3>(&head.weights, x, z),
            4 => add_rows::<4>(&head.weights, x, z),
            _ => add_rows_any(&head.weights, x, z),
        }
    }

    /// Calibrated probabilities of every head, concatenated in head order, into `out`
    /// (computed in place: no vector per head).
    pub fn predict_into(&self, x: &Sparse, out: &mut [f32]) {
        for (h, spec) in self.header.heads.iter().enumerate() {
            let z = &mut out[self.header.head_range(h)];
            self.logits_into(h, x, z);
            softmax_in_place(z, spec.temperature);
        }
    }

    /// Calibrated probabilities of every head for a document.
    pub fn predict(&self, doc: &DocView<'_>) -> Vec<f32> {
        self.with_prediction(doc, <[f32]>::to_vec)
    }

    /// Calls `f` with [`Model::predict`]'s probabilities, without allocating when the model
    /// has at most [`STACK_OUTPUTS`] outputs (what the classifier plugins call per text).
    pub fn with_prediction<R>(&self, doc: &DocView<'_>, f: impl FnOnce(&[f32]) -> R) -> R {
        let n = self.n_outputs();
        let mut stack = [0f32; STACK_OUTPUTS];
        let mut heap = Vec::new();
        let out = if n <= STACK_OUTPUTS {
            &mut stack[..n]
        } else {
            heap.resize(n, 0.0);
            &mut heap[..]
        };
        self.with_features(doc, |x| self.predict_into(x, out));
        f(out)
    }

    /// Calls `each(k, probabilities)` for every document `k` of `docs`, in order: the numbers
    /// [`Model::with_prediction`] gives, bit for bit. Documents in a row that view the same main
    /// text (the claims paired with one article body) count its own features once, when
    /// they do not depend on the pair ([`features::main_text_stands_alone`]): each further
    /// document costs only its pair's features and the heads, not another walk over the body.
    pub fn predict_each<'d>(&self, docs: &[DocView<'d>], mut each: impl FnMut(usize, &[f32])) {
        let n = self.n_outputs();
        let mut out = vec![0f32; n];
        let shares = |a: &DocView<'_>, b: &DocView<'_>| a.main.is_same_view(&b.main);
        let alone = features::main_text_stands_alone(&self.header.features);
        let mut kept = SharedMain::<'d>::default();
        for (k, doc) in docs.iter().enumerate() {
            let after_same = alone && k > 0 && shares(doc, &docs[k - 1]);
            let before_same = alone && docs.get(k + 1).is_some_and(|next| shares(doc, next));
            let main = match (after_same, before_same) {
                (true, _) => MainText::Reuse(&kept),
                (false, true) => MainText::WalkAndKeep(&mut kept),
                (false, false) => MainText::Walk,
            };
            self.with_features_from(doc, main, |x| self.predict_into(x, &mut out));
            each(k, &out);
        }
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

/// Output names of `heads`: `class` for a single head, `head/class` when there are several.
pub(crate) fn output_names(heads: &[HeadSpec]) -> Vec<String> {
    let single = heads.len() == 1;
    heads
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

/// Adds `v` × weight row `j` to `z` for every `(j, v)` of `x`, rows of `K` classes
/// (`z.len() == K`). The same multiplications and additions in the same order as
/// [`add_rows_any`], so the bits are the same.
#[inline]
fn add_rows<const K: usize>(weights: &[f32], x: &Sparse, z: &mut [f32]) {
    let (rows, _) = weights.as_chunks::<K>();
    let z: &mut [f32; K] = z.try_into().expect("one logit per class");
    // Summed in a local array, stored once: summed through `z`, every column's addition
    // waited for the previous column's store to be read back (the same sums in the same
    // order either way, so the same bits).
    let mut sums = *z;
    for &(j, v) in x {
        let row = &rows[j as usize];
        for c in 0..K {
            sums[c] += row[c] * v;
        }
    }
    *z = sums;
}

/// [`add_rows`] for any number of classes.
fn add_rows_any(weights: &[f32], x: &Sparse, z: &mut [f32]) {
    let k = z.len();
    for &(j, v) in x {
        let row = &weights[j as usize * k..(j as usize + 1) * k];
        for (zc, w) in z.iter_mut().zip(row) {
            *zc += w * v;
        }
    }
}

/// Scales `x` to unit L2 norm (a zero vector stays zero).
fn normalize(x: &mut Sparse) {
    let norm = x.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        x.iter_mut().for_each(|(_, v)| *v /= norm);
    }
}

/// Softmax of `z / temperature`.
pub fn softmax(z: &[f32], temperature: f32) -> Vec<f32> {
    let mut p = z.to_vec();
    softmax_in_place(&mut p, temperature);
    p
}

/// [`softmax`] overwriting `z` with the probabilities (the same operations in the same order).
fn softmax_in_place(z: &mut [f32], temperature: f32) {
    let t = if temperature > 0.0 { temperature } else { 1.0 };
    let max = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b / t));
    for v in z.iter_mut() {
        *v = (*v / t - max).exp();
    }
    let sum: f32 = z.iter().sum();
    z.iter_mut().for_each(|v| *v /= sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small seeded generator (xorshift), so the test needs no crate and repeats exactly.
    fn floats(seed: u64, n: usize) -> Vec<f32> {
        let mut state = seed | 1;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 40) as f32 / (1u64 << 24) as f32 * 4.0 - 2.0
            })
            .collect()
    }

    #[test]
    fn fixed_width_rows_give_the_same_bits_as_any_width() {
        for k in 1..=5 {
            let columns = 300;
            let weights = floats(k as u64, columns * k);
            let values = floats(99 + k as u64, columns);
            let x: Sparse = (0..columns as u32)
                .step_by(3)
                .map(|j| (j, values[j as usize]))
                .collect();
            let bias = floats(7, k);
            let mut fixed = bias.clone();
            match k {
                2 => add_rows::<2>(&weights, &x, &mut fixed),
                3 => add_rows::<3>(&weights, &x, &mut fixed),
                4 => add_rows::<4>(&weights, &x, &mut fixed),
                _ => add_rows_any(&weights, &x, &mut fixed),
            }
            let mut any = bias.clone();
            add_rows_any(&weights, &x, &mut any);
            let bits = |z: &[f32]| z.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fixed), bits(&any), "{k} classes");
            assert_ne!(bits(&any), bits(&bias), "{k} classes: rows were added");
        }
    }

    #[test]
    fn the_filter_never_hides_a_column() {
        // Every bucket of several widths, ids dense and sparse, some past the hash width.
        for (hash_bits, step, seed) in [(10, 3, 1u64), (16, 7, 2), (18, 97, 3), (20, 1021, 4)] {
            let buckets = 1u32 << hash_bits;
            let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let mut ids: Vec<u32> = (0..buckets / step)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % (u64::from(buckets) + 64)) as u32
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let index = ColumnIndex::new(&ids, hash_bits);
            let in_range: Vec<u32> = ids.iter().copied().filter(|&b| b < buckets).collect();
            for bucket in 0..buckets + 64 {
                let expected = in_range.binary_search(&bucket).ok();
                assert_eq!(
                    index.column(bucket),
                    expected,
                    "bucket {bucket}, {hash_bits} bits"
                );
            }
            // The same columns, in the same order, from the lookup without branches.
            let all: Vec<u32> = (0..buckets + 64).rev().collect();
            let mut kept = all.clone();
            index.keep_columns(&mut kept);
            let expected: Vec<u32> = all
                .iter()
                .filter_map(|&b| index.column(b).map(|j| j as u32))
                .collect();
            assert_eq!(kept, expected, "{hash_bits} bits");
            assert_eq!(kept.len(), in_range.len());
        }
    }
}
