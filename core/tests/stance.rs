//! The stance stages end to end through the binary: mentions of configured targets classified
//! and aggregated per target, targets and claims from the config, a targets file and flags,
//! unmatched targets reported once, bad target files refused with their line; the shipped
//! claim model's `slant predict` on repeated bodies and claims; and the shipped model with the
//! default targets on the real seed pages.
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
    cue_model(dir, task, InputKind::Target, spec, classes, cues)
}

/// A hand-made model of any input kind whose features are `spec`'s unigrams (other features
/// of the spec, such as a target window, decide which unigrams count).
fn cue_model(
    dir: &Path,
    task: &str,
    input: InputKind,
    spec: FeatureSpec,
    classes: &[&str],
    cues: &[(&str, &str)],
) -> PathBuf {
    let plain = FeatureSpec {
        target_window: None,
        pair: false,
        ..spec.clone()
    };
    let bucket = |w: &str| bucket(&plain, w);
    let mut cues: Vec<(u32, usize)> = cues
        .iter()
        .map(|(w, c)| (bucket(w), classes.iter().position(|x| x == c).unwrap()))
        .collect();
    cues.sort();
    let k = classes.len();
    let weights = cues
        .iter()
        .flat_map(|&(_, c)| (0..k).map(move |j| if j == c { 6.0f32 } else { 0.0 }))
        .collect();
    let header = ModelHeader {
        task: task.into(),
        input,
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
    let unmatched: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("mentioned in no article"))
        .collect();
    assert_eq!(unmatched.len(), 1, "one line for the stage: {err}");
    assert!(unmatched[0].contains("`Turkey`"), "{err}");
    assert!(
        !unmatched[0].contains("`Russia`"),
        "Russia is mentioned: {err}"
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

/// Runs `slant predict --model MODEL` on JSON Lines `input`; the records, stderr and exit code.
fn predict(model: &Path, extra: &[&str], input: &Path) -> (Vec<Value>, String, Option<i32>) {
    let out = slant()
        .args(["predict", "--model"])
        .arg(model)
        .args(extra)
        .arg(input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (records(&out), stderr, out.status.code())
}

#[test]
fn predict_scores_a_target_at_its_mention_offsets() {
    let dir = tempfile::tempdir().unwrap();
    // Only words next to the mention count: "good" is beside Moscow, "bad" beside Ankara.
    let spec = FeatureSpec {
        word_ngrams: [1, 1],
        hash_bits: 18,
        target_window: Some(1),
        ..FeatureSpec::default()
    };
    let model = cue_model(
        dir.path(),
        "stance",
        InputKind::Target,
        spec,
        &["against", "neutral", "favor"],
        &[("good", "favor"), ("bad", "against")],
    );
    let text = "good Moscow and then bad Ankara";
    let at = |word: &str| text.find(word).unwrap();
    let lines = [
        serde_json::json!({"id": "m", "text": text, "target": "Russia", "start": at("Moscow"), "end": at("Moscow") + 6}),
        serde_json::json!({"id": "a", "text": text, "target": "Turkey", "start": at("Ankara"), "end": at("Ankara") + 6}),
        serde_json::json!({"id": "name", "text": text, "target": "Ankara"}),
        serde_json::json!({"id": "half", "text": text, "target": "Turkey", "start": 3}),
        serde_json::json!({"id": "out", "text": text, "target": "Turkey", "start": 20, "end": 99}),
        serde_json::json!({"id": "neg", "text": text, "target": "Turkey", "start": -1, "end": 3}),
        serde_json::json!({"id": "notarget", "text": text}),
    ];
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let input = write(dir.path(), "in.jsonl", &body);
    let (recs, err, code) = predict(&model, &["--format", "jsonl"], &input);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(recs.len(), lines.len(), "one output per input: {recs:?}");
    assert_eq!(recs[0]["label"], "favor", "{}", recs[0]);
    assert!(recs[0]["scores"]["favor"].as_f64().unwrap() > 0.9);
    assert_eq!(recs[1]["label"], "against", "{}", recs[1]);
    assert_eq!(
        recs[2]["label"], "against",
        "the target's name is looked for: {}",
        recs[2]
    );
    assert!(
        recs[3]["error"]
            .as_str()
            .unwrap()
            .contains("both `start` and `end`"),
        "{}",
        recs[3]
    );
    assert!(
        recs[4]["error"].as_str().unwrap().contains("`end` 99"),
        "{}",
        recs[4]
    );
    assert!(
        recs[5]["error"].as_str().unwrap().contains("`start`"),
        "{}",
        recs[5]
    );
    assert!(
        recs[6]["error"].as_str().unwrap().contains("target"),
        "{}",
        recs[6]
    );
    assert_eq!(recs[6]["id"], "notarget");
}

#[test]
fn predict_scores_headline_body_and_claim_text_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let spec = FeatureSpec {
        word_ngrams: [1, 1],
        hash_bits: 18,
        pair: true,
        ..FeatureSpec::default()
    };
    let model = cue_model(
        dir.path(),
        "claim",
        InputKind::Pair,
        spec,
        &["agree", "disagree", "discuss", "unrelated"],
        &[("hoax", "disagree"), ("confirmed", "agree")],
    );
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"id\":\"fnc\",\"headline\":\"Squid found\",\"body\":\"Experts say it was a hoax.\"}\n\
         {\"id\":\"claim\",\"claim\":\"Squid found\",\"text\":\"Scientists confirmed the find.\"}\n\
         {\"id\":\"bad\",\"headline\":\"Squid found\"}\n\
         {\"id\":\"none\",\"text\":\"no claim here\"}\n",
    );
    let (recs, err, code) = predict(&model, &["--format", "jsonl"], &input);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[0]["label"], "disagree", "{}", recs[0]);
    assert_eq!(recs[0]["scores"].as_object().unwrap().len(), 4);
    assert_eq!(recs[1]["label"], "agree", "{}", recs[1]);
    assert!(
        recs[2]["error"].as_str().unwrap().contains("`body`"),
        "{}",
        recs[2]
    );
    assert!(
        recs[3]["error"].as_str().unwrap().contains("`claim`"),
        "{}",
        recs[3]
    );
}

/// Paired data repeats its texts (each FNC-1 body goes with ~30 headlines), and a batch
/// tokenizes each distinct text once: a record's scores must be those it gets alone.
#[test]
fn repeated_bodies_and_claims_score_as_each_record_alone() {
    let dir = tempfile::tempdir().unwrap();
    let model = repo().join("models/stance-claim.model");
    let bodies = [
        "Officials confirmed on Monday that the giant squid was found off the coast.",
        "The photo is a hoax, experts said; no squid was ever found there.",
    ];
    let claims = [
        "Giant squid found off the coast",
        "Town council approves new budget",
    ];
    let pairs = [(0, 0), (0, 1), (1, 0), (0, 0), (1, 1), (1, 0)];
    let line = |i: usize, (b, c): (usize, usize)| {
        serde_json::json!({"id": format!("r{i}"), "headline": claims[c], "body": bodies[b]})
            .to_string()
    };
    let all: Vec<String> = pairs.iter().enumerate().map(|(i, &p)| line(i, p)).collect();
    let together = write(dir.path(), "all.jsonl", &(all.join("\n") + "\n"));
    let (recs, err, code) = predict(&model, &["--format", "jsonl"], &together);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(recs.len(), pairs.len());
    for (i, record_line) in all.iter().enumerate() {
        let alone = write(
            dir.path(),
            &format!("r{i}.jsonl"),
            &format!("{record_line}\n"),
        );
        let (single, err, code) = predict(&model, &["--format", "jsonl"], &alone);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(recs[i], single[0], "record {i}");
        assert_eq!(
            recs[i]["scores"].as_object().unwrap().len(),
            4,
            "{}",
            recs[i]
        );
    }
    // The same pair gives the same scores wherever it stands; another claim or another body
    // gives others (so a record pointed at the wrong text would be caught above).
    assert_eq!(recs[0]["scores"], recs[3]["scores"]);
    assert_eq!(recs[2]["scores"], recs[5]["scores"]);
    assert_ne!(recs[0]["scores"], recs[1]["scores"]);
    assert_ne!(recs[0]["scores"], recs[2]["scores"]);
}

#[test]
fn explain_shows_the_cues_behind_each_mention() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    let (recs, err, code) = label(&config(dir.path(), TARGETS), &["--explain", "2"], &input);
    assert_eq!(code, Some(0), "{err}");
    let targets = &recs[0]["stance"]["targets"];
    let russia = targets["Russia"]["mention_list"].as_array().unwrap();
    assert_eq!(russia.len(), 1, "--explain lists the mentions: {targets}");
    let cues = russia[0]["explain"].as_array().unwrap();
    assert_eq!(cues[0]["feature"], "bad", "{cues:?}");
    assert!(cues[0]["weight"].as_f64().unwrap() > 1.0);
    for m in targets["United States"]["mention_list"].as_array().unwrap() {
        assert_eq!(m["explain"][0]["feature"], "good", "{m}");
    }
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

/// A model shipped in `models/` (committed, so always there).
fn shipped_model(name: &str) -> PathBuf {
    let model = repo().join(format!("models/{name}.model"));
    assert!(model.is_file(), "{} is shipped", model.display());
    model
}

#[test]
fn shipped_model_and_default_targets_on_the_seed_pages() {
    let Some(seeds) = shared_seeds() else { return };
    let model = shipped_model("stance-target");
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

#[test]
fn shipped_claim_model_on_the_seed_pages() {
    let Some(seeds) = shared_seeds() else { return };
    let model = shipped_model("stance-claim");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "claims.toml",
        &format!(
            "[stages.tokenize]\nlanguage = \"english\"\nstem = true\nstopwords = false\nlowercase = true\n\
             [stages.claim]\nplugin = \"stance\"\nmodel = {m:?}\n",
            m = model.display().to_string(),
        ),
    );
    let related = "The Syrian army broke the ISIS siege of Deir Ezzor.";
    let unrelated = "Apple released a new iPhone with a larger screen.";
    let (recs, err, code) = label(&cfg, &["--claim", related, "--claim", unrelated], &seeds);
    assert_eq!(code, Some(0), "{err}");
    assert!(recs.len() >= 5, "every page yields its articles");
    for rec in &recs {
        let claims = rec["claim"]["claims"].as_array().unwrap();
        assert_eq!(claims.len(), 2, "{}", rec["id"]);
        assert_eq!(claims[0]["claim"], related);
        // Every page is about the war around Deir Ezzor; none about phones.
        assert_ne!(
            claims[0]["label"], "unrelated",
            "{}: {}",
            rec["id"], claims[0]
        );
        assert_eq!(
            claims[1]["label"], "unrelated",
            "{}: {}",
            rec["id"], claims[1]
        );
        let total: f64 = claims[0]["scores"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-3, "{}", claims[0]);
    }
}
