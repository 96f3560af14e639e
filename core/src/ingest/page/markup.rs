//! Text clean-up shared by every page kind: line endings, odd whitespace, inline HTML tags,
//! entities and Markdown markup, so that the later rules see plain words.
//!
//! Saved pages arrive as Markdown conversions even when named `.txt`, so Markdown clean-up runs
//! for every kind. Blank lines are kept: how many separate two blocks is a signal the
//! comment-thread and article-split rules read.

use std::sync::LazyLock;

use regex::Regex;

use super::PageKind;

/// One line of a page after clean-up. An empty `text` is a blank line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// Marked as a heading by the page itself (`# Title`, `Title\n===`, `<h1>`), which makes it
    /// the best title candidate whatever its punctuation.
    pub heading: bool,
}

impl Line {
    pub fn is_blank(&self) -> bool {
        self.text.is_empty()
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern is valid")
}

static ATX_HEADING: LazyLock<Regex> = LazyLock::new(|| re(r"^#{1,6}\s+(.*?)(?:\s+#+)?$"));
static SETEXT_RULE: LazyLock<Regex> = LazyLock::new(|| re(r"^=+$"));
static BLOCKQUOTE: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:>\s?)+"));
static BULLET: LazyLock<Regex> = LazyLock::new(|| re(r"^[*+]\s+"));
static IMAGE: LazyLock<Regex> = LazyLock::new(|| re(r"!\[[^\]]*\]\([^)]*\)"));
static LINK: LazyLock<Regex> =
    LazyLock::new(|| re(r#"\[([^\]]*)\]\(\s*[^)\s]*(?:\s+"[^"]*")?\s*\)"#));
static REF_LINK: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]]+)\]\[[^\]]*\]"));
static REF_DEF: LazyLock<Regex> = LazyLock::new(|| re(r"^\[[^\]]+\]:\s+\S+.*$"));
static AUTOLINK: LazyLock<Regex> = LazyLock::new(|| re(r"<((?:https?|mailto):[^<>\s]+)>"));
static INLINE_TAG: LazyLock<Regex> =
    LazyLock::new(|| re(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>"));
static STRONG: LazyLock<Regex> = LazyLock::new(|| re(r"\*\*(\S(?:.*?\S)?)\*\*"));
static STRONG_UNDERSCORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(^|[^\w])__(\S(?:.*?\S)?)__([^\w]|$)"));
static EM: LazyLock<Regex> = LazyLock::new(|| re(r"\*(\S(?:[^*]*?\S)?)\*"));
static EM_UNDERSCORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(^|[^\w])_(\S(?:[^_]*?\S)?)_([^\w]|$)"));
static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"`([^`]+)`"));
static ENTITY: LazyLock<Regex> =
    LazyLock::new(|| re(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});"));
/// Lines made only of markup characters: rules (`---`, `* * *`), stray emphasis markers.
static MARKUP_ONLY: LazyLock<Regex> = LazyLock::new(|| re(r"^[\s*_#>|=~`\-•·]+$"));
static SPACES: LazyLock<Regex> = LazyLock::new(|| re(r" {2,}"));

/// Splits `text` into cleaned lines.
pub fn lines(text: &str, kind: PageKind) -> Vec<Line> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: Vec<Line> = Vec::new();
    for raw in text.split('\n') {
        let mut t = normalize_whitespace(raw);
        if SETEXT_RULE.is_match(&t) {
            // `Title` underlined with `===` is a first-level heading; the rule itself is markup.
            if let Some(prev) = out.last_mut().filter(|l| !l.is_blank()) {
                prev.heading = true;
            }
            out.push(Line::default());
            continue;
        }
        let mut heading = false;
        if let Some(c) = ATX_HEADING.captures(&t) {
            heading = true;
            t = c[1].to_string();
        }
        if kind == PageKind::Markdown {
            // In plain-text pages a leading `>` is usually a quoted reply in a comment; only
            // Markdown uses it as blockquote markup.
            t = BLOCKQUOTE.replace(&t, "").into_owned();
        }
        let text = clean_inline(&t, kind);
        let heading = heading && !text.is_empty();
        out.push(Line { text, heading });
    }
    out
}

/// Maps the many space characters of web text to plain spaces, drops invisible ones and
/// control characters (which lossy decoding of near-binary input leaves behind).
pub fn normalize_whitespace(raw: &str) -> String {
    let mapped: String = raw
        .chars()
        .filter_map(|c| match c {
            '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\t' => {
                Some(' ')
            }
            '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    SPACES.replace_all(mapped.trim(), " ").into_owned()
}

/// Inline clean-up of one line: links kept as their text, images and reference definitions
/// dropped, inline tags and emphasis markers removed, entities decoded.
fn clean_inline(t: &str, kind: PageKind) -> String {
    if t.is_empty() {
        return String::new();
    }
    if REF_DEF.is_match(t) {
        return String::new();
    }
    let mut s = t.to_string();
    if BULLET.is_match(&s) {
        // A `* item` bullet would otherwise look like an opening emphasis marker.
        s = BULLET.replace(&s, "- ").into_owned();
    }
    s = IMAGE.replace_all(&s, "").into_owned();
    s = LINK.replace_all(&s, "$1").into_owned();
    s = REF_LINK.replace_all(&s, "$1").into_owned();
    s = AUTOLINK.replace_all(&s, "$1").into_owned();
    if kind != PageKind::Html {
        // Text extracted from HTML is already free of tags and entities; a literal `<b>` in it
        // was written as text by the page.
        s = INLINE_TAG.replace_all(&s, "").into_owned();
        s = decode_entities(&s);
    }
    s = STRONG.replace_all(&s, "$1").into_owned();
    s = STRONG_UNDERSCORE.replace_all(&s, "$1$2$3").into_owned();
    s = EM.replace_all(&s, "$1").into_owned();
    s = EM_UNDERSCORE.replace_all(&s, "$1$2$3").into_owned();
    s = CODE.replace_all(&s, "$1").into_owned();
    // Emphasis that a line wrap cut in two leaves unpaired `**` behind.
    s = s.replace("**", "");
    if MARKUP_ONLY.is_match(&s) {
        return String::new();
    }
    normalize_whitespace(&s)
}

/// Decodes the HTML entities that survive in Markdown conversions of web pages.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    ENTITY
        .replace_all(s, |c: &regex::Captures<'_>| {
            let name = &c[1];
            let decoded = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                named_entity(name)
            };
            decoded.map_or_else(|| c[0].to_string(), String::from)
        })
        .into_owned()
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "copy" => '©',
        _ => return None,
    })
}

/// Number of words in `s`.
pub fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        lines(s, PageKind::Text)
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    #[test]
    fn links_keep_their_text_and_emphasis_goes() {
        assert_eq!(
            texts("By [Jane Roe](#) and **bold** and *it* and _u_ ![img](x.png)"),
            vec!["By Jane Roe and bold and it and u"]
        );
        assert_eq!(
            texts("mail [a@b.example](mailto:a@b.example)"),
            vec!["mail a@b.example"]
        );
        assert_eq!(
            texts("snake_case_name stays"),
            vec!["snake_case_name stays"]
        );
    }

    #[test]
    fn headings_are_marked_and_rules_dropped() {
        let l = lines("# Title here\n\n---\n*\nText\n===", PageKind::Markdown);
        assert!(l[0].heading);
        assert_eq!(l[0].text, "Title here");
        assert!(l[2].is_blank() && l[3].is_blank());
        assert!(l[4].heading, "setext underline marks the line above");
    }

    #[test]
    fn odd_spaces_and_tags_are_normalized() {
        assert_eq!(
            texts("\u{a0}\u{a0} A\u{a0}\u{a0}<u>b</u>\u{200b} c &amp; d\r\n"),
            vec!["A b c & d", ""]
        );
    }

    #[test]
    fn blockquotes_only_stripped_in_markdown() {
        assert_eq!(lines("> quoted", PageKind::Markdown)[0].text, "quoted");
        assert_eq!(lines(">quoted", PageKind::Text)[0].text, ">quoted");
    }
}
