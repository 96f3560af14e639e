//! The word → term memo of one tokenizer instance (per thread).
//!
//! Nearly every word of a text has been seen before, so the tokenizer's time goes into this
//! lookup. Words and terms of up to 15 bytes (nearly all) live in a [`ShortWordTable`], the term
//! inline beside its word (one cache line per hit; a general hash map with 40-byte entries and
//! a separate control array was 10.6 % of `slant label`'s time). Longer words and terms go to an
//! ordinary map beside it.

use compact_str::CompactString;
use rustc_hash::FxHashMap;
use slant_word_table::{ShortWord, ShortWordTable};

/// Entries kept before the memo is cleared (bounds memory on huge corpora: the table is then
/// 2^20 slots of 32 bytes).
const LIMIT: usize = 1 << 19;

/// Bytes a term may have to be stored inline.
const INLINE: usize = 15;

/// A term's bytes, its length in the last byte. A stop word is memoized as the empty term.
#[derive(Clone, Copy, Default)]
pub(crate) struct InlineTerm([u8; INLINE + 1]);

impl InlineTerm {
    fn new(term: &str) -> Option<InlineTerm> {
        let bytes = term.as_bytes();
        if bytes.len() > INLINE {
            return None;
        }
        let mut inline = [0u8; INLINE + 1];
        inline[..bytes.len()].copy_from_slice(bytes);
        inline[INLINE] = bytes.len() as u8;
        Some(InlineTerm(inline))
    }

    /// The term's bytes and what follows them in the array (zeros, then the length).
    pub(crate) fn padded(&self) -> &[u8; INLINE + 1] {
        &self.0
    }

    pub(crate) fn len(&self) -> usize {
        usize::from(self.0[INLINE])
    }

    pub(crate) fn as_str(&self) -> &str {
        let len = usize::from(self.0[INLINE]);
        // SAFETY: `0[..len]` was copied from a `&str` by `InlineTerm::new` (the only writer),
        // and `len <= INLINE` ends on that string's end, a char boundary.
        unsafe { std::str::from_utf8_unchecked(&self.0[..len]) }
    }
}

/// A memoized term where the memo holds it.
pub(crate) enum Memoized<'a> {
    /// A term of up to 15 bytes, in its 16-byte array.
    Inline(&'a InlineTerm),
    /// A longer term (or the term of a longer word).
    Long(&'a str),
}

impl<'a> Memoized<'a> {
    pub(crate) fn as_str(&self) -> &'a str {
        match self {
            Memoized::Inline(term) => term.as_str(),
            Memoized::Long(term) => term,
        }
    }
}

/// word → term of one tokenizer instance.
#[derive(Default)]
pub(crate) struct Memo {
    short: ShortWordTable<InlineTerm>,
    /// Words longer than 15 bytes, and words whose term is.
    long: FxHashMap<Box<str>, CompactString>,
}

impl Memo {
    /// The memoized term of `word` (empty for a stop word), if any.
    #[cfg(test)]
    pub(crate) fn get(&self, word: &str) -> Option<Memoized<'_>> {
        self.get_at(word, 0, word.len())
    }

    /// The memoized term of the word at `start..end` of `text` (its key read in place:
    /// [`ShortWord::of_at`]).
    #[inline]
    pub(crate) fn get_at(&self, text: &str, start: usize, end: usize) -> Option<Memoized<'_>> {
        let key = ShortWord::of_at(text, start, end);
        if let Some(term) = key.and_then(|key| self.short.get(key)) {
            return Some(Memoized::Inline(term));
        }
        self.long
            .get(&text[start..end])
            .map(|term| Memoized::Long(term.as_str()))
    }

    /// Memoizes `word` → `term`.
    pub(crate) fn insert(&mut self, word: &str, term: &str) {
        if self.short.len() + self.long.len() >= LIMIT {
            self.short.clear();
            self.long.clear();
        }
        match (ShortWord::of(word), InlineTerm::new(term)) {
            (Some(key), Some(inline)) => self.short.insert(key, inline),
            _ => {
                self.long.insert(word.into(), term.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_found_after_the_table_grows() {
        let mut memo = Memo::default();
        let words: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
        for word in &words {
            memo.insert(word, &word.to_uppercase());
        }
        for word in &words {
            let term = memo.get(word).map(|t| t.as_str());
            assert_eq!(term, Some(word.to_uppercase().as_str()));
        }
        assert!(memo.get("unseen").is_none());
    }

    #[test]
    fn long_words_long_terms_and_stop_words_are_memoized() {
        let mut memo = Memo::default();
        memo.insert("internationalization", "internation");
        memo.insert("ǅ", "a term longer than fifteen bytes");
        memo.insert("the", "");
        let term = |word: &str| memo.get(word).map(|t| t.as_str());
        assert_eq!(term("internationalization"), Some("internation"));
        assert_eq!(term("ǅ"), Some("a term longer than fifteen bytes"));
        assert_eq!(term("the"), Some(""));
        // A short term is held in its 16-byte array: its bytes, zeros, its length last.
        memo.insert("fighting", "fight");
        let Some(Memoized::Inline(fight)) = memo.get("fighting") else {
            panic!("a short word's term is inline");
        };
        assert_eq!(fight.len(), 5);
        assert_eq!(fight.padded(), b"fight\0\0\0\0\0\0\0\0\0\0\x05");
    }

    #[test]
    fn the_memo_is_cleared_at_its_limit_and_keeps_working() {
        let mut memo = Memo::default();
        for i in 0..LIMIT + 10 {
            memo.insert(&format!("{i}"), "t");
        }
        assert_eq!(memo.short.len(), 10);
        let term = memo.get(&format!("{}", LIMIT + 9)).map(|t| t.as_str());
        assert_eq!(term, Some("t"));
        assert!(memo.get("0").is_none());
    }
}
