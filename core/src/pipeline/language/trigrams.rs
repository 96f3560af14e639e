//! whatlang's verdict on Latin-script text, at a cost in proportion to the text.
//!
//! `whatlang::detect` scores a Latin-script text by walking each of 36 language profiles (300
//! trigrams each) and looking every profile trigram up in the text's trigram table: 10,800 hash
//! lookups per text whatever its length, which made it the largest single cost of labeling news
//! with short reader comments. Here the same distances are summed from the other side: each of
//! the text's trigrams is looked up once in an inverted index (trigram → its rank in every
//! profile that holds it), and a profile's distance is its maximum minus what the matched
//! trigrams earn. The alphabet scores are whatlang's numbers counted another way
//! ([`super::alphabet`]). Everything else (the script, how the two are weighed,
//! the confidence) is whatlang's own code or a line-for-line copy of it, so the verdict is
//! whatlang's, bit for bit: the tests compare the two on every text they have, which also
//! catches a whatlang upgrade that changes the profiles (`scripts/whatlang_profiles.py`
//! rewrites `latin_profiles.txt` from the crate the workspace builds with). The language check
//! acts only on reliable verdicts, and [`detect_reliable`] gives those alone without whatlang's
//! three sorts of the languages, which only decide among languages that tie.

use std::cell::RefCell;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use whatlang::{Info, Lang, Script};

use super::alphabet::{alphabet_score, raw_alphabet_scores, AlphabetScores, LANGS};

/// whatlang's Latin-script trigram profiles, one language per line (see the file's header).
const LATIN_PROFILES: &str = include_str!("latin_profiles.txt");

/// A profile trigram absent from the text costs this much; so does a rank this far apart
/// (whatlang's `MAX_TRIGRAM_DISTANCE`).
const MAX_TRIGRAM_DISTANCE: i64 = 300;

/// The most distance a profile can have (whatlang's `MAX_TOTAL_DISTANCE`).
const MAX_TOTAL_DISTANCE: i64 = MAX_TRIGRAM_DISTANCE * MAX_TRIGRAM_DISTANCE;

/// How many of the text's most frequent trigrams are ranked (whatlang's `TEXT_TRIGRAMS_SIZE`).
const TEXT_TRIGRAMS_SIZE: usize = 600;

/// Three characters packed into one integer (21 bits each), so that integer order is the
/// order of whatlang's `Trigram(char, char, char)`, which breaks ties in the text's ranking.
type Trigram = u64;

fn trigram(c1: char, c2: char, c3: char) -> Trigram {
    (u64::from(c1) << 42) | (u64::from(c2) << 21) | u64::from(c3)
}

/// The profiles turned inside out: for each trigram, the profiles holding it and its rank there.
struct InvertedProfiles {
    /// The languages in whatlang's profile order (the order its distance sort starts from).
    langs: Vec<Lang>,
    /// Trigram → range of `postings`.
    index: FxHashMap<Trigram, (u32, u32)>,
    /// (position in `langs`, rank in that profile), grouped by trigram.
    postings: Vec<(u8, u16)>,
}

static PROFILES: LazyLock<InvertedProfiles> =
    LazyLock::new(|| InvertedProfiles::parse(LATIN_PROFILES));

impl InvertedProfiles {
    /// Reads the data file. It is compiled in and checked by the unit tests, so a malformed
    /// line is a bug in this repository, not user input: it panics.
    fn parse(data: &str) -> InvertedProfiles {
        let mut langs = Vec::new();
        let mut by_trigram: FxHashMap<Trigram, Vec<(u8, u16)>> = FxHashMap::default();
        for line in data.lines().filter(|l| !l.starts_with('#')) {
            let (code, grams) = line.split_once('\t').expect("code, tab, trigrams");
            let lang = Lang::from_code(code).expect("a whatlang language code");
            let lang_at = u8::try_from(langs.len()).expect("fewer than 256 languages");
            let chars: Vec<char> = grams
                .chars()
                .map(|c| if c == '_' { ' ' } else { c })
                .collect();
            assert_eq!(
                chars.len(),
                3 * MAX_TRIGRAM_DISTANCE as usize,
                "{code}: 300 trigrams"
            );
            for (rank, c) in chars.chunks_exact(3).enumerate() {
                let rank = u16::try_from(rank).expect("rank < 300");
                by_trigram
                    .entry(trigram(c[0], c[1], c[2]))
                    .or_default()
                    .push((lang_at, rank));
            }
            langs.push(lang);
        }
        assert!(
            langs.len() <= PROFILE_LANGS,
            "at most {PROFILE_LANGS} profiles"
        );
        let mut index = FxHashMap::default();
        let mut postings = Vec::new();
        for (gram, list) in by_trigram {
            let start = postings.len() as u32;
            postings.extend(list);
            index.insert(gram, (start, postings.len() as u32));
        }
        InvertedProfiles {
            langs,
            index,
            postings,
        }
    }

    /// What each profile (in profile order) earns below its maximum distance from the trigrams
    /// it shares with the text's `ranked` ones.
    fn earned(&self, ranked: &[Trigram]) -> [i64; PROFILE_LANGS] {
        let mut earned = [0i64; PROFILE_LANGS];
        for (position, gram) in ranked.iter().enumerate() {
            let Some(&(start, end)) = self.index.get(gram) else {
                continue;
            };
            for &(lang_at, rank) in &self.postings[start as usize..end as usize] {
                let apart = (position as i64 - i64::from(rank)).abs();
                earned[usize::from(lang_at)] += MAX_TRIGRAM_DISTANCE - apart;
            }
        }
        earned
    }

    /// Each language's trigram score, sorted as whatlang sorts them (whatlang's
    /// `trigrams::raw_detect`), from what each profile `earned` against `count` ranked trigrams.
    fn sorted_scores(&self, earned: &[i64; PROFILE_LANGS], count: usize) -> ByLanguage<f64> {
        let mut distances: ByLanguage<u32> = self
            .langs
            .iter()
            .zip(earned)
            .map(|(&lang, &earned)| (lang, distance(earned, count)))
            .collect();
        // The same sort on the same sequence as whatlang's, so ties land the same way.
        distances.sort_unstable_by_key(|&(_, distance)| distance);
        distances
            .into_iter()
            .map(|(lang, distance)| (lang, trigram_score(distance, count)))
            .collect()
    }
}

/// A profile's distance to a text of `count` ranked trigrams, from what the profile earned.
fn distance(earned: i64, count: usize) -> u32 {
    let count = count as i64;
    let mut distance = MAX_TOTAL_DISTANCE - earned;
    if MAX_TRIGRAM_DISTANCE > count {
        distance -= (MAX_TRIGRAM_DISTANCE - count) * MAX_TRIGRAM_DISTANCE;
    }
    distance.clamp(0, MAX_TOTAL_DISTANCE) as u32
}

/// The trigram score of a profile at `distance` (NaN for a text without trigrams: whatlang's
/// too).
fn trigram_score(distance: u32, count: usize) -> f64 {
    let max_distance = count as u32 * MAX_TRIGRAM_DISTANCE as u32;
    (max_distance - distance) as f64 / max_distance as f64
}

/// Most languages with a profile (whatlang has 36 Latin-script ones; `parse` checks).
const PROFILE_LANGS: usize = 64;

/// A value per language, held in place: a detection makes several such lists, and each was an
/// allocation per comment the function words left undecided.
type ByLanguage<T> = SmallVec<[(Lang, T); PROFILE_LANGS]>;

/// The lists a text's trigrams are ranked in.
#[derive(Default)]
struct TrigramLists {
    /// The trigram of every place of the text.
    places: Vec<Trigram>,
    /// Trigrams seen more than once, with their counts.
    repeated: Vec<(usize, Trigram)>,
    /// Trigrams seen once.
    once: Vec<Trigram>,
    /// The text's ranked trigrams (what [`ranked_trigrams`] fills).
    ranked: Vec<Trigram>,
}

/// What a detection reuses from text to text on a thread.
#[derive(Default)]
struct Scratch {
    /// The text, lower-cased (whatlang's `LowercaseText`, without its allocation per text).
    lowercase: String,
    lists: TrigramLists,
}

thread_local! {
    /// The lists of the text being judged, reused from text to text on a thread.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Places the reused list may keep room for between texts: one huge text's list is dropped
/// after it rather than held by the thread.
const PLACES_KEPT: usize = 1 << 16;

/// The text's distinct trigrams, most frequent first, ties by trigram descending, at most 600,
/// into `lists.ranked` (whatlang's `get_trigrams_with_positions`: the position in the result
/// is the rank).
///
/// Counted by sorting the trigrams of every place rather than in a hash map: runs of one
/// trigram are then its count, already in descending trigram order, and only the few that
/// occur more than once need sorting by count (for a comment, one sort of about a hundred
/// integers instead of a hundred map entries and a sort of their pairs).
fn ranked_trigrams(lowercase: &str, lists: &mut TrigramLists) {
    let TrigramLists {
        places,
        repeated,
        once,
        ranked,
    } = lists;
    places.clear();
    let mut chars = lowercase.chars().map(to_trigram_char).chain(Some(' '));
    let (mut c1, mut c2) = (' ', chars.next().unwrap_or(' '));
    for c3 in chars {
        if !(c2 == ' ' && (c1 == ' ' || c3 == ' ')) {
            places.push(trigram(c1, c2, c3));
        }
        c1 = c2;
        c2 = c3;
    }
    places.sort_unstable_by(|a, b| b.cmp(a));
    repeated.clear();
    once.clear();
    for run in places.chunk_by(|a, b| a == b) {
        match run.len() {
            1 => once.push(run[0]),
            n => repeated.push((n, run[0])),
        }
    }
    // Count descending, then trigram descending; the trigrams seen once follow, in the
    // descending order the sort left them in.
    repeated.sort_unstable_by(|a, b| b.cmp(a));
    ranked.clear();
    ranked.extend(repeated.iter().map(|&(_, gram)| gram));
    ranked.extend(once.iter().copied());
    ranked.truncate(TEXT_TRIGRAMS_SIZE);
    // `ranked` (at most 600) is the caller's to read next; the others' room is let go.
    if places.capacity() > PLACES_KEPT {
        *places = Vec::new();
        *repeated = Vec::new();
        *once = Vec::new();
    }
}

/// Spaces, punctuation and ASCII digits are all one space to the trigrams (whatlang's
/// `is_stop_char`).
fn to_trigram_char(c: char) -> char {
    if matches!(c, '\u{0000}'..='\u{0040}' | '\u{005B}'..='\u{0060}' | '\u{007B}'..='\u{007E}') {
        ' '
    } else {
        c
    }
}

/// Weight of the alphabet scores against the trigram scores, by the number of letters
/// (whatlang's `combined::calc_alphabet_weight`).
fn alphabet_weight(count: usize) -> f64 {
    let weight = -(count as f64 / 300.0) + 2.0 / 3.0;
    weight.clamp(1.0 / 3.0, 2.0 / 3.0)
}

/// Confidence that the best score's language is right (whatlang's `calculate_confidence`).
fn confidence(highest: f64, second: f64, count: usize) -> f64 {
    if highest == 0.0 {
        return 0.0;
    }
    if second == 0.0 {
        return highest;
    }
    let confident_rate = (3.0 / count as f64) + 0.015;
    let rate = (highest - second) / second;
    if rate > confident_rate {
        1.0
    } else {
        rate / confident_rate
    }
}

/// More than the number of whatlang's languages, each of which is its own index (`lang as
/// usize`, tested) into the tables of scores by language.
const LANG_SLOTS: usize = 128;

/// Exactly `whatlang::detect(text)`, faster on Latin-script text.
pub fn detect(text: &str) -> Option<Info> {
    match script_of(text) {
        Some(Script::Latin) => LatinScores::of(text).verdict(),
        _ => whatlang::detect(text),
    }
}

/// Exactly `detect(text).filter(Info::is_reliable)`, the only verdicts the language check
/// acts on, without sorting the languages. whatlang sorts them three times (by alphabet score,
/// by trigram distance, by the two combined), and its unstable sorts decide the order of
/// languages that tie, which only [`detect`] must reproduce: a reliable verdict has a
/// confidence above 0.9, so its best score is above the second (a tie makes the confidence 0)
/// and one pass over the languages finds both.
pub fn detect_reliable(text: &str) -> Option<Info> {
    match script_of(text) {
        Some(Script::Latin) => LatinScores::of(text).reliable_verdict(),
        _ => whatlang::detect(text).filter(Info::is_reliable),
    }
}

/// `whatlang::detect_script(text)`, without its walk through every script for a text of ASCII
/// only: ASCII letters are Latin, and whatlang counts no other ASCII character for any script
/// (its stop characters are skipped, DEL belongs to none), so such a text is Latin if it has a
/// letter and of no script otherwise.
fn script_of(text: &str) -> Option<Script> {
    if text.is_ascii() {
        return text
            .bytes()
            .any(|b| b.is_ascii_alphabetic())
            .then_some(Script::Latin);
    }
    whatlang::detect_script(text)
}

/// Lower-cases `text` into `out` as whatlang's `LowercaseText` does (`str::to_lowercase`).
fn lowercase_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        *out = text.to_lowercase();
    }
}

/// Bytes of lower-cased text the reused string may keep room for between texts.
const LOWERCASE_KEPT: usize = 1 << 16;

/// A Latin-script text's two scores for every language, before whatlang sorts them.
struct LatinScores {
    /// The characters the alphabet scores counted.
    letters: usize,
    /// Each language's raw alphabet score, in the script's language order.
    alphabet: [(Lang, usize); LANGS],
    /// What each trigram profile earned, in profile order.
    earned: [i64; PROFILE_LANGS],
    /// How many of the text's trigrams were ranked.
    trigrams: usize,
}

impl LatinScores {
    fn of(text: &str) -> LatinScores {
        SCRATCH.with_borrow_mut(|Scratch { lowercase, lists }| {
            lowercase_into(text, lowercase);
            let (letters, alphabet) = raw_alphabet_scores(lowercase);
            ranked_trigrams(lowercase, lists);
            let earned = PROFILES.earned(&lists.ranked);
            if lowercase.capacity() > LOWERCASE_KEPT {
                *lowercase = String::new();
            }
            LatinScores {
                letters,
                alphabet,
                earned,
                trigrams: lists.ranked.len(),
            }
        })
    }

    /// whatlang's verdict (`combined::raw_detect` and `calculate_confidence`), ties included.
    fn verdict(&self) -> Option<Info> {
        let alphabet = AlphabetScores::sorted(self.letters, self.alphabet);
        let trigram_scores = PROFILES.sorted_scores(&self.earned, self.trigrams);

        // The alphabet's languages first, then any other (the order matters: the sort below
        // leaves ties in an order that depends on it). Each language's two scores are read from
        // tables by language, not looked for in the lists.
        let mut alphabet_of = [0.0; LANG_SLOTS];
        let mut trigrams_of = [0.0; LANG_SLOTS];
        let mut listed = [false; LANG_SLOTS];
        let mut langs: SmallVec<[Lang; PROFILE_LANGS]> = SmallVec::new();
        // Filled last to first, so that a language listed twice keeps its first score.
        for &(lang, score) in alphabet.scores().iter().rev() {
            alphabet_of[lang as usize] = score;
        }
        for &(lang, score) in trigram_scores.iter().rev() {
            trigrams_of[lang as usize] = score;
        }
        for &(lang, _) in alphabet.scores() {
            listed[lang as usize] = true;
            langs.push(lang);
        }
        for &(lang, _) in &trigram_scores {
            if !std::mem::replace(&mut listed[lang as usize], true) {
                langs.push(lang);
            }
        }
        let alphabet_weight = alphabet_weight(self.letters);
        let trigram_weight = 1.0 - alphabet_weight;
        let mut scores: ByLanguage<f64> = langs
            .into_iter()
            .map(|lang| {
                let (a, t) = (alphabet_of[lang as usize], trigrams_of[lang as usize]);
                (lang, a * alphabet_weight + t * trigram_weight)
            })
            .collect();
        scores.sort_unstable_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Less));

        let (lang, best) = *scores.first()?;
        let confidence = scores
            .get(1)
            .map_or(1.0, |&(_, second)| confidence(best, second, self.trigrams));
        Some(Info::new(Script::Latin, lang, confidence))
    }

    /// [`verdict`](Self::verdict) when it is reliable, from the best and second best combined
    /// scores found in one pass.
    fn reliable_verdict(&self) -> Option<Info> {
        if self.letters == 0 || self.trigrams == 0 {
            // Every score of one kind is 0 / 0, NaN, which whatlang's sort places by position.
            return self.verdict().filter(Info::is_reliable);
        }
        let mut alphabet_of = [0.0; LANG_SLOTS];
        let mut trigrams_of = [0.0; LANG_SLOTS];
        let mut listed = [false; LANG_SLOTS];
        let mut langs: SmallVec<[Lang; PROFILE_LANGS]> = SmallVec::new();
        for &(lang, raw) in &self.alphabet {
            alphabet_of[lang as usize] = alphabet_score(raw, self.letters);
            if !std::mem::replace(&mut listed[lang as usize], true) {
                langs.push(lang);
            }
        }
        for (&lang, &earned) in PROFILES.langs.iter().zip(&self.earned) {
            trigrams_of[lang as usize] =
                trigram_score(distance(earned, self.trigrams), self.trigrams);
            if !std::mem::replace(&mut listed[lang as usize], true) {
                langs.push(lang);
            }
        }
        let alphabet_weight = alphabet_weight(self.letters);
        let trigram_weight = 1.0 - alphabet_weight;
        let (mut best, mut second) = ((Lang::Eng, f64::NEG_INFINITY), f64::NEG_INFINITY);
        for lang in langs {
            let (a, t) = (alphabet_of[lang as usize], trigrams_of[lang as usize]);
            let score = a * alphabet_weight + t * trigram_weight;
            if score > best.1 {
                second = best.1;
                best = (lang, score);
            } else if score > second {
                second = score;
            }
        }
        let confidence = if second == f64::NEG_INFINITY {
            1.0
        } else {
            confidence(best.1, second, self.trigrams)
        };
        Some(Info::new(Script::Latin, best.0, confidence)).filter(Info::is_reliable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn every_profile_has_300_distinct_trigrams() {
        let profiles = &*PROFILES;
        assert_eq!(profiles.langs.len(), 36);
        assert_eq!(profiles.postings.len(), 36 * 300);
        for (lang_at, lang) in profiles.langs.iter().enumerate() {
            let ranks: Vec<u16> = profiles
                .postings
                .iter()
                .filter(|&&(l, _)| usize::from(l) == lang_at)
                .map(|&(_, rank)| rank)
                .collect();
            let distinct: std::collections::BTreeSet<u16> = ranks.iter().copied().collect();
            assert_eq!((ranks.len(), distinct.len()), (300, 300), "{lang:?}");
        }
    }

    #[test]
    fn every_language_has_its_own_slot() {
        let slots: std::collections::BTreeSet<usize> =
            Lang::all().iter().map(|&lang| lang as usize).collect();
        assert_eq!(slots.len(), Lang::all().len());
        assert!(slots.iter().all(|&slot| slot < LANG_SLOTS), "{slots:?}");
    }

    #[test]
    fn packed_trigrams_order_like_char_triples() {
        let triples = [
            ('a', 'b', 'c'),
            ('a', 'c', ' '),
            ('ß', ' ', 'a'),
            (' ', 'ÿ', 'z'),
            ('b', 'a', 'a'),
        ];
        for x in triples {
            for y in triples {
                assert_eq!(
                    trigram(x.0, x.1, x.2).cmp(&trigram(y.0, y.1, y.2)),
                    x.cmp(&y)
                );
            }
        }
    }

    /// Texts the language tests use, and edge cases of the trigram walk.
    const TEXTS: [&str; 12] = [
        "The ceasefire held overnight and aid convoys reached the city on Tuesday morning.",
        "Ceci est un article en français sur la guerre en Syrie et les négociations de paix.",
        "Die Ordnung muss für immer in diesem Codebase bleiben",
        "I am begging pardon",
        "@USER @USER She should ask a few native Americans what their take on this is.",
        "Además de todo lo anteriormente dicho, también encontramos...",
        "a",
        "  ..  a b  ",
        "ÀÉÎÕÜ ẞ straße İstanbul ǅemal",
        "Mi ne scias! Ĉu vi parolas Esperanton?",
        "Это статья на русском языке о войне в Сирии.",
        "مقال باللغة العربية",
    ];

    #[test]
    fn verdicts_equal_whatlang_on_fixed_texts() {
        for text in TEXTS {
            assert_eq!(detect(text), whatlang::detect(text), "{text}");
            let reliable = whatlang::detect(text).filter(Info::is_reliable);
            assert_eq!(detect_reliable(text), reliable, "{text}");
        }
    }

    /// ASCII texts of letters, stop characters and DEL, and texts with one character beyond
    /// ASCII: the script is whatlang's.
    #[test]
    fn scripts_equal_whatlangs() {
        let pool: Vec<char> = "aZq  .,!@[`{~09\u{7f}\u{7f}\t\n".chars().collect();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        for round in 0..5_000 {
            let mut text: String = (0..rng.random_range(0..12))
                .map(|_| pool[rng.random_range(0..pool.len())])
                .collect();
            if round % 5 == 0 {
                text.push(['é', 'ж', '中', '🙂'][round / 5 % 4]);
            }
            assert_eq!(script_of(&text), whatlang::detect_script(&text), "{text:?}");
        }
        assert_eq!(script_of("1234 -- !!"), None);
        assert_eq!(script_of("\u{7f}\u{7f}"), None);
        assert_eq!(script_of("... a"), Some(Script::Latin));
    }

    /// Random texts of every length: words of random letters (the profiles' own, digits,
    /// punctuation, upper case) or of random profile trigrams (so each text hits many profiles
    /// and ties between languages are likely); long ones rank more than 600 trigrams.
    #[test]
    fn verdicts_equal_whatlang_on_random_texts() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(20261203);
        let letters: Vec<char> = "abcdefghijklmnopqrstuvwxyzàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßăąćčďęěğıłńňőřśşšţťůűźżžAÉÖ019.,'-"
            .chars()
            .collect();
        let grams: Vec<String> = LATIN_PROFILES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| {
                let chars: Vec<char> = l.split_once('\t').unwrap().1.chars().collect();
                chars
                    .chunks(3)
                    .map(|c| c.iter().collect::<String>().replace('_', " "))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut reliable = 0;
        for round in 0..600 {
            let words = if round % 10 == 0 {
                rng.random_range(200..900)
            } else {
                rng.random_range(1..40)
            };
            let from_grams = round % 2 == 1;
            let text: String = (0..words)
                .map(|_| {
                    let len = rng.random_range(1..4);
                    let word: String = if from_grams {
                        (0..len)
                            .map(|_| grams[rng.random_range(0..grams.len())].as_str())
                            .collect()
                    } else {
                        (0..3 * len)
                            .map(|_| letters[rng.random_range(0..letters.len())])
                            .collect()
                    };
                    word + " "
                })
                .collect();
            let theirs = whatlang::detect(&text);
            assert_eq!(detect(&text), theirs, "{text}");
            let theirs_reliable = theirs.filter(Info::is_reliable);
            assert_eq!(detect_reliable(&text), theirs_reliable, "{text}");
            reliable += usize::from(theirs_reliable.is_some());
        }
        // Both kinds of verdict were compared.
        assert!((100..500).contains(&reliable), "{reliable} reliable of 600");
    }

    /// A text with more trigram places than the reused lists keep room for between texts (the
    /// lists are let go after it) gets whatlang's verdict too, and so does the next text.
    #[test]
    fn a_text_longer_than_the_kept_room_gets_whatlangs_verdict() {
        let sentence = "Les négociations de paix ont repris à Genève malgré les combats. ";
        let long = sentence.repeat(PLACES_KEPT / sentence.len() * 2);
        assert!(long.chars().count() > PLACES_KEPT);
        assert_eq!(detect(&long), whatlang::detect(&long));
        assert!(detect(&long).is_some());
        assert_eq!(detect(sentence), whatlang::detect(sentence));
    }
}
