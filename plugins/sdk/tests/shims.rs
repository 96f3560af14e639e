//! The export shims called in-process exactly as the host calls them through the vtable: raw
//! pointers, host-owned buffers, the capacity handshake, errors and caught panics. These tests
//! hold no dynamic loading, so Miri runs them (`scripts/miri.sh`) and checks every pointer the
//! shims touch.

use std::ffi::c_void;
use std::ptr;

use slant_sdk::{
    export, status, ClassifyDoc, ClassifyStage, DocView, ErrorBuf, RStr, Stage, StageVTable, Token,
    TokenSink, TokenizeOutput, TokenizeStage, TokenizedText,
};

/// A classifier whose score is the share of tokens whose term is "bad"; it panics on a target
/// of "panic" and refuses one of "refuse".
struct Share;

impl Stage for Share {
    fn create(config: &str) -> Result<Self, String> {
        if config.contains("fail") {
            return Err("config says fail".into());
        }
        Ok(Share)
    }
    fn describe(&self) -> String {
        format!(
            "{{\"labels\":[\"bad\",\"good\"],\"pad\":\"{}\"}}",
            "x".repeat(100)
        )
    }
}

impl ClassifyStage for Share {
    fn n_outputs(&self) -> usize {
        2
    }
    fn classify(&self, docs: &[DocView<'_>], scores: &mut [f32]) -> Result<(), String> {
        for (doc, out) in docs.iter().zip(scores.chunks_mut(2)) {
            match doc.target {
                "panic" => panic!("asked to panic"),
                "refuse" => return Err("refused this document".into()),
                _ => {}
            }
            let n = doc.main.tokens.len().max(1) as f32;
            let bad = doc
                .main
                .tokens
                .iter()
                .filter(|t| doc.main.term(t) == "bad")
                .count() as f32;
            out[0] = bad / n;
            out[1] = 1.0 - bad / n;
        }
        Ok(())
    }
}

/// A tokenizer: one token per space-separated word, lower-cased; a new sentence after '.'.
struct Words;

impl Stage for Words {
    fn create(_config: &str) -> Result<Self, String> {
        Ok(Words)
    }
    fn describe(&self) -> String {
        "{}".into()
    }
}

impl TokenizeStage for Words {
    fn tokenize(&self, text: &str, sink: &mut TokenSink) {
        let mut at = 0;
        let mut sentence = 0;
        for word in text.split(' ') {
            if !word.is_empty() {
                let clean = word.trim_end_matches('.');
                sink.push(&clean.to_lowercase(), at, at + clean.len(), sentence);
                if word.ends_with('.') {
                    sentence += 1;
                }
            }
            at += word.len() + 1;
        }
    }
}

slant_sdk::export_classify_stage!(Share, "share", ["bad", "good"]);

fn table() -> &'static StageVTable {
    // SAFETY: the macro's entry point returns a pointer to a static table.
    unsafe { &*slant_stage_v1() }
}

/// A host-side error buffer.
struct Err {
    bytes: Vec<u8>,
    buf: ErrorBuf,
}

impl Err {
    fn new(cap: usize) -> Box<Err> {
        let mut e = Box::new(Err {
            bytes: vec![0; cap],
            buf: ErrorBuf {
                ptr: ptr::null_mut(),
                cap,
                len: 0,
            },
        });
        e.buf.ptr = e.bytes.as_mut_ptr();
        e
    }
    fn text(&self) -> String {
        String::from_utf8(self.bytes[..self.buf.len].to_vec()).unwrap()
    }
}

fn create(config: &str) -> (u32, *mut c_void, String) {
    let mut state: *mut c_void = ptr::null_mut();
    let mut err = Err::new(256);
    // SAFETY: valid config view, state slot and error buffer.
    let code = unsafe { (table().create)(RStr::new(config), &mut state, &mut err.buf) };
    (code, state, err.text())
}

fn destroy(state: *mut c_void) {
    // SAFETY: `state` came from `create` and is not used afterwards.
    unsafe { (table().destroy)(state) };
}

#[test]
fn vtable_header_and_labels_are_sane() {
    let t = table();
    assert_eq!(t.abi_version, slant_sdk::ABI_VERSION);
    assert_eq!(t.struct_size, slant_sdk::VTABLE_SIZE);
    // SAFETY: static views.
    let name = unsafe { t.name.to_string_lossy() };
    assert_eq!(name, "share");
    let labels: Vec<String> = (0..t.n_labels)
        .map(|i| unsafe { (*t.labels.add(i)).to_string_lossy() })
        .collect();
    assert_eq!(labels, ["bad", "good"]);
    assert!(t.tokenize.is_none() && t.classify.is_some());
}

#[test]
fn create_refusal_and_describe_capacity_handshake() {
    let (code, state, msg) = create("{\"x\":\"fail\"}");
    assert_eq!((code, msg.as_str()), (status::ERROR, "config says fail"));
    assert!(state.is_null());

    let (code, state, _) = create("");
    assert_eq!(code, status::OK);
    let mut needed = 0usize;
    let mut small = vec![0u8; 8];
    let mut err = Err::new(64);
    // SAFETY: a buffer of 8 bytes and its capacity.
    let code =
        unsafe { (table().describe)(state, small.as_mut_ptr(), 8, &mut needed, &mut err.buf) };
    assert_eq!(code, status::NEED_CAPACITY);
    assert!(needed > 100);
    let mut big = vec![0u8; needed];
    // SAFETY: a buffer of `needed` bytes.
    let code =
        unsafe { (table().describe)(state, big.as_mut_ptr(), needed, &mut needed, &mut err.buf) };
    assert_eq!(code, status::OK);
    assert!(String::from_utf8(big).unwrap().starts_with("{\"labels\""));
    destroy(state);
}

fn tokenized<'a>(text: &'a str, tokens: &'a [Token], terms: &'a str) -> TokenizedText {
    TokenizedText {
        text: RStr::new(text),
        tokens: tokens.as_ptr(),
        n_tokens: tokens.len(),
        terms: RStr::new(terms),
    }
}

fn token(term_start: u32, term_len: u32, byte_start: u32, byte_end: u32) -> Token {
    Token {
        term_start,
        term_len,
        byte_start,
        byte_end,
        sentence: 0,
        flags: 0,
    }
}

#[test]
fn classify_reads_borrowed_documents_and_writes_exactly_its_scores() {
    let (_, state, _) = create("{}");
    let text = "bad good bad";
    let terms = "badgoodbad";
    let tokens = [token(0, 3, 0, 3), token(3, 4, 4, 8), token(7, 3, 9, 12)];
    let docs = [
        ClassifyDoc {
            main: tokenized(text, &tokens, terms),
            pair: TokenizedText::EMPTY,
            target: RStr::EMPTY,
        },
        ClassifyDoc {
            main: TokenizedText::EMPTY,
            pair: TokenizedText::EMPTY,
            target: RStr::new("t"),
        },
    ];
    // One spare slot past the end: the shim must not touch it.
    let mut scores = vec![f32::NAN; 5];
    let mut err = Err::new(256);
    let classify = table().classify.unwrap();
    // SAFETY: two documents, four score slots announced.
    let code = unsafe {
        classify(
            state,
            docs.as_ptr(),
            2,
            scores.as_mut_ptr(),
            4,
            &mut err.buf,
        )
    };
    assert_eq!(code, status::OK, "{}", err.text());
    assert!((scores[0] - 2.0 / 3.0).abs() < 1e-6);
    assert_eq!(&scores[2..4], &[0.0, 1.0]);
    assert!(scores[4].is_nan());

    // A score buffer of the wrong size is refused before anything is written.
    let mut short = vec![f32::NAN; 3];
    let code = unsafe { classify(state, docs.as_ptr(), 2, short.as_mut_ptr(), 3, &mut err.buf) };
    assert_eq!(code, status::ERROR);
    assert!(err.text().contains("3 floats, 4 needed"), "{}", err.text());
    assert!(short.iter().all(|s| s.is_nan()));

    // No documents: no pointers are read.
    let code = unsafe { classify(state, ptr::null(), 0, ptr::null_mut(), 0, &mut err.buf) };
    assert_eq!(code, status::OK);
    destroy(state);
}

/// Classifies `docs` with the `Share` stage `state` through the vtable (two scores each):
/// the status and the error message.
fn classify_all(state: *mut c_void, docs: &[ClassifyDoc]) -> (u32, String) {
    let classify = table().classify.unwrap();
    let mut scores = vec![0f32; 2 * docs.len()];
    let mut err = Err::new(256);
    // SAFETY: the documents' views and the score buffer are valid for the call.
    let code = unsafe {
        classify(
            state,
            docs.as_ptr(),
            docs.len(),
            scores.as_mut_ptr(),
            scores.len(),
            &mut err.buf,
        )
    };
    (code, err.text())
}

/// A document whose main text is `text` (any bytes) and whose target is `target`.
fn doc_of(text: &[u8], target: &'static str) -> ClassifyDoc {
    ClassifyDoc {
        main: TokenizedText {
            text: RStr::from_bytes(text),
            ..TokenizedText::EMPTY
        },
        pair: TokenizedText::EMPTY,
        target: RStr::new(target),
    }
}

#[test]
fn errors_and_panics_come_back_as_status_and_message() {
    let (_, state, _) = create("{}");
    for (target, want, text) in [
        ("refuse", status::ERROR, "refused this document"),
        ("panic", status::PANIC, "plugin panicked: asked to panic"),
    ] {
        assert_eq!(
            classify_all(state, &[doc_of(b"", target)]),
            (want, text.into())
        );
    }
    // Invalid UTF-8 in a document is an error, not undefined behaviour.
    let bytes = [0xffu8, 0xfe];
    let (code, text) = classify_all(state, &[doc_of(&bytes, "")]);
    assert_eq!(code, status::ERROR);
    assert!(text.contains("not valid UTF-8"), "{text}");
    // A text shared by several documents (the sentences of a body) is checked once, but a text
    // at another address is checked again, even right after a valid one of the same length.
    let valid = *b"ok";
    let docs = [doc_of(&valid, ""), doc_of(&valid, ""), doc_of(&bytes, "")];
    let (code, text) = classify_all(state, &docs);
    assert_eq!(code, status::ERROR);
    assert!(text.contains("not valid UTF-8"), "{text}");
    assert_eq!(classify_all(state, &docs[..2]).0, status::OK);
    destroy(state);
}

#[test]
fn tokenize_capacity_handshake_fills_host_buffers() {
    let mut state: *mut c_void = ptr::null_mut();
    let mut err = Err::new(256);
    // SAFETY: the shims are called with valid, host-owned buffers throughout.
    unsafe {
        assert_eq!(
            export::create::<Words>(RStr::EMPTY, &mut state, &mut err.buf),
            status::OK
        );
        let texts = ["Talks resumed. Then stopped", "", "Zürich"];
        let docs: Vec<RStr> = texts.iter().map(|t| RStr::new(t)).collect();
        let mut counts = [u32::MAX; 3];
        let mut sentences = [u32::MAX; 3];
        let mut out = TokenizeOutput {
            tokens: ptr::null_mut(),
            token_capacity: 0,
            terms: ptr::null_mut(),
            term_capacity: 0,
            doc_token_counts: counts.as_mut_ptr(),
            doc_sentence_counts: sentences.as_mut_ptr(),
            tokens_written: 0,
            terms_written: 0,
        };
        let code = export::tokenize::<Words>(state, docs.as_ptr(), 3, &mut out, &mut err.buf);
        assert_eq!(code, status::NEED_CAPACITY);
        assert_eq!(out.tokens_written, 5);
        let mut tokens = vec![Token::default(); out.tokens_written];
        let mut terms = vec![0u8; out.terms_written];
        out.tokens = tokens.as_mut_ptr();
        out.token_capacity = tokens.len();
        out.terms = terms.as_mut_ptr();
        out.term_capacity = terms.len();
        let code = export::tokenize::<Words>(state, docs.as_ptr(), 3, &mut out, &mut err.buf);
        assert_eq!(code, status::OK, "{}", err.text());
        assert_eq!(counts, [4, 0, 1]);
        assert_eq!(sentences, [2, 0, 1]);
        let terms = String::from_utf8(terms).unwrap();
        let words: Vec<&str> = tokens
            .iter()
            .map(|t| &terms[t.term_start as usize..(t.term_start + t.term_len) as usize])
            .collect();
        assert_eq!(words, ["talks", "resumed", "then", "stopped", "zürich"]);
        assert_eq!((tokens[1].byte_start, tokens[1].byte_end), (6, 13));

        // A null output struct is an error.
        let code =
            export::tokenize::<Words>(state, docs.as_ptr(), 3, ptr::null_mut(), &mut err.buf);
        assert_eq!(code, status::ERROR);
        export::destroy::<Words>(state);
    }
}

#[test]
fn error_buffer_truncates_on_a_character_boundary() {
    let mut bytes = [0u8; 5];
    let mut buf = ErrorBuf {
        ptr: bytes.as_mut_ptr(),
        cap: bytes.len(),
        len: 0,
    };
    buf.write("abcdé"); // é is two bytes and would end at 6
    assert_eq!(buf.len, 4);
    assert_eq!(&bytes[..4], b"abcd");
    let mut null = ErrorBuf {
        ptr: ptr::null_mut(),
        cap: 10,
        len: 0,
    };
    null.write("ignored");
    assert_eq!(null.len, 0);
    // SAFETY: a null view is empty.
    assert!(unsafe { RStr::EMPTY.as_bytes() }.is_empty());
}
