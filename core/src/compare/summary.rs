//! The result of a comparison: per-group figures and pairwise contrasts, every number the
//! reports show. Serializable, so `--json` is this structure and nothing else.

use serde::{Deserialize, Serialize};

/// A point estimate with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// How often one label occurs among a group's articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub label: String,
    pub count: usize,
    pub share: f64,
}

/// Stance toward one target in one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub target: String,
    /// Articles that mention the target.
    pub articles: usize,
    pub mentions: u64,
    /// Mean article stance score in [-1, 1], with CI; `None` when no article has a score.
    pub stance: Option<Interval>,
    /// Shares of article stance labels (against / neutral / favor ...).
    pub shares: Vec<Share>,
}

/// Stance toward one claim in one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimSummary {
    pub claim: String,
    pub articles: usize,
    pub shares: Vec<Share>,
}

/// Comment toxicity of one group; the interval resamples whole articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToxicitySummary {
    /// Articles with at least one comment.
    pub articles: usize,
    pub comments: u64,
    pub flagged: u64,
    /// Flagged comments / comments.
    pub rate: Interval,
}

/// Every figure of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// The name shown: an alias's canonical name or the most frequent raw spelling (or the bloc).
    pub name: String,
    /// The normalized key articles were grouped by.
    pub key: String,
    /// The raw names that went into the group, most frequent first.
    pub members: Vec<String>,
    pub articles: usize,
    /// Fewer articles than the configured minimum: shown, but marked.
    pub small: bool,
    /// Mean tone in [-1, 1] with CI, over the articles that have one.
    pub tone: Option<Interval>,
    pub tone_articles: usize,
    /// Shares of article sentiment labels.
    pub sentiment: Vec<Share>,
    pub targets: Vec<TargetSummary>,
    pub claims: Vec<ClaimSummary>,
    pub toxicity: Option<ToxicitySummary>,
}

/// One figure compared between two groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contrast {
    /// `tone`, `stance:TARGET` or `toxicity`.
    pub figure: String,
    pub group_a: String,
    pub group_b: String,
    /// Figure of A minus figure of B, with a bootstrap CI (the effect size in the figure's units).
    pub difference: Interval,
    /// Standardized difference of means (Cohen's d) with a bootstrap CI; `None` for rates.
    pub cohen_d: Option<Interval>,
    /// Two-sided permutation-test p-value.
    pub p_value: f64,
    /// Permutations the test drew (fewer than `settings.permutations` when it stopped early).
    pub permutations: usize,
    /// Holm-adjusted over every contrast of the run.
    pub p_holm: f64,
    /// One side is a small group.
    pub small: bool,
}

/// How the figures were computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub by: String,
    pub tone_stage: String,
    pub interval_method: String,
    pub resamples: usize,
    /// Permutations per test at most (see `compute::permutations_for`).
    pub permutations: usize,
    /// Besag–Clifford: a test stops after this many extreme permuted statistics (0: never).
    pub stop_after: usize,
    pub confidence: f64,
    pub seed: u64,
    pub min_articles: usize,
    pub baseline: Option<String>,
    pub blocs: Vec<(String, Vec<String>)>,
}

/// What was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputCounts {
    pub records: usize,
    pub articles: usize,
    /// Error records of the labeler, skipped.
    pub error_records: usize,
    /// Articles whose group is in no bloc (with `--blocs`), left out.
    pub outside_blocs: usize,
}

/// A whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub settings: Settings,
    pub input: InputCounts,
    /// Sentiment labels in display order.
    pub sentiment_labels: Vec<String>,
    pub targets: Vec<String>,
    pub claims: Vec<String>,
    pub groups: Vec<GroupSummary>,
    pub contrasts: Vec<Contrast>,
}

impl Comparison {
    /// The group summary of a figure name (`tone`, `stance:T`, `toxicity`), as an interval.
    pub fn figure_of(group: &GroupSummary, figure: &str) -> Option<Interval> {
        match figure {
            "tone" => group.tone,
            "toxicity" => group.toxicity.as_ref().map(|t| t.rate),
            other => {
                let target = other.strip_prefix("stance:")?;
                group
                    .targets
                    .iter()
                    .find(|t| t.target == target)
                    .and_then(|t| t.stance)
            }
        }
    }
}
