//! Seeded randomness without a dependency: a SplitMix64 generator, a Fisher–Yates shuffle,
//! stratified holdout and k-fold assignments, and grouped ones that never split a group.
//! Same seed → same split on every platform.

/// SplitMix64 (Steele et al. 2014): tiny, fast, and good enough for shuffling.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`, decorrelated from other uses of the same seed by `stream`.
    pub fn new(seed: u64, stream: &str) -> Rng {
        let mut h = 0xcbf2_9ce4_8422_2325u64; // FNV-1a of the stream name
        for b in stream.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(seed ^ h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        // Multiply-shift: bias below 2^-32 for the sizes used here.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Shuffles `xs` in place.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

/// Assigns each row to one of `k` folds, stratified by class: within each class the rows are
/// shuffled and dealt round-robin, so every fold has about the class shares of the whole.
pub fn stratified_folds(classes: &[usize], k: usize, rng: &mut Rng) -> Vec<usize> {
    let n_classes = classes.iter().copied().max().map_or(0, |m| m + 1);
    let mut fold = vec![0usize; classes.len()];
    let mut next = 0usize;
    for c in 0..n_classes {
        let mut rows: Vec<usize> = (0..classes.len()).filter(|&i| classes[i] == c).collect();
        rng.shuffle(&mut rows);
        for r in rows {
            fold[r] = next % k;
            next += 1;
        }
    }
    fold
}

/// Assigns each row to one of `k` folds so that rows of one group share a fold. Groups are
/// stratified by the stratum of their first row (e.g. its source and class): within each
/// stratum they are shuffled and dealt round-robin, as [`stratified_folds`] deals rows.
pub fn group_folds(groups: &[u32], strata: &[u64], k: usize, rng: &mut Rng) -> Vec<usize> {
    let mut first: std::collections::BTreeMap<u32, u64> = std::collections::BTreeMap::new();
    for (&g, &s) in groups.iter().zip(strata) {
        first.entry(g).or_insert(s);
    }
    let mut by_stratum: std::collections::BTreeMap<u64, Vec<u32>> =
        std::collections::BTreeMap::new();
    for (&g, &s) in &first {
        by_stratum.entry(s).or_default().push(g);
    }
    let mut fold_of_group = std::collections::BTreeMap::new();
    let mut next = 0usize;
    for (_, mut gs) in by_stratum {
        rng.shuffle(&mut gs);
        for g in gs {
            fold_of_group.insert(g, next % k);
            next += 1;
        }
    }
    groups.iter().map(|g| fold_of_group[g]).collect()
}

/// A stratified holdout: `true` for the about `share` of rows held out.
pub fn stratified_holdout(classes: &[usize], share: f64, rng: &mut Rng) -> Vec<bool> {
    let n_classes = classes.iter().copied().max().map_or(0, |m| m + 1);
    let mut held = vec![false; classes.len()];
    for c in 0..n_classes {
        let mut rows: Vec<usize> = (0..classes.len()).filter(|&i| classes[i] == c).collect();
        rng.shuffle(&mut rows);
        let take = ((rows.len() as f64) * share).round() as usize;
        for &r in rows.iter().take(take) {
            held[r] = true;
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_stratified() {
        let mut a = Rng::new(7, "x");
        let mut b = Rng::new(7, "x");
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(Rng::new(7, "x").next_u64(), Rng::new(7, "y").next_u64());
        let classes: Vec<usize> = (0..100).map(|i| usize::from(i % 4 == 0)).collect();
        let folds = stratified_folds(&classes, 5, &mut Rng::new(1, "f"));
        for f in 0..5 {
            let n = folds.iter().filter(|&&x| x == f).count();
            let pos = (0..100)
                .filter(|&i| folds[i] == f && classes[i] == 1)
                .count();
            assert_eq!((n, pos), (20, 5), "fold {f}");
        }
        let held = stratified_holdout(&classes, 0.2, &mut Rng::new(1, "h"));
        assert_eq!(held.iter().filter(|&&h| h).count(), 20);
        // Groups stay whole: rows 2i and 2i + 1 share a group.
        let groups: Vec<u32> = (0..100).map(|i| i / 2).collect();
        let strata: Vec<u64> = (0..100).map(|i| u64::from(i % 4 == 0)).collect();
        let folds = group_folds(&groups, &strata, 5, &mut Rng::new(1, "g"));
        for i in (0..100).step_by(2) {
            assert_eq!(folds[i], folds[i + 1], "group {}", i / 2);
        }
        for f in 0..5 {
            assert_eq!(folds.iter().filter(|&&x| x == f).count(), 20, "fold {f}");
        }
        let mut v: Vec<u32> = (0..50).collect();
        Rng::new(3, "s").shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
