//! Shared by the `compare` integration tests: labeled JSONL fixtures generated on the fly
//! (never from the pipeline) and the `slant` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Writes `n` synthetic labeled records as JSONL into `dir/name`.
pub fn labeled_fixture(dir: &Path, name: &str, n: usize, seed: u64) -> PathBuf {
    let lines: Vec<String> = slant::compare::synthetic::records(n, seed)
        .iter()
        .map(|r| r.to_string())
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// Runs `slant` with `args`.
pub fn slant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slant"))
        .args(args)
        .output()
        .expect("run slant")
}

/// Runs `slant`, asserting success; returns stdout.
pub fn slant_ok(args: &[&str]) -> String {
    let out = slant(args);
    assert!(
        out.status.success(),
        "slant {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
