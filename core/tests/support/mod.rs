//! Test support shared by the integration tests.
//!
//! Tests that need `../shared` (the labeled corpora and the real seed pages, outside the
//! repository) call [`needs_shared`]. Where it is absent they skip visibly: one
//! `SKIPPED (needs ../shared)` line on stderr, written straight to the stream because libtest
//! captures `eprintln!` of passing tests. Under CI (`CI` set) a missing `../shared` is a failure
//! instead, so a run that silently tested nothing cannot pass.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The repository's `../shared` folder.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// `path` (inside `../shared`) if it exists; otherwise says the test is skipped and returns
/// `None`, or panics when the `CI` environment variable is set.
pub fn needs_shared(test: &str, path: PathBuf) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let message = format!(
        "SKIPPED (needs ../shared): {test}: {} is absent",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}, and CI is set: CI must provide ../shared");
    }
    eprintln!("{message}");
    // Bypasses libtest's capture of `eprintln!`, so the skip shows in a plain `cargo test`.
    let _ = writeln!(std::io::stderr().lock(), "{message}");
    None
}
