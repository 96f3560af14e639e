//! `slant train` → `slant predict` → `slant eval` through the command line on the fixture data,
//! and every kind of damaged model file refused with a clear error and exit code 1, never a
//! panic.
//!
//! Needs the tokenize plugin built beside the binary (`cargo test --workspace`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/train")
        .join(name)
}

fn slant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slant"))
        .args(args)
        .output()
        .expect("slant runs")
}

/// `slant predict --model <the shared model> <input>`, then `rest`.
fn predict(input: &Path, rest: &[&str]) -> Output {
    let head = [
        "predict",
        "--model",
        model().to_str().unwrap(),
        input.to_str().unwrap(),
    ];
    slant(&[&head[..], rest].concat())
}

/// `slant predict -q -m <the shared model> --format jsonl`, for the inputs to follow.
fn predict_jsonl_args() -> Vec<&'static str> {
    let model = model().to_str().unwrap();
    vec!["predict", "-q", "-m", model, "--format", "jsonl"]
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One ad hoc model shared by the tests of this file (training is the slow part).
fn model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = MODEL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("adhoc.model");
        let (train, dev) = (fixture("train.jsonl"), fixture("dev.jsonl"));
        let o = slant(&[
            "train",
            "--quiet",
            "--data",
            train.to_str().unwrap(),
            "--dev",
            dev.to_str().unwrap(),
            "--label-field",
            "label",
            "--task",
            "toxicity",
            "--char-ngrams",
            "3-4",
            "--k",
            "300",
            "--c",
            "1,8",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "train failed: {}", text(&o.stderr));
        (dir, out)
    });
    path
}

#[test]
fn train_writes_a_model_and_its_card() {
    let m = model();
    assert!(m.is_file());
    let card = std::fs::read_to_string(m.with_extension("md")).unwrap();
    assert!(
        card.contains("slant train --quiet --data"),
        "card lacks the command"
    );
    assert!(card.contains("## Metrics"));
}

#[test]
fn predict_writes_one_record_per_input_in_order_with_error_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"id\":\"a\",\"text\":\"you are a moron and a clown\"}\n",
            "{not json\n",
            "{\"id\":\"c\",\"title\":\"no text, no body\"}\n",
            "{\"id\":\"d\",\"text\":\"thanks, very helpful and insightful\"}\n",
            "{\"id\":\"e\",\"body\":\"an article record: its body is scored\"}\n",
        ),
    )
    .unwrap();
    let o = predict(&input, &["--explain", "3", "--format", "jsonl"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lines: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[4]["id"], "e");
    assert!(lines[4].get("error").is_none(), "{}", lines[4]);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["label"], "toxic");
    assert!(lines[1]["error"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));
    assert!(lines[1]["source"]["file"]
        .as_str()
        .unwrap()
        .ends_with("in.jsonl"));
    assert_eq!(lines[1]["source"]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap().contains("in.jsonl:2"));
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .contains("no `text` field (nor `body`)"));
    assert_eq!(lines[3]["id"], "d");
    assert_eq!(lines[3]["label"], "clean");
    let scores = lines[3]["scores"].as_object().unwrap();
    let sum: f64 = scores.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4, "{scores:?}");
    let explain = lines[0]["explain"].as_array().unwrap();
    assert!(!explain.is_empty() && explain.len() <= 3, "{explain:?}");
    assert!(
        explain[0]["weight"].as_f64().unwrap() > 0.0,
        "top reason should push toward `toxic`"
    );

    // CSV output to a file, written atomically.
    let out = dir.path().join("out.csv");
    let o = slant(&[
        "predict",
        "-q",
        "-m",
        model().to_str().unwrap(),
        input.to_str().unwrap(),
        "--format",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("id,label,clean,toxic,error"), "{csv}");
    assert_eq!(csv.lines().count(), 6, "a header and one row per record");
}

/// Chunks are scored while the one before is written: across several chunks and inputs (one
/// of them unreadable), every record still comes out once, in input order.
#[test]
fn predict_keeps_input_order_across_chunks_and_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many.jsonl");
    let lines: String = (0..10_000)
        .map(|i| format!("{{\"id\":\"m{i}\",\"text\":\"comment number {i} is fine\"}}\n"))
        .collect();
    std::fs::write(&many, lines).unwrap();
    let missing = dir.path().join("missing.jsonl");
    let few = dir.path().join("few.jsonl");
    std::fs::write(
        &few,
        "{\"id\":\"f0\",\"text\":\"you moron\"}\n{\"id\":\"f1\",\"text\":\"ok\"}\n",
    )
    .unwrap();
    let inputs = [&many, &missing, &few].map(|p| p.to_str().unwrap().to_string());
    let mut args = predict_jsonl_args();
    args.extend(inputs.iter().map(String::as_str));
    let o = slant(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 10_000 + 1 + 2);
    for (i, record) in out[..10_000].iter().enumerate() {
        assert_eq!(record["id"], format!("m{i}"));
        assert!(record.get("error").is_none(), "{record}");
    }
    let unreadable = out[10_000]["error"].as_str().unwrap();
    assert!(unreadable.contains("missing.jsonl"), "{unreadable}");
    assert_eq!(
        (&out[10_001]["id"], &out[10_002]["id"]),
        (&"f0".into(), &"f1".into())
    );
}

/// A regular file is read in batches on the scoring side, a pipe ahead on a thread of its own
/// in chunks that end when it pauses: the same lines give the same output bytes either way,
/// across several chunks.
#[test]
fn predict_writes_the_same_bytes_for_a_file_and_for_the_same_lines_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.jsonl");
    let lines: String = (0..10_000)
        .map(|i| match i % 7 {
            3 => format!("{{\"id\":\"m{i}\"}}\n"),
            5 => "{not json\n".to_string(),
            _ => format!("{{\"id\":\"m{i}\",\"text\":\"comment {i}, you moron or fine\"}}\n"),
        })
        .collect();
    std::fs::write(&file, &lines).unwrap();
    let head = predict_jsonl_args();
    let from_file = slant(&[&head[..], &[file.to_str().unwrap()]].concat());
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    let mut child = Command::new(env!("CARGO_BIN_EXE_slant"))
        .args([&head[..], &["-"]].concat())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("slant runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(lines.as_bytes()).unwrap();
    });
    let from_pipe = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(from_pipe.status.success(), "{}", text(&from_pipe.stderr));
    let records = text(&from_file.stdout);
    assert_eq!(records.lines().count(), 10_000);
    assert_eq!(records.matches("\"error\"").count(), 2 * 10_000 / 7);
    // Error records name their source, the file or stdin (`-`), in ids and messages too.
    let as_if_stdin = records.replace(file.to_str().unwrap(), "-");
    assert_ne!(as_if_stdin, records, "errors name the file");
    assert_eq!(as_if_stdin, text(&from_pipe.stdout));
}

#[test]
fn predict_refuses_parquet_output_rather_than_drop_the_scores() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\":\"a\",\"text\":\"you are a moron\"}\n").unwrap();
    let out = dir.path().join("out.parquet");
    let o = predict(&input, &["-o", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("not Parquet") && err.contains("slant label"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn eval_reports_metrics_as_json_and_tables() {
    let dev = fixture("dev.jsonl");
    let o = slant(&[
        "eval",
        "--model",
        model().to_str().unwrap(),
        dev.to_str().unwrap(),
        "--label-field",
        "label",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &v["report"];
    assert_eq!(r["rows"], 40);
    assert!(r["accuracy"].as_f64().unwrap() > 0.9, "{r}");
    assert!(r["macro_f1"].as_f64().unwrap() > 0.9, "{r}");
    assert!(r["roc_auc"].as_f64().unwrap() > 0.95, "{r}");
    assert!(r["ece"].as_f64().unwrap() < 0.5);
    assert_eq!(r["confusion"]["matrix"].as_array().unwrap().len(), 2);

    let o = slant(&[
        "eval",
        "-m",
        model().to_str().unwrap(),
        dev.to_str().unwrap(),
        "--label-field",
        "label",
    ]);
    assert!(o.status.success());
    let table = text(&o.stdout);
    assert!(
        table.contains("macro-F1") && table.contains("| toxic |"),
        "{table}"
    );

    // Labels the model does not know are skipped and counted; a label map fixes them.
    let o = slant(&[
        "eval",
        "-q",
        "-m",
        model().to_str().unwrap(),
        dev.to_str().unwrap(),
        "--label-field",
        "label",
        "--label-map",
        "toxic=bad",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["skipped"].as_u64().unwrap() > 0);
}

/// A damaged model: exit code 1, a message naming the problem, no panic.
fn refused(bytes: &[u8], expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.model");
    std::fs::write(&path, bytes).unwrap();
    let input = fixture("dev.jsonl");
    for args in [
        vec![
            "predict",
            "--model",
            path.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        vec![
            "eval",
            "--model",
            path.to_str().unwrap(),
            input.to_str().unwrap(),
            "--label-field",
            "label",
        ],
    ] {
        let o = slant(&args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("bad.model") && err.contains(expect),
            "{args:?}: expected {expect:?} in {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(o.stdout.is_empty());
    }
}

fn reseal(mut b: Vec<u8>) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let n = b.len() - 32;
    let d = Sha256::digest(&b[..n]);
    b[n..].copy_from_slice(&d);
    b
}

#[test]
fn damaged_models_are_clear_errors() {
    let good = std::fs::read(model()).unwrap();
    refused(&good[..good.len() / 2], "checksum");
    refused(&good[..10], "truncated");
    let mut b = good.clone();
    b[..8].copy_from_slice(b"NOTSLANT");
    refused(&b, "not a slant model file");
    let mut b = good.clone();
    b[8..12].copy_from_slice(&7u32.to_le_bytes());
    refused(&b, "model format version 7");
    let mut b = good.clone();
    b[12..20].copy_from_slice(&(u64::MAX - 3).to_le_bytes());
    refused(&reseal(b), "header length");
    let header_len = u64::from_le_bytes(good[12..20].try_into().unwrap()) as usize;
    let mut b = good.clone();
    b[20 + header_len..28 + header_len].copy_from_slice(&(1u64 << 40).to_le_bytes());
    refused(&reseal(b), "cannot fit");
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    refused(&noise, "not a slant model file");
    refused(b"", "not a slant model file");
    let mut b = good.clone();
    let mid = good.len() / 2;
    b[mid] ^= 0x40;
    refused(&b, "checksum");
}
