//! Assembling the output record of one input record: a [`LabeledArticle`] from the article and
//! what the stages found, or the [`ErrorRecord`] that stands in for it.

use super::batch::ArticleWork;
use crate::article::{InputRecord, SourceRef};
use crate::labeled::{Counts, ErrorRecord, LabeledArticle, LabeledComment, OutputRecord, TokenOut};
use crate::plugin::TokenBatch;

/// What goes into each record besides the stages' results.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabelOptions {
    /// Include every token (term, byte offsets, sentence).
    pub tokens: bool,
    /// Include the article body text.
    pub body: bool,
    /// Include every sentence's result for stages that read sentences.
    pub sentences: bool,
    /// Explain each decision by its N strongest n-grams (0: none).
    pub explain: usize,
    /// Include every mention's result for stages that read mentions.
    pub mentions: bool,
    /// Include where the reader found each metadata field.
    pub provenance: bool,
}

/// The labeled article of `record` (which must hold an article), document `i` of `tokens`.
pub fn labeled_article(
    record: &InputRecord,
    tokens: &TokenBatch,
    i: usize,
    work: ArticleWork,
    options: &LabelOptions,
) -> OutputRecord {
    let Ok(article) = record.article.as_ref() else {
        return error_record(&record.source, None, "no article to label");
    };
    let doc_tokens = tokens.doc_tokens(i);
    let comments: Vec<LabeledComment> = work
        .comments
        .into_iter()
        .map(|c| LabeledComment {
            comment: c.comment,
            redacted: c.redacted,
            stages: c.stages,
        })
        .collect();
    OutputRecord::Article(Box::new(LabeledArticle {
        id: article.id.clone(),
        source: record.source.clone(),
        outlet: article.outlet.clone(),
        original_source: article.original_source.clone(),
        title: article.title.clone(),
        author: article.author.clone(),
        date: article.date.clone(),
        url: article.url.clone(),
        language: work.language,
        provenance: options.provenance.then(|| article.provenance.clone()),
        counts: Counts {
            body_bytes: article.body.len(),
            tokens: doc_tokens.len(),
            sentences: tokens.sentences[i],
            comments: article.comments.len(),
            comments_kept: comments.len(),
        },
        body: options.body.then(|| article.body.clone()),
        stages: work.stages,
        comments,
        tokens: options.tokens.then(|| {
            doc_tokens
                .iter()
                .map(|t| TokenOut {
                    term: tokens.term(t).to_string(),
                    start: t.byte_start,
                    end: t.byte_end,
                    sentence: t.sentence,
                })
                .collect()
        }),
        warnings: record
            .warnings
            .iter()
            .cloned()
            .chain(work.warnings)
            .collect(),
        extra: article.extra.clone(),
    }))
}

/// The output record standing in for an input that could not be labeled.
pub fn error_record(source: &SourceRef, id: Option<&str>, message: &str) -> OutputRecord {
    OutputRecord::Error(ErrorRecord {
        id: id.map(String::from),
        source: source.clone(),
        error: format!("{source}: {message}"),
    })
}
