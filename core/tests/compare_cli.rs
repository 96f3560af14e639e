//! `slant compare` as a user runs it, on generated labeled outputs: the table, `--json`,
//! `--csv`, `--by`, `--baseline`, `--blocs`, aliases, error records, bad input, reproducibility,
//! and the SVG files of `--out` (each must parse as XML). Then on articles, which it labels
//! first with the pipeline (the shipped samples in `seeds/`, and `../shared/seeds` when
//! present): the same numbers as comparing the `slant label` output (JSONL and Parquet),
//! folders, `--target` and `--claim`, and mixed inputs refused.
//!
//! The pipeline tests need the stage plugins built beside the binary (`cargo build --release`).

mod compare_common;
mod support;

use std::path::{Path, PathBuf};

use compare_common::{labeled_fixture, slant, slant_ok};
use serde_json::Value;

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&slant_ok(args)).unwrap()
}

fn group<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name || g["key"] == name)
        .unwrap_or_else(|| panic!("no group {name} in {}", v["groups"]))
}

#[test]
fn spellings_merge_error_records_are_counted_and_small_groups_marked() {
    let dir = tempfile::tempdir().unwrap();
    let file = labeled_fixture(dir.path(), "labeled.jsonl", 600, 1);
    let f = file.to_str().unwrap();
    let v = json_of(&["compare", f, "--json"]);
    assert_eq!(v["input"]["records"], 600);
    assert_eq!(v["input"]["error_records"], 12);
    assert_eq!(v["input"]["articles"], 588);
    // "RT" and "rt.com" merge by rule; "Russia Today" stays apart without an alias.
    let rt = group(&v, "rt");
    let members: Vec<&str> = rt["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        members.contains(&"rt.com") && members.contains(&"RT"),
        "{members:?}"
    );
    assert!(!members.contains(&"Russia Today"));
    assert_eq!(group(&v, "Small Blog")["small"], true);
    assert_eq!(group(&v, "Reuters")["small"], false);
    let total: u64 = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["articles"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 588, "every article in exactly one group");
    // RT's generated tone is clearly more negative than Reuters': the interval says so.
    let (rt_tone, reuters) = (&rt["tone"], &group(&v, "Reuters")["tone"]);
    assert!(rt_tone["ci_high"].as_f64().unwrap() < reuters["ci_low"].as_f64().unwrap());
    let tone_rt_reuters = v["contrasts"].as_array().unwrap().iter().find(|c| {
        let pair = [
            c["group_a"].as_str().unwrap(),
            c["group_b"].as_str().unwrap(),
        ];
        c["figure"] == "tone"
            && pair.contains(&"Reuters")
            && pair.contains(&rt["name"].as_str().unwrap())
    });
    let c = tone_rt_reuters.expect("tone contrast RT/Reuters");
    assert!(c["p_holm"].as_f64().unwrap() < 0.05, "{c}");
    assert!(c["p_holm"].as_f64().unwrap() >= c["p_value"].as_f64().unwrap());

    let table = slant_ok(&["compare", f]);
    assert!(
        table.contains("Groups by outlet") && table.contains("Small Blog *"),
        "{table}"
    );
    assert!(table.contains("12 error records skipped"), "{table}");
}

#[test]
fn aliases_baseline_and_same_seed_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let file = labeled_fixture(dir.path(), "labeled.jsonl", 400, 2);
    let aliases = dir.path().join("aliases.toml");
    std::fs::write(&aliases, "[aliases]\nRT = [\"Russia Today\"]\n").unwrap();
    let (f, a) = (file.to_str().unwrap(), aliases.to_str().unwrap());
    let args = [
        "compare",
        f,
        "--aliases",
        a,
        "--baseline",
        "reuters.com",
        "--json",
        "--seed",
        "7",
    ];
    let v = json_of(&args);
    let members = group(&v, "RT")["members"].to_string();
    assert!(members.contains("Russia Today"), "{members}");
    for c in v["contrasts"].as_array().unwrap() {
        assert_eq!(c["group_b"], "Reuters", "{c}");
    }
    assert_eq!(v, json_of(&args), "same seed, same numbers");
    let other_seed = json_of(&["compare", f, "--aliases", a, "--json", "--seed", "8"]);
    assert_ne!(
        v["groups"][0]["tone"]["ci_low"],
        other_seed["groups"][0]["tone"]["ci_low"]
    );
    assert_eq!(
        v["groups"][0]["tone"]["value"],
        other_seed["groups"][0]["tone"]["value"]
    );
}

#[test]
fn blocs_by_month_and_extra_fields() {
    let dir = tempfile::tempdir().unwrap();
    let file = labeled_fixture(dir.path(), "labeled.jsonl", 300, 3);
    let f = file.to_str().unwrap();
    let v = json_of(&[
        "compare",
        f,
        "--blocs",
        "west=BBC News,Reuters;east=RT,Al Jazeera English",
        "--json",
    ]);
    let names: Vec<&str> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["east", "west"]);
    assert!(v["input"]["outside_blocs"].as_u64().unwrap() > 0);
    assert!(v["contrasts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["group_a"] == "east" && c["group_b"] == "west"));

    let months = json_of(&["compare", f, "--by", "month", "--json"]);
    let names: Vec<&str> = months["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"2017-01"));
    assert_eq!(names.len(), 12);
    let regions = json_of(&["compare", f, "--by", "extra.region", "--json"]);
    assert_eq!(regions["groups"].as_array().unwrap().len(), 2);
}

#[test]
fn csv_has_every_number_of_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = labeled_fixture(dir.path(), "labeled.jsonl", 200, 4);
    let f = file.to_str().unwrap();
    let v = json_of(&["compare", f, "--json"]);
    let csv = slant_ok(&["compare", f, "--csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let differences = rows
        .iter()
        .filter(|r| &r[0] == "contrast" && &r[4] == "difference")
        .count();
    assert_eq!(differences, v["contrasts"].as_array().unwrap().len());
    let g = &v["groups"][0];
    let tone = rows
        .iter()
        .find(|r| &r[0] == "group" && r[1] == *g["name"].as_str().unwrap() && &r[3] == "tone")
        .unwrap();
    assert_eq!(
        tone[5].parse::<f64>().unwrap(),
        g["tone"]["value"].as_f64().unwrap()
    );
    assert_eq!(
        tone[6].parse::<f64>().unwrap(),
        g["tone"]["ci_low"].as_f64().unwrap()
    );
}

#[test]
fn bad_input_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"id":"a","source":{"file":"x","line":1},"counts":{},"outlet":"RT","sentiment":{"score":0.1}}"#,
            "\n{not json\n"
        ),
    )
    .unwrap();
    let out = slant(&["compare", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.jsonl, line 2") && err.contains("not JSON"),
        "{err}"
    );

    let out = slant(&["compare", file.to_str().unwrap(), "--resamples", "100"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 2000"));
    let good = labeled_fixture(dir.path(), "good.jsonl", 50, 5);
    let out = slant(&["compare", good.to_str().unwrap(), "--baseline", "Nobody"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--baseline `Nobody`"));
}

#[test]
fn every_svg_of_the_report_parses() {
    let dir = tempfile::tempdir().unwrap();
    let file = labeled_fixture(dir.path(), "labeled.jsonl", 300, 6);
    let out = dir.path().join("report");
    for by in ["outlet", "month"] {
        slant_ok(&[
            "compare",
            file.to_str().unwrap(),
            "--by",
            by,
            "--out",
            out.to_str().unwrap(),
        ]);
        let svgs: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .collect();
        assert!(svgs.len() >= 6, "{svgs:?}");
        for svg in &svgs {
            let text = std::fs::read_to_string(svg).unwrap();
            let doc = roxmltree::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", svg.display()));
            assert_eq!(doc.root_element().tag_name().name(), "svg");
            assert!(
                doc.descendants().filter(|n| n.is_element()).count() > 20,
                "{}",
                svg.display()
            );
        }
        if by == "month" {
            assert!(out.join("tone-by-month.svg").exists());
        }
        assert!(out.join("report.html").exists() && out.join("comparison.json").exists());
    }
}

#[test]
fn reads_standard_input_and_gzip() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let file = labeled_fixture(dir.path(), "labeled.jsonl", 120, 9);
    let bytes = std::fs::read(&file).unwrap();
    let from_file = json_of(&["compare", file.to_str().unwrap(), "--json"]);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_slant"))
        .args(["compare", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let from_stdin: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_stdin["groups"], from_file["groups"]);

    let gz = dir.path().join("labeled.jsonl.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(&bytes).unwrap();
    encoder.finish().unwrap();
    let from_gz = json_of(&["compare", gz.to_str().unwrap(), "--json"]);
    assert_eq!(from_gz["groups"], from_file["groups"]);
}

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds")
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stderr_of(args: &[&str]) -> String {
    let out = slant(args);
    assert!(!out.status.success(), "slant {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn articles_are_labeled_first_and_give_the_numbers_of_their_label_output() {
    let dir = tempfile::tempdir().unwrap();
    let articles = seeds().join("articles.jsonl");
    let direct = json_of(&["compare", text(&articles), "--json"]);
    assert_eq!(direct["input"]["records"], 6);
    assert_eq!(direct["input"]["articles"], 6);
    let names: Vec<&str> = direct["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Crestline Daily", "Harbor Ledger", "Summit Wire"]);
    for g in direct["groups"].as_array().unwrap() {
        let tone = g["tone"]["value"].as_f64().expect("a tone per group");
        assert!((-1.0..=1.0).contains(&tone), "{g}");
    }

    // The same articles labeled by `slant label`, read back without relabeling: same numbers.
    let jsonl = dir.path().join("labeled.jsonl");
    slant_ok(&["label", text(&articles), "-o", text(&jsonl)]);
    assert_eq!(json_of(&["compare", text(&jsonl), "--json"]), direct);
    let parquet = dir.path().join("labeled.parquet");
    slant_ok(&["label", text(&articles), "-o", text(&parquet)]);
    let from_parquet = json_of(&["compare", text(&parquet), "--json"]);
    assert_eq!(from_parquet["input"], direct["input"]);
    for (p, d) in from_parquet["groups"]
        .as_array()
        .unwrap()
        .iter()
        .zip(direct["groups"].as_array().unwrap())
    {
        assert_eq!(p["tone"], d["tone"]);
        assert_eq!(p["sentiment"], d["sentiment"]);
        assert_eq!(p["toxicity"], d["toxicity"]);
    }
}

#[test]
fn a_folder_of_jsonl_csv_and_pages_is_labeled_and_compared() {
    let seeds = seeds();
    let v = json_of(&["compare", text(&seeds), "--json", "--min-articles", "3"]);
    // Every record of every readable file: the JSONL lines, the CSV rows, the pages.
    let jsonl = std::fs::read_to_string(seeds.join("articles.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let csv = csv::Reader::from_path(seeds.join("articles.csv"))
        .unwrap()
        .records()
        .count();
    let pages = walkdir_count(&seeds.join("pages"));
    let records = v["input"]["records"].as_u64().unwrap() as usize;
    assert!(
        records >= jsonl + csv + pages,
        "{records} < {jsonl}+{csv}+{pages}"
    );
    let articles: u64 = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["articles"].as_u64().unwrap())
        .sum();
    assert_eq!(articles, v["input"]["articles"].as_u64().unwrap());
    assert!(articles as usize >= jsonl + csv, "{v}");
    assert!(v["groups"].as_array().unwrap().len() >= 3);
    // Cohen's d needs a spread on each side: none when a group has a single article.
    let size_of = |name: &Value| {
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| &g["name"] == name)
            .unwrap()["articles"]
            .as_u64()
            .unwrap()
    };
    for c in v["contrasts"].as_array().unwrap() {
        let smallest = size_of(&c["group_a"]).min(size_of(&c["group_b"]));
        if c["figure"] == "tone" {
            assert_eq!(c["cohen_d"].is_null(), smallest < 2, "{c}");
        }
        let drawn = c["permutations"].as_u64().unwrap();
        assert!(drawn > 0 && drawn <= v["settings"]["permutations"].as_u64().unwrap());
    }
}

/// Files of a folder tree (the pages: one article each, or more).
fn walkdir_count(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        n += if path.is_dir() {
            walkdir_count(&path)
        } else {
            1
        };
    }
    n
}

#[test]
fn mixed_inputs_and_labeling_flags_on_labeled_output_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let labeled = labeled_fixture(dir.path(), "labeled.jsonl", 50, 11);
    let csv = seeds().join("articles.csv");
    let err = stderr_of(&["compare", text(&labeled), text(&csv)]);
    assert!(
        err.contains("mix") && err.contains("labeled.jsonl") && err.contains("articles.csv"),
        "{err}"
    );
    let err = stderr_of(&["compare", text(&labeled), "--target", "Russia=Moscow"]);
    assert!(err.contains("--target") && err.contains("already"), "{err}");
    let err = stderr_of(&["compare", text(&dir.path().join("absent.jsonl"))]);
    assert!(err.contains("absent.jsonl"), "{err}");
}

/// A config with the shipped sentiment, target-stance and claim-stance models.
fn config_with_claims(dir: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let model = |name: &str| repo.join("models").join(name).display().to_string();
    let config = dir.join("claims.toml");
    std::fs::write(
        &config,
        format!(
            "[stages.tokenize]\nlanguage = \"english\"\n\
             [stages.sentiment]\nmodel = {:?}\n\
             [stages.stance]\nmodel = {:?}\ntargets = {{ Coalition = [\"Northern Coalition\"] }}\n\
             [stages.claim]\nplugin = \"stance\"\nmodel = {:?}\nreads = \"claims\"\n",
            model("sentiment.model"),
            model("stance-target.model"),
            model("stance-claim.model"),
        ),
    )
    .unwrap();
    config
}

#[test]
fn targets_and_claims_given_on_the_command_line_are_compared() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_claims(dir.path());
    let articles = seeds().join("articles.jsonl");
    let v = json_of(&[
        "compare",
        text(&articles),
        "--config",
        text(&config),
        "--target",
        "Valmora=Valmora",
        "--claim",
        "The ceasefire is holding.",
        "--json",
    ]);
    let targets = v["targets"].to_string();
    assert!(
        targets.contains("Valmora") && targets.contains("Coalition"),
        "{targets}"
    );
    assert_eq!(v["claims"][0], "The ceasefire is holding.");
    for g in v["groups"].as_array().unwrap() {
        let claim = &g["claims"][0];
        assert_eq!(claim["claim"], "The ceasefire is holding.", "{g}");
        assert_eq!(
            claim["articles"], g["articles"],
            "every article is paired with the claim"
        );
        let shares = claim["shares"].as_array().unwrap();
        let total: f64 = shares.iter().map(|s| s["share"].as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-9, "{claim}");
        for share in shares {
            let label = share["label"].as_str().unwrap();
            assert!(
                ["agree", "disagree", "discuss", "unrelated"].contains(&label),
                "the claim model's labels: {claim}"
            );
        }
    }
    let table = slant_ok(&[
        "compare",
        text(&articles),
        "--config",
        text(&config),
        "--claim",
        "The ceasefire is holding.",
    ]);
    assert!(table.contains("The ceasefire is holding."), "{table}");
}

#[test]
fn the_shared_seed_pages_are_labeled_and_compared() {
    let Some(pages) = support::needs_shared(
        "the_shared_seed_pages_are_labeled_and_compared",
        support::shared_dir().join("seeds"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let v = json_of(&["compare", text(&pages), "--json", "--out", text(&out)]);
    // Five pages, one of which holds two articles (RT's and The Duran's): six articles.
    assert_eq!(v["input"]["records"], 6);
    assert_eq!(v["input"]["articles"], 6, "every seed article is labeled");
    let groups = v["groups"].as_array().unwrap();
    let names = v["groups"].to_string();
    assert!(
        names.contains("Global Research") && names.contains("RT"),
        "{names}"
    );
    assert!(groups.len() >= 4, "{v}");
    let targets = v["targets"].to_string();
    assert!(
        targets.contains("Syrian government") && targets.contains("ISIS"),
        "{targets}"
    );
    for g in groups {
        assert_eq!(g["small"], true, "under 10 articles is marked small: {g}");
    }
    assert!(out.join("report.html").exists());
}
