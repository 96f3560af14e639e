//! The word → term memo of one tokenizer instance on one thread.
//!
//! Stemming a word costs far more than looking it up, and words repeat, so every word's term
//! is remembered. Nearly every lookup is a hit, and over a large vocabulary a hit costs the
//! wait for its slot to come from memory (the lookup was the plugin's largest cost). So a word
//! of up to 15 bytes (nearly all) is keyed by its bytes packed into a `u128`, its term of up to
//! 15 bytes sits beside it in the same 32-byte [`SlotTable`] slot, and the tokenizer names the
//! word a few places ahead ([`Memo::prefetch`]) so that its slot is on its way when asked for.
//! Longer words and longer terms live in a side map and a side list.

use compact_str::CompactString;
use rustc_hash::FxHashMap;
use slant_memo::{SlotKey, SlotTable};
use xxhash_rust::xxh3::xxh3_64;

/// Memo entries kept before the memo is cleared (bounds memory on huge corpora).
const MEMO_LIMIT: usize = 1 << 19;

/// Longest word or term (bytes) stored in place.
const SHORT: usize = 15;

/// The bytes of a word of at most [`SHORT`] bytes, zero padded, and its length plus one in the
/// last byte: equal exactly when the words are, and never the all-zero empty key.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct PackedWord(u128);

impl PackedWord {
    fn new(word: &str) -> Option<PackedWord> {
        let bytes = word.as_bytes();
        if bytes.len() > SHORT {
            return None;
        }
        let mut key = [0u8; 16];
        key[..bytes.len()].copy_from_slice(bytes);
        key[15] = bytes.len() as u8 + 1;
        Some(PackedWord(u128::from_le_bytes(key)))
    }
}

impl SlotKey for PackedWord {
    fn hash(&self) -> u64 {
        xxh3_64(&self.0.to_le_bytes())
    }
}

/// `len` marking a term kept in the side list, at the index in `bytes[..4]`.
const IN_SIDE_LIST: u8 = u8::MAX;

/// A term of at most [`SHORT`] bytes in place, or the index of a longer one.
#[derive(Clone, Copy, Default)]
struct ShortTerm {
    len: u8,
    bytes: [u8; SHORT],
}

/// Word → term (the empty term for a stop word).
#[derive(Default)]
pub(crate) struct Memo {
    short: SlotTable<PackedWord, ShortTerm>,
    long: FxHashMap<Box<str>, CompactString>,
    /// Terms longer than [`SHORT`] bytes of short words.
    long_terms: Vec<CompactString>,
}

impl Memo {
    /// The term remembered for `word`.
    #[inline]
    pub(crate) fn get(&self, word: &str) -> Option<&str> {
        let Some(key) = PackedWord::new(word) else {
            return self.long.get(word).map(CompactString::as_str);
        };
        let term = self.short.get(&key)?;
        if term.len == IN_SIDE_LIST {
            let at =
                u32::from_le_bytes([term.bytes[0], term.bytes[1], term.bytes[2], term.bytes[3]]);
            return self.long_terms.get(at as usize).map(CompactString::as_str);
        }
        // The bytes were copied from a `&str` whole, so they are valid UTF-8.
        std::str::from_utf8(&term.bytes[..usize::from(term.len)]).ok()
    }

    /// Asks for the slot `word` will be looked up in (a hint; see [`SlotTable::prefetch`]).
    #[inline]
    pub(crate) fn prefetch(&self, word: &str) {
        if let Some(key) = PackedWord::new(word) {
            self.short.prefetch(&key);
        }
    }

    /// Remembers `term` for `word`, first forgetting every word when the memo is full.
    pub(crate) fn insert(&mut self, word: &str, term: &str) {
        if self.short.len() + self.long.len() >= MEMO_LIMIT {
            self.short.clear();
            self.long.clear();
            self.long_terms.clear();
        }
        let Some(key) = PackedWord::new(word) else {
            self.long.insert(word.into(), term.into());
            return;
        };
        let mut short = ShortTerm::default();
        if term.len() <= SHORT {
            short.len = term.len() as u8;
            short.bytes[..term.len()].copy_from_slice(term.as_bytes());
        } else {
            short.len = IN_SIDE_LIST;
            short.bytes[..4].copy_from_slice(&(self.long_terms.len() as u32).to_le_bytes());
            self.long_terms.push(term.into());
        }
        // Never refused: a word's key is never the empty key.
        self.short.insert(key, short);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_short_long_and_empty_terms() {
        let mut memo = Memo::default();
        let long_word = "x".repeat(SHORT + 1);
        let long_term = "é".repeat(9); // 18 bytes, longer than its word could be stored beside
        let cases: [(&str, &str); 6] = [
            ("The", ""), // a stop word
            ("armies", "armi"),
            (&long_word, "x"),
            ("İİİİİİİ", &long_term),
            ("fifteen-bytes!!", "fifteen-bytes!!"),
            ("ü中", "ü中"),
        ];
        for (word, term) in cases {
            memo.prefetch(word);
            memo.insert(word, term);
        }
        for (word, term) in cases {
            assert_eq!(memo.get(word), Some(term), "{word:?}");
        }
        // A prefix, a longer word and a word padded with NULs are other words.
        assert_eq!(memo.get("armie"), None);
        assert_eq!(memo.get("armies\0"), None);
        assert_eq!(memo.get(&long_word[1..]), None);
        assert_eq!(memo.get(""), None);
    }
}
