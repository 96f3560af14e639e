//! Fixed corpora for the benchmarks, so that every run measures the same bytes.
//!
//! - news bodies: the distinct article bodies of FNC-1 train (`../shared/data/fnc1`) when present,
//!   else the shipped sample articles of `seeds/` repeated;
//! - comments: OLID train tweets (`../shared/data/olid_offensive`) when present, else the sample
//!   comments repeated;
//! - articles with comments (the news bodies, comments dealt out in turn) for the full pipeline;
//! - distinct articles with comments: every text once (FNC-1 and PTC news bodies, comments from
//!   ten comment and tweet corpora), for speed on text the memos have not seen;
//! - [`CLASSIFIERS`]: the classifier stages benchmarked one by one through the plugin ABI.

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

/// Whether the shared corpora are present. When they are not, says so on stderr (the bench is
/// skipped, visibly) — and fails instead when env `CI` is set, so CI never skips silently.
pub fn shared_data_or_skip(bench: &str) -> bool {
    let dir = shared_data();
    if dir.is_dir() {
        return true;
    }
    let message = format!(
        "skipping bench `{bench}`: corpora folder {} not found",
        dir.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{message} (CI is set)");
    eprintln!("{message}");
    false
}

/// Which texts a classifier bench feeds its stage (what its pipeline stage reads by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Short comments (OLID train tweets).
    Comments,
    /// News bodies cut into sentences, each classified with only its own tokens.
    Sentences,
    /// Whole news bodies.
    Bodies,
}

/// One classifier stage to benchmark through the plugin ABI.
#[derive(Debug, Clone, Copy)]
pub struct ClassifierCase {
    /// Plugin name (`toxicity` → `libslant_toxicity.so`).
    pub plugin: &'static str,
    /// Model file, relative to the workspace root.
    pub model: &'static str,
    pub feed: Feed,
    /// Stance target handed with every document ("" for none).
    pub target: &'static str,
    /// More lines of the stage's table in the pipeline bench's config (e.g. its targets).
    pub pipeline_settings: &'static str,
}

/// The claim stage of the pipeline bench: the stance plugin with the claim model, one claim
/// against every article body.
pub const CLAIM_STAGE: ClassifierCase = ClassifierCase {
    plugin: "stance",
    model: "models/stance-claim.model",
    feed: Feed::Bodies,
    target: "",
    pipeline_settings: "claims = [\"ISIS fighters were killed in an air strike.\"]",
};

impl ClassifierCase {
    /// Where the case's model file is: under `$SLANT_BENCH_MODELS` when set (a folder holding
    /// other builds of the same model files, to compare models without touching `models/`),
    /// else [`Self::model`] in the workspace.
    pub fn model_path(&self) -> PathBuf {
        match std::env::var_os("SLANT_BENCH_MODELS") {
            Some(dir) => {
                Path::new(&dir).join(Path::new(self.model).file_name().unwrap_or_default())
            }
            None => repo().join(self.model),
        }
    }
}

/// Every classifier stage benchmarked; adding a stage is one line. A case whose plugin or model
/// is not built yet is skipped with a message.
pub const CLASSIFIERS: &[ClassifierCase] = &[
    ClassifierCase {
        plugin: "toxicity",
        model: "models/toxicity.model",
        feed: Feed::Comments,
        target: "",
        pipeline_settings: "",
    },
    ClassifierCase {
        plugin: "sentiment",
        model: "models/sentiment.model",
        feed: Feed::Sentences,
        target: "",
        pipeline_settings: "",
    },
    ClassifierCase {
        plugin: "stance",
        model: "models/stance-target.model",
        feed: Feed::Sentences,
        target: "Donald Trump",
        // In the pipeline the stage reads mentions of the default targets (US, Russia, ISIS,
        // Syria, …, which FNC-1's war and terror stories mention often).
        pipeline_settings: "targets_file = \"seeds/targets.toml\"",
    },
];

/// News articles, each with comments: the news bodies of [`news_bodies`], and the comments of
/// [`comments`] dealt out in turn, `per_article` to each article (comments are reused once all
/// are dealt).
pub fn articles_with_comments(per_article: usize) -> Vec<slant::article::Article> {
    let (bodies, _) = news_bodies();
    let (comments, _) = comments();
    let mut next = comments.iter().cycle();
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| slant::article::Article {
            id: format!("bench-{i}"),
            body,
            comments: (0..per_article)
                .filter_map(|c| {
                    next.next().map(|text| slant::article::Comment {
                        id: format!("bench-{i}-{c}"),
                        text: text.clone(),
                        ..Default::default()
                    })
                })
                .collect(),
            ..Default::default()
        })
        .collect()
}

/// The news corpora whose distinct texts [`distinct_articles_with_comments`] takes as bodies
/// (path under `../shared/data`, field).
const DISTINCT_BODIES: [(&str, &str); 2] = [
    ("fnc1/train.jsonl.gz", "body"),
    ("ptc_propaganda/train.jsonl.gz", "text"),
];

/// The corpora whose distinct texts it takes as comments, one from each in turn.
const DISTINCT_COMMENTS: [(&str, &str); 10] = [
    ("olid_offensive/train.jsonl.gz", "text"),
    ("hateval2019_en/train.jsonl.gz", "text"),
    ("davidson_hate_offensive/all.jsonl.gz", "text"),
    ("toxic_spans/train.jsonl.gz", "text"),
    ("stormfront_hate/train.jsonl.gz", "text"),
    ("sfu_ctc/train.jsonl.gz", "text"),
    ("youtube_toxic/train.jsonl.gz", "text"),
    ("ethos/train.jsonl.gz", "text"),
    ("convabuse/train.jsonl.gz", "text"),
    ("arc_stance/train.jsonl.gz", "body"),
];

/// News articles with comments in which no text occurs twice: the distinct bodies of the news
/// corpora, each with `per_article` comments taken one corpus at a time (so that the mix is not
/// one corpus's), no comment used twice; the articles end where the bodies or the comments do.
/// The corpus of [`articles_with_comments`] repeats its bodies under fresh ids, so its per-word
/// memos hit more often than on a stream of new articles: this one measures the other end.
/// Empty without `../shared/data`.
pub fn distinct_articles_with_comments(per_article: usize) -> Vec<slant::article::Article> {
    let mut seen = BTreeSet::new();
    let mut distinct = |texts: Vec<String>| -> Vec<String> {
        texts
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .collect()
    };
    let bodies: Vec<String> = DISTINCT_BODIES
        .iter()
        .flat_map(|(path, field)| distinct(jsonl_field(&shared_data().join(path), field)))
        .collect();
    let mut by_corpus: Vec<std::vec::IntoIter<String>> = DISTINCT_COMMENTS
        .iter()
        .map(|(path, field)| distinct(jsonl_field(&shared_data().join(path), field)).into_iter())
        .collect();
    let mut comments = std::iter::from_fn(|| {
        let corpora = by_corpus.len();
        (0..corpora).find_map(|_| {
            let next = by_corpus.first_mut()?.next();
            by_corpus.rotate_left(1);
            next
        })
    });
    let mut articles = Vec::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let texts: Vec<String> = comments.by_ref().take(per_article).collect();
        if texts.len() < per_article {
            break;
        }
        articles.push(slant::article::Article {
            id: format!("distinct-{i}"),
            body,
            comments: texts
                .into_iter()
                .enumerate()
                .map(|(c, text)| slant::article::Comment {
                    id: format!("distinct-{i}-{c}"),
                    text,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        });
    }
    articles
}

/// Bytes of text in `articles` (bodies and comments).
pub fn article_bytes(articles: &[slant::article::Article]) -> usize {
    articles
        .iter()
        .map(|a| a.body.len() + a.comments.iter().map(|c| c.text.len()).sum::<usize>())
        .sum()
}
