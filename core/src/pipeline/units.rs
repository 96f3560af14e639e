//! What a classifier stage reads: the units of an article it scores ([`Unit`]), and how the
//! scores of many units (sentences) become one article-level figure.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::plugin::TokenBatch;
use slant_sdk::Token;

/// A kind of text a stage scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// The article body as one text.
    Body,
    /// Each sentence of the body; the article figure is their length-weighted mean.
    Sentences,
    /// Each reader comment that earlier stages kept.
    Comments,
    /// Each mention of a configured target in the body, classified in its sentence and
    /// aggregated per target (see `mentions`).
    Mentions,
    /// Each configured claim paired with the body (see `claims`).
    Claims,
}

impl Unit {
    /// The unit named `name` (`body`, `sentences`, `comments`).
    pub fn from_name(name: &str) -> Option<Unit> {
        match name {
            "body" => Some(Unit::Body),
            "sentences" => Some(Unit::Sentences),
            "comments" => Some(Unit::Comments),
            "mentions" => Some(Unit::Mentions),
            "claims" => Some(Unit::Claims),
            _ => None,
        }
    }
}

/// The token ranges (indices into document `doc`'s tokens in `batch.tokens`) of each sentence
/// of that document, in order. Sentences without tokens do not appear.
pub fn sentence_ranges(batch: &TokenBatch, doc: usize) -> Vec<Range<usize>> {
    let range = batch.doc_ranges[doc].clone();
    // Room for every sentence the tokenizer counted (at most one per token), so the list is
    // allocated once rather than grown by doubling.
    let counted = batch.sentences.get(doc).map_or(0, |&n| n as usize);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(counted.min(range.len()));
    let mut start = range.start;
    for i in range.clone() {
        let next_differs =
            i + 1 == range.end || batch.tokens[i + 1].sentence != batch.tokens[start].sentence;
        if next_differs {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    out
}

/// The token range (as in [`sentence_ranges`]) of the sentence of document `doc` that holds
/// token `token`, or `None` when `token` is not one of that document's tokens. Walks out from
/// the token rather than listing every sentence: a mention needs one, and most articles have
/// none.
pub fn sentence_around(batch: &TokenBatch, doc: usize, token: usize) -> Option<Range<usize>> {
    let range = batch.doc_ranges[doc].clone();
    if !range.contains(&token) {
        return None;
    }
    let sentence = batch.tokens[token].sentence;
    let in_sentence = |t: &Token| t.sentence == sentence;
    let before = batch.tokens[range.start..token]
        .iter()
        .rev()
        .take_while(|t| in_sentence(t))
        .count();
    let after = batch.tokens[token..range.end]
        .iter()
        .take_while(|t| in_sentence(t))
        .count();
    Some(token - before..token + after)
}

/// `batch` with other documents: the given token ranges (e.g. the sentences of its documents),
/// sharing its tokens and terms. Offsets stay those of the original texts, so each new document
/// is classified with the full text it came from and only its own tokens.
pub fn regroup(batch: &TokenBatch, ranges: &[Range<usize>]) -> TokenBatch {
    TokenBatch {
        tokens: batch.tokens.clone(),
        terms: batch.terms.clone(),
        doc_ranges: ranges.to_vec(),
        sentences: vec![1; ranges.len()],
    }
}

/// The length-weighted mean of per-unit score rows (`rows[i]` has `k` values, weight
/// `weights[i]`), or `None` when there is no weight at all.
pub fn weighted_mean(rows: &[f32], k: usize, weights: &[usize]) -> Option<Vec<f64>> {
    let total: usize = weights.iter().sum();
    if total == 0 || k == 0 {
        return None;
    }
    let mut mean = vec![0f64; k];
    for (row, &w) in rows.chunks_exact(k).zip(weights) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v) * w as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= total as f64);
    Some(mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(sentences_per_doc: &[&[u32]]) -> TokenBatch {
        let mut b = TokenBatch::default();
        let mut tokens = Vec::new();
        for doc in sentences_per_doc {
            let start = tokens.len();
            for (i, &s) in doc.iter().enumerate() {
                tokens.push(Token {
                    byte_start: i as u32,
                    byte_end: i as u32 + 1,
                    sentence: s,
                    ..Token::default()
                });
            }
            b.doc_ranges.push(start..tokens.len());
            b.sentences.push(doc.last().map_or(0, |s| s + 1));
        }
        b.tokens = tokens.into();
        b
    }

    #[test]
    fn sentences_are_runs_of_tokens_with_one_sentence_index() {
        let b = batch(&[&[0, 0, 1, 2, 2, 2], &[], &[0]]);
        assert_eq!(sentence_ranges(&b, 0), [0..2, 2..3, 3..6]);
        assert!(sentence_ranges(&b, 1).is_empty());
        assert_eq!(sentence_ranges(&b, 2), vec![6..7usize]);
        let s = regroup(&b, &sentence_ranges(&b, 0));
        assert_eq!(s.doc_tokens(2).len(), 3);
    }

    #[test]
    fn the_sentence_around_a_token_is_the_listed_sentence_that_holds_it() {
        let b = batch(&[&[0, 0, 1, 2, 2, 2], &[], &[0], &[3, 3, 5]]);
        for doc in 0..b.doc_ranges.len() {
            for sentence in sentence_ranges(&b, doc) {
                for token in sentence.clone() {
                    assert_eq!(sentence_around(&b, doc, token), Some(sentence.clone()));
                }
            }
        }
        // Tokens of another document, past the last one, or of a document without tokens.
        assert_eq!(sentence_around(&b, 0, 6), None);
        assert_eq!(sentence_around(&b, 1, 6), None);
        assert_eq!(sentence_around(&b, 3, 10), None);
    }

    #[test]
    fn weighted_mean_weights_by_length_and_refuses_nothing() {
        let rows = [1.0, 0.0, 0.0, 1.0];
        let m = weighted_mean(&rows, 2, &[3, 1]).unwrap();
        assert!((m[0] - 0.75).abs() < 1e-9 && (m[1] - 0.25).abs() < 1e-9);
        assert!(weighted_mean(&[], 2, &[]).is_none());
        assert!(weighted_mean(&rows, 2, &[0, 0]).is_none());
    }
}
