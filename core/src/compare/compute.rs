//! From collected groups to a [`Comparison`]: per-group intervals, then the contrasts between
//! groups with permutation p-values, effect sizes and Holm's correction.
//!
//! Each resampling task draws from its own generator, derived from the seed and the task's
//! name, so results are the same whatever the thread count or order.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::groups::GroupData;
use super::stats::{self, Replicates, Units};
use super::summary::{
    ClaimSummary, Comparison, Contrast, GroupSummary, InputCounts, Interval, Settings, Share,
    TargetSummary, ToxicitySummary,
};
use super::Options;

/// Labels shown first, in this order, when they occur; others follow alphabetically.
const LABEL_ORDER: &[&str] = &[
    "negative",
    "against",
    "disagree",
    "neutral",
    "discuss",
    "positive",
    "favor",
    "agree",
    "unrelated",
];

/// One compared figure: its name and how to get a group's sampling units.
struct Figure {
    name: String,
    /// Means get Cohen's d; rates do not.
    is_mean: bool,
}

fn figures_of(targets: &[String]) -> Vec<Figure> {
    let mut figures = vec![Figure {
        name: "tone".into(),
        is_mean: true,
    }];
    figures.extend(targets.iter().map(|t| Figure {
        name: format!("stance:{t}"),
        is_mean: true,
    }));
    figures.push(Figure {
        name: "toxicity".into(),
        is_mean: false,
    });
    figures
}

fn units_of<'a>(group: &'a GroupData, figure: &str) -> Option<&'a Units> {
    let units = match figure {
        "tone" => &group.tone,
        "toxicity" => &group.toxicity,
        other => &group.targets.get(other.strip_prefix("stance:")?)?.scores,
    };
    (!units.is_empty()).then_some(units)
}

/// Computes every figure and contrast.
pub fn compute(groups: Vec<GroupData>, input: InputCounts, options: &Options) -> Comparison {
    let targets = union_of(groups.iter().map(|g| g.targets.keys()));
    let claims = union_of(groups.iter().map(|g| g.claims.keys()));
    let sentiment_labels = ordered_labels(union_of(groups.iter().map(|g| g.sentiment.keys())));
    let figures = figures_of(&targets);
    let replicates = draw_all(&groups, &figures, options);
    let summaries: Vec<GroupSummary> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| summarize(i, g, &sentiment_labels, &replicates, options))
        .collect();
    let (contrasts, permutations) = contrasts(&groups, &summaries, &figures, &replicates, options);
    Comparison {
        settings: Settings {
            permutations,
            ..settings(options)
        },
        input,
        sentiment_labels,
        targets,
        claims,
        groups: summaries,
        contrasts,
    }
}

fn settings(options: &Options) -> Settings {
    Settings {
        by: options.extraction.group_by.name().to_string(),
        tone_stage: options.extraction.tone_stage.clone(),
        interval_method: "percentile bootstrap, resampling articles".into(),
        resamples: options.resamples,
        permutations: options.permutations,
        stop_after: options.stop_after,
        confidence: options.confidence,
        seed: options.seed,
        min_articles: options.min_articles,
        baseline: options.baseline.clone(),
        blocs: options
            .blocs
            .iter()
            .map(|b| (b.name.clone(), b.members.clone()))
            .collect(),
    }
}

fn union_of<'a>(keys: impl Iterator<Item = impl Iterator<Item = &'a String>>) -> Vec<String> {
    let mut all: Vec<String> = keys.flatten().cloned().collect();
    all.sort();
    all.dedup();
    all
}

fn ordered_labels(mut labels: Vec<String>) -> Vec<String> {
    let rank = |l: &String| {
        LABEL_ORDER
            .iter()
            .position(|k| k == l)
            .unwrap_or(LABEL_ORDER.len())
    };
    labels.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    labels
}

/// Bootstrap replicates per (group index, figure name), drawn in parallel.
type ReplicateTable = BTreeMap<(usize, String), Replicates>;

fn draw_all(groups: &[GroupData], figures: &[Figure], options: &Options) -> ReplicateTable {
    let tasks: Vec<(usize, &str, &Units)> = groups
        .iter()
        .enumerate()
        .flat_map(|(i, g)| {
            figures
                .iter()
                .filter_map(move |f| units_of(g, &f.name).map(|u| (i, f.name.as_str(), u)))
        })
        .collect();
    tasks
        .into_par_iter()
        .map(|(i, figure, units)| {
            let task = format!("bootstrap/{figure}/{}", groups[i].key);
            let mut rng = stats::task_rng(options.seed, &task);
            let reps = Replicates::draw(units, options.resamples, &mut rng);
            ((i, figure.to_string()), reps)
        })
        .collect()
}

fn interval(units: &Units, reps: Option<&Replicates>, confidence: f64) -> Option<Interval> {
    let value = units.estimate()?;
    let (ci_low, ci_high) = reps?.interval(confidence);
    Some(Interval {
        value,
        ci_low,
        ci_high,
    })
}

fn shares(counts: &BTreeMap<String, usize>, order: &[String]) -> Vec<Share> {
    let total: usize = counts.values().sum();
    order
        .iter()
        .map(|label| {
            let count = counts.get(label).copied().unwrap_or(0);
            Share {
                label: label.clone(),
                count,
                share: if total > 0 {
                    count as f64 / total as f64
                } else {
                    0.0
                },
            }
        })
        .collect()
}

fn summarize(
    index: usize,
    group: &GroupData,
    sentiment_labels: &[String],
    replicates: &ReplicateTable,
    options: &Options,
) -> GroupSummary {
    let reps = |figure: &str| replicates.get(&(index, figure.to_string()));
    let targets = group
        .targets
        .iter()
        .map(|(target, data)| {
            let order = ordered_labels(data.labels.keys().cloned().collect());
            TargetSummary {
                target: target.clone(),
                articles: data.articles,
                mentions: data.mentions,
                stance: interval(
                    &data.scores,
                    reps(&format!("stance:{target}")),
                    options.confidence,
                ),
                shares: shares(&data.labels, &order),
            }
        })
        .collect();
    let claims = group
        .claims
        .iter()
        .map(|(claim, labels)| ClaimSummary {
            claim: claim.clone(),
            articles: labels.values().sum(),
            shares: shares(labels, &ordered_labels(labels.keys().cloned().collect())),
        })
        .collect();
    let toxicity = interval(&group.toxicity, reps("toxicity"), options.confidence).map(|rate| {
        ToxicitySummary {
            articles: group.toxicity.len(),
            comments: group.comments,
            flagged: group.flagged,
            rate,
        }
    });
    GroupSummary {
        name: group.name.clone(),
        key: group.key.clone(),
        members: group.members.clone(),
        articles: group.articles,
        small: group.articles < options.min_articles,
        tone: interval(&group.tone, reps("tone"), options.confidence),
        tone_articles: group.tone.len(),
        sentiment: shares(&group.sentiment, sentiment_labels),
        targets,
        claims,
        toxicity,
    }
}

/// The pairs of groups to contrast: every pair, or each group against the baseline.
fn pairs(groups: &[GroupData], baseline: Option<usize>) -> Vec<(usize, usize)> {
    match baseline {
        Some(b) => (0..groups.len())
            .filter(|&i| i != b)
            .map(|i| (i, b))
            .collect(),
        None => (0..groups.len())
            .flat_map(|i| (i + 1..groups.len()).map(move |j| (i, j)))
            .collect(),
    }
}

fn contrasts(
    groups: &[GroupData],
    summaries: &[GroupSummary],
    figures: &[Figure],
    replicates: &ReplicateTable,
    options: &Options,
) -> (Vec<Contrast>, usize) {
    let baseline = options
        .baseline_key
        .as_ref()
        .and_then(|key| groups.iter().position(|g| &g.key == key));
    let tasks: Vec<(usize, usize, &Figure)> = pairs(groups, baseline)
        .into_iter()
        .flat_map(|(a, b)| figures.iter().map(move |f| (a, b, f)))
        .filter(|&(a, b, f)| {
            units_of(&groups[a], &f.name).is_some() && units_of(&groups[b], &f.name).is_some()
        })
        .collect();
    let permutations = permutations_for(options.permutations, tasks.len());
    let mut contrasts: Vec<Contrast> = tasks
        .into_par_iter()
        .map(|(a, b, figure)| {
            let sides = (a, b);
            contrast(
                groups,
                summaries,
                sides,
                figure,
                replicates,
                (options, permutations),
            )
        })
        .collect();
    let adjusted = stats::holm(&contrasts.iter().map(|c| c.p_value).collect::<Vec<_>>());
    for (contrast, p) in contrasts.iter_mut().zip(adjusted) {
        contrast.p_holm = p;
    }
    (contrasts, permutations)
}

/// Articles each side needs for Cohen's d.
const MIN_UNITS_FOR_D: usize = 2;

/// Permutations per test: at least the requested number, and at least 40 per comparison, so
/// that the smallest p a test can give, 1 / (P + 1), survives Holm's ×m (m / (P + 1) < 0.025).
pub fn permutations_for(requested: usize, comparisons: usize) -> usize {
    requested.max(40 * comparisons)
}

fn contrast(
    groups: &[GroupData],
    summaries: &[GroupSummary],
    (a, b): (usize, usize),
    figure: &Figure,
    replicates: &ReplicateTable,
    (options, permutations): (&Options, usize),
) -> Contrast {
    let name = figure.name.as_str();
    let (ua, ub) = (units_of(&groups[a], name), units_of(&groups[b], name));
    let (ua, ub) = (ua.expect("filtered"), ub.expect("filtered"));
    let (ra, rb) = (
        &replicates[&(a, name.to_string())],
        &replicates[&(b, name.to_string())],
    );
    let (ci_low, ci_high) = ra.difference_interval(rb, options.confidence);
    let difference = Interval {
        value: ua.estimate().unwrap_or(f64::NAN) - ub.estimate().unwrap_or(f64::NAN),
        ci_low,
        ci_high,
    };
    // A standard deviation needs two articles a side: with one, d (and every bootstrap
    // replicate of it) would be a ratio to a spread that is not there.
    let has_spread = ua.len() >= MIN_UNITS_FOR_D && ub.len() >= MIN_UNITS_FOR_D;
    let cohen_d = (figure.is_mean && has_spread).then(|| {
        let (ci_low, ci_high) = ra.cohen_d_interval(rb, (ua.len(), ub.len()), options.confidence);
        Interval {
            value: stats::cohen_d_of(ua, ub).unwrap_or(f64::NAN),
            ci_low,
            ci_high,
        }
    });
    let task = format!("permutation/{name}/{}/{}", groups[a].key, groups[b].key);
    let mut rng = stats::task_rng(options.seed, &task);
    let plan = stats::PermutationPlan {
        max: permutations,
        stop_after: options.stop_after,
    };
    let test = stats::permutation_test(ua, ub, plan, &mut rng);
    Contrast {
        figure: name.to_string(),
        group_a: groups[a].name.clone(),
        group_b: groups[b].name.clone(),
        difference,
        cohen_d,
        p_value: test.p_value,
        permutations: test.permutations,
        p_holm: f64::NAN,
        small: summaries[a].small || summaries[b].small,
    }
}
