//! whatlang's alphabet scores of a Latin-script text, the same numbers in the same order, at a
//! cost in proportion to the text and with nothing allocated.
//!
//! whatlang (`alphabets::common::generic_alphabet_calculate_scores`) finds every character of
//! the text by a binary search among the ~200 characters of the 36 Latin alphabets, then adds
//! each found character's score to every language whose alphabet holds it (most ASCII letters
//! are in nearly every alphabet: ~35 additions per letter seen), and allocates four vectors.
//! Here each ASCII letter is counted in one of 26 counters, a language's score is the letters
//! its alphabet holds (all 26 but a few) plus its other characters, and the language order is
//! whatlang's: the same list, in the script's language order, sorted by the same unstable sort.
//! Scores are sums of whole numbers, so the order of the additions does not matter. The tests
//! compare the two on fixed and random texts, which also catches a whatlang upgrade that
//! changes an alphabet (the alphabets below are whatlang 0.16's, `alphabets/latin.rs`).

use std::cmp::Reverse;
use std::sync::LazyLock;

use whatlang::{Lang, Script};

/// whatlang 0.16's Latin alphabets (`alphabets/latin.rs`).
const LATIN_ALPHABETS: &[(Lang, &str)] = &[
    (Lang::Afr, "abcdefghijklmnopqrstuvwxyzáèéêëíîïóôúû"),
    (Lang::Aka, "abdefghiklmnoprstuwyɔɛ"),
    (Lang::Aze, "abcdefghijklmnopqrstuvxyzçöüğışə̇"),
    (Lang::Cat, "abcdefghijklmnopqrstuvwxyz·àçèéíïòóúü"),
    (Lang::Ces, "abcdefghijklmnopqrstuvwxyzáéíóúýčďěňřšťůž"),
    (Lang::Dan, "abcdefghijklmnopqrstuvwxyzåæø"),
    (Lang::Deu, "abcdefghijklmnopqrstuvwxyzßäöü"),
    (Lang::Eng, "abcdefghijklmnopqrstuvwxyz"),
    (Lang::Epo, "abcdefghijklmnoprstuvzĉĝĥĵŝŭ"),
    (Lang::Est, "abcdefghijklmnopqrstuvwxyzäõöü"),
    (Lang::Fin, "abcdefghijklmnopqrstuvwxyzäöšž"),
    (Lang::Fra, "abcdefghijklmnopqrstuvwxyzàâçèéêëîïôùûüÿœ"),
    (Lang::Hrv, "abcdefghijklmnopqrstuvwxyzćčđšž"),
    (Lang::Hun, "abcdefghijklmnopqrstuvwxyzáéíóöúüőű"),
    (Lang::Ind, "abcdefghijklmnopqrstuvwxyz"),
    (Lang::Ita, "abcdefghijklmnopqrstuvwxyzàèéìòù"),
    (Lang::Jav, "abcdefghijklmnopqrstuvwxyzèé"),
    (Lang::Lat, "abcdefghijklmnopqrstuvwxyz"),
    (Lang::Lav, "abcdefghijklmnopqrstuvwxyzāčēģīķļņōŗšūž"),
    (Lang::Lit, "abcdefghijklmnopqrstuvwxyząčėęįšūųž"),
    (Lang::Nld, "abcdefghijklmnopqrstuvwxyzàèéëïĳ"),
    (Lang::Nob, "abcdefghijklmnopqrstuvwxyzåæø"),
    (Lang::Pol, "abcdefghijklmnopqrstuvwxyzóąćęłńśźż"),
    (Lang::Por, "abcdefghijklmnopqrstuvwxyzàáâãçéêíóôõú"),
    (Lang::Ron, "abcdefghijklmnopqrstuvwxyzâîăşţ"),
    (Lang::Slk, "abcdefghijklmnopqrstuvwxyzáäéíóôúýčďĺľňŕšťž"),
    (Lang::Slv, "abcdefghijklmnopqrstuvwxyzčšž"),
    (Lang::Sna, "abcdefghijklmnopqrstuvwxyz"),
    (Lang::Spa, "abcdefghijklmnopqrstuvwxyz¡¿áéíñóúü"),
    (Lang::Swe, "abcdefghijklmnopqrstuvwxyzäåö"),
    (Lang::Tgl, "abcdefghijklmnopqrstuvwxyzáéíñóú"),
    (Lang::Tuk, "abdefghijklmnoprstuwyzäçöüýňşž"),
    (Lang::Tur, "abcdefghijklmnopqrstuvwxyzçöüğış̇"),
    (Lang::Uzb, "abcdefghijklmnopqrstuvxyzʻ"),
    (
        Lang::Vie,
        "abcdefghijklmnopqrstuvwxyzàáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
    ),
    (Lang::Zul, "abcdefghijklmnopqrstuvwxyz"),
];

/// How many languages whatlang gives the Latin script (each with an alphabet below).
pub const LANGS: usize = 36;

/// A language's alphabet, by what it takes from a text's counts.
#[derive(Debug)]
struct Alphabet {
    lang: Lang,
    /// The ASCII letters it lacks (`i` for `b'a' + i`): few, where most alphabets have all 26.
    missing_ascii: Vec<usize>,
    /// Its other characters, as indices into [`Alphabets::others`].
    others: Vec<usize>,
}

/// At most this many characters beyond ASCII in all alphabets together (checked when built).
const OTHERS_MAX: usize = 256;

/// Every Latin alphabet, in the script's language order, and their characters beyond ASCII.
#[derive(Debug)]
struct Alphabets {
    by_lang: Vec<Alphabet>,
    /// The non-ASCII characters of any alphabet, sorted.
    others: Vec<char>,
}

static ALPHABETS: LazyLock<Alphabets> = LazyLock::new(Alphabets::build);

impl Alphabets {
    fn build() -> Alphabets {
        let mut others: Vec<char> = LATIN_ALPHABETS
            .iter()
            .flat_map(|(_, a)| a.chars())
            .filter(|c| !c.is_ascii())
            .collect();
        others.sort_unstable();
        others.dedup();
        let by_lang = Script::Latin
            .langs()
            .iter()
            .map(|&lang| {
                let (_, alphabet) = LATIN_ALPHABETS
                    .iter()
                    .find(|(l, _)| *l == lang)
                    .expect("every Latin language has an alphabet");
                // whatlang counts a character listed twice in an alphabet twice; none is
                // (test `every_alphabet_lists_each_character_once`), so sets serve here.
                let missing_ascii = (0..26)
                    .filter(|&i| !alphabet.contains(char::from(b'a' + i as u8)))
                    .collect();
                let own = alphabet
                    .chars()
                    .filter(|c| !c.is_ascii())
                    .map(|c| others.binary_search(&c).expect("listed above"))
                    .collect();
                Alphabet {
                    lang,
                    missing_ascii,
                    others: own,
                }
            })
            .collect();
        assert!(others.len() <= OTHERS_MAX, "{} characters", others.len());
        Alphabets { by_lang, others }
    }
}

/// What [`AlphabetScores::sorted`] gives: whatlang's `RawOutcome` without its raw scores or count.
#[derive(Debug, Clone)]
pub struct AlphabetScores {
    scores: [(Lang, f64); LANGS],
}

impl AlphabetScores {
    /// (language, score in 0..=1), best first, ties in whatlang's order.
    pub fn scores(&self) -> &[(Lang, f64)] {
        &self.scores
    }
}

/// whatlang's stop characters (`utils::is_stop_char`): ASCII control characters, digits,
/// punctuation and symbols.
fn is_stop_char(c: char) -> bool {
    matches!(c, '\u{0000}'..='\u{0040}' | '\u{005B}'..='\u{0060}' | '\u{007B}'..='\u{007E}')
}

/// Each Latin language's raw alphabet score of `lowercase`, in the script's language order
/// (whatlang's order before its sort), and the characters scored (whatlang's `count`).
pub fn raw_alphabet_scores(lowercase: &str) -> (usize, [(Lang, usize); LANGS]) {
    let alphabets = &*ALPHABETS;
    let mut letters = [0usize; 26];
    let mut other_counts = [0usize; OTHERS_MAX];
    let mut count = 0;
    for c in lowercase.chars() {
        if c.is_ascii() {
            if is_stop_char(c) {
                continue;
            }
            count += 1;
            if c.is_ascii_lowercase() {
                letters[(c as u8 - b'a') as usize] += 1;
            }
        } else {
            count += 1;
            if let Ok(i) = alphabets.others.binary_search(&c) {
                other_counts[i] += 1;
            }
        }
    }
    let all_letters: usize = letters.iter().sum();
    let mut raw = [(Lang::Eng, 0usize); LANGS];
    for (slot, alphabet) in raw.iter_mut().zip(&alphabets.by_lang) {
        let lacked: usize = alphabet.missing_ascii.iter().map(|&i| letters[i]).sum();
        let ascii = all_letters - lacked;
        let other: usize = alphabet.others.iter().map(|&i| other_counts[i]).sum();
        // whatlang scores 2 per character found, then takes the characters scored away.
        *slot = (alphabet.lang, (2 * (ascii + other)).saturating_sub(count));
    }
    (count, raw)
}

/// The alphabet scores of `lowercase` (a lower-cased text), exactly as whatlang's
/// `alphabet_latin_calculate_scores` with the default filter gives them.
#[cfg(test)]
pub fn alphabet_scores(lowercase: &str) -> AlphabetScores {
    let (count, raw) = raw_alphabet_scores(lowercase);
    AlphabetScores::sorted(count, raw)
}

impl AlphabetScores {
    /// The scores [`raw_alphabet_scores`] gives, sorted and divided as whatlang does.
    pub fn sorted(count: usize, mut raw: [(Lang, usize); LANGS]) -> AlphabetScores {
        raw.sort_unstable_by_key(|&(_, score)| Reverse(score));
        let mut scores = [(Lang::Eng, 0.0); LANGS];
        for (out, &(lang, score)) in scores.iter_mut().zip(&raw) {
            *out = (lang, alphabet_score(score, count));
        }
        AlphabetScores { scores }
    }
}

/// A raw score as a share of the characters scored (NaN when none were: whatlang's too).
pub fn alphabet_score(raw: usize, count: usize) -> f64 {
    raw as f64 / count as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;
    use whatlang::dev::{alphabet_latin_calculate_scores, FilterList, LowercaseText};

    /// Ours against whatlang's on `text`: the count, the languages in order, the scores' bits.
    fn assert_same(text: &str) {
        let lowercase = LowercaseText::new(text);
        let theirs = alphabet_latin_calculate_scores(&lowercase, &FilterList::default());
        let ours = alphabet_scores(&lowercase);
        assert_eq!(raw_alphabet_scores(&lowercase).0, theirs.count, "{text:?}");
        let bits = |s: &[(Lang, f64)]| -> Vec<(Lang, u64)> {
            s.iter().map(|&(l, v)| (l, v.to_bits())).collect()
        };
        assert_eq!(bits(ours.scores()), bits(&theirs.scores), "{text:?}");
    }

    #[test]
    fn every_alphabet_lists_each_character_once() {
        assert_eq!(LATIN_ALPHABETS.len(), LANGS);
        assert_eq!(Script::Latin.langs().len(), LANGS);
        for (lang, alphabet) in LATIN_ALPHABETS {
            let mut chars: Vec<char> = alphabet.chars().collect();
            let n = chars.len();
            chars.sort_unstable();
            chars.dedup();
            assert_eq!(chars.len(), n, "{lang:?}");
        }
    }

    #[test]
    fn fixed_texts_score_as_whatlang_scores_them() {
        for text in [
            "",
            "!!! 123 ...",
            "The quick brown fox jumps over the lazy dog.",
            "Le cœur a ses raisons que la raison ne connaît point.",
            "Zażółć gęślą jaźń, Straße, þorn, İstanbul, ŞIŞLI, naïve café",
            "Tiếng Việt có dấu: người, được, những, ở đây",
            "ABC DEF \u{7f} ɔɛ ə̇ ·  ¡hola! ¿qué?  ʻokina 🙂",
            "@user @user you are an idiot lol #MAGA https://t.co/xyz",
        ] {
            assert_same(text);
        }
    }

    #[test]
    fn random_texts_score_as_whatlang_scores_them() {
        // Characters of every kind: letters every alphabet has, letters few have, characters of
        // no alphabet, stop characters, upper case (lower-cased first, as whatlang does).
        let pool: Vec<char> = "abcdefghijklmnopqrstuvwxyzABCQWZ  .,'!?0123456789-@#\u{7f}\
            áèéêëíîïóôúûɔɛçöüğışə̇·àòåæøßäĉĝĥĵŝŭõšžâùÿœćčđőűìāēģīķļņōŗūąėęįųĳłńśźżãăşţýďĺľňŕťñ¡¿\
            ʻđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹЖж中🙂ǅ"
            .chars()
            .filter(|c| *c != '\n')
            .collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(36);
        for _ in 0..20_000 {
            let len = rng.random_range(0..120);
            // Mostly one part of the pool, so that some languages lead clearly.
            let window = rng.random_range(1..=pool.len());
            let start = rng.random_range(0..=pool.len() - window);
            let text: String = (0..len)
                .map(|_| pool[start + rng.random_range(0..window)])
                .collect();
            assert_same(&text);
        }
    }
}
