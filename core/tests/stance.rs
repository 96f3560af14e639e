//! The stance stages end to end through the binary: mentions of configured targets classified
//! and aggregated per target, targets and claims from the config, a targets file and flags,
//! unmatched targets reported once, bad target files refused with their line; and the shipped
//! model with the default targets on the real seed pages.
//!
//! Needs the `stance` plugin built beside the binary (`cargo build -p slant-stance`).

use std::path::{Path, PathBuf};

use serde_json::Value;
use slant_model::{FeatureSpec, HeadSpec, HeadWeights, InputKind, Model, ModelHeader};

mod common;
use common::xxhash_like::bucket;
use common::{fingerprint, records, repo, slant};

const ARTICLE: &str = r#"{"id":"a1","body":"Russia's envoy was bad. The US was good, and US-backed units were good. Russians, USA."}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A hand-made model over plain unigrams: each `(word, class)` pushes strongly toward `class`.
fn word_model(dir: &Path, task: &str, classes: &[&str], cues: &[(&str, &str)]) -> PathBuf {
    let spec = FeatureSpec {
        word_ngrams: [1, 1],
        hash_bits: 18,
        ..FeatureSpec::default()
    };
    let mut cues: Vec<(u32, usize)> = cues
        .iter()
        .map(|(w, c)| {
            (
                bucket(&spec, w),
                classes.iter().position(|x| x == c).unwrap(),
            )
        })
        .collect();
    cues.sort();
    let k = classes.len();
    let weights = cues
        .iter()
        .flat_map(|&(_, c)| (0..k).map(move |j| if j == c { 6.0f32 } else { 0.0 }))
        .collect();
    let header = ModelHeader {
        task: task.into(),
        input: InputKind::Target,
        heads: vec![HeadSpec {
            name: task.into(),
            classes: classes.iter().map(|c| c.to_string()).collect(),
            positive: None,
            temperature: 1.0,
            threshold: None,
        }],
        features: spec,
        tokenizer_fingerprint: fingerprint(),
        weighting: "none".into(),
        learner: serde_json::json!({"name": "hand-made test model"}),
        training: serde_json::json!({}),
        metrics: serde_json::json!({}),
        seed: 0,
        slant_version: "test".into(),
    };
    let ids = cues.iter().map(|c| c.0).collect::<Vec<_>>();
    let n = ids.len();
    let model = Model::new(
        header,
        ids,
        vec![1.0; n],
        vec![HeadWeights {
            weights,
            bias: vec![0.0; k],
        }],
    );
    let path = dir.join(format!("{task}.model"));
    std::fs::write(&path, slant_model::to_bytes(&model).unwrap()).unwrap();
    path
}

/// A config with a `stance` stage (targets inline plus `extra` lines) and a `claim` stage.
fn config(dir: &Path, extra: &str) -> PathBuf {
    let stance = word_model(
        dir,
        "stance",
        &["against", "neutral", "favor"],
        &[("bad", "against"), ("good", "favor")],
    );
    let claim = word_model(
        dir,
        "claim",
        &["agree", "disagree", "discuss", "unrelated"],
        &[("good", "agree")],
    );
    write(
        dir,
        "stance.toml",
        &format!(
            "[stages.tokenize]\nlanguage = \"english\"\n\
             [stages.stance]\nmodel = {s:?}\n{extra}\n\
             [stages.claim]\nplugin = \"stance\"\nmodel = {c:?}\n",
            s = stance.display().to_string(),
            c = claim.display().to_string(),
        ),
    )
}

fn label(config: &Path, extra: &[&str], input: &Path) -> (Vec<Value>, String, Option<i32>) {
    let out = slant()
        .arg("label")
        .arg("--config")
        .arg(config)
        .args(extra)
        .arg(input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let recs = if out.status.success() {
        records(&out)
    } else {
        Vec::new()
    };
    (recs, stderr, out.status.code())
}

const TARGETS: &str =
    "targets = { Russia = [\"Moscow\"], \"United States\" = [\"US\"], Turkey = [\"Ankara\"] }";

#[test]
fn each_mentioned_target_gets_its_stance_and_unmentioned_ones_none() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    let (recs, err, code) = label(&config(dir.path(), TARGETS), &["--mentions"], &input);
    assert_eq!(code, Some(0), "{err}");
    let targets = &recs[0]["stance"]["targets"];
    let russia = &targets["Russia"];
    assert_eq!(russia["mentions"], 1, "{targets}");
    assert_eq!(russia["label"], "against");
    assert!(russia["score"].as_f64().unwrap() < -0.9);
    assert_eq!(russia["shares"]["against"], 1.0);
    assert_eq!(russia["strongest"]["text"], "Russia");
    let us = &targets["United States"];
    assert_eq!(us["mentions"], 2, "`USA` is no mention: {targets}");
    assert_eq!(us["label"], "favor");
    let body =
        "Russia's envoy was bad. The US was good, and US-backed units were good. Russians, USA.";
    for m in us["mention_list"].as_array().unwrap() {
        let (s, e) = (m["start"].as_u64().unwrap(), m["end"].as_u64().unwrap());
        assert_eq!(&body[s as usize..e as usize], "US");
        assert_eq!(m["alias"], "US");
        assert_eq!(m["label"], "favor");
    }
    assert!(targets.get("Turkey").is_none(), "never mentioned: no entry");
    assert_eq!(
        err.matches("target `Turkey` was mentioned in no article")
            .count(),
        1,
        "{err}"
    );
    assert!(recs[0]["claim"].get("claims").is_none(), "no claim given");
}

#[test]
fn targets_and_claims_come_from_flags_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    let file = write(dir.path(), "t.toml", "Russia = [\"Russians\"]\n");
    let cfg = config(dir.path(), "");
    let (recs, err, code) = label(
        &cfg,
        &[
            "--targets",
            file.to_str().unwrap(),
            "--target",
            "United States=US,USA",
            "--claim",
            "The units were good.",
            "--claim",
            "Talks resumed.",
        ],
        &input,
    );
    assert_eq!(code, Some(0), "{err}");
    let targets = &recs[0]["stance"]["targets"];
    assert_eq!(targets["Russia"]["mentions"], 2, "{targets}");
    assert_eq!(targets["United States"]["mentions"], 3, "{targets}");
    let claims = recs[0]["claim"]["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[0]["claim"], "The units were good.");
    assert_eq!(claims[0]["label"], "agree");
    assert_eq!(claims[0]["scores"].as_object().unwrap().len(), 4);
    // Without any target, a stage reading mentions has nothing to do: refused, saying why.
    let (_, err, code) = label(&cfg, &[], &input);
    assert_ne!(code, Some(0));
    assert!(err.contains("stance") && err.contains("--target"), "{err}");
}

#[test]
fn a_targets_file_with_a_syntax_error_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    write(
        dir.path(),
        "bad.toml",
        "Russia = [\"Moscow\"]\nTurkey = [\"Ankara\"\n",
    );
    let cfg = config(dir.path(), "targets_file = \"bad.toml\"");
    let (_, err, code) = label(&cfg, &[], &input);
    assert_ne!(code, Some(0));
    assert!(err.contains("bad.toml") && err.contains("line 2"), "{err}");
}

/// The seed pages (outside the repository), or `None` after saying so; fails under CI.
fn shared_seeds() -> Option<PathBuf> {
    let dir = repo().join("../shared/seeds");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is absent under CI",
        dir.display()
    );
    eprintln!("skipped: {} is not present", dir.display());
    None
}

#[test]
fn shipped_model_and_default_targets_on_the_seed_pages() {
    let Some(seeds) = shared_seeds() else { return };
    let model = repo().join("models/stance-target.model");
    if !model.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is absent under CI",
            model.display()
        );
        eprintln!(
            "skipped: {} is not built (slant train --recipe models/stance-target.toml)",
            model.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "seeds.toml",
        &format!(
            "[stages.tokenize]\nlanguage = \"english\"\nstem = true\nstopwords = false\nlowercase = true\n\
             [stages.stance]\nmodel = {m:?}\ntargets_file = {t:?}\n",
            m = model.display().to_string(),
            t = repo().join("seeds/targets.toml").display().to_string(),
        ),
    );
    let (recs, err, code) = label(&cfg, &[], &seeds);
    assert_eq!(code, Some(0), "{err}");
    assert!(recs.len() >= 5, "every page yields its articles");
    for rec in &recs {
        let targets = rec["stance"]["targets"].as_object().unwrap();
        // Every page is about ISIS and the Syrian army in Deir Ezzor.
        for actor in ["ISIS", "Syrian government"] {
            let t = &targets[actor];
            assert!(
                t["mentions"].as_u64().unwrap() >= 1,
                "{}: {actor}",
                rec["id"]
            );
            assert!(["against", "neutral", "favor"].contains(&t["label"].as_str().unwrap()));
            let score = t["score"].as_f64().unwrap();
            assert!((-1.0..=1.0).contains(&score));
        }
    }
    let mentioned = |actor: &str| {
        recs.iter()
            .filter(|r| r["stance"]["targets"].get(actor).is_some())
            .count()
    };
    assert!(mentioned("United States") >= 2 && mentioned("Russia") >= 2);
    assert!(mentioned("Kurdish-led forces") >= 1);
}
