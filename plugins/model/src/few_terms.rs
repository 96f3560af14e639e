//! A handful of distinct terms (a claim's, a pair's) that every term of a long body is looked up
//! in.
//!
//! The terms are kept sorted, so a term's place is its id, and a 256-bit filter on each term's
//! length and end bytes answers "not here" for most body terms without comparing strings: with
//! a binary search per body term (two per term for a claim model), `memcmp` was 14 % of a claim
//! model's `slant predict` time. The filter only skips searches whose answer is "absent", so
//! every answer is the binary search's.

/// Distinct terms, sorted, with a filter of their fingerprints.
#[derive(Debug, Clone, Default)]
pub(crate) struct FewTerms<'a> {
    sorted: Vec<&'a str>,
    /// Bit [`fingerprint`] set for every term held.
    filter: [u64; 4],
}

/// A term's bit in the filter: its length and its first and last bytes, mixed by one multiply.
/// Two equal terms share it, so a term whose bit is clear is not held.
#[inline]
fn fingerprint(term: &str) -> usize {
    let b = term.as_bytes();
    let (first, last) = (b.first().copied(), b.last().copied());
    let key =
        b.len() as u64 | u64::from(first.unwrap_or(0)) << 32 | u64::from(last.unwrap_or(0)) << 40;
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize
}

impl<'a> FewTerms<'a> {
    /// The distinct terms of `terms`.
    pub(crate) fn new(mut terms: Vec<&'a str>) -> FewTerms<'a> {
        terms.sort_unstable();
        terms.dedup();
        let mut filter = [0u64; 4];
        for t in &terms {
            let bit = fingerprint(t);
            filter[bit / 64] |= 1 << (bit % 64);
        }
        FewTerms {
            sorted: terms,
            filter,
        }
    }

    /// The place of `term` among the sorted terms, if it is one of them.
    #[inline]
    pub(crate) fn position(&self, term: &str) -> Option<usize> {
        let bit = fingerprint(term);
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
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
