//! Reader-comment threads: finding where the thread under an article starts and splitting it
//! into [`Comment`]s.
//!
//! Comment systems print a header line per comment — the commenter, often the name of the
//! commenter answered, a timestamp and action links:
//! `username reply_to_user Fri, 11/03/2017 - 12:49 Permalink`. The text up to the next header
//! is the comment. The first comment of a saved thread often lost its header; it is recognised
//! by what separates the thread from the article: a "Comments" heading, or a wider gap (two or
//! more blank lines) than the single blank line between paragraphs.

use std::sync::LazyLock;

use regex::Regex;

use super::boilerplate;
use super::date;
use super::markup::Line;
use crate::article::Comment;

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^(?:(?P<names>\S.*?)\s+)?(?P<when>{date})\s*(?:[-|·•]\s*)?(?:permalink|reply|report|link|flag|parent)(?:\s*[|·•]?\s*(?:permalink|reply|report|link|flag|parent))*\s*$",
        date = date::DATE_PATTERN
    ))
    .expect("built-in pattern is valid")
});

/// A heading that opens the comment area ("Comments", "12 comments", "Reader comments (3)").
static THREAD_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:\d+\s+)?(?:reader\s+)?(?:comments?|responses?|replies|discussion)(?:\s*\(\d+\))?\s*:?$")
        .expect("built-in pattern is valid")
});

/// Longest name part of a header; anything longer is prose that happens to end in a date.
const MAX_NAME_WORDS: usize = 10;
/// Most paragraphs a header-less first comment may have; more looks like article text.
const MAX_HEADERLESS_PARAGRAPHS: usize = 3;

/// A parsed comment header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The words before the timestamp: commenter, then possibly the commenter answered.
    pub names: Vec<String>,
    /// ISO timestamp (`2017-11-03T12:49`), the ISO date, or the text as found.
    pub date: Option<String>,
}

/// Longest header line, in bytes; checked first so that huge lines cost nothing here.
const MAX_HEADER_BYTES: usize = 300;

/// Reads `line` as a comment header.
pub fn header(line: &str) -> Option<Header> {
    if line.len() > MAX_HEADER_BYTES {
        return None;
    }
    let c = HEADER.captures(line)?;
    let names: Vec<String> = c
        .name("names")
        .map(|m| m.as_str().split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    if names.len() > MAX_NAME_WORDS {
        return None;
    }
    let when = c.name("when").map(|m| m.as_str().trim())?;
    let date = match date::parse_with_time(when) {
        Some((d, Some(t))) => format!("{}T{}", d.format("%Y-%m-%d"), t.format("%H:%M")),
        Some((d, None)) => d.format("%Y-%m-%d").to_string(),
        None => when.to_string(),
    };
    Some(Header {
        names,
        date: Some(date),
    })
}

/// Whether `line` opens a comment area.
pub fn is_thread_marker(line: &str) -> bool {
    THREAD_MARKER.is_match(line)
}

/// The comment thread of one article.
#[derive(Debug, Clone, Default)]
pub struct Thread {
    /// Index of the first line belonging to the thread (`lines.len()` when there is none).
    pub start: usize,
    pub comments: Vec<Comment>,
}

/// Finds the thread in an article's lines and splits it into comments.
pub fn split_thread(lines: &[Line]) -> Thread {
    let headers: Vec<(usize, Header)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| header(&l.text).map(|h| (i, h)))
        .collect();
    let Some(&(first, _)) = headers.first() else {
        return Thread {
            start: lines.len(),
            comments: Vec::new(),
        };
    };
    // A header on the article's first line would leave no article; that is not a thread.
    if !lines[..first].iter().any(|l| !l.is_blank()) {
        return Thread {
            start: lines.len(),
            comments: Vec::new(),
        };
    }

    let (start, headerless) = match lines[..first]
        .iter()
        .rposition(|l| is_thread_marker(&l.text))
    {
        Some(m) => (m, Some(m + 1..first)),
        None => match headerless_block(&lines[..first]) {
            Some(b) => (b.start, Some(b)),
            None => (first, None),
        },
    };

    Thread {
        start,
        comments: comments_at(lines, &headers, headerless),
    }
}

/// The comments of a section that holds nothing else (the comment section an extraction engine
/// found apart from the article): split at comment headers when it has them, otherwise one
/// comment per paragraph.
pub fn from_section(lines: &[Line]) -> Vec<Comment> {
    let headers: Vec<(usize, Header)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| header(&l.text).map(|h| (i, h)))
        .collect();
    let first = headers.first().map_or(lines.len(), |(i, _)| *i);
    let lead = lines[..first]
        .iter()
        .position(|l| !l.is_blank() && !is_thread_marker(&l.text))
        .unwrap_or(first);
    if !headers.is_empty() {
        return comments_at(lines, &headers, Some(lead..first));
    }
    let mut comments = Vec::new();
    let mut block_start = lead;
    for i in lead..=lines.len() {
        if i == lines.len() || lines[i].is_blank() {
            let text = comment_text(&lines[block_start..i]);
            if !text.is_empty() && !is_thread_marker(&text) {
                comments.push(Comment {
                    id: format!("c{}", comments.len() + 1),
                    text,
                    ..Comment::default()
                });
            }
            block_start = i + 1;
        }
    }
    comments
}

/// Comments from header lines `headers` of `lines`, after the header-less first comment in
/// `headerless`.
fn comments_at(
    lines: &[Line],
    headers: &[(usize, Header)],
    headerless: Option<std::ops::Range<usize>>,
) -> Vec<Comment> {
    let names: Vec<&[String]> = headers.iter().map(|(_, h)| h.names.as_slice()).collect();
    let mut comments = Vec::new();
    if let Some(block) = headerless {
        let text = comment_text(&lines[block]);
        if !text.is_empty() {
            comments.push(Comment {
                text,
                ..Comment::default()
            });
        }
    }
    for (k, (at, h)) in headers.iter().enumerate() {
        let end = headers.get(k + 1).map_or(lines.len(), |(next, _)| *next);
        let (author, reply_to) = split_names(&names, k);
        comments.push(Comment {
            id: String::new(),
            author,
            reply_to,
            date: h.date.clone(),
            text: comment_text(&lines[at + 1..end]),
        });
    }
    for (n, c) in comments.iter_mut().enumerate() {
        c.id = format!("c{}", n + 1);
    }
    comments
}

/// The header-less first comment before the first header: the paragraphs after the last wide
/// gap, when there are few of them and article text stands before the gap.
fn headerless_block(lines: &[Line]) -> Option<std::ops::Range<usize>> {
    let end = lines.iter().rposition(|l| !l.is_blank())? + 1;
    let mut i = end;
    let mut paragraphs = 1;
    while i > 0 {
        if lines[i - 1].is_blank() {
            let mut blanks = 0;
            while i > 0 && lines[i - 1].is_blank() {
                blanks += 1;
                i -= 1;
            }
            let block_start = i + blanks;
            if blanks >= 2 {
                let article_before = lines[..i].iter().any(|l| !l.is_blank());
                return article_before.then_some(block_start..end);
            }
            paragraphs += 1;
            if paragraphs > MAX_HEADERLESS_PARAGRAPHS {
                return None;
            }
        } else {
            i -= 1;
        }
    }
    None
}

/// Splits the name words of header `k` into commenter and the commenter answered.
///
/// Names may hold spaces ("Crash N. Burn"), so the split point is the one whose two halves
/// best match names seen in the other headers of the thread (as someone's commenter or as
/// someone's answered name); with no evidence the first word is the commenter, the common case
/// of single-word user names.
fn split_names(all: &[&[String]], k: usize) -> (Option<String>, Option<String>) {
    let words = all[k];
    match words.len() {
        0 => return (None, None),
        1 => return (Some(words[0].clone()), None),
        _ => {}
    }
    let others: Vec<&[String]> = all
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != k)
        .map(|(_, w)| *w)
        .collect();
    let seen = |name: &[String]| -> usize {
        others
            .iter()
            .map(|o| usize::from(o.starts_with(name)) + usize::from(o.ends_with(name)))
            .sum()
    };
    let mut best = (1, 0);
    for split in 1..words.len() {
        let score = seen(&words[..split]) + seen(&words[split..]);
        if score > best.1 {
            best = (split, score);
        }
    }
    // The whole line as one commenter with no reply needs better evidence than any split.
    if seen(words) > best.1 {
        return (Some(words.join(" ")), None);
    }
    let (author, reply) = words.split_at(best.0);
    (Some(author.join(" ")), Some(reply.join(" ")))
}

/// The text of a comment: its paragraphs, boilerplate lines dropped.
fn comment_text(lines: &[Line]) -> String {
    let mut paragraphs: Vec<Vec<&str>> = vec![Vec::new()];
    for l in lines {
        if l.is_blank() {
            if paragraphs.last().is_some_and(|p| !p.is_empty()) {
                paragraphs.push(Vec::new());
            }
        } else if !boilerplate::is_boilerplate(&l.text) {
            if let Some(p) = paragraphs.last_mut() {
                p.push(&l.text);
            }
        }
    }
    paragraphs
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::page::markup;
    use crate::ingest::page::PageKind;

    #[test]
    fn header_shapes() {
        let h = header("HowdyDoody chumbawamba Fri, 11/03/2017 - 12:49 Permalink").unwrap();
        assert_eq!(h.names, vec!["HowdyDoody", "chumbawamba"]);
        assert_eq!(h.date.as_deref(), Some("2017-11-03T12:49"));
        let h = header("solo March 4, 2020 at 2:05 pm | Reply").unwrap();
        assert_eq!(h.names, vec!["solo"]);
        assert_eq!(h.date.as_deref(), Some("2020-03-04T14:05"));
        assert!(header("Global Research, October 26, 2017").is_none());
        assert!(header("The vote is set for Fri, 11/03/2017 and nobody cares").is_none());
    }

    #[test]
    fn names_with_spaces_split_by_the_other_headers() {
        let owned: Vec<Vec<String>> = [
            "Crash N. Burn Crazy Or Not",
            "Crazy Or Not Crash N. Burn",
            "shamus001 Took Red Pill",
            "Chupacabra-322 Took Red Pill",
            "intotheblack shamus001",
            "lonely",
            "Some Name",
        ]
        .iter()
        .map(|s| s.split(' ').map(String::from).collect())
        .collect();
        let all: Vec<&[String]> = owned.iter().map(Vec::as_slice).collect();
        let pair = |k| split_names(&all, k);
        let s = |a: &str, b: &str| (Some(a.to_string()), Some(b.to_string()));
        assert_eq!(pair(0), s("Crash N. Burn", "Crazy Or Not"));
        assert_eq!(pair(1), s("Crazy Or Not", "Crash N. Burn"));
        assert_eq!(pair(2), s("shamus001", "Took Red Pill"));
        assert_eq!(pair(4), s("intotheblack", "shamus001"));
        assert_eq!(pair(5), (Some("lonely".to_string()), None));
        assert_eq!(pair(6), s("Some", "Name"));
    }

    #[test]
    fn headerless_first_comment_after_a_wide_gap() {
        let text = "Title\n\nArticle paragraph one.\n\nArticle paragraph two.\n\n\nFirst!\n\n\
                    bob alice Fri, 11/03/2017 - 12:49 Permalink\n\nHello.\n";
        let lines = markup::lines(text, PageKind::Text);
        let t = split_thread(&lines);
        assert_eq!(lines[t.start].text, "First!");
        assert_eq!(t.comments.len(), 2);
        assert_eq!(t.comments[0].author, None);
        assert_eq!(t.comments[0].text, "First!");
        assert_eq!(t.comments[1].id, "c2");
        assert_eq!(t.comments[1].reply_to.as_deref(), Some("alice"));
        assert_eq!(t.comments[1].text, "Hello.");
    }

    #[test]
    fn no_gap_means_no_headerless_comment() {
        let text = "Title\n\nArticle paragraph one.\n\nLast article line.\n\n\
                    bob Fri, 11/03/2017 - 12:49 Permalink\n\nHello.";
        let lines = markup::lines(text, PageKind::Text);
        let t = split_thread(&lines);
        assert_eq!(t.comments.len(), 1);
        assert_eq!(lines[t.start].text, "bob Fri, 11/03/2017 - 12:49 Permalink");
    }

    #[test]
    fn a_comments_heading_opens_the_thread() {
        let text = "Title\n\nArticle text.\n\n12 Comments\n\nNice piece.\n\n\
                    bob Fri, 11/03/2017 - 12:49 Permalink\n\nThanks.";
        let lines = markup::lines(text, PageKind::Text);
        let t = split_thread(&lines);
        assert_eq!(lines[t.start].text, "12 Comments");
        assert_eq!(t.comments[0].text, "Nice piece.");
    }
}
