//! Saved news pages (plain text, Markdown, HTML) → one [`InputRecord`] per article.
//!
//! A page goes through these steps, one submodule each:
//! 1. bytes → text, here: size limit, binary check, lossy UTF-8 with a warning;
//! 2. `html`: HTML → text with block structure, plus what the page's `<head>` states;
//! 3. `markup`: whitespace, entity and Markdown clean-up into lines;
//! 4. `split`: a file holding several articles → one line range per article;
//! 5. `comments`: the reader-comment thread cut off the end of each article and split;
//! 6. `meta`: title, byline, outlet and date from the article's head (`date` reads dates);
//! 7. `body`: the text, with `boilerplate` (disclaimers, copyright, share prompts,
//!    navigation) removed.
//!
//! The outlet is what the page names — a "Source:" line, a `<Outlet>, <date>` line, the site
//! name over the menu, HTML `og:site_name` — and only when it names none, the caller's hint
//! (`--outlet` or the folder name). An outlet the page names as the first publisher of a
//! republished text becomes `original_source`.

mod body;
mod boilerplate;
mod comments;
mod date;
mod html;
mod markup;
mod meta;
mod split;

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
///
/// Never fails: a read error, an oversized or binary file, or a page without article text
/// yields an error record naming the file.
pub fn read(mut reader: impl Read, hints: &PageHints, max_bytes: usize) -> Vec<InputRecord> {
    let file = &hints.file_name;
    let whole_file = || SourceRef::file(file);
    let mut bytes = Vec::new();
    let limit = (max_bytes as u64).saturating_add(1);
    if let Err(e) = reader.by_ref().take(limit).read_to_end(&mut bytes) {
        return vec![error_record(whole_file(), format!("read error: {e}"))];
    }
    if bytes.len() > max_bytes {
        return vec![error_record(
            whole_file(),
            format!("page is over the limit of {max_bytes} bytes"),
        )];
    }
    if bytes.contains(&0) {
        return vec![error_record(
            whole_file(),
            "binary file (holds NUL bytes), not a page".into(),
        )];
    }
    let mut warnings = Vec::new();
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            warnings.push(format!(
                "invalid UTF-8 at byte {}: decoded lossily (replacement characters in the text)",
                e.utf8_error().valid_up_to()
            ));
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    let (text, page_meta) = match hints.kind {
        PageKind::Html => html::to_text(&text),
        PageKind::Text | PageKind::Markdown => (text, html::PageMeta::default()),
    };
    let lines = markup::lines(&text, hints.kind);
    let ranges = split::articles(&lines);
    if ranges.is_empty() {
        let mut r = error_record(
            whole_file(),
            format!("no article text in {file}: the page is empty"),
        );
        r.warnings = warnings;
        return vec![r];
    }
    let several = ranges.len() > 1;
    ranges
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let n = i as u64 + 1;
            // `<head>` facts describe the page's main article, the first one.
            let page_meta = (i == 0).then_some(&page_meta);
            let article = build(&lines[range], hints, page_meta, n);
            let (source, article) = match article {
                Some(a) => (SourceRef::record(file, n), Ok(a)),
                None if several => (
                    SourceRef::record(file, n),
                    Err(format!(
                        "no article text in {file} (article {n} of the page)"
                    )),
                ),
                None => (whole_file(), Err(format!("no article text in {file}"))),
            };
            InputRecord {
                source,
                article,
                warnings: warnings.clone(),
            }
        })
        .collect()
}

/// Builds the `n`-th article of a page from its lines; `None` when it has no text.
fn build(
    lines: &[markup::Line],
    hints: &PageHints,
    page_meta: Option<&html::PageMeta>,
    n: u64,
) -> Option<Article> {
    let thread = comments::split_thread(lines);
    let article_lines = &lines[..thread.start];
    let head = meta::parse_head(article_lines);
    let body_lines: Vec<&markup::Line> = head
        .returned
        .iter()
        .map(|&i| &article_lines[i])
        .chain(article_lines[head.body_start.min(article_lines.len())..].iter())
        .collect();
    let body = body::assemble(&body_lines);
    if body.text.trim().is_empty() {
        return None;
    }
    let page_meta = page_meta.cloned().unwrap_or_default();

    let mut datelines = head.datelines.iter();
    let outlet = head
        .source
        .clone()
        .or(body.source.clone())
        .or_else(|| datelines.next().cloned())
        .or(head.masthead.clone())
        .or(page_meta.site_name.clone())
        .or(hints.outlet.clone());
    // Candidates for the first publisher, most explicit first; one naming this copy's own
    // outlet says the page is not a republication and is passed over.
    let original_source = [body.notice.clone()]
        .into_iter()
        .chain(datelines.cloned().map(Some))
        .chain([body.first_published.clone()])
        .flatten()
        .find(|o| !matches!(outlet.as_deref(), Some(own) if same_outlet(own, o)));

    Some(Article {
        id: format!("{}#{n}", hints.file_name),
        outlet,
        original_source,
        title: head.title.or(page_meta.title),
        author: head.author.or(page_meta.author),
        date: head.date.or(page_meta.date),
        url: head.url.or(page_meta.url),
        body: body.text,
        comments: thread.comments,
        extra: serde_json::Map::new(),
    })
}

/// Outlet names equal up to case, spacing and punctuation ("The Duran" = "the duran").
fn same_outlet(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    key(a) == key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(kind: PageKind, outlet: Option<&str>) -> PageHints {
        PageHints {
            outlet: outlet.map(String::from),
            file_name: "p.txt".into(),
            kind,
        }
    }

    #[test]
    fn bad_input_yields_error_records() {
        let h = hints(PageKind::Text, None);
        let r = read(&b"abc\0def"[..], &h, 1000);
        assert_eq!(r.len(), 1);
        assert!(r[0].article.as_ref().unwrap_err().contains("binary"));
        let r = read(&b"Title\n\nSome text here."[..], &h, 5);
        assert!(r[0]
            .article
            .as_ref()
            .unwrap_err()
            .contains("limit of 5 bytes"));
        let r = read(&b" \n\n "[..], &h, 1000);
        assert!(r[0].article.as_ref().unwrap_err().contains("p.txt"));
    }

    #[test]
    fn invalid_utf8_is_decoded_with_a_warning() {
        let h = hints(PageKind::Text, None);
        let r = read(&b"Title\n\nCaf\xe9 text is here."[..], &h, 1000);
        let a = r[0].article.as_ref().unwrap();
        assert_eq!(a.body, "Caf\u{fffd} text is here.");
        assert!(r[0].warnings[0].contains("invalid UTF-8 at byte 10"));
    }

    #[test]
    fn hint_outlet_only_when_the_page_names_none() {
        let named = "Title\n\nSource: Example Wire\n\nText.";
        let r = read(
            named.as_bytes(),
            &hints(PageKind::Text, Some("folder")),
            1000,
        );
        assert_eq!(
            r[0].article.as_ref().unwrap().outlet.as_deref(),
            Some("Example Wire")
        );
        let r = read(
            &b"Title\n\nText."[..],
            &hints(PageKind::Text, Some("folder")),
            1000,
        );
        assert_eq!(
            r[0].article.as_ref().unwrap().outlet.as_deref(),
            Some("folder")
        );
    }

    #[test]
    fn own_outlet_in_the_notice_is_not_a_republication() {
        let page = "Title\n\nExample Daily, May 2, 2019\n\nText.\n\n\
                    The original source of this article is Example Daily";
        let r = read(page.as_bytes(), &hints(PageKind::Text, None), 1000);
        let a = r[0].article.as_ref().unwrap();
        assert_eq!(a.outlet.as_deref(), Some("Example Daily"));
        assert_eq!(a.original_source, None);
        assert_eq!(a.body, "Text.");
    }
}
