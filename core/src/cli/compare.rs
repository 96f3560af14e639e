//! `slant compare`: per-group figures with confidence intervals and pairwise tests, as a table,
//! `--json`, `--csv`, and a report folder (`--out`). The inputs are either `slant label` outputs
//! (read as they are) or articles, which are labeled first by the same pipeline, flags and
//! config merging as `slant label` ([`PipelineArgs`]); `compare::source` tells which.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use slant::compare::input::{self, Extraction, GroupField, LabeledRecord};
use slant::compare::names::Aliases;
use slant::compare::source::{self, Inputs};
use slant::compare::{self, groups, CompareError, Options, MIN_RESAMPLES};
use slant::ingest::{self, ReadOptions};
use slant::labeled::OutputRecord;
use slant::pipeline::LabelOptions;
use slant::report;

use super::label::{self, PipelineArgs};
use super::Global;

/// Flags of `slant compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// `slant label` outputs (JSONL, optionally gzip, or `-` for stdin; labeled .parquet), or
    /// articles to label first (files or folders, as `slant label` reads them); not a mix.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// How articles are labeled when the inputs are not labeled output (as `slant label`).
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Group articles by `outlet`, `author`, `month`, or any field (`extra.FIELD` for extra only).
    #[arg(
        long,
        default_value = "outlet",
        value_name = "outlet|author|month|FIELD"
    )]
    pub by: String,
    /// The stage whose `score` is the article's tone and whose `label` its sentiment.
    #[arg(long, default_value = "sentiment", value_name = "STAGE")]
    pub tone: String,
    /// Compare every group with this one only (instead of every pair).
    #[arg(long, value_name = "GROUP")]
    pub baseline: Option<String>,
    /// Pool groups into blocs and compare the blocs: `"pro=A,B;anti=C,D"`.
    #[arg(long, value_name = "SPEC")]
    pub blocs: Option<String>,
    /// TOML file with an `[aliases]` (or `[compare.aliases]`) table: `RT = ["Russia Today"]`.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,
    /// Groups with fewer articles are marked as small.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub min_articles: usize,
    /// Bootstrap resamples per interval (at least 2000).
    #[arg(long, default_value_t = MIN_RESAMPLES, value_name = "N")]
    pub resamples: usize,
    /// Permutations per test (at least 2000; raised to 40 per comparison so Holm can pass).
    #[arg(long, default_value_t = MIN_RESAMPLES, value_name = "N")]
    pub permutations: usize,
    /// Stop a permutation test once N permuted statistics are as extreme as the observed one
    /// (Besag–Clifford sequential test: p = N / draws); 0 draws every permutation.
    #[arg(long, default_value_t = compare::DEFAULT_STOP_AFTER, value_name = "N")]
    pub stop_after: usize,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// Seed of every resampling; the same seed and input give the same numbers.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print every number as JSON instead of the table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print every number as CSV (one number per row) instead of the table.
    #[arg(long)]
    pub csv: bool,
    /// Write report.html, one SVG per chart, comparison.json and comparison.csv into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl CompareArgs {
    fn options(&self) -> anyhow::Result<Options> {
        for (flag, n) in [
            ("--resamples", self.resamples),
            ("--permutations", self.permutations),
        ] {
            if n < MIN_RESAMPLES {
                anyhow::bail!("{flag} must be at least {MIN_RESAMPLES}, not {n}");
            }
        }
        let mut options = Options::new(Extraction {
            tone_stage: self.tone.clone(),
            group_by: GroupField::parse(&self.by),
        });
        options.resamples = self.resamples;
        options.permutations = self.permutations;
        options.stop_after = self.stop_after;
        options.confidence = self.confidence;
        options.seed = self.seed;
        options.min_articles = self.min_articles;
        options.baseline = self.baseline.clone();
        if let Some(spec) = &self.blocs {
            options.blocs = groups::parse_blocs(spec)?;
        }
        if let Some(path) = &self.aliases {
            options.aliases = Aliases::from_file(path)?;
        }
        Ok(options)
    }
}

/// Flags that change the labeling, which cannot apply to inputs that are labeled already.
fn labeling_flags(pipeline: &PipelineArgs) -> Vec<&'static str> {
    let given = [
        ("--model", !pipeline.models.is_empty()),
        ("--set", !pipeline.settings.is_empty()),
        ("--action", pipeline.action.is_some()),
        ("--threshold", pipeline.threshold.is_some()),
        ("--target-text", pipeline.target_text.is_some()),
        ("--target", !pipeline.targets.is_empty()),
        ("--targets", !pipeline.targets_files.is_empty()),
        ("--claim", !pipeline.claims.is_empty()),
    ];
    given
        .into_iter()
        .filter_map(|(flag, set)| set.then_some(flag))
        .collect()
}

/// Labels the articles of the inputs with the configured pipeline (as `slant label` would) and
/// keeps only the figures `compare` needs from each output record, so memory stays small.
fn label_articles(
    args: &CompareArgs,
    extraction: &Extraction,
    global: &Global,
) -> anyhow::Result<Vec<Result<LabeledRecord, CompareError>>> {
    let pipeline = args.pipeline.build(global)?;
    let records = ingest::read_all(&args.inputs, &ReadOptions::default());
    let progress = label::progress_bar(global.quiet);
    let started = Instant::now();
    let mut figures = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    pipeline.run(
        records,
        &LabelOptions::default(),
        |record: OutputRecord| -> anyhow::Result<bool> {
            progress.inc(1);
            if let Some(message) = record.error() {
                errors.push(message.to_string());
            }
            let value = serde_json::to_value(&record)?;
            figures.push(
                input::read_record(&value, extraction).map_err(|e| CompareError::Read {
                    path: value["source"]["file"].as_str().unwrap_or("?").to_string(),
                    cause: e.to_string(),
                }),
            );
            Ok(true)
        },
    )?;
    progress.finish_and_clear();
    label::report_unmatched_targets(&pipeline);
    if !global.quiet {
        report_labeling(figures.len(), &errors, started);
    }
    Ok(figures)
}

/// Says on stderr how many records were labeled, and why the first few could not be.
fn report_labeling(records: usize, errors: &[String], started: Instant) {
    const SHOWN: usize = 5;
    for message in errors.iter().take(SHOWN) {
        eprintln!("slant: skipped: {message}");
    }
    if errors.len() > SHOWN {
        eprintln!("slant: … and {} more skipped", errors.len() - SHOWN);
    }
    eprintln!(
        "slant: labeled {} of {records} records in {:.2}s with the pipeline",
        records - errors.len(),
        started.elapsed().as_secs_f64()
    );
}

/// The labeled records to compare: read from `slant label` outputs, or from a pipeline run
/// over the articles (see `compare::source` for how the two are told apart).
fn labeled_records<'a>(
    args: &'a CompareArgs,
    extraction: &'a Extraction,
    global: &Global,
) -> anyhow::Result<Box<dyn Iterator<Item = Result<LabeledRecord, CompareError>> + 'a>> {
    match source::classify(&args.inputs)? {
        Inputs::Labeled(files) => {
            let flags = labeling_flags(&args.pipeline);
            anyhow::ensure!(
                flags.is_empty(),
                "{} change(s) how articles are labeled, but the inputs are `slant label` output already (relabel them with `slant label`, or pass the articles)",
                flags.join(", ")
            );
            Ok(Box::new(source::read_files(files, extraction)))
        }
        Inputs::Articles => Ok(Box::new(
            label_articles(args, extraction, global)?.into_iter(),
        )),
    }
}

/// Runs `slant compare`.
pub fn run(args: CompareArgs, global: &Global) -> anyhow::Result<i32> {
    let options = args.options()?;
    let records = labeled_records(&args, &options.extraction, global)?;
    let comparison = compare::compare(records, &options)?;
    let text = if args.json {
        report::to_json(&comparison)? + "\n"
    } else if args.csv {
        report::rows::to_csv(&comparison)?
    } else {
        report::table::render(&comparison)
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")?;
    if let Some(dir) = &args.out {
        let files = report::write_dir(&comparison, dir)?;
        if !global.quiet {
            eprintln!("slant: wrote {} files to {}", files.len(), dir.display());
        }
    }
    Ok(0)
}
