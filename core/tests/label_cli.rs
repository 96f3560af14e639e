//! `slant label` end to end through the binary: one output record per input record, in order;
//! error records naming file and line; `--strict`; atomic `-o`; stdin; the toxicity filter's
//! actions with a small hand-made model; refusing a model that does not fit.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

mod common;
use common::{fingerprint, records, repo, slant, tiny_model, tokenize_only};

fn toxicity_config(dir: &Path, model: &Path, action: &str) -> PathBuf {
    let path = dir.join(format!("tox-{action}.toml"));
    std::fs::write(
        &path,
        format!(
            "[stages.tokenize]\nplugin = \"tokenize\"\nlanguage = \"english\"\n\
             [stages.toxicity]\nmodel = {:?}\naction = \"{action}\"\n",
            model.display().to_string()
        ),
    )
    .unwrap();
    path
}

const ARTICLE: &str = r#"{"id":"a1","outlet":"X","body":"The truce held. Talks resume.","comments":[{"id":"c1","author":"u1","text":"Thanks for the report."},{"id":"c2","author":"u2","text":"You idiot, what a moron."},{"id":"c3","author":"u3","text":"Useful summary."}]}"#;

#[test]
fn one_record_per_input_record_in_order_with_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let lines = [
        r#"{"id":"first","body":"One. Two."}"#,
        "{not json",
        r#"{"id":"third","title":"no body"}"#,
        "",
        r#"{"id":"fifth","text":"Text field works too."}"#,
    ];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let missing = dir.path().join("missing.jsonl");
    let out = slant()
        .args(["label", "--config"])
        .arg(tokenize_only(dir.path()))
        .arg(&input)
        .arg(&missing)
        .output()
        .unwrap();
    // Bad records keep exit 0; an input that does not exist fails the run once the rest is done.
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.jsonl does not exist"));
    let recs = records(&out);
    assert_eq!(
        recs.len(),
        5,
        "4 records from the file + 1 for the missing file"
    );
    assert_eq!(recs[0]["id"], "first");
    assert_eq!(recs[0]["counts"]["sentences"], 2);
    assert!(recs[1]["error"].as_str().unwrap().contains("in.jsonl:2"));
    assert!(recs[2]["error"].as_str().unwrap().contains("in.jsonl:3"));
    assert_eq!(recs[3]["id"], "fifth");
    assert!(recs[4]["error"].as_str().unwrap().contains("missing.jsonl"));
}

#[test]
fn strict_stops_with_exit_code_2_and_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"body\":\"ok\"}\n{broken\n").unwrap();
    let target = dir.path().join("out.jsonl");
    let out = slant()
        .args(["label", "--strict", "--config"])
        .arg(tokenize_only(dir.path()))
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in.jsonl:2"));
    assert!(
        !target.exists(),
        "a failed strict run leaves no output file"
    );
}

#[test]
fn output_file_csv_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.csv");
    let mut child = slant()
        .args(["label", "--format", "csv", "--config"])
        .arg(tokenize_only(dir.path()))
        .args(["-", "-o"])
        .arg(&target)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"id\":\"s1\",\"outlet\":\"O\",\"body\":\"From stdin.\"}\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let csv = std::fs::read_to_string(&target).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("id,outlet,title"));
    assert!(lines.next().unwrap().starts_with("s1,O,"));
}

#[test]
fn tokens_flag_gives_offsets_into_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let body = "Syrian forces advanced on Friday.";
    std::fs::write(&input, format!("{{\"body\":{body:?}}}\n")).unwrap();
    let out = slant()
        .args(["label", "--tokens", "--config"])
        .arg(tokenize_only(dir.path()))
        .arg(&input)
        .output()
        .unwrap();
    let rec = &records(&out)[0];
    let tokens = rec["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 5);
    let t = &tokens[1];
    assert_eq!(t["term"], "forc");
    let (s, e) = (
        t["start"].as_u64().unwrap() as usize,
        t["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&body[s..e], "forces");
}

#[test]
fn shipped_samples_label_with_the_default_config() {
    let out = slant()
        .current_dir(repo())
        .args(["label", "--config", "seeds/slant.toml"])
        .args(["seeds/articles.jsonl", "seeds/articles.csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 6 + 2);
    assert!(recs.iter().all(|r| r.get("error").is_none()));
    let csv = &recs[6];
    assert_eq!(csv["source"]["file"], "seeds/articles.csv");
    assert_eq!(csv["source"]["line"], 2);
    assert_eq!(csv["comments"].as_array().unwrap().len(), 2);
    assert_eq!(csv["comments"][1]["reply_to"], "pvalen");
}

fn run_filter(action: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path(), "toxicity", &fingerprint());
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, ARTICLE).unwrap();
    let out = slant()
        .args(["label", "--config"])
        .arg(toxicity_config(dir.path(), &model, action))
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    records(&out).remove(0)
}

#[test]
fn filter_flag_keeps_and_marks() {
    let rec = run_filter("flag");
    let comments = rec["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 3);
    assert_eq!(comments[1]["toxicity"]["flagged"], true);
    assert_eq!(
        comments[1]["toxicity"]["flagged_by"],
        serde_json::json!(["toxic"])
    );
    assert_eq!(comments[0]["toxicity"]["flagged"], false);
    assert!(comments[1]["toxicity"]["scores"]["toxic"].as_f64().unwrap() > 0.9);
    assert_eq!(rec["toxicity"]["comments"]["flagged"], 1);
    assert_eq!(rec["toxicity"]["comments"]["total"], 3);
    assert_eq!(rec["toxicity"]["comments"]["flag_rate"], 0.3333);
}

#[test]
fn filter_drop_removes_but_accounts_and_leaves_body_numbers_alone() {
    let flagged = run_filter("flag");
    let rec = run_filter("drop");
    let ids: Vec<_> = rec["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(ids, ["c1", "c3"]);
    assert_eq!(rec["toxicity"]["comments"]["dropped"], 1);
    assert_eq!(
        rec["toxicity"]["comments"]["dropped_ids"],
        serde_json::json!(["c2"])
    );
    assert_eq!(rec["counts"]["comments"], 3);
    assert_eq!(rec["counts"]["comments_kept"], 2);
    assert_eq!(rec["counts"]["tokens"], flagged["counts"]["tokens"]);
    assert_eq!(rec["counts"]["sentences"], flagged["counts"]["sentences"]);
}

#[test]
fn filter_redact_keeps_id_author_score() {
    let rec = run_filter("redact");
    let c = &rec["comments"][1];
    assert_eq!(c["id"], "c2");
    assert_eq!(c["author"], "u2");
    assert_eq!(c["redacted"], true);
    assert!(!c["text"].as_str().unwrap().contains("idiot"));
    assert_eq!(c["text"], slant::pipeline::REDACTED);
    assert!(c["toxicity"]["scores"]["toxic"].as_f64().unwrap() > 0.9);
    // Only the flagged comment's text is replaced; the others keep theirs and their place.
    let flagged = run_filter("flag");
    for i in [0, 2] {
        assert_eq!(rec["comments"][i]["text"], flagged["comments"][i]["text"]);
        assert_eq!(rec["comments"][i]["redacted"], serde_json::Value::Null);
    }
}

#[test]
fn a_model_that_does_not_fit_is_refused_with_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, ARTICLE).unwrap();
    let wrong_task = tiny_model(dir.path(), "sentiment", &fingerprint());
    let wrong_tokenizer = {
        let p = tiny_model(dir.path(), "toxicity", "slant-tokenize/1 language=french");
        let q = dir.path().join("french.model");
        std::fs::rename(&p, &q).unwrap();
        q
    };
    let good = tiny_model(dir.path(), "toxicity", &fingerprint());
    let config = toxicity_config(dir.path(), &good, "flag");
    let truncated = dir.path().join("trunc.model");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    for (model, expect) in [
        (wrong_task, "sentiment"),
        (wrong_tokenizer, "language=french"),
        (truncated, "trunc.model"),
    ] {
        let out = slant()
            .args(["label", "--config"])
            .arg(&config)
            .arg("--model")
            .arg(format!("toxicity={}", model.display()))
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn target_text_body_scores_the_article_text_too() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path(), "toxicity", &fingerprint());
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        r#"{"id":"b","body":"What a moron wrote this.","comments":[{"text":"Fine."}]}"#,
    )
    .unwrap();
    let out = slant()
        .args(["label", "--target-text", "both", "--config"])
        .arg(toxicity_config(dir.path(), &model, "flag"))
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec = &records(&out)[0];
    assert_eq!(rec["toxicity"]["flagged"], true);
    assert!(rec["toxicity"]["scores"]["toxic"].as_f64().unwrap() > 0.9);
    assert_eq!(rec["comments"][0]["toxicity"]["flagged"], false);
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let out = slant()
        .args(["label", "--no-such-flag", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = slant().args(["label", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn output_into_a_missing_folder_is_an_error_not_a_new_folder() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"body\":\"x\"}\n").unwrap();
    let target = dir.path().join("missing/out.jsonl");
    let out = slant()
        .args(["label", "--config"])
        .arg(tokenize_only(dir.path()))
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing/out.jsonl"));
    assert!(!dir.path().join("missing").exists());
}

#[test]
fn plugin_paths_in_a_config_are_relative_to_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = slant::plugin::PluginDirs::resolve(None)
        .find("tokenize")
        .unwrap();
    let local = dir.path().join("libs");
    std::fs::create_dir(&local).unwrap();
    std::fs::copy(
        plugin.path(),
        local.join(plugin.path().file_name().unwrap()),
    )
    .unwrap();
    let config = dir.path().join("rel.toml");
    std::fs::write(
        &config,
        format!(
            "[stages.tokenize]\nplugin = \"libs/{}\"\n",
            plugin.path().file_name().unwrap().to_string_lossy()
        ),
    )
    .unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"body\":\"Relative plugins work.\"}\n").unwrap();
    let out = slant()
        .current_dir("/")
        .args(["label", "--config"])
        .arg(&config)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(records(&out)[0]["counts"]["tokens"], 3);
}

#[test]
fn many_windows_of_batches_keep_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    let lines: Vec<String> = (0..3000)
        .map(|i| match i % 997 {
            0 => "{broken".to_string(),
            _ => format!(
                "{{\"id\":\"r{i}\",\"body\":\"Article number {i}. It has two sentences.\"}}"
            ),
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let out = slant()
        .args(["label", "--config"])
        .arg(tokenize_only(dir.path()))
        .arg(&input)
        .output()
        .unwrap();
    let recs = records(&out);
    assert_eq!(recs.len(), 3000);
    for (i, r) in recs.iter().enumerate() {
        if i % 997 == 0 {
            assert_eq!(r["source"]["line"], i as u64 + 1);
            assert!(r.get("error").is_some());
        } else {
            assert_eq!(r["id"], format!("r{i}"));
            assert_eq!(r["counts"]["sentences"], 2);
        }
    }
}

/// `--threads` sizes the labeling threads: the shipped samples give the same bytes on one
/// thread as on three, and zero threads is a usage error that names the flag.
#[test]
fn threads_flag_changes_the_threads_not_the_output() {
    let run = |threads: &str| {
        slant()
            .current_dir(repo())
            .args([
                "--threads",
                threads,
                "label",
                "--config",
                "seeds/slant.toml",
            ])
            .args(["seeds/articles.jsonl", "seeds/articles.csv"])
            .output()
            .unwrap()
    };
    let (one, three) = (run("1"), run("3"));
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(records(&one).len(), 6 + 2);
    assert_eq!(one.stdout, three.stdout);
    let zero = run("0");
    assert_eq!(zero.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--threads"));
}

#[test]
fn plugins_lists_the_tokenizer_and_the_configured_model_labels() {
    let out = slant()
        .current_dir(repo())
        .args(["plugins", "--config", "seeds/slant.toml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text
        .lines()
        .any(|l| l.starts_with("tokenize") && l.contains("libslant_tokenize")));
    assert!(text.contains("labels toxic,hate"), "{text}");
}
