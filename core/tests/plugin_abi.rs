//! The plugin loader refuses every broken plugin with an error naming the file, and never
//! crashes: missing file, a file that is not a shared library, a library that is not a slant
//! plugin, a wrong ABI version, a wrong table size, a plugin that panics in `process`.
//! Hostile plugins (`plugins/fixtures/hostile_*`) are caught too: too few, NaN or out-of-range
//! scores, token spans outside the text, an absurd buffer request, and a call that never
//! returns (the watchdog ends the run after its budget, naming the plugin).
//!
//! The fixture plugins live in `plugins/fixtures/` and are built by `cargo test --workspace`.

use std::path::PathBuf;

use slant::plugin::{ClassifyInput, PluginDirs, PluginError, StageInstance, TokenBatch};

fn dirs() -> PluginDirs {
    PluginDirs::resolve(None)
}

fn fixture(name: &str) -> PathBuf {
    let file = slant::plugin::file_name_for(name);
    dirs()
        .dirs()
        .iter()
        .map(|d| d.join(&file))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{file} not built; run `cargo test --workspace`"))
}

fn load_error(path: &std::path::Path) -> PluginError {
    slant::plugin::Plugin::load(path).expect_err("the plugin should be refused")
}

#[test]
fn missing_file_is_named() {
    let path = PathBuf::from("/nonexistent/libslant_nothing.so");
    let err = load_error(&path);
    assert!(matches!(err, PluginError::Missing { .. }));
    assert!(
        err.to_string().contains("/nonexistent/libslant_nothing.so"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_library_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("libslant_text.so");
    std::fs::write(&path, "this is not ELF").unwrap();
    let err = load_error(&path);
    assert!(matches!(err, PluginError::Open { .. }), "{err}");
    assert!(err.to_string().contains("libslant_text.so"), "{err}");
}

#[test]
fn a_library_without_the_entry_symbol_is_not_a_plugin() {
    let path = fixture("fixture_no_entry");
    let err = load_error(&path);
    assert!(matches!(err, PluginError::NotAPlugin { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("libslant_fixture_no_entry") && msg.contains("slant_stage_v1"),
        "{msg}"
    );
}

#[test]
fn wrong_abi_version_is_refused_before_reading_the_table() {
    let path = fixture("fixture_bad_abi");
    let err = load_error(&path);
    assert!(
        matches!(
            err,
            PluginError::AbiVersion {
                found: 999,
                expected: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("libslant_fixture_bad_abi"),
        "{err}"
    );
}

#[test]
fn wrong_struct_size_is_refused() {
    let path = fixture("fixture_bad_size");
    let err = load_error(&path);
    assert!(matches!(err, PluginError::StructSize { .. }), "{err}");
    assert!(
        err.to_string().contains("libslant_fixture_bad_size"),
        "{err}"
    );
}

#[test]
fn a_panic_in_process_is_an_error_and_the_process_lives_on() {
    let plugin = dirs()
        .find("fixture_panicking")
        .expect("panicking fixture loads");
    let stage = StageInstance::create(&plugin, &serde_json::json!({})).expect("create works");
    let tokenizer = dirs().find("tokenize").unwrap();
    let tokenizer = StageInstance::create(&tokenizer, &serde_json::json!({})).unwrap();
    let text = "Some text.";
    let batch = tokenizer.tokenize(&[text]).unwrap();
    let input = ClassifyInput {
        main: (text, &batch, 0),
        pair: None,
        target: "",
    };
    let err = stage
        .classify(&[input], 1)
        .expect_err("the panic becomes an error");
    assert!(matches!(err, PluginError::Panic { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("fixture panic inside process"), "{msg}");
    assert!(msg.contains("libslant_fixture_panicking"), "{msg}");
    // The stage is still usable for the next batch (it panics again, cleanly).
    assert!(stage.classify(&[input], 1).is_err());
}

#[test]
fn plugin_search_order_and_not_found_message() {
    let err = dirs().find("no_such_stage").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("libslant_no_such_stage"), "{msg}");
    let exe_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    assert!(dirs().dirs().contains(&exe_dir));
    let first = PathBuf::from("/tmp/first");
    assert_eq!(PluginDirs::resolve(Some(&first)).dirs()[0], first);
}

#[test]
fn scanning_lists_real_plugins_and_errors_for_broken_ones() {
    let found = dirs().scan();
    let tokenize = found
        .iter()
        .find_map(|(_, r)| r.as_ref().ok().filter(|p| p.name() == "tokenize"))
        .expect("tokenize plugin is listed");
    assert_eq!(tokenize.kind_name(), "tokenize");
    assert_eq!(tokenize.abi_version(), 1);
    assert!(found
        .iter()
        .any(|(p, r)| p.to_string_lossy().contains("bad_abi") && r.is_err()));
}

#[test]
fn tokenize_through_the_abi_gives_validated_offsets() {
    let plugin = dirs().find("tokenize").unwrap();
    let stage =
        StageInstance::create(&plugin, &serde_json::json!({"language": "english"})).unwrap();
    assert!(stage
        .describe_str("fingerprint")
        .unwrap()
        .starts_with("slant-tokenize/"));
    let texts = [
        "Syrian forces advanced. Zürich’s café!",
        "",
        "Второй документ",
    ];
    let batch = stage.tokenize(&texts).unwrap();
    assert_eq!(batch.doc_ranges.len(), 3);
    let first: Vec<_> = batch.doc_tokens(0).iter().map(|t| batch.term(t)).collect();
    assert_eq!(first, ["syrian", "forc", "advanc", "zürich", "café"]);
    assert_eq!(batch.sentences[0], 2);
    assert!(batch.doc_tokens(1).is_empty());
    for t in batch.doc_tokens(2) {
        assert!(texts[2]
            .get(t.byte_start as usize..t.byte_end as usize)
            .is_some());
    }
    let bad = StageInstance::create(&plugin, &serde_json::json!({"language": "klingon"}));
    let msg = bad.err().expect("refused").to_string();
    assert!(
        msg.contains("klingon") && msg.contains("libslant_tokenize"),
        "{msg}"
    );
}

#[test]
fn autotraits() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<StageInstance>();
    is_send_sync::<slant::plugin::Plugin>();
}

/// A configured instance of a fixture plugin.
fn hostile(name: &str, mode: &str) -> StageInstance {
    let plugin = dirs().find(name).expect("hostile fixture loads");
    StageInstance::create(&plugin, &serde_json::json!({ "mode": mode })).expect("create works")
}

/// Two untokenized documents, as a classifier receives them.
fn two_docs(batch: &TokenBatch) -> Vec<ClassifyInput<'_>> {
    ClassifyInput::texts(&["first text", "second text"], batch)
}

fn empty_batch(docs: usize) -> TokenBatch {
    TokenBatch {
        doc_ranges: vec![0..0; docs],
        sentences: vec![0; docs],
        ..TokenBatch::default()
    }
}

fn classify_error(mode: &str) -> String {
    let stage = hostile("fixture_hostile_classify", mode);
    let batch = empty_batch(2);
    let err = stage
        .classify(&two_docs(&batch), 2)
        .expect_err("the scores should be refused");
    assert!(matches!(err, PluginError::Call { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("libslant_fixture_hostile_classify"), "{msg}");
    msg
}

#[test]
fn a_well_behaved_classifier_passes_the_score_checks() {
    let stage = hostile("fixture_hostile_classify", "ok");
    let batch = empty_batch(2);
    let scores = stage.classify(&two_docs(&batch), 2).unwrap();
    assert_eq!(scores, [0.25; 4]);
}

#[test]
fn too_few_scores_written_are_caught_not_read_as_zeros() {
    let msg = classify_error("short");
    assert!(msg.contains("score 0 of document 1 is NaN"), "{msg}");
    assert!(msg.contains("did not write it"), "{msg}");
}

#[test]
fn nan_and_out_of_range_scores_are_refused() {
    let msg = classify_error("nan");
    assert!(msg.contains("score 0 of document 0 is NaN"), "{msg}");
    let msg = classify_error("out_of_range");
    assert!(msg.contains("is 1.5, not a probability"), "{msg}");
}

#[test]
fn token_spans_outside_the_text_are_refused() {
    let stage = hostile("fixture_hostile_tokenize", "span_outside");
    let err = stage.tokenize(&["short"]).expect_err("span is refused");
    let msg = err.to_string();
    assert!(
        msg.contains("libslant_fixture_hostile_tokenize") && msg.contains("0..15"),
        "{msg}"
    );
    let good = hostile("fixture_hostile_tokenize", "ok");
    let batch = good.tokenize(&["two words"]).unwrap();
    assert_eq!(batch.doc_tokens(0).len(), 2);
}

#[test]
fn an_absurd_buffer_request_is_refused_not_allocated() {
    let stage = hostile("fixture_hostile_tokenize", "huge_request");
    let err = stage
        .tokenize(&["some text"])
        .expect_err("request is refused");
    let msg = err.to_string();
    assert!(
        msg.contains("libslant_fixture_hostile_tokenize") && msg.contains("over the limits"),
        "{msg}"
    );
}

/// Set in the child process of the test below, which runs the hanging call.
const HANG_CHILD: &str = "SLANT_TEST_HANG_CHILD";

#[test]
fn hang_child() {
    if std::env::var_os(HANG_CHILD).is_none() {
        return; // Only meaningful as the child of the test below.
    }
    let stage = hostile("fixture_hostile_classify", "hang");
    let batch = empty_batch(2);
    let _ = stage.classify(&two_docs(&batch), 2);
    unreachable!("the watchdog ends the process before the call returns");
}

#[test]
fn a_call_that_never_returns_ends_the_run_after_the_budget_naming_the_plugin() {
    let started = std::time::Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["hang_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(HANG_CHILD, "1")
        .env("SLANT_PLUGIN_TIMEOUT_SECS", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A safety net for this test itself: never wait more than a minute.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the watchdog did not end the hanging call");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("libslant_fixture_hostile_classify")
            && stderr.contains("has not returned from classify")
            && stderr.contains("SLANT_PLUGIN_TIMEOUT_SECS=1"),
        "{stderr}"
    );
}
