//! Comparing groups of labeled articles (outlets, authors, months, any field, or blocs of
//! outlets): per-group figures with bootstrap confidence intervals, and pairwise contrasts with
//! permutation tests, effect sizes and Holm's correction.
//!
//! In order: [`source`] tells labeled outputs from articles to label and reads the outputs; [`input`] (the only module that knows the
//! record's JSON shape) turns each record into [`input::ArticleFigures`]; [`names`] normalizes
//! group names; [`groups`] collects articles per group; [`compute`] runs the [`stats`] and
//! produces a [`summary::Comparison`], which `crate::report` renders.

pub mod compute;
pub mod groups;
pub mod input;
pub mod names;
pub mod source;
pub mod stats;
pub mod summary;
pub mod synthetic;

use groups::{Bloc, Collector};
use input::{Extraction, LabeledRecord};
use names::{Aliases, GroupNamer};
use summary::{Comparison, InputCounts};

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("cannot read {path}: {cause}")]
    Read { path: String, cause: String },
    #[error("{path}, line {line}: {problem}")]
    Record {
        path: String,
        line: u64,
        problem: String,
    },
    #[error("the inputs mix `slant label` output ({labeled}) with articles to label ({articles}): compare one kind at a time (label the articles first with `slant label -o FILE`)")]
    MixedInputs { labeled: String, articles: String },
    #[error("alias table {path}: {problem}")]
    Aliases { path: String, problem: String },
    #[error("--blocs `{spec}`: {problem}")]
    Blocs { spec: String, problem: String },
    #[error("--baseline `{name}` is not one of the groups ({groups})")]
    Baseline { name: String, groups: String },
    #[error("{0}")]
    Settings(String),
    #[error("no labeled articles to compare ({error_records} error records skipped)")]
    NoArticles { error_records: usize },
}

/// The least number of bootstrap resamples and permutations the CLI accepts.
pub const MIN_RESAMPLES: usize = 2000;

/// Extreme permuted statistics after which a permutation test stops (Besag–Clifford): the
/// relative standard error of a p-value stopped this way is about 1/√50 ≈ 14%, and only tests
/// with p above ≈ 50 / permutations stop early.
pub const DEFAULT_STOP_AFTER: usize = 50;

/// How to compare.
#[derive(Debug, Clone)]
pub struct Options {
    pub extraction: Extraction,
    pub aliases: Aliases,
    /// Bootstrap resamples per interval.
    pub resamples: usize,
    /// Permutations per test (the most drawn).
    pub permutations: usize,
    /// Besag–Clifford sequential stopping: a test stops once this many permuted statistics are
    /// as extreme as the observed one (0: every test draws all its permutations).
    pub stop_after: usize,
    pub seed: u64,
    /// Confidence level of every interval, e.g. 0.95.
    pub confidence: f64,
    /// Groups with fewer articles are marked small.
    pub min_articles: usize,
    /// Compare every group with this one only (name as given by the user).
    pub baseline: Option<String>,
    /// Resolved by [`compare`]: the baseline's group key.
    pub baseline_key: Option<String>,
    /// Pool groups into these blocs and compare the blocs.
    pub blocs: Vec<Bloc>,
}

impl Options {
    /// Defaults: tone from `sentiment`, by outlet, 2,000 resamples and permutations (tests
    /// stopping after 50 extreme statistics), 95%, seed 0, groups under 10 articles marked small.
    pub fn new(extraction: Extraction) -> Options {
        Options {
            extraction,
            aliases: Aliases::default(),
            resamples: MIN_RESAMPLES,
            permutations: MIN_RESAMPLES,
            stop_after: DEFAULT_STOP_AFTER,
            seed: 0,
            confidence: 0.95,
            min_articles: 10,
            baseline: None,
            baseline_key: None,
            blocs: Vec::new(),
        }
    }

    fn check(&self) -> Result<(), CompareError> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(CompareError::Settings(format!(
                "the confidence level must be between 0 and 1, not {}",
                self.confidence
            )));
        }
        if self.resamples == 0 || self.permutations == 0 {
            return Err(CompareError::Settings(
                "resamples and permutations must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// Compares the groups of a stream of labeled records (from [`source::read_all`], or straight
/// from a pipeline run). Error records are skipped and counted; a bad record stops the run.
pub fn compare(
    records: impl IntoIterator<Item = Result<LabeledRecord, CompareError>>,
    options: &Options,
) -> Result<Comparison, CompareError> {
    options.check()?;
    let namer = GroupNamer::new(options.extraction.group_by.clone(), options.aliases.clone());
    let baseline_key = options.baseline.as_ref().map(|name| {
        if options.blocs.is_empty() {
            namer.key_of(name)
        } else {
            name.trim().to_string()
        }
    });
    let mut collector = Collector::new(namer, options.blocs.clone())?;
    let mut input = InputCounts::default();
    for record in records {
        input.records += 1;
        match record? {
            LabeledRecord::Error => input.error_records += 1,
            LabeledRecord::Article(figures) => {
                input.articles += 1;
                collector.add(&figures);
            }
        }
    }
    input.outside_blocs = collector.outside_blocs;
    let groups = collector.finish();
    if groups.is_empty() {
        return Err(CompareError::NoArticles {
            error_records: input.error_records,
        });
    }
    if let Some(key) = &baseline_key {
        if !groups.iter().any(|g| &g.key == key) {
            let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
            return Err(CompareError::Baseline {
                name: options.baseline.clone().unwrap_or_default(),
                groups: names.join(", "),
            });
        }
    }
    let options = Options {
        baseline_key,
        ..options.clone()
    };
    Ok(compute::compute(groups, input, &options))
}
