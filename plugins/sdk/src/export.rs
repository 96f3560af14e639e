//! The plugin side of the ABI: small traits a stage implements, and the `extern "C"` shims the
//! export macros install in the vtable.
//!
//! Every shim runs the stage inside `catch_unwind`: since Rust 1.81 a panic escaping an
//! `extern "C"` function aborts the whole process, so a panic becomes `status::PANIC` plus its
//! message instead.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::abi::{status, ClassifyDoc, ErrorBuf, RStr, Token, TokenizeOutput, TokenizedText};

/// What every stage has: a constructor from its JSON config and a JSON self-description.
pub trait Stage: Sized + Send + Sync + 'static {
    /// Builds the stage from its configuration (a JSON object, `{}` when none was given).
    ///
    /// # Errors
    /// A message saying which setting is wrong.
    fn create(config: &str) -> Result<Self, String>;

    /// A JSON object describing the configured instance (labels, fingerprint, model facts).
    fn describe(&self) -> String;
}

/// A tokenize stage: text → tokens.
pub trait TokenizeStage: Stage {
    /// Appends the tokens of `text` to `sink` (call [`TokenSink::push`] per token).
    fn tokenize(&self, text: &str, sink: &mut TokenSink);
}

/// A classify stage: tokenized documents → `n_outputs` scores each.
pub trait ClassifyStage: Stage {
    /// Number of scores written per document.
    fn n_outputs(&self) -> usize;

    /// Scores `docs` into `scores` (`docs.len() × n_outputs`, row-major): every entry, each a
    /// probability in `0..=1` (the host refuses a batch with any other value, NaN included).
    ///
    /// # Errors
    /// A message naming what could not be scored.
    fn classify(&self, docs: &[DocView<'_>], scores: &mut [f32]) -> Result<(), String>;
}

/// Where a tokenize stage puts its tokens: straight into the host's buffers while they have
/// room, and past that only counted, so that the host can call again with the sizes asked for.
/// (Collected in vectors of the plugin's own and copied out at the end, a batch's tokens were
/// held twice, and the vectors' growth copied them again: 3 % of `slant predict`'s
/// instructions, and 43 MB of a 107 MB heap peak labeling 1 GB of Parquet.)
pub struct TokenSink {
    tokens: *mut Token,
    token_capacity: usize,
    terms: *mut u8,
    term_capacity: usize,
    /// Tokens and term bytes pushed so far in the batch, written or not.
    n_tokens: usize,
    n_terms: usize,
    sentences: u32,
}

impl Default for TokenSink {
    /// A sink without room: it counts the tokens pushed.
    fn default() -> TokenSink {
        TokenSink {
            tokens: std::ptr::null_mut(),
            token_capacity: 0,
            terms: std::ptr::null_mut(),
            term_capacity: 0,
            n_tokens: 0,
            n_terms: 0,
            sentences: 0,
        }
    }
}

impl TokenSink {
    /// A sink writing into the buffers of `out` (a null buffer has no room).
    ///
    /// # Safety
    /// `out.tokens` and `out.terms`, when not null, are valid for writes of
    /// `out.token_capacity` tokens and `out.term_capacity` bytes while the sink is used.
    unsafe fn into_buffers(out: &TokenizeOutput) -> TokenSink {
        let room = |null: bool, capacity: usize| if null { 0 } else { capacity };
        TokenSink {
            tokens: out.tokens,
            token_capacity: room(out.tokens.is_null(), out.token_capacity),
            terms: out.terms,
            term_capacity: room(out.terms.is_null(), out.term_capacity),
            ..TokenSink::default()
        }
    }

    /// Records one token: its normalized term, its byte span in the text, its sentence index.
    pub fn push(&mut self, term: &str, byte_start: usize, byte_end: usize, sentence: u32) {
        let terms_end = self.n_terms + term.len();
        // An empty term has nothing to copy (and the buffer may be null when it has no room).
        if !term.is_empty() && terms_end <= self.term_capacity {
            // SAFETY: the term ends within `term_capacity` (so the buffer is not null); the
            // host's buffer and the plugin's string do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    term.as_ptr(),
                    self.terms.add(self.n_terms),
                    term.len(),
                )
            };
        }
        self.push_counted(term.len(), byte_start, byte_end, sentence);
    }

    /// Writes the token of a term of `term_len` bytes just written at `n_terms` (where it
    /// fitted) and counts both.
    #[inline]
    fn push_counted(&mut self, term_len: usize, byte_start: usize, byte_end: usize, sentence: u32) {
        let token = Token {
            term_start: self.n_terms as u32,
            term_len: term_len as u32,
            byte_start: byte_start as u32,
            byte_end: byte_end as u32,
            sentence,
            flags: 0,
        };
        if self.n_tokens < self.token_capacity {
            // SAFETY: `n_tokens < token_capacity`, the room `into_buffers` was promised.
            unsafe { self.tokens.add(self.n_tokens).write(token) };
        }
        self.n_tokens += 1;
        self.n_terms += term_len;
        self.sentences = self.sentences.max(sentence + 1);
    }

    /// Records one token whose term is the first `len` bytes of `padded` (a term of up to 16
    /// bytes kept in a 16-byte array, as a memo keeps it): the same as [`push`] of that term,
    /// but where the buffer has room for all 16 bytes they are copied at once, and the bytes
    /// past the term are overwritten by the next term or never read. A copy of the term's own
    /// length branches on it, and terms' lengths vary too much for the processor to guess:
    /// those branches were a twentieth of the mispredicted branches of `slant label`.
    ///
    /// `padded[..len]` must be UTF-8, as a `&str` is: where it is not (a bug in the caller),
    /// the host refuses the batch's terms, or this panics when the buffer has no room for 16.
    ///
    /// # Panics
    /// `len` is over 16.
    ///
    /// [`push`]: Self::push
    #[inline]
    pub fn push_padded(
        &mut self,
        padded: &[u8; 16],
        len: usize,
        byte_start: usize,
        byte_end: usize,
        sentence: u32,
    ) {
        let term = &padded[..len];
        debug_assert!(std::str::from_utf8(term).is_ok(), "a term is UTF-8");
        if self.n_terms + padded.len() > self.term_capacity {
            let term = std::str::from_utf8(term).expect("a term is UTF-8");
            return self.push(term, byte_start, byte_end, sentence);
        }
        // SAFETY: all 16 bytes end within `term_capacity` (so the buffer is not null); the
        // host's buffer and the caller's array do not overlap.
        unsafe {
            self.terms
                .add(self.n_terms)
                .cast::<[u8; 16]>()
                .write_unaligned(*padded)
        };
        self.push_counted(len, byte_start, byte_end, sentence);
    }

    /// Declares how many sentences the document has (at least as many as tokens imply).
    pub fn set_sentences(&mut self, n: u32) {
        self.sentences = self.sentences.max(n);
    }

    /// Whether everything pushed was written.
    fn fits(&self) -> bool {
        self.n_tokens <= self.token_capacity && self.n_terms <= self.term_capacity
    }
}

/// A tokenized text as a classifier sees it.
#[derive(Clone, Copy, Debug)]
pub struct TextView<'a> {
    pub text: &'a str,
    pub tokens: &'a [Token],
    terms: Terms<'a>,
}

/// The terms buffer of a [`TextView`]: text when it is valid UTF-8 as a whole (a term is then
/// cut from it at char boundaries, as cheap as a slice), else bytes, each term checked alone (a
/// term of invalid bytes reads as empty). The whole buffer is checked once per `classify`
/// call: checking every term alone was a short, branchy check per term (1.6 % of the
/// mispredicted branches of `slant label` in `benches/scripts/callgrind_ab.sh`).
#[derive(Clone, Copy, Debug)]
enum Terms<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl<'a> Terms<'a> {
    fn of(bytes: &'a [u8]) -> Terms<'a> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Terms::Text(text),
            Err(_) => Terms::Bytes(bytes),
        }
    }

    fn bytes(self) -> &'a [u8] {
        match self {
            Terms::Text(text) => text.as_bytes(),
            Terms::Bytes(bytes) => bytes,
        }
    }
}

impl<'a> TextView<'a> {
    /// Builds a view; used by hosts that call a stage in-process (tests, training).
    pub fn new(text: &'a str, tokens: &'a [Token], terms: &'a str) -> TextView<'a> {
        TextView {
            text,
            tokens,
            terms: Terms::Text(terms),
        }
    }

    /// Whether `other` views the very same text, tokens and terms: the same memory, not equal
    /// contents (documents of one `classify` call that share their main text, as the claims
    /// paired with one article body do). Cheap: three pointer comparisons.
    pub fn is_same_view(&self, other: &TextView<'_>) -> bool {
        std::ptr::eq(self.text, other.text)
            && std::ptr::eq(self.tokens, other.tokens)
            && std::ptr::eq(self.terms.bytes(), other.terms.bytes())
    }

    /// The normalized term of `token` (empty if the token points outside the terms buffer).
    pub fn term(&self, token: &Token) -> &'a str {
        let start = token.term_start as usize;
        let end = start.saturating_add(token.term_len as usize);
        match self.terms {
            Terms::Text(terms) => terms.get(start..end),
            Terms::Bytes(terms) => terms
                .get(start..end)
                .and_then(|b| std::str::from_utf8(b).ok()),
        }
        .unwrap_or("")
    }

    /// The original text of `token` (empty if its offsets are not a valid span).
    pub fn surface(&self, token: &Token) -> &'a str {
        self.text
            .get(token.byte_start as usize..token.byte_end as usize)
            .unwrap_or("")
    }
}

/// One document handed to a classifier.
#[derive(Clone, Copy, Debug)]
pub struct DocView<'a> {
    pub main: TextView<'a>,
    pub pair: TextView<'a>,
    pub target: &'a str,
}

fn catch<F: FnOnce() -> Result<u32, String>>(err: *mut ErrorBuf, f: F) -> u32 {
    let write = |msg: &str| {
        // SAFETY: the host passes a valid error buffer or null.
        if let Some(e) = unsafe { err.as_mut() } {
            e.write(msg);
        }
    };
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(code)) => code,
        Ok(Err(msg)) => {
            write(&msg);
            status::ERROR
        }
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_string());
            write(&format!("plugin panicked: {msg}"));
            status::PANIC
        }
    }
}

/// `s` as text; `what` names it in the error (formatted only then: this runs once per
/// document).
unsafe fn utf8<'a>(s: RStr, what: &dyn std::fmt::Display) -> Result<&'a str, String> {
    std::str::from_utf8(s.as_bytes()).map_err(|e| format!("{what} is not valid UTF-8: {e}"))
}

/// The texts of one `classify` call already checked as UTF-8. Documents cut from one text (the
/// sentences of a body, each passed with the whole body and its own tokens) share the text's
/// bytes, so each text is checked once per call instead of once per sentence, which made the
/// check grow with the square of a body's length. Within one call the host's buffers do not
/// change, so the same pointer and length are the same bytes.
///
/// The terms buffers are checked the same way: the documents of one call share their batch's.
#[derive(Default)]
struct CheckedTexts<'a> {
    last: Option<(*const u8, usize, &'a str)>,
    last_terms: Option<(*const u8, usize, Terms<'a>)>,
}

impl<'a> CheckedTexts<'a> {
    /// `s` as text, checked unless it is the text checked last.
    ///
    /// # Safety
    /// As [`utf8`]: `s` points at `s.len` bytes that stay readable and unchanged for `'a`.
    unsafe fn text(&mut self, s: RStr, what: &str) -> Result<&'a str, String> {
        once_per_buffer(&mut self.last, s, || utf8(s, &what))
    }

    /// The terms buffer `s`, checked unless it is the buffer checked last.
    ///
    /// # Safety
    /// As [`CheckedTexts::text`].
    unsafe fn terms(&mut self, s: RStr) -> Terms<'a> {
        let Ok(terms) = once_per_buffer(&mut self.last_terms, s, || {
            Ok::<_, std::convert::Infallible>(Terms::of(s.as_bytes()))
        });
        terms
    }
}

/// What `check` makes of the buffer `s`, or what it made of it last time when `s` is the buffer
/// `last` remembers (the same pointer and length: the same bytes within one call).
fn once_per_buffer<T: Copy, E>(
    last: &mut Option<(*const u8, usize, T)>,
    s: RStr,
    check: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    if let Some((ptr, len, value)) = *last {
        if (ptr, len) == (s.ptr, s.len) {
            return Ok(value);
        }
    }
    let value = check()?;
    *last = Some((s.ptr, s.len, value));
    Ok(value)
}

unsafe fn text_view<'a>(
    t: &TokenizedText,
    checked: &mut CheckedTexts<'a>,
) -> Result<TextView<'a>, String> {
    let tokens = if t.tokens.is_null() || t.n_tokens == 0 {
        &[][..]
    } else {
        std::slice::from_raw_parts(t.tokens, t.n_tokens)
    };
    Ok(TextView {
        text: checked.text(t.text, "document text")?,
        tokens,
        terms: checked.terms(t.terms),
    })
}

/// Shim for `create`.
///
/// # Safety
/// Called by the host through the vtable with valid pointers.
pub unsafe extern "C" fn create<S: Stage>(
    config: RStr,
    state_out: *mut *mut c_void,
    err: *mut ErrorBuf,
) -> u32 {
    catch(err, || {
        let config = utf8(config, &"stage config")?;
        let config = if config.trim().is_empty() {
            "{}"
        } else {
            config
        };
        let stage = S::create(config)?;
        if state_out.is_null() {
            return Err("null state pointer".into());
        }
        *state_out = Box::into_raw(Box::new(stage)) as *mut c_void;
        Ok(status::OK)
    })
}

/// Shim for `describe`.
///
/// # Safety
/// `state` comes from `create::<S>`.
pub unsafe extern "C" fn describe<S: Stage>(
    state: *const c_void,
    out: *mut u8,
    cap: usize,
    needed: *mut usize,
    err: *mut ErrorBuf,
) -> u32 {
    catch(err, || {
        let stage = (state as *const S).as_ref().ok_or("null stage state")?;
        let text = stage.describe();
        if !needed.is_null() {
            *needed = text.len();
        }
        if text.len() > cap || out.is_null() {
            return Ok(status::NEED_CAPACITY);
        }
        std::ptr::copy_nonoverlapping(text.as_ptr(), out, text.len());
        Ok(status::OK)
    })
}

/// Shim for `tokenize`.
///
/// # Safety
/// `state` comes from `create::<S>`; `docs` points to `n_docs` strings; `out` is valid, and so
/// are its buffers for their capacities (the stage's tokens are written straight into them).
pub unsafe extern "C" fn tokenize<S: TokenizeStage>(
    state: *const c_void,
    docs: *const RStr,
    n_docs: usize,
    out: *mut TokenizeOutput,
    err: *mut ErrorBuf,
) -> u32 {
    catch(err, || {
        let stage = (state as *const S).as_ref().ok_or("null stage state")?;
        let out = out.as_mut().ok_or("null output")?;
        let docs = if n_docs == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(docs, n_docs)
        };
        // One sink for the whole batch: tokens' term offsets are then batch-relative already.
        let mut sink = TokenSink::into_buffers(out);
        let mut counts = Vec::with_capacity(n_docs);
        let mut sentences = Vec::with_capacity(n_docs);
        for (i, doc) in docs.iter().enumerate() {
            let text = utf8(*doc, &format_args!("document {i} of the batch"))?;
            let before = sink.n_tokens;
            sink.sentences = 0;
            stage.tokenize(text, &mut sink);
            counts.push((sink.n_tokens - before) as u32);
            sentences.push(sink.sentences);
        }
        out.tokens_written = sink.n_tokens;
        out.terms_written = sink.n_terms;
        if !sink.fits() {
            return Ok(status::NEED_CAPACITY);
        }
        if out.doc_token_counts.is_null() || out.doc_sentence_counts.is_null() {
            return Err("null per-document output buffers".into());
        }
        std::ptr::copy_nonoverlapping(counts.as_ptr(), out.doc_token_counts, n_docs);
        std::ptr::copy_nonoverlapping(sentences.as_ptr(), out.doc_sentence_counts, n_docs);
        Ok(status::OK)
    })
}

/// Shim for `classify`.
///
/// # Safety
/// `state` comes from `create::<S>`; `docs` points to `n_docs` documents; `scores` to
/// `scores_len` floats.
pub unsafe extern "C" fn classify<S: ClassifyStage>(
    state: *const c_void,
    docs: *const ClassifyDoc,
    n_docs: usize,
    scores: *mut f32,
    scores_len: usize,
    err: *mut ErrorBuf,
) -> u32 {
    catch(err, || {
        let stage = (state as *const S).as_ref().ok_or("null stage state")?;
        let want = n_docs.saturating_mul(stage.n_outputs());
        if scores_len != want || (want > 0 && scores.is_null()) {
            return Err(format!(
                "score buffer holds {scores_len} floats, {want} needed ({n_docs} documents × {} outputs)",
                stage.n_outputs()
            ));
        }
        let raw = if n_docs == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(docs, n_docs)
        };
        let (mut mains, mut pairs) = (CheckedTexts::default(), CheckedTexts::default());
        let views = raw
            .iter()
            .map(|d| {
                Ok(DocView {
                    main: text_view(&d.main, &mut mains)?,
                    pair: text_view(&d.pair, &mut pairs)?,
                    target: utf8(d.target, &"stance target")?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let out = if want == 0 {
            &mut [][..]
        } else {
            std::slice::from_raw_parts_mut(scores, want)
        };
        stage.classify(&views, out)?;
        Ok(status::OK)
    })
}

/// Shim for `destroy`.
///
/// # Safety
/// `state` comes from `create::<S>` and is not used afterwards.
pub unsafe extern "C" fn destroy<S: Stage>(state: *mut c_void) {
    if !state.is_null() {
        // A panic in Drop must not cross the boundary either.
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(state as *mut S))));
    }
}

/// Exports a [`TokenizeStage`] as a slant plugin: `export_tokenize_stage!(MyType, "name", []);`
#[macro_export]
macro_rules! export_tokenize_stage {
    ($ty:ty, $name:expr, [$($label:expr),* $(,)?]) => {
        /// The slant plugin entry point (ABI v1).
        #[no_mangle]
        pub extern "C" fn slant_stage_v1() -> *const $crate::StageVTable {
            static LABELS: &[$crate::RStr] = &[$($crate::RStr::from_static($label)),*];
            static VTABLE: $crate::StageVTable = $crate::StageVTable {
                abi_version: $crate::ABI_VERSION,
                struct_size: $crate::VTABLE_SIZE,
                name: $crate::RStr::from_static($name),
                kind: $crate::kind::TOKENIZE,
                labels: LABELS.as_ptr(),
                n_labels: LABELS.len(),
                create: $crate::export::create::<$ty>,
                describe: $crate::export::describe::<$ty>,
                tokenize: Some($crate::export::tokenize::<$ty>),
                classify: None,
                destroy: $crate::export::destroy::<$ty>,
            };
            &VTABLE
        }
    };
}

/// Exports a [`ClassifyStage`] as a slant plugin: `export_classify_stage!(MyType, "name", ["a"]);`
#[macro_export]
macro_rules! export_classify_stage {
    ($ty:ty, $name:expr, [$($label:expr),* $(,)?]) => {
        /// The slant plugin entry point (ABI v1).
        #[no_mangle]
        pub extern "C" fn slant_stage_v1() -> *const $crate::StageVTable {
            static LABELS: &[$crate::RStr] = &[$($crate::RStr::from_static($label)),*];
            static VTABLE: $crate::StageVTable = $crate::StageVTable {
                abi_version: $crate::ABI_VERSION,
                struct_size: $crate::VTABLE_SIZE,
                name: $crate::RStr::from_static($name),
                kind: $crate::kind::CLASSIFY,
                labels: LABELS.as_ptr(),
                n_labels: LABELS.len(),
                create: $crate::export::create::<$ty>,
                describe: $crate::export::describe::<$ty>,
                tokenize: None,
                classify: Some($crate::export::classify::<$ty>),
                destroy: $crate::export::destroy::<$ty>,
            };
            &VTABLE
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sink_without_room_counts_and_writes_nothing() {
        let mut sink = TokenSink::default();
        sink.push("", 0, 0, 0);
        sink.push("talks", 0, 5, 1);
        assert_eq!((sink.n_tokens, sink.n_terms, sink.sentences), (2, 5, 2));
        assert!(!sink.fits());
    }

    #[test]
    fn a_sink_writes_while_there_is_room_and_counts_past_it() {
        let mut tokens = [Token::default(); 2];
        let mut terms = [0u8; 6];
        let out = TokenizeOutput {
            tokens: tokens.as_mut_ptr(),
            token_capacity: tokens.len(),
            terms: terms.as_mut_ptr(),
            term_capacity: terms.len(),
            doc_token_counts: std::ptr::null_mut(),
            doc_sentence_counts: std::ptr::null_mut(),
            tokens_written: 0,
            terms_written: 0,
        };
        // SAFETY: both buffers outlive the sink and hold their capacities.
        let mut sink = unsafe { TokenSink::into_buffers(&out) };
        sink.push("war", 0, 3, 0);
        sink.push("end", 4, 7, 0);
        assert!(sink.fits());
        sink.push("talk", 8, 12, 1);
        assert!(!sink.fits());
        assert_eq!((sink.n_tokens, sink.n_terms), (3, 10));
        assert_eq!(&terms, b"warend");
        assert_eq!((tokens[1].term_start, tokens[1].term_len), (3, 3));
        assert_eq!((tokens[1].byte_start, tokens[1].byte_end), (4, 7));
    }

    /// Pushes `terms` into buffers of `token_room` tokens and `term_room` bytes, padded or
    /// not; what was written (the tokens, the bytes of the terms that fitted whole) and counted.
    fn pushed(
        terms: &[&str],
        token_room: usize,
        term_room: usize,
        padded: bool,
    ) -> (Vec<Token>, Vec<u8>, (usize, usize, u32)) {
        let mut tokens = vec![Token::default(); token_room];
        let mut bytes = vec![0u8; term_room];
        let out = TokenizeOutput {
            tokens: tokens.as_mut_ptr(),
            token_capacity: tokens.len(),
            terms: bytes.as_mut_ptr(),
            term_capacity: bytes.len(),
            doc_token_counts: std::ptr::null_mut(),
            doc_sentence_counts: std::ptr::null_mut(),
            tokens_written: 0,
            terms_written: 0,
        };
        // SAFETY: both buffers outlive the sink and hold their capacities.
        let mut sink = unsafe { TokenSink::into_buffers(&out) };
        for (i, term) in terms.iter().enumerate() {
            let (start, sentence) = (10 * i, i as u32 / 2);
            if padded {
                let mut array = [0xAA; 16];
                array[..term.len()].copy_from_slice(term.as_bytes());
                sink.push_padded(&array, term.len(), start, start + 3, sentence);
            } else {
                sink.push(term, start, start + 3, sentence);
            }
        }
        let counted = (sink.n_tokens, sink.n_terms, sink.sentences);
        // The bytes of the terms that fitted whole (past them, the buffer is the host's to
        // discard: it asks again with the sizes counted).
        let mut fitted = 0;
        for term in terms {
            if fitted + term.len() > term_room {
                break;
            }
            fitted += term.len();
        }
        bytes.truncate(fitted);
        (tokens, bytes, counted)
    }

    #[test]
    fn padded_terms_write_what_their_terms_write() {
        let terms = [
            "war",
            "",
            "ceasefire",
            "fifteen-letters",
            "ïi",
            "x",
            "sixteen-letters!",
        ];
        let total: usize = terms.iter().map(|t| t.len()).sum();
        // Room for everything and to spare, exactly enough, too little for the last few, none.
        for term_room in [total + 32, total, total - 20, 5, 0] {
            for token_room in [terms.len(), 3, 0] {
                let plain = pushed(&terms, token_room, term_room, false);
                let padded = pushed(&terms, token_room, term_room, true);
                assert_eq!(plain, padded, "{term_room} bytes, {token_room} tokens");
            }
        }
        let (_, bytes, counted) = pushed(&terms, terms.len(), total + 32, true);
        assert_eq!(counted, (7, total, 4));
        assert_eq!(bytes, terms.concat().as_bytes());
    }

    #[test]
    fn terms_read_the_same_whether_their_buffer_is_valid_text_or_not() {
        let term = |start: u32, len: u32| Token {
            term_start: start,
            term_len: len,
            ..Token::default()
        };
        // "naïve", "café", the last two bytes, one byte inside "ï" (not a char), out of range.
        let tokens = [
            term(0, 6),
            term(6, 5),
            term(11, 2),
            term(3, 1),
            term(100, 3),
        ];
        let valid = b"na\xc3\xafvecaf\xc3\xa9xy".to_vec();
        let mut invalid = valid.clone();
        invalid[11] = 0xff;
        for (terms, third) in [(&valid, "xy"), (&invalid, "")] {
            let text = TokenizedText {
                text: RStr::new("naïve café"),
                tokens: tokens.as_ptr(),
                n_tokens: tokens.len(),
                terms: RStr {
                    ptr: terms.as_ptr(),
                    len: terms.len(),
                },
            };
            let mut checked = CheckedTexts::default();
            // SAFETY: the text, tokens and terms outlive the view.
            let view = unsafe { text_view(&text, &mut checked) }.unwrap();
            let read: Vec<&str> = tokens.iter().map(|t| view.term(t)).collect();
            assert_eq!(read, ["naïve", "café", third, "", ""]);
            let whole = matches!(view.terms, Terms::Text(_));
            assert_eq!(whole, terms == &valid, "checked once as a whole when valid");
        }
    }
}
