//! The output record of `slant label`: article metadata, counts, per-stage labels, and the
//! error record that stands in for an input that could not be labeled. The schema is documented
//! in README.md ("Output schema"); later stages add their own keys to the same record.

use serde_json::{json, Map, Value};

use super::filter::{FilterSummary, ScoredComment};
use crate::article::{Comment, InputRecord, SourceRef};
use crate::plugin::TokenBatch;

/// What goes into each record besides the labels.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabelOptions {
    /// Include every token (term, byte offsets, sentence).
    pub tokens: bool,
    /// Include the article body text.
    pub body: bool,
}

/// A comment in the output: as read, or with the toxicity filter's verdict.
#[derive(Debug, Clone)]
pub enum CommentOut {
    Plain(Comment),
    Scored(ScoredComment),
}

/// Everything the stages found about one article.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub tokens: usize,
    pub sentences: u32,
    pub token_list: Option<Vec<Value>>,
    pub comments: Vec<CommentOut>,
    pub toxicity: Option<FilterSummary>,
    pub body_toxicity: Option<(Map<String, Value>, bool)>,
}

impl Labels {
    /// Counts (and, if asked, the token list) of article `i` of a tokenized batch.
    pub fn from_tokens(batch: &TokenBatch, i: usize, with_tokens: bool) -> Labels {
        let tokens = batch.doc_tokens(i);
        Labels {
            tokens: tokens.len(),
            sentences: batch.sentences[i],
            token_list: with_tokens.then(|| {
                tokens
                    .iter()
                    .map(|t| {
                        json!({"term": batch.term(t), "start": t.byte_start, "end": t.byte_end, "sentence": t.sentence})
                    })
                    .collect()
            }),
            ..Labels::default()
        }
    }
}

fn put(obj: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        obj.insert(key.into(), Value::String(v.clone()));
    }
}

/// The output record of a labeled article.
pub fn article_json(record: &InputRecord, labels: Labels, options: &LabelOptions) -> Value {
    let article = record.article.as_ref().expect("called for articles only");
    let mut obj = Map::new();
    obj.insert("id".into(), json!(article.id));
    obj.insert("source".into(), json!(record.source));
    put(&mut obj, "outlet", &article.outlet);
    put(&mut obj, "original_source", &article.original_source);
    put(&mut obj, "title", &article.title);
    put(&mut obj, "author", &article.author);
    put(&mut obj, "date", &article.date);
    put(&mut obj, "url", &article.url);
    let kept_comments = labels.comments.len();
    obj.insert(
        "counts".into(),
        json!({
            "body_bytes": article.body.len(),
            "tokens": labels.tokens,
            "sentences": labels.sentences,
            "comments": article.comments.len(),
            "comments_kept": kept_comments,
        }),
    );
    if options.body {
        obj.insert("body".into(), json!(article.body));
    }
    if let Some((scores, flagged)) = labels.body_toxicity {
        obj.insert(
            "body_toxicity".into(),
            json!({"scores": scores, "flagged": flagged}),
        );
    }
    if let Some(summary) = labels.toxicity {
        obj.insert("toxicity".into(), json!(summary));
    }
    if !labels.comments.is_empty() {
        let comments: Vec<Value> = labels
            .comments
            .into_iter()
            .map(|c| match c {
                CommentOut::Plain(c) => json!(c),
                CommentOut::Scored(c) => json!(c),
            })
            .collect();
        obj.insert("comments".into(), Value::Array(comments));
    }
    if let Some(tokens) = labels.token_list {
        obj.insert("tokens".into(), Value::Array(tokens));
    }
    if !record.warnings.is_empty() {
        obj.insert("warnings".into(), json!(record.warnings));
    }
    if !article.extra.is_empty() {
        obj.insert("extra".into(), Value::Object(article.extra.clone()));
    }
    Value::Object(obj)
}

/// The output record standing in for an input that could not be labeled.
pub fn error_json(source: &SourceRef, id: Option<&str>, message: &str) -> Value {
    let mut obj = Map::new();
    if let Some(id) = id {
        obj.insert("id".into(), json!(id));
    }
    obj.insert("source".into(), json!(source));
    obj.insert("error".into(), json!(format!("{source}: {message}")));
    Value::Object(obj)
}
