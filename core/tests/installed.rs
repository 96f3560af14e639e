//! An installed `slant` (a copy of the binary in a folder of its own, run from anywhere) finds
//! its default config beside itself, not through the path it was compiled at.

use std::path::Path;
use std::process::Command;

#[test]
fn an_installed_binary_uses_the_config_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    let installed = bin_dir.join("slant");
    std::fs::copy(env!("CARGO_BIN_EXE_slant"), &installed).unwrap();
    // An install holds the plugins beside the binary. A fresh `cargo test` leaves the
    // tokenizer in `deps/` only, so look in both places the build writes it.
    let built = Path::new(env!("CARGO_BIN_EXE_slant")).parent().unwrap();
    let tokenizer = [built.to_path_buf(), built.join("deps")]
        .iter()
        .map(|dir| dir.join("libslant_tokenize.so"))
        .find(|path| path.exists())
        .expect("the tokenize plugin is built with the workspace");
    std::fs::copy(&tokenizer, bin_dir.join("libslant_tokenize.so")).unwrap();
    // A config only this copy can find: one stage under a name the shipped config lacks, its
    // plugin found by name beside the binary.
    std::fs::write(
        bin_dir.join("slant.toml"),
        "[stages.words_only]\nplugin = \"tokenize\"\n",
    )
    .unwrap();
    let elsewhere = dir.path().join("work");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("in.jsonl"),
        r#"{"id":"a","body":"One. Two."}"#,
    )
    .unwrap();
    let out = Command::new(&installed)
        .current_dir(&elsewhere)
        .env_remove("SLANT_CONFIG")
        .env_remove("SLANT_PLUGIN_DIR")
        .args(["--quiet", "label", "--format", "jsonl", "in.jsonl"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(record["id"], "a");
    // The shipped config would have added toxicity, sentiment and stance results.
    assert!(record.get("sentiment").is_none(), "{record}");
    assert_eq!(record["counts"]["sentences"], 2);
}
