//! A compact word → columns table, the serving memo's storage (see `projector`).
//!
//! On natural text nearly every word is a memo hit, and over a large vocabulary a hit costs
//! the wait for its table slot to come from memory (the slot load was most of the char n-gram
//! path's samples). So:
//! - a word of up to [`SHORT`] bytes (nearly all) is its own key, in place in a 32-byte slot,
//!   with up to [`INLINE`] columns beside it (nearly all words hit 0–2): a hit reads one slot,
//!   no key or value behind a pointer;
//! - the table is open addressing with linear probing, so where a word will be looked up is
//!   known from its hash alone, and [`WordMemo::prefetch`] asks for that slot a few words
//!   before the lookup, so that the waits of several words overlap.
//!
//! Longer words and longer column lists live in a side map and a side array.

use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64;

/// Longest word (bytes) stored in place.
const SHORT: usize = 19;

/// Most columns stored in place.
const INLINE: usize = 2;

/// Slots of a table's first allocation.
const MIN_SLOTS: usize = 1024;

/// A word of at most [`SHORT`] bytes: its length plus one, then its bytes, zero padded, so that
/// two keys are equal exactly when the words are, and an all-zero key marks an empty slot.
type ShortKey = [u8; SHORT + 1];

fn short_key(word: &str) -> Option<ShortKey> {
    let bytes = word.as_bytes();
    if bytes.len() > SHORT {
        return None;
    }
    let mut key = [0u8; SHORT + 1];
    key[0] = bytes.len() as u8 + 1;
    key[1..=bytes.len()].copy_from_slice(bytes);
    Some(key)
}

/// A word's columns: `len` of them in `at` when `len <= INLINE`, else `spill[at[0]..][..len]`.
#[derive(Clone, Copy, Default)]
struct Columns {
    len: u32,
    at: [u32; INLINE],
}

/// One table slot, half a cache line: a key and its columns.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    key: ShortKey,
    columns: Columns,
}

/// Word → the columns it selects (a list of `u32`, repeats allowed).
#[derive(Default)]
pub(crate) struct WordMemo {
    /// A power of two of slots (or none yet), at most half of them used, so every probe ends
    /// at an empty slot.
    slots: Vec<Slot>,
    used: usize,
    long: FxHashMap<Box<str>, Columns>,
    spill: Vec<u32>,
}

impl WordMemo {
    /// The columns remembered for `word`.
    #[inline]
    pub(crate) fn get(&self, word: &str) -> Option<&[u32]> {
        let c = match short_key(word) {
            Some(key) => &self.slots[self.find(&key, word)?].columns,
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

    /// Asks the processor to bring in the slot where `word` would be looked up first; a
    /// hint, which changes no result.
    #[inline]
    pub(crate) fn prefetch(&self, word: &str) {
        if self.slots.is_empty() || word.len() > SHORT {
            return;
        }
        let at = self.home(word);
        prefetch_read(&self.slots[at]);
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
        let columns = Columns { len: n as u32, at };
        let Some(key) = short_key(word) else {
            self.long.insert(word.into(), columns);
            return;
        };
        if (self.used + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let at = self.probe(&key, word);
        if self.slots[at].key[0] == 0 {
            self.used += 1;
        }
        self.slots[at] = Slot { key, columns };
    }

    /// Number of words remembered.
    pub(crate) fn len(&self) -> usize {
        self.used + self.long.len()
    }

    /// Forgets every word (keeping the table's room).
    pub(crate) fn clear(&mut self) {
        self.slots.fill(Slot::default());
        self.used = 0;
        self.long.clear();
        self.spill.clear();
    }

    /// The first slot `word` is looked for in.
    #[inline]
    fn home(&self, word: &str) -> usize {
        xxh3_64(word.as_bytes()) as usize & (self.slots.len() - 1)
    }

    /// The slot holding `key` (the key of `word`), if any.
    #[inline]
    fn find(&self, key: &ShortKey, word: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let at = self.probe(key, word);
        (self.slots[at].key[0] != 0).then_some(at)
    }

    /// The slot holding `key`, or the empty slot where it would go.
    #[inline]
    fn probe(&self, key: &ShortKey, word: &str) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = self.home(word);
        loop {
            let slot_key = &self.slots[at].key;
            if slot_key[0] == 0 || slot_key == key {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    /// Doubles the table and puts every key back in its new place.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        for slot in old.into_iter().filter(|s| s.key[0] != 0) {
            let len = usize::from(slot.key[0] - 1);
            // The key's bytes were copied from a `&str`, so they are valid UTF-8.
            let word = std::str::from_utf8(&slot.key[1..=len]).unwrap_or_default();
            let at = self.probe(&slot.key, word);
            self.slots[at] = slot;
        }
    }
}

/// A read prefetch of `slot`'s cache line, where the processor has one.
#[inline]
fn prefetch_read(slot: &Slot) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults and changes no memory, and the pointer is
    // a live reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(slot).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = slot;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_short_long_empty_and_spilled_lists() {
        let mut memo = WordMemo::default();
        let long = "x".repeat(SHORT + 1);
        let at_limit = "y".repeat(SHORT);
        let cases: [(&str, &[u32]); 7] = [
            ("", &[]),
            ("a", &[7]),
            ("ab", &[7, 7]),
            ("abc", &[1, 2, 3, 4]),
            (&long, &[9, 8, 7]),
            (&at_limit, &[3]),
            ("ü中🙂", &[5]),
        ];
        for (w, c) in cases {
            memo.prefetch(w);
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

    #[test]
    fn keeps_every_word_through_growth_and_overwrites() {
        let mut memo = WordMemo::default();
        let word = |i: u32| format!("w{i}");
        for i in 0..5000u32 {
            memo.insert(&word(i), &[i]);
        }
        // Growth went through several doublings; every key is still found, in its new slot.
        assert!(memo.slots.len() >= 2 * 5000 && memo.slots.len().is_power_of_two());
        for i in 0..5000u32 {
            assert_eq!(memo.get(&word(i)), Some(&[i][..]), "{}", word(i));
        }
        memo.insert(&word(7), &[1, 2, 3]);
        assert_eq!(memo.get(&word(7)), Some(&[1, 2, 3][..]));
        assert_eq!(memo.len(), 5000);
        assert_eq!(memo.get("w5000"), None);
    }
}
