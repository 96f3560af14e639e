//! Faults and load, through the `slant` binary (run in release mode, as CI does):
//! - 1,000,000 JSON Lines records, 1 % malformed → exactly 1,000,000 output records, in input
//!   order, each error naming its line;
//! - `kill -9` during a long `-o` run leaves the previous complete file, or no file;
//! - 10 concurrent runs on the same model files give byte-identical outputs;
//! - an unwritable `-o` path, or a full device on stdout, is a clear error and leaves no file;
//! - a closed stdout pipe stops the run quietly.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn slant() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_slant"));
    c.arg("--quiet");
    c
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A config with only the tokenize stage: the load tests measure the plumbing, not the model.
fn tokenize_only(dir: &Path) -> PathBuf {
    let path = dir.join("tok.toml");
    std::fs::write(
        &path,
        "[stages.tokenize]\nplugin = \"tokenize\"\nlanguage = \"english\"\n",
    )
    .unwrap();
    path
}

/// Writes `n` JSON Lines records; every `bad_every`-th line (1-based) is malformed.
fn write_records(path: &Path, n: usize, bad_every: usize) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 1..=n {
        if i % bad_every == 0 {
            writeln!(out, "{{\"id\": \"r{i}\", \"body\": broken").unwrap();
        } else {
            writeln!(
                out,
                "{{\"id\":\"r{i}\",\"outlet\":\"O{}\",\"body\":\"Record {i} says the talks in Geneva went on.\"}}",
                i % 7
            )
            .unwrap();
        }
    }
    out.into_inner().unwrap().sync_all().unwrap();
}

#[test]
fn a_million_records_with_one_percent_malformed_give_a_million_records_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("million.jsonl");
    let n = 1_000_000;
    write_records(&input, n, 100);
    let out_path = dir.path().join("out.jsonl");
    let status = slant()
        .args(["label", "--format", "jsonl", "--config"])
        .arg(tokenize_only(dir.path()))
        .arg(&input)
        .arg("-o")
        .arg(&out_path)
        .status()
        .unwrap();
    assert!(status.success(), "{status}");
    let reader = BufReader::new(std::fs::File::open(&out_path).unwrap());
    let mut count = 0usize;
    let mut errors = 0usize;
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let record: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if line_no % 100 == 0 {
            let error = record["error"]
                .as_str()
                .unwrap_or_else(|| panic!("record {line_no} should be an error: {record}"));
            assert!(
                error.contains(&format!("million.jsonl:{line_no}: malformed JSON")),
                "record {line_no}: {error}"
            );
            errors += 1;
        } else {
            assert_eq!(record["id"], format!("r{line_no}"), "record {line_no}");
        }
        count += 1;
    }
    assert_eq!(count, n);
    assert_eq!(errors, n / 100);
}

/// The files in `dir` other than `keep`.
fn other_files(dir: &Path, keep: &[&Path]) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !keep.contains(&p.as_path()))
        .collect()
}

/// Waits until the run's temporary output in `out_dir` (every file but `target`) holds at least
/// `bytes` bytes, so that a kill lands while the run writes whatever its speed; false if the run
/// ended first. After two minutes without that much output it gives up waiting and answers true:
/// the kill then lands wherever the run is, which the caller's assertions hold for too. (A fixed
/// delay did not work: on a faster build the whole run ended within it.)
fn wait_for_output(child: &mut Child, out_dir: &Path, target: &Path, bytes: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let written: u64 = other_files(out_dir, &[target])
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        if written >= bytes {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

#[test]
fn kill_9_during_an_output_run_leaves_the_previous_file_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long.jsonl");
    write_records(&input, 400_000, 1000);
    let config = tokenize_only(dir.path());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("labels.jsonl");
    let previous = b"{\"previous\":\"complete\"}\n";
    // Killed as the output starts, part-way, and early without a previous file.
    for (written, had_previous) in [(1, true), (4 << 20, true), (256 << 10, false)] {
        if had_previous {
            std::fs::write(&target, previous).unwrap();
        } else {
            let _ = std::fs::remove_file(&target);
        }
        let mut child = slant()
            .args(["label", "--format", "jsonl", "--config"])
            .arg(&config)
            .arg(&input)
            .arg("-o")
            .arg(&target)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            wait_for_output(&mut child, &out_dir, &target, written),
            "the run ended before its output held {written} bytes"
        );
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        if had_previous {
            assert_eq!(
                std::fs::read(&target).unwrap(),
                previous,
                "killed at {written} bytes"
            );
        } else {
            assert!(
                !target.exists(),
                "a torn file after a kill at {written} bytes"
            );
        }
        // A killed run cannot delete its temporary file; it must never take the target's name.
        for leftover in other_files(&out_dir, &[&target]) {
            let name = leftover.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                name.starts_with('.'),
                "leftover {name} is not a hidden temporary file"
            );
            std::fs::remove_file(leftover).unwrap();
        }
    }
}

#[test]
fn ten_concurrent_runs_on_the_same_model_give_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("threads.jsonl");
    let mut text = String::new();
    for i in 0..300 {
        let comments: Vec<Value> = (0..4)
            .map(|c| {
                serde_json::json!({
                    "id": format!("c{c}"),
                    "text": format!("Comment {c} on {i}: you are all idiots and liars, go away.")
                })
            })
            .collect();
        let record = serde_json::json!({
            "id": format!("a{i}"),
            "body": format!("Article {i} reports on the ceasefire talks and the vote."),
            "comments": comments,
        });
        text.push_str(&record.to_string());
        text.push('\n');
    }
    std::fs::write(&input, text).unwrap();
    let config = repo().join("seeds/slant.toml");
    let children: Vec<_> = (0..10)
        .map(|_| {
            slant()
                .args(["label", "--format", "jsonl", "--config"])
                .arg(&config)
                .arg(&input)
                .arg(repo().join("seeds"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let first = &outputs[0].stdout;
    assert!(first.len() > 10_000, "{} bytes", first.len());
    assert!(String::from_utf8_lossy(first).contains("\"toxicity\""));
    for (i, out) in outputs.iter().enumerate().skip(1) {
        assert!(out.stdout == *first, "run {i} differs from run 0");
    }
}

#[test]
fn an_unwritable_output_path_is_a_clear_error_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("few.jsonl");
    write_records(&input, 20, 1000);
    let config = tokenize_only(dir.path());
    // A path below a regular file cannot be created (not even by root).
    let blocker = dir.path().join("not_a_folder");
    std::fs::write(&blocker, "x").unwrap();
    let target = blocker.join("out.jsonl");
    let out = slant()
        .args(["label", "--format", "jsonl", "--config"])
        .arg(&config)
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not_a_folder"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());
    let mut left = other_files(dir.path(), &[&input, &blocker]);
    left.retain(|p| p.file_name().unwrap() != "tok.toml");
    assert!(left.is_empty(), "{left:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_device_on_stdout_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("some.jsonl");
    write_records(&input, 5_000, 1000);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = slant()
        .args(["label", "--format", "jsonl", "--config"])
        .arg(tokenize_only(dir.path()))
        .arg(&input)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.to_lowercase().contains("no space left"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_closed_stdout_pipe_stops_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    write_records(&input, 200_000, 1000);
    let started = Instant::now();
    let mut child = slant()
        .args(["label", "--format", "jsonl", "--config"])
        .arg(tokenize_only(dir.path()))
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("\"r1\""), "{first}");
    drop(stdout); // the reader goes away, as `slant label ... | head -1` does
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "not quiet: {stderr}");
    assert!(
        out.status.success(),
        "a closed pipe is not a failure: {}",
        out.status
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}
