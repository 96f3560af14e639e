//! `slant train`: rebuild a model from a recipe (`--recipe`), or train one ad hoc from data
//! files (`--data … --text-field … --label-field …`); writes the model and its card.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use slant::train::progress::Progress;
use slant::train::recipe::{AdHoc, CheckedRecipe, Recipe};
use slant::train::{export, train, TrainOptions};
use slant_model::{FeatureSpec, InputKind};

use super::Global;

/// Flags of `slant train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// A recipe (TOML); its data paths are relative to the recipe's folder.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["data", "dev", "text_field", "label_field", "label_map"])]
    pub recipe: Option<PathBuf>,
    /// Where to write the model (and `<name>.md` beside it). Default for a recipe: the recipe's
    /// path with `.model`.
    #[arg(long, short, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Choose C, temperature and threshold by K-fold cross-validation and report every fold.
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    /// Ad hoc: training files (.jsonl or .csv, optionally .gz).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Ad hoc: dev files (used to choose C, temperature and threshold; else a 10 % holdout).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub dev: Vec<PathBuf>,
    /// Ad hoc: the text field.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: String,
    /// Ad hoc: the label field.
    #[arg(long, value_name = "FIELD")]
    pub label_field: Option<String>,
    /// Ad hoc: map data labels to classes, e.g. `OFF=offensive,NOT=clean`; unmapped values are errors.
    #[arg(long, value_name = "A=X,...", value_parser = parse_label_map)]
    pub label_map: Option<BTreeMap<String, String>>,
    /// Ad hoc: the task name (also the head name).
    #[arg(long, default_value = "label")]
    pub task: String,
    /// Ad hoc: what the model reads.
    #[arg(long, value_parser = parse_input, default_value = "text")]
    pub input: InputKind,
    /// Ad hoc: character n-grams, e.g. `2-5` (default: none).
    #[arg(long, value_name = "MIN-MAX")]
    pub char_ngrams: Option<String>,
    /// Ad hoc: columns kept by χ² selection.
    #[arg(long, value_name = "N")]
    pub k: Option<usize>,
    /// Ad hoc: C grid, e.g. `1,4,16`.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub c: Option<Vec<f32>>,
    /// Ad hoc: use at most N rows per file (a seeded sample).
    #[arg(long, value_name = "N")]
    pub max_rows: Option<usize>,
    /// Ad hoc: seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Parses `a=x,b=y`.
pub fn parse_label_map(s: &str) -> Result<BTreeMap<String, String>, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            let (a, b) = pair
                .split_once('=')
                .ok_or_else(|| format!("expected A=X, got {pair:?}"))?;
            Ok((a.trim().to_string(), b.trim().to_string()))
        })
        .collect()
}

fn parse_input(s: &str) -> Result<InputKind, String> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|_| format!("{s:?}: expected text, target or pair"))
}

/// The command line as typed, for the model card.
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .map(|a| {
            if a.chars()
                .any(|c| c.is_whitespace() || c == '\'' || c == '"')
            {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect();
    format!("slant {}", args.join(" "))
}

/// Runs `slant train`: the recipe (from `--recipe`, or made from the `--data` flags), trained,
/// then the model file and its card written.
pub fn run(args: TrainArgs, global: &Global) -> anyhow::Result<i32> {
    // Both cores for linfa's matrix products (ndarray's matrixmultiply-threading reads this).
    if std::env::var_os("MATMUL_NUM_THREADS").is_none() {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::env::set_var("MATMUL_NUM_THREADS", n.to_string());
    }
    if let Some(k) = args.cv {
        anyhow::ensure!((2..=50).contains(&k), "--cv {k}: need 2..=50 folds");
    }
    let (recipe, base, out) = match &args.recipe {
        Some(path) => {
            let (recipe, base) = Recipe::from_file(path)?;
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| path.with_extension("model"));
            (recipe, base, out)
        }
        None => {
            let (recipe, out) = ad_hoc_recipe(&args)?;
            (recipe, PathBuf::new(), out)
        }
    };
    let progress = Progress::new(global.quiet);
    let options = TrainOptions {
        plugin_dir: global.plugin_dir.clone(),
        cv: args.cv,
        command: command_line(),
        progress,
    };
    let started = Instant::now();
    let trained = train(&recipe, Path::new(&base), &options)?;
    let bytes = export::write(&trained, &out)?;
    progress.note(&format!(
        "wrote {} ({bytes} bytes, {} columns) and {} in {:.1} s",
        out.display(),
        trained.model.n_features(),
        export::card_path(&out).display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(0)
}

/// The recipe the `--data` flags describe, and the model file to write (`--out`, whose stem
/// names the model).
///
/// # Errors
/// No `--data`, `--label-field` or `--out`; a `--char-ngrams` that is not `MIN-MAX`; a recipe
/// the flags make invalid.
fn ad_hoc_recipe(args: &TrainArgs) -> anyhow::Result<(CheckedRecipe, PathBuf)> {
    anyhow::ensure!(
        !args.data.is_empty(),
        "give --recipe FILE, or --data FILE... with --label-field and --out"
    );
    let label_field = args
        .label_field
        .clone()
        .context("--data needs --label-field")?;
    let out = args.out.clone().context("--data needs --out PATH")?;
    let char_ngrams = match &args.char_ngrams {
        None => None,
        Some(s) => {
            let (a, b) = s
                .split_once('-')
                .context("--char-ngrams: expected MIN-MAX, e.g. 2-5")?;
            Some([a.trim().parse()?, b.trim().parse()?])
        }
    };
    let name = out
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let adhoc = AdHoc {
        name,
        task: args.task.clone(),
        input: args.input,
        data: args.data.clone(),
        dev: args.dev.clone(),
        text_field: args.text_field.clone(),
        pair_field: None,
        target_field: None,
        label_field,
        label_map: args.label_map.clone(),
        features: FeatureSpec {
            char_ngrams,
            ..FeatureSpec::default()
        },
        selection_k: args.k,
        c: args.c.clone(),
        max_rows: args.max_rows,
        seed: args.seed,
    };
    Ok((Recipe::ad_hoc(&adhoc)?, out))
}
