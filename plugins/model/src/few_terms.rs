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
        self.has_bit(Self::bit(word))
    }

    /// Whether bit `bit` (a word's [`WordFilter::bit`]) is set.
    #[inline]
    fn has_bit(&self, bit: usize) -> bool {
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// Distinct terms, sorted, with a filter of them and, per filter bit, the one term with that
/// bit.
#[derive(Debug, Clone)]
pub(crate) struct FewTerms<'a> {
    sorted: Vec<&'a str>,
    /// 256 bits: a claim's ~10 terms set a few of them.
    filter: WordFilter<4>,
    /// Per filter bit: 1 + the place of the only term with that bit, or [`SHARED_BIT`] when
    /// two or more have it (then the terms are searched). One string comparison per body term
    /// that passes the filter, where a binary search made three or four (`memcmp` was the
    /// largest single item of a claim stage scoring several claims per body).
    only_term: [u8; 256],
}

/// [`FewTerms::only_term`]'s mark of a bit that two or more terms share (or of every bit, when
/// there are too many terms to number in a byte).
const SHARED_BIT: u8 = u8::MAX;

impl Default for FewTerms<'_> {
    fn default() -> Self {
        FewTerms::new(Vec::new())
    }
}

impl<'a> FewTerms<'a> {
    /// The distinct terms of `terms`.
    pub(crate) fn new(mut terms: Vec<&'a str>) -> FewTerms<'a> {
        terms.sort_unstable();
        terms.dedup();
        let mut filter = WordFilter::default();
        let mut only_term = [0u8; 256];
        for (k, t) in terms.iter().enumerate() {
            filter.insert(t);
            let slot = &mut only_term[WordFilter::<4>::bit(t)];
            *slot = match (*slot, u8::try_from(k + 1)) {
                (0, Ok(place)) if place != SHARED_BIT => place,
                _ => SHARED_BIT,
            };
        }
        FewTerms {
            sorted: terms,
            filter,
            only_term,
        }
    }

    /// The place of `term` among the sorted terms, if it is one of them.
    #[inline]
    pub(crate) fn position(&self, term: &str) -> Option<usize> {
        let bit = WordFilter::<4>::bit(term);
        if !self.filter.has_bit(bit) {
            return None;
        }
        match self.only_term[bit] {
            SHARED_BIT => self.sorted.binary_search(&term).ok(),
            place => {
                let k = usize::from(place) - 1;
                (self.sorted[k] == term).then_some(k)
            }
        }
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
    fn more_terms_than_a_byte_numbers_are_still_found() {
        let held: Vec<String> = (0..600).map(|k| format!("w{k}x")).collect();
        let few = FewTerms::new(held.iter().map(String::as_str).collect());
        assert_eq!(few.len(), 600);
        for (k, t) in few.sorted().iter().enumerate() {
            assert_eq!(few.position(t), Some(k), "{t}");
        }
        assert_eq!(few.position("w600x"), None);
        assert_eq!(few.position("w1"), None);
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
