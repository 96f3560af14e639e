//! End to end on real data from `../shared/data` (skipped when it is absent): the OLID benchmark
//! recipe, cut down to a seeded sample so a debug build trains it in seconds, learns something
//! (dev macro-F1 well above the 0.5 of a constant guess) and its card records the data's
//! license from the dataset README.

use std::path::Path;

use slant::train::progress::Progress;
use slant::train::recipe::Recipe;
use slant::train::{export, train, TrainOptions};

mod support;

#[test]
fn olid_sample_trains_and_beats_chance() {
    let olid = support::shared_dir().join("data/olid_offensive/train.jsonl.gz");
    if support::needs_shared("olid_sample_trains_and_beats_chance", olid).is_none() {
        return;
    }
    let recipe_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/recipes/olid.toml");
    let (checked, base) = Recipe::from_file(&recipe_path).unwrap();
    let mut recipe = checked.into_recipe();
    // Small enough for an unoptimized linfa: 1,500 rows per file, 1,500 columns, one C.
    recipe.max_rows = Some(1500);
    recipe.selection.k = 1500;
    recipe.learner.c = vec![1.0];
    recipe.learner.max_iterations = 40;
    let recipe = recipe.check().unwrap();
    let opts = TrainOptions {
        plugin_dir: None,
        cv: None,
        command: "cargo test --test train_shared_data".into(),
        progress: Progress::silent(),
    };
    let trained = train(&recipe, &base, &opts).unwrap();
    let dev = trained.heads[0].heldout.as_ref().unwrap();
    // The sample caps each file, and val has 1,324 rows; dev rows whose text is also in the
    // training sample are left out of dev.
    let left_out = trained.data.sources[1].dev_duplicates;
    assert_eq!(dev.report.rows + left_out, 1324);
    assert!(left_out < 20, "{left_out}");
    assert!(dev.rows.contains("untouched"), "{}", dev.rows);
    assert!(
        trained.heads[0].result.cv.is_some(),
        "the recipe tunes by CV"
    );
    assert!(dev.report.macro_f1 > 0.6, "{:?}", dev.report);
    assert!(dev.report.roc_auc.unwrap() > 0.7);
    assert_eq!(trained.model.header.heads[0].classes, ["NOT", "OFF"]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("olid.model");
    export::write(&trained, &out).unwrap();
    let card = std::fs::read_to_string(dir.path().join("olid.md")).unwrap();
    assert!(
        card.contains("OLID is distributed by its authors for research"),
        "{card}"
    );
    assert!(
        card.contains("| olid_train | train |") && card.contains("| 11916 | 1500 |"),
        "{card}"
    );
}
