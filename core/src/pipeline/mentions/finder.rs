//! Finding the mentions of named targets in a text. Matching is on the raw text, so offsets are
//! exact bytes:
//! - case-insensitive, except that an alias written in capitals with at most five letters (an
//!   acronym such as `US`, `SAA`, `IS`) matches only in capitals, so `US` never matches "us";
//! - only on word boundaries: the characters on either side must not be letters or digits, so
//!   "Russia's" and "US-backed" hold a mention and "Russian" or "USA" do not;
//! - overlapping matches resolve to the leftmost, then longest: in "Free Syrian Army", the
//!   alias "Free Syrian Army" wins over "Syrian Army" (another target's alias).
//!
//! Since a mention can only start where a word does, the aliases are looked for only there: the
//! text's word starts are screened by [`StartScreen`] (which first bytes can begin an alias),
//! and the automaton (the maintained `aho-corasick`) runs anchored at the few places that
//! pass. Walking the automaton over every byte instead (overlapping matches, then the boundary
//! and case checks) took one state transition per byte, each waiting on the last, and stopped
//! at every spurious match of a short alias inside a word (`is` in "this", `us` in "just"):
//! 1.7 times as long on news bodies (`cargo bench -p slant-benches --bench mentions`).

use std::sync::atomic::{AtomicBool, Ordering};

use aho_corasick::{
    automaton::OverlappingState, AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind,
    StartKind,
};

use slant_word_table::ascii8;

use crate::pipeline::targets::TargetMap;

/// One alias of one target.
#[derive(Debug)]
struct Alias {
    target: usize,
    text: String,
    /// Acronyms match only as written.
    exact_case: bool,
}

/// One mention found in a text: which target, through which alias, at which bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub target: usize,
    pub start: usize,
    pub end: usize,
    alias: usize,
}

/// Finds the mentions of a set of targets; remembers which targets matched anything.
#[derive(Debug)]
pub struct MentionFinder {
    names: Vec<String>,
    aliases: Vec<Alias>,
    /// Every alias, ASCII case folded, matched only from a given start (anchored).
    automaton: AhoCorasick,
    screen: StartScreen,
    matched: Vec<AtomicBool>,
}

impl MentionFinder {
    /// Builds a finder for `targets` (each target's name is one of its aliases).
    ///
    /// # Errors
    /// An empty alias, one alias given to two targets (which one would it mention?), or an
    /// automaton that cannot be built.
    pub fn new(targets: &TargetMap) -> Result<MentionFinder, String> {
        let aliases = aliases_of(targets)?;
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Anchored)
            .build(aliases.iter().map(|a| a.text.as_str()))
            .map_err(|e| format!("cannot build the alias matcher: {e}"))?;
        Ok(MentionFinder {
            names: targets.keys().cloned().collect(),
            matched: targets.keys().map(|_| AtomicBool::new(false)).collect(),
            screen: StartScreen::of(aliases.iter().map(|a| (a.text.as_bytes(), a.exact_case))),
            aliases,
            automaton,
        })
    }

    /// Target names, in configured order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The alias text a mention was found through.
    pub fn alias(&self, mention: &Mention) -> &str {
        &self.aliases[mention.alias].text
    }

    /// Every alias as it is matched, in the automaton's pattern order: its text (trimmed, each
    /// once) and whether it matches only as written (an acronym).
    pub fn aliases(&self) -> impl Iterator<Item = (&str, bool)> {
        self.aliases.iter().map(|a| (a.text.as_str(), a.exact_case))
    }

    /// Every mention in `text`, in text order, overlaps resolved leftmost-longest.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        let bytes = text.as_bytes();
        let mut kept: Vec<Mention> = Vec::new();
        for at in self.screen.places(bytes) {
            // Leftmost first: nothing that starts inside a kept mention is kept.
            if kept.last().is_some_and(|last| at < last.end) || !follows_a_boundary(text, at) {
                continue;
            }
            if let Some(m) = self.longest_at(text, at) {
                self.matched[m.target].store(true, Ordering::Relaxed);
                kept.push(m);
            }
        }
        kept
    }

    /// The longest whole-word mention that starts at byte `at`.
    fn longest_at(&self, text: &str, at: usize) -> Option<Mention> {
        let input = Input::new(text)
            .span(at..text.len())
            .anchored(Anchored::Yes);
        let mut state = OverlappingState::start();
        let mut longest: Option<Mention> = None;
        loop {
            // Cannot fail: anchored searches are what the automaton was built for.
            self.automaton.find_overlapping(input.clone(), &mut state);
            let Some(m) = state.get_match() else {
                return longest;
            };
            let alias = m.pattern().as_usize();
            let found = Mention {
                target: self.aliases[alias].target,
                alias,
                start: m.start(),
                end: m.end(),
            };
            // A state's matches include aliases that end its path but start later.
            if found.start == at
                && self.ends_whole(text, &found)
                && longest.is_none_or(|l| found.end > l.end)
            {
                longest = Some(found);
            }
        }
    }

    /// Whether a mention that follows a word boundary ends on one, in its alias's case when
    /// the alias is an acronym.
    fn ends_whole(&self, text: &str, m: &Mention) -> bool {
        let alias = &self.aliases[m.alias];
        if alias.exact_case && text[m.start..m.end] != alias.text {
            return false;
        }
        !text[m.end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
    }

    /// Names of the targets no article mentioned so far, with their aliases.
    pub fn unmatched(&self) -> Vec<(String, Vec<String>)> {
        (0..self.names.len())
            .filter(|&t| !self.matched[t].load(Ordering::Relaxed))
            .map(|t| {
                let aliases = self.aliases.iter().filter(|a| a.target == t);
                (
                    self.names[t].clone(),
                    aliases.map(|a| a.text.clone()).collect(),
                )
            })
            .collect()
    }
}

/// Every target's name and aliases, trimmed, each once.
fn aliases_of(targets: &TargetMap) -> Result<Vec<Alias>, String> {
    let mut aliases: Vec<Alias> = Vec::new();
    for (t, (name, listed)) in targets.iter().enumerate() {
        for text in std::iter::once(name).chain(listed) {
            let text = text.trim();
            if text.is_empty() {
                return Err(format!("an alias of `{name}` is empty"));
            }
            let key = text.to_lowercase();
            match aliases.iter().find(|a| a.text.to_lowercase() == key) {
                Some(a) if a.target == t => continue,
                Some(a) => {
                    return Err(format!(
                        "alias `{text}` is given to both `{}` and `{name}`",
                        targets.get_index(a.target).map_or("?", |(n, _)| n.as_str())
                    ))
                }
                None => aliases.push(Alias {
                    target: t,
                    text: text.to_string(),
                    exact_case: is_acronym(text),
                }),
            }
        }
    }
    Ok(aliases)
}

/// Whether byte `at` of `text` starts a char that no letter or digit precedes.
#[inline]
fn follows_a_boundary(text: &str, at: usize) -> bool {
    match at.checked_sub(1).map(|before| text.as_bytes()[before]) {
        None => true,
        Some(before) if before.is_ascii() => !before.is_ascii_alphanumeric(),
        Some(_) => match text.get(..at) {
            // Inside a char: no alias starts there.
            None => false,
            Some(before) => !before
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric),
        },
    }
}

/// An acronym: two to five letters, all capitals (digits and dots allowed).
fn is_acronym(alias: &str) -> bool {
    let letters = alias.chars().filter(|c| c.is_alphabetic()).count();
    (2..=5).contains(&letters)
        && alias
            .chars()
            .all(|c| c.is_uppercase() || c.is_ascii_digit() || c == '.')
}

/// Which places of a text could start an alias: those after a byte that is no ASCII letter or
/// digit (a non-ASCII byte passes: the caller checks the char it ends) whose first bytes could
/// begin one. An alias of four bytes or more is looked for by its first four (every byte's bit
/// 0x20 set, which folds ASCII case as the automaton does, and folds more, which only lets more
/// places through); a shorter one by its first two, as written when it is an acronym (it
/// matches only so) and in any case otherwise. Both keys are hashed into one bit set: a set bit
/// is a maybe. The bytes before are judged eight at a time ([`ascii8`]), the keys once per word
/// start without a branch; few word starts pass (those of the aliases and of words that begin
/// as one does), so the automaton runs anchored at a small share of them.
#[derive(Debug)]
struct StartScreen {
    /// 2^16 bits (8 KiB), indexed by [`short_key`] and [`long_key`].
    bits: Box<[u64; 1024]>,
    /// Whether every alias starts with an ASCII letter or digit (then only those bytes are
    /// looked at).
    alphanumeric_first: bool,
}

/// Aliases of this many bytes or more are screened by their first four bytes.
const LONG_ALIAS: usize = 4;

/// The key of a place's first two bytes (little-endian), for aliases of one to three bytes.
#[inline]
fn short_key(first_two: u32) -> usize {
    key_bits(u64::from(first_two) | 1 << 40)
}

/// The key of a place's first four bytes (little-endian), for aliases of four bytes or more.
#[inline]
fn long_key(first_four: u32) -> usize {
    key_bits(u64::from(first_four | 0x2020_2020))
}

/// Sixteen bits of `x`, mixed by multiplication.
#[inline]
fn key_bits(x: u64) -> usize {
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

impl StartScreen {
    /// The screen of `aliases` (each non-empty, with whether it matches only as written).
    fn of<'a>(aliases: impl Iterator<Item = (&'a [u8], bool)>) -> StartScreen {
        let mut screen = StartScreen {
            bits: Box::new([0u64; 1024]),
            alphanumeric_first: true,
        };
        for (alias, exact_case) in aliases {
            screen.alphanumeric_first &= alias[0].is_ascii_alphanumeric();
            if let Some(first_four) = alias.first_chunk::<LONG_ALIAS>() {
                screen.set(long_key(u32::from_le_bytes(*first_four)));
                continue;
            }
            let cases = |b: u8| match exact_case {
                true => vec![b],
                false => vec![b.to_ascii_lowercase(), b.to_ascii_uppercase()],
            };
            // A one-byte alias may be followed by anything, the end of the text included
            // (read as a zero byte).
            let seconds = match alias.get(1) {
                Some(&second) => cases(second),
                None => (0..=u8::MAX).collect(),
            };
            for first in cases(alias[0]) {
                for &second in &seconds {
                    screen.set(short_key(u32::from(first) | u32::from(second) << 8));
                }
            }
        }
        screen
    }

    fn set(&mut self, key: usize) {
        self.bits[key / 64] |= 1 << (key % 64);
    }

    #[inline]
    fn has(&self, key: usize) -> bool {
        self.bits[key / 64] >> (key % 64) & 1 == 1
    }

    /// The places of `bytes` where an alias could start, in order.
    fn places<'b>(&'b self, bytes: &'b [u8]) -> impl Iterator<Item = usize> + 'b {
        let mut chunk_start = 0;
        let mut chunk = load8(bytes, 0);
        let mut places = 0u64;
        let mut word_before = false;
        std::iter::from_fn(move || loop {
            if places != 0 {
                let at = chunk_start - 8 + ascii8::first(places);
                places &= places - 1;
                return Some(at);
            }
            if chunk_start >= bytes.len() {
                return None;
            }
            let ahead = load8(bytes, chunk_start + 8);
            let words = ascii8::alphanumerics(chunk);
            // The top bit of byte i says whether byte i - 1 is a letter or digit.
            let after_word = words << 8 | u64::from(word_before) << 7;
            let mut starts = !after_word & ascii8::HIGHS;
            if self.alphanumeric_first {
                starts &= words;
            }
            // Bytes past the end were loaded as zeros: not places.
            let past_end = (chunk_start + 8).saturating_sub(bytes.len());
            starts &= u64::MAX >> (8 * past_end);
            places = self.screen(u128::from(chunk) | u128::from(ahead) << 64, starts);
            word_before = words >> 63 == 1;
            chunk = ahead;
            chunk_start += 8;
        })
    }

    /// The mask ([`ascii8`]'s) of the places `starts` marks in the first eight bytes of
    /// `window` (sixteen bytes, little-endian) that could begin an alias.
    #[inline]
    fn screen(&self, window: u128, starts: u64) -> u64 {
        let mut places = 0;
        let mut left = starts;
        while left != 0 {
            let shift = left.trailing_zeros() & !7;
            left &= left - 1;
            let first_four = (window >> shift) as u32;
            let may = self.has(short_key(first_four & 0xFFFF)) | self.has(long_key(first_four));
            places |= u64::from(may) << (shift + 7);
        }
        places
    }
}

/// The eight bytes from `at`, little-endian, zero past the end.
#[inline]
fn load8(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().expect("eight bytes")),
        None => {
            let rest = bytes.get(at..).unwrap_or_default();
            let mut padded = [0u8; 8];
            padded[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(padded)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder(targets: &[(&str, &[&str])]) -> MentionFinder {
        let map: TargetMap = targets
            .iter()
            .map(|(n, a)| (n.to_string(), a.iter().map(|s| s.to_string()).collect()))
            .collect();
        MentionFinder::new(&map).unwrap()
    }

    fn found(f: &MentionFinder, text: &str) -> Vec<(String, String)> {
        f.find(text)
            .iter()
            .map(|m| {
                (
                    f.names()[m.target].clone(),
                    text[m.start..m.end].to_string(),
                )
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn case_insensitive_multi_word_possessive_and_hyphenated() {
        let f = finder(&[
            ("Russia", &["Moscow", "Kremlin"]),
            ("United States", &["US", "Washington"]),
            ("Syrian government", &["Syrian Army", "Assad"]),
        ]);
        let text = "RUSSIA's envoy met US-backed fighters; the syrian army and Assad’s aides \
                    said the kremlin, and Washington, agree.";
        assert_eq!(
            found(&f, text),
            pairs(&[
                ("Russia", "RUSSIA"),
                ("United States", "US"),
                ("Syrian government", "syrian army"),
                ("Syrian government", "Assad"),
                ("Russia", "kremlin"),
                ("United States", "Washington"),
            ])
        );
    }

    #[test]
    fn never_inside_longer_words_and_acronyms_keep_their_case() {
        let f = finder(&[
            ("Russia", &[]),
            ("United States", &["US"]),
            ("ISIS", &["IS"]),
        ]);
        let text = "Russian and Russians, the USA, campus bus: tell us, this is Prussia.";
        assert!(found(&f, text).is_empty(), "{:?}", found(&f, text));
        assert_eq!(found(&f, "IS fighters"), pairs(&[("ISIS", "IS")]));
    }

    #[test]
    fn overlapping_aliases_resolve_to_the_longest_match() {
        let f = finder(&[
            ("Syrian government", &["Syrian Army"]),
            ("Syrian opposition", &["Free Syrian Army", "FSA"]),
        ]);
        let text = "The Free Syrian Army fought the Syrian Army.";
        assert_eq!(
            found(&f, text),
            pairs(&[
                ("Syrian opposition", "Free Syrian Army"),
                ("Syrian government", "Syrian Army"),
            ])
        );
        let only_gov = finder(&[("Syrian government", &["Syrian Army"])]);
        assert_eq!(found(&only_gov, "the Free Syrian Army").len(), 1);
    }

    #[test]
    fn unmatched_targets_are_remembered_and_shared_aliases_refused() {
        let f = finder(&[("Russia", &["Moscow"]), ("Turkey", &["Ankara"])]);
        f.find("Moscow said.");
        let unmatched = f.unmatched();
        assert_eq!(unmatched.len(), 1);
        assert_eq!(unmatched[0].0, "Turkey");
        assert_eq!(unmatched[0].1, ["Turkey", "Ankara"]);
        let map: TargetMap = [
            ("A".to_string(), vec!["Damascus".to_string()]),
            ("B".to_string(), vec!["damascus".to_string()]),
        ]
        .into_iter()
        .collect();
        let e = MentionFinder::new(&map).unwrap_err();
        assert!(e.contains("`A`") && e.contains("`B`"), "{e}");
    }

    #[test]
    fn empty_aliases_are_refused() {
        let map: TargetMap = [("Russia".to_string(), vec![" ".to_string()])]
            .into_iter()
            .collect();
        let e = MentionFinder::new(&map).unwrap_err();
        assert!(e.contains("empty") && e.contains("`Russia`"), "{e}");
    }

    /// The mentions as found before the screen of word starts: every overlapping match over
    /// every byte, the boundary and case checks, then leftmost-longest.
    fn reference_find(f: &MentionFinder, everywhere: &AhoCorasick, text: &str) -> Vec<Mention> {
        let mut found: Vec<Mention> = everywhere
            .find_overlapping_iter(text)
            .map(|m| Mention {
                target: f.aliases[m.pattern().as_usize()].target,
                alias: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
            .filter(|m| follows_a_boundary(text, m.start) && f.ends_whole(text, m))
            .collect();
        found.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
        let mut kept: Vec<Mention> = Vec::new();
        for m in found {
            if kept.last().is_none_or(|last| m.start >= last.end) {
                kept.push(m);
            }
        }
        kept
    }

    const TARGETS: [(&str, &[&str]); 5] = [
        (
            "Syrian government",
            &["Syrian Army", "Assad", "Assad regime", "regime", "SAA"],
        ),
        ("Syrian opposition", &["Free Syrian Army", "FSA", "rebels"]),
        (
            "United States",
            &["US", "U.S.", "USA", "America", "American", "Americans"],
        ),
        ("ISIS", &["IS", "Islamic State", "ISIS terrorists"]),
        ("Turkey", &["Erdoğan", "Ankara", "Türkiye", "A1"]),
    ];

    #[test]
    fn word_starts_find_what_a_walk_over_every_byte_finds() {
        let usual = finder(&TARGETS);
        assert!(usual.screen.alphanumeric_first);
        let mentions = compare_with_the_reference(&usual, 11);
        assert!(mentions > 10_000, "too few mentions to test: {mentions}");
        // Aliases of one byte, or that start with a non-ASCII char: every place after a
        // boundary is looked at, not only ASCII letters and digits.
        let mut odd = TARGETS.to_vec();
        odd.push(("X", &["x", "é", "(X)"]));
        let odd = finder(&odd);
        assert!(!odd.screen.alphanumeric_first);
        let mentions = compare_with_the_reference(&odd, 12);
        assert!(mentions > 10_000, "too few mentions to test: {mentions}");
    }

    /// Random texts of alias words, near-misses and separators: `f` finds in each what
    /// [`reference_find`] finds. Returns how many mentions the texts held.
    fn compare_with_the_reference(f: &MentionFinder, seed: u64) -> usize {
        use rand::{Rng, SeedableRng};
        let everywhere = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(f.aliases.iter().map(|a| a.text.as_str()))
            .unwrap();
        let pieces = [
            "Syrian",
            "syrian",
            "SYRIAN",
            "Army",
            "army",
            "Free",
            "free",
            "Assad",
            "assad",
            "regime",
            "regimes",
            "SAA",
            "saa",
            "FSA",
            "US",
            "us",
            "Us",
            "U.S.",
            "u.s.",
            "USA",
            "America",
            "american",
            "Americans",
            "IS",
            "is",
            "this",
            "ISIS",
            "Islamic",
            "State",
            "terrorists",
            "Erdoğan",
            "ERDOğAN",
            "Ankara",
            "Türkiye",
            "türkiye",
            "x",
            "X",
            "é",
            "É",
            "A1",
            "a1",
            "A12",
            "rebels",
            "ébels",
            "1",
            "2",
            " ",
            " ",
            " ",
            "-",
            "'",
            "’s",
            "'s",
            ".",
            ",",
            "\u{a0}",
            "\n",
            "_",
            "ü",
            "日本",
            "Ω",
            "al-",
            "pro-",
            "(X)",
            "(x",
        ];
        let separators = [" ", " ", " ", "-", ", ", ".", "\n", "\u{a0}", "(", "’"];
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut mentions = 0;
        for _ in 0..20_000 {
            let n = rng.random_range(0..24);
            let text: String = (0..n)
                .map(|_| match rng.random_range(0..3) {
                    0 => separators[rng.random_range(0..separators.len())],
                    _ => pieces[rng.random_range(0..pieces.len())],
                })
                .collect();
            let expected = reference_find(f, &everywhere, &text);
            mentions += expected.len();
            assert_eq!(f.find(&text), expected, "{text:?}");
        }
        mentions
    }
}
