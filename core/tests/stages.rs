//! Stages are data: a classifier configured under a name the core has never seen runs through
//! the generic stage path and reports under that name; flags reach any stage by its name; a
//! config that cannot work is refused naming the file and the stage.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{fingerprint, records, slant, tiny_model};

const ARTICLE: &str = r#"{"id":"a1","body":"The truce held. Talks resume.","comments":[{"id":"c1","text":"Thanks for the report."},{"id":"c2","text":"You idiot, what a moron."},{"id":"c3","text":"Useful summary."}]}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `toxicity` flags with the model's threshold; `toxicity_strict`, the same plugin and model
/// under a new name, drops every comment at 0.05.
fn two_filters(dir: &Path) -> PathBuf {
    let model = tiny_model(dir, "toxicity", &fingerprint());
    write(
        dir,
        "two.toml",
        &format!(
            "[stages.tokenize]\nlanguage = \"english\"\n\
             [stages.toxicity]\nmodel = {m:?}\naction = \"flag\"\n\
             [stages.toxicity_strict]\nplugin = \"toxicity\"\nmodel = {m:?}\naction = \"drop\"\nthreshold = 0.05\n",
            m = model.display().to_string()
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

#[test]
fn a_classifier_under_a_new_name_reports_under_that_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    let (recs, err, code) = label(&two_filters(dir.path()), &[], &input);
    assert_eq!(code, Some(0), "{err}");
    let rec = &recs[0];
    assert_eq!(rec["toxicity"]["comments"]["flagged"], 1);
    let strict = &rec["toxicity_strict"]["comments"];
    assert_eq!(strict["total"], 3);
    assert_eq!(strict["dropped_ids"], serde_json::json!(["c1", "c2", "c3"]));
    assert_eq!(rec["counts"]["comments_kept"], 0);
    assert!(rec.get("comments").is_none(), "every comment was dropped");
}

#[test]
fn a_stage_reads_only_the_comments_earlier_stages_kept() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    let (recs, err, code) = label(
        &two_filters(dir.path()),
        &[
            "--set",
            "toxicity.action=drop",
            "--set",
            "toxicity_strict.action=flag",
        ],
        &input,
    );
    assert_eq!(code, Some(0), "{err}");
    let rec = &recs[0];
    assert_eq!(
        rec["toxicity"]["comments"]["dropped_ids"],
        serde_json::json!(["c2"])
    );
    assert_eq!(rec["toxicity_strict"]["comments"]["total"], 2);
    let comments = rec["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2);
    for c in comments {
        assert_eq!(c["toxicity"]["flagged"], false);
        assert_eq!(c["toxicity_strict"]["flagged"], true);
    }
}

#[test]
fn model_flag_and_table_columns_work_for_any_stage_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    let config = two_filters(dir.path());
    let other = tiny_model(dir.path(), "toxicity", &fingerprint());
    let model_flag = format!("toxicity_strict={}", other.display());
    let (_, err, code) = label(&config, &["--model", &model_flag], &input);
    assert_eq!(code, Some(0), "{err}");
    let out = slant()
        .args(["label", "--format", "csv", "--config"])
        .arg(&config)
        .arg(&input)
        .output()
        .unwrap();
    let header = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.contains("toxicity.flagged") && header.contains("toxicity_strict.dropped"),
        "{header}"
    );
    let out = slant()
        .args(["plugins", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    let strict_line = listing
        .lines()
        .find(|l| l.trim_start().starts_with("toxicity_strict"))
        .unwrap_or_else(|| panic!("{listing}"));
    assert!(
        strict_line.contains("reads comments") && strict_line.contains("filter drop toxic>=0.05"),
        "{strict_line}"
    );
}

#[test]
fn configs_that_cannot_work_are_refused_naming_file_and_stage() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    let cases = [
        (
            "unknown.toml",
            "[stages.tokenize]\n[stages.nonesuch]\nmodel = 'x'\n",
            vec!["nonesuch", "no plugin"],
        ),
        (
            "notclassifier.toml",
            "[stages.tokenize]\n[stages.again]\nplugin = 'tokenize'\n",
            vec!["again", "not a classifier"],
        ),
        (
            "twice.toml",
            "[stages.tokenize]\n[stages.tox]\nmodel = 'a'\n[stages.tox]\nmodel = 'b'\n",
            vec!["tox"],
        ),
        (
            "first.toml",
            "[stages.toxicity]\nmodel = 'x'\n[stages.tokenize]\n",
            vec!["toxicity", "first stage must tokenize"],
        ),
    ];
    for (name, text, expect) in cases {
        let config = write(dir.path(), name, text);
        let (_, err, code) = label(&config, &[], &input);
        assert_eq!(code, Some(1), "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        for e in expect {
            assert!(err.contains(e), "{name}: expected {e:?} in {err}");
        }
    }
    let config = two_filters(dir.path());
    let (_, err, code) = label(&config, &["--model", "ghost=x.model"], &input);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("ghost") && err.contains("no such stage"),
        "{err}"
    );
}

#[test]
fn text_in_another_language_is_flagged_and_can_be_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "fr.jsonl",
        &[
            r#"{"id":"fr","body":"Ceci est un article en français sur la guerre en Syrie et les négociations de paix à Genève.","comments":[{"id":"c1","text":"You idiot, what a moron, this is the worst report ever written."}]}"#,
            r#"{"id":"junk","body":"0x3f3f 1234-5678 !!!! ???? %%%% $$$$ 99 ++ == ~~ ## @@ 4455 7788 ####"}"#,
        ]
        .join("\n"),
    );
    let config = two_filters(dir.path());
    let (recs, err, code) = label(&config, &["--target-text", "both"], &input);
    assert_eq!(code, Some(0), "{err}");
    let warnings = recs[0]["warnings"].to_string();
    assert!(
        warnings.contains("body: language detected as French"),
        "{warnings}"
    );
    assert_eq!(recs[0]["language"], "fra");
    assert!(
        recs[0]["toxicity"]["scores"].is_object(),
        "warn: still labeled"
    );
    assert!(recs[1]["warnings"].to_string().contains("not letters"));

    let skip = write(
        dir.path(),
        "skip.toml",
        &std::fs::read_to_string(&config).unwrap().replace(
            "[stages.tokenize]",
            "[pipeline]\nother_language = \"skip\"\n[stages.tokenize]",
        ),
    );
    let (recs, err, code) = label(&skip, &["--target-text", "both"], &input);
    assert_eq!(code, Some(0), "{err}");
    let fr = &recs[0];
    assert!(fr["toxicity"].get("scores").is_none(), "{fr}");
    assert_eq!(
        fr["comments"].as_array().map(Vec::len),
        None,
        "the English comment is still scored, and dropped by the strict stage"
    );
    assert_eq!(fr["toxicity"]["comments"]["flagged"], 1);
}

#[test]
fn the_library_refuses_a_zero_batch_size_instead_of_looping() {
    let config = slant::pipeline::PipelineConfig::parse(
        "[pipeline]\nbatch_size = 0\n[stages.tokenize]\n",
        Path::new("lib.toml"),
    )
    .unwrap();
    let dirs = slant::plugin::PluginDirs::resolve(None);
    let e = slant::pipeline::Pipeline::build(&config, &dirs)
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("lib.toml") && e.contains("batch_size"), "{e}");
}

#[test]
fn a_missing_input_is_reported_and_fails_the_run_after_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.jsonl", ARTICLE);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = slant()
        .args(["label", "--config"])
        .arg(two_filters(dir.path()))
        .arg(&input)
        .arg(dir.path().join("typo.jsonl"))
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("typo.jsonl does not exist"), "{err}");
    assert!(err.contains("holds no file"), "{err}");
    let recs = records(&out);
    assert_eq!(recs[0]["id"], "a1", "the good input is still labeled");
}
