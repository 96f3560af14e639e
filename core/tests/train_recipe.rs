//! Training through the library on the tiny fixture recipe: the same recipe and data give the
//! same model bytes, multi-head recipes with label maps work, cross-validation reports every
//! fold, the card names the data, and recipe errors name the file.
//!
//! Needs the tokenize plugin built beside the test executable (`cargo test --workspace`).

use std::path::{Path, PathBuf};

use slant::train::progress::Progress;
use slant::train::recipe::Recipe;
use slant::train::{export, train, TrainOptions};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/train")
        .join(name)
}

fn options(cv: Option<usize>) -> TrainOptions {
    TrainOptions {
        plugin_dir: None,
        cv,
        command: "slant train --recipe tiny.toml".into(),
        progress: Progress::silent(),
    }
}

#[test]
fn same_recipe_same_bytes_and_a_card_beside_the_model() {
    let (recipe, base) = Recipe::from_file(&fixture("tiny.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.model"), dir.path().join("sub/b.model"));
    let first = train(&recipe, &base, &options(None)).unwrap();
    export::write(&first, &a).unwrap();
    let second = train(&recipe, &base, &options(None)).unwrap();
    export::write(&second, &b).unwrap();
    let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(ba.len() > 1000);
    assert_eq!(ba, bb, "two trainings of the same recipe differ");

    // The file reads back as the model that was trained.
    let model = slant_model::read_file(&a).unwrap();
    assert_eq!(model.feature_ids, first.model.feature_ids);
    assert_eq!(model.column_weights, first.model.column_weights);
    assert_eq!(model.heads, first.model.heads);
    assert_eq!(model.header.heads, first.model.header.heads);
    assert_eq!(
        slant_model::to_bytes(&model).unwrap(),
        ba,
        "reading and rewriting changes bytes"
    );
    let names: Vec<_> = model.header.heads.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["toxic", "flag"]);
    assert_eq!(model.header.heads[1].classes, ["no", "yes"]);
    assert_eq!(model.header.heads[0].positive.as_deref(), Some("toxic"));
    assert!(model.n_features() <= 300 && model.n_features() > 50);
    assert!(model
        .header
        .tokenizer_fingerprint
        .starts_with("slant-tokenize/"));

    // The synthetic classes are separable: the dev report says so.
    let dev = first.heads[0]
        .heldout
        .as_ref()
        .expect("toxic head has dev rows");
    assert!(dev.rows.starts_with("dev"));
    assert!(dev.report.macro_f1 > 0.9, "{:?}", dev.report);
    // The flag head has no dev rows: it was tuned on a grouped holdout of train, which the
    // result names and measures.
    let flag = &first.heads[1];
    assert!(flag.heldout.is_none());
    assert!(
        flag.result.tuning.contains("holdout"),
        "{}",
        flag.result.tuning
    );
    assert_eq!(flag.result.cv.as_ref().map(|c| c.folds), Some(1));
    // Every fit converged, and the card shows it per grid point.
    for head in &first.heads {
        assert!(
            head.result.final_fit.converged,
            "{:?}",
            head.result.final_fit
        );
        assert!(
            head.result.grid.iter().all(|g| g.converged == g.fits),
            "{:?}",
            head.result.grid
        );
    }

    let card = std::fs::read_to_string(dir.path().join("a.md")).unwrap();
    let sha = slant::train::data::sha256_file(&fixture("train.jsonl")).unwrap();
    assert!(
        card.contains(&sha),
        "card lacks the sha256 of the training file"
    );
    assert!(
        card.contains("Same as slant (MIT OR Apache-2.0)"),
        "card lacks the license"
    );
    assert!(card.contains("`toxic` → `yes`"), "card lacks the label map");
    assert!(card.contains("slant train --recipe tiny.toml"));
    assert!(card.contains("Synthetic test data only."));
    assert!(card.contains("What chose what"), "{card}");
    assert!(card.contains("fits converged"), "{card}");
    // The fixture says nothing of how its features were chosen, so the card claims no
    // comparison.
    assert!(
        card.contains("were set by hand, not chosen by a measured comparison"),
        "{card}"
    );
}

#[test]
fn the_card_quotes_how_the_recipe_chose_its_features() {
    let (checked, base) = Recipe::from_file(&fixture("tiny.toml")).unwrap();
    let mut recipe = checked.into_recipe();
    recipe.features_chosen_by = Some("word 1-2 against 1-3 by 3-fold grouped CV.".into());
    let recipe = recipe.check().unwrap();
    let trained = train(&recipe, &base, &options(None)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    export::write(&trained, &dir.path().join("b.model")).unwrap();
    let card = std::fs::read_to_string(dir.path().join("b.md")).unwrap();
    assert!(
        card.contains(
            "The recipe's features, k and weighting: word 1-2 against 1-3 by 3-fold grouped CV."
        ),
        "{card}"
    );
    assert!(!card.contains("set by hand"), "{card}");
}

#[test]
fn cross_validation_reports_every_fold() {
    let (recipe, base) = Recipe::from_file(&fixture("tiny.toml")).unwrap();
    let trained = train(&recipe, &base, &options(Some(3))).unwrap();
    for head in &trained.heads {
        assert_eq!(head.result.folds.len(), 3, "head {}", head.name);
        let cv = head.result.cv.as_ref().unwrap();
        assert_eq!(cv.folds, 3);
        assert!(cv.macro_f1.0 > 0.8, "{cv:?}");
        assert_eq!(cv.per_fold.len(), 3);
        let table = cv.to_markdown();
        assert_eq!(table.lines().count(), 2 + 3 + 1, "{table}");
        assert!(table.lines().last().unwrap().starts_with("| mean ± sd"));
        assert!(head.result.tuning.contains("3-fold"));
    }
    // A fold count outside 2..=50 is an error, not a panic.
    let e = train(&recipe, &base, &options(Some(0)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--cv") && e.contains("2..=50"), "{e}");
    // With CV, dev rows are a clean held-out report.
    let dev = trained.heads[0].heldout.as_ref().unwrap();
    assert!(dev.rows.contains("untouched"), "{}", dev.rows);
}

#[test]
fn recipe_errors_name_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "name = \"x\"\ntask = \"t\"\n[[source]]\nname = \"a\"\npath = \"a.jsonl\"\n",
    )
    .unwrap();
    let e = Recipe::from_file(&path).unwrap_err().to_string();
    assert!(e.contains("bad.toml") && e.contains("head"), "{e}");

    // A label outside the map stops training at its file and line.
    let text = std::fs::read_to_string(fixture("tiny.toml"))
        .unwrap()
        .replace(
            "map = { toxic = \"yes\", clean = \"no\" }",
            "map = { toxic = \"yes\" }",
        );
    let recipe = Recipe::from_toml(&text, "tiny.toml").unwrap();
    let e = train(&recipe, &fixture(""), &options(None))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("train.jsonl:1") && e.contains("\"clean\""),
        "{e}"
    );
}
