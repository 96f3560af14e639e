//! A handful of distinct terms (a claim's, a pair's) that every term of a long body is looked up
//! in.
//!
//! The terms are kept sorted, so a term's place is its id, and a 256-bit [`WordFilter`] on each
//! term's length and end bytes answers "not here" for most body terms without comparing
//! strings: with a binary search per body term (two per term for a claim model), `memcmp` was
//! 14 % of a claim model's `slant predict` time. The filter only skips searches whose answer is
//! "absent", so every answer is the binary search's.

/// A set of words kept as one bit each: the word's length and its first and last bytes, the
/// ASCII case bit folded (`| 0x20` maps an upper-case letter onto its lower case and leaves what
/// ASCII lower-casing leaves), mixed by one multiply. A word whose bit is clear is not in the
/// set, in any ASCII case; a set bit says only "perhaps". `WORDS` 64-bit words, a power of two.
#[derive(Debug, Clone)]
pub(crate) struct WordFilter<const WORDS: usize>([u64; WORDS]);

impl<const WORDS: usize> Default for WordFilter<WORDS> {
    fn default() -> Self {
        WordFilter([0; WORDS])
    }
}

impl<const WORDS: usize> WordFilter<WORDS> {
    /// The bit of `word`.
    #[inline]
    fn bit(word: &str) -> usize {
        const { assert!(WORDS.is_power_of_two(), "a filter of 2^k words") };
        let b = word.as_bytes();
        let fold = |byte: Option<&u8>| u64::from(byte.map_or(0, |&c| c | 0x20));
        let key = b.len() as u64 | fold(b.first()) << 32 | fold(b.last()) << 40;
        let bits = (WORDS * 64).trailing_zeros();
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// Adds `word` (sets its bit).
    pub(crate) fn insert(&mut self, word: &str) {
        let bit = Self::bit(word);
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    /// Whether `word` (in any ASCII case) may have been inserted.
    #[inline]
    pub(crate) fn may_hold(&self, word: &str) -> bool {
        let bit = Self::bit(word);
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// Distinct terms, sorted, with a filter of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct FewTerms<'a> {
    sorted: Vec<&'a str>,
    /// 256 bits: a claim's ~10 terms set a few of them.
    filter: WordFilter<4>,
}

impl<'a> FewTerms<'a> {
    /// The distinct terms of `terms`.
    pub(crate) fn new(mut terms: Vec<&'a str>) -> FewTerms<'a> {
        terms.sort_unstable();
        terms.dedup();
        let mut filter = WordFilter::default();
        for t in &terms {
            filter.insert(t);
        }
        FewTerms {
            sorted: terms,
            filter,
        }
    }

    /// The place of `term` among the sorted terms, if it is one of them.
    #[inline]
    pub(crate) fn position(&self, term: &str) -> Option<usize> {
        if !self.filter.may_hold(term) {
            return None;
        }
        self.sorted.binary_search(&term).ok()
    }

    /// The terms, sorted.
    pub(crate) fn sorted(&self) -> &[&'a str] {
        &self.sorted
    }

    pub(crate) fn len(&self) -> usize {
        self.sorted.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xorshift;

    #[test]
    fn positions_are_the_binary_search_answers() {
        let mut draw = xorshift(7);
        let alphabet = ["a", "b", "e", "s", "t", "é", "x"];
        let word = |draw: &mut dyn FnMut(usize) -> usize| -> String {
            let len = 1 + draw(4);
            (0..len).map(|_| alphabet[draw(alphabet.len())]).collect()
        };
        for _ in 0..200 {
            let n = draw(12);
            let held: Vec<String> = (0..n).map(|_| word(&mut draw)).collect();
            let few = FewTerms::new(held.iter().map(String::as_str).collect());
            let mut sorted: Vec<&str> = held.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(few.sorted(), &sorted[..]);
            assert_eq!(few.len(), sorted.len());
            let probes: Vec<String> = (0..40).map(|_| word(&mut draw)).collect();
            for probe in probes.iter().chain(&held).chain([&String::new()]) {
                let expected = sorted.binary_search(&probe.as_str()).ok();
                assert_eq!(few.position(probe), expected, "{probe:?} in {sorted:?}");
            }
        }
    }

    #[test]
    fn the_empty_term_and_the_empty_set() {
        let none = FewTerms::new(Vec::new());
        assert!(none.is_empty());
        assert_eq!(none.position(""), None);
        let empty = FewTerms::new(vec!["", "a"]);
        assert_eq!(empty.position(""), Some(0));
        assert_eq!(empty.position("a"), Some(1));
        assert_eq!(empty.position("b"), None);
    }
}
