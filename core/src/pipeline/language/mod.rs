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

mod alphabet;
mod blocks;
mod counts;
mod function_words;
mod trigrams;
use counts::TextCounts;
use function_words::FunctionWords;
pub use trigrams::{detect, detect_reliable};

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
    /// ISO 639-3 code of the detected language, when the detection is reliable (a static
    /// string: most texts are checked only to be let through, and a copy of "eng" for each was
    /// one of `slant label`'s most frequent allocations).
    pub language: Option<&'static str>,
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
        self.expected.is_some()
            && TextCounts::for_verdict(text, &self.function_words).clearly_expected()
    }

    /// Judges one text.
    pub fn check(&self, text: &str) -> Verdict {
        let counts = TextCounts::for_verdict(text, &self.function_words);
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
                language: Some(expected.code()),
                problem: None,
            };
        }
        let Some(info) = detect_reliable(text) else {
            return Verdict {
                language: None,
                problem: None,
            };
        };
        let language = Some(info.lang().code());
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
        assert_eq!(ok.language, Some("eng"));
        assert_eq!(ok.problem, None);
        for (text, code) in [
            ("Ceci est un article en français sur la guerre en Syrie et les négociations de paix.", "fra"),
            ("هذا مقال باللغة العربية عن الحرب في سوريا ومفاوضات السلام بين الأطراف", "ara"),
            ("Это статья на русском языке о войне в Сирии и мирных переговорах между сторонами.", "rus"),
        ] {
            let v = english().check(text);
            assert_eq!(v.language, Some(code), "{text}");
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
            assert_eq!(check.check(text).language, Some("eng"));
        }
        for text in FOREIGN_NEWS {
            assert!(!check.skips_detector(text), "{text}");
            let verdict = check.check(text);
            assert_ne!(verdict.language, Some("eng"), "{text}");
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
        assert_ne!(danish.check(norwegian).language, Some("dan"));
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
