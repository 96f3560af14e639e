//! The word → term memo of one tokenizer instance (per thread).
//!
//! Nearly every word of a text has been seen before, so the tokenizer's time goes into this
//! lookup. Words and terms of up to 15 bytes (nearly all) live in an open-addressed table whose
//! 32-byte slot holds the packed word and its term together: a hit reads one cache line. A
//! general hash map kept its control bytes and its 40-byte entries apart (two lines per lookup,
//! 10.6 % of `slant label`'s time). Longer words and terms go to an ordinary map beside it.

use compact_str::CompactString;
use rustc_hash::FxHashMap;

/// Entries kept before the memo is cleared (bounds memory on huge corpora: the table is then
/// 2^20 slots of 32 bytes).
const LIMIT: usize = 1 << 19;

/// Slots of a new table (grows by doubling at three quarters full).
const INITIAL_SLOTS: usize = 1 << 12;

/// Bytes a term may have to be stored inline in a slot.
const INLINE: usize = 15;

/// A word packed into its key (zero: the slot is empty) and its term's bytes, the term's length
/// in the last byte. A stop word is memoized as the empty term.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    key: u128,
    term: [u8; INLINE + 1],
}

impl Slot {
    fn term(&self) -> &str {
        let len = usize::from(self.term[INLINE]);
        // SAFETY: `term[..len]` was copied from a `&str` by `Memo::insert` (nothing else writes
        // a non-empty slot), and `len <= INLINE` ends on that string's end, a char boundary.
        unsafe { std::str::from_utf8_unchecked(&self.term[..len]) }
    }
}

/// The bytes of a word of up to 15 bytes and its length packed into one integer (little-endian,
/// the length in the last byte); never zero for a non-empty word. Built from loads into
/// registers: copying the word into a stack array and reading it back as one integer stalled
/// on store forwarding (a third of the lookup's time).
fn pack(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    let len = bytes.len();
    if len == 0 || len > INLINE {
        return None;
    }
    let (low, high) = match bytes.split_first_chunk::<8>() {
        Some((first, rest)) => (u64::from_le_bytes(*first), below_eight(rest)),
        None => (below_eight(bytes), 0),
    };
    let high = high | (len as u64) << 56;
    Some(u128::from(low) | u128::from(high) << 64)
}

/// Up to seven bytes as a little-endian integer, from two overlapping loads (the bytes both
/// loads cover are the same, so or-ing them is exact).
fn below_eight(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    debug_assert!(len < 8);
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let (first, last) = (u32::from_le_bytes(*first), u32::from_le_bytes(*last));
        return u64::from(first) | u64::from(last) << (8 * (len - 4));
    }
    match bytes {
        [] => 0,
        [a, ..] => {
            let (middle, last) = (bytes[len / 2], bytes[len - 1]);
            u64::from(*a)
                | u64::from(middle) << (8 * (len / 2))
                | u64::from(last) << (8 * (len - 1))
        }
    }
}

/// The home slot of `key` in a table of `1 << bits` slots: both halves mixed by multiplication,
/// the top bits taken (they depend on every input bit).
fn home(key: u128, bits: u32) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let (low, high) = (key as u64, (key >> 64) as u64);
    let mixed = (low.wrapping_mul(K) ^ high).wrapping_mul(K);
    (mixed >> (64 - bits)) as usize
}

/// word → term of one tokenizer instance.
pub(crate) struct Memo {
    slots: Vec<Slot>,
    bits: u32,
    filled: usize,
    /// Words longer than 15 bytes, and words whose term is.
    long: FxHashMap<Box<str>, CompactString>,
}

impl Default for Memo {
    fn default() -> Self {
        Memo {
            slots: vec![Slot::default(); INITIAL_SLOTS],
            bits: INITIAL_SLOTS.trailing_zeros(),
            filled: 0,
            long: FxHashMap::default(),
        }
    }
}

impl Memo {
    /// The memoized term of `word` (empty for a stop word), if any.
    pub(crate) fn get(&self, word: &str) -> Option<&str> {
        let Some(key) = pack(word) else {
            return self.long.get(word).map(CompactString::as_str);
        };
        let mask = self.slots.len() - 1;
        let mut at = home(key, self.bits);
        loop {
            let slot = &self.slots[at];
            if slot.key == key {
                return Some(slot.term());
            }
            if slot.key == 0 {
                // A short word whose term did not fit a slot.
                return self.long.get(word).map(CompactString::as_str);
            }
            at = (at + 1) & mask;
        }
    }

    /// Memoizes `word` → `term` (`word` must not be memoized yet).
    pub(crate) fn insert(&mut self, word: &str, term: &str) {
        if self.filled + self.long.len() >= LIMIT {
            self.clear();
        }
        match pack(word) {
            Some(key) if term.len() <= INLINE => {
                if (self.filled + 1) * 4 > self.slots.len() * 3 {
                    self.grow();
                }
                let mut slot = Slot {
                    key,
                    ..Slot::default()
                };
                slot.term[..term.len()].copy_from_slice(term.as_bytes());
                slot.term[INLINE] = term.len() as u8;
                self.place(slot);
                self.filled += 1;
            }
            _ => {
                self.long.insert(word.into(), term.into());
            }
        }
    }

    /// Puts `slot` in the first free slot from its home.
    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut at = home(slot.key, self.bits);
        while self.slots[at].key != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
    }

    /// Doubles the table and places every entry again.
    fn grow(&mut self) {
        let doubled = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        self.bits += 1;
        for slot in old.into_iter().filter(|slot| slot.key != 0) {
            self.place(slot);
        }
    }

    fn clear(&mut self) {
        self.slots.fill(Slot::default());
        self.filled = 0;
        self.long.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards the key against a faster packing that changes it (one was tried, built from
    /// whole loads, and not kept: it was not measurably faster).
    #[test]
    fn packed_words_equal_their_bytes_and_length_in_an_array() {
        let by_array = |word: &str| {
            let mut key = [0u8; 16];
            key[..word.len()].copy_from_slice(word.as_bytes());
            key[15] = word.len() as u8;
            u128::from_le_bytes(key)
        };
        let alphabet: Vec<char> = "ab\0ZÿéΣ中🙂".chars().collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..20_000 {
            let word: String = (0..next(9))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let expected = (1..=15).contains(&word.len()).then(|| by_array(&word));
            assert_eq!(pack(&word), expected, "{word:?}");
        }
        assert_ne!(pack("a"), pack("a\0"), "a NUL byte is part of the word");
    }

    #[test]
    fn the_empty_word_and_long_words_have_no_key() {
        assert_eq!(pack(""), None);
        assert_eq!(pack("sixteen-bytes-xx"), None);
        assert!(pack("fifteen-bytes-x").is_some());
    }

    #[test]
    fn every_entry_is_found_after_the_table_grows() {
        let mut memo = Memo::default();
        let words: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
        for word in &words {
            memo.insert(word, &word.to_uppercase());
        }
        assert!(memo.slots.len() > INITIAL_SLOTS);
        for word in &words {
            assert_eq!(memo.get(word), Some(word.to_uppercase().as_str()));
        }
        assert_eq!(memo.get("unseen"), None);
    }

    #[test]
    fn long_words_long_terms_and_stop_words_are_memoized() {
        let mut memo = Memo::default();
        memo.insert("internationalization", "internation");
        memo.insert("ǅ", "a term longer than fifteen bytes");
        memo.insert("the", "");
        assert_eq!(memo.get("internationalization"), Some("internation"));
        assert_eq!(memo.get("ǅ"), Some("a term longer than fifteen bytes"));
        assert_eq!(memo.get("the"), Some(""));
    }

    #[test]
    fn the_memo_is_cleared_at_its_limit_and_keeps_working() {
        let mut memo = Memo::default();
        for i in 0..LIMIT + 10 {
            memo.insert(&format!("{i}"), "t");
        }
        assert_eq!(memo.filled, 10);
        assert_eq!(memo.get(&format!("{}", LIMIT + 9)), Some("t"));
        assert_eq!(memo.get("0"), None);
    }
}
