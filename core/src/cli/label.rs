//! `slant label`: read articles, run the configured pipeline, write one record per input record.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use slant::ingest::{self, ReadOptions};
use slant::output::{Column, OutputFormat, RecordWriter};
use slant::pipeline::{
    ApplyTo, BuildOptions, FilterAction, LabelOptions, Pipeline, PipelineConfig,
};
use slant::plugin::PluginDirs;

use super::Global;

/// Flags of `slant label`.
#[derive(Debug, clap::Args)]
pub struct LabelArgs {
    /// Files or folders to read (.jsonl, .csv, .txt, .md, .html, optionally .gz); `-` is stdin (JSON Lines).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Pipeline config (default: ./slant.toml if present, else the shipped seeds/slant.toml).
    #[arg(long, short, env = "SLANT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format (default: table on a terminal, JSON Lines otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write to FILE (atomically: it appears complete or not at all) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Include every token (term, byte offsets, sentence index) in each record.
    #[arg(long)]
    pub tokens: bool,
    /// Include the article body text in each record.
    #[arg(long)]
    pub body: bool,
    /// Stop at the first record that fails (exit code 2) instead of writing an error record.
    #[arg(long)]
    pub strict: bool,
    /// Outlet for pages that do not name one.
    #[arg(long, value_name = "NAME")]
    pub outlet: Option<String>,
    /// Use another model file for a classifier stage for this run, e.g. `--model toxicity=my.model`.
    #[arg(long = "model", value_name = "STAGE=PATH", value_parser = parse_override)]
    pub models: Vec<(String, PathBuf)>,
    /// Toxicity filter action for this run (flag, drop, redact).
    #[arg(long, value_enum)]
    pub action: Option<FilterAction>,
    /// Toxicity threshold for this run (probability of `toxic`).
    #[arg(long, value_name = "P")]
    pub threshold: Option<f32>,
    /// Which texts the toxicity stage scores.
    #[arg(long, value_enum, value_name = "WHICH")]
    pub target_text: Option<ApplyTo>,
}

fn parse_override(s: &str) -> Result<(String, PathBuf), String> {
    let (stage, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected STAGE=PATH, got {s:?}"))?;
    Ok((stage.trim().to_string(), PathBuf::from(path.trim())))
}

/// The config used when `--config` is not given.
pub fn default_config_path() -> PathBuf {
    let local = Path::new("slant.toml");
    if local.is_file() {
        return local.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds/slant.toml")
}

/// Columns of CSV and table output.
fn columns() -> Vec<Column> {
    vec![
        Column::new("id", "/id"),
        Column::new("outlet", "/outlet"),
        Column::new("title", "/title"),
        Column::new("date", "/date"),
        Column::new("tokens", "/counts/tokens"),
        Column::new("sentences", "/counts/sentences"),
        Column::new("comments", "/counts/comments"),
        Column::new("flagged", "/toxicity/flagged"),
        Column::new("dropped", "/toxicity/dropped"),
        Column::new("tox_rate", "/toxicity/toxicity_rate"),
        Column::new("error", "/error"),
    ]
}

/// Runs `slant label`.
pub fn run(args: LabelArgs, global: &Global) -> anyhow::Result<i32> {
    let config_path = args.config.clone().unwrap_or_else(default_config_path);
    let config = PipelineConfig::load(&config_path)?;
    let options = BuildOptions {
        plugin_dirs: Some(PluginDirs::resolve(global.plugin_dir.as_deref())),
        model_overrides: args.models.iter().cloned().collect::<BTreeMap<_, _>>(),
        toxicity_action: args.action,
        toxicity_threshold: args.threshold,
        toxicity_apply_to: args.target_text,
    };
    if let Some(t) = args.threshold {
        anyhow::ensure!(
            (0.0..=1.0).contains(&t),
            "--threshold {t} must be within 0..=1"
        );
    }
    let pipeline = Pipeline::build(&config, &options)
        .with_context(|| format!("building the pipeline of {}", config_path.display()))?;
    let read_options = ReadOptions {
        outlet: args.outlet.clone(),
        ..ReadOptions::default()
    };
    let records = ingest::read_all(&args.inputs, &read_options);
    let mut writer = RecordWriter::open(args.output.as_deref(), args.format, columns())?;
    let progress = progress_bar(global.quiet);
    let label_options = LabelOptions {
        tokens: args.tokens,
        body: args.body,
    };
    let started = Instant::now();
    let (mut n, mut errors) = (0usize, 0usize);
    let mut strict_failure: Option<String> = None;
    let mut pipe_closed = false;
    pipeline.run(records, &label_options, |record| -> anyhow::Result<bool> {
        n += 1;
        progress.inc(1);
        if let Some(message) = record.get("error").and_then(|e| e.as_str()) {
            errors += 1;
            if args.strict {
                strict_failure = Some(message.to_string());
                return Ok(false);
            }
        }
        match writer.write(&record) {
            Ok(()) => Ok(true),
            Err(e) if RecordWriter::is_closed_pipe(&e) => {
                pipe_closed = true;
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    })?;
    if pipe_closed {
        return Ok(0);
    }
    progress.finish_and_clear();
    if let Some(message) = strict_failure {
        // The output file is not persisted: the temporary file is dropped with the writer.
        eprintln!("slant: error (--strict): {message}");
        return Ok(2);
    }
    writer.finish()?;
    if !global.quiet {
        eprintln!(
            "slant: {n} records ({} labeled, {errors} errors) in {:.2}s",
            n - errors,
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(0)
}

/// A spinner with a record count on stderr; hidden when quiet or stderr is not a terminal.
pub fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} records  {per_sec}  {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
