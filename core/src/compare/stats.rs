//! The statistics of `compare`, on plain numbers: seeded percentile bootstrap intervals,
//! two-sided permutation tests (with Besag–Clifford sequential stopping), Holm's correction.
//!
//! Every figure is a ratio of sums over sampling units, `Σ num / Σ den`: a mean of article
//! values has `den = 1` per article; a comment toxicity rate has one unit per article with
//! `num = flagged`, `den = comments`. Resampling and permuting whole units is what makes the
//! comment rate's interval honest: the comments of one article are not independent, so the
//! article (the cluster) is what is drawn, never the single comment.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sha2::{Digest, Sha256};

/// The random number generator of every resampling: fast, and the same stream on every platform.
pub type StatsRng = Xoshiro256PlusPlus;

/// A generator for one named task (`"bootstrap/tone/RT"`), derived from the run's seed, so that
/// results do not depend on the order or the thread in which tasks run.
pub fn task_rng(seed: u64, task: &str) -> StatsRng {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update(task.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    StatsRng::seed_from_u64(u64::from_le_bytes(first))
}

/// Sampling units of one group for one figure: the estimate is `Σ num / Σ den`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Units {
    num: Vec<f64>,
    den: Vec<f64>,
}

/// Sums over a set of units; `sq` is `Σ num²`, the spread of a mean (`den = 1`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sums {
    num: f64,
    den: f64,
    sq: f64,
}

impl Sums {
    fn ratio(&self) -> f64 {
        self.num / self.den
    }

    /// The population variance of unit values, meaningful for means (`den` = count).
    fn variance(&self) -> f64 {
        let mean = self.ratio();
        (self.sq / self.den - mean * mean).max(0.0)
    }
}

impl Units {
    /// Units of a mean: one per value.
    pub fn of_values(values: impl IntoIterator<Item = f64>) -> Units {
        let num: Vec<f64> = values.into_iter().collect();
        let den = vec![1.0; num.len()];
        Units { num, den }
    }

    /// Units of a rate: one `(events, trials)` per cluster; clusters with no trials carry no
    /// information and are left out.
    pub fn of_clusters(clusters: impl IntoIterator<Item = (f64, f64)>) -> Units {
        let (num, den) = clusters.into_iter().filter(|&(_, d)| d > 0.0).unzip();
        Units { num, den }
    }

    /// Adds one mean unit.
    pub fn push_value(&mut self, value: f64) {
        self.num.push(value);
        self.den.push(1.0);
    }

    /// Adds one cluster; ignored when it has no trials.
    pub fn push_cluster(&mut self, events: f64, trials: f64) {
        if trials > 0.0 {
            self.num.push(events);
            self.den.push(trials);
        }
    }

    /// Pools two groups' units (a bloc, or both sides of a permutation test).
    pub fn extend(&mut self, other: &Units) {
        self.num.extend_from_slice(&other.num);
        self.den.extend_from_slice(&other.den);
    }

    /// How many units (articles).
    pub fn len(&self) -> usize {
        self.num.len()
    }

    pub fn is_empty(&self) -> bool {
        self.num.is_empty()
    }

    /// Total weight: articles for a mean, comments for a rate.
    pub fn total_den(&self) -> f64 {
        self.den.iter().sum()
    }

    /// The point estimate, `None` without units.
    pub fn estimate(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.sums().ratio())
    }

    /// The standard deviation of unit values (for a mean).
    pub fn std_dev(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.sums().variance().sqrt())
    }

    fn sums(&self) -> Sums {
        let mut s = Sums::default();
        for (n, d) in self.num.iter().zip(&self.den) {
            s.num += n;
            s.den += d;
            s.sq += n * n;
        }
        s
    }

    /// Sums over one resample with replacement of all units.
    fn resample(&self, rng: &mut StatsRng) -> Sums {
        let n = self.len();
        let mut s = Sums::default();
        for _ in 0..n {
            let i = rng.random_range(0..n);
            let x = self.num[i];
            s.num += x;
            s.den += self.den[i];
            s.sq += x * x;
        }
        s
    }
}

/// Bootstrap replicates of one group's figure, kept so that differences between groups can be
/// bootstrapped from them without resampling again (groups are resampled independently).
#[derive(Debug, Clone, PartialEq)]
pub struct Replicates {
    estimates: Vec<f64>,
    variances: Vec<f64>,
}

impl Replicates {
    /// `resamples` bootstrap resamples of `units` (which must not be empty).
    pub fn draw(units: &Units, resamples: usize, rng: &mut StatsRng) -> Replicates {
        let mut estimates = Vec::with_capacity(resamples);
        let mut variances = Vec::with_capacity(resamples);
        for _ in 0..resamples {
            let sums = units.resample(rng);
            estimates.push(sums.ratio());
            variances.push(sums.variance());
        }
        Replicates {
            estimates,
            variances,
        }
    }

    /// The percentile interval of the estimate.
    pub fn interval(&self, confidence: f64) -> (f64, f64) {
        percentile_interval(self.estimates.clone(), confidence)
    }

    /// The percentile interval of `self − other`, pairing replicate i with replicate i.
    pub fn difference_interval(&self, other: &Replicates, confidence: f64) -> (f64, f64) {
        let diffs = self
            .estimates
            .iter()
            .zip(&other.estimates)
            .map(|(a, b)| a - b);
        percentile_interval(diffs.collect(), confidence)
    }

    /// The percentile interval of Cohen's d (`self − other` over the pooled standard deviation),
    /// from paired replicates; `counts` are the two groups' unit counts.
    pub fn cohen_d_interval(
        &self,
        other: &Replicates,
        counts: (usize, usize),
        confidence: f64,
    ) -> (f64, f64) {
        let d = (0..self.estimates.len().min(other.estimates.len())).map(|i| {
            cohen_d(
                self.estimates[i] - other.estimates[i],
                (self.variances[i], counts.0),
                (other.variances[i], counts.1),
            )
        });
        percentile_interval(d.collect(), confidence)
    }
}

/// Cohen's d from a difference of means and each side's population variance and count; 0 when
/// both sides have no spread (a difference with no noise has no standardized size).
pub fn cohen_d(difference: f64, a: (f64, usize), b: (f64, usize)) -> f64 {
    let (va, na) = (a.0, a.1 as f64);
    let (vb, nb) = (b.0, b.1 as f64);
    let dof = (na + nb - 2.0).max(1.0);
    let pooled = ((na * va + nb * vb) / dof).sqrt();
    if pooled > 0.0 {
        difference / pooled
    } else {
        0.0
    }
}

/// Cohen's d of two groups of mean units.
pub fn cohen_d_of(a: &Units, b: &Units) -> Option<f64> {
    let (sa, sb) = (a.sums(), b.sums());
    (!a.is_empty() && !b.is_empty()).then(|| {
        cohen_d(
            sa.ratio() - sb.ratio(),
            (sa.variance(), a.len()),
            (sb.variance(), b.len()),
        )
    })
}

/// The central `confidence` percentile interval of `values` (linear interpolation between
/// order statistics, Hyndman–Fan type 7).
pub fn percentile_interval(mut values: Vec<f64>, confidence: f64) -> (f64, f64) {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    (quantile(&values, tail), quantile(&values, 1.0 - tail))
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * weight
}

/// Two-sided permutation test of `estimate(a) − estimate(b)`: units are shuffled between the
/// groups `permutations` times; p = (1 + #{|T*| ≥ |T|}) / (1 + permutations).
pub fn permutation_p_value(a: &Units, b: &Units, permutations: usize, rng: &mut StatsRng) -> f64 {
    let plan = PermutationPlan {
        max: permutations,
        stop_after: 0,
    };
    permutation_test(a, b, plan, rng).p_value
}

/// How many permutations a test draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermutationPlan {
    /// The most permutations drawn.
    pub max: usize,
    /// Besag–Clifford sequential stopping: stop as soon as this many permuted statistics are at
    /// least as extreme as the observed one (0: always draw `max`).
    pub stop_after: usize,
}

/// The outcome of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermutationOutcome {
    pub p_value: f64,
    /// Permutations drawn (fewer than the plan's `max` when the test stopped early).
    pub permutations: usize,
}

/// Two-sided permutation test of `estimate(a) − estimate(b)` with Besag & Clifford's (1991)
/// sequential stopping: permutations are drawn until `stop_after` (h) of them are at least as
/// extreme as the observed statistic, or `max` (n) are drawn. Stopped at h after L draws,
/// p = h / L; otherwise p = (1 + #extreme) / (1 + n), the full test. Either p is a valid
/// p-value (P(p ≤ α) ≤ α under the null); the saving is on tests far from significance, which
/// reach h extreme statistics after about h / p draws, while a small p still gets all n.
pub fn permutation_test(
    a: &Units,
    b: &Units,
    plan: PermutationPlan,
    rng: &mut StatsRng,
) -> PermutationOutcome {
    if a.is_empty() || b.is_empty() {
        return PermutationOutcome {
            p_value: 1.0,
            permutations: 0,
        };
    }
    let observed = (a.sums().ratio() - b.sums().ratio()).abs();
    let mut pooled = a.clone();
    pooled.extend(b);
    let total = pooled.sums();
    // Draw the smaller side: a uniformly random subset of its size is all a permutation decides.
    let (drawn, a_is_drawn) = if a.len() <= b.len() {
        (a.len(), true)
    } else {
        (b.len(), false)
    };
    let mut order: Vec<usize> = (0..pooled.len()).collect();
    // Ties (equal statistics) must count as extreme; allow for rounding in the sums.
    let tolerance = 1e-9 * observed.max(1.0);
    let mut extreme = 0usize;
    for drawn_so_far in 1..=plan.max {
        let mut num = 0.0;
        let mut den = 0.0;
        for i in 0..drawn {
            let j = rng.random_range(i..order.len());
            order.swap(i, j);
            num += pooled.num[order[i]];
            den += pooled.den[order[i]];
        }
        let side = num / den;
        let rest = (total.num - num) / (total.den - den);
        let statistic = if a_is_drawn { side - rest } else { rest - side };
        if statistic.abs() >= observed - tolerance {
            extreme += 1;
            if extreme == plan.stop_after {
                return PermutationOutcome {
                    p_value: extreme as f64 / drawn_so_far as f64,
                    permutations: drawn_so_far,
                };
            }
        }
    }
    PermutationOutcome {
        p_value: (1 + extreme) as f64 / (1 + plan.max) as f64,
        permutations: plan.max,
    }
}

/// Holm's step-down adjustment of p-values (controls the family-wise error rate), returned in
/// the input's order.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let mut adjusted = vec![0.0; m];
    let mut running_max: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        let scaled = ((m - rank) as f64 * p_values[i]).min(1.0);
        running_max = running_max.max(scaled);
        adjusted[i] = running_max;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIDENCE: f64 = 0.95;

    fn normal(rng: &mut StatsRng) -> f64 {
        // Box–Muller: enough for simulated test data.
        let u1: f64 = rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = rng.random_range(0.0..1.0);
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    #[test]
    fn a_constant_group_has_a_zero_width_interval() {
        let units = Units::of_values(vec![0.25; 40]);
        let reps = Replicates::draw(&units, 2000, &mut task_rng(1, "constant"));
        assert_eq!(reps.interval(CONFIDENCE), (0.25, 0.25));
    }

    #[test]
    fn the_interval_covers_the_estimate_and_is_seeded() {
        let mut rng = task_rng(7, "data");
        let units = Units::of_values((0..200).map(|_| normal(&mut rng)));
        let a = Replicates::draw(&units, 2000, &mut task_rng(3, "boot"));
        let b = Replicates::draw(&units, 2000, &mut task_rng(3, "boot"));
        assert_eq!(a, b, "same seed, same replicates");
        let (low, high) = a.interval(CONFIDENCE);
        let mean = units.estimate().unwrap();
        assert!(low < mean && mean < high);
        // The standard error of a mean of 200 standard normals is about 0.071: width ≈ 0.28.
        assert!((0.2..0.36).contains(&(high - low)), "width {}", high - low);
    }

    #[test]
    fn identical_groups_give_a_large_p_value() {
        let values: Vec<f64> = (0..60).map(|i| (i as f64 / 59.0) * 2.0 - 1.0).collect();
        let a = Units::of_values(values.clone());
        let b = Units::of_values(values);
        let p = permutation_p_value(&a, &b, 2000, &mut task_rng(5, "perm"));
        assert!(p > 0.9, "p = {p}");
    }

    /// Share of seeded simulations in which the test rejects at 5%.
    fn rejection_rate(shift: f64, simulations: usize) -> f64 {
        sequential_rejection_rate(shift, simulations, 0)
    }

    /// As [`rejection_rate`], stopping each test after `stop_after` extreme statistics.
    fn sequential_rejection_rate(shift: f64, simulations: usize, stop_after: usize) -> f64 {
        let mut rng = task_rng(11, &format!("simulate/{shift}"));
        let plan = PermutationPlan {
            max: 499,
            stop_after,
        };
        let mut rejected = 0;
        for _ in 0..simulations {
            let a = Units::of_values((0..50).map(|_| normal(&mut rng)));
            let b = Units::of_values((0..50).map(|_| normal(&mut rng) + shift));
            if permutation_test(&a, &b, plan, &mut rng).p_value < 0.05 {
                rejected += 1;
            }
        }
        rejected as f64 / simulations as f64
    }

    #[test]
    fn sequential_stopping_keeps_power_and_size_and_saves_draws_on_null_tests() {
        let power = sequential_rejection_rate(0.5, 300, 20);
        assert!((0.60..0.80).contains(&power), "power {power}");
        let size = sequential_rejection_rate(0.0, 300, 20);
        assert!(size < 0.09, "false rejection rate {size}");

        let values: Vec<f64> = (0..60).map(|i| (i as f64 / 59.0) * 2.0 - 1.0).collect();
        let (a, b) = (Units::of_values(values.clone()), Units::of_values(values));
        let plan = PermutationPlan {
            max: 2000,
            stop_after: 20,
        };
        let first = permutation_test(&a, &b, plan, &mut task_rng(5, "perm"));
        assert_eq!(
            first.permutations, 20,
            "identical groups: every draw is extreme"
        );
        assert_eq!(first.p_value, 1.0);
        let again = permutation_test(&a, &b, plan, &mut task_rng(5, "perm"));
        assert_eq!(first, again, "seeded");

        // A clear shift never reaches 20 extreme draws: the full test runs.
        let shifted = Units::of_values((0..60).map(|i| i as f64 / 59.0 + 1.0));
        let full = permutation_test(&a, &shifted, plan, &mut task_rng(5, "perm"));
        assert_eq!(full.permutations, 2000);
        assert!((full.p_value - 1.0 / 2001.0).abs() < 1e-12, "{full:?}");
    }

    #[test]
    fn a_known_shift_is_detected_at_the_expected_rate() {
        // Two groups of 50, shift of half a standard deviation: a two-sample test has power
        // ≈ 0.70 at α = 0.05; with no shift it rejects ≈ 5% of the time.
        let power = rejection_rate(0.5, 300);
        assert!((0.60..0.80).contains(&power), "power {power}");
        let size = rejection_rate(0.0, 300);
        assert!(size < 0.09, "false rejection rate {size}");
    }

    #[test]
    fn holm_matches_a_worked_example() {
        // m = 4: sorted p 0.01, 0.02, 0.03, 0.04 → 0.04, 0.06, 0.06 (monotone), 0.06.
        let adjusted = holm(&[0.04, 0.01, 0.03, 0.02]);
        let expected = [0.06, 0.04, 0.06, 0.06];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!((a - e).abs() < 1e-12, "{adjusted:?}");
        }
        assert_eq!(holm(&[0.5, 0.9]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn clustered_resampling_widens_the_interval_when_comments_are_correlated() {
        // 60 articles of 20 comments; within an article all comments share its toxicity
        // (0 or 1 with probability ½): the effective sample is 60, not 1,200.
        let mut rng = task_rng(13, "clusters");
        let articles: Vec<(f64, f64)> = (0..60)
            .map(|_| (if rng.random_bool(0.5) { 20.0 } else { 0.0 }, 20.0))
            .collect();
        let clustered = Units::of_clusters(articles.iter().copied());
        let comments = Units::of_values(articles.iter().flat_map(|&(flagged, total)| {
            (0..total as usize).map(move |i| f64::from(u8::from((i as f64) < flagged)))
        }));
        assert_eq!(clustered.estimate(), comments.estimate());
        let width = |u: &Units| {
            let (l, h) = Replicates::draw(u, 2000, &mut task_rng(2, "w")).interval(CONFIDENCE);
            h - l
        };
        let (w_clustered, w_naive) = (width(&clustered), width(&comments));
        assert!(w_clustered > 3.0 * w_naive, "{w_clustered} vs {w_naive}");
    }

    #[test]
    fn a_rate_permutation_test_keeps_articles_whole() {
        let a = Units::of_clusters(vec![(9.0, 10.0); 30]);
        let b = Units::of_clusters(vec![(1.0, 10.0); 30]);
        let p = permutation_p_value(&a, &b, 999, &mut task_rng(3, "rate"));
        assert!(p < 0.01, "p = {p}");
        assert_eq!(a.estimate(), Some(0.9));
    }

    #[test]
    fn cohen_d_of_a_unit_shift_is_about_one() {
        let mut rng = task_rng(17, "d");
        let a = Units::of_values((0..2000).map(|_| normal(&mut rng) + 1.0));
        let b = Units::of_values((0..2000).map(|_| normal(&mut rng)));
        let d = cohen_d_of(&a, &b).unwrap();
        assert!((0.9..1.1).contains(&d), "d = {d}");
    }
}
