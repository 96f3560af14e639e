//! A language's function words (NLTK's stop-word lists), looked up once for every word of
//! every text the language check reads, so the lookup is built for that: an ASCII word is packed
//! into one integer ([`pack_lowercase`]) and found in a two-choice table (every word sits in one
//! of two slots, so a lookup reads two slots and compares twice, with no probe loop).

use rustc_hash::FxHashSet;

use slant_word_table::ascii8::lowercase;

/// A language's function words, looked up without allocating per word.
#[derive(Debug, Clone, Default)]
pub(super) struct FunctionWords {
    words: FxHashSet<&'static str>,
    /// The ASCII words of up to 16 bytes, packed ([`pack_lowercase`]): an ASCII word is looked
    /// up without building a string or comparing bytes.
    packed: TwoChoiceSet,
    /// Bytes of the longest word: longer words are not looked up.
    longest: usize,
}

impl FunctionWords {
    /// The stop-word list of `lang`, empty when there is none.
    pub(super) fn of(lang: Option<whatlang::Lang>) -> FunctionWords {
        let words: FxHashSet<&'static str> = lang
            .and_then(iso_639_1)
            .and_then(stop_words::lookup)
            .map(|words| words.iter().copied().collect())
            .unwrap_or_default();
        let longest = words.iter().map(|w| w.len()).max().unwrap_or(0);
        let packed: Vec<u128> = words
            .iter()
            .filter(|w| w.is_ascii())
            .filter_map(|w| pack_lowercase(w.as_bytes()))
            .collect();
        let packed = TwoChoiceSet::of(&packed);
        FunctionWords {
            words,
            packed,
            longest,
        }
    }

    /// Whether the list is empty (the language has none).
    pub(super) fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether the ASCII `word` lower-cased is a function word ([`contains`](Self::contains)
    /// without a string).
    pub(super) fn contains_ascii(&self, word: &[u8]) -> bool {
        // The empty word packs to zero, the empty slots' mark.
        if word.is_empty() || word.len() > self.longest {
            return false;
        }
        match pack_lowercase(word) {
            Some(key) => self.packed.contains(key),
            None => std::str::from_utf8(&word.to_ascii_lowercase())
                .is_ok_and(|lower| self.words.contains(lower)),
        }
    }

    /// Whether the ASCII word of `len` bytes (1 to 16) packed and lower-cased into `key` (as
    /// [`pack_lowercase`] packs it) is a function word.
    #[inline]
    pub(super) fn contains_lowercase(&self, key: u128, len: usize) -> bool {
        len <= self.longest && self.packed.contains(key)
    }

    /// Whether `word` lower-cased (into `scratch`) is a function word.
    pub(super) fn contains(&self, word: &str, scratch: &mut String) -> bool {
        if word.len() > self.longest {
            return false;
        }
        scratch.clear();
        if word.is_ascii() {
            scratch.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            scratch.extend(word.chars().flat_map(char::to_lowercase));
        }
        self.words.contains(scratch.as_str())
    }
}

/// ISO 639-1 code of a whatlang language, for the stop-word lists (which are keyed by it).
fn iso_639_1(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Ara => "ar",
        Dan => "da",
        Nld => "nl",
        Eng => "en",
        Fin => "fi",
        Fra => "fr",
        Deu => "de",
        Ell => "el",
        Hun => "hu",
        Ita => "it",
        Nob => "no",
        Por => "pt",
        Ron => "ro",
        Rus => "ru",
        Spa => "es",
        Swe => "sv",
        Tam => "ta",
        Tur => "tr",
        _ => return None,
    })
}

/// An ASCII word of up to 16 bytes, lower-cased and zero-padded into one integer (letters are
/// never zero, so the padding cannot make two words equal).
fn pack_lowercase(word: &[u8]) -> Option<u128> {
    let key = pack16(word)?;
    let (lo, hi) = (key as u64, (key >> 64) as u64);
    Some(u128::from(lowercase(lo)) | u128::from(lowercase(hi)) << 64)
}

/// Up to 16 bytes, little-endian and zero-padded, in one integer. Built from whole-word loads
/// (the last one overlapping the first) rather than by writing the bytes into an array and
/// reading it back: that read waits for the byte writes to reach memory, which made packing
/// most of the fast path's time.
fn pack16(bytes: &[u8]) -> Option<u128> {
    let n = bytes.len();
    let load8 = |at: usize| {
        bytes
            .get(at..at + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    let load4 = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    Some(match n {
        17.. => return None,
        8.. => {
            // The bytes past the first 8 are the top ones of the last 8.
            let hi = load8(n - 8)?.checked_shr(8 * (16 - n) as u32).unwrap_or(0);
            u128::from(load8(0)?) | u128::from(hi) << 64
        }
        4.. => {
            let hi = load4(n - 4)?.checked_shr(8 * (8 - n) as u32).unwrap_or(0);
            u128::from(load4(0)?) | u128::from(hi) << 32
        }
        _ => bytes
            .iter()
            .rev()
            .fold(0, |key, &b| key << 8 | u128::from(b)),
    })
}

/// A set of non-zero 16-byte keys in which every key sits in one of its two slots (cuckoo
/// hashing): in the first half at one hash of the key or in the second at another. A lookup
/// reads both and compares twice, without branches; an empty slot holds zero, which no packed
/// word equals. Built for a few hundred keys (NLTK's English list has 198), so the tables stay
/// in L1.
#[derive(Debug, Clone)]
struct TwoChoiceSet {
    /// The two halves, `1 << bits` slots each.
    first: Box<[u128]>,
    second: Box<[u128]>,
    bits: u32,
    /// Each half's hash: two odd multipliers (found by [`TwoChoiceSet::of`]).
    multipliers: [[u64; 2]; 2],
}

impl Default for TwoChoiceSet {
    fn default() -> TwoChoiceSet {
        TwoChoiceSet::empty(1, [[1, 1], [1, 1]])
    }
}

/// Evictions before an insertion gives up and the set is rebuilt with other multipliers.
const MAX_EVICTIONS: usize = 256;

impl TwoChoiceSet {
    fn empty(bits: u32, multipliers: [[u64; 2]; 2]) -> TwoChoiceSet {
        TwoChoiceSet {
            first: vec![0; 1 << bits].into_boxed_slice(),
            second: vec![0; 1 << bits].into_boxed_slice(),
            bits,
            multipliers,
        }
    }

    /// A set of `keys` (none zero), each half at least four times as large as the set, so
    /// insertion nearly always succeeds with the first multipliers; after every 16 failures
    /// the halves double. The multipliers are drawn in a fixed sequence, so the same keys
    /// always give the same tables.
    fn of(keys: &[u128]) -> TwoChoiceSet {
        debug_assert!(!keys.contains(&0), "zero marks an empty slot");
        let mut bits = (keys.len().max(1) * 4).next_power_of_two().trailing_zeros();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for attempt in 1.. {
            let mut odd = || splitmix64(&mut state) | 1;
            let multipliers = [[odd(), odd()], [odd(), odd()]];
            let mut set = TwoChoiceSet::empty(bits, multipliers);
            if keys.iter().all(|&k| set.insert(k)) {
                return set;
            }
            bits += u32::from(attempt % 16 == 0);
        }
        unreachable!("the attempts never end")
    }

    /// The key's slot in each half: the key's low half multiplied, the high half mixed in,
    /// multiplied again, the top bits taken (they depend on every bit of the key).
    #[inline]
    fn homes(&self, key: u128) -> (usize, usize) {
        let (low, high) = (key as u64, (key >> 64) as u64);
        let home = |[m1, m2]: [u64; 2]| {
            ((low.wrapping_mul(m1) ^ high).wrapping_mul(m2) >> (64 - self.bits)) as usize
        };
        (home(self.multipliers[0]), home(self.multipliers[1]))
    }

    #[inline]
    fn contains(&self, key: u128) -> bool {
        let (a, b) = self.homes(key);
        (self.first[a] == key) | (self.second[b] == key)
    }

    /// Inserts `key`, moving the keys in its way to their other slot; `false` when that goes
    /// on for [`MAX_EVICTIONS`] moves (the set must then be rebuilt).
    fn insert(&mut self, mut key: u128) -> bool {
        if self.contains(key) {
            return true;
        }
        for _ in 0..MAX_EVICTIONS {
            let (a, _) = self.homes(key);
            key = std::mem::replace(&mut self.first[a], key);
            if key == 0 {
                return true;
            }
            // The key just put out of the first half goes to its slot in the second.
            let (_, b) = self.homes(key);
            key = std::mem::replace(&mut self.second[b], key);
            if key == 0 {
                return true;
            }
        }
        false
    }
}

/// The next number of the SplitMix64 sequence (the multipliers' source).
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_equals_writing_the_bytes_into_an_array() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for _ in 0..20_000 {
            let n = rng.random_range(0..=17);
            let word: Vec<u8> = (0..n).map(|_| rng.random_range(0..0x80u8)).collect();
            let array = (n <= 16).then(|| {
                let mut key = [0u8; 16];
                for (k, b) in key.iter_mut().zip(&word) {
                    *k = b.to_ascii_lowercase();
                }
                u128::from_le_bytes(key)
            });
            assert_eq!(pack_lowercase(&word), array, "{word:?}");
        }
    }

    #[test]
    fn every_function_word_is_found_and_no_other_word_is() {
        use rand::{Rng, SeedableRng};
        let english = FunctionWords::of(Some(whatlang::Lang::Eng));
        let list = stop_words::get("en");
        let mut scratch = String::new();
        for word in list {
            assert!(english.contains_ascii(word.as_bytes()), "{word}");
            assert!(
                english.contains_ascii(word.to_uppercase().as_bytes()),
                "{word}"
            );
            assert!(english.contains(word, &mut scratch), "{word}");
        }
        // Random letter strings: found exactly when they are on the list.
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        for _ in 0..100_000 {
            let n = rng.random_range(1..=6);
            let word: String = (0..n)
                .map(|_| char::from(rng.random_range(b'a'..=b'z')))
                .collect();
            let listed = list.iter().any(|w| *w == word);
            assert_eq!(english.contains_ascii(word.as_bytes()), listed, "{word}");
        }
        assert!(!english.contains_ascii(b"war") && !english.contains_ascii(b""));
    }

    #[test]
    fn the_two_choice_set_holds_what_was_inserted() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for n in [0, 1, 7, 179, 1000] {
            let keys: Vec<u128> = (0..n).map(|_| rng.random::<u128>() | 1).collect();
            let set = TwoChoiceSet::of(&keys);
            assert!(keys.iter().all(|&k| set.contains(k)), "{n} keys");
            let others = (0..1000)
                .filter(|_| set.contains(rng.random::<u128>() | 1))
                .count();
            assert_eq!(others, 0, "{n} keys");
            // The same keys give the same tables.
            assert_eq!(TwoChoiceSet::of(&keys).multipliers, set.multipliers);
        }
    }
}
