//! Is a text in the language the pipeline's models were trained on, and is it text at all?
//! Each article body and comment is checked before the classifiers see it (language detection by
//! the maintained `whatlang` crate), so that no English-model label is presented as reliable for
//! French or Arabic text, or for garbage.

use serde::Deserialize;

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
    pub policy: OtherLanguage,
}

/// Texts shorter than this many letters are not judged: detection on a few words is noise.
const MIN_LETTERS: usize = 20;

impl LanguageCheck {
    /// A check for the Snowball language name the tokenizer is configured with (`english`);
    /// an unknown name disables the language part (garbage is still caught).
    pub fn new(tokenizer_language: &str, policy: OtherLanguage) -> LanguageCheck {
        let wanted = tokenizer_language.to_ascii_lowercase();
        let expected = whatlang::Lang::all()
            .iter()
            .copied()
            .find(|l| l.eng_name().eq_ignore_ascii_case(&wanted));
        LanguageCheck { expected, policy }
    }

    /// Judges one text.
    pub fn check(&self, text: &str) -> Verdict {
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        let visible = text.chars().filter(|c| !c.is_whitespace()).count();
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
        let Some(info) = whatlang::detect(text).filter(|i| i.is_reliable()) else {
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
