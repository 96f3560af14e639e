//! Helpers shared by the CLI tests: the binary, its JSON Lines output, the default tokenizer's
//! fingerprint, and a tiny hand-made toxicity model.
#![allow(dead_code)] // each test file uses some of these

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use slant_model::{FeatureSpec, HeadSpec, HeadWeights, InputKind, Model, ModelHeader};

pub fn slant() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_slant"));
    c.arg("--quiet");
    c
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn records(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

/// A config with only the tokenize stage.
pub fn tokenize_only(dir: &Path) -> PathBuf {
    let path = dir.join("tok.toml");
    std::fs::write(
        &path,
        "[stages.tokenize]\nplugin = \"tokenize\"\nlanguage = \"english\"\n",
    )
    .unwrap();
    path
}

/// The fingerprint of the default tokenizer, read through the plugin.
pub fn fingerprint() -> String {
    let dirs = slant::plugin::PluginDirs::resolve(None);
    let plugin = dirs.find("tokenize").unwrap();
    let stage =
        slant::plugin::StageInstance::create(&plugin, &serde_json::json!({"language": "english"}))
            .unwrap();
    stage.describe_str("fingerprint").unwrap().to_string()
}

/// A tiny toxicity model whose only evidence is the words "idiot" and "moron": enough to test
/// the filter's plumbing without the shipped model.
pub fn tiny_model(dir: &Path, task: &str, fingerprint: &str) -> PathBuf {
    use xxhash_like::bucket;
    let spec = FeatureSpec {
        word_ngrams: [1, 1],
        hash_bits: 18,
        ..FeatureSpec::default()
    };
    let mut ids = vec![bucket(&spec, "idiot"), bucket(&spec, "moron")];
    ids.sort();
    let weights = HeadWeights {
        weights: ids.iter().flat_map(|_| [-4.0f32, 4.0]).collect(),
        bias: vec![1.0, -1.0],
    };
    let n = ids.len();
    let header = ModelHeader {
        task: task.into(),
        input: InputKind::Text,
        heads: vec![HeadSpec {
            name: "toxic".into(),
            classes: vec!["not_toxic".into(), "toxic".into()],
            positive: Some("toxic".into()),
            temperature: 1.0,
            threshold: Some(0.5),
        }],
        features: spec,
        tokenizer_fingerprint: fingerprint.into(),
        weighting: "none".into(),
        learner: serde_json::json!({"name": "hand-made test model"}),
        training: serde_json::json!({}),
        metrics: serde_json::json!({}),
        seed: 0,
        slant_version: "test".into(),
    };
    let model = Model::new(header, ids, vec![1.0; n], vec![weights]);
    let path = dir.join(format!("{task}.model"));
    std::fs::write(&path, slant_model::to_bytes(&model).unwrap()).unwrap();
    path
}

/// Finds the hash bucket of a one-word feature by extracting it from a one-token document.
pub mod xxhash_like {
    use slant_model::FeatureSpec;
    use slant_sdk::{DocView, TextView, Token};

    pub fn bucket(spec: &FeatureSpec, term: &str) -> u32 {
        let tokens = [Token {
            term_start: 0,
            term_len: term.len() as u32,
            byte_start: 0,
            byte_end: term.len() as u32,
            sentence: 0,
            flags: 0,
        }];
        let doc = DocView {
            main: TextView::new(term, &tokens, term),
            pair: TextView::new("", &[], ""),
            target: "",
        };
        slant_model::extract(spec, &doc)[0].0
    }
}
