//! Lines that belong to the page, not the article: legal disclaimers, copyright and
//! republication notices, share/subscribe/membership prompts, "comment on … Facebook" links,
//! author-index links, navigation crumbs and social-button rows, photo credits, topic lists.
//!
//! Each rule matches a whole line and is written for the phrasing sites share, not for one site;
//! rules that could also match a sentence of an article are limited to short lines.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::markup::word_count;

fn set(patterns: &[&str]) -> RegexSet {
    RegexSet::new(patterns.iter().map(|p| format!("(?i){p}"))).expect("built-in pattern is valid")
}

/// Topic lists: "Region: …", "Theme: …", "Tags: …".
static TAXONOMY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?i:regions?|themes?|in-depth reports?|tags?|topics?|categor(?:y|ies)|filed under|keywords|sections?|subjects?)\s*:",
    )
    .expect("built-in pattern is valid")
});

/// Whether `line` is a topic list ("Region: …", "Theme: …", "Tags: …").
pub fn taxonomy(line: &str) -> bool {
    TAXONOMY.is_match(line)
}

/// Lines that mark the end of the article text: what follows them on the page is footer.
static FOOTER: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"^disclaimer\b",
        r"^(?:copyright\b|©|\(c\)\s*(?:19|20)\d\d)",
        r"\ball rights reserved\b",
        r"^the original source of this article is\b",
        r"\bcopyrighted material\b.*\b(?:fair use|copyright owner)\b",
    ])
});

/// Footer-like lines that may only be recognised when short (they could be a sentence).
static SHORT_FOOTER: LazyLock<RegexSet> = LazyLock::new(|| set(&[r"©"]));
const SHORT_FOOTER_WORDS: usize = 40;

/// Prompts, links and credits dropped wherever they stand.
static PROMPTS: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"^note to readers?\b",
        r"\bshare buttons?\b",
        r"\bforward this (?:article|story|post|piece)\b",
        r"\bcross-?post (?:it |this )?on\b",
        r"^become an? (?:member|patron|subscriber|supporter|donor)\b",
        r"\bcomment on\b.*\bfacebook\b",
        r"^(?:leave|post|add|write) a (?:comment|reply)\b",
        r"^(?:follow|like|join|find) us on\b",
        r"^articles? by\s*:",
        r"^(?:more|other|all|latest) (?:articles|stories|posts|news) (?:by|from)\b",
        r"^for (?:media|press) (?:inquiries|enquiries|contact)\b",
        r"^(?:media|press) (?:inquiries|enquiries|contact)\s*:",
    ])
});

/// Prompts recognised only on short lines, where they cannot be article sentences.
static SHORT_PROMPTS: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"^(?:share|tweet|email|e-mail|print|pin|save)(?: (?:this|it|on|via|the|to|article|story|page|post|link)\b.*)?\s*:?$",
        r"^(?:subscribe|sign up)\b.*\b(?:newsletter|our|free|now|today|updates|channel|list|here)\b",
        r"^(?:donate|support us|support our|support independent)\b",
        r"^related(?: articles| posts| stories| content| coverage| news)?\s*:?$",
        r"^(?:read more|continue reading|scroll up|scroll to top|back to top|top of page|print this (?:page|article)|email this (?:page|article)|click here)\b",
        r"^(?:next|previous|prev) (?:article|story|post)\b",
        r"\b(?:image|photo|picture|video|graphic) (?:source|credits?)\s*:",
        r"^(?:photo|image|picture|credits?|file photo)\s*:",
        r"^(?:advert|advertisement|ads?|sponsored(?: links| content)?|this slideshow requires javascript\.?)$",
    ])
});
const SHORT_PROMPT_WORDS: usize = 25;

/// Template lines extraction engines keep inside an HTML article: inline promos for other
/// stories ("READ MORE: …", "DON'T MISS …", "Also on example.com …"), reader prompts, and —
/// on short lines — gallery counters, "Updated:" / "First published" stamps and tag headings.
/// Applied to engine text only: in a saved text page such a stamp is part of its head.
static TEMPLATE: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"^(?:see more|read more|read also|also read|related|more)\s*:",
        r"^don\W?t miss\b",
        r"^also on [\w-]+\.[a-z.]{2,6}\b",
        r"^like this (?:story|article)\?",
        r"^tell us what you think\b",
    ])
});
static SHORT_TEMPLATE: LazyLock<RegexSet> = LazyLock::new(|| {
    set(&[
        r"^(?:image|photo|picture|slide) \d+ of \d+\b",
        r"^(?:first published|last updated|updated|published)(?: on| at)?\s*:?\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d)",
        r"^related tags\s*:?$",
        r"^tags?\s*:?$",
        r"^photo gallery$",
    ])
});
const SHORT_TEMPLATE_WORDS: usize = 12;

/// Whether `line` of an engine's article text is page-template furniture (see [`TEMPLATE`]).
pub fn is_template_line(line: &str) -> bool {
    TEMPLATE.is_match(line)
        || (word_count(line) <= SHORT_TEMPLATE_WORDS && SHORT_TEMPLATE.is_match(line))
}

/// Social network names; a run of them is a row of share or follow buttons.
const SOCIAL: &[&str] = &[
    "facebook",
    "twitter",
    "youtube",
    "instagram",
    "telegram",
    "whatsapp",
    "linkedin",
    "reddit",
    "pinterest",
    "tiktok",
    "vk",
    "vkontakte",
    "rss",
    "email",
    "e-mail",
    "print",
    "flipboard",
    "mastodon",
    "gab",
    "rumble",
    "odnoklassniki",
    "messenger",
    "viber",
    "tumblr",
];

static CRUMB_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:home|start|main)\s*(?:»|›|>|/|\||::|→)")
        .expect("built-in pattern is valid")
});
static CRUMB_SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s(?:»|›|>|\||::|→|/)\s").expect("built-in pattern is valid"));
static READ_MORE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)([.!?"”’)])\s+(?:read more|continue reading|more)\s*(?:»|›|→|\.\.\.|…)?\s*$"#)
        .expect("built-in pattern is valid")
});

/// Whether `line` ends the article: copyright line, legal disclaimer, republication notice.
pub fn is_footer_marker(line: &str) -> bool {
    FOOTER.is_match(line) || (word_count(line) <= SHORT_FOOTER_WORDS && SHORT_FOOTER.is_match(line))
}

/// Whether `line` is page furniture rather than article text.
pub fn is_boilerplate(line: &str) -> bool {
    is_footer_marker(line)
        || PROMPTS.is_match(line)
        || (word_count(line) <= SHORT_PROMPT_WORDS && SHORT_PROMPTS.is_match(line))
        || taxonomy(line)
        || is_nav(line)
}

/// Whether `line` is navigation: breadcrumbs (`Home » World » Europe`), menus split by `|`,
/// or a row of social-network buttons.
pub fn is_nav(line: &str) -> bool {
    if CRUMB_START.is_match(line) {
        return true;
    }
    let separators = CRUMB_SEPARATOR.find_iter(line).count();
    if separators >= 2 && !is_table_row(line) {
        let parts = separators + 1;
        // Crumbs are a few words each; prose with slashes or pipes has long stretches between.
        if word_count(line) <= parts * 4 && !line.ends_with('.') {
            return true;
        }
    }
    let mut run = 0;
    for token in line.split(|c: char| c.is_whitespace() || c == '|' || c == '•' || c == '·') {
        let t = token
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
            .to_lowercase();
        if t.is_empty() {
            continue;
        }
        if SOCIAL.contains(&t.as_str()) {
            run += 1;
            if run >= 2 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Whether `line` is a table row written with `|` between cells and numbers in two or more of
/// them (standings, prices): crumbs and menus name pages, they do not hold figures.
fn is_table_row(line: &str) -> bool {
    let numeric = |cell: &str| {
        let cell = cell.trim().trim_end_matches('%');
        !cell.is_empty()
            && cell
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+'))
            && cell.chars().any(|c| c.is_ascii_digit())
    };
    line.contains('|') && line.split('|').filter(|c| numeric(c)).count() >= 2
}

/// Removes a trailing "More" / "Read more" link left at the end of a paragraph.
pub fn strip_read_more(paragraph: &str) -> String {
    READ_MORE_TAIL.replace(paragraph, "$1").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_are_not_menus() {
        assert!(is_nav("Home | World | Europe | Sport"));
        assert!(!is_nav("1 | Kyle Busch | 5040 | 5 | 1 | 17 | 27"));
        assert!(!is_nav(
            "HD | THE HOME DEPOT INC. | 225.86 | -12.99 | -5.44%"
        ));
    }

    #[test]
    fn footer_and_prompts() {
        for line in [
            "Disclaimer: The contents of this article are the sole responsibility of the author.",
            "Copyright © Jane Roe, Example Daily, 2019",
            "The original source of this article is Example Daily",
            "Comment on Example Daily Articles on our Facebook page",
            "Become a Member of Example Daily",
            "Articles by: Jane Roe",
            "Note to readers: please click the share buttons above.",
            "Share this article:",
            "Scroll Up",
            "Home » World » Middle East",
            "Facebook Twitter Youtube",
            "News | Opinion | Sport | Culture",
            "Region: Europe",
            "Liberation of the town. Image source: Example Agency",
            "For media inquiries: press@example.org",
            "example.org contains copyrighted material the use of which is \"fair use\" by the copyright owner",
        ] {
            assert!(is_boilerplate(line), "{line}");
        }
    }

    #[test]
    fn article_sentences_stay() {
        for line in [
            "Share prices fell sharply on Monday.",
            "The ministry said it would share the findings with Facebook and Twitter users.",
            "By the end of the year, the copyright reform had passed.",
            "The road runs from Homs to Palmyra / Deir Ezzor and then east.",
            "Supporters of the plan said it would create jobs.",
            "More than 200 people attended the meeting.",
        ] {
            assert!(!is_boilerplate(line), "{line}");
        }
    }

    #[test]
    fn read_more_tail() {
        assert_eq!(strip_read_more("He left. More"), "He left.");
        assert_eq!(strip_read_more("He left. Read more »"), "He left.");
        assert_eq!(strip_read_more("We need more"), "We need more");
    }
}
