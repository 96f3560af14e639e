//! Texts → documents as a classifier sees them: tokenized by the tokenize *plugin* (the same
//! stage the pipeline runs) in batches, in parallel over batches with rayon, then handed as a
//! [`DocView`] to a caller's function — [`slant_model::extract`] when training, the model's
//! scoring when predicting. Output order is input order.

use indicatif::ProgressBar;
use rayon::prelude::*;
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
            let texts: Vec<&str> = chunk.iter().map(|d| d.text).collect();
            let main = tokenizer.tokenize(&texts)?;
            let pairs: Vec<&str> = match kind {
                InputKind::Text => Vec::new(),
                _ => chunk.iter().map(|d| d.pair).collect(),
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
                        Some(b) => TextView::new(d.pair, b.doc_tokens(i), &b.terms),
                        None => TextView::new("", &[], ""),
                    };
                    let view = DocView {
                        main: TextView::new(d.text, main.doc_tokens(i), &main.terms),
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
