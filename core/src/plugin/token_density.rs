//! How large to make a tokenize call's buffers: from what the stage has written per byte of text
//! so far, not from one fixed guess for every text.
//!
//! The host owns the buffers a tokenizer writes its tokens and terms into, and sizes them before
//! the call; a guess too small costs a second call for the whole batch (the plugin says how much
//! it needs). The fixed guess that avoids this for any prose, room for a token per 4 bytes of
//! text and 1.25 term bytes per byte, is 7.25 bytes of buffer per byte of text, and a batch's
//! buffers live as long as the batch is labeled: they were the largest single allocation of
//! `slant label` (`benches/PROFILE.md`, "What Parquet's peak is"). After the first batches, the
//! densest batch seen, with a margin, says how much a stage's texts actually need.

use std::sync::atomic::{AtomicU64, Ordering};

/// Fixed-point scale of the densities: tokens (or term bytes) per this many bytes of text.
const SCALE: u64 = 1 << 16;

/// Batches smaller than this teach nothing: a few short texts can be far denser than a batch
/// of them, and a density is never forgotten.
const MIN_OBSERVED_BYTES: usize = 64 << 10;

/// The most tokens and term bytes per byte of text a tokenize stage has written so far.
#[derive(Debug, Default)]
pub(super) struct TokenDensity {
    /// Tokens per [`SCALE`] bytes of text in the densest batch seen; 0 before any.
    tokens: AtomicU64,
    /// Term bytes per [`SCALE`] bytes of text, likewise.
    term_bytes: AtomicU64,
}

impl TokenDensity {
    /// Room for tokens and term bytes to allocate for a batch of `docs` texts of `total` bytes:
    /// the densest batch seen plus an eighth, or before any the fixed first guess.
    pub(super) fn buffer_sizes(&self, total: usize, docs: usize) -> (usize, usize) {
        let slack_tokens = docs.saturating_add(16);
        match (
            self.tokens.load(Ordering::Relaxed),
            self.term_bytes.load(Ordering::Relaxed),
        ) {
            (0, 0) => (
                total / 4 + slack_tokens,
                total.saturating_add(total / 4).saturating_add(64),
            ),
            (tokens, term_bytes) => (
                with_margin(total, tokens).saturating_add(slack_tokens),
                with_margin(total, term_bytes).saturating_add(64),
            ),
        }
    }

    /// Learns from a call that wrote `tokens` tokens and `term_bytes` term bytes for `total`
    /// bytes of text.
    pub(super) fn observe(&self, total: usize, tokens: usize, term_bytes: usize) {
        if total < MIN_OBSERVED_BYTES {
            return;
        }
        let per_scale = |n: usize| {
            let scaled = (n as u128 * u128::from(SCALE)).div_ceil(total as u128);
            u64::try_from(scaled).unwrap_or(u64::MAX)
        };
        self.tokens.fetch_max(per_scale(tokens), Ordering::Relaxed);
        self.term_bytes
            .fetch_max(per_scale(term_bytes), Ordering::Relaxed);
    }
}

/// `total` bytes at `density` per [`SCALE`] bytes, plus an eighth.
fn with_margin(total: usize, density: u64) -> usize {
    let needed = (total as u128 * u128::from(density)).div_ceil(u128::from(SCALE));
    usize::try_from(needed + needed / 8).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_densest_batch_seen_with_a_margin() {
        let density = TokenDensity::default();
        let total = 1 << 20;
        // Before any batch: a token per 4 bytes, 1.25 term bytes per byte.
        assert_eq!(
            density.buffer_sizes(total, 100),
            (total / 4 + 116, total + total / 4 + 64)
        );
        // Prose with its stop words dropped: a token per 10 bytes, half a term byte per byte.
        density.observe(total, total / 10, total / 2);
        let (tokens, terms) = density.buffer_sizes(total, 100);
        assert!(
            tokens >= total / 10 + total / 80 && tokens < total / 6,
            "{tokens}"
        );
        assert!(terms >= total / 2 + total / 16 && terms < total, "{terms}");
        // A sparser batch changes nothing; a denser one raises both for good.
        density.observe(total, total / 20, total / 4);
        assert_eq!(density.buffer_sizes(total, 100), (tokens, terms));
        density.observe(total, total / 2, 2 * total);
        let (denser_tokens, denser_terms) = density.buffer_sizes(total, 100);
        assert!(denser_tokens > total / 2 && denser_terms > 2 * total);
    }

    #[test]
    fn small_batches_and_huge_counts_do_not_mislead_it() {
        let density = TokenDensity::default();
        let first = density.buffer_sizes(5000, 3);
        // Three short texts, denser than any batch of them: not learned.
        density.observe(
            MIN_OBSERVED_BYTES - 1,
            MIN_OBSERVED_BYTES,
            MIN_OBSERVED_BYTES,
        );
        assert_eq!(density.buffer_sizes(5000, 3), first);
        // Counts no tokenizer writes saturate instead of wrapping.
        density.observe(MIN_OBSERVED_BYTES, usize::MAX, usize::MAX);
        assert_eq!(
            density.buffer_sizes(usize::MAX, 3),
            (usize::MAX, usize::MAX)
        );
    }
}
