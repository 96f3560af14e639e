//! The head of an article — title, byline, outlet, date, topic lines. (The republication notices
//! that name where an article first appeared are `notices`.)
//!
//! News pages open with the same few lines in varying order: an optional site name over a
//! menu, the headline, then metadata lines ("By …", "Source: …", `<Outlet>, <date>`, a bare
//! date, "Region: …"/"Theme: …" topic lists), then the text. The head ends at the first line
//! that is neither metadata nor headline-shaped.

use std::sync::LazyLock;

use regex::Regex;

use super::boilerplate;
use super::comments;
use super::date;
use super::markup::{word_count, Line};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern is valid")
}

static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:By|BY|by|(?i:written by|posted by|reported by|words by))\s*:?\s+(?P<rest>.+)$")
});
static AUTHOR_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?i:authors?|byline|writer)\s*:\s*(?P<rest>.+)$"));
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?i:source|sources|publisher|published by|outlet|publication|news source)\s*:\s*(?P<rest>.+)$",
    )
});
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<name>[^\d,]{{1,60}}?),?\s+(?P<when>(?i:{}))$",
        date::DATE_PATTERN
    ))
});
static DATE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?i:(?:(?:first|last|originally)\s+)?(?:published|updated|posted|modified)|date|dated)(?:\s+on)?\s*:?\s*",
    )
});
static URL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?i:url|link|permalink|canonical|original url|source url|web)\s*:\s*)?(?P<url>https?://\S+)$",
    )
});
/// A sentence ending inside a line ("… the slowdown. More"); two lower-case letters before the
/// stop keep abbreviations ("U.S. Army", "Mr. Roe") out.
static SENTENCE_BREAK: LazyLock<Regex> = LazyLock::new(|| re(r"[a-z]{2,}[.!?]\s+[A-Z]"));

/// Lower-case words allowed inside personal and outlet names.
const CONNECTORS: &[&str] = &[
    "and", "&", "de", "del", "della", "der", "den", "van", "von", "da", "di", "du", "la", "le",
    "al", "el", "bin", "ibn", "y", "e", "of", "the", "for",
];
/// Words that start a date line rather than name an outlet.
const NOT_OUTLETS: &[&str] = &[
    "published",
    "updated",
    "posted",
    "modified",
    "date",
    "dated",
    "last",
    "first",
    "on",
    "at",
    "today",
    "yesterday",
    "since",
    "until",
    "from",
    "in",
    "by",
    "as",
    "originally",
];
/// Longest headline, in words; longer lines are paragraphs.
const MAX_TITLE_WORDS: usize = 30;
/// Above this many words, a line with a sentence break inside is a paragraph, not a headline.
const LONG_TITLE_WORDS: usize = 15;
const MAX_NAME_WORDS: usize = 8;
/// Headline-shaped lines considered before the metadata: kicker, site name, headline.
const MAX_CANDIDATES: usize = 4;

/// What one metadata line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meta {
    Byline {
        author: String,
        date: Option<String>,
    },
    /// "Source: X" naming an outlet.
    Source {
        outlet: String,
        date: Option<String>,
    },
    /// `<Outlet>, <date>`: who published this copy and when.
    Dateline {
        outlet: String,
        date: String,
    },
    Date(String),
    /// "Region: …", "Theme: …", "Tags: …": topic lists, not article text.
    Taxonomy,
    Url(String),
}

/// Longest metadata line, in bytes; checked first so that huge lines cost nothing here.
const MAX_META_BYTES: usize = 400;

/// Reads `line` as a metadata line.
pub fn classify(line: &str) -> Option<Meta> {
    if line.len() > MAX_META_BYTES {
        return None;
    }
    if let Some(c) = BYLINE
        .captures(line)
        .or_else(|| AUTHOR_LABEL.captures(line))
    {
        if let Some((author, date)) = person(&c["rest"]) {
            return Some(Meta::Byline { author, date });
        }
    }
    if let Some(c) = SOURCE.captures(line) {
        let rest = c["rest"].trim().trim_end_matches(['.', ',', ';']);
        if let Some(url) = as_url(rest) {
            return Some(Meta::Url(url));
        }
        if let Some((outlet, date)) = dateline(rest) {
            return Some(Meta::Source {
                outlet,
                date: Some(date),
            });
        }
        if !rest.is_empty() && word_count(rest) <= MAX_NAME_WORDS {
            return Some(Meta::Source {
                outlet: rest.to_string(),
                date: None,
            });
        }
    }
    if boilerplate::taxonomy(line) {
        return Some(Meta::Taxonomy);
    }
    if let Some(c) = URL_LINE.captures(line) {
        return Some(Meta::Url(c["url"].to_string()));
    }
    if let Some(d) = date_line(line) {
        return Some(Meta::Date(d));
    }
    if let Some((outlet, date)) = dateline(line) {
        return Some(Meta::Dateline { outlet, date });
    }
    None
}

/// Whether `line` is metadata that only an article head carries (byline, source, dateline):
/// what tells the splitter a new article starts.
pub fn is_head_meta(line: &str) -> bool {
    matches!(
        classify(line),
        Some(Meta::Byline { .. } | Meta::Source { .. } | Meta::Dateline { .. })
    )
}

/// Whether `line` looks like a headline: short, capitalised, not ending like a sentence, and
/// not metadata, boilerplate or a comment header.
pub fn heading_like(line: &Line) -> bool {
    let t = line.text.as_str();
    let Some(first) = t.chars().next() else {
        return false;
    };
    if classify(t).is_some() || comments::header(t).is_some() || boilerplate::is_boilerplate(t) {
        return false;
    }
    if line.heading {
        return true;
    }
    let last = t.chars().last().unwrap_or(first);
    let words = word_count(t);
    words <= MAX_TITLE_WORDS
        && !first.is_lowercase()
        && !matches!(last, '.' | ',' | ';' | ':' | '…')
        && (words <= LONG_TITLE_WORDS || !SENTENCE_BREAK.is_match(t))
}

/// The value of a URL-shaped string.
pub(super) fn as_url(s: &str) -> Option<String> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    (!s.contains(char::is_whitespace)
        && (lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("www.")))
    .then(|| s.to_string())
}

/// Trims punctuation around a name; `None` when nothing is left.
pub(super) fn clean_name(s: &str) -> Option<String> {
    let t = s
        .trim()
        .trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':' | '"' | '“' | '”' | '(' | ')'))
        .trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Reads a byline's text: a personal name (or names), possibly followed by a date after a
/// separator or comma.
fn person(rest: &str) -> Option<(String, Option<String>)> {
    let rest = rest.trim();
    let mut name = rest;
    let mut when = None;
    for sep in [" | ", " — ", " – ", " - ", " · ", " • ", ", "] {
        if let Some((head, tail)) = rest.split_once(sep) {
            if let Some(d) = date::parse(tail.trim()) {
                name = head;
                when = Some(d.format("%Y-%m-%d").to_string());
                break;
            }
            if sep != ", " {
                // A trailing role or outlet ("Jane Roe | Staff Writer") is not the name.
                name = head;
                break;
            }
        }
    }
    let name = clean_name(name)?;
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > MAX_NAME_WORDS {
        return None;
    }
    let mut capitalised = 0;
    for w in &words {
        let w = w.trim_matches(|c: char| matches!(c, ',' | '(' | ')' | '"'));
        if CONNECTORS.contains(&w.to_lowercase().as_str()) && w.chars().all(|c| !c.is_uppercase()) {
            continue;
        }
        if w.ends_with(':') || (w.ends_with('.') && w.chars().count() > 3) {
            return None;
        }
        let core = ["al-", "el-", "d'", "o'"]
            .iter()
            .find_map(|p| w.strip_prefix(p))
            .unwrap_or(w);
        if !core.chars().next().is_some_and(char::is_uppercase) {
            return None;
        }
        capitalised += 1;
    }
    (capitalised > 0).then_some((name, when))
}

/// Whether `name` reads as an outlet name: a few capitalised words, not a date word.
pub(super) fn outlet_name(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    let first = words[0].to_lowercase();
    if NOT_OUTLETS.contains(&first.as_str()) || date::month(&first).is_some() {
        return false;
    }
    if ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .any(|d| first.starts_with(d) && first.ends_with("day"))
    {
        return false;
    }
    words.iter().all(|w| {
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            || CONNECTORS.contains(&w.to_lowercase().as_str())
    })
}

/// `<Outlet>, <date>` or `<Outlet> <date>` → outlet and ISO date.
fn dateline(line: &str) -> Option<(String, String)> {
    let c = DATELINE.captures(line)?;
    let name = clean_name(&c["name"])?;
    if !outlet_name(&name) {
        return None;
    }
    let d = date::parse(&c["when"])?;
    Some((name, d.format("%Y-%m-%d").to_string()))
}

/// A line that is only a date, possibly labelled ("Published: …", "Updated on …"), possibly
/// several labelled dates split by `|` (the first is kept).
fn date_line(line: &str) -> Option<String> {
    let mut first = None;
    for part in line.split('|') {
        let part = DATE_PREFIX.replace(part.trim(), "");
        let d = date::parse(&part)?;
        first.get_or_insert(d);
    }
    first.map(|d| d.format("%Y-%m-%d").to_string())
}

/// What the head of an article says.
#[derive(Debug, Clone, Default)]
pub struct Head {
    pub title: Option<String>,
    pub author: Option<String>,
    /// The outlet of a "Source:" line.
    pub source: Option<String>,
    /// Outlets of `<Outlet>, <date>` lines, in page order: this copy's publisher first, then
    /// (on republications) the outlet that published it first.
    pub datelines: Vec<String>,
    /// Site name printed above the page's menu.
    pub masthead: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
    /// Headline-shaped lines after the title that turned out to be text (a subtitle).
    pub returned: Vec<usize>,
    /// Index of the line taken as the title.
    pub title_at: Option<usize>,
    /// Indices of the head's metadata lines (byline, source, date, topic, URL lines).
    pub meta_lines: Vec<usize>,
    /// Index of the first body line.
    pub body_start: usize,
}

impl Head {
    fn apply(&mut self, meta: Meta) {
        match meta {
            Meta::Byline { author, date } => {
                self.author.get_or_insert(author);
                if let Some(d) = date {
                    self.date.get_or_insert(d);
                }
            }
            Meta::Source { outlet, date } => {
                self.source.get_or_insert(outlet);
                if let Some(d) = date {
                    self.date.get_or_insert(d);
                }
            }
            Meta::Dateline { outlet, date } => {
                self.datelines.push(outlet);
                self.date.get_or_insert(date);
            }
            Meta::Date(d) => {
                self.date.get_or_insert(d);
            }
            Meta::Url(u) => {
                self.url.get_or_insert(u);
            }
            Meta::Taxonomy => {}
        }
    }
}

/// Reads the head of one article's lines.
pub fn parse_head(lines: &[Line]) -> Head {
    let mut head = Head::default();
    let scan = scan_head(lines, &mut head);
    let mut body_start = scan.body_start;
    if let Some(k) = title_candidate(&scan, lines) {
        let candidates = &scan.candidates;
        let (at, _) = candidates[k];
        head.title = Some(lines[at].text.clone());
        head.title_at = Some(at);
        head.masthead = candidates[..k]
            .iter()
            .find(|&&(i, nav)| nav && outlet_name(&lines[i].text))
            .map(|&(i, _)| lines[i].text.clone());
        if scan.seen_meta {
            head.returned = candidates[k + 1..].iter().map(|&(i, _)| i).collect();
        } else {
            // With no metadata there is no telling where the head ends: everything after the
            // headline is text.
            body_start = at + 1;
        }
    }
    head.body_start = body_start;
    head
}

/// What the walk over an article's first lines found besides the metadata it applied.
struct HeadScan {
    /// Headline-shaped lines before the metadata, with whether a menu line follows each.
    candidates: Vec<(usize, bool)>,
    seen_meta: bool,
    /// The first line that is neither metadata, menu, boilerplate nor a headline candidate.
    body_start: usize,
}

/// Walks the lines until the body starts, applying each metadata line to `head`.
fn scan_head(lines: &[Line], head: &mut Head) -> HeadScan {
    let mut scan = HeadScan {
        candidates: Vec::new(),
        seen_meta: false,
        body_start: lines.len(),
    };
    let mut after_taxonomy = false;
    for (i, line) in lines.iter().enumerate() {
        if line.is_blank() {
            continue;
        }
        let t = line.text.as_str();
        if boilerplate::is_nav(t) {
            if let Some(last) = scan.candidates.last_mut() {
                last.1 = true;
            }
            continue;
        }
        if let Some(m) = classify(t) {
            after_taxonomy = m == Meta::Taxonomy;
            head.apply(m);
            head.meta_lines.push(i);
            scan.seen_meta = true;
            continue;
        }
        if after_taxonomy && taxonomy_continuation(lines, i) {
            continue;
        }
        after_taxonomy = false;
        if !line.heading && boilerplate::is_boilerplate(t) {
            continue;
        }
        if heading_like(line)
            && (!scan.seen_meta || scan.candidates.is_empty())
            && scan.candidates.len() < MAX_CANDIDATES
        {
            scan.candidates.push((i, false));
            continue;
        }
        scan.body_start = i;
        break;
    }
    scan
}

/// Which headline candidate is the title: one the markup marks as a heading, else the last
/// before the metadata, else the first (the second when the first is a site name over a menu).
fn title_candidate(scan: &HeadScan, lines: &[Line]) -> Option<usize> {
    let candidates = &scan.candidates;
    let marked = candidates.iter().position(|&(i, _)| lines[i].heading);
    if candidates.is_empty() {
        None
    } else if marked.is_some() {
        marked
    } else if scan.seen_meta {
        Some(candidates.len() - 1)
    } else if candidates[0].1 && candidates.len() >= 2 {
        // A short line over a menu is the site's name, the next line the headline.
        Some(1)
    } else {
        Some(0)
    }
}

/// A short fragment after a topic line, followed by more metadata: the topic list wrapped
/// onto a second line ("Theme: Militarization and WMD, US NATO" / "War Agenda").
fn taxonomy_continuation(lines: &[Line], i: usize) -> bool {
    let t = &lines[i].text;
    if word_count(t) > 5 || t.ends_with('.') {
        return false;
    }
    lines[i + 1..]
        .iter()
        .find(|l| !l.is_blank())
        .is_some_and(|next| classify(&next.text).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::page::markup;
    use crate::ingest::page::PageKind;

    #[test]
    fn metadata_lines() {
        let byline = |a: &str| {
            Some(Meta::Byline {
                author: a.into(),
                date: None,
            })
        };
        assert_eq!(classify("By Jane Roe"), byline("Jane Roe"));
        assert_eq!(classify("BY JANE ROE"), byline("JANE ROE"));
        assert_eq!(
            classify("By Jane Roe and Omar al-Sayed"),
            byline("Jane Roe and Omar al-Sayed")
        );
        assert_eq!(
            classify("Author: Jane Roe | Staff Writer"),
            byline("Jane Roe")
        );
        assert_eq!(
            classify("By Jane Roe, March 3, 2021"),
            Some(Meta::Byline {
                author: "Jane Roe".into(),
                date: Some("2021-03-03".into())
            })
        );
        assert_eq!(classify("By the end of the week, talks had stalled."), None);
        assert_eq!(classify("By Monday, the road was open"), None);
        assert_eq!(
            classify("Source: The Example Post"),
            Some(Meta::Source {
                outlet: "The Example Post".into(),
                date: None
            })
        );
        assert_eq!(
            classify("Source: https://example.org/a"),
            Some(Meta::Url("https://example.org/a".into()))
        );
        assert_eq!(
            classify("Example Daily, October 26, 2017"),
            Some(Meta::Dateline {
                outlet: "Example Daily".into(),
                date: "2017-10-26".into()
            })
        );
        assert_eq!(
            classify("Example Wire 23 November 2018"),
            Some(Meta::Dateline {
                outlet: "Example Wire".into(),
                date: "2018-11-23".into()
            })
        );
        assert_eq!(
            classify("Published: 30 June 2017 14:33"),
            Some(Meta::Date("2017-06-30".into()))
        );
        assert_eq!(
            classify("Updated on March 4, 2020"),
            Some(Meta::Date("2020-03-04".into()))
        );
        assert_eq!(classify("Theme: Energy, Water"), Some(Meta::Taxonomy));
        assert_eq!(classify("In the end, October 26, 2017"), None);
    }

    #[test]
    fn head_with_masthead_menu_and_date() {
        let text = "Example Gazette\nHome » World » Europe Facebook Twitter\n\nBridge reopens after repairs\n\n\
                    12 March 2022 09:15\n\n\nThe bridge reopened on Saturday.";
        let lines = markup::lines(text, PageKind::Text);
        let head = parse_head(&lines);
        assert_eq!(head.title.as_deref(), Some("Bridge reopens after repairs"));
        assert_eq!(head.masthead.as_deref(), Some("Example Gazette"));
        assert_eq!(head.date.as_deref(), Some("2022-03-12"));
        assert_eq!(
            lines[head.body_start].text,
            "The bridge reopened on Saturday."
        );
    }

    #[test]
    fn head_without_metadata_ends_after_the_title() {
        let lines = markup::lines(
            "Short title\n\nShort first paragraph\n\nMore text.",
            PageKind::Text,
        );
        let head = parse_head(&lines);
        assert_eq!(head.title.as_deref(), Some("Short title"));
        assert_eq!(head.masthead, None);
        let first_body = lines[head.body_start..].iter().find(|l| !l.is_blank());
        assert_eq!(
            first_body.map(|l| l.text.as_str()),
            Some("Short first paragraph")
        );
    }

    #[test]
    fn wrapped_topic_line() {
        let text = "Title\n\nBy Jane Roe\n\nTheme: Energy, Water\n\nPolicy\n\nIn-depth Report: RIVERS\n\nText begins here.";
        let lines = markup::lines(text, PageKind::Text);
        let head = parse_head(&lines);
        assert_eq!(lines[head.body_start].text, "Text begins here.");
    }
}
