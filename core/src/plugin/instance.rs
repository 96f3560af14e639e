//! A configured stage created from a [`Plugin`]: safe wrappers over `create`, `describe`,
//! `tokenize`, `classify` and `destroy`, which validate everything the plugin writes back
//! (counts, offsets, UTF-8, scores) before the host uses it, cap the buffer sizes a plugin may
//! ask for, and run every call under the [`watchdog`](super::watchdog)'s time budget.

use slant_sdk::{status, ClassifyDoc, ErrorBuf, RStr, Token, TokenizeOutput, TokenizedText};
use std::ffi::c_void;
use std::sync::Arc;

use super::loader::{error_text, rstr, Plugin};
use super::token_density::TokenDensity;
use super::{watchdog, PluginError};

const ERROR_CAPACITY: usize = 4096;
/// Largest description a plugin may ask the host to allocate.
const MAX_DESCRIPTION_BYTES: usize = 64 << 20;

/// The most tokens and term bytes a tokenize call may ask for: far above what any tokenizer
/// needs (a token spans at least a byte, almost always), low enough that a hostile size cannot
/// exhaust memory. `total` is the batch's text bytes, `docs` its document count.
fn token_buffer_limits(total: usize, docs: usize) -> (usize, usize) {
    let slack = docs.saturating_mul(64).saturating_add(4096);
    (
        total.saturating_mul(4).saturating_add(slack),
        total.saturating_mul(16).saturating_add(slack),
    )
}

/// A host-owned buffer the plugin writes an error message into.
struct ErrorSlot {
    bytes: Vec<u8>,
    buf: ErrorBuf,
}

impl ErrorSlot {
    fn new() -> ErrorSlot {
        let mut bytes = vec![0u8; ERROR_CAPACITY];
        // The pointer targets the Vec's heap block, which stays put when the slot moves.
        let buf = ErrorBuf {
            ptr: bytes.as_mut_ptr(),
            cap: bytes.len(),
            len: 0,
        };
        ErrorSlot { bytes, buf }
    }

    fn buf(&mut self) -> *mut ErrorBuf {
        &mut self.buf
    }

    fn message(&self) -> String {
        error_text(&self.bytes, self.buf.len)
    }
}

/// A live stage instance. Dropping it calls the plugin's `destroy`; the library stays loaded
/// until then because `plugin` holds it (fields are dropped after `Drop::drop` has run).
pub struct StageInstance {
    plugin: Plugin,
    state: *mut c_void,
    description: serde_json::Value,
    /// What this stage's tokenize calls wrote per byte of text, to size the next call's buffers.
    token_density: TokenDensity,
}

// SAFETY: the SDK's `Stage` trait requires `Send + Sync` of every stage state, and all calls
// take `&self` on the plugin side.
unsafe impl Send for StageInstance {}
unsafe impl Sync for StageInstance {}

impl Drop for StageInstance {
    fn drop(&mut self) {
        if !self.state.is_null() {
            // SAFETY: `state` came from this plugin's `create` and is not used afterwards.
            unsafe { (self.plugin.vtable().destroy)(self.state) };
        }
    }
}

/// The tokens of a batch of texts, validated.
#[derive(Debug, Default, Clone)]
pub struct TokenBatch {
    /// Shared, like `terms`, by the batches regrouped from this one (sentences, mention spans),
    /// which used to copy them once per stage and batch.
    pub tokens: Arc<Vec<Token>>,
    /// Terms of all tokens; `Token::term_start` indexes this buffer.
    pub terms: Arc<String>,
    /// Per document: the range of `tokens` it owns.
    pub doc_ranges: Vec<std::ops::Range<usize>>,
    /// Per document: how many sentences it has.
    pub sentences: Vec<u32>,
}

impl TokenBatch {
    /// The tokens of document `i`.
    pub fn doc_tokens(&self, i: usize) -> &[Token] {
        &self.tokens[self.doc_ranges[i].clone()]
    }

    /// The term of `token`.
    pub fn term(&self, token: &Token) -> &str {
        let start = token.term_start as usize;
        &self.terms[start..start + token.term_len as usize]
    }

    /// Document `i` as the ABI passes it to a classifier (`text` must be the text tokenized).
    pub fn abi_text(&self, i: usize, text: &str) -> TokenizedText {
        let tokens = self.doc_tokens(i);
        TokenizedText {
            text: rstr(text),
            tokens: tokens.as_ptr(),
            n_tokens: tokens.len(),
            terms: rstr(&self.terms),
        }
    }
}

/// One document for [`StageInstance::classify`].
#[derive(Clone, Copy)]
pub struct ClassifyInput<'a> {
    pub main: (&'a str, &'a TokenBatch, usize),
    pub pair: Option<(&'a str, &'a TokenBatch, usize)>,
    pub target: &'a str,
}

impl<'a> ClassifyInput<'a> {
    /// Plain texts (no pair, no target) with their tokens: `batch` tokenized `texts`, in order.
    pub fn texts(texts: &[&'a str], batch: &'a TokenBatch) -> Vec<ClassifyInput<'a>> {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| ClassifyInput {
                main: (text, batch, i),
                pair: None,
                target: "",
            })
            .collect()
    }
}

impl StageInstance {
    /// Creates an instance of `plugin` from its JSON configuration.
    ///
    /// # Errors
    /// The plugin's own message if it refuses the configuration, naming the plugin file.
    pub fn create(
        plugin: &Plugin,
        config: &serde_json::Value,
    ) -> Result<StageInstance, PluginError> {
        let config_text = config.to_string();
        let mut err = ErrorSlot::new();
        let mut state: *mut c_void = std::ptr::null_mut();
        let watch = watchdog::enter(plugin, "create");
        // SAFETY: ABI call with valid buffers owned by this frame.
        let code = unsafe { (plugin.vtable().create)(rstr(&config_text), &mut state, err.buf()) };
        drop(watch);
        let message = err.message();
        check_status(plugin, "create", code, message)?;
        if state.is_null() {
            return Err(call_error(plugin, "create", "returned no state".into()));
        }
        let mut instance = StageInstance {
            plugin: plugin.clone(),
            state,
            description: serde_json::Value::Null,
            token_density: TokenDensity::default(),
        };
        instance.description = instance.fetch_description()?;
        Ok(instance)
    }

    /// The plugin this instance came from.
    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    /// The instance's self-description (labels, fingerprint, model facts).
    pub fn description(&self) -> &serde_json::Value {
        &self.description
    }

    /// A string field of the description.
    pub fn describe_str(&self, key: &str) -> Option<&str> {
        self.description.get(key).and_then(|v| v.as_str())
    }

    /// The output labels of the configured instance (from its description, else the plugin's).
    pub fn labels(&self) -> Vec<String> {
        match self.description.get("labels").and_then(|v| v.as_array()) {
            Some(list) => list
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            None => self.plugin.labels().to_vec(),
        }
    }

    fn fetch_description(&self) -> Result<serde_json::Value, PluginError> {
        let describe = self.plugin.vtable().describe;
        let mut cap = 1024usize;
        for _ in 0..3 {
            let mut out = vec![0u8; cap];
            let mut needed = 0usize;
            let mut err = ErrorSlot::new();
            let _watch = watchdog::enter(&self.plugin, "describe");
            // SAFETY: ABI call with buffers owned by this frame.
            let code =
                unsafe { describe(self.state, out.as_mut_ptr(), cap, &mut needed, err.buf()) };
            if code == status::NEED_CAPACITY && needed > MAX_DESCRIPTION_BYTES {
                return Err(call_error(
                    &self.plugin,
                    "describe",
                    format!("asked for {needed} bytes for its description, over the limit of {MAX_DESCRIPTION_BYTES}"),
                ));
            }
            if code == status::NEED_CAPACITY && needed > cap {
                cap = needed;
                continue;
            }
            check_status(&self.plugin, "describe", code, err.message())?;
            let text = std::str::from_utf8(&out[..needed.min(cap)]).map_err(|_| {
                call_error(&self.plugin, "describe", "description is not UTF-8".into())
            })?;
            return serde_json::from_str(text).map_err(|e| {
                call_error(
                    &self.plugin,
                    "describe",
                    format!("description is not JSON: {e}"),
                )
            });
        }
        Err(call_error(
            &self.plugin,
            "describe",
            "description keeps growing".into(),
        ))
    }

    /// Tokenizes a batch of texts.
    ///
    /// # Errors
    /// The plugin's error, a caught panic, or output that fails validation.
    pub fn tokenize(&self, texts: &[&str]) -> Result<TokenBatch, PluginError> {
        let tokenize = self.plugin.vtable().tokenize.ok_or_else(|| {
            call_error(&self.plugin, "tokenize", "is not a tokenize stage".into())
        })?;
        let docs: Vec<RStr> = texts.iter().map(|t| rstr(t)).collect();
        let total: usize = texts.iter().map(|t| t.len()).sum();
        // Sized from the densest batch seen so far, with a margin, so that the retry (which
        // re-tokenizes the batch) is rare without holding room no batch uses.
        let (mut token_cap, mut term_cap) = self.token_density.buffer_sizes(total, texts.len());
        let (max_tokens, max_terms) = token_buffer_limits(total, texts.len());
        for _ in 0..3 {
            let mut tokens = vec![Token::default(); token_cap];
            let mut terms = vec![0u8; term_cap];
            let mut counts = vec![0u32; texts.len()];
            let mut sentences = vec![0u32; texts.len()];
            let mut out = TokenizeOutput {
                tokens: tokens.as_mut_ptr(),
                token_capacity: token_cap,
                terms: terms.as_mut_ptr(),
                term_capacity: term_cap,
                doc_token_counts: counts.as_mut_ptr(),
                doc_sentence_counts: sentences.as_mut_ptr(),
                tokens_written: 0,
                terms_written: 0,
            };
            let mut err = ErrorSlot::new();
            let watch = watchdog::enter(&self.plugin, "tokenize");
            // SAFETY: ABI call; every buffer is owned here and its capacity passed alongside.
            let code =
                unsafe { tokenize(self.state, docs.as_ptr(), docs.len(), &mut out, err.buf()) };
            drop(watch);
            if code == status::NEED_CAPACITY
                && (out.tokens_written > max_tokens || out.terms_written > max_terms)
            {
                return Err(call_error(
                    &self.plugin,
                    "tokenize",
                    format!(
                        "asked for room for {} tokens and {} term bytes for {total} bytes of text, over the limits of {max_tokens} and {max_terms}",
                        out.tokens_written, out.terms_written
                    ),
                ));
            }
            if code == status::NEED_CAPACITY {
                token_cap = token_cap.max(out.tokens_written);
                term_cap = term_cap.max(out.terms_written);
                continue;
            }
            check_status(&self.plugin, "tokenize", code, err.message())?;
            if out.tokens_written > token_cap || out.terms_written > term_cap {
                return Err(call_error(
                    &self.plugin,
                    "tokenize",
                    "wrote past its buffers".into(),
                ));
            }
            tokens.truncate(out.tokens_written);
            terms.truncate(out.terms_written);
            let batch = self.validate_tokens(texts, tokens, terms, counts, sentences)?;
            // Only a batch that passed validation teaches the next batches' sizes.
            self.token_density
                .observe(total, out.tokens_written, out.terms_written);
            return Ok(batch);
        }
        Err(call_error(
            &self.plugin,
            "tokenize",
            "kept asking for larger buffers".into(),
        ))
    }

    fn validate_tokens(
        &self,
        texts: &[&str],
        tokens: Vec<Token>,
        terms: Vec<u8>,
        counts: Vec<u32>,
        sentences: Vec<u32>,
    ) -> Result<TokenBatch, PluginError> {
        let bad = |what: String| call_error(&self.plugin, "tokenize", what);
        let terms = String::from_utf8(terms).map_err(|_| bad("terms are not UTF-8".into()))?;
        let mut doc_ranges = Vec::with_capacity(texts.len());
        let mut at = 0usize;
        for (i, (&count, text)) in counts.iter().zip(texts).enumerate() {
            let end = at + count as usize;
            if end > tokens.len() {
                return Err(bad(format!(
                    "document {i}: token counts exceed tokens written"
                )));
            }
            for t in &tokens[at..end] {
                let (s, e) = (t.byte_start as usize, t.byte_end as usize);
                let (ts, te) = (
                    t.term_start as usize,
                    t.term_start as usize + t.term_len as usize,
                );
                if s > e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e)
                {
                    return Err(bad(format!(
                        "document {i}: token span {s}..{e} is not in the text"
                    )));
                }
                if te > terms.len() || !terms.is_char_boundary(ts) || !terms.is_char_boundary(te) {
                    return Err(bad(format!(
                        "document {i}: term {ts}..{te} is not in the terms"
                    )));
                }
            }
            doc_ranges.push(at..end);
            at = end;
        }
        if at != tokens.len() {
            return Err(bad("token counts do not add up to tokens written".into()));
        }
        Ok(TokenBatch {
            tokens: Arc::new(tokens),
            terms: Arc::new(terms),
            doc_ranges,
            sentences,
        })
    }

    /// Scores a batch of documents: `n_outputs` floats per document, row-major.
    ///
    /// # Errors
    /// The plugin's error or a caught panic, naming the plugin file.
    pub fn classify(
        &self,
        docs: &[ClassifyInput<'_>],
        n_outputs: usize,
    ) -> Result<Vec<f32>, PluginError> {
        let classify = self.plugin.vtable().classify.ok_or_else(|| {
            call_error(&self.plugin, "classify", "is not a classify stage".into())
        })?;
        let abi_docs: Vec<ClassifyDoc> = docs
            .iter()
            .map(|d| ClassifyDoc {
                main: d.main.1.abi_text(d.main.2, d.main.0),
                pair: d
                    .pair
                    .map(|(text, batch, i)| batch.abi_text(i, text))
                    .unwrap_or(TokenizedText::EMPTY),
                target: rstr(d.target),
            })
            .collect();
        // NaN marks every score the plugin has yet to write: one it leaves out is caught below.
        let mut scores = vec![f32::NAN; docs.len() * n_outputs];
        let mut err = ErrorSlot::new();
        let _watch = watchdog::enter(&self.plugin, "classify");
        // SAFETY: ABI call; `abi_docs` borrows texts and batches that outlive the call.
        let code = unsafe {
            classify(
                self.state,
                abi_docs.as_ptr(),
                abi_docs.len(),
                scores.as_mut_ptr(),
                scores.len(),
                err.buf(),
            )
        };
        check_status(&self.plugin, "classify", code, err.message())?;
        check_scores(&scores, n_outputs)
            .map_err(|what| call_error(&self.plugin, "classify", what))?;
        Ok(scores)
    }
}

/// Every score must be a probability. NaN is also what the host wrote before the call, so a
/// NaN is a score the plugin left unwritten or computed as not-a-number.
fn check_scores(scores: &[f32], n_outputs: usize) -> Result<(), String> {
    let Some(at) = scores.iter().position(|s| !(0.0..=1.0).contains(s)) else {
        return Ok(());
    };
    let (doc, output) = (at / n_outputs.max(1), at % n_outputs.max(1));
    let score = scores[at];
    Err(if score.is_nan() {
        format!(
            "score {output} of document {doc} is NaN: the plugin did not write it ({} scores expected, {n_outputs} per document) or computed no number",
            scores.len()
        )
    } else {
        format!("score {output} of document {doc} is {score}, not a probability in 0..=1")
    })
}

fn call_error(plugin: &Plugin, op: &str, message: String) -> PluginError {
    PluginError::Call {
        path: plugin.path().to_path_buf(),
        stage: plugin.name().to_string(),
        op: op.to_string(),
        message,
    }
}

fn check_status(plugin: &Plugin, op: &str, code: u32, message: String) -> Result<(), PluginError> {
    match code {
        status::OK => Ok(()),
        status::PANIC => Err(PluginError::Panic {
            path: plugin.path().to_path_buf(),
            stage: plugin.name().to_string(),
            op: op.to_string(),
            message,
        }),
        status::ERROR => Err(call_error(plugin, op, message)),
        other => Err(call_error(
            plugin,
            op,
            format!("unexpected status {other}: {message}"),
        )),
    }
}

/// The host's wrappers driving stages that live in this process (the SDK's shims over small
/// test stages): the capacity handshakes, validation of tokens and scores, buffer caps. No
/// library is loaded, so `scripts/miri.sh` runs these under Miri.
#[cfg(test)]
mod tests {
    use super::*;
    use slant_sdk::{export, kind, ClassifyStage, DocView, Stage, StageVTable, TokenSink};
    use slant_sdk::{TokenizeStage, ABI_VERSION, VTABLE_SIZE};

    /// One token per space-separated word; a long description, to need a second `describe`.
    struct Words;

    impl Stage for Words {
        fn create(_config: &str) -> Result<Self, String> {
            Ok(Words)
        }
        fn describe(&self) -> String {
            format!(
                "{{\"fingerprint\":\"words\",\"pad\":\"{}\"}}",
                "x".repeat(2000)
            )
        }
    }

    impl TokenizeStage for Words {
        fn tokenize(&self, text: &str, sink: &mut TokenSink) {
            let mut at = 0;
            for word in text.split(' ') {
                if !word.is_empty() {
                    sink.push(word, at, at + word.len(), 0);
                }
                at += word.len() + 1;
            }
        }
    }

    /// Writes its scores for every document but the last (as a plugin that counts wrong does).
    struct Short;

    impl Stage for Short {
        fn create(_config: &str) -> Result<Self, String> {
            Ok(Short)
        }
        fn describe(&self) -> String {
            r#"{"labels":["a","b"]}"#.into()
        }
    }

    impl ClassifyStage for Short {
        fn n_outputs(&self) -> usize {
            2
        }
        fn classify(&self, docs: &[DocView<'_>], scores: &mut [f32]) -> Result<(), String> {
            let written = (docs.len().saturating_sub(1)) * 2;
            scores[..written].fill(0.5);
            Ok(())
        }
    }

    /// A tokenize entry that asks for an absurd buffer, as no SDK-built plugin would.
    unsafe extern "C" fn greedy_tokenize(
        _state: *const c_void,
        _docs: *const RStr,
        _n_docs: usize,
        out: *mut TokenizeOutput,
        _err: *mut ErrorBuf,
    ) -> u32 {
        if let Some(out) = out.as_mut() {
            out.tokens_written = usize::MAX / 8;
            out.terms_written = 10;
        }
        status::NEED_CAPACITY
    }

    static WORDS: StageVTable = StageVTable {
        abi_version: ABI_VERSION,
        struct_size: VTABLE_SIZE,
        name: RStr::from_static("words"),
        kind: kind::TOKENIZE,
        labels: std::ptr::null(),
        n_labels: 0,
        create: export::create::<Words>,
        describe: export::describe::<Words>,
        tokenize: Some(export::tokenize::<Words>),
        classify: None,
        destroy: export::destroy::<Words>,
    };

    static GREEDY: StageVTable = StageVTable {
        tokenize: Some(greedy_tokenize),
        name: RStr::from_static("greedy"),
        ..WORDS
    };

    static SHORT: StageVTable = StageVTable {
        abi_version: ABI_VERSION,
        struct_size: VTABLE_SIZE,
        name: RStr::from_static("short"),
        kind: kind::CLASSIFY,
        labels: std::ptr::null(),
        n_labels: 0,
        create: export::create::<Short>,
        describe: export::describe::<Short>,
        tokenize: None,
        classify: Some(export::classify::<Short>),
        destroy: export::destroy::<Short>,
    };

    fn instance(table: &'static StageVTable, path: &str) -> StageInstance {
        StageInstance::create(&Plugin::in_process(table, path), &serde_json::json!({})).unwrap()
    }

    #[test]
    fn tokenize_regrows_its_buffers_and_validates_the_batch() {
        let stage = instance(&WORDS, "words.so");
        assert_eq!(stage.describe_str("fingerprint"), Some("words"));
        // One-letter words: more tokens than the first guess of a quarter of the bytes.
        let long = "a b c d e f g h i j k l m n o p q r s t u v w x y z ".repeat(4);
        let texts = [long.as_str(), "", "two words"];
        let batch = stage.tokenize(&texts).unwrap();
        assert_eq!(batch.doc_tokens(0).len(), 104);
        assert!(batch.doc_tokens(1).is_empty());
        let second: Vec<&str> = batch.doc_tokens(2).iter().map(|t| batch.term(t)).collect();
        assert_eq!(second, ["two", "words"]);
    }

    #[test]
    fn a_denser_batch_than_any_before_is_tokenized_whole() {
        let stage = instance(&WORDS, "words.so");
        // Long words: the buffers of the next batches are sized for a token per ~20 bytes.
        let sparse = "internationalization ".repeat(4000);
        let batch = stage.tokenize(&[sparse.as_str()]).unwrap();
        assert_eq!(batch.doc_tokens(0).len(), 4000);
        // One-letter words, ten times as dense: the call asks for more room and gets it.
        let dense = "a b c d e f g h i j ".repeat(4000);
        let batch = stage.tokenize(&[dense.as_str(), "two words"]).unwrap();
        assert_eq!(batch.doc_tokens(0).len(), 40_000);
        let second: Vec<&str> = batch.doc_tokens(1).iter().map(|t| batch.term(t)).collect();
        assert_eq!(second, ["two", "words"]);
        // And the sparse text again, now with room to spare.
        assert_eq!(
            stage
                .tokenize(&[sparse.as_str()])
                .unwrap()
                .doc_tokens(0)
                .len(),
            4000
        );
    }

    #[test]
    fn an_absurd_buffer_request_is_refused_before_allocating() {
        let stage = instance(&GREEDY, "greedy.so");
        let err = stage.tokenize(&["some text"]).unwrap_err().to_string();
        assert!(
            err.contains("greedy.so") && err.contains("over the limits"),
            "{err}"
        );
    }

    #[test]
    fn unwritten_scores_are_caught_naming_the_plugin() {
        let words = instance(&WORDS, "words.so");
        let short = instance(&SHORT, "short.so");
        let texts = ["one text", "another text"];
        let batch = words.tokenize(&texts).unwrap();
        let err = short
            .classify(&ClassifyInput::texts(&texts, &batch), 2)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("short.so") && err.contains("score 0 of document 1 is NaN"),
            "{err}"
        );
        // With one document it writes nothing at all.
        let err = short
            .classify(&ClassifyInput::texts(&texts[..1], &batch), 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("score 0 of document 0 is NaN"), "{err}");
    }

    #[test]
    fn score_checks_name_the_document_and_output() {
        assert!(check_scores(&[0.0, 1.0, 0.5, 0.25], 2).is_ok());
        let e = check_scores(&[0.0, 1.0, 0.5, -0.5], 2).unwrap_err();
        assert!(e.contains("score 1 of document 1 is -0.5"), "{e}");
        let e = check_scores(&[f32::INFINITY], 1).unwrap_err();
        assert!(e.contains("inf"), "{e}");
        let (tokens, terms) = token_buffer_limits(usize::MAX, 3);
        assert_eq!((tokens, terms), (usize::MAX, usize::MAX));
    }
}
