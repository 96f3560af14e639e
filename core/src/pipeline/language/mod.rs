//! Is a text in the language the pipeline's models were trained on, and is it text at all?
//! Each article body and comment is checked before the classifiers see it (language detection by
//! the maintained `whatlang` crate), so that no English-model label is presented as reliable for
//! French or Arabic text, or for garbage.
//!
//! whatlang scores every profile of the script against each text, a fixed cost per text that
//! made detection the largest cost of labeling news with reader comments; [`trigrams`] gives
//! its verdicts on Latin-script text at a cost in proportion to the text. For English, a text whose words are
//! mostly English function words (NLTK's stop-word list, ~200 words) is English without asking
//! the detector (see [`FAST_PATH_MIN_SHARE`] for where the line sits and which tests hold it).
//! Other languages always ask the detector: the share was measured on English only, and a
//! language with a close neighbour would let the neighbour through (a Norwegian news sentence
//! passes on the Danish list, an Afrikaans one on the Dutch list: unit test below).

use serde::Deserialize;

mod function_words;
mod short_piece;
mod trigrams;
use function_words::FunctionWords;
use short_piece::ShortPiece;
pub use trigrams::detect;

/// What to do with a text that is not in the pipeline's language or is not text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtherLanguage {
    /// Label it anyway and say so in `warnings`.
    #[default]
    Warn,
    /// Do not classify it (no stage results); say so in `warnings`.
    Skip,
}

/// The verdict on one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// ISO 639-3 code of the detected language, when the detection is reliable.
    pub language: Option<String>,
    /// Why the models' labels would be unreliable for this text, if they would.
    pub problem: Option<String>,
}

/// Checks texts against the language the tokenizer (and so every model behind it) expects.
#[derive(Debug, Clone)]
pub struct LanguageCheck {
    expected: Option<whatlang::Lang>,
    /// The expected language's function words (empty when the language has no list).
    function_words: FunctionWords,
    pub policy: OtherLanguage,
}

/// Texts shorter than this many letters are not judged: detection on a few words is noise.
const MIN_LETTERS: usize = 20;

/// The one language whose function-word share may decide without the detector (see the
/// module header for why the others may not).
const FAST_PATH_LANGUAGE: whatlang::Lang = whatlang::Lang::Eng;

/// The fewest words a text needs before its function-word share decides its language.
const FAST_PATH_MIN_WORDS: usize = 8;

/// The share of function words at or above which a text is in the expected language. On the
/// English list it takes 99 % of FNC-1 news bodies, 93 % of SFU news comments and 72 % of OLID
/// tweets (`core/tests/language_fast_path.rs` prints the shares), and none of the news sentences
/// in nine other European languages in the tests below.
const FAST_PATH_MIN_SHARE: f64 = 0.3;

/// The letters, visible characters, words and function words of one text, counted in one pass.
#[derive(Debug, Default)]
struct TextCounts {
    letters: usize,
    visible: usize,
    words: usize,
    function_words: usize,
}

impl TextCounts {
    /// Counts `text`; words are runs of letters, compared lower-cased with `function_words`.
    /// The letters of @-handles, #-hashtags and web addresses count as letters but not as
    /// words: they are names, not language, and a tweet of three handles and six English words
    /// should not fall to the detector because `user` is no function word.
    ///
    /// The text is cut at ASCII whitespace bytes first. A piece of up to 15 bytes (nearly every
    /// piece) is read from one 16-byte load ([`ShortPiece`]); a longer all-ASCII piece is
    /// counted byte by byte, any other piece char by char after cutting it at the rest of
    /// Unicode's whitespace, so the pieces are those of `split_whitespace`.
    fn of(text: &str, function_words: &FunctionWords) -> TextCounts {
        let mut counts = TextCounts::default();
        let mut scratch = String::new();
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if is_ascii_whitespace(bytes[at]) {
                at += 1;
                continue;
            }
            let window = bytes
                .get(at..at + 16)
                .and_then(|w| <&[u8; 16]>::try_from(w).ok());
            if let Some(piece) = window.and_then(ShortPiece::at).filter(|p| p.is_ascii()) {
                counts.add_short_piece(piece, &bytes[at..at + piece.len], function_words);
                // The byte after the piece is whitespace.
                at += piece.len + 1;
                continue;
            }
            let len = bytes[at..]
                .iter()
                .position(|&b| is_ascii_whitespace(b))
                .unwrap_or(bytes.len() - at);
            let piece = &bytes[at..at + len];
            if piece.is_ascii() {
                counts.add_ascii_chunk(piece, function_words);
            } else {
                // Cut at ASCII bytes, so the piece starts and ends on char boundaries.
                for chunk in text[at..at + len].split_whitespace() {
                    counts.add_chunk(chunk, function_words, &mut scratch);
                }
            }
            at += len;
        }
        counts
    }

    /// What [`add_ascii_chunk`](Self::add_ascii_chunk) counts, for a short ASCII piece
    /// (`chunk` holds its bytes).
    #[inline]
    fn add_short_piece(&mut self, piece: ShortPiece, chunk: &[u8], function_words: &FunctionWords) {
        let letters = piece.letters();
        self.visible += piece.len;
        self.letters += letters;
        if letters == piece.len {
            self.words += 1;
            self.function_words +=
                usize::from(function_words.contains_lowercase(piece.lowercase(), piece.len));
        } else {
            self.add_ascii_words(chunk, function_words);
        }
    }

    /// Counts one whitespace-free chunk, char by char.
    fn add_chunk(&mut self, chunk: &str, function_words: &FunctionWords, scratch: &mut String) {
        if is_handle_or_address(chunk) {
            for c in chunk.chars() {
                self.letters += usize::from(c.is_alphabetic());
                self.visible += 1;
            }
            return;
        }
        let mut word_start = None;
        for (at, c) in chunk.char_indices() {
            let letter = c.is_alphabetic();
            self.letters += usize::from(letter);
            self.visible += 1;
            match (letter, word_start) {
                (true, None) => word_start = Some(at),
                (false, Some(start)) => {
                    self.add_word(&chunk[start..at], function_words, scratch);
                    word_start = None;
                }
                _ => {}
            }
        }
        if let Some(start) = word_start {
            self.add_word(&chunk[start..], function_words, scratch);
        }
    }

    /// What [`add_chunk`](Self::add_chunk) counts, for a chunk of ASCII bytes.
    fn add_ascii_chunk(&mut self, chunk: &[u8], function_words: &FunctionWords) {
        let letters = chunk.iter().filter(|b| b.is_ascii_alphabetic()).count();
        self.visible += chunk.len();
        self.letters += letters;
        // Most chunks of prose are one word and nothing else (and no handle or address is all
        // letters): the word needs no looking for, and the chunk no handle check.
        if letters == chunk.len() {
            self.add_ascii_word(chunk, function_words);
        } else {
            self.add_ascii_words(chunk, function_words);
        }
    }

    /// Counts the words of an ASCII chunk that is not all letters: none when it is a handle or
    /// an address.
    fn add_ascii_words(&mut self, chunk: &[u8], function_words: &FunctionWords) {
        if is_handle_or_address_bytes(chunk) {
            return;
        }
        let words = chunk.split(|b| !b.is_ascii_alphabetic());
        for word in words.filter(|w| !w.is_empty()) {
            self.add_ascii_word(word, function_words);
        }
    }

    /// Counts one word of ASCII letters, and whether it is a function word.
    fn add_ascii_word(&mut self, word: &[u8], function_words: &FunctionWords) {
        self.words += 1;
        self.function_words += usize::from(function_words.contains_ascii(word));
    }

    /// Counts one word, and whether it is a function word.
    fn add_word(&mut self, word: &str, function_words: &FunctionWords, scratch: &mut String) {
        self.words += 1;
        self.function_words += usize::from(function_words.contains(word, scratch));
    }

    /// Whether the function-word share alone says the text is in the expected language.
    fn clearly_expected(&self) -> bool {
        self.words >= FAST_PATH_MIN_WORDS
            && self.function_words as f64 >= FAST_PATH_MIN_SHARE * self.words as f64
    }
}

/// Whether a whitespace-free chunk is an @-handle, a #-hashtag or a web address.
fn is_handle_or_address(chunk: &str) -> bool {
    is_handle_or_address_bytes(chunk.as_bytes())
}

/// [`is_handle_or_address`] on bytes.
fn is_handle_or_address_bytes(chunk: &[u8]) -> bool {
    chunk.starts_with(b"@")
        || chunk.starts_with(b"#")
        || chunk.starts_with(b"www.")
        || chunk.windows(3).any(|w| w == b"://")
}

/// The ASCII bytes that are whitespace to `char::is_whitespace` (which, unlike
/// `u8::is_ascii_whitespace`, includes the vertical tab).
fn is_ascii_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

impl LanguageCheck {
    /// A check for the Snowball language name the tokenizer is configured with (`english`);
    /// an unknown name disables the language part (garbage is still caught).
    pub fn new(tokenizer_language: &str, policy: OtherLanguage) -> LanguageCheck {
        let wanted = tokenizer_language.to_ascii_lowercase();
        let expected = whatlang::Lang::all()
            .iter()
            .copied()
            .find(|l| l.eng_name().eq_ignore_ascii_case(&wanted));
        LanguageCheck {
            expected,
            function_words: FunctionWords::of(expected.filter(|&l| l == FAST_PATH_LANGUAGE)),
            policy,
        }
    }

    /// Whether [`check`](Self::check) judges `text` by its function words alone, without the
    /// detector (it is then in the expected language).
    pub fn skips_detector(&self, text: &str) -> bool {
        self.expected.is_some() && TextCounts::of(text, &self.function_words).clearly_expected()
    }

    /// Judges one text.
    pub fn check(&self, text: &str) -> Verdict {
        let counts = TextCounts::of(text, &self.function_words);
        let TextCounts {
            letters, visible, ..
        } = counts;
        if visible >= MIN_LETTERS && letters * 2 < visible {
            return Verdict {
                language: None,
                problem: Some(format!(
                    "mostly not letters ({letters} of {visible} visible characters): labels are unreliable"
                )),
            };
        }
        if letters < MIN_LETTERS {
            return Verdict {
                language: None,
                problem: None,
            };
        }
        if let Some(expected) = self.expected.filter(|_| counts.clearly_expected()) {
            return Verdict {
                language: Some(expected.code().to_string()),
                problem: None,
            };
        }
        let Some(info) = detect(text).filter(|i| i.is_reliable()) else {
            return Verdict {
                language: None,
                problem: None,
            };
        };
        let language = Some(info.lang().code().to_string());
        let problem = match self.expected {
            Some(expected) if info.lang() != expected => Some(format!(
                "language detected as {} ({}, confidence {:.2}), but the models expect {}: labels are unreliable",
                info.lang().eng_name(),
                info.lang().code(),
                info.confidence(),
                expected.eng_name()
            )),
            _ => None,
        };
        Verdict { language, problem }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english() -> LanguageCheck {
        LanguageCheck::new("english", OtherLanguage::Warn)
    }

    #[test]
    fn english_passes_and_other_languages_are_named() {
        let ok = english().check(
            "The ceasefire held overnight and aid convoys reached the city on Tuesday morning.",
        );
        assert_eq!(ok.language.as_deref(), Some("eng"));
        assert_eq!(ok.problem, None);
        for (text, code) in [
            ("Ceci est un article en français sur la guerre en Syrie et les négociations de paix.", "fra"),
            ("هذا مقال باللغة العربية عن الحرب في سوريا ومفاوضات السلام بين الأطراف", "ara"),
            ("Это статья на русском языке о войне в Сирии и мирных переговорах между сторонами.", "rus"),
        ] {
            let v = english().check(text);
            assert_eq!(v.language.as_deref(), Some(code), "{text}");
            let problem = v.problem.unwrap();
            assert!(problem.contains(code) && problem.contains("English"), "{problem}");
        }
    }

    /// One news sentence per language, none of them English.
    const FOREIGN_NEWS: [&str; 9] = [
        "Le gouvernement a annoncé mardi une nouvelle série de mesures pour soutenir les agriculteurs touchés par la sécheresse, mais les syndicats estiment qu'elles arrivent trop tard.",
        "El gobierno anunció el martes una nueva serie de medidas para apoyar a los agricultores afectados por la sequía, pero los sindicatos creen que llegan demasiado tarde.",
        "Die Regierung hat am Dienstag neue Maßnahmen angekündigt, um die von der Dürre betroffenen Landwirte zu unterstützen, doch die Gewerkschaften halten sie für zu spät.",
        "De regering heeft dinsdag nieuwe maatregelen aangekondigd om de door de droogte getroffen boeren te steunen, maar de vakbonden vinden dat ze te laat komen.",
        "Il governo ha annunciato martedì una nuova serie di misure per sostenere gli agricoltori colpiti dalla siccità, ma i sindacati ritengono che arrivino troppo tardi.",
        "O governo anunciou na terça-feira uma nova série de medidas para apoiar os agricultores afetados pela seca, mas os sindicatos acreditam que chegam tarde demais.",
        "Regeringen meddelade på tisdagen en ny rad åtgärder för att stödja jordbrukare som drabbats av torkan, men fackförbunden anser att de kommer för sent.",
        "Regeringen annoncerede tirsdag en ny række tiltag for at støtte landmænd ramt af tørken, men fagforeningerne mener, at de kommer for sent.",
        "Guvernul a anunțat marți o nouă serie de măsuri pentru a sprijini fermierii afectați de secetă, dar sindicatele consideră că vin prea târziu.",
    ];

    #[test]
    fn only_text_in_the_expected_language_skips_the_detector() {
        let check = english();
        for text in [
            "The council said on Tuesday that it would not approve the budget until the audit of the port authority was finished.",
            "I don't think they ever read the report, and if they did they didn't understand a word of it.",
        ] {
            assert!(check.skips_detector(text), "{text}");
            assert_eq!(check.check(text).language.as_deref(), Some("eng"));
        }
        for text in FOREIGN_NEWS {
            assert!(!check.skips_detector(text), "{text}");
            let verdict = check.check(text);
            assert_ne!(verdict.language.as_deref(), Some("eng"), "{text}");
            assert!(verdict.problem.is_some(), "{text}");
        }
        // Too few words to judge by share: the detector decides.
        assert!(!check.skips_detector("The end of the war."));
    }

    #[test]
    fn other_languages_always_ask_the_detector() {
        let danish = LanguageCheck::new("danish", OtherLanguage::Warn);
        let norwegian = "Regjeringen kunngjorde tirsdag en ny rekke tiltak for å støtte bøndene som er rammet av tørken, men fagforeningene mener at de kommer for sent.";
        // On the Danish list alone, the Norwegian sentence would pass (and an Afrikaans one on
        // the Dutch list): that is why the fast path is English only.
        let share = |text: &str, lang| {
            let counts = TextCounts::of(text, &FunctionWords::of(Some(lang)));
            counts.function_words as f64 / counts.words as f64
        };
        assert!(share(norwegian, whatlang::Lang::Dan) >= FAST_PATH_MIN_SHARE);
        let afrikaans = "Die regering het Dinsdag 'n nuwe reeks maatreëls aangekondig om boere wat deur die droogte geraak is te ondersteun, maar die vakbonde meen dit kom te laat.";
        assert!(share(afrikaans, whatlang::Lang::Nld) >= FAST_PATH_MIN_SHARE);
        assert!(!danish.skips_detector(norwegian));
        assert!(!danish.skips_detector(FOREIGN_NEWS[7]), "Danish itself too");
        assert_ne!(danish.check(norwegian).language.as_deref(), Some("dan"));
    }

    #[test]
    fn handles_hashtags_and_addresses_are_not_words() {
        let check = english();
        // 11 words, 4 function words: 36 %; counting the handles as words made it 27 %.
        let tweet =
            "@USER @USER @USER @USER Liberals are using a sexual assault claim as a political tool";
        assert!(check.skips_detector(tweet));
        assert!(check.skips_detector(
            "#Breaking the council has said that it will not sign the deal https://example.com/a/b www.example.org"
        ));
        // Handles do not make foreign text English.
        for text in FOREIGN_NEWS {
            assert!(
                !check.skips_detector(&format!("@USER @USER {text} #news")),
                "{text}"
            );
        }
    }

    /// The counts by the general (char by char, string lookup) loop alone, as before the
    /// ASCII path existed.
    fn reference_counts(text: &str, function_words: &FunctionWords) -> [usize; 4] {
        let mut counts = TextCounts::default();
        let mut scratch = String::new();
        for chunk in text.split_whitespace() {
            let handle = is_handle_or_address(chunk);
            let mut word_start = None;
            for (at, c) in chunk.char_indices().chain([(chunk.len(), ' ')]) {
                let letter = c.is_alphabetic();
                if at < chunk.len() {
                    counts.letters += usize::from(letter);
                    counts.visible += 1;
                }
                match (letter && at < chunk.len(), word_start) {
                    (true, None) => word_start = Some(at),
                    (false, Some(start)) if !handle => {
                        counts.add_word(&chunk[start..at], function_words, &mut scratch);
                        word_start = None;
                    }
                    _ => {}
                }
            }
        }
        [
            counts.letters,
            counts.visible,
            counts.words,
            counts.function_words,
        ]
    }

    #[test]
    fn the_ascii_path_counts_like_the_general_loop() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let pieces = [
            "the",
            "The",
            "THE",
            "of",
            "And",
            "yourselves",
            "YOURSELVES",
            "themselvesandmore",
            "\u{b}",
            "\u{c}",
            "\u{85}",
            "\u{2003}",
            "the\u{a0}war",
            "ftp://x",
            "a://",
            "www.",
            "@",
            "#",
            "war",
            "Syria",
            "don't",
            "it's",
            "x",
            "a1b",
            "@user",
            "#tag",
            "www.example.org",
            "https://a.b/c",
            "naïve",
            "ÉTÉ",
            "über",
            "1234",
            "!!",
            "--",
            "\u{a0}",
            "\t",
            "\n",
            " ",
            " ",
            " ",
            ",",
            ".",
            "(",
            ")",
            "aaaaaaaaaaaaaaaab",
            "of2",
            "İs",
            // Around the 16-byte window of the short-piece path.
            "fifteen-letters",
            "@sixteen_letters",
            "www.seventeen.xy",
            "a://fifteenbytes",
            "Notwithstanding",
            "THEMSELVESOURSEL",
            "café-fifteen",
        ];
        let english = FunctionWords::of(Some(whatlang::Lang::Eng));
        for _ in 0..3000 {
            let n = rng.random_range(0..30);
            let text: String = (0..n)
                .map(|_| pieces[rng.random_range(0..pieces.len())])
                .collect();
            let counts = TextCounts::of(&text, &english);
            let got = [
                counts.letters,
                counts.visible,
                counts.words,
                counts.function_words,
            ];
            assert_eq!(got, reference_counts(&text, &english), "{text:?}");
        }
    }

    #[test]
    fn garbage_is_flagged_and_short_texts_are_not_judged() {
        let v = english().check("#### 0x3f3f 1234-5678 !!!! ???? %%%% $$$$ 99 ++ == ~~ ## @@ 4455");
        assert!(v.problem.unwrap().contains("not letters"));
        assert_eq!(
            english().check("Merci!"),
            Verdict {
                language: None,
                problem: None
            }
        );
    }

    #[test]
    fn an_unknown_tokenizer_language_still_catches_garbage() {
        let check = LanguageCheck::new("klingon", OtherLanguage::Skip);
        assert!(check
            .check("Ceci est un article en français sur la guerre en Syrie.")
            .problem
            .is_none());
        assert!(check
            .check("1234 5678 9012 3456 7890 1234 5678 ---- ++++")
            .problem
            .is_some());
    }
}
