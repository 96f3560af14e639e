//! Texts → documents as a classifier sees them: tokenized by the tokenize *plugin* (the same
//! stage the pipeline runs) in batches, in parallel over batches with rayon, then handed as a
//! [`DocView`] to a caller's function — [`slant_model::extract`] when training, the model's
//! scoring when predicting. Output order is input order.

use indicatif::ProgressBar;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use slant_model::InputKind;
use slant_sdk::{DocView, TextView};

use crate::plugin::{PluginError, StageInstance};

/// Texts per tokenize call: large enough to amortize the ABI call, small enough to spread work
/// over both cores and keep the progress bar moving.
pub const BATCH: usize = 512;

/// One document's texts.
#[derive(Debug, Clone, Copy)]
pub struct DocInput<'a> {
    pub text: &'a str,
    /// The paired text (`pair` models: headline or claim) or the target (`target` models).
    pub pair: &'a str,
}

/// Tokenizes `docs` through `tokenizer` and maps each through `f`, in order.
///
/// # Errors
/// The tokenize plugin's error (it names the plugin file).
pub fn map_docs<T, F>(
    tokenizer: &StageInstance,
    kind: InputKind,
    docs: &[DocInput<'_>],
    progress: &ProgressBar,
    f: F,
) -> Result<Vec<T>, PluginError>
where
    T: Send,
    F: Fn(&DocView<'_>) -> T + Sync,
{
    let chunks: Vec<Vec<T>> = docs
        .par_chunks(BATCH)
        .map(|chunk| {
            let (texts, text_of) = match kind {
                // A lone text seldom repeats within a batch: hashing each whole text to find
                // the repeats cost more than tokenizing the few there are.
                InputKind::Text => all_texts(chunk.iter().map(|d| d.text)),
                _ => distinct_texts(chunk.iter().map(|d| d.text)),
            };
            let main = tokenizer.tokenize(&texts)?;
            let (pairs, pair_of) = match kind {
                InputKind::Text => (Vec::new(), Vec::new()),
                _ => distinct_texts(chunk.iter().map(|d| d.pair)),
            };
            let pair = if pairs.is_empty() {
                None
            } else {
                Some(tokenizer.tokenize(&pairs)?)
            };
            let out: Vec<T> = chunk
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let pair_view = match &pair {
                        Some(b) => TextView::new(d.pair, b.doc_tokens(pair_of[i]), &b.terms),
                        None => TextView::new("", &[], ""),
                    };
                    let view = DocView {
                        main: TextView::new(d.text, main.doc_tokens(text_of[i]), &main.terms),
                        pair: pair_view,
                        target: if kind == InputKind::Target {
                            d.pair
                        } else {
                            ""
                        },
                    };
                    f(&view)
                })
                .collect();
            progress.inc(chunk.len() as u64);
            Ok(out)
        })
        .collect::<Result<_, PluginError>>()?;
    Ok(chunks.into_iter().flatten().collect())
}

/// The distinct texts of `texts` in first-seen order, and for each text its place among them.
/// Paired data repeats its texts: FNC-1 pairs each body with about 30 headlines, and a claim or
/// a target goes with many documents. Each distinct text is tokenized once per batch (a text's
/// tokens do not depend on the other texts of its batch).
fn distinct_texts<'a>(texts: impl ExactSizeIterator<Item = &'a str>) -> (Vec<&'a str>, Vec<usize>) {
    let mut place: FxHashMap<&str, usize> =
        FxHashMap::with_capacity_and_hasher(texts.len(), Default::default());
    let mut distinct = Vec::with_capacity(texts.len());
    let place_of = texts
        .map(|text| {
            *place.entry(text).or_insert_with(|| {
                distinct.push(text);
                distinct.len() - 1
            })
        })
        .collect();
    (distinct, place_of)
}

/// Every text of `texts` in order, each its own place: the shape [`distinct_texts`] returns,
/// without looking for repeats.
fn all_texts<'a>(texts: impl Iterator<Item = &'a str>) -> (Vec<&'a str>, Vec<usize>) {
    let texts: Vec<&str> = texts.collect();
    let places = (0..texts.len()).collect();
    (texts, places)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_points_at_its_own_distinct_text() {
        let texts = [
            "claim b", "claim a", "claim b", "", "claim a", "claim c", "",
        ];
        let (distinct, place_of) = distinct_texts(texts.iter().copied());
        assert_eq!(distinct, ["claim b", "claim a", "", "claim c"]);
        assert_eq!(place_of.len(), texts.len());
        for (text, &k) in texts.iter().zip(&place_of) {
            assert_eq!(distinct[k], *text);
        }
        assert_eq!(distinct_texts(std::iter::empty()), (Vec::new(), Vec::new()));
    }

    #[test]
    fn all_texts_keeps_repeats_in_their_own_places() {
        let texts = ["a", "b", "a", ""];
        let (all, place_of) = all_texts(texts.iter().copied());
        assert_eq!(all, texts);
        assert_eq!(place_of, [0, 1, 2, 3]);
    }
}
