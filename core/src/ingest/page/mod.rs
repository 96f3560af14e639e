//! Saved news pages (plain text, Markdown, HTML) → one [`InputRecord`] per article.
//!
//! A page goes through these steps, one submodule each:
//! 1. bytes → text, here with `encoding`: size limit, binary check, the declared or sniffed
//!    encoding (BOM, `<meta charset>`, UTF-8, a guess);
//! 2. HTML only: `html_meta` reads what the markup states (JSON-LD, Open Graph, meta tags) and
//!    `engine` extracts the article text and, apart from it, the comment section;
//! 3. `markup`: whitespace, entity and Markdown clean-up into lines;
//! 4. `split`: a file holding several articles → one line range per article;
//! 5. `comments`: the reader-comment thread cut off the end of each article and split;
//! 6. `meta`: title, byline, outlet and date from the article's head (`date` reads dates);
//! 7. `body`: the text, with `boilerplate` (disclaimers, copyright, share prompts, navigation),
//!    `notices` (republication notices) and, in HTML, `related` (closing related-links lists)
//!    removed.
//!
//! The outlet is the one given on the command line (`--outlet`), else what the page names — a
//! "Source:" line, the page's JSON-LD publisher or `og:site_name`, a `<Outlet>, <date>` line,
//! the site name over the menu — and only when it names none, the folder name. An outlet the page names as the
//! first publisher of a republished text becomes `original_source`. Where each field came from
//! is kept in `Article::provenance`.

mod body;
mod boilerplate;
mod comments;
mod date;
mod encoding;
mod engine;
mod html;
mod html_meta;
mod markup;
mod meta;
mod notices;
mod related;
mod split;

use std::collections::BTreeMap;
use std::io::Read;

use super::error_record;
use crate::article::{Article, Comment, InputRecord, SourceRef};
use html_meta::PageMeta;

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
    /// Outlet to use when the page names none (the folder name).
    pub outlet: Option<String>,
    /// Outlet to use whatever the page names (`--outlet`).
    pub outlet_override: Option<String>,
    /// The file name as shown in records.
    pub file_name: String,
    pub kind: PageKind,
}

/// Reads one page file into one record per article it holds.
///
/// Never fails: a read error, an oversized or binary file, or a page without article text
/// yields an error record naming the file.
pub fn read(reader: impl Read, hints: &PageHints, max_bytes: usize) -> Vec<InputRecord> {
    let file = &hints.file_name;
    let whole_file = || SourceRef::file(file.as_str());
    let decoded = match decoded_page(reader, hints.kind, max_bytes) {
        Ok(decoded) => decoded,
        Err(message) => return vec![error_record(whole_file(), message)],
    };
    let warnings: Vec<String> = decoded.warning.into_iter().collect();
    let (text, page) = article_text_and_facts(decoded.text, hints.kind);
    let lines = markup::lines(&text, hints.kind);
    let ranges = split::articles(&lines);
    if ranges.is_empty() {
        let why = match hints.kind {
            PageKind::Html => "the page has no article text (only navigation, links or markup)",
            _ => "the page is empty",
        };
        let mut r = error_record(whole_file(), format!("no article text in {file}: {why}"));
        r.warnings = warnings;
        return vec![r];
    }
    let several = ranges.len() > 1;
    ranges
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let n = i as u64 + 1;
            // What the page states describes its main article, the first one.
            let page = (i == 0).then_some(&page);
            let article = build(&lines[range], hints, page, n);
            let (source, article) = match article {
                Some(a) => (SourceRef::record(file.as_str(), n), Ok(a)),
                None if several => (
                    SourceRef::record(file.as_str(), n),
                    Err(format!(
                        "no article text in {file} (article {n} of the page)"
                    )),
                ),
                None => (whole_file(), Err(format!("no article text in {file}"))),
            };
            InputRecord {
                source,
                article,
                id: None,
                warnings: warnings.clone(),
            }
        })
        .collect()
}

/// The page's bytes, at most `max_bytes` of them, decoded to text; the message of an error
/// record when they cannot be read, are too many or are binary (NUL bytes before or after
/// decoding).
fn decoded_page(
    mut reader: impl Read,
    kind: PageKind,
    max_bytes: usize,
) -> Result<encoding::Decoded, String> {
    const BINARY: &str = "binary file (holds NUL bytes), not a page";
    let mut bytes = Vec::new();
    let limit = (max_bytes as u64).saturating_add(1);
    if let Err(e) = reader.by_ref().take(limit).read_to_end(&mut bytes) {
        return Err(format!("read error: {e}"));
    }
    if bytes.len() > max_bytes {
        return Err(format!("page is over the limit of {max_bytes} bytes"));
    }
    if bytes.contains(&0) {
        return Err(BINARY.into());
    }
    let decoded = encoding::decode(&bytes, kind);
    drop(bytes);
    if decoded.text.contains('\0') {
        return Err(BINARY.into());
    }
    Ok(decoded)
}

/// The text the articles are cut from, and what the page says besides it: for HTML the
/// extraction engine's article text with the page's metadata and comment section; plain text
/// and Markdown are their own article text.
fn article_text_and_facts(text: String, kind: PageKind) -> (String, PageFacts) {
    match kind {
        PageKind::Html => {
            let meta = html_meta::read(&text);
            let extraction = engine::extract(&text);
            let comments = extraction
                .comments
                .as_deref()
                .map(|c| comments::from_section(&markup::lines(c, PageKind::Html)))
                .unwrap_or_default();
            let page = PageFacts {
                meta: with_engine_meta(meta, &extraction),
                comments,
            };
            (extraction.text, page)
        }
        PageKind::Text | PageKind::Markdown => (text, PageFacts::default()),
    }
}

/// What an HTML page says besides its article text: its metadata and its comment section.
#[derive(Debug, Default)]
struct PageFacts {
    meta: PageMeta,
    comments: Vec<Comment>,
}

/// Fills what the page's markup left open with what the engine read (its byline search), noted
/// as `byline` for the author and `engine` otherwise.
fn with_engine_meta(mut meta: PageMeta, extraction: &engine::Extraction) -> PageMeta {
    use html_meta::Field;
    let found = [
        (Field::Author, &extraction.author, "byline"),
        (Field::Date, &extraction.date, "engine"),
        (Field::SiteName, &extraction.site_name, "engine"),
        (Field::Language, &extraction.language, "engine"),
    ];
    for (field, value, source) in found {
        if let Some(v) = value {
            meta.offer(field, v, source);
        }
    }
    meta
}

/// Builds the `n`-th article of a page from its lines; `None` when it has no text.
fn build(
    lines: &[markup::Line],
    hints: &PageHints,
    page: Option<&PageFacts>,
    n: u64,
) -> Option<Article> {
    let thread = comments::split_thread(lines);
    let article_lines = &lines[..thread.start];
    let head = meta::parse_head(article_lines);
    let body = body::assemble(
        &body_lines(article_lines, &head, hints, page),
        origin(hints),
    );
    if body.text.trim().is_empty() {
        return None;
    }
    let empty = PageFacts::default();
    let page = page.unwrap_or(&empty);
    let fields = pick_fields(head, &body, hints, &page.meta);
    let mut comments = thread.comments;
    comments.extend(page.comments.iter().cloned());
    for (k, c) in comments.iter_mut().enumerate() {
        c.id = format!("c{}", k + 1);
    }
    Some(Article {
        id: format!("{}#{n}", hints.file_name),
        outlet: fields.outlet,
        original_source: fields.original_source,
        title: fields.title,
        author: fields.author,
        date: fields.date,
        url: fields.url,
        language: fields.language,
        provenance: fields.provenance,
        body: body.text,
        comments,
        extra: serde_json::Map::new(),
    })
}

/// The lines that make the body: for HTML, what [`html_body_lines`] keeps; for a saved text,
/// the head's lines it handed back and everything from the body's start.
fn body_lines<'a>(
    article_lines: &'a [markup::Line],
    head: &meta::Head,
    hints: &PageHints,
    page: Option<&PageFacts>,
) -> Vec<&'a markup::Line> {
    match hints.kind {
        PageKind::Html => html_body_lines(article_lines, head, page),
        _ => head
            .returned
            .iter()
            .map(|&i| &article_lines[i])
            .chain(article_lines[head.body_start.min(article_lines.len())..].iter())
            .collect(),
    }
}

/// Where a page's body lines come from.
fn origin(hints: &PageHints) -> body::Origin {
    match hints.kind {
        PageKind::Html => body::Origin::Extracted,
        _ => body::Origin::SavedText,
    }
}

/// An article's fields besides its id, body and comments, and where each came from.
struct PickedFields {
    outlet: Option<String>,
    original_source: Option<String>,
    title: Option<String>,
    author: Option<String>,
    date: Option<String>,
    url: Option<String>,
    language: Option<String>,
    provenance: BTreeMap<String, String>,
}

/// Each field from the first of its candidates that has it, most explicit first (the command
/// line, then the page's markup, then its text, then the folder's name), with its source.
fn pick_fields(
    head: meta::Head,
    body: &body::Body,
    hints: &PageHints,
    page_meta: &PageMeta,
) -> PickedFields {
    let mut provenance: BTreeMap<String, String> = BTreeMap::new();
    let mut pick = |field: &str, candidates: Vec<(Option<String>, &str)>| -> Option<String> {
        let (value, source) = candidates.into_iter().find(|(v, _)| v.is_some())?;
        provenance.insert(field.to_string(), source.to_string());
        value
    };
    let from_page = |field: &str, value: &Option<String>| -> (Option<String>, &'static str) {
        let source = page_meta
            .provenance
            .get(field)
            .map_or("page", |s| source_name(s));
        (value.clone(), source)
    };
    let mut datelines = head.datelines.iter();
    let outlet = pick(
        "outlet",
        vec![
            (hints.outlet_override.clone(), super::COMMAND_LINE),
            (head.source.clone(), "page-text"),
            (body.source.clone(), "page-text"),
            from_page("outlet", &page_meta.site_name),
            (datelines.next().cloned(), "page-text"),
            (head.masthead.clone(), "page-text"),
            (hints.outlet.clone(), "folder-name"),
        ],
    );
    // Candidates for the first publisher, most explicit first; one naming this copy's own
    // outlet says the page is not a republication and is passed over.
    let original_source = [body.notice.clone()]
        .into_iter()
        .chain(datelines.cloned().map(Some))
        .chain([body.first_published.clone()])
        .flatten()
        .find(|o| !matches!(outlet.as_deref(), Some(own) if same_outlet(own, o)));
    // The page's markup is trusted over the text's head for HTML; text pages have only the
    // text.
    let title = pick(
        "title",
        vec![
            from_page("title", &page_meta.title),
            (head.title, "page-text"),
        ],
    );
    let author = pick(
        "author",
        vec![
            from_page("author", &page_meta.author),
            (head.author, "byline"),
        ],
    );
    let date = pick(
        "date",
        vec![from_page("date", &page_meta.date), (head.date, "page-text")],
    );
    let url = pick(
        "url",
        vec![from_page("url", &page_meta.url), (head.url, "page-text")],
    );
    let language = pick("language", vec![from_page("language", &page_meta.language)]);
    if hints.kind != PageKind::Html {
        // Text pages have one source for everything; naming it adds nothing, except for an
        // outlet the command line gave.
        provenance.retain(|_, source| source == super::COMMAND_LINE);
    }
    PickedFields {
        outlet,
        original_source,
        title,
        author,
        date,
        url,
        language,
        provenance,
    }
}

/// The static name of a provenance source.
fn source_name(s: &str) -> &'static str {
    [
        "json-ld",
        "open-graph",
        "meta",
        "title",
        "canonical-link",
        "html-lang",
        "byline",
        "headline",
        "engine",
    ]
    .into_iter()
    .find(|k| *k == s)
    .unwrap_or("page")
}

/// The body lines of an article the engine extracted from HTML: its lines less the head's
/// metadata lines (byline, date, source) and a first line repeating the page's title. The
/// engine leaves the headline out, so unlike in text pages a headline-shaped first line is
/// text (a subheading, a lead) unless it is the title.
fn html_body_lines<'a>(
    lines: &'a [markup::Line],
    head: &meta::Head,
    page: Option<&PageFacts>,
) -> Vec<&'a markup::Line> {
    let title = page.and_then(|p| p.meta.title.as_deref());
    let drop_title = head
        .title_at
        .filter(|&at| title.is_some_and(|t| repeats(&lines[at].text, t)));
    lines
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != drop_title && !head.meta_lines.contains(i))
        .map(|(_, l)| l)
        .collect()
}

/// Whether the line `line` is the title `title`, or starts with it (a `<title>` cut short).
fn repeats(line: &str, title: &str) -> bool {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let (line, title) = (key(line), key(title));
    !title.is_empty() && line.starts_with(&title)
}

/// Names (outlets, titles) equal up to case, spacing and punctuation ("The Duran" = "the
/// duran").
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
            outlet_override: None,
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
