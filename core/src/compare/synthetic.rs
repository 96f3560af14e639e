//! Synthetic `slant label` output records for tests, benchmarks and demonstrations of
//! `compare`: outlets with different tone and stance, several spellings of one outlet, authors,
//! months, comments whose toxicity is shared within an article, error records. Seeded, so the
//! same call gives the same records.

use rand::Rng;
use serde_json::{json, Value};

use super::stats::{task_rng, StatsRng};

/// An outlet of the synthetic corpus: its spellings and how it covers the story.
struct Outlet {
    spellings: &'static [&'static str],
    tone: f64,
    stance: f64,
    toxicity: f64,
}

const OUTLETS: &[Outlet] = &[
    Outlet {
        spellings: &["RT", "rt.com", "Russia Today"],
        tone: -0.35,
        stance: 0.3,
        toxicity: 0.45,
    },
    Outlet {
        spellings: &["BBC News", "www.bbc.co.uk"],
        tone: -0.1,
        stance: -0.3,
        toxicity: 0.2,
    },
    Outlet {
        spellings: &["Al Jazeera English"],
        tone: -0.2,
        stance: -0.4,
        toxicity: 0.25,
    },
    Outlet {
        spellings: &["The Regional Broadcasting Corporation of the Levant and Mesopotamia"],
        tone: 0.05,
        stance: 0.0,
        toxicity: 0.15,
    },
    Outlet {
        spellings: &["Reuters"],
        tone: -0.05,
        stance: -0.1,
        toxicity: 0.1,
    },
    Outlet {
        spellings: &["Small Blog"],
        tone: 0.2,
        stance: 0.5,
        toxicity: 0.6,
    },
];

const TARGETS: &[&str] = &["Syrian government", "opposition"];
const CLAIM: &str = "The convoy was attacked from the air";
const AUTHORS: &[&str] = &["A. Petrova", "J. Smith", "L. Haddad", "M. Rossi"];

/// How many outlets [`records`] draws from.
pub fn outlet_count() -> usize {
    OUTLETS.len()
}

fn noise(rng: &mut StatsRng, spread: f64) -> f64 {
    // The sum of three uniforms: bell-shaped, bounded.
    (0..3)
        .map(|_| rng.random_range(-spread..spread))
        .sum::<f64>()
        / 1.5
}

fn label_of(score: f64, poles: [&str; 3]) -> &str {
    if score < -0.15 {
        poles[0]
    } else if score > 0.15 {
        poles[2]
    } else {
        poles[1]
    }
}

/// `n` labeled records; one in fifty is an error record. The last outlet ("Small Blog") gets
/// about one article in a hundred, so small corpora have a small group.
pub fn records(n: usize, seed: u64) -> Vec<Value> {
    record_stream(n, seed).collect()
}

/// The records of [`records`], one at a time (for large corpora).
pub fn record_stream(n: usize, seed: u64) -> impl Iterator<Item = Value> {
    let mut rng = task_rng(seed, "synthetic");
    (0..n).map(move |i| record(i, &mut rng))
}

fn record(i: usize, rng: &mut StatsRng) -> Value {
    let source = json!({"file": "labeled.jsonl", "line": i + 1});
    if i % 50 == 49 {
        return json!({"id": format!("a{i}"), "source": source, "error": "body is empty"});
    }
    let o = if rng.random_bool(0.01) {
        OUTLETS.len() - 1
    } else {
        rng.random_range(0..OUTLETS.len() - 1)
    };
    let outlet = &OUTLETS[o];
    let spelling = outlet.spellings[rng.random_range(0..outlet.spellings.len())];
    let tone = (outlet.tone + noise(rng, 0.5)).clamp(-1.0, 1.0);
    let month = rng.random_range(1..=12);
    let sentiment = label_of(tone, ["negative", "neutral", "positive"]);
    let mut targets = serde_json::Map::new();
    for (t, target) in TARGETS.iter().enumerate() {
        if rng.random_bool(0.6) {
            let sign = if t == 0 { 1.0 } else { -1.0 };
            let score = (sign * outlet.stance + noise(rng, 0.5)).clamp(-1.0, 1.0);
            targets.insert(target.to_string(), json!({
                "mentions": rng.random_range(1..9), "label": label_of(score, ["against", "neutral", "favor"]),
                "score": score, "shares": {"against": 0.3, "neutral": 0.4, "favor": 0.3}}));
        }
    }
    // Comments of one article share its toxicity: the article draws a propensity first.
    let comments = rng.random_range(0..30u64);
    let propensity = (outlet.toxicity + noise(rng, 0.3)).clamp(0.0, 1.0);
    let flagged = (0..comments)
        .filter(|_| rng.random_bool(propensity))
        .count() as u64;
    let claim_score: f64 = noise(rng, 0.5) - outlet.stance;
    json!({
        "id": format!("a{i}"), "source": source, "outlet": spelling,
        "title": format!("Report {i} on the convoy"), "author": AUTHORS[i % AUTHORS.len()],
        "date": format!("2017-{month:02}-{:02}", 1 + i % 28), "url": format!("https://example.org/{i}"),
        "counts": {"body_bytes": 1200, "tokens": 210, "sentences": 12, "comments": comments, "comments_kept": comments},
        "toxicity": {"comments": {"total": comments, "flagged": flagged, "dropped": 0, "redacted": 0,
            "flag_rate": if comments > 0 { flagged as f64 / comments as f64 } else { 0.0 }, "dropped_ids": []}},
        "sentiment": {"label": sentiment, "scores": {"negative": 0.3, "neutral": 0.4, "positive": 0.3}, "score": tone, "units": 12},
        "stance": {"targets": targets},
        "claim": {"claims": [{"claim": CLAIM, "label": label_of(claim_score, ["disagree", "discuss", "agree"]),
            "scores": {"agree": 0.2, "disagree": 0.3, "discuss": 0.4, "unrelated": 0.1}}]},
        "comments": [],
        "warnings": [], "extra": {"region": if o % 2 == 0 { "east" } else { "west" }}
    })
}
