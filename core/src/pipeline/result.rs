//! Assembling the output record of one input record: a [`LabeledArticle`] from the article and
//! what the stages found, or the [`ErrorRecord`] that stands in for it.

use super::batch::ArticleWork;
use super::filter::REDACTED;
use crate::article::{InputRecord, SourceRef};
use crate::labeled::{Counts, ErrorRecord, LabeledArticle, LabeledComment, OutputRecord};

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

/// The labeled article of `record` (which must hold an article) from what the stages found.
/// The article's fields and comments move into the output: nothing is copied.
pub fn labeled_article(
    record: InputRecord,
    work: ArticleWork,
    options: &LabelOptions,
) -> OutputRecord {
    let InputRecord {
        source,
        article,
        warnings,
        ..
    } = record;
    let Ok(article) = article else {
        return error_record(&source, None, "no article to label");
    };
    let counts = Counts {
        body_bytes: article.body.len(),
        tokens: work.tokens.count,
        sentences: work.tokens.sentences,
        comments: article.comments.len(),
        comments_kept: work.comments.len(),
    };
    let mut originals = article.comments;
    let comments = work
        .comments
        .into_iter()
        .map(|c| {
            let mut comment = std::mem::take(&mut originals[c.position]);
            if c.redacted {
                comment.text = REDACTED.to_string();
            }
            LabeledComment {
                comment,
                redacted: c.redacted,
                stages: c.stages,
            }
        })
        .collect();
    OutputRecord::Article(Box::new(LabeledArticle {
        id: article.id,
        source,
        outlet: article.outlet,
        original_source: article.original_source,
        title: article.title,
        author: article.author,
        date: article.date,
        url: article.url,
        language: work.language,
        provenance: options.provenance.then_some(article.provenance),
        counts,
        body: options.body.then_some(article.body),
        stages: work.stages,
        comments,
        tokens: work.tokens.listed,
        warnings: warnings.into_iter().chain(work.warnings).collect(),
        extra: article.extra,
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
