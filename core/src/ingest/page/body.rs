//! The article text: body lines with boilerplate removed, gathered into paragraphs, with the
//! notices found on the way (republication notice, trailing "Source:" line) handed back.
//!
//! Once a footer marker (copyright line, disclaimer, republication notice) has been passed,
//! short lines are footer links too ("Articles by: …", "For media inquiries …") even when no
//! rule names them; long lines there are only dropped when a rule does.

use super::boilerplate;
use super::markup::{word_count, Line};
use super::meta::{self, Meta};
use super::notices;
use super::related;

/// Longest line taken for a footer link once the footer has begun.
const FOOTER_LINK_WORDS: usize = 12;

/// The body of one article and what it said about its origin.
#[derive(Debug, Clone, Default)]
pub struct Body {
    /// Paragraphs separated by a blank line.
    pub text: String,
    /// Outlet of "The original source of this article is X" / "Originally published by X".
    pub notice: Option<String>,
    /// Outlet of "… where this article was first published" in the text.
    pub first_published: Option<String>,
    /// Outlet of a "Source: X" line closing the text.
    pub source: Option<String>,
}

/// Where the lines of a body come from, which decides two rules of its assembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A saved text or Markdown page: it holds the whole page, so after a footer marker short
    /// lines are footer links too; a line break inside a paragraph is kept.
    SavedText,
    /// Text an extraction engine took from HTML: the engine already cut the page's footer off,
    /// so what follows a marker (a photo credit "© …" inside the article) is text unless a rule
    /// names it; a single line break inside a paragraph is the HTML source's whitespace, read
    /// as a space.
    Extracted,
}

/// Builds the body from `lines` (the article after its head, before its comments).
pub fn assemble(lines: &[&Line], origin: Origin) -> Body {
    let mut body = Body::default();
    let mut paragraphs = kept_paragraphs(lines, origin, &mut body);
    if origin == Origin::Extracted {
        if let Some(start) = related::list_start(&paragraphs) {
            paragraphs.truncate(start);
        }
    }
    // A "Source: X" line on its own at the end names where an aggregated text came from.
    if let Some(last) = paragraphs.last() {
        if let [only] = last.as_slice() {
            if let Some(Meta::Source { outlet, .. }) = meta::classify(only) {
                body.source = Some(outlet);
                paragraphs.pop();
            }
        }
    }
    body.text = joined_text(paragraphs, origin);
    body
}

/// The lines that are article text, in paragraphs (none empty), without boilerplate and
/// footer; the notices met on the way go into `body`.
fn kept_paragraphs<'a>(lines: &[&'a Line], origin: Origin, body: &mut Body) -> Vec<Vec<&'a str>> {
    let mut paragraphs: Vec<Vec<&str>> = vec![Vec::new()];
    let mut in_footer = false;
    for line in lines {
        let t = line.text.as_str();
        if line.is_blank() {
            if paragraphs.last().is_some_and(|p| !p.is_empty()) {
                paragraphs.push(Vec::new());
            }
            continue;
        }
        if let Some(outlet) = notices::original_source_notice(t) {
            body.notice.get_or_insert(outlet);
            in_footer = true;
            continue;
        }
        if boilerplate::is_footer_marker(t) {
            in_footer = true;
            continue;
        }
        if boilerplate::is_boilerplate(t)
            || (origin == Origin::Extracted && boilerplate::is_template_line(t))
            || (in_footer && origin == Origin::SavedText && word_count(t) <= FOOTER_LINK_WORDS)
        {
            continue;
        }
        if let Some(outlet) = notices::first_published(t) {
            body.first_published.get_or_insert(outlet);
        }
        if let Some(p) = paragraphs.last_mut() {
            p.push(t);
        }
    }
    paragraphs.retain(|p| !p.is_empty());
    paragraphs
}

/// The paragraphs as text, a blank line between them: a paragraph's lines joined by a space
/// (extracted HTML) or a line break (saved text), a paragraph that a line wrap split from the
/// one before joined back to it, a trailing "Read more" cut.
fn joined_text(paragraphs: Vec<Vec<&str>>, origin: Origin) -> String {
    let mut joined: Vec<String> = Vec::new();
    for p in paragraphs {
        let text = p.join(if origin == Origin::Extracted {
            " "
        } else {
            "\n"
        });
        match joined.last_mut() {
            Some(prev) if continues(prev, &text) => {
                prev.push(' ');
                prev.push_str(&text);
            }
            _ => joined.push(text),
        }
    }
    if let Some(last) = joined.last_mut() {
        *last = boilerplate::strip_read_more(last);
    }
    joined.join("\n\n")
}

/// Whether `next` is the rest of a sentence that a line wrap split from `prev`: `prev` stops
/// mid-sentence and `next` starts in lower case.
fn continues(prev: &str, next: &str) -> bool {
    let ends_open = prev
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == ',');
    let starts_lower = next.chars().next().is_some_and(char::is_lowercase);
    ends_open && starts_lower
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::page::markup;
    use crate::ingest::page::PageKind;

    fn body(text: &str) -> Body {
        let lines = markup::lines(text, PageKind::Text);
        assemble(&lines.iter().collect::<Vec<_>>(), Origin::SavedText)
    }

    #[test]
    fn footer_goes_and_wrapped_sentences_rejoin() {
        let b = body(
            "The army moved\n\nnorth on Monday.\n\nSecond paragraph.\n\n\
             The original source of this article is Example Wire\nCopyright © Example Wire, 2018\n\n\
             Articles by: Jane Roe\n\nSome footer link text here",
        );
        assert_eq!(
            b.text,
            "The army moved north on Monday.\n\nSecond paragraph."
        );
        assert_eq!(b.notice.as_deref(), Some("Example Wire"));
    }

    #[test]
    fn trailing_source_line_is_taken() {
        let b = body("Text of the story.\n\nSource: Example Wire");
        assert_eq!(b.text, "Text of the story.");
        assert_eq!(b.source.as_deref(), Some("Example Wire"));
    }
}
