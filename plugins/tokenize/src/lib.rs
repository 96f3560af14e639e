//! # slant-tokenize
//!
//! The tokenize stage: words found by a byte-level scanner ([`scan`]), lower-cased, optionally
//! stop-word filtered, stemmed with Snowball (rust-stemmers, memoized per thread), with byte
//! offsets and sentence indices. Built as a `cdylib` (the plugin) and an `rlib` (for benches).
//!
//! Its [`Settings::fingerprint`] names every setting that changes the terms produced; a model
//! trained through this stage records it, and a classifier refuses to run behind a tokenizer
//! whose fingerprint differs.

mod memo;
pub mod scan;

use std::cell::RefCell;
use std::collections::HashSet;

use compact_str::CompactString;
use memo::{InlineTerm, Memo, Memoized};
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;
use slant_sdk::{Stage, TokenSink, TokenizeStage};

/// Version of the term-producing rules; part of the fingerprint. Bump on any change to
/// `scan` or normalization that alters terms.
pub const RULES_VERSION: u32 = 1;

/// The stage's configuration (the `[stages.tokenize]` table of `slant.toml`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Snowball language, e.g. "english", "french", "russian".
    pub language: String,
    /// Replace words by their Snowball stem.
    pub stem: bool,
    /// Drop the language's stop words.
    pub stopwords: bool,
    /// Lower-case every word (turning it off keeps case; stemming lower-cases anyway).
    pub lowercase: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            language: "english".into(),
            stem: true,
            stopwords: false,
            lowercase: true,
        }
    }
}

/// Snowball algorithms and stop-word codes by language name.
const LANGUAGES: &[(&str, Algorithm, &str)] = &[
    ("arabic", Algorithm::Arabic, "ar"),
    ("danish", Algorithm::Danish, "da"),
    ("dutch", Algorithm::Dutch, "nl"),
    ("english", Algorithm::English, "en"),
    ("finnish", Algorithm::Finnish, "fi"),
    ("french", Algorithm::French, "fr"),
    ("german", Algorithm::German, "de"),
    ("greek", Algorithm::Greek, "el"),
    ("hungarian", Algorithm::Hungarian, "hu"),
    ("italian", Algorithm::Italian, "it"),
    ("norwegian", Algorithm::Norwegian, "no"),
    ("portuguese", Algorithm::Portuguese, "pt"),
    ("romanian", Algorithm::Romanian, "ro"),
    ("russian", Algorithm::Russian, "ru"),
    ("spanish", Algorithm::Spanish, "es"),
    ("swedish", Algorithm::Swedish, "sv"),
    ("tamil", Algorithm::Tamil, "ta"),
    ("turkish", Algorithm::Turkish, "tr"),
];

impl Settings {
    /// A readable string naming every setting that changes the terms produced.
    pub fn fingerprint(&self) -> String {
        // The list is named: a model trained with another stop-word list must not fit.
        let stopwords = if self.stopwords { "nltk" } else { "false" };
        format!(
            "slant-tokenize/{RULES_VERSION} language={} stem={} stopwords={stopwords} lowercase={}",
            self.language, self.stem, self.lowercase
        )
    }
}

static NEXT_INSTANCE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// word → term, per tokenizer instance. Thread-local so batches tokenized on several
    /// threads never contend on a lock; Fx hashing because SipHash dominated the profile.
    static MEMO: RefCell<FxHashMap<usize, Memo>> = RefCell::new(FxHashMap::default());
}

/// The configured tokenizer.
pub struct Tokenizer {
    settings: Settings,
    stemmer: Stemmer,
    stopwords: HashSet<&'static str>,
    instance: usize,
}

impl Tokenizer {
    /// Builds a tokenizer.
    ///
    /// # Errors
    /// An unknown language, or stop words requested for a language without a list.
    pub fn new(settings: Settings) -> Result<Tokenizer, String> {
        let (_, algorithm, code) = LANGUAGES
            .iter()
            .find(|(name, _, _)| *name == settings.language)
            .ok_or_else(|| {
                let names: Vec<_> = LANGUAGES.iter().map(|l| l.0).collect();
                format!(
                    "unknown language {:?}; known: {}",
                    settings.language,
                    names.join(", ")
                )
            })?;
        let stopwords = if settings.stopwords {
            stop_words::lookup(code)
                .ok_or_else(|| format!("no stop-word list for {:?}", settings.language))?
                .iter()
                .copied()
                .collect()
        } else {
            HashSet::new()
        };
        Ok(Tokenizer {
            stemmer: Stemmer::create(*algorithm),
            settings,
            stopwords,
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// The settings this tokenizer was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Normalizes one word (lower-case, apostrophe unification, stem); `None` for a stop word.
    fn normalize(&self, word: &str, lower_buf: &mut String) -> Option<CompactString> {
        lower_buf.clear();
        if self.settings.lowercase || self.settings.stem {
            if word.is_ascii() {
                lower_buf.push_str(word);
                lower_buf.make_ascii_lowercase();
            } else {
                for c in word.chars() {
                    if c == '\u{2019}' {
                        lower_buf.push('\'');
                    } else {
                        lower_buf.extend(c.to_lowercase());
                    }
                }
            }
        } else {
            lower_buf.push_str(&word.replace('\u{2019}', "'"));
        }
        if !self.stopwords.is_empty() && self.stopwords.contains(lower_buf.as_str()) {
            return None;
        }
        let keep_as_is = !self.settings.stem || lower_buf.bytes().any(|b| b.is_ascii_digit());
        if keep_as_is {
            return Some(CompactString::from(lower_buf.as_str()));
        }
        Some(CompactString::from(self.stemmer.stem(lower_buf).as_ref()))
    }

    /// Tokenizes `text`, calling `emit(term, start, end, sentence)` per kept token; returns the
    /// number of sentences.
    pub fn tokenize_with(&self, text: &str, emit: impl FnMut(&str, usize, usize, u32)) -> u32 {
        self.tokenize_into(text, &mut EachTerm(emit))
    }

    /// Tokenizes `text` into `out`; returns the number of sentences.
    fn tokenize_into(&self, text: &str, out: &mut impl Tokens) -> u32 {
        let mut sentences = 0u32;
        let mut lower = String::new();
        MEMO.with(|memo| {
            let mut memo = memo.borrow_mut();
            let table = memo.entry(self.instance).or_default();
            scan::scan(text, |w| {
                sentences = w.sentence + 1;
                match table.get_at(text, w.start, w.end) {
                    // A stop word is memoized as the empty term.
                    Some(Memoized::Inline(term)) if term.len() > 0 => {
                        out.inline(term, w.start, w.end, w.sentence)
                    }
                    Some(term) => {
                        let term = term.as_str();
                        if !term.is_empty() {
                            out.term(term, w.start, w.end, w.sentence);
                        }
                    }
                    None => {
                        let word = &text[w.start..w.end];
                        let term = self.normalize(word, &mut lower).unwrap_or_default();
                        if !term.is_empty() {
                            out.term(&term, w.start, w.end, w.sentence);
                        }
                        table.insert(word, &term);
                    }
                }
            });
        });
        sentences
    }
}

/// Where the tokenizer puts each kept token: its term, its byte span, its sentence.
trait Tokens {
    fn term(&mut self, term: &str, start: usize, end: usize, sentence: u32);

    /// A term the memo holds in its 16-byte array.
    fn inline(&mut self, term: &InlineTerm, start: usize, end: usize, sentence: u32) {
        self.term(term.as_str(), start, end, sentence);
    }
}

/// Tokens handed to a closure, one term at a time.
struct EachTerm<F>(F);

impl<F: FnMut(&str, usize, usize, u32)> Tokens for EachTerm<F> {
    fn term(&mut self, term: &str, start: usize, end: usize, sentence: u32) {
        (self.0)(term, start, end, sentence);
    }
}

/// Tokens written into the host's buffers; a memoized term is copied as its whole array.
impl Tokens for TokenSink {
    fn term(&mut self, term: &str, start: usize, end: usize, sentence: u32) {
        self.push(term, start, end, sentence);
    }

    fn inline(&mut self, term: &InlineTerm, start: usize, end: usize, sentence: u32) {
        self.push_padded(term.padded(), term.len(), start, end, sentence);
    }
}

impl Stage for Tokenizer {
    fn create(config: &str) -> Result<Self, String> {
        let settings: Settings =
            serde_json::from_str(config).map_err(|e| format!("tokenize settings: {e}"))?;
        Tokenizer::new(settings)
    }

    fn describe(&self) -> String {
        serde_json::json!({
            "fingerprint": self.settings.fingerprint(),
            "language": self.settings.language,
            "stem": self.settings.stem,
            "stopwords": self.settings.stopwords,
            "lowercase": self.settings.lowercase,
        })
        .to_string()
    }
}

impl TokenizeStage for Tokenizer {
    fn tokenize(&self, text: &str, sink: &mut TokenSink) {
        let n = self.tokenize_into(text, sink);
        sink.set_sentences(n);
    }
}

slant_sdk::export_tokenize_stage!(Tokenizer, "tokenize", []);

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &Tokenizer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        t.tokenize_with(text, |term, _, _, _| out.push(term.to_string()));
        out
    }

    #[test]
    fn stems_and_lowercases_english() {
        let t = Tokenizer::new(Settings::default()).unwrap();
        assert_eq!(
            terms(&t, "The Armies were FIGHTING; Assad’s forces"),
            ["the", "armi", "were", "fight", "assad", "forc"]
        );
        // Memoized path gives the same terms.
        assert_eq!(terms(&t, "FIGHTING fighting"), ["fight", "fight"]);
    }

    #[test]
    fn stop_words_are_dropped_when_asked_and_offsets_point_at_the_surface() {
        let s = Settings {
            stopwords: true,
            ..Settings::default()
        };
        let t = Tokenizer::new(s).unwrap();
        let text = "The war in Syria";
        let mut spans = Vec::new();
        t.tokenize_with(text, |term, a, b, _| {
            spans.push((term.to_string(), &text[a..b]))
        });
        assert_eq!(spans, [("war".into(), "war"), ("syria".into(), "Syria")]);
    }

    #[test]
    fn other_languages_and_fingerprints_differ() {
        let fr = Tokenizer::new(Settings {
            language: "french".into(),
            ..Settings::default()
        })
        .unwrap();
        assert_eq!(terms(&fr, "Les armées"), ["le", "armé"]);
        assert_ne!(
            fr.settings().fingerprint(),
            Settings::default().fingerprint()
        );
        assert!(Tokenizer::new(Settings {
            language: "klingon".into(),
            ..Settings::default()
        })
        .is_err());
    }

    #[test]
    fn numbers_are_not_stemmed_and_config_is_strict() {
        let t = Tokenizer::create(r#"{"language":"english"}"#).unwrap();
        assert_eq!(terms(&t, "1990s 5th"), ["1990s", "5th"]);
        assert!(Tokenizer::create(r#"{"langauge":"english"}"#).is_err());
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<Tokenizer>();
    }
}
