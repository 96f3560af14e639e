//! One file holding several articles → one line range per article.
//!
//! Compilations and saved reading lists glue articles one after another, each starting with
//! its own head: a headline followed, within a few lines, by a byline, a "Source:" line or an
//! `<Outlet>, <date>` line. A new article starts at such a head once the current one has had
//! text; a headline followed by plain text is a subheading and does not split.

use std::ops::Range;

use super::boilerplate;
use super::markup::{word_count, Line};
use super::meta;

/// Lines between a headline and the metadata that confirms it (kicker, subtitle).
const HEAD_LOOKAHEAD: usize = 3;
/// Longest kicker or site name above a headline.
const KICKER_WORDS: usize = 6;
/// A line this long is article text even without a full stop.
const PROSE_WORDS: usize = 8;

/// The line ranges of the articles in `lines`, in page order. Empty when all lines are blank.
pub fn articles(lines: &[Line]) -> Vec<Range<usize>> {
    let Some(first) = lines.iter().position(|l| !l.is_blank()) else {
        return Vec::new();
    };
    let mut starts = vec![first];
    let mut prose_seen = false;
    for i in first..lines.len() {
        let line = &lines[i];
        if line.is_blank() {
            continue;
        }
        let after_blank = i == 0 || lines[i - 1].is_blank();
        if prose_seen && after_blank && starts_article(lines, i) {
            starts.push(i);
            prose_seen = false;
            continue;
        }
        if is_prose(line) {
            prose_seen = true;
        }
    }
    let mut ranges: Vec<Range<usize>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    if let Some(&last) = starts.last() {
        ranges.push(last..lines.len());
    }
    ranges
}

/// Whether an article head starts at line `i`.
fn starts_article(lines: &[Line], i: usize) -> bool {
    if !meta::heading_like(&lines[i]) {
        return false;
    }
    // Headline-shaped lines from `i` up to the metadata; all but the last (the headline) are
    // kickers or site names, which are short. Without that limit the last paragraph of the
    // previous article, when it lacks a full stop, would be taken into the next head.
    let mut previous = &lines[i];
    for next in lines[i + 1..]
        .iter()
        .filter(|l| !l.is_blank())
        .take(HEAD_LOOKAHEAD)
    {
        if meta::is_head_meta(&next.text) {
            return true;
        }
        if !meta::heading_like(next) || word_count(&previous.text) > KICKER_WORDS {
            return false;
        }
        previous = next;
    }
    false
}

/// Whether `line` is article text (not a headline, metadata or page furniture).
fn is_prose(line: &Line) -> bool {
    let t = &line.text;
    if meta::classify(t).is_some() || boilerplate::is_boilerplate(t) {
        return false;
    }
    word_count(t) >= PROSE_WORDS || t.ends_with(['.', '!', '?', '"', '”'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::page::markup;
    use crate::ingest::page::PageKind;

    fn split(text: &str) -> Vec<String> {
        let lines = markup::lines(text, PageKind::Text);
        articles(&lines)
            .into_iter()
            .map(|r| lines[r.start].text.clone())
            .collect()
    }

    #[test]
    fn two_heads_two_articles() {
        let text =
            "First headline\n\nBy Jane Roe\nSource: Example Post\nText of the first article.\n\n\n\
                    Second headline\n\nBy Omar Sayed\nSource: Example Wire\nText of the second.";
        assert_eq!(split(text), vec!["First headline", "Second headline"]);
    }

    #[test]
    fn subheadings_do_not_split() {
        let text = "Headline\n\nBy Jane Roe\n\nText of the article.\n\nA subheading here\nMore text follows.\n\n\
                    Another subheading\n\nAnd more text.";
        assert_eq!(split(text), vec!["Headline"]);
    }

    #[test]
    fn unfinished_last_paragraph_stays_with_its_article() {
        let text = "First headline\n\nBy Jane Roe\n\nText of the first article.\n\n\
                    The last paragraph ends in a link without a full stop More\n\n\
                    Second headline\n\nBy Omar Sayed\n\nText of the second.";
        assert_eq!(split(text), vec!["First headline", "Second headline"]);
    }

    #[test]
    fn blank_page_has_no_articles() {
        assert!(split("\n \n\u{a0}\n").is_empty());
    }
}
