//! Republication notices: the lines and sentences that name where an article first appeared
//! ("The original source of this article is X", "Originally published by X", "… at X, where this
//! article was first published"). The outlet they name becomes `original_source`.

use std::sync::LazyLock;

use regex::Regex;

use super::date;
use super::markup::word_count;
use super::meta::{as_url, clean_name, outlet_name};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern is valid")
}

static NOTICE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?i:the original source of this article is)\s+(?P<rest>.+)$"));
static NOTICE_END: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\s*(?:\bcopyright\b|©).*$"));
static ORIGINALLY_PUBLISHED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?i:(?:this (?:article|piece|story|report) (?:was|is) )?(?:originally|first) (?:published|appeared)(?: (?:on|in|by|at))?)\s*:?\s+(?P<rest>.+)$",
    )
});
/// "… at `<Outlet>` where this article was first published".
static WHERE_FIRST_PUBLISHED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:at|on|by|in|for|with)\s+(?P<name>(?:[Tt]he\s+)?[A-Z][\w'&.-]*(?:\s+(?:[A-Z][\w'&.-]*|of|the|and|for|&))*)\s*,?\s+where\s+(?i:this|the)\s+(?i:article|piece|story|report)\s+was\s+(?i:first|originally)\s+published",
    )
});
/// "This article was first published by `<Outlet>`" inside a longer sentence.
static FIRST_PUBLISHED_BY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i:(?:first|originally)\s+(?:published|appeared))\s+(?i:on|in|by|at)\s+(?P<name>(?:[Tt]he\s+)?[A-Z][\w'&.-]*(?:\s+(?:[A-Z][\w'&.-]*|of|the|and|for|&))*)",
    )
});

/// The outlet a republication notice names: "The original source of this article is X",
/// "Originally published by X".
pub fn original_source_notice(line: &str) -> Option<String> {
    if let Some(c) = NOTICE.captures(line) {
        let rest = NOTICE_END.replace(&c["rest"], "");
        return clean_name(&rest);
    }
    let c = ORIGINALLY_PUBLISHED.captures(line)?;
    if word_count(line) > 20 {
        return None;
    }
    let rest = c["rest"].trim();
    if as_url(rest).is_some() {
        return None;
    }
    clean_name(rest).filter(|n| date::parse(n).is_none() && outlet_name(n))
}

/// The outlet a sentence says the article first appeared at ("… at X where this article was
/// first published"); the sentence itself stays in the text.
pub fn first_published(line: &str) -> Option<String> {
    let c = WHERE_FIRST_PUBLISHED
        .captures(line)
        .or_else(|| FIRST_PUBLISHED_BY.captures(line))?;
    let name = clean_name(&c["name"])?;
    // "a correspondent for the Valley Courier": a lower-case article is the sentence's, not
    // the name's ("The Duran" keeps its capital).
    let name = name.strip_prefix("the ").map_or(name.clone(), String::from);
    let first = name.split_whitespace().next().unwrap_or_default();
    (date::month(first).is_none() && outlet_name(&name)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices() {
        assert_eq!(
            original_source_notice("The original source of this article is Example Wire Copyright © Example Wire, 2018")
                .as_deref(),
            Some("Example Wire")
        );
        assert_eq!(
            original_source_notice("This article was originally published by The Example Post.")
                .as_deref(),
            Some("The Example Post")
        );
        assert_eq!(
            original_source_notice("First published in March 2017."),
            None
        );
        assert_eq!(
            first_published("Jane Roe is a reporter at River Media Centre where this article was first published.")
                .as_deref(),
            Some("River Media Centre")
        );
        assert_eq!(
            first_published("It was first published in March 2017."),
            None
        );
        assert_eq!(
            first_published(
                "She writes for the Valley Courier, where this article was first published."
            )
            .as_deref(),
            Some("Valley Courier")
        );
    }
}
