//! The article-extraction engine: an HTML page → its main text and, apart from it, the text of
//! its reader-comment section.
//!
//! Engine: `rs-trafilatura` (a Rust port of trafilatura), chosen by measurement on the 181 real
//! news pages of `../shared/data/article_extraction` (`benches/scripts/extraction.sh` with
//! `SLANT_EXTRACTION_ENGINE=trafilatura|smoothie` scores each engine alone). Alone it scored body
//! F1 0.957 against `dom_smoothie`'s 0.946 (a Readability.js port), and it separates the comment
//! section from the article, which slant needs (comments never go into the body). Engines are
//! maintained by people who follow what the web's page templates do; slant's own hand-written
//! walk of the HTML (`html.rs`) is kept only as the last fallback.
//!
//! When trafilatura finds no text, `dom_smoothie` is asked (its Readability scoring finds text
//! on some pages trafilatura's rules discard), then slant's walk.

use rs_trafilatura::{extract_with_options, Options};

use super::html;

/// What the engine made of a page.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// The article text, paragraphs on their own lines.
    pub text: String,
    /// The text of the comment section, when the page has one.
    pub comments: Option<String>,
    /// Which engine gave the text (`trafilatura`, `dom_smoothie`, `slant`).
    pub engine: &'static str,
    /// What the engine read from the page's visible byline and head, used only where the
    /// page's own metadata (see `html_meta`) says nothing.
    pub author: Option<String>,
    pub date: Option<String>,
    pub site_name: Option<String>,
    pub language: Option<String>,
}

/// Extracts the article of `page` (decoded HTML).
pub fn extract(page: &str) -> Extraction {
    let options = Options {
        include_comments: true,
        ..Options::default()
    };
    let trafilatura = extract_with_options(page, &options).ok();
    let mut out = Extraction::default();
    if let Some(r) = &trafilatura {
        out.author = r.metadata.author.clone();
        out.date = r.metadata.date.map(|d| d.format("%Y-%m-%d").to_string());
        out.site_name = r.metadata.sitename.clone();
        out.language = r.metadata.language.clone();
        out.comments = r.comments_text.clone().filter(|c| !c.trim().is_empty());
        if !r.content_text.trim().is_empty() {
            out.text = r.content_text.clone();
            out.engine = "trafilatura";
            return out;
        }
    }
    if let Some(text) = smoothie(page) {
        out.text = text;
        out.engine = "dom_smoothie";
        return out;
    }
    out.text = html::to_text(page);
    out.engine = "slant";
    out
}

/// The text `dom_smoothie` finds, if any.
fn smoothie(page: &str) -> Option<String> {
    let mut readability = dom_smoothie::Readability::new(page, None, None).ok()?;
    let article = readability.parse().ok()?;
    let text = article.text_content.to_string();
    (!text.trim().is_empty()).then_some(text)
}
