//! The sentiment stage through the default pipeline and the shipped model: a tone and a label
//! per article, per sentence with `--sentences`; the tone is the token-weighted mean of the
//! sentences' P(positive) − P(negative); empty, one-word and very long bodies behave.

use std::path::Path;

use serde_json::Value;

mod common;
mod support;
use common::{records, repo, slant};

fn label(inputs: &[&Path], flags: &[&str]) -> Vec<Value> {
    let out = slant()
        .current_dir(repo())
        .args(["label", "--config", "seeds/slant.toml"])
        .args(flags)
        .args(inputs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    records(&out)
}

/// Checks the article tone against its sentences (weighted by their tokens).
fn assert_tone_is_the_weighted_sentence_mean(rec: &Value) {
    let sentiment = &rec["sentiment"];
    let sentences = sentiment["sentences"].as_array().expect("--sentences");
    assert_eq!(sentiment["units"], sentences.len());
    let tokens = rec["tokens"].as_array().expect("--tokens");
    let (mut sum, mut weight) = (0.0, 0.0);
    for s in sentences {
        let (start, end) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
        let n = tokens
            .iter()
            .filter(|t| t["start"].as_u64().unwrap() >= start && t["end"].as_u64().unwrap() <= end)
            .count() as f64;
        let p = &s["scores"];
        let tone = p["positive"].as_f64().unwrap() - p["negative"].as_f64().unwrap();
        assert!((tone - s["score"].as_f64().unwrap()).abs() < 2e-4, "{s}");
        sum += n * tone;
        weight += n;
    }
    let tone = sentiment["score"].as_f64().unwrap();
    assert!((-1.0..=1.0).contains(&tone));
    assert!(
        (tone - sum / weight).abs() < 1e-3,
        "{tone} vs {}",
        sum / weight
    );
}

#[test]
fn shipped_samples_get_a_tone_and_a_label_per_article_and_sentence() {
    let seeds = repo().join("seeds/articles.jsonl");
    let recs = label(&[&seeds], &["--sentences", "--tokens"]);
    assert!(!recs.is_empty());
    for rec in &recs {
        let label = rec["sentiment"]["label"].as_str().unwrap();
        assert!(["negative", "neutral", "positive"].contains(&label));
        let scores = &rec["sentiment"]["scores"];
        let total: f64 = ["negative", "neutral", "positive"]
            .iter()
            .map(|l| scores[l].as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-3, "{scores}");
        assert_tone_is_the_weighted_sentence_mean(rec);
        let body_bytes = rec["counts"]["body_bytes"].as_u64().unwrap();
        for s in rec["sentiment"]["sentences"].as_array().unwrap() {
            assert!(s["end"].as_u64().unwrap() <= body_bytes);
        }
    }
}

#[test]
fn empty_one_word_and_very_long_bodies_behave() {
    let dir = tempfile::tempdir().unwrap();
    let long: String = (0..3000)
        .map(|i| format!("The convoy reached village number {i} without trouble. "))
        .collect();
    let lines = [
        serde_json::json!({"id": "punct", "body": "... !!! ???"}),
        serde_json::json!({"id": "word", "body": "Wonderful"}),
        serde_json::json!({"id": "long", "body": long}),
    ];
    let input = dir.path().join("edge.jsonl");
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&input, text.join("\n")).unwrap();
    let recs = label(&[&input], &[]);
    assert_eq!(recs.len(), 3);
    let punct = &recs[0]["sentiment"];
    assert_eq!(punct["units"], 0, "no words, no sentences");
    assert!(punct.get("score").is_none() && punct.get("label").is_none());
    let word = &recs[1]["sentiment"];
    assert_eq!(word["units"], 1);
    assert!(word["score"].as_f64().unwrap() > 0.0, "{word}");
    let long = &recs[2]["sentiment"];
    assert_eq!(long["units"], 3000);
    assert!((-1.0..=1.0).contains(&long["score"].as_f64().unwrap()));
}

#[test]
fn explain_names_the_ngrams_behind_an_articles_tone() {
    let seeds = repo().join("seeds/articles.jsonl");
    let recs = label(&[&seeds], &["--explain", "4"]);
    for rec in &recs {
        let cues = rec["sentiment"]["explain"].as_array().unwrap();
        assert!(!cues.is_empty() && cues.len() <= 4, "{rec}");
        for c in rec["comments"].as_array().into_iter().flatten() {
            assert!(c["toxicity"]["explain"].as_array().unwrap().len() <= 4);
        }
    }
}

#[test]
fn real_seed_pages_get_a_tone_per_article() {
    let Some(seeds) = support::needs_shared(
        "real_seed_pages_get_a_tone_per_article",
        support::shared_dir().join("seeds"),
    ) else {
        return;
    };
    let recs = label(&[&seeds], &[]);
    let articles: Vec<&Value> = recs.iter().filter(|r| r.get("error").is_none()).collect();
    assert!(articles.len() >= 6, "{} articles", articles.len());
    for rec in articles {
        let tone = rec["sentiment"]["score"].as_f64().unwrap();
        assert!((-1.0..=1.0).contains(&tone));
        assert!(rec["sentiment"]["units"].as_u64().unwrap() >= 3);
    }
}
