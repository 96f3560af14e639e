//! # slant-word-table
//!
//! The storage of the plugins' per-thread memos (the tokenizer's word → term, the classifiers'
//! word → char n-gram columns). On natural text nearly every word has been seen, so a memo's
//! time is its hit: here a word of up to [`SHORT_WORD`] bytes (nearly all) is packed into a
//! 16-byte key, and key and value share one slot of an open-addressed table, so a hit reads one
//! cache line. A general hash map keeps its control bytes apart from its entries (two lines per
//! hit) and built its keys through a stack array (a store-forwarding stall per lookup); both
//! together were most of the tokenizer's lookup time. Longer words are the caller's to store
//! elsewhere ([`ShortWord::of`] says which).
//!
//! Beside it, [`ascii8`]: the byte classes, eight bytes at a time, with which the tokenizer and
//! the host's mention finder find where words start and end without a loop per byte.

pub mod ascii8;

/// Longest word (bytes) a [`ShortWord`] holds.
pub const SHORT_WORD: usize = 15;

/// A word of 1 to [`SHORT_WORD`] bytes packed into one integer: its bytes little-endian, its
/// length in the last byte. Two keys are equal exactly when the words are, and no key is zero
/// (the table's mark of an empty slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShortWord(u128);

impl ShortWord {
    /// The key of `word`; `None` for the empty word and words longer than [`SHORT_WORD`].
    ///
    /// Built from loads into registers: writing the bytes into an array and reading it back as
    /// one integer waited for the writes to reach memory.
    #[inline]
    pub fn of(word: &str) -> Option<ShortWord> {
        let bytes = word.as_bytes();
        let len = bytes.len();
        if len == 0 || len > SHORT_WORD {
            return None;
        }
        let (low, high) = match bytes.split_first_chunk::<8>() {
            Some((first, rest)) => (u64::from_le_bytes(*first), below_eight(rest)),
            None => (below_eight(bytes), 0),
        };
        let high = high | (len as u64) << 56;
        Some(ShortWord(u128::from(low) | u128::from(high) << 64))
    }

    /// The key of the word at `start..end` of `text`: the same key as [`ShortWord::of`] of
    /// `&text[start..end]`, read with one 16-byte load wherever `text` has 16 bytes from
    /// `start`, the bytes past the word masked away. `of` branches on the word's length (eight
    /// bytes or more, four or more), and lengths vary too much for the processor to guess: a
    /// twentieth of the mispredicted branches of `slant label` were there.
    ///
    /// # Panics
    /// `start..end` is not a range of `text` on char boundaries (as slicing it would).
    #[inline]
    pub fn of_at(text: &str, start: usize, end: usize) -> Option<ShortWord> {
        let Some(chunk) = text.as_bytes().get(start..start + 16) else {
            return ShortWord::of(&text[start..end]);
        };
        let len = end.checked_sub(start).expect("a word ends after it starts");
        if len == 0 || len > SHORT_WORD {
            return None;
        }
        let chunk: &[u8; 16] = chunk.try_into().expect("16 bytes");
        let bytes = u128::from_le_bytes(*chunk) & ((1u128 << (8 * len)) - 1);
        Some(ShortWord(bytes | (len as u128) << 120))
    }

    /// The packed integer.
    pub fn get(self) -> u128 {
        self.0
    }

    /// The home slot of this key in a table of `1 << bits` slots: both halves mixed by
    /// multiplication, the top bits taken (they depend on every input bit).
    #[inline]
    fn home(self, bits: u32) -> usize {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let (low, high) = (self.0 as u64, (self.0 >> 64) as u64);
        let mixed = (low.wrapping_mul(K) ^ high).wrapping_mul(K);
        (mixed >> (64 - bits)) as usize
    }
}

/// Up to seven bytes as a little-endian integer, from two overlapping loads (the bytes both
/// loads cover are the same, so or-ing them is exact).
#[inline]
fn below_eight(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    debug_assert!(len < 8);
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let (first, last) = (u32::from_le_bytes(*first), u32::from_le_bytes(*last));
        return u64::from(first) | u64::from(last) << (8 * (len - 4));
    }
    match bytes {
        [] => 0,
        [first, ..] => {
            let (middle, last) = (bytes[len / 2], bytes[len - 1]);
            u64::from(*first)
                | u64::from(middle) << (8 * (len / 2))
                | u64::from(last) << (8 * (len - 1))
        }
    }
}

/// Slots of a new table (it doubles at three quarters full).
const INITIAL_SLOTS: usize = 1 << 12;

/// A key and its value side by side (a key of zero: the slot is empty). Aligned to 32 bytes
/// so that a slot of a value up to 16 bytes never straddles two cache lines.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot<V> {
    key: u128,
    value: V,
}

/// [`ShortWord`] → `V`, open addressing with linear probing. Keep `V` at 16 bytes or less so a
/// slot stays within half a cache line.
pub struct ShortWordTable<V> {
    slots: Vec<Slot<V>>,
    bits: u32,
    len: usize,
}

impl<V: Copy + Default> Default for ShortWordTable<V> {
    fn default() -> Self {
        ShortWordTable {
            slots: vec![Slot::default(); INITIAL_SLOTS],
            bits: INITIAL_SLOTS.trailing_zeros(),
            len: 0,
        }
    }
}

impl<V: Copy + Default> ShortWordTable<V> {
    /// The value stored for `key`.
    #[inline]
    pub fn get(&self, key: ShortWord) -> Option<&V> {
        let slot = &self.slots[self.slot_of(key)];
        (slot.key != 0).then_some(&slot.value)
    }

    /// Asks the processor to bring `key`'s home slot into the cache, so that a [`get`] of it a
    /// little later does not wait for memory. Only a hint: nothing is read or changed.
    ///
    /// [`get`]: Self::get
    #[inline]
    pub fn prefetch(&self, key: ShortWord) {
        let slot: *const Slot<V> = &self.slots[key.home(self.bits)];
        prefetch_line(slot);
    }

    /// Stores `value` for `key`, replacing any value it had.
    pub fn insert(&mut self, key: ShortWord, value: V) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let at = self.slot_of(key);
        if self.slots[at].key == 0 {
            self.len += 1;
        }
        self.slots[at] = Slot { key: key.0, value };
    }

    /// Number of keys stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no key is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every key (keeps the table's size).
    pub fn clear(&mut self) {
        self.slots.fill(Slot::default());
        self.len = 0;
    }

    /// The slot holding `key`, or the empty slot where it belongs.
    #[inline]
    fn slot_of(&self, key: ShortWord) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = key.home(self.bits);
        while self.slots[at].key != 0 && self.slots[at].key != key.0 {
            at = (at + 1) & mask;
        }
        at
    }

    /// Doubles the table and places every entry again.
    fn grow(&mut self) {
        let doubled = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        self.bits += 1;
        for slot in old.into_iter().filter(|slot| slot.key != 0) {
            let at = self.slot_of(ShortWord(slot.key));
            self.slots[at] = slot;
        }
    }
}

/// Brings the cache line at `at` into the cache (a hint; a no-op where there is no such
/// instruction). The memos' users prefetch what a slot points to with it as well.
#[inline]
pub fn prefetch_line<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and cannot fault, whatever the address;
    // the callers' `at` points into live memory anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded xorshift: each call gives a number below its argument.
    fn below(seed: u64) -> impl FnMut(usize) -> usize {
        let mut state = seed;
        move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        }
    }

    /// Guards the key against a faster packing that changes it.
    #[test]
    fn packed_words_equal_their_bytes_and_length_in_an_array() {
        let by_array = |word: &str| {
            let mut key = [0u8; 16];
            key[..word.len()].copy_from_slice(word.as_bytes());
            key[15] = word.len() as u8;
            u128::from_le_bytes(key)
        };
        let alphabet: Vec<char> = "ab\0ZÿéΣ中🙂".chars().collect();
        let mut next = below(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let word: String = (0..next(9))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let expected = (1..=SHORT_WORD)
                .contains(&word.len())
                .then(|| by_array(&word));
            assert_eq!(
                ShortWord::of(&word).map(ShortWord::get),
                expected,
                "{word:?}"
            );
        }
        assert_ne!(
            ShortWord::of("a"),
            ShortWord::of("a\0"),
            "a NUL byte is part of the word"
        );
    }

    /// The key read from the text equals the word's own, for every range of random texts
    /// (with the ends of texts, where fewer than 16 bytes follow), words of 0 to 20 bytes.
    #[test]
    fn keys_read_in_place_equal_the_words_keys() {
        let alphabet: Vec<char> = "ab \0ZÿéΣ中🙂".chars().collect();
        let mut next = below(0x9e37_79b9_7f4a_7c15);
        let mut compared = 0;
        for _ in 0..2_000 {
            let text: String = (0..next(40))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let bounds: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            for (i, &start) in bounds.iter().enumerate() {
                for &end in bounds[i..].iter().take_while(|&&end| end <= start + 20) {
                    let word = &text[start..end];
                    assert_eq!(
                        ShortWord::of_at(&text, start, end),
                        ShortWord::of(word),
                        "{text:?} {start}..{end}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 50_000, "{compared}");
    }

    #[test]
    fn the_empty_word_and_long_words_have_no_key() {
        assert_eq!(ShortWord::of(""), None);
        assert_eq!(ShortWord::of("sixteen-bytes-xx"), None);
        assert!(ShortWord::of("fifteen-bytes-x").is_some());
    }

    /// `n` words `{prefix}0`, `{prefix}1`, … and a table mapping each to its place.
    fn numbered(prefix: &str, n: usize) -> (Vec<String>, ShortWordTable<u32>) {
        let words: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
        let mut table = ShortWordTable::default();
        for (i, word) in words.iter().enumerate() {
            table.insert(ShortWord::of(word).unwrap(), i as u32);
        }
        (words, table)
    }

    /// Every word of `words` is found in `table` with its place, and nothing else is stored.
    fn assert_numbered(words: &[String], table: &ShortWordTable<u32>) {
        assert_eq!(table.len(), words.len());
        for (i, word) in words.iter().enumerate() {
            assert_eq!(table.get(ShortWord::of(word).unwrap()), Some(&(i as u32)));
        }
    }

    #[test]
    fn every_entry_is_found_after_the_table_grows() {
        let (words, table) = numbered("w", 20_000);
        assert!(table.slots.len() > INITIAL_SLOTS);
        assert_numbered(&words, &table);
        assert_eq!(table.get(ShortWord::of("unseen").unwrap()), None);
    }

    /// A prefetch is a hint: the table answers the same after it, for stored and unseen keys
    /// (including a key whose home slot is the table's last).
    #[test]
    fn prefetching_changes_nothing() {
        let (words, table) = numbered("p", 5_000);
        let last = (0..)
            .map(|i| format!("u{i}"))
            .find(|w| ShortWord::of(w).unwrap().home(table.bits) == table.slots.len() - 1)
            .unwrap();
        for word in words.iter().chain([&last]) {
            table.prefetch(ShortWord::of(word).unwrap());
        }
        assert_numbered(&words, &table);
        assert_eq!(table.get(ShortWord::of(&last).unwrap()), None);
    }

    #[test]
    fn a_slot_of_a_small_value_is_half_a_cache_line() {
        assert_eq!(std::mem::size_of::<Slot<[u8; 16]>>(), 32);
        assert_eq!(std::mem::size_of::<Slot<[u32; 3]>>(), 32);
        assert_eq!(std::mem::align_of::<Slot<u8>>(), 32);
    }

    #[test]
    fn a_second_insert_replaces_and_clear_forgets() {
        let mut table = ShortWordTable::default();
        let key = ShortWord::of("word").unwrap();
        table.insert(key, 1u8);
        table.insert(key, 2u8);
        assert_eq!((table.get(key), table.len()), (Some(&2), 1));
        table.clear();
        assert_eq!((table.get(key), table.len()), (None, 0));
    }
}
