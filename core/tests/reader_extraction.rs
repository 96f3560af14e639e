//! Article-body extraction scored on the real pages of `../shared/data/article_extraction`
//! (181 news pages from 181 sites, outside this repository) with the metric of that set's
//! README: 4-token shingles of `\w+` tokens, per-page TP/FP/FN normalised to sum 1, precision
//! and recall averaged over pages, F1 of the two averages.
//!
//! The scoring run is ignored by default (it reads 31 MB of HTML); run it with
//! `benches/scripts/extraction.sh`. `SLANT_EXTRACTION_ENGINE=trafilatura|smoothie` scores a
//! bare engine instead of slant's reader, which is how the engine was chosen.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use slant::article::Article;
use slant::ingest::{self, Format, InputFile, ReadOptions};

static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").unwrap());

/// A page's (TP, FP, FN) shingle counts, divided by their sum.
fn shingle_match(truth: &str, pred: &str) -> (f64, f64, f64) {
    let (t, p) = (shingles(truth), shingles(pred));
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for (k, &pc) in &p {
        let tc = t.get(k).copied().unwrap_or(0);
        tp += pc.min(tc) as f64;
        fp += pc.saturating_sub(tc) as f64;
    }
    for (k, &tc) in &t {
        fn_ += tc.saturating_sub(p.get(k).copied().unwrap_or(0)) as f64;
    }
    let sum = tp + fp + fn_;
    if sum > 0.0 {
        (tp / sum, fp / sum, fn_ / sum)
    } else {
        (0.0, 0.0, 0.0)
    }
}

/// Multiset of 4-token shingles; a text of fewer than 4 tokens is one shingle (none if empty).
fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let tokens: Vec<&str> = TOKEN.find_iter(text).map(|m| m.as_str()).collect();
    let mut out = HashMap::new();
    if tokens.is_empty() {
        return out;
    }
    if tokens.len() < 4 {
        out.insert(tokens, 1);
        return out;
    }
    for w in tokens.windows(4) {
        *out.entry(w.to_vec()).or_insert(0) += 1;
    }
    out
}

/// Precision, recall and F1 over pages, as the set's README defines them.
fn score(pages: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let mean = |xs: Vec<f64>| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    let precision = mean(
        pages
            .iter()
            .filter(|(tp, fp, _)| tp + fp > 0.0)
            .map(|&(tp, fp, fn_)| {
                if fp == 0.0 && fn_ == 0.0 {
                    1.0
                } else {
                    tp / (tp + fp)
                }
            })
            .collect(),
    );
    let recall = mean(
        pages
            .iter()
            .filter(|(tp, _, fn_)| tp + fn_ > 0.0)
            .map(|&(tp, fp, fn_)| {
                if fp == 0.0 && fn_ == 0.0 {
                    1.0
                } else {
                    tp / (tp + fn_)
                }
            })
            .collect(),
    );
    let f1 = 2.0 * precision * recall / (precision + recall);
    (precision, recall, f1)
}

#[test]
fn metric_matches_its_definition() {
    let (tp, fp, fn_) = shingle_match("a b c d e", "a b c d e");
    assert_eq!((tp, fp, fn_), (1.0, 0.0, 0.0));
    // Truth has shingles abcd, bcde; prediction abcd, bcdx: one of each kind.
    let third = 1.0 / 3.0;
    assert_eq!(
        shingle_match("a b c d e", "a b c d x"),
        (third, third, third)
    );
    // Short texts are one shingle each.
    assert_eq!(shingle_match("a b", "a b"), (1.0, 0.0, 0.0));
    assert_eq!(shingle_match("a b", "a c"), (0.0, 0.5, 0.5));
    // An empty prediction has no precision term and zero recall.
    let pages = [(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)];
    let (p, r, f1) = score(&pages);
    assert_eq!((p, r), (1.0, 0.5));
    assert!((f1 - 2.0 / 3.0).abs() < 1e-12);
}

/// The dev set's folder, or `None` after saying so (a failure under CI).
fn dev_set() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/article_extraction");
    if dir.join("ground_truth.jsonl.gz").is_file() {
        return Some(dir);
    }
    eprintln!("skipped: {} is not present", dir.display());
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is required under CI",
        dir.display()
    );
    None
}

/// (id, hand-annotated article body) of every page.
fn ground_truth(dir: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(dir.join("ground_truth.jsonl.gz")).unwrap();
    BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["articleBody"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// What an extractor gave for one page.
struct Extracted {
    body: String,
    /// The reader's articles (empty for a bare engine).
    articles: Vec<Article>,
    /// Why the page gave no article, when it gave none.
    error: Option<String>,
}

/// The page through slant's reader, as `slant label page.html.gz` reads it.
fn through_reader(path: &Path) -> Extracted {
    let file = InputFile {
        path: path.to_path_buf(),
        format: Format::of_path(path).expect("an .html.gz page"),
        folder_outlet: None,
    };
    let records: Vec<_> = ingest::read_file(file, &ReadOptions::default()).collect();
    assert!(!records.is_empty(), "{}: no record", path.display());
    let error = records.iter().find_map(|r| r.article.clone().err());
    let articles: Vec<Article> = records.into_iter().filter_map(|r| r.article.ok()).collect();
    Extracted {
        body: articles
            .iter()
            .map(|a| a.body.as_str())
            .collect::<Vec<_>>()
            .join("\n\n"),
        error: articles.is_empty().then(|| error.unwrap_or_default()),
        articles,
    }
}

/// The page through one engine alone.
fn through_engine(path: &Path, engine: &str) -> Extracted {
    let mut html = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut html)
        .unwrap();
    let body = match engine {
        "trafilatura" => rs_trafilatura::extract(&html)
            .map(|r| r.content_text)
            .map_err(|e| e.to_string()),
        "smoothie" => dom_smoothie::Readability::new(html.as_str(), None, None)
            .and_then(|mut r| r.parse())
            .map(|a| a.text_content.to_string())
            .map_err(|e| e.to_string()),
        other => panic!("unknown engine {other}"),
    };
    let (body, error) = match body {
        Ok(b) if !b.trim().is_empty() => (b, None),
        Ok(_) => (String::new(), Some("empty".to_string())),
        Err(e) => (String::new(), Some(e)),
    };
    Extracted {
        body,
        articles: Vec::new(),
        error,
    }
}

/// The metadata fields counted over the pages, in the order they are printed.
const FIELDS: [&str; 6] = [
    "title",
    "date",
    "author",
    "site name",
    "canonical url",
    "language",
];

#[test]
#[ignore = "scores 181 real pages; run benches/scripts/extraction.sh"]
fn dev_set_extraction_score() {
    let Some(dir) = dev_set() else {
        return;
    };
    let engine = std::env::var("SLANT_EXTRACTION_ENGINE").unwrap_or_else(|_| "slant".into());
    let truth = ground_truth(&dir);
    let mut pages = Vec::new();
    let mut no_article = Vec::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let verbose = std::env::var_os("SLANT_EXTRACTION_VERBOSE").is_some();
    for (id, true_body) in &truth {
        let path = dir.join("html").join(format!("{id}.html.gz"));
        let got = match engine.as_str() {
            "slant" => through_reader(&path),
            other => through_engine(&path, other),
        };
        if let Some(e) = &got.error {
            no_article.push(format!("{id}: {e}"));
        }
        if let Some(a) = got.articles.first() {
            for (field, present) in [
                ("title", a.title.is_some()),
                ("author", a.author.is_some()),
                ("date", a.date.is_some()),
                ("site name", a.outlet.is_some()),
                ("canonical url", a.url.is_some()),
                ("language", a.language.is_some()),
            ] {
                *counts.entry(field).or_default() += usize::from(present);
            }
        }
        if let Some(out) = std::env::var_os("SLANT_EXTRACTION_DUMP") {
            let out = Path::new(&out);
            std::fs::create_dir_all(out).unwrap();
            std::fs::write(out.join(format!("{id}.txt")), &got.body).unwrap();
            std::fs::write(out.join(format!("{id}.truth.txt")), true_body).unwrap();
        }
        let m = shingle_match(true_body, &got.body);
        if verbose {
            let (p, r, _) = score(&[m]);
            eprintln!("page {id} precision {p:.3} recall {r:.3}");
        }
        pages.push(m);
    }
    let (precision, recall, f1) = score(&pages);
    println!("engine: {engine}");
    println!("pages: {}", pages.len());
    println!("F1 {f1:.3}  precision {precision:.3}  recall {recall:.3}");
    println!(
        "pages without article: {} ({:.1} %)",
        no_article.len(),
        100.0 * no_article.len() as f64 / pages.len() as f64
    );
    for e in &no_article {
        println!("  {e}");
    }
    if engine == "slant" {
        println!("metadata (pages of {} with the field):", pages.len());
        for field in FIELDS {
            let n = counts.get(field).copied().unwrap_or(0);
            println!("  {field:<14} {n:>3}");
        }
    }
    assert_eq!(pages.len(), 181, "every page of the set is scored");
}
