//! `slant compare`: per-group figures with confidence intervals and pairwise tests, from
//! `slant label` JSONL outputs, as a table, `--json`, `--csv`, and a report folder (`--out`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use slant::compare::input::{Extraction, GroupField, LabeledRecord};
use slant::compare::names::Aliases;
use slant::compare::{self, groups, source, CompareError, Options, MIN_RESAMPLES};
use slant::report;

use super::Global;

/// Flags of `slant compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// `slant label` JSONL outputs (optionally gzip), or `-` for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
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

/// The labeled records to compare. This is the one place where running the pipeline from
/// `compare` (`--config`, `--target`, `--claim`) plugs in: it would yield the records of a
/// pipeline run here instead of reading `slant label` outputs.
fn labeled_records<'a>(
    args: &'a CompareArgs,
    extraction: &'a Extraction,
) -> impl Iterator<Item = Result<LabeledRecord, CompareError>> + 'a {
    source::read_all(&args.inputs, extraction)
}

/// Runs `slant compare`.
pub fn run(args: CompareArgs, global: &Global) -> anyhow::Result<i32> {
    let options = args.options()?;
    let comparison = compare::compare(labeled_records(&args, &options.extraction), &options)?;
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
