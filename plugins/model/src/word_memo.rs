//! A compact word → columns table, the serving memo's storage (see `projector`).
//!
//! On natural text nearly every word is a memo hit, so a hit must touch as little memory as
//! possible: a word of up to [`SHORT`] bytes (nearly all) is its own key, in place in the
//! table slot, and up to [`INLINE`] columns (nearly all words hit 0–2) sit beside it. A hit
//! then reads one slot: no key or value behind a pointer. Longer words and longer column lists
//! live in a side map and a side array.

use rustc_hash::FxHashMap;

/// Longest word (bytes) stored in place.
const SHORT: usize = 23;

/// Most columns stored in place.
const INLINE: usize = 2;

/// A word of at most [`SHORT`] bytes: its length, then its bytes, zero padded (so two keys are
/// equal exactly when the words are).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct ShortWord([u8; SHORT + 1]);

impl ShortWord {
    fn new(word: &str) -> Option<ShortWord> {
        let bytes = word.as_bytes();
        if bytes.len() > SHORT {
            return None;
        }
        let mut key = [0u8; SHORT + 1];
        key[0] = bytes.len() as u8;
        key[1..=bytes.len()].copy_from_slice(bytes);
        Some(ShortWord(key))
    }
}

/// A word's columns: `len` of them in `at` when `len <= INLINE`, else `spill[at[0]..][..len]`.
#[derive(Clone, Copy)]
struct Columns {
    len: u32,
    at: [u32; INLINE],
}

/// Word → the columns it selects (a list of `u32`, repeats allowed).
#[derive(Default)]
pub(crate) struct WordMemo {
    short: FxHashMap<ShortWord, Columns>,
    long: FxHashMap<Box<str>, Columns>,
    spill: Vec<u32>,
}

impl WordMemo {
    /// The columns remembered for `word`.
    #[inline]
    pub(crate) fn get(&self, word: &str) -> Option<&[u32]> {
        let c = match ShortWord::new(word) {
            Some(key) => self.short.get(&key)?,
            None => self.long.get(word)?,
        };
        let n = c.len as usize;
        Some(if n <= INLINE {
            &c.at[..n]
        } else {
            let start = c.at[0] as usize;
            &self.spill[start..start + n]
        })
    }

    /// Remembers `columns` for `word`.
    pub(crate) fn insert(&mut self, word: &str, columns: &[u32]) {
        let n = columns.len();
        let mut at = [0u32; INLINE];
        if n <= INLINE {
            at[..n].copy_from_slice(columns);
        } else {
            at[0] = self.spill.len() as u32;
            self.spill.extend_from_slice(columns);
        }
        let c = Columns { len: n as u32, at };
        match ShortWord::new(word) {
            Some(key) => self.short.insert(key, c),
            None => self.long.insert(word.into(), c),
        };
    }

    /// Number of words remembered.
    pub(crate) fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// Forgets every word.
    pub(crate) fn clear(&mut self) {
        self.short.clear();
        self.long.clear();
        self.spill.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_short_long_empty_and_spilled_lists() {
        let mut memo = WordMemo::default();
        let long = "x".repeat(SHORT + 1);
        let cases: [(&str, &[u32]); 6] = [
            ("", &[]),
            ("a", &[7]),
            ("ab", &[7, 7]),
            ("abc", &[1, 2, 3, 4]),
            (&long, &[9, 8, 7]),
            ("ü中🙂", &[5]),
        ];
        for (w, c) in cases {
            memo.insert(w, c);
        }
        for (w, c) in cases {
            assert_eq!(memo.get(w), Some(c), "{w:?}");
        }
        // A prefix, a longer word and a word padded with NULs are other words.
        assert_eq!(memo.get("abcd"), None);
        assert_eq!(memo.get("a\0"), None);
        assert_eq!(memo.get(&long[1..]), None);
        assert_eq!(memo.len(), cases.len());
        memo.clear();
        assert_eq!((memo.len(), memo.get("a")), (0, None));
    }
}
