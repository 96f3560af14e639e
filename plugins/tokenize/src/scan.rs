//! The byte-level word and sentence scanner.
//!
//! Words are runs of ASCII letters and digits and of non-ASCII alphanumeric characters (so
//! "Zürich" and "Дейр" stay whole), with an apostrophe inside a word kept ("don't", "Assad's").
//! Sentence boundaries: `.`, `!` or `?` followed by whitespace (closing quotes and brackets may
//! sit between) and then a word that does not start in lower case, unless the period ends a known
//! abbreviation or a single-letter initial; a blank line always ends a sentence; a single line
//! break ends one when the next line starts with an upper-case letter (headlines and bylines).

use slant_word_table::ascii8;

/// One word found by the scanner: its byte span and its sentence index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub sentence: u32,
}

/// Lower-cased abbreviations after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "col", "lt", "sgt", "capt", "maj", "cpl", "gov",
    "sen", "rep", "rev", "jr", "sr", "vs", "etc", "inc", "ltd", "co", "corp", "no", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "dept", "est",
    "fig", "al", "e.g", "i.e",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// No boundary seen since the last word.
    None,
    /// A boundary that holds only if the next word does not start in lower case.
    Soft,
    /// A boundary that always holds (blank line).
    Hard,
}

/// Decodes the char starting at `i` (the text is valid UTF-8, `i` a char boundary).
fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or(' ')
}

/// True if the char at byte `i` belongs inside a word.
#[inline]
fn is_word_char(text: &str, bytes: &[u8], i: usize) -> bool {
    let b = bytes[i];
    if b < 0x80 {
        b.is_ascii_alphanumeric()
    } else {
        char_at(text, i).is_alphanumeric()
    }
}

/// Length in bytes of the UTF-8 sequence starting with `b`.
#[inline]
fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// If an apostrophe (`'` or `’`) starts at `i`, its length in bytes.
#[inline]
fn apostrophe_len(bytes: &[u8], i: usize) -> usize {
    match bytes[i] {
        b'\'' => 1,
        // Compare byte by byte: a slice comparison here became a memcmp call per word end.
        0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0x99) => 3,
        _ => 0,
    }
}

/// The end of the run of ASCII letters and digits starting at `i`, found eight bytes at a time
/// (a byte loop's exit, at the word's end, was a branch mispredicted about once per word); the
/// byte loop then takes over at that end, for an apostrophe or a non-ASCII letter.
#[inline]
fn skip_ascii_alphanumerics(bytes: &[u8], mut i: usize) -> usize {
    while let Some(eight) = bytes.get(i..i + 8) {
        let eight = u64::from_le_bytes(eight.try_into().unwrap_or_default());
        let others = !ascii8::alphanumerics(eight) & ascii8::HIGHS;
        let run = ascii8::first(others);
        i += run;
        if run < 8 {
            break;
        }
    }
    i
}

/// True if a period that ends `word` should not end the sentence.
fn is_abbreviation(word: &str) -> bool {
    if word.chars().count() == 1 && word.chars().all(char::is_alphabetic) {
        return true; // an initial: "John F. Kennedy", "U.S."
    }
    // Compared in place: a lower-cased copy was an allocation per sentence end.
    ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
}

/// Calls `on_word` for every word of `text`, in order.
pub fn scan(text: &str, mut on_word: impl FnMut(Word)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    let mut sentence: u32 = 0;
    let mut pending = Pending::None;
    let mut seen_word = false;
    let mut last_word: (usize, usize) = (0, 0);
    let mut newlines_since_word = 0u32;
    while i < n {
        if is_word_char(text, bytes, i) {
            let start = i;
            i += utf8_len(bytes[i]);
            i = skip_ascii_alphanumerics(bytes, i);
            while i < n {
                if is_word_char(text, bytes, i) {
                    i += utf8_len(bytes[i]);
                    continue;
                }
                let a = apostrophe_len(bytes, i);
                if a > 0 && i + a < n && is_word_char(text, bytes, i + a) {
                    i += a;
                    continue;
                }
                break;
            }
            if seen_word {
                let starts_lower = char_at(text, start).is_lowercase();
                let breaks = match pending {
                    Pending::Hard => true,
                    Pending::Soft => !starts_lower,
                    Pending::None => false,
                };
                if breaks {
                    sentence += 1;
                }
            }
            pending = Pending::None;
            newlines_since_word = 0;
            seen_word = true;
            last_word = (start, i);
            on_word(Word {
                start,
                end: i,
                sentence,
            });
            continue;
        }
        match bytes[i] {
            b'.' | b'!' | b'?' => {
                // Skip runs ("?!", "...") and closing quotes/brackets, then require whitespace.
                let mut j = i + 1;
                while j < n && matches!(bytes[j], b'.' | b'!' | b'?' | b'"' | b'\'' | b')' | b']') {
                    j += 1;
                }
                // Closing curly quotes: U+201D (E2 80 9D) and U+2019 (E2 80 99).
                while j + 2 < n
                    && bytes[j] == 0xE2
                    && bytes[j + 1] == 0x80
                    && matches!(bytes[j + 2], 0x9D | 0x99)
                {
                    j += 3;
                }
                let followed_by_space = j >= n || bytes[j].is_ascii_whitespace();
                let adjacent = last_word.1 == i && seen_word;
                let abbreviation = bytes[i] == b'.'
                    && adjacent
                    && j == i + 1
                    && is_abbreviation(&text[last_word.0..last_word.1]);
                if followed_by_space && !abbreviation && pending != Pending::Hard {
                    pending = Pending::Soft;
                }
                i = j.max(i + 1);
            }
            b'\n' => {
                newlines_since_word += 1;
                if newlines_since_word >= 2 {
                    pending = Pending::Hard;
                } else if pending == Pending::None {
                    pending = Pending::Soft;
                }
                i += 1;
            }
            b => i += utf8_len(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        scan(text, |w| {
            out.push((text[w.start..w.end].to_string(), w.sentence))
        });
        out
    }

    #[test]
    fn non_ascii_letters_stay_inside_words_and_punctuation_does_not() {
        let w = words("“Zürich’s” café — Дейр-эз-Зор");
        let terms: Vec<_> = w.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(terms, ["Zürich’s", "café", "Дейр", "эз", "Зор"]);
    }

    #[test]
    fn apostrophes_inside_words_are_kept_but_not_at_edges() {
        let w = words("'don't' rock'n'roll'");
        let terms: Vec<_> = w.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(terms, ["don't", "rock'n'roll"]);
    }

    #[test]
    fn sentences_split_on_terminators_but_not_abbreviations_or_decimals() {
        let w =
            words("Gen. Smith met Mr. Jones in the U.S. today. It cost 3.5 million! Really? yes.");
        let s: Vec<_> = w.iter().map(|(t, s)| format!("{t}{s}")).collect();
        assert_eq!(
            s.join(" "),
            "Gen0 Smith0 met0 Mr0 Jones0 in0 the0 U0 S0 today0 It1 cost1 3 5 million1 Really2 yes2"
                .replace("3 5", "31 51")
        );
    }

    #[test]
    fn blank_lines_and_capitalized_lines_split_sentences() {
        let w = words("A headline\nBy Someone\n\nthe body starts\nand wraps here");
        let s: Vec<_> = w.iter().map(|(_, s)| *s).collect();
        assert_eq!(s, [0, 0, 1, 1, 2, 2, 2, 2, 2, 2]);
    }

    #[test]
    fn quoted_sentence_end_is_a_boundary() {
        let w = words("He said “we will win.” Then he left.");
        assert_eq!(w.last().unwrap().1, 1);
    }

    /// Words by their definition, char by char: a run of alphanumeric chars, an apostrophe
    /// inside it kept when an alphanumeric char follows.
    fn reference_words(text: &str) -> Vec<&str> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let is_apostrophe = |c: char| c == '\'' || c == '’';
        let mut words = Vec::new();
        let mut k = 0;
        while k < chars.len() {
            if !chars[k].1.is_alphanumeric() {
                k += 1;
                continue;
            }
            let start = chars[k].0;
            k += 1;
            while k < chars.len() {
                let inside_apostrophe = is_apostrophe(chars[k].1)
                    && chars.get(k + 1).is_some_and(|c| c.1.is_alphanumeric());
                if chars[k].1.is_alphanumeric() {
                    k += 1;
                } else if inside_apostrophe {
                    k += 2;
                } else {
                    break;
                }
            }
            let end = chars.get(k).map_or(text.len(), |c| c.0);
            words.push(&text[start..end]);
        }
        words
    }

    #[test]
    fn words_found_eight_bytes_at_a_time_are_the_words_by_definition() {
        let pieces = [
            "a",
            "Z",
            "0",
            "9",
            "word",
            "Sixteen_letters!",
            "twelvelettrs",
            "don't",
            "Assad’s",
            "rock'n'roll",
            "'",
            "’",
            "Zürich",
            "naïve",
            "café",
            "Дейр",
            "1,000",
            "3.5",
            " ",
            "  ",
            "\n",
            ".",
            "-",
            "@",
            "[",
            "`",
            "{",
            "/",
            ":",
            "\u{7f}",
            "\u{a0}",
            "x\u{301}",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..5_000 {
            let text: String = (0..next(40)).map(|_| pieces[next(pieces.len())]).collect();
            let mut found = Vec::new();
            scan(&text, |w| found.push(&text[w.start..w.end]));
            assert_eq!(found, reference_words(&text), "{text:?}");
        }
    }

    #[test]
    fn offsets_are_char_boundaries_on_arbitrary_text() {
        let text = "a\u{0301}b 😀 x\u{00A0}y ’tis";
        scan(text, |w| {
            assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end));
            assert!(w.start < w.end);
        });
    }
}
