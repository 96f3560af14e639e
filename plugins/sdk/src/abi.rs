//! The plain-data types that cross the host/plugin boundary (ABI v1).
//!
//! Rules that keep the boundary safe:
//! - only `#[repr(C)]` plain data crosses: string slices as `(ptr, len)`, counts, `f32` buffers;
//! - the host owns every input and output buffer; a plugin owns only its own state and frees it
//!   in `destroy`, so nothing allocated on one side is freed on the other;
//! - one call per batch of documents, never per document;
//! - the vtable begins with `abi_version` and `struct_size`, which the host checks before reading
//!   any other field, so an older or newer plugin is refused instead of misread.

use std::ffi::c_void;

/// Version of this ABI. Bumped on any change to the types in this module.
pub const ABI_VERSION: u32 = 1;

/// Name of the one symbol a plugin exports; it carries the ABI version so that a plugin built for
/// another version fails as "symbol not found" rather than being misread.
pub const ENTRY_SYMBOL: &str = "slant_stage_v1";

/// Signature of the entry symbol.
pub type EntryFn = unsafe extern "C" fn() -> *const StageVTable;

/// Status codes returned by every plugin call.
pub mod status {
    /// The call succeeded.
    pub const OK: u32 = 0;
    /// The call failed; the error buffer holds the message.
    pub const ERROR: u32 = 1;
    /// An output buffer was too small; the needed sizes were written, call again.
    pub const NEED_CAPACITY: u32 = 2;
    /// The plugin panicked; the panic was caught inside the plugin and its message written.
    pub const PANIC: u32 = 3;
}

/// What a stage does. Plain `u32` rather than an enum so that a hostile value is not UB.
pub mod kind {
    /// Text → tokens (terms, byte offsets, sentence indices).
    pub const TOKENIZE: u32 = 1;
    /// Tokenized documents → a fixed number of scores per document.
    pub const CLASSIFY: u32 = 2;

    /// Human-readable name of a stage kind.
    pub fn name(kind: u32) -> &'static str {
        match kind {
            TOKENIZE => "tokenize",
            CLASSIFY => "classify",
            _ => "unknown",
        }
    }
}

/// A borrowed UTF-8 (or byte) string: pointer and length. A null pointer means empty.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RStr {
    pub ptr: *const u8,
    pub len: usize,
}

// SAFETY: an `RStr` is a read-only view of bytes; the ABI contract forbids mutating what it
// points to while it is shared, so sharing the view between threads is sound.
unsafe impl Send for RStr {}
unsafe impl Sync for RStr {}

impl RStr {
    /// The empty string.
    pub const EMPTY: RStr = RStr {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// A view of a `'static` string, usable in statics.
    pub const fn from_static(s: &'static str) -> RStr {
        RStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// A view of a borrowed string; the caller keeps `s` alive while the view is used.
    pub fn new(s: &str) -> RStr {
        RStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// A view of borrowed bytes; the caller keeps `b` alive while the view is used.
    pub fn from_bytes(b: &[u8]) -> RStr {
        RStr {
            ptr: b.as_ptr(),
            len: b.len(),
        }
    }

    /// The bytes viewed.
    ///
    /// # Safety
    /// `ptr` must be null or point to `len` readable bytes that outlive `'a`.
    pub unsafe fn as_bytes<'a>(self) -> &'a [u8] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.ptr, self.len)
        }
    }

    /// The bytes viewed, decoded lossily (for names and messages coming from a plugin).
    ///
    /// # Safety
    /// As for [`RStr::as_bytes`].
    pub unsafe fn to_string_lossy(self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }
}

/// One token. Byte offsets index the document text; `term_start/term_len` index the terms buffer
/// that travels with the tokens (the normalized, stemmed form).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Token {
    pub term_start: u32,
    pub term_len: u32,
    pub byte_start: u32,
    pub byte_end: u32,
    /// Index of the sentence the token belongs to, counted from 0 within its document.
    pub sentence: u32,
    /// Reserved; 0 in ABI v1.
    pub flags: u32,
}

/// A caller-provided buffer for an error message. The plugin writes at most `cap` bytes of UTF-8
/// and sets `len`.
#[repr(C)]
#[derive(Debug)]
pub struct ErrorBuf {
    pub ptr: *mut u8,
    pub cap: usize,
    pub len: usize,
}

impl ErrorBuf {
    /// Writes `msg`, truncated at a character boundary to fit.
    pub fn write(&mut self, msg: &str) {
        if self.ptr.is_null() {
            return;
        }
        let mut n = msg.len().min(self.cap);
        while n > 0 && !msg.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: the host promises `ptr` points to `cap` writable bytes; n <= cap.
        unsafe { std::ptr::copy_nonoverlapping(msg.as_ptr(), self.ptr, n) };
        self.len = n;
    }
}

/// Output buffers of a tokenize call, all owned by the host.
///
/// On `NEED_CAPACITY` the plugin sets `tokens_written` / `terms_written` to the sizes it needs
/// and the host calls again with larger buffers.
#[repr(C)]
#[derive(Debug)]
pub struct TokenizeOutput {
    pub tokens: *mut Token,
    pub token_capacity: usize,
    pub terms: *mut u8,
    pub term_capacity: usize,
    /// `n_docs` entries: how many tokens each document produced (tokens are written in order).
    pub doc_token_counts: *mut u32,
    /// `n_docs` entries: how many sentences each document has.
    pub doc_sentence_counts: *mut u32,
    pub tokens_written: usize,
    pub terms_written: usize,
}

/// A text with its tokens, as a classifier receives it. `term_start` of each token indexes
/// `terms`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TokenizedText {
    pub text: RStr,
    pub tokens: *const Token,
    pub n_tokens: usize,
    pub terms: RStr,
}

impl TokenizedText {
    /// A text with no tokens.
    pub const EMPTY: TokenizedText = TokenizedText {
        text: RStr::EMPTY,
        tokens: std::ptr::null(),
        n_tokens: 0,
        terms: RStr::EMPTY,
    };
}

/// One document for a classify call: the main text; for claim-stance models the paired text
/// (headline or claim); for target-stance models the target name.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ClassifyDoc {
    pub main: TokenizedText,
    pub pair: TokenizedText,
    pub target: RStr,
}

/// Creates a stage instance from its JSON configuration.
pub type CreateFn =
    unsafe extern "C" fn(config: RStr, state_out: *mut *mut c_void, err: *mut ErrorBuf) -> u32;
/// Writes the instance description (JSON) into `out`, or its needed size with `NEED_CAPACITY`.
pub type DescribeFn = unsafe extern "C" fn(
    state: *const c_void,
    out: *mut u8,
    cap: usize,
    needed: *mut usize,
    err: *mut ErrorBuf,
) -> u32;
/// Tokenizes a batch of texts.
pub type TokenizeFn = unsafe extern "C" fn(
    state: *const c_void,
    docs: *const RStr,
    n_docs: usize,
    out: *mut TokenizeOutput,
    err: *mut ErrorBuf,
) -> u32;
/// Scores a batch of documents into `scores` (`n_docs × n_outputs`, row-major). Every score is
/// a probability in `0..=1`; the host fills the buffer with NaN before the call and refuses the
/// batch if any score is left unwritten or out of range.
pub type ClassifyFn = unsafe extern "C" fn(
    state: *const c_void,
    docs: *const ClassifyDoc,
    n_docs: usize,
    scores: *mut f32,
    scores_len: usize,
    err: *mut ErrorBuf,
) -> u32;
/// Frees a stage instance.
pub type DestroyFn = unsafe extern "C" fn(state: *mut c_void);

/// The first two fields of every vtable, read before anything else.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VTableHeader {
    pub abi_version: u32,
    pub struct_size: u32,
}

/// What the entry symbol returns: a static table describing the stage and its functions.
#[repr(C)]
pub struct StageVTable {
    pub abi_version: u32,
    pub struct_size: u32,
    pub name: RStr,
    pub kind: u32,
    /// Output labels known without a configuration (for listings); the instance description
    /// gives the labels of a configured stage (they may come from its model file).
    pub labels: *const RStr,
    pub n_labels: usize,
    pub create: CreateFn,
    pub describe: DescribeFn,
    pub tokenize: Option<TokenizeFn>,
    pub classify: Option<ClassifyFn>,
    pub destroy: DestroyFn,
}

// SAFETY: the vtable is immutable static data: function pointers and views of static strings.
unsafe impl Sync for StageVTable {}
unsafe impl Send for StageVTable {}

/// `struct_size` a v1 host expects.
pub const VTABLE_SIZE: u32 = std::mem::size_of::<StageVTable>() as u32;
