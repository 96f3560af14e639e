//! `slant label`: read articles, run the configured pipeline, write one record per input record.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use slant::ingest::{self, ReadOptions};
use slant::labeled::OutputRecord;
use slant::output::parquet::StageColumns;
use slant::output::{Column, OutputFormat, RecordWriter};
use slant::pipeline::targets::{self, RunTargets};
use slant::pipeline::{FilterAction, LabelOptions, Pipeline, PipelineConfig, StageOverride, Unit};
use slant::plugin::PluginDirs;

use super::Global;

/// Flags of `slant label`.
#[derive(Debug, clap::Args)]
pub struct LabelArgs {
    /// Files or folders to read (.jsonl, .csv, .txt, .md, .html, optionally .gz; .parquet, .arrow); `-` is stdin (JSON Lines).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
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
    /// Include every sentence's result for stages that read sentences (e.g. sentiment).
    #[arg(long)]
    pub sentences: bool,
    /// Explain each decision by the N n-grams that pushed it most (article tone, each comment's flag).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub explain: usize,
    /// Stop at the first record that fails (exit code 2) instead of writing an error record.
    #[arg(long)]
    pub strict: bool,
    /// Outlet of every article read, overriding the one a page or record names.
    #[arg(long, value_name = "NAME")]
    pub outlet: Option<String>,
    /// Add `provenance` to each record: where each metadata field came from (json-ld,
    /// open-graph, meta, byline, command-line, ...).
    #[arg(long)]
    pub provenance: bool,
    /// Include every mention (byte offsets, alias, scores) for stages that read mentions.
    #[arg(long)]
    pub mentions: bool,
    /// Parquet / Arrow inputs: the column holding the article text (default: body, else text).
    #[arg(long, value_name = "COLUMN")]
    pub text_column: Option<String>,
    /// Parquet / Arrow inputs: the column holding the record id (default: id).
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Parquet / Arrow inputs: the column holding the outlet (default: outlet).
    #[arg(long, value_name = "COLUMN")]
    pub outlet_column: Option<String>,
}

/// The flags that choose and change the pipeline; merged into the config, then validated once.
#[derive(Debug, clap::Args)]
pub struct PipelineArgs {
    /// Pipeline config (default: ./slant.toml if present, else the shipped seeds/slant.toml).
    #[arg(long, short, env = "SLANT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use another model file for a stage in this run, e.g. `--model toxicity=my.model`.
    #[arg(long = "model", value_name = "STAGE=PATH", value_parser = parse_model)]
    pub models: Vec<StageOverride>,
    /// Change any stage setting for this run, e.g. `--set toxicity.threshold=0.7` (TOML value).
    #[arg(long = "set", value_name = "STAGE.KEY=VALUE", value_parser = StageOverride::parse)]
    pub settings: Vec<StageOverride>,
    /// Filter action of every stage that has a filter, for this run.
    #[arg(long, value_enum)]
    pub action: Option<FilterAction>,
    /// One threshold for every score of every stage that has a filter, for this run.
    #[arg(long, value_name = "P")]
    pub threshold: Option<f32>,
    /// What every stage with a filter reads, for this run.
    #[arg(long, value_enum, value_name = "WHICH")]
    pub target_text: Option<TargetText>,
    // ---- targets and claims (stages reading mentions or claims) ----
    /// A target for every stage that reads mentions, `NAME=ALIAS1,ALIAS2` (repeatable).
    #[arg(long = "target", value_name = "NAME=ALIASES", value_parser = parse_target)]
    pub targets: Vec<(String, Vec<String>)>,
    /// A TOML file of targets (`NAME = [ALIASES]`) for every stage that reads mentions.
    #[arg(long = "targets", value_name = "FILE")]
    pub targets_files: Vec<PathBuf>,
    /// A claim for every stage that reads claims (repeatable).
    #[arg(long = "claim", value_name = "TEXT")]
    pub claims: Vec<String>,
}

fn parse_target(s: &str) -> Result<(String, Vec<String>), String> {
    targets::parse_target_flag(s).map_err(|e| e.to_string())
}

impl PipelineArgs {
    /// The targets and claims the flags give, with files resolved against the working folder.
    fn run_targets(&self) -> anyhow::Result<RunTargets> {
        let files = self
            .targets_files
            .iter()
            .map(|f| std::path::absolute(f).with_context(|| f.display().to_string()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(RunTargets {
            targets: self.targets.iter().cloned().collect(),
            files,
            claims: self.claims.clone(),
        })
    }
}

/// Shorthand for the units a filter stage reads.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TargetText {
    Comments,
    Body,
    Both,
}

fn parse_model(s: &str) -> Result<StageOverride, String> {
    let (stage, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected STAGE=PATH, got {s:?}"))?;
    // A path on the command line is relative to the working folder, not to the config.
    let path = std::path::absolute(path.trim()).map_err(|e| format!("{path}: {e}"))?;
    Ok(StageOverride {
        stage: stage.trim().to_string(),
        key: "model".into(),
        value: toml::Value::String(path.display().to_string()),
    })
}

impl PipelineArgs {
    /// The config with every flag merged in, validated.
    ///
    /// # Errors
    /// The config cannot be read, or a flag does not fit it.
    pub fn config(&self) -> anyhow::Result<PipelineConfig> {
        if let Some(t) = self.threshold {
            anyhow::ensure!(
                (0.0..=1.0).contains(&t),
                "--threshold {t} must be within 0..=1"
            );
        }
        let path = match &self.config {
            Some(p) => p.clone(),
            None => default_config_path()?,
        };
        let mut config = PipelineConfig::read(&path)?;
        config.apply(&self.overrides())?;
        config.run_targets = self.run_targets()?;
        config.validate()?;
        Ok(config)
    }

    fn overrides(&self) -> Vec<StageOverride> {
        let every = |key: &str, value: toml::Value| StageOverride {
            stage: "*".into(),
            key: key.into(),
            value,
        };
        let mut all = self.models.clone();
        all.extend(self.settings.iter().cloned());
        if let Some(a) = self.action {
            let name = format!("{a:?}").to_lowercase();
            all.push(every("action", toml::Value::String(name)));
        }
        if let Some(t) = self.threshold {
            all.push(every("threshold", toml::Value::Float(f64::from(t))));
        }
        if let Some(t) = self.target_text {
            let units: &[Unit] = match t {
                TargetText::Comments => &[Unit::Comments],
                TargetText::Body => &[Unit::Body],
                TargetText::Both => &[Unit::Comments, Unit::Body],
            };
            let list = units
                .iter()
                .map(|u| toml::Value::String(format!("{u:?}").to_lowercase()))
                .collect();
            all.push(every("reads", toml::Value::Array(list)));
        }
        all
    }

    /// Builds the pipeline of the merged config.
    ///
    /// # Errors
    /// As [`PipelineArgs::config`] and [`Pipeline::build`].
    pub fn build(&self, global: &Global) -> anyhow::Result<Pipeline> {
        let config = self.config()?;
        let dirs = PluginDirs::resolve(global.plugin_dir.as_deref());
        Pipeline::build(&config, &dirs)
            .with_context(|| format!("building the pipeline of {}", config.path.display()))
    }
}

/// The config used when `--config` is not given: `./slant.toml`, else `slant.toml` beside the
/// executable, else the repository's `seeds/slant.toml` (for `cargo run` in a checkout).
///
/// # Errors
/// None of them exists.
pub fn default_config_path() -> anyhow::Result<PathBuf> {
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("slant.toml")));
    let candidates = [
        Some(PathBuf::from("slant.toml")),
        beside_exe,
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds/slant.toml")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no pipeline config: pass --config FILE (or put slant.toml in this folder or beside the slant binary)"
            )
        })
}

/// Columns of CSV and table output: metadata, then each classifier stage's headline figures.
fn columns(pipeline: &Pipeline) -> Vec<Column> {
    let mut columns = vec![
        Column::new("id", "/id").or("/source/file"),
        Column::new("outlet", "/outlet"),
        Column::new("title", "/title"),
        Column::new("date", "/date"),
        Column::new("tokens", "/counts/tokens"),
        Column::new("sentences", "/counts/sentences"),
        Column::new("comments", "/counts/comments"),
    ];
    for stage in &pipeline.classifiers {
        let n = &stage.name;
        let article_level = stage
            .reads
            .iter()
            .any(|u| matches!(u, Unit::Body | Unit::Sentences));
        if article_level && stage.outputs.exclusive {
            columns.push(Column::new(n, &format!("/{n}/label")));
        }
        if article_level {
            if let Some(score) = &stage.outputs.score {
                columns.push(Column::new(
                    &format!("{n}.{}", score.name),
                    &format!("/{n}/score"),
                ));
            }
        }
        if stage.reads.contains(&Unit::Body) && stage.filter.is_some() {
            columns.push(Column::new(&format!("{n}.body"), &format!("/{n}/flagged")));
        }
        if stage.reads.contains(&Unit::Comments) && stage.filter.is_some() {
            columns.push(Column::new(
                &format!("{n}.flagged"),
                &format!("/{n}/comments/flagged"),
            ));
            columns.push(Column::new(
                &format!("{n}.dropped"),
                &format!("/{n}/comments/dropped"),
            ));
            columns.push(Column::new(
                &format!("{n}.rate"),
                &format!("/{n}/comments/flag_rate"),
            ));
        }
    }
    columns.push(Column::new("error", "/error"));
    columns
}

/// What each classifier stage writes in this run, given what it reads and the flags.
fn stage_columns(pipeline: &Pipeline, options: &LabelOptions) -> Vec<StageColumns> {
    pipeline
        .classifiers
        .iter()
        .map(|stage| {
            let reads = |unit| stage.reads.contains(&unit);
            StageColumns {
                name: stage.name.to_string(),
                filter: stage.filter.is_some(),
                sentences: reads(Unit::Sentences) && options.sentences,
                comments: reads(Unit::Comments),
                targets: reads(Unit::Mentions),
                mention_list: reads(Unit::Mentions) && (options.mentions || options.explain > 0),
                claims: reads(Unit::Claims),
                explain: options.explain > 0,
            }
        })
        .collect()
}

/// Runs `slant label`: labels every input record, writes one output record per input record,
/// then reports targets never mentioned and inputs that named nothing to read.
pub fn run(args: LabelArgs, global: &Global) -> anyhow::Result<i32> {
    let mut pipeline = args.pipeline.build(global)?;
    if args.explain > 0 {
        pipeline.enable_explain().map_err(anyhow::Error::msg)?;
    }
    let unusable = unusable_inputs(&args.inputs);
    let records = ingest::read_all(&args.inputs, &read_options(&args));
    let mut writer = RecordWriter::open(args.output.as_deref(), args.format, columns(&pipeline))?;
    let label_options = label_options(&args);
    writer.set_stages(stage_columns(&pipeline, &label_options));
    let progress = progress_bar(global.quiet);
    let started = Instant::now();
    let (writer, written) = write_labeled(
        &pipeline,
        records,
        &label_options,
        writer,
        args.strict,
        &progress,
    )?;
    if written.pipe_closed {
        return Ok(0);
    }
    progress.finish_and_clear();
    if let Some(message) = written.strict_failure {
        // The output file is not persisted: the temporary file is dropped with the writer.
        eprintln!("slant: error (--strict): {message}");
        return Ok(2);
    }
    writer.finish()?;
    report_unmatched_targets(&pipeline);
    if !unusable.is_empty() {
        // Every other input was labeled; a typo in a script must still not pass unnoticed.
        for problem in &unusable {
            eprintln!("slant: error: {problem}");
        }
        return Ok(1);
    }
    if !global.quiet {
        eprintln!(
            "slant: {} ({} labeled, {}) in {:.2}s",
            plural(written.records, "record"),
            written.records - written.errors,
            plural(written.errors, "error"),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(0)
}

/// How the inputs are read: the outlet flag and the columns named by flags.
fn read_options(args: &LabelArgs) -> ReadOptions {
    ReadOptions {
        outlet: args.outlet.clone(),
        columns: ingest::parquet::ColumnNames {
            text: args.text_column.clone(),
            id: args.id_column.clone(),
            outlet: args.outlet_column.clone(),
        },
        ..ReadOptions::default()
    }
}

/// What each output record holds beyond the labels, from the flags.
fn label_options(args: &LabelArgs) -> LabelOptions {
    LabelOptions {
        tokens: args.tokens,
        body: args.body,
        sentences: args.sentences,
        explain: args.explain,
        mentions: args.mentions,
        provenance: args.provenance,
    }
}

/// What [`write_labeled`] wrote, and why it stopped early if it did.
#[derive(Default)]
struct Written {
    records: usize,
    errors: usize,
    /// The first error record's message, under `--strict` (nothing after it is written).
    strict_failure: Option<String>,
    /// The reader of the output went away (a closed pipe): not an error.
    pipe_closed: bool,
}

/// Labels `records` and writes each output record as it comes, flushing after each window
/// (so a pipe is answered window by window); stops at the first error record under `strict`,
/// or once the output's reader has gone.
///
/// # Errors
/// Writing or flushing failed (other than on a closed pipe).
fn write_labeled(
    pipeline: &Pipeline,
    records: impl Iterator<Item = slant::article::InputRecord> + Send + 'static,
    options: &LabelOptions,
    writer: RecordWriter,
    strict: bool,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<(RecordWriter, Written)> {
    let mut written = Written::default();
    // Shared by the two callbacks: one writes each record, the other flushes after each window.
    let writer_cell = std::cell::RefCell::new(writer);
    let flush = || -> anyhow::Result<()> {
        match writer_cell.borrow_mut().flush() {
            Err(e) if !RecordWriter::is_closed_pipe(&e) => Err(e.into()),
            _ => Ok(()),
        }
    };
    pipeline.run_windows(
        records,
        options,
        |record: OutputRecord| -> anyhow::Result<bool> {
            written.records += 1;
            progress.inc(1);
            if let Some(message) = record.error() {
                written.errors += 1;
                if strict {
                    written.strict_failure = Some(message.to_string());
                    return Ok(false);
                }
            }
            match writer_cell.borrow_mut().write_record(&record) {
                Ok(()) => Ok(true),
                Err(e) if RecordWriter::is_closed_pipe(&e) => {
                    written.pipe_closed = true;
                    Ok(false)
                }
                Err(e) => Err(e.into()),
            }
        },
        flush,
    )?;
    Ok((writer_cell.into_inner(), written))
}

/// Inputs that name nothing to read: a path that does not exist, or a folder without one
/// readable file. (Bad records inside real files are error records, not this.)
fn unusable_inputs(inputs: &[PathBuf]) -> Vec<String> {
    inputs
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|p| {
            if !p.exists() {
                Some(format!("input {} does not exist", p.display()))
            } else if p.is_dir()
                && !ingest::expand_inputs(std::slice::from_ref(p))
                    .iter()
                    .any(Result::is_ok)
            {
                Some(format!(
                    "input folder {} holds no file slant can read",
                    p.display()
                ))
            } else {
                None
            }
        })
        .collect()
}

/// Says once per stage, on stderr, which targets no article mentioned (their aliases may be
/// wrong): one target with its aliases, several on one line, so a broad targets file does not
/// bury the run's summary.
pub(super) fn report_unmatched_targets(pipeline: &Pipeline) {
    for stage in &pipeline.classifiers {
        let Some(finder) = &stage.inputs.finder else {
            continue;
        };
        match finder.unmatched().as_slice() {
            [] => {}
            [(name, aliases)] => eprintln!(
                "slant: stage `{}`: target `{name}` was mentioned in no article (aliases: {})",
                stage.name,
                aliases.join(", ")
            ),
            several => eprintln!(
                "slant: stage `{}`: {} targets were mentioned in no article: {}",
                stage.name,
                several.len(),
                several
                    .iter()
                    .map(|(name, _)| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// `1 error`, `2 errors`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
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
