//! Saved news pages (plain text, Markdown, HTML) → articles.
//! (Interim version: one article per file, whole text as body; the page reader replaces it.)

use std::io::Read;

use super::error_record;
use crate::article::{Article, InputRecord, SourceRef};

/// The flavour of a page file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Text,
    Markdown,
    Html,
}

/// What the caller knows about a page besides its bytes.
#[derive(Debug, Clone)]
pub struct PageHints {
    /// Outlet to use when the page names none (`--outlet`, or the folder name).
    pub outlet: Option<String>,
    /// The file name as shown in records.
    pub file_name: String,
    pub kind: PageKind,
}

/// Reads one page file into one record per article it holds.
pub fn read(mut reader: impl Read, hints: &PageHints, max_bytes: usize) -> Vec<InputRecord> {
    let mut bytes = Vec::new();
    if let Err(e) = reader.by_ref().take(max_bytes as u64 + 1).read_to_end(&mut bytes) {
        return vec![error_record(SourceRef::file(&hints.file_name), format!("read error: {e}"))];
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    vec![InputRecord {
        source: SourceRef::record(&hints.file_name, 1),
        article: Ok(Article {
            id: format!("{}#1", hints.file_name),
            outlet: hints.outlet.clone(),
            body: text,
            ..Article::default()
        }),
        warnings: Vec::new(),
    }]
}
