//! slant's own walk of an HTML page → text lines: the last fallback of `engine` when neither
//! extraction engine finds text (its page metadata moved to `html_meta`).
//!
//! Block elements become line breaks so the text rules see the page's structure; scripts,
//! styles, menus, forms, sidebars, figure captions and elements whose class or id names them as
//! share bars, breadcrumbs, newsletters or adverts are dropped. `<h1>` becomes a `# ` line: the
//! page's own mark of its headline. The walk is iterative, so deeply nested markup cannot
//! exhaust the stack.
//!
//! The HTML parser's work grows with tag count times nesting depth (each start tag checks the
//! open elements), so a hostile page of nested `<div>`s would take hours. Pages whose estimated
//! cost is over [`MAX_PARSE_COST`] are converted by plain tag stripping instead.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Node};

use super::markup;

/// Largest sum, over start tags, of the nesting depth at that tag, for which the HTML parser is
/// used. Real pages are far below (tens of thousands of tags at depth 10–50).
pub const MAX_PARSE_COST: u64 = 20_000_000;

/// Elements whose content is never article text.
const SKIP: &[&str] = &[
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "iframe",
    "svg",
    "form",
    "button",
    "select",
    "aside",
    "figcaption",
    "menu",
    "dialog",
    "canvas",
    "object",
    "video",
    "audio",
];
/// Elements that start a new block of text.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "article",
    "section",
    "header",
    "main",
    "pre",
    "table",
    "tr",
    "figure",
    "hr",
    "address",
    "body",
    "html",
    "details",
    "summary",
    "center",
];
/// Class or id words marking page furniture.
const FURNITURE: &[&str] = &[
    "share",
    "sharing",
    "social",
    "breadcrumb",
    "breadcrumbs",
    "newsletter",
    "related",
    "advert",
    "advertisement",
    "ads",
    "ad",
    "cookie",
    "cookies",
    "promo",
    "subscribe",
    "sidebar",
    "popup",
    "modal",
    "menu",
    "navbar",
    "sharebar",
    "socials",
];

/// Converts an HTML document to text (blocks separated by blank lines).
pub fn to_text(html: &str) -> String {
    if parse_cost(html) > MAX_PARSE_COST {
        return strip_tags(html);
    }
    let doc = Html::parse_document(html);
    let mut out = String::new();
    // Explicit stack of (node, closing) instead of recursion.
    let mut stack = vec![(doc.tree.root(), false)];
    while let Some((node, closing)) = stack.pop() {
        match node.value() {
            Node::Text(t) => push_text(&mut out, t),
            Node::Element(e) => {
                let name = e.name();
                if closing {
                    if BLOCK.contains(&name) {
                        out.push_str("\n\n");
                    }
                    continue;
                }
                if SKIP.contains(&name) || is_furniture(e) {
                    continue;
                }
                match name {
                    "br" => out.push('\n'),
                    "h1" => out.push_str("\n\n# "),
                    "td" | "th" => out.push(' '),
                    "li" => out.push_str("\n\n- "),
                    n if BLOCK.contains(&n) => out.push_str("\n\n"),
                    _ => {}
                }
                stack.push((node, true));
                stack.extend(node.children().rev().map(|c| (c, false)));
            }
            Node::Document | Node::Fragment => {
                stack.extend(node.children().rev().map(|c| (c, false)));
            }
            _ => {}
        }
    }
    tidy(&out)
}

/// Appends a text node with HTML whitespace collapsed to single spaces.
fn push_text(out: &mut String, t: &str) {
    let mut pending_space = t.starts_with(|c: char| c.is_ascii_whitespace());
    for word in t.split_ascii_whitespace() {
        if pending_space && !out.is_empty() && !out.ends_with([' ', '\n']) {
            out.push(' ');
        }
        out.push_str(word);
        pending_space = true;
    }
    if t.ends_with(|c: char| c.is_ascii_whitespace()) && !out.ends_with([' ', '\n']) {
        out.push(' ');
    }
}

/// Trims every line and keeps at most one blank line between blocks.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line == "#" || line == "-" {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

/// Elements the parser closes by itself; unclosed ones do not deepen the tree.
const SELF_CLOSING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option",
];

/// Estimates the parser's work: the sum of the nesting depth at every start tag.
fn parse_cost(html: &str) -> u64 {
    let bytes = html.as_bytes();
    let (mut depth, mut cost) = (0u64, 0u64);
    let mut i = 0;
    while let Some(off) = find_lt(&bytes[i..]) {
        let at = i + off + 1;
        i = at;
        let closing = bytes.get(at) == Some(&b'/');
        let name_start = at + usize::from(closing);
        let name_len = bytes[name_start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        if SELF_CLOSING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            cost = cost.saturating_add(depth);
        }
    }
    cost
}

fn find_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

static SCRIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<script\b.*?</script\s*>").expect("built-in pattern is valid")
});
static STYLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<style\b.*?</style\s*>").expect("built-in pattern is valid")
});
static BLOCK_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)</?(?:p|div|h[1-6]|li|ul|ol|blockquote|article|section|header|main|pre|table|tr|br|hr)\b[^>]*>")
        .expect("built-in pattern is valid")
});
static ANY_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("built-in pattern is valid"));

/// Text of a page too costly to parse: scripts and styles dropped, block tags as blank lines,
/// other tags removed, entities decoded.
fn strip_tags(html: &str) -> String {
    let s = SCRIPT.replace_all(html, "");
    let s = STYLE.replace_all(&s, "");
    let s = BLOCK_TAG.replace_all(&s, "\n\n");
    let s = ANY_TAG.replace_all(&s, "");
    let text: String = s
        .lines()
        .map(|l| markup::decode_entities(&l.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect::<Vec<_>>()
        .join("\n");
    tidy(&text)
}

fn is_furniture(e: &scraper::node::Element) -> bool {
    if e.attr("hidden").is_some() || e.attr("aria-hidden") == Some("true") {
        return true;
    }
    if matches!(
        e.attr("role"),
        Some("navigation" | "banner" | "complementary" | "contentinfo")
    ) {
        return e.name() != "body";
    }
    let names = e.attr("class").into_iter().chain(e.attr("id"));
    names
        .flat_map(|v| v.split(|c: char| c.is_whitespace() || c == '-' || c == '_'))
        .any(|w| FURNITURE.contains(&w.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_and_furniture_goes() {
        let text = to_text(
            "<html><head><title>Bridge reopens | Example Gazette</title>\
             <meta property='og:site_name' content='Example Gazette'>\
             <meta property='article:published_time' content='2022-03-12T09:15:00Z'>\
             <script>var x = 1;</script></head><body>\
             <nav><a href='/'>Home</a></nav><div class='share-bar'>Share on Facebook</div>\
             <h1>Bridge  reopens</h1><p>The bridge <b>reopened</b>\n on Saturday.<br>Traffic flows.</p>\
             <ul><li>One</li><li>Two</li></ul><style>p{}</style></body></html>",
        );
        assert_eq!(
            text,
            "# Bridge reopens\n\nThe bridge reopened on Saturday.\nTraffic flows.\n\n- One\n\n- Two"
        );
    }

    #[test]
    fn deep_nesting_is_stripped_not_parsed() {
        let html = "<div>".repeat(100_000) + "deep <b>text</b>" + &"</div>".repeat(100_000);
        assert!(parse_cost(&html) > MAX_PARSE_COST);
        let started = std::time::Instant::now();
        let text = to_text(&html);
        assert_eq!(text, "deep text");
        assert!(
            started.elapsed().as_secs() < 10,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn ordinary_pages_are_parsed() {
        let page = format!(
            "<html><body>{}</body></html>",
            "<div><p>Text</p></div>".repeat(5_000)
        );
        assert!(parse_cost(&page) < MAX_PARSE_COST / 100);
    }
}
