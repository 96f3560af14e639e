//! Lists of links to other articles that close an extracted text: a heading the web's page
//! templates share ("You may also like", "Related articles", "More in …", "関連記事", …)
//! followed, to the end of the text, only by short lines (the linked headlines).
//!
//! Engines keep these lists when they sit inside the article's container. The rule needs both
//! the heading and nothing but short lines after it, so an article that ends with its own short
//! list (tour dates, prices, a product list) without such a heading keeps it.

use std::sync::LazyLock;

use regex::Regex;

use super::markup::word_count;

/// Longest line (in words, and in characters for scripts written without spaces) taken for a
/// linked headline.
const HEADLINE_WORDS: usize = 20;
const HEADLINE_CHARS: usize = 150;

/// Headings of related-links lists, in the languages the reader meets most; a whole line.
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^(?:",
        r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)",
        r"|related(?: articles| posts| stories| content| coverage| news| links| reading)?",
        r"|more (?:in|from|on|about) .{1,40}|more (?:news|stories|articles)",
        r"|read (?:more|also|next)|see (?:also|more)|also read|don\W?t miss",
        r"|most (?:read|popular|viewed|shared)|recommended(?: for you| stories| articles)?",
        r"|trending(?: now)?|popular (?:now|stories|articles|posts)",
        r"|latest (?:news|stories|articles|posts)",
        r"|leia (?:também|mais)|veja (?:também|mais)|mais lidas",
        r"|lesen sie auch|mehr zum thema|(?:à )?lire aussi|à voir aussi|leggi anche",
        r"|te puede interesar|lee también",
        r"|関連記事|関連ニュース|相关(?:文章|新闻|阅读)|推荐阅读|관련\s?기사|많이 본.{0,10}",
        r"|читайте также|похожие (?:статьи|новости)",
        r")\s*[.…:]*\s*$",
    ))
    .expect("built-in pattern is valid")
});

/// Where a closing related-links list starts in `paragraphs` (each a paragraph's lines), if
/// the text ends with one. The first paragraph is never taken for a heading.
pub fn list_start(paragraphs: &[Vec<&str>]) -> Option<usize> {
    let is_headline = |p: &Vec<&str>| {
        p.iter()
            .all(|l| word_count(l) <= HEADLINE_WORDS && l.chars().count() <= HEADLINE_CHARS)
    };
    (1..paragraphs.len()).find(|&h| {
        matches!(paragraphs[h].as_slice(), [heading] if HEADING.is_match(heading.trim()))
            && paragraphs[h + 1..].iter().all(is_headline)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraphs<'a>(lines: &[&'a str]) -> Vec<Vec<&'a str>> {
        lines.iter().map(|l| vec![*l]).collect()
    }

    #[test]
    fn a_heading_and_headlines_end_the_text() {
        let p = paragraphs(&[
            "The band announced its tour on Monday night in Nashville.",
            "You may also like...",
            "Who will make the Rock Hall in 2020?",
            "Fans vote for the band",
        ]);
        assert_eq!(list_start(&p), Some(1));
        let p = paragraphs(&["本文です。", "関連記事", "ソフトの使い方"]);
        assert_eq!(list_start(&p), Some(1));
    }

    #[test]
    fn own_lists_and_long_text_after_a_heading_stay() {
        // No heading: an article's own list of dates is text.
        let p = paragraphs(&[
            "The tour stops in:",
            "September 12 – Mountain View",
            "October 3 – Phoenix",
        ]);
        assert_eq!(list_start(&p), None);
        // Prose after the heading: the heading is a subheading of the article.
        let p = paragraphs(&[
            "First paragraph.",
            "Related coverage",
            "The council also voted on the budget, which grows by four percent next year after a long debate among the members and many residents of the town.",
        ]);
        assert_eq!(list_start(&p), None);
    }
}
