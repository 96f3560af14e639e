//! What an HTML page states about its article — title, authors, publication date, site name,
//! canonical URL, language — read from its markup in order of trust, with where each field came
//! from.
//!
//! Trust, highest first: the JSON-LD `NewsArticle` (or other `…Article`/`BlogPosting`) object the
//! publishing system writes for search engines, then Open Graph `<meta property="og:…">`, then
//! plain `<meta name>` tags, `<title>` and `<html lang>`. The visible byline comes last and is
//! added by the caller (see `mod.rs`). For the URL the page's `<link rel="canonical">` goes first:
//! it is the canonical URL by definition.
//!
//! Only the `<head>` is parsed (with `scraper`) and the JSON-LD blocks found by a pattern: the
//! body is parsed once, by the extraction engine, which keeps the reader fast.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use serde_json::Value;

use super::date;
use super::markup;

/// A page's metadata, each field with the name of its source in `provenance`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeta {
    pub title: Option<String>,
    pub site_name: Option<String>,
    /// Authors joined by ", ".
    pub author: Option<String>,
    /// ISO 8601 (`2019-03-14`) when readable, otherwise as written.
    pub date: Option<String>,
    pub url: Option<String>,
    /// BCP 47 tag (`en`, `en-US`).
    pub language: Option<String>,
    /// Field name → source (`json-ld`, `open-graph`, `meta`, `title`, `canonical-link`,
    /// `html-lang`, `byline`).
    pub provenance: BTreeMap<String, String>,
}

/// The fields of [`PageMeta`], named as in `Article` and in `provenance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    SiteName,
    Author,
    Date,
    Url,
    Language,
}

impl Field {
    /// The name of the field in `provenance` (the `Article` field it fills).
    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::SiteName => "outlet",
            Field::Author => "author",
            Field::Date => "date",
            Field::Url => "url",
            Field::Language => "language",
        }
    }
}

impl PageMeta {
    /// Sets `field` to `value` from `source` unless a more trusted source set it already.
    pub fn offer(&mut self, field: Field, value: &str, source: &str) {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        if value.is_empty() {
            return;
        }
        let value = match field {
            Field::Date => date::iso_or_text(&value),
            Field::Language => bcp47(&value),
            Field::Author if looks_like_url(&value) => return,
            _ => value,
        };
        let slot = match field {
            Field::Title => &mut self.title,
            Field::SiteName => &mut self.site_name,
            Field::Author => &mut self.author,
            Field::Date => &mut self.date,
            Field::Url => &mut self.url,
            Field::Language => &mut self.language,
        };
        if slot.is_none() {
            *slot = Some(value);
            self.provenance
                .insert(field.name().to_string(), source.to_string());
        }
    }
}

fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("built-in selector is valid")
}

static BODY_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<body[\s>]").expect("built-in pattern is valid"));
static H1: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<h1\b[^>]*>(.*?)</h1\s*>").expect("built-in pattern is valid")
});
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("built-in pattern is valid"));
static JSON_LD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<script\b[^>]*application/ld\+json[^>]*>(.*?)</script\s*>"#)
        .expect("built-in pattern is valid")
});

/// `<meta>` tags by the attribute naming them, value in `content`, in order of preference
/// within their tier.
const OPEN_GRAPH: &[(Field, &str)] = &[
    (Field::Title, "og:title"),
    (Field::SiteName, "og:site_name"),
    (Field::Url, "og:url"),
    (Field::Date, "article:published_time"),
    (Field::Author, "article:author"),
    (Field::Language, "og:locale"),
];
const META_NAMES: &[(Field, &str)] = &[
    (Field::Author, "author"),
    (Field::Author, "parsely-author"),
    (Field::Author, "sailthru.author"),
    (Field::Author, "dc.creator"),
    (Field::Author, "byl"),
    (Field::Date, "date"),
    (Field::Date, "pubdate"),
    (Field::Date, "publishdate"),
    (Field::Date, "publish-date"),
    (Field::Date, "publication_date"),
    (Field::Date, "parsely-pub-date"),
    (Field::Date, "sailthru.date"),
    (Field::Date, "dc.date"),
    (Field::Date, "dc.date.issued"),
    (Field::Date, "dcterms.created"),
    (Field::Date, "citation_publication_date"),
    (Field::Title, "twitter:title"),
    (Field::Title, "parsely-title"),
    (Field::SiteName, "application-name"),
    (Field::SiteName, "publisher"),
];

static META: LazyLock<Selector> = LazyLock::new(|| selector("meta[content]"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static CANONICAL: LazyLock<Selector> = LazyLock::new(|| selector("link[rel~='canonical'][href]"));
static HTML_LANG: LazyLock<Selector> = LazyLock::new(|| selector("html[lang]"));

/// Reads the metadata the markup of `html` states.
pub fn read(html: &str) -> PageMeta {
    let mut meta = PageMeta::default();
    let head_end = BODY_START.find(html).map_or(html.len(), |m| m.start());
    let head = Html::parse_document(&html[..head_end]);

    if let Some(link) = head.select(&CANONICAL).next() {
        meta.offer(
            Field::Url,
            link.attr("href").unwrap_or_default(),
            "canonical-link",
        );
    }
    if html.contains("ld+json") {
        for block in JSON_LD.captures_iter(html) {
            json_ld(&block[1], &mut meta);
        }
    }
    let tags: Vec<(String, &str)> = head
        .select(&META)
        .filter_map(|m| {
            let e = m.value();
            let key = e
                .attr("property")
                .or_else(|| e.attr("name"))
                .or_else(|| e.attr("itemprop"))
                .or_else(|| e.attr("http-equiv"))?;
            Some((key.to_ascii_lowercase(), e.attr("content")?))
        })
        .collect();
    let content = |key: &'static str| tags.iter().filter(move |(k, _)| k == key).map(|(_, v)| *v);
    for &(field, key) in OPEN_GRAPH {
        for value in content(key) {
            meta.offer(field, value, "open-graph");
        }
    }
    for &(field, key) in META_NAMES {
        for value in content(key) {
            meta.offer(field, value, "meta");
        }
    }
    for value in content("datepublished") {
        meta.offer(Field::Date, value, "meta");
    }
    for value in content("content-language") {
        meta.offer(Field::Language, value, "meta");
    }
    if let Some(title) = head.select(&TITLE).next() {
        meta.offer(Field::Title, &title.text().collect::<String>(), "title");
    }
    if let Some(root) = head.select(&HTML_LANG).next() {
        meta.offer(
            Field::Language,
            root.attr("lang").unwrap_or_default(),
            "html-lang",
        );
    }
    strip_site_from_title(&mut meta);
    prefer_visible_headline(&mut meta, &html[head_end..]);
    meta
}

/// A `<title>` is often the page's `<h1>` headline cut short: the headline that starts with it
/// is the better title (source `headline`).
fn prefer_visible_headline(meta: &mut PageMeta, body: &str) {
    if meta.provenance.get("title").map(String::as_str) != Some("title") {
        return;
    }
    let Some(h1) = H1.captures(body) else {
        return;
    };
    let text = markup::decode_entities(&TAG.replace_all(&h1[1], " "));
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let title = meta.title.as_deref().map(key).unwrap_or_default();
    if !title.is_empty() && key(&text).starts_with(&title) {
        meta.title = Some(text);
        meta.provenance.insert("title".into(), "headline".into());
    }
}

/// "<headline> | <site>": the site part of a `<title>` (or og:title) is not the headline.
fn strip_site_from_title(meta: &mut PageMeta) {
    let (Some(title), Some(site)) = (&meta.title, &meta.site_name) else {
        return;
    };
    for sep in [" | ", " - ", " – ", " — ", " :: ", " : "] {
        if let Some(head) = title.strip_suffix(&format!("{sep}{site}")) {
            meta.title = Some(head.to_string());
            return;
        }
    }
}

/// Article types of schema.org whose object describes the page's article.
fn is_article_type(t: &str) -> bool {
    t.ends_with("Article") || matches!(t, "BlogPosting" | "LiveBlogPosting" | "Report")
}

/// Where the fields read from a JSON-LD block say they came from.
const FROM_JSON_LD: &str = "json-ld";

/// A JSON object of a JSON-LD block.
type JsonObject = serde_json::Map<String, Value>;

/// Reads one JSON-LD block: the first article object's fields, and the `WebSite` name.
fn json_ld(block: &str, meta: &mut PageMeta) {
    let block = block
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim()
        .trim_start_matches("//<![CDATA[")
        .trim_end_matches("//]]>");
    let Ok(value) = serde_json::from_str::<Value>(block.trim()) else {
        return;
    };
    let mut objects = Vec::new();
    collect_objects(&value, &mut objects, 0);
    let has_type = |o: &JsonObject, wanted: fn(&str) -> bool| types_of(o).any(wanted);
    if let Some(article) = objects.iter().find(|o| has_type(o, is_article_type)) {
        offer_article_fields(article, meta);
    }
    if let Some(site) = objects.iter().find(|o| has_type(o, |t| t == "WebSite")) {
        if let Some(name) = site.get("name") {
            meta.offer(Field::SiteName, &text(name), FROM_JSON_LD);
        }
    }
}

/// The `@type`s of a JSON-LD object (one string or an array of them).
fn types_of(o: &JsonObject) -> impl Iterator<Item = &str> {
    let types: &[Value] = match o.get("@type") {
        Some(Value::Array(a)) => a,
        Some(one @ Value::String(_)) => std::slice::from_ref(one),
        _ => &[],
    };
    types.iter().filter_map(Value::as_str)
}

/// Offers the fields of a schema.org article object: headline, author, date, publisher, URL and
/// language, each under the names schema.org gives it.
fn offer_article_fields(article: &JsonObject, meta: &mut PageMeta) {
    let first = |keys: [&str; 2]| keys.iter().find_map(|k| article.get(*k));
    if let Some(t) = first(["headline", "name"]) {
        meta.offer(Field::Title, &text(t), FROM_JSON_LD);
    }
    if let Some(a) = first(["author", "creator"]) {
        let names = names(a);
        if !names.is_empty() {
            meta.offer(Field::Author, &names.join(", "), FROM_JSON_LD);
        }
    }
    if let Some(d) = first(["datePublished", "dateCreated"]) {
        meta.offer(Field::Date, &text(d), FROM_JSON_LD);
    }
    if let Some(p) = article.get("publisher") {
        if let Some(name) = names(p).first() {
            meta.offer(Field::SiteName, name, FROM_JSON_LD);
        }
    }
    if let Some(u) = first(["url", "mainEntityOfPage"]) {
        let url = match u {
            Value::Object(o) => o.get("@id").or_else(|| o.get("url")).map(text),
            other => Some(text(other)),
        };
        if let Some(url) = url.filter(|u| looks_like_url(u)) {
            meta.offer(Field::Url, &url, FROM_JSON_LD);
        }
    }
    if let Some(l) = article.get("inLanguage") {
        let lang = match l {
            Value::Object(o) => o
                .get("alternateName")
                .or_else(|| o.get("name"))
                .map(text)
                .unwrap_or_default(),
            other => text(other),
        };
        meta.offer(Field::Language, &lang, FROM_JSON_LD);
    }
}

/// Every JSON object of a JSON-LD value: the value itself, array items and `@graph` members.
fn collect_objects<'a>(
    v: &'a Value,
    out: &mut Vec<&'a serde_json::Map<String, Value>>,
    depth: usize,
) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Object(o) => {
            out.push(o);
            if let Some(g) = o.get("@graph") {
                collect_objects(g, out, depth + 1);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_objects(x, out, depth + 1)),
        _ => {}
    }
}

/// Names of a JSON-LD person/organisation value: a string, an object with `name`, or a list.
fn names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = match v {
        Value::String(s) => vec![s.trim().to_string()],
        Value::Object(o) => o.get("name").map(text).into_iter().collect(),
        Value::Array(a) => a.iter().flat_map(names).collect(),
        _ => Vec::new(),
    };
    out.retain(|n| !n.is_empty() && !looks_like_url(n));
    out.dedup();
    out
}

/// A JSON scalar as text (a one-item list as its item).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a.first().map(text).unwrap_or_default(),
        _ => String::new(),
    }
}

fn looks_like_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("//")
}

/// `en_US`, `EN-us` → `en-US`; anything that is not a language tag is kept as written.
fn bcp47(tag: &str) -> String {
    let tag = tag.trim().replace('_', "-");
    let mut parts = tag.split('-');
    let Some(lang) = parts.next().filter(|l| (2..=3).contains(&l.len())) else {
        return tag;
    };
    let mut out = lang.to_ascii_lowercase();
    for p in parts {
        out.push('-');
        if p.len() == 2 {
            out.push_str(&p.to_ascii_uppercase());
        } else {
            out.push_str(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html lang="en-gb"><head>
        <title>Bridge reopens | Example Gazette</title>
        <link rel="canonical" href="https://gazette.example/bridge">
        <meta property="og:title" content="Bridge reopens after repairs">
        <meta property="og:site_name" content="Example Gazette">
        <meta property="article:published_time" content="2022-03-12T09:15:00Z">
        <meta name="author" content="Gazette Staff">
        <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
          {"@type":"WebSite","name":"Gazette Online"},
          {"@type":"NewsArticle","headline":"Bridge reopens","datePublished":"2022-03-11",
           "author":[{"@type":"Person","name":"Jane Roe"},{"@type":"Person","name":"Omar Sayed"}],
           "publisher":{"@type":"Organization","name":"The Example Gazette"}}]}</script>
        </head><body><p>Text.</p></body></html>"#;

    #[test]
    fn json_ld_first_then_open_graph_then_meta() {
        let m = read(PAGE);
        assert_eq!(m.title.as_deref(), Some("Bridge reopens"));
        assert_eq!(m.author.as_deref(), Some("Jane Roe, Omar Sayed"));
        assert_eq!(m.date.as_deref(), Some("2022-03-11"));
        assert_eq!(m.site_name.as_deref(), Some("The Example Gazette"));
        assert_eq!(m.url.as_deref(), Some("https://gazette.example/bridge"));
        assert_eq!(m.language.as_deref(), Some("en-GB"));
        let source = |f: &str| m.provenance.get(f).map(String::as_str);
        assert_eq!(source("title"), Some("json-ld"));
        assert_eq!(source("author"), Some("json-ld"));
        assert_eq!(source("url"), Some("canonical-link"));
        assert_eq!(source("language"), Some("html-lang"));
    }

    #[test]
    fn without_json_ld_open_graph_and_meta_tags() {
        let page = PAGE.split("<script").next().unwrap().to_string() + "</head><body></body>";
        let m = read(&page);
        assert_eq!(m.title.as_deref(), Some("Bridge reopens after repairs"));
        assert_eq!(m.author.as_deref(), Some("Gazette Staff"));
        assert_eq!(m.date.as_deref(), Some("2022-03-12"));
        assert_eq!(m.site_name.as_deref(), Some("Example Gazette"));
        assert_eq!(m.provenance["title"], "open-graph");
        assert_eq!(m.provenance["author"], "meta");
        assert_eq!(m.provenance["date"], "open-graph");
    }

    #[test]
    fn title_tag_loses_its_site_suffix_and_bad_json_is_ignored() {
        let m = read(
            "<html><head><title>Bridge reopens - Example Gazette</title>\
             <meta name='application-name' content='Example Gazette'>\
             <script type='application/ld+json'>{not json</script></head><body></body></html>",
        );
        assert_eq!(m.title.as_deref(), Some("Bridge reopens"));
        assert_eq!(m.provenance["title"], "title");
        assert_eq!(m.provenance["outlet"], "meta");
    }
}
