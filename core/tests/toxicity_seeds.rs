//! The shipped toxicity model in the default pipeline: it flags the abusive comments of the
//! shipped samples and of the real comment thread in `../shared/seeds` (skipped when that folder
//! is absent), leaves civil comments alone, and dropping comments never changes body numbers.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod support;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn label(inputs: &[PathBuf], extra: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_slant"))
        .current_dir(repo())
        .args(["--quiet", "label", "--config", "seeds/slant.toml"])
        .args(extra)
        .args(inputs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn comment<'a>(record: &'a Value, id: &str) -> &'a Value {
    record["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("comment {id}"))
}

#[test]
fn shipped_samples_abusive_comments_are_flagged_and_civil_ones_are_not() {
    let records = label(&[repo().join("seeds/articles.jsonl")], &[]);
    let by_id = |id: &str| records.iter().find(|r| r["id"] == id).unwrap();
    let harbor = by_id("harbor-001");
    assert_eq!(
        comment(harbor, "c3")["toxicity"]["flagged"],
        true,
        "an insult"
    );
    assert_eq!(comment(harbor, "c1")["toxicity"]["flagged"], false);
    assert_eq!(comment(harbor, "c2")["toxicity"]["flagged"], false);
    let crest = by_id("crest-101");
    assert_eq!(
        comment(crest, "c3")["toxicity"]["flagged"],
        true,
        "an insult and a threat"
    );
    let summit = by_id("summit-7");
    assert_eq!(summit["toxicity"]["comments"]["flagged"], 0);
    for r in &records {
        for c in r["comments"].as_array().into_iter().flatten() {
            let p = c["toxicity"]["scores"]["toxic"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&p));
        }
    }
}

#[test]
fn real_thread_is_flagged_and_dropping_leaves_body_numbers_alone() {
    let Some(page) = support::needs_shared(
        "real_thread_is_flagged_and_dropping_leaves_body_numbers_alone",
        support::shared_dir().join("seeds/003_3c44b507e7f19585.txt"),
    ) else {
        return;
    };
    let flagged = label(std::slice::from_ref(&page), &[]);
    let thread = &flagged[0];
    let comments = thread["comments"].as_array().unwrap();
    assert!(comments.len() >= 8);
    let n_flagged = comments
        .iter()
        .filter(|c| c["toxicity"]["flagged"] == true)
        .count();
    assert!(n_flagged >= 3, "{n_flagged} flagged");
    // The comment calling for public hangings, with slurs for named people.
    let slurs = comments
        .iter()
        .find(|c| c["author"] == "garcam123")
        .unwrap();
    assert_eq!(slurs["toxicity"]["flagged"], true);
    assert!(slurs["toxicity"]["scores"]["toxic"].as_f64().unwrap() > 0.8);
    // The anti-Muslim comment is flagged as hate.
    let hate = comments
        .iter()
        .find(|c| c["author"] == "Crash N. Burn")
        .unwrap();
    assert!(hate["toxicity"]["flagged_by"]
        .as_array()
        .unwrap()
        .contains(&Value::from("hate")));

    let dropped = &label(std::slice::from_ref(&page), &["--action", "drop"])[0];
    assert_eq!(dropped["toxicity"]["comments"]["dropped"], n_flagged);
    assert_eq!(
        dropped["comments"].as_array().unwrap().len(),
        comments.len() - n_flagged
    );
    assert!(dropped["comments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["toxicity"]["flagged"] == false));
    for key in ["tokens", "sentences", "body_bytes"] {
        assert_eq!(dropped["counts"][key], thread["counts"][key], "{key}");
    }
}
