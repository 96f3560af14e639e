//! The records slant works on: an [`Article`] with its reader [`Comment`]s, and where each record
//! came from ([`SourceRef`]), so that every output or error can name its file and line.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The article's metadata fields that every input format may carry under these names, in the
/// order the readers check them and the outputs write them (`language` comes only from pages).
pub const METADATA_FIELDS: [&str; 6] = [
    "outlet",
    "original_source",
    "title",
    "author",
    "date",
    "url",
];

/// One news article as the reader produced it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable identifier: the record's own `id`, or `<file>:<line>` / `<file>#<n>` when absent.
    pub id: String,
    /// The outlet that published this copy ("Global Research", "RT").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// For a republished article, the outlet that published it first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// ISO 8601 date (`2017-10-26`) where one could be read, otherwise the text as found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// BCP 47 language tag the page declares (`en`, `pt-BR`), for pages read from HTML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Where the reader found each metadata field of a page: field name (`title`, `author`,
    /// `date`, `outlet`, `url`, `language`) → source (`json-ld`, `open-graph`, `meta`, `title`,
    /// `canonical-link`, `html-lang`, `headline` (the page's `<h1>`), `byline`, `page-text`, `engine`, `folder-name`,
    /// `command-line` (`--outlet`)).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provenance: BTreeMap<String, String>,
    /// The article text, boilerplate removed.
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Comment>,
    /// Fields of the input record slant does not know, passed through unchanged.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One reader comment under an article.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The author (or comment id) this comment answers, when the page says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub text: String,
}

/// Where a record came from: a file (or `-` for stdin) and a 1-based line, or the n-th record of
/// a file whose records are not lines (pages holding several articles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// Shared by a file's records (one name, counted references: a record read costs no copy).
    pub file: Arc<str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
}

impl SourceRef {
    /// A record at `line` of `file`.
    pub fn line(file: impl Into<Arc<str>>, line: u64) -> SourceRef {
        SourceRef {
            file: file.into(),
            line: Some(line),
            record: None,
        }
    }

    /// The `record`-th (1-based) record of `file`.
    pub fn record(file: impl Into<Arc<str>>, record: u64) -> SourceRef {
        SourceRef {
            file: file.into(),
            line: None,
            record: Some(record),
        }
    }

    /// The whole file.
    pub fn file(file: impl Into<Arc<str>>) -> SourceRef {
        SourceRef {
            file: file.into(),
            line: None,
            record: None,
        }
    }
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = self.record {
            write!(f, "#{record}")?;
        }
        Ok(())
    }
}

/// What the reader yields for each input record: an article or the reason there is none.
#[derive(Debug, Clone)]
pub struct InputRecord {
    pub source: SourceRef,
    pub article: Result<Article, String>,
    /// The `id` the input gave the record, when it had one: an error record carries it, so a
    /// record that failed can still be matched to its input line.
    pub id: Option<String>,
    /// Non-fatal remarks (lossy UTF-8 decoding, missing body) carried into the output.
    pub warnings: Vec<String>,
}

impl InputRecord {
    /// A record that was read as `article`, with nothing to remark; the article's `id` is taken
    /// as the one its input gave (callers that build articles in code give them their ids).
    pub fn from_article(source: SourceRef, article: Article) -> InputRecord {
        InputRecord {
            source,
            id: Some(article.id.clone()),
            article: Ok(article),
            warnings: Vec::new(),
        }
    }
}
