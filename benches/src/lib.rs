//! Fixed corpora for the benchmarks, so that every run measures the same bytes.
//!
//! - news bodies: the distinct article bodies of FNC-1 train (`../shared/data/fnc1`) when present,
//!   else the shipped sample articles of `seeds/` repeated;
//! - comments: OLID train tweets (`../shared/data/olid_offensive`) when present, else the sample
//!   comments repeated.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared_data() -> PathBuf {
    repo().join("../shared/data")
}

fn jsonl_field(path: &Path, field: &str) -> Vec<String> {
    let Ok(reader) = slant::ingest::open(path) else {
        return Vec::new();
    };
    reader
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
        .filter_map(|v| v.get(field).and_then(|t| t.as_str()).map(String::from))
        .collect()
}

/// News article bodies and the corpus name.
pub fn news_bodies() -> (Vec<String>, &'static str) {
    let fnc = shared_data().join("fnc1/train.jsonl.gz");
    let bodies: BTreeSet<String> = jsonl_field(&fnc, "body").into_iter().collect();
    if !bodies.is_empty() {
        return (bodies.into_iter().collect(), "FNC-1 train distinct bodies");
    }
    let samples = jsonl_field(&repo().join("seeds/articles.jsonl"), "body");
    (repeat(&samples, 500), "seeds/articles.jsonl bodies x500")
}

/// Short comment texts and the corpus name.
pub fn comments() -> (Vec<String>, &'static str) {
    let olid = jsonl_field(&shared_data().join("olid_offensive/train.jsonl.gz"), "text");
    if !olid.is_empty() {
        return (olid, "OLID train tweets");
    }
    let text = std::fs::read_to_string(repo().join("seeds/articles.jsonl")).unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            for c in v["comments"].as_array().into_iter().flatten() {
                if let Some(t) = c["text"].as_str() {
                    out.push(t.to_string());
                }
            }
        }
    }
    (repeat(&out, 1000), "seeds/articles.jsonl comments x1000")
}

fn repeat(items: &[String], times: usize) -> Vec<String> {
    (0..times).flat_map(|_| items.iter().cloned()).collect()
}
