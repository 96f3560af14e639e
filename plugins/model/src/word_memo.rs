//! A compact word → columns table, the serving memo's storage (see `projector`).
//!
//! On natural text nearly every word is a memo hit, so a hit must touch as little memory as
//! possible: a word of up to 15 bytes (nearly all) is packed into its key, in place in a
//! [`ShortWordTable`] slot of 32 bytes, with up to [`INLINE`] columns beside it: no key or value
//! behind a pointer, no separate control bytes. Longer words live in a side map, longer column
//! lists in a side array. With the shipped toxicity model nearly every word's list is a longer
//! one (about a dozen columns: `projector`'s test
//! `most_words_hit_more_columns_than_their_slot_holds`), so a hit reads the slot, then the list;
//! the serving walk asks for both ahead of the word's turn ([`WordMemo::prefetch`],
//! [`WordMemo::prefetch_columns`]).
//! A slot wide enough for such lists (64 bytes, 11 columns) was tried and lost more in cache than
//! the list's load costs (`benches/PROFILE.md`).

use rustc_hash::FxHashMap;
use slant_word_table::{prefetch_line, ShortWord, ShortWordTable};

/// Most columns stored in place.
pub(crate) const INLINE: usize = 2;

/// A word's columns: `len` of them in `at` when `len <= INLINE`, else `spill[at[0]..][..len]`.
#[derive(Clone, Copy, Default)]
struct Columns {
    len: u32,
    at: [u32; INLINE],
}

/// Word → the columns it selects (a list of `u32`, repeats allowed).
#[derive(Default)]
pub(crate) struct WordMemo {
    short: ShortWordTable<Columns>,
    long: FxHashMap<Box<str>, Columns>,
    spill: Vec<u32>,
}

impl WordMemo {
    /// The columns remembered for `word`.
    #[inline]
    pub(crate) fn get(&self, word: &str) -> Option<&[u32]> {
        let c = match ShortWord::of(word) {
            Some(key) => self.short.get(key)?,
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

    /// Starts bringing `word`'s slot into the cache ([`ShortWordTable::prefetch`]); long words,
    /// rare, are left alone.
    #[inline]
    pub(crate) fn prefetch(&self, word: &str) {
        if let Some(key) = ShortWord::of(word) {
            self.short.prefetch(key);
        }
    }

    /// Starts bringing `word`'s spilled column list into the cache, when it has one: asked a
    /// little after [`prefetch`](Self::prefetch) of the same word, whose slot (by then in the
    /// cache) says where the list is. Without it, the list's first load was where most memo
    /// hits waited.
    #[inline]
    pub(crate) fn prefetch_columns(&self, word: &str) {
        let Some(c) = ShortWord::of(word).and_then(|key| self.short.get(key)) else {
            return;
        };
        let (start, n) = (c.at[0] as usize, c.len as usize);
        if n > INLINE {
            // A list may span two cache lines.
            if let (Some(first), Some(last)) =
                (self.spill.get(start), self.spill.get(start + n - 1))
            {
                prefetch_line(first);
                prefetch_line(last);
            }
        }
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
        match ShortWord::of(word) {
            Some(key) => self.short.insert(key, c),
            None => {
                self.long.insert(word.into(), c);
            }
        }
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
        let long = "x".repeat(slant_word_table::SHORT_WORD + 1);
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
        // Prefetches are hints: asked for every word, stored or not, they change no answer.
        for w in cases
            .map(|(w, _)| w)
            .into_iter()
            .chain(["abcd", "unseen", &long[1..]])
        {
            memo.prefetch(w);
            memo.prefetch_columns(w);
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
