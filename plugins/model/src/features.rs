//! Tokens → hashed sparse features. The one feature path: the trainer and every classifier plugin
//! call [`extract`], so a model never meets features it was not trained on.
//!
//! Features, each in its own hash namespace:
//! - `w`: word n-grams of stemmed terms, never across a sentence boundary (their buckets chained
//!   from per-term hashes, or in models of format 1 hashed from each n-gram's key: [`WordHash`]);
//! - `c`: character n-grams of each lower-cased word, padded `<word>` as in fastText (catches
//!   spelling variants and obfuscations that stemming misses);
//! - target windows (stance): with `target_window = W` and a tokenized target, only words within
//!   `W` tokens of a mention of the target count, plus a mention/no-mention flag;
//! - pair features (claim stance): `p` unigrams of the paired text (headline or claim) and `o`,
//!   the share of its terms found in the main text, in ten bins;
//! - claim cues (`claim_cues`, with `pair`): how related claim and body are (content-word and
//!   bigram overlap, overlap with the lead), which body sentences speak of the claim, and the
//!   refuting, hedging, supporting and negation words in them (see `cues.rs`).
//!
//! Values: term frequency, `1 + ln(tf)` when `sublinear_tf`. Weighting, selection and
//! normalization happen in [`crate::Model::project`].

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use slant_sdk::{DocView, TextView, Token};
use xxhash_rust::xxh3::xxh3_64;

use crate::few_terms::FewTerms;

/// How features are made; stored in every model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    /// Smallest and largest word n-gram, e.g. `[1, 2]`.
    #[serde(default = "default_word_ngrams")]
    pub word_ngrams: [u32; 2],
    /// Smallest and largest character n-gram, or none.
    #[serde(default)]
    pub char_ngrams: Option<[u32; 2]>,
    /// Features are hashed into `2^hash_bits` buckets.
    #[serde(default = "default_hash_bits")]
    pub hash_bits: u32,
    /// Use `1 + ln(tf)` instead of raw counts.
    #[serde(default = "default_true")]
    pub sublinear_tf: bool,
    /// Stance: count only words within this many tokens of a target mention.
    #[serde(default)]
    pub target_window: Option<u32>,
    /// Claim stance: add features of the paired text and of its overlap with the main text.
    #[serde(default)]
    pub pair: bool,
    /// Stance: words within this many tokens of a target mention also count as features of
    /// their side (left or right of the mention) and of their distance to it, so the model can
    /// tell the words about the target from the rest of the sentence. Independent of
    /// `target_window` (which restricts the plain n-grams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_context: Option<u32>,
    /// Claim stance (with `pair`): relatedness bins and refuting / hedging / supporting /
    /// negation cues in the body sentences that speak of the claim, crossed with relatedness.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub claim_cues: bool,
    /// How word n-grams become buckets. Not a recipe setting: a model file's format version
    /// says which (see [`WordHash`]), and new models use the newest.
    #[serde(skip)]
    pub word_hash: WordHash,
}

/// How word n-grams are hashed into buckets. Models keep the scheme they were trained with, so
/// the file format version records it ([`crate::format`]) and serving follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WordHash {
    /// Model format 1: xxh3 of each n-gram's key (namespace, term count, terms joined by
    /// 0x1f), so a token starting three n-grams costs three hashes over its terms' bytes.
    Keys,
    /// Model format 2: each term is hashed once and an n-gram's bucket is chained from its
    /// terms' hashes ([`chained_buckets`]): one multiply per term and a finalizer per n-gram.
    #[default]
    Chained,
}

fn default_word_ngrams() -> [u32; 2] {
    [1, 2]
}
fn default_hash_bits() -> u32 {
    20
}
fn default_true() -> bool {
    true
}

impl Default for FeatureSpec {
    fn default() -> Self {
        FeatureSpec {
            word_ngrams: default_word_ngrams(),
            char_ngrams: None,
            hash_bits: default_hash_bits(),
            sublinear_tf: true,
            target_window: None,
            pair: false,
            target_context: None,
            claim_cues: false,
            word_hash: WordHash::default(),
        }
    }
}

impl FeatureSpec {
    /// Checks the spec's ranges.
    ///
    /// # Errors
    /// A message naming the setting out of range.
    pub fn validate(&self) -> Result<(), String> {
        let [a, b] = self.word_ngrams;
        if a == 0 || a > b || b > 5 {
            return Err(format!(
                "word_ngrams {:?}: need 1 <= min <= max <= 5",
                self.word_ngrams
            ));
        }
        if let Some([a, b]) = self.char_ngrams {
            if a == 0 || a > b || b > 8 {
                return Err(format!("char_ngrams [{a}, {b}]: need 1 <= min <= max <= 8"));
            }
        }
        if self.claim_cues && !self.pair {
            return Err("claim_cues: needs pair = true".into());
        }
        if self.target_context.is_some_and(|c| c == 0 || c > 64) {
            return Err("target_context: need 1..=64 tokens".into());
        }
        if !(10..=26).contains(&self.hash_bits) {
            return Err(format!("hash_bits {}: need 10..=26", self.hash_bits));
        }
        Ok(())
    }

    pub(crate) fn mask(&self) -> u64 {
        (1u64 << self.hash_bits) - 1
    }
}

/// A sparse vector: `(index, value)` sorted by index, indices unique.
pub type Sparse = Vec<(u32, f32)>;

/// Receives every feature occurrence; names are built only when someone asks for them.
pub(crate) trait Emit {
    fn emit(&mut self, ns: u8, parts: &[&str]);

    /// A word n-gram whose bucket [`chained_buckets`] already computed; `terms` name it.
    fn word_ngram(&mut self, bucket: u32, terms: &[&str]);

    /// Emits the word n-grams `terms[..n]` for every `n` from `lo` to `terms.len()`, hashed by
    /// their keys (model format 1, [`WordHash::Keys`]).
    fn word_ngrams(&mut self, terms: &[&str], lo: usize) {
        for n in lo..=terms.len() {
            self.emit(b'w', &terms[..n]);
        }
    }

    /// Says that [`char_ngrams`](Self::char_ngrams) of `surface` comes soon: an emitter that
    /// looks words up in a table may start loading the word's entry now.
    fn upcoming_word(&self, _surface: &str) {}

    /// Says that [`char_ngrams`](Self::char_ngrams) of `surface` comes sooner still, after
    /// [`upcoming_word`](Self::upcoming_word) of it: an emitter may start loading what the
    /// word's entry points to.
    fn upcoming_columns(&self, _surface: &str) {}

    /// Emits the character n-grams of one word.
    fn char_ngrams(&mut self, surface: &str, lo: usize, hi: usize) {
        char_ngrams_of(surface, lo, hi, &mut |gram| self.emit(b'c', &[gram]));
    }
}

/// Words whose char n-gram buckets are remembered per thread before the memo is cleared.
const CHAR_MEMO_LIMIT: usize = 1 << 18;

/// Char n-gram buckets of a word, for one (hash bits, n range).
type CharMemo = FxHashMap<Box<str>, Box<[u32]>>;

thread_local! {
    /// Words repeat (Zipf), and a word's char n-grams cost ~30 hashes: remembering its buckets
    /// made serving several times faster. Keyed by everything the buckets depend on.
    static CHAR_MEMO: RefCell<FxHashMap<(u64, usize, usize), CharMemo>> = RefCell::new(FxHashMap::default());
}

/// Hashes occurrences into bucket indices.
struct Hasher<'m> {
    mask: u64,
    buf: Vec<u8>,
    out: Vec<u32>,
    chars: CharHasher,
    /// The memo table of this spec's (hash bits, char n range), looked up once per document.
    memo: Option<&'m mut CharMemo>,
}

fn key_bytes(buf: &mut Vec<u8>, ns: u8, parts: &[&str]) {
    buf.clear();
    buf.push(ns);
    buf.push(parts.len() as u8);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            buf.push(0x1f);
        }
        buf.extend_from_slice(p.as_bytes());
    }
}

/// The bucket of one feature: its key bytes hashed and masked (`buf` is reused scratch).
pub(crate) fn bucket(buf: &mut Vec<u8>, ns: u8, parts: &[&str], mask: u64) -> u32 {
    key_bytes(buf, ns, parts);
    (xxh3_64(buf) & mask) as u32
}

/// Calls `each` with the key [`bucket`] hashes for `parts[..n]`, for every `n` from `lo` to
/// `parts.len()`, built once: the key of `parts[..n]` is the first bytes of the key of all
/// `parts` with `n` as its count byte, so the terms are copied once instead of once per n-gram.
pub(crate) fn prefix_keys(
    buf: &mut Vec<u8>,
    ns: u8,
    parts: &[&str],
    lo: usize,
    mut each: impl FnMut(&[u8]),
) {
    key_bytes(buf, ns, parts);
    let mut end = 2;
    for (i, part) in parts.iter().enumerate() {
        end += usize::from(i > 0) + part.len();
        if i + 1 >= lo {
            buf[1] = (i + 1) as u8;
            each(&buf[..end]);
        }
    }
}

/// The buckets of the keys [`prefix_keys`] gives, as [`bucket`] gives them.
pub(crate) fn prefix_buckets(
    buf: &mut Vec<u8>,
    ns: u8,
    parts: &[&str],
    lo: usize,
    mask: u64,
    mut each: impl FnMut(u32),
) {
    prefix_keys(buf, ns, parts, lo, |key| each((xxh3_64(key) & mask) as u32));
}

/// Start of every chained word n-gram hash: the namespace byte `w` spread over 64 bits, so
/// that chains differ from any other use of the same terms' hashes.
const CHAIN_SEED: u64 = 0x77 * 0x0101_0101_0101_0101;
/// An odd constant with well-spread bits (2^64 / golden ratio).
const CHAIN_MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hash a term contributes to every word n-gram that holds it ([`WordHash::Chained`]).
pub(crate) fn term_hash(term: &str) -> u64 {
    xxh3_64(term.as_bytes())
}

/// Calls `each(n, bucket)` for the word n-gram of the terms whose [`term_hash`]es are
/// `hashes[..n]`, for every `n` from `lo` to `hashes.len()`. One step per term: the chain
/// `h = (h.rotate_left(23) ^ t) * CHAIN_MUL` is a bijection of `t` for a given prefix and
/// depends on the terms' order; murmur3's finalizer spreads every bit of `h` into the low bits
/// the mask keeps.
pub(crate) fn chained_buckets(
    hashes: &[u64],
    lo: usize,
    mask: u64,
    mut each: impl FnMut(usize, u32),
) {
    let mut h = CHAIN_SEED;
    for (i, &t) in hashes.iter().enumerate() {
        h = (h.rotate_left(23) ^ t).wrapping_mul(CHAIN_MUL);
        if i + 1 >= lo {
            each(i + 1, (fmix64(h) & mask) as u32);
        }
    }
}

/// murmur3's 64-bit finalizer: every input bit flips each output bit with probability ~1/2.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl Emit for Hasher<'_> {
    fn emit(&mut self, ns: u8, parts: &[&str]) {
        let b = bucket(&mut self.buf, ns, parts, self.mask);
        self.out.push(b);
    }

    fn word_ngram(&mut self, bucket: u32, _terms: &[&str]) {
        self.out.push(bucket);
    }

    fn word_ngrams(&mut self, terms: &[&str], lo: usize) {
        let out = &mut self.out;
        prefix_buckets(&mut self.buf, b'w', terms, lo, self.mask, |b| out.push(b));
    }

    fn char_ngrams(&mut self, surface: &str, lo: usize, hi: usize) {
        let Some(table) = self.memo.as_deref_mut() else {
            self.chars
                .buckets(surface, lo, hi, self.mask, &mut self.out);
            return;
        };
        if let Some(ids) = table.get(surface) {
            self.out.extend_from_slice(ids);
            return;
        }
        let start = self.out.len();
        self.chars
            .buckets(surface, lo, hi, self.mask, &mut self.out);
        if table.len() >= CHAR_MEMO_LIMIT {
            table.clear();
        }
        table.insert(surface.into(), self.out[start..].into());
    }
}

/// The longest char n-gram key: namespace, part count and 8 chars of up to 4 bytes.
const MAX_CHAR_KEY: usize = 2 + 8 * 4;

/// Char n-gram buckets without building a string per n-gram. A gram's bucket is
/// `xxh3_64(b"c\x01" + gram bytes) & mask`, the same key [`key_bytes`] builds (so the buckets of
/// models trained before this path existed are unchanged). The padded, lower-cased word is
/// written once into a reused buffer; for each start char, its longest gram is copied once
/// behind the two key bytes and every shorter gram is a prefix of that key.
#[derive(Default)]
pub(crate) struct CharHasher {
    /// `<` + lower-cased word + `>`.
    padded: Vec<u8>,
    /// Byte offset of every char of `padded`, and its length at the end.
    bounds: Vec<usize>,
}

impl CharHasher {
    /// Appends the bucket of every char n-gram (`lo..=hi` chars, `hi <= 8`) of `surface`.
    pub(crate) fn buckets(
        &mut self,
        surface: &str,
        lo: usize,
        hi: usize,
        mask: u64,
        out: &mut Vec<u32>,
    ) {
        self.pad(surface);
        let n_chars = self.bounds.len() - 1;
        let hi = hi.min(n_chars).min(8);
        let mut key = [0u8; MAX_CHAR_KEY];
        key[0] = b'c';
        key[1] = 1;
        for start in 0..=n_chars.saturating_sub(lo) {
            let longest = hi.min(n_chars - start);
            if longest < lo {
                break;
            }
            let from = self.bounds[start];
            let to = self.bounds[start + longest];
            key[2..2 + to - from].copy_from_slice(&self.padded[from..to]);
            for n in lo..=longest {
                let len = 2 + self.bounds[start + n] - from;
                out.push((xxh3_64(&key[..len]) & mask) as u32);
            }
        }
    }

    /// Writes `<` + lower-cased `surface` + `>` and its char offsets.
    fn pad(&mut self, surface: &str) {
        self.padded.clear();
        self.bounds.clear();
        self.padded.push(b'<');
        if surface.is_ascii() {
            self.padded
                .extend(surface.bytes().map(|b| b.to_ascii_lowercase()));
            self.bounds.extend(0..self.padded.len());
        } else {
            self.bounds.push(0);
            let mut utf8 = [0u8; 4];
            for c in surface.chars().flat_map(char::to_lowercase) {
                self.bounds.push(self.padded.len());
                self.padded
                    .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        self.bounds.push(self.padded.len());
        self.padded.push(b'>');
        self.bounds.push(self.padded.len());
    }
}

/// Hashes occurrences and keeps a readable name for each bucket.
struct Namer {
    mask: u64,
    buf: Vec<u8>,
    out: Vec<(u32, String)>,
}

impl Emit for Namer {
    fn emit(&mut self, ns: u8, parts: &[&str]) {
        key_bytes(&mut self.buf, ns, parts);
        let idx = (xxh3_64(&self.buf) & self.mask) as u32;
        let name = match ns {
            b'c' => format!("chars:{}", parts.join("")),
            b'p' => format!("pair:{}", parts.join(" ")),
            b'o' => format!("overlap:{}", parts.join("")),
            b't' => format!("target:{}", parts.join("")),
            b's' => format!("side:{}", parts.join(":")),
            b'd' => format!("near:{}", parts.join(":")),
            b'b' => format!("next:{}", parts.join(" ")),
            b'r' => format!("claim:{}", parts.join(":")),
            b'k' => format!("claim-sentence:{}", parts.join(":")),
            _ => parts.join(" "),
        };
        self.out.push((idx, name));
    }

    fn word_ngram(&mut self, bucket: u32, terms: &[&str]) {
        self.out.push((bucket, terms.join(" ")));
    }
}

/// Every feature occurrence of one document as a hash bucket (char n-grams grouped per word).
pub fn occurrences(spec: &FeatureSpec, doc: &DocView<'_>) -> Vec<u32> {
    let hash = |memo: Option<&mut CharMemo>| {
        let mut h = Hasher {
            mask: spec.mask(),
            buf: Vec::with_capacity(64),
            out: Vec::with_capacity(doc.main.tokens.len() * 3),
            chars: CharHasher::default(),
            memo,
        };
        walk(spec, doc, &mut h);
        h.out
    };
    let Some([lo, hi]) = spec.char_ngrams else {
        return hash(None);
    };
    CHAR_MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        hash(Some(
            memo.entry((spec.mask(), lo as usize, hi as usize))
                .or_default(),
        ))
    })
}

/// The raw features of one document: hashed buckets with (sublinear) term frequencies.
pub fn extract(spec: &FeatureSpec, doc: &DocView<'_>) -> Sparse {
    term_frequencies(occurrences(spec, doc), spec.sublinear_tf)
}

/// Occurrences as the first path made them: every char n-gram hashed at every occurrence, no
/// memo. The reference the memoized paths are tested against.
#[cfg(test)]
pub(crate) fn occurrences_unmemoized(spec: &FeatureSpec, doc: &DocView<'_>) -> Vec<u32> {
    let mut h = Hasher {
        mask: spec.mask(),
        buf: Vec::new(),
        out: Vec::new(),
        chars: CharHasher::default(),
        memo: None,
    };
    walk(spec, doc, &mut h);
    h.out
}

/// Bucket occurrences → `(bucket, tf)` sorted by bucket, tf sublinear if asked.
pub(crate) fn term_frequencies(mut idx: Vec<u32>, sublinear_tf: bool) -> Sparse {
    idx.sort_unstable();
    let mut out: Sparse = Vec::with_capacity(idx.len());
    for i in idx {
        match out.last_mut() {
            Some((last, count)) if *last == i => *count += 1.0,
            _ => out.push((i, 1.0)),
        }
    }
    if sublinear_tf {
        for (_, v) in &mut out {
            *v = sublinear(*v);
        }
    }
    out
}

/// Counts below this are read off a table by [`sublinear`].
const SMALL_COUNTS: usize = 64;

/// `1 + ln(tf)`, the sublinear term frequency. Counts are whole numbers and nearly all small, so
/// those below [`SMALL_COUNTS`] are read off a table built with the same `ln` (the same bits):
/// `logf` was 3.7 % of a one-core `slant predict` on the toxicity model.
#[inline]
pub(crate) fn sublinear(tf: f32) -> f32 {
    static TABLE: LazyLock<[f32; SMALL_COUNTS]> =
        LazyLock::new(|| std::array::from_fn(|k| 1.0 + (k as f32).ln()));
    let k = tf as usize;
    if k < SMALL_COUNTS && k as f32 == tf {
        TABLE[k]
    } else {
        1.0 + tf.ln()
    }
}

/// Every feature occurrence of a document with a readable name (for `--explain`).
pub fn extract_named(spec: &FeatureSpec, doc: &DocView<'_>) -> Vec<(u32, String)> {
    let mut n = Namer {
        mask: spec.mask(),
        buf: Vec::new(),
        out: Vec::new(),
    };
    walk(spec, doc, &mut n);
    n.out.sort();
    n.out.dedup();
    n.out
}

/// The normalized term of every token of `view`, as [`TextView::term`] gives them, with one
/// UTF-8 check per text instead of one per term: the tokenize stage writes a text's terms in a
/// row, so the range covering them all is checked once and each term is a slice of it (an O(1)
/// char-boundary check). The terms are the same either way: a sub-range of valid UTF-8 is valid
/// exactly when it starts and ends on char boundaries, and is `""` in both paths otherwise.
/// A range that is out of bounds or not valid UTF-8 as a whole falls back to term by term.
pub(crate) fn terms_of<'a>(view: &TextView<'a>) -> Vec<&'a str> {
    let mut terms = Vec::new();
    terms_into(view, &mut terms);
    terms
}

/// [`terms_of`] into `terms` (emptied first), so a caller can reuse its allocation.
fn terms_into<'a>(view: &TextView<'a>, terms: &mut Vec<&'a str>) {
    terms.clear();
    let end_of = |t: &Token| u64::from(t.term_start) + u64::from(t.term_len);
    let lo = view.tokens.iter().map(|t| u64::from(t.term_start)).min();
    let hi = view.tokens.iter().map(end_of).max();
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return;
    };
    let whole = (u32::try_from(lo), u32::try_from(hi - lo));
    let all = match whole {
        (Ok(term_start), Ok(term_len)) => view.term(&Token {
            term_start,
            term_len,
            byte_start: 0,
            byte_end: 0,
            sentence: 0,
            flags: 0,
        }),
        _ => "",
    };
    if all.len() as u64 != hi - lo {
        terms.extend(view.tokens.iter().map(|t| view.term(t)));
        return;
    }
    terms.extend(view.tokens.iter().map(|t| {
        let start = (u64::from(t.term_start) - lo) as usize;
        all.get(start..start + t.term_len as usize).unwrap_or("")
    }));
}

/// The lists [`walk`] fills for each document, kept per thread so that a document costs no
/// allocation for them (two per document and model: per sentence and per comment in `slant
/// label`). Only their allocations are kept: both are empty between documents.
#[derive(Default)]
struct WalkLists {
    terms: Vec<&'static str>,
    hashes: Vec<u64>,
}

thread_local! {
    /// Taken for a walk and put back after it, so a walk within a walk (none does) would
    /// start with fresh lists rather than fail.
    static WALK_LISTS: std::cell::Cell<WalkLists> = std::cell::Cell::default();
}

impl WalkLists {
    /// This thread's lists, empty.
    fn take() -> WalkLists {
        WALK_LISTS.with(std::cell::Cell::take)
    }

    /// Keeps `terms` and `hashes`' allocations for the next walk on this thread. The terms
    /// borrowed from the document are dropped first (`clear`); collecting the then empty list
    /// into one of `'static` terms keeps its allocation (std collects a `Vec`'s own iterator in
    /// place when the element's size and alignment do not change).
    fn put_back(mut terms: Vec<&str>, mut hashes: Vec<u64>) {
        terms.clear();
        hashes.clear();
        let terms = terms.into_iter().map(|_| "").collect();
        WALK_LISTS.with(|lists| lists.set(WalkLists { terms, hashes }));
    }
}

/// Emits every feature of `doc` the spec asks for, in one fixed order.
pub(crate) fn walk(spec: &FeatureSpec, doc: &DocView<'_>, e: &mut impl Emit) {
    walk_parts(spec, doc, e, MainText::Walk, |_, _| {});
}

/// What documents in a row that share one main text (the claims paired with one article body)
/// keep of it from the first: the counts of its own features (filled by the counting
/// emitter, [`crate::projector`]), its terms, and its tokens' cue classes when the spec has
/// claim cues. None of it depends on the pair ([`main_text_stands_alone`]).
#[derive(Debug, Default)]
pub(crate) struct SharedMain<'d> {
    /// (column, count) of the main text's own features.
    pub(crate) counts: Vec<(u32, f32)>,
    /// The main text's terms, one per token.
    terms: Vec<&'d str>,
    /// Per token, its cue classes (`cues::cue_masks_into`); empty without claim cues.
    cue_masks: Vec<u8>,
}

/// How [`walk_parts`] gets the main text's own features and terms.
pub(crate) enum MainText<'k, 'd> {
    /// From the main text.
    Walk,
    /// From the main text, and kept in the given [`SharedMain`] for the documents after it.
    WalkAndKeep(&'k mut SharedMain<'d>),
    /// From an earlier document with the same main text: its features are not emitted (the
    /// caller counts them from [`SharedMain::counts`]) and its terms and cues not recomputed.
    Reuse(&'k SharedMain<'d>),
}

/// Whether the main text's own features (its word and char n-grams) are the same whatever the
/// pair and target: true unless a target window picks the words they come from.
pub(crate) fn main_text_stands_alone(spec: &FeatureSpec) -> bool {
    spec.target_window.is_none()
}

/// [`walk`] in two parts: the main text's own features (unless `main` reuses them), then
/// `between(e, main)`, then the features that read the pair or the target (the pair's terms,
/// claim cues, target context). The order of emission is [`walk`]'s.
pub(crate) fn walk_parts<'d, E: Emit>(
    spec: &FeatureSpec,
    doc: &DocView<'d>,
    e: &mut E,
    mut main: MainText<'_, 'd>,
    between: impl FnOnce(&mut E, &mut MainText<'_, 'd>),
) {
    let WalkLists { terms, mut hashes } = WalkLists::take();
    // An empty list of `'static` terms serves as a list of this document's terms.
    let mut terms: Vec<&'d str> = terms;
    if let MainText::Reuse(_) = main {
        debug_assert!(
            main_text_stands_alone(spec),
            "main text features read the pair"
        );
    } else {
        terms_into(&doc.main, &mut terms);
        let keep = target_mask(spec, doc, &terms, e);
        if spec.word_hash == WordHash::Chained {
            term_hashes_into(&terms, keep.as_deref(), &mut hashes);
        }
        walk_terms(spec, doc, &terms, keep.as_deref(), &hashes, e);
    }
    if let MainText::WalkAndKeep(shared) = &mut main {
        shared.terms.clone_from(&terms);
        shared.cue_masks.clear();
        if spec.claim_cues {
            crate::cues::cue_masks_into(&doc.main, &mut shared.cue_masks);
        }
    }
    between(e, &mut main);
    let kept: Option<&SharedMain<'d>> = match &main {
        MainText::Reuse(shared) => Some(shared),
        MainText::WalkAndKeep(shared) => Some(shared),
        MainText::Walk => None,
    };
    let terms_now = kept.map_or(&terms[..], |k| &k.terms[..]);
    let cue_masks = kept.map(|k| &k.cue_masks[..]);
    walk_pair_and_target(spec, doc, terms_now, cue_masks, e);
    WalkLists::put_back(terms, hashes);
}

/// How many tokens ahead the char n-gram memo is told of the words to come: their table
/// entries are mostly out of the core's caches (several MB per model), and a load started this
/// many words earlier has landed when the word's turn comes.
const WORDS_AHEAD: usize = 4;

/// How many tokens ahead the memo is told to load what a word's entry points to (its spilled
/// column list): by then the entry asked for [`WORDS_AHEAD`] tokens ahead is in the cache.
const COLUMNS_AHEAD: usize = 2;

/// The main text's word and char n-grams, over the document's `terms`, the tokens `keep` keeps
/// (all when `None`) and, for chained word hashing, the terms' `hashes`.
fn walk_terms(
    spec: &FeatureSpec,
    doc: &DocView<'_>,
    terms: &[&str],
    keep: Option<&[bool]>,
    hashes: &[u64],
    e: &mut impl Emit,
) {
    let main = &doc.main;
    let hashes = (spec.word_hash == WordHash::Chained).then_some(hashes);
    let [lo, hi] = spec.word_ngrams;
    let (lo, mask) = (lo as usize, spec.mask());
    for i in 0..terms.len() {
        if !keep.is_none_or(|k| k[i]) {
            continue;
        }
        let longest = longest_ngram(main.tokens, keep, i, hi as usize);
        if longest >= lo {
            let window = i..i + longest;
            match hashes {
                Some(hashes) => chained_buckets(&hashes[window], lo, mask, |n, b| {
                    e.word_ngram(b, &terms[i..i + n]);
                }),
                None => e.word_ngrams(&terms[window], lo),
            }
        }
        if let Some([clo, chi]) = spec.char_ngrams {
            if let Some(ahead) = main.tokens.get(i + WORDS_AHEAD) {
                e.upcoming_word(main.surface(ahead));
            }
            if let Some(near) = main.tokens.get(i + COLUMNS_AHEAD) {
                e.upcoming_columns(main.surface(near));
            }
            e.char_ngrams(main.surface(&main.tokens[i]), clo as usize, chi as usize);
        }
    }
}

/// The features that read the pair or the target besides the main text's `terms` (and its
/// tokens' cue classes, when known already).
fn walk_pair_and_target(
    spec: &FeatureSpec,
    doc: &DocView<'_>,
    terms: &[&str],
    cue_masks: Option<&[u8]>,
    e: &mut impl Emit,
) {
    if spec.pair {
        pair_features(doc, terms, e);
    }
    if spec.claim_cues {
        crate::cues::claim_features(doc, terms, cue_masks, e);
    }
    if let Some(reach) = spec.target_context {
        context_features(doc, terms, reach as usize, e);
    }
}

/// The [`term_hash`] of every term `keep` keeps (0 for the others, which no n-gram holds).
/// Written into `hashes` (emptied first).
fn term_hashes_into(terms: &[&str], keep: Option<&[bool]>, hashes: &mut Vec<u64>) {
    let kept = |i: usize| keep.is_none_or(|k| k[i]);
    let hash = |(i, t): (usize, &&str)| if kept(i) { term_hash(t) } else { 0 };
    hashes.clear();
    hashes.extend(terms.iter().enumerate().map(hash));
}

/// The most words (up to `hi`) an n-gram starting at token `i` may span: it stops at the end of
/// the text, at the end of `i`'s sentence and before a token the target window leaves out.
/// Token `i` itself is kept (the caller checked), so the answer is at least 1.
fn longest_ngram(tokens: &[Token], keep: Option<&[bool]>, i: usize, hi: usize) -> usize {
    let sentence = tokens[i].sentence;
    let fits = |end: usize| {
        end <= tokens.len()
            && tokens[end - 1].sentence == sentence
            && keep.is_none_or(|k| k[end - 1])
    };
    (1..=hi).take_while(|&n| fits(i + n)).last().unwrap_or(0)
}

/// Token spans (`start..end` in the main text) where the pair's terms occur in a row.
fn target_spans(doc: &DocView<'_>, terms: &[&str]) -> Vec<(usize, usize)> {
    let target = terms_of(&doc.pair);
    if target.is_empty() || terms.len() < target.len() {
        return Vec::new();
    }
    (0..=(terms.len() - target.len()))
        .filter(|&i| terms[i..i + target.len()] == target[..])
        .map(|i| (i, i + target.len()))
        .collect()
}

/// The side of a word from its nearest mention and its distance bucket (1, 2, 3-4, 5-8, 9+
/// tokens) as one feature part, `L1` … `R9+`: a static string, so that no text is built for
/// each word near a mention (that was a tenth of `slant label`'s allocations).
fn side_and_distance(side: &str, distance: usize) -> &'static str {
    const LEFT: [&str; 5] = ["L1", "L2", "L3-4", "L5-8", "L9+"];
    const RIGHT: [&str; 5] = ["R1", "R2", "R3-4", "R5-8", "R9+"];
    let bucket = match distance {
        0 | 1 => 0,
        2 => 1,
        3..=4 => 2,
        5..=8 => 3,
        _ => 4,
    };
    if side == "L" {
        LEFT[bucket]
    } else {
        RIGHT[bucket]
    }
}

/// Side and distance features of the words within `reach` tokens of a target mention (each
/// word measured to its nearest mention, within its sentence), plus the bigram right before and
/// right after each mention.
fn context_features(doc: &DocView<'_>, terms: &[&str], reach: usize, e: &mut impl Emit) {
    let spans = target_spans(doc, terms);
    let tokens = &doc.main.tokens;
    for (i, term) in terms.iter().enumerate() {
        let nearest = spans
            .iter()
            .filter(|&&(s, _)| tokens[s].sentence == tokens[i].sentence)
            .filter_map(|&(s, end)| match i {
                _ if i < s => Some(("L", s - i)),
                _ if i >= end => Some(("R", i + 1 - end)),
                _ => None, // inside a mention
            })
            .min_by_key(|&(_, d)| d);
        let Some((side, distance)) = nearest.filter(|&(_, d)| d <= reach) else {
            continue;
        };
        e.emit(b's', &[side, term]);
        e.emit(b'd', &[side_and_distance(side, distance), term]);
    }
    for &(s, end) in &spans {
        let same = |j: usize| tokens[j].sentence == tokens[s].sentence;
        if s >= 2 && same(s - 2) {
            e.emit(b'b', &["L", terms[s - 2], terms[s - 1]]);
        }
        if end + 1 < terms.len() && same(end + 1) {
            e.emit(b'b', &["R", terms[end], terms[end + 1]]);
        }
    }
}

/// Calls `emit` with every char n-gram (`lo..=hi` chars) of the lower-cased, `<`/`>`-padded word.
fn char_ngrams_of(surface: &str, lo: usize, hi: usize, emit: &mut dyn FnMut(&str)) {
    let mut padded = String::with_capacity(surface.len() + 2);
    padded.push('<');
    padded.extend(surface.chars().flat_map(char::to_lowercase));
    padded.push('>');
    let bounds: Vec<usize> = padded
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(padded.len()))
        .collect();
    let n_chars = bounds.len() - 1;
    for n in lo..=hi.min(n_chars) {
        for start in 0..=(n_chars - n) {
            emit(&padded[bounds[start]..bounds[start + n]]);
        }
    }
}

/// With a target window, which main tokens count; emits the mention flag.
fn target_mask(
    spec: &FeatureSpec,
    doc: &DocView<'_>,
    terms: &[&str],
    e: &mut impl Emit,
) -> Option<Vec<bool>> {
    let window = spec.target_window? as usize;
    let target = terms_of(&doc.pair);
    let mut keep = vec![false; terms.len()];
    let mut mentions = 0;
    if !target.is_empty() && terms.len() >= target.len() {
        for i in 0..=(terms.len() - target.len()) {
            if terms[i..i + target.len()] == target[..] {
                mentions += 1;
                let lo = i.saturating_sub(window);
                let hi = (i + target.len() + window).min(terms.len());
                keep[lo..hi].iter_mut().for_each(|k| *k = true);
            }
        }
    }
    if mentions == 0 {
        e.emit(b't', &["absent"]);
        return None; // no mention: the whole text speaks about the target, if at all
    }
    e.emit(b't', &["mentioned"]);
    Some(keep)
}

fn pair_features(doc: &DocView<'_>, terms: &[&str], e: &mut impl Emit) {
    let pair_terms = FewTerms::new(terms_of(&doc.pair));
    for t in pair_terms.sorted() {
        e.emit(b'p', &[t]);
    }
    if !pair_terms.is_empty() {
        // The pair (a claim) is a few terms, the text may be a long body: each body term is
        // looked up among the pair's few terms, rather than every body term hashed into a set.
        let mut in_text = vec![false; pair_terms.len()];
        for t in terms {
            if let Some(k) = pair_terms.position(t) {
                in_text[k] = true;
            }
        }
        let shared = in_text.iter().filter(|&&found| found).count();
        let bin = (shared * 10 / pair_terms.len()).min(9);
        let label = format!("{bin}");
        e.emit(b'o', &[&label]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xorshift;
    use slant_sdk::{TextView, Token};

    #[test]
    fn the_sublinear_table_gives_the_bits_of_the_computed_value() {
        let counts = (0..200)
            .map(|k| k as f32)
            .chain([0.5, 2.5, 63.999, 1e9, f32::NAN]);
        for tf in counts {
            let computed = 1.0 + tf.ln();
            assert_eq!(sublinear(tf).to_bits(), computed.to_bits(), "tf {tf}");
        }
        assert_eq!(sublinear(1.0), 1.0);
    }

    #[test]
    fn side_and_distance_names_the_buckets_as_before() {
        // The names models were trained with: the side, then 1, 2, 3-4, 5-8 or 9+.
        for side in ["L", "R"] {
            for distance in 0..20 {
                let bucket = match distance {
                    0 | 1 => "1",
                    2 => "2",
                    3..=4 => "3-4",
                    5..=8 => "5-8",
                    _ => "9+",
                };
                assert_eq!(side_and_distance(side, distance), format!("{side}{bucket}"));
            }
        }
    }

    /// Builds a view over whitespace-separated words, one sentence per `|`.
    fn view(text: &'static str) -> (Vec<Token>, String) {
        let mut tokens = Vec::new();
        let mut terms = String::new();
        let mut sentence = 0;
        let mut pos = 0;
        for w in text.split(' ') {
            if w == "|" {
                sentence += 1;
            } else {
                tokens.push(Token {
                    term_start: terms.len() as u32,
                    term_len: w.len() as u32,
                    byte_start: pos as u32,
                    byte_end: (pos + w.len()) as u32,
                    sentence,
                    flags: 0,
                });
                terms.push_str(w);
            }
            pos += w.len() + 1;
        }
        (tokens, terms)
    }

    fn doc<'a>(text: &'a str, tokens: &'a [Token], terms: &'a str) -> DocView<'a> {
        DocView {
            main: TextView::new(text, tokens, terms),
            pair: TextView::new("", &[], ""),
            target: "",
        }
    }

    #[test]
    fn bigrams_do_not_cross_sentences_and_counts_merge() {
        let text = "a b | c a b";
        let (tokens, terms) = view(text);
        let spec = FeatureSpec {
            sublinear_tf: false,
            ..FeatureSpec::default()
        };
        let names = extract_named(&spec, &doc(text, &tokens, &terms));
        let names: Vec<_> = names.iter().map(|(_, n)| n.as_str()).collect();
        assert!(names.contains(&"a b") && names.contains(&"c a"));
        assert!(!names.contains(&"b c"));
        let raw = extract(&spec, &doc(text, &tokens, &terms));
        let total: f32 = raw.iter().map(|(_, v)| v).sum();
        assert_eq!(total, 5.0 + 3.0); // 5 unigrams + bigrams "a b", "c a", "a b"
        assert!(raw.windows(2).all(|w| w[0].0 < w[1].0));
    }

    /// A walk keeps its term and hash lists' allocations for the next document on the thread,
    /// and the next document's features do not depend on what the lists held before.
    #[test]
    fn walks_reuse_their_lists_and_start_empty() {
        let spec = FeatureSpec::default();
        assert_eq!(spec.word_hash, WordHash::Chained);
        let long = "a b c d e f g h | i j";
        let short = "c a";
        let (long_tokens, long_terms) = view(long);
        let (short_tokens, short_terms) = view(short);
        let alone = extract(&spec, &doc(short, &short_tokens, &short_terms));
        extract(&spec, &doc(long, &long_tokens, &long_terms));
        let lists = WalkLists::take();
        assert!(lists.terms.is_empty() && lists.terms.capacity() >= long_tokens.len());
        assert!(lists.hashes.is_empty() && lists.hashes.capacity() >= long_tokens.len());
        WalkLists::put_back(lists.terms, lists.hashes);
        let after = extract(&spec, &doc(short, &short_tokens, &short_terms));
        assert_eq!(after, alone);
        assert!(WalkLists::take().terms.capacity() >= long_tokens.len());
    }

    #[test]
    fn char_ngrams_and_target_windows() {
        let text = "x y assad z w";
        let (tokens, terms) = view(text);
        let (ttokens, tterms) = view("assad");
        let spec = FeatureSpec {
            word_ngrams: [1, 1],
            char_ngrams: Some([3, 3]),
            target_window: Some(1),
            ..FeatureSpec::default()
        };
        let d = DocView {
            main: TextView::new(text, &tokens, &terms),
            pair: TextView::new("assad", &ttokens, &tterms),
            target: "assad",
        };
        let names: Vec<_> = extract_named(&spec, &d)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert!(names.contains(&"target:mentioned".to_string()));
        assert!(names.contains(&"y".to_string()) && names.contains(&"z".to_string()));
        assert!(!names.contains(&"x".to_string()) && !names.contains(&"w".to_string()));
        assert!(names.contains(&"chars:<as".to_string()));
    }

    /// The char n-gram buckets of a word as first defined: a string per gram, hashed with the
    /// same key as every other feature. Models in the wild were trained with these buckets.
    fn reference_char_buckets(word: &str, lo: usize, hi: usize, mask: u64) -> Vec<u32> {
        let mut buf = Vec::new();
        let mut out = Vec::new();
        char_ngrams_of(word, lo, hi, &mut |gram| {
            key_bytes(&mut buf, b'c', &[gram]);
            out.push((xxh3_64(&buf) & mask) as u32);
        });
        out
    }

    #[test]
    fn char_buckets_equal_the_reference_on_random_words() {
        // Upper case, digits, punctuation, and non-ASCII whose lower case is longer in bytes or
        // in chars ('İ' → "i̇"), or that has no case at all (CJK, emoji).
        let alphabet: Vec<char> = "aZbYq09_-'.ÄÖüßéÉñİΣσςЖжçÇ中文ø🙂Ωﬁ".chars().collect();
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let mut hasher = CharHasher::default();
        for _ in 0..5000 {
            let word: String = (0..next(14))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let lo = 1 + next(8);
            let hi = lo + next(9 - lo);
            let mask = (1u64 << (10 + next(17))) - 1;
            let mut fast = Vec::new();
            hasher.buckets(&word, lo, hi, mask, &mut fast);
            let mut reference = reference_char_buckets(&word, lo, hi, mask);
            fast.sort_unstable();
            reference.sort_unstable();
            assert_eq!(fast, reference, "word {word:?}, n {lo}..={hi}");
        }
    }

    /// Terms that test key building: empty, one byte, non-ASCII, holding the key separator.
    const ODD_TERMS: [&str; 7] = [
        "",
        "a",
        "fight",
        "straße",
        "中文",
        "x\u{1f}y",
        "long-ish-term",
    ];

    #[test]
    fn prefix_buckets_equal_one_key_per_ngram() {
        let words = ODD_TERMS;
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut buf = Vec::new();
        for _ in 0..2000 {
            let parts: Vec<&str> = (0..1 + next(5)).map(|_| words[next(words.len())]).collect();
            let lo = 1 + next(parts.len());
            let mask = (1u64 << (10 + next(17))) - 1;
            let mut prefixed = Vec::new();
            prefix_buckets(&mut buf, b'w', &parts, lo, mask, |b| prefixed.push(b));
            let one_by_one: Vec<u32> = (lo..=parts.len())
                .map(|n| bucket(&mut Vec::new(), b'w', &parts[..n], mask))
                .collect();
            assert_eq!(prefixed, one_by_one, "{parts:?} from {lo}");
        }
    }

    /// Random term lists: [`ODD_TERMS`] and 50,000 plain ones.
    fn random_term_lists(seed: u64, n: usize) -> Vec<Vec<String>> {
        let words = ODD_TERMS;
        let mut next = xorshift(seed);
        let mut term = move || match next(3) {
            0 => words[next(words.len())].to_string(),
            _ => format!("w{}", next(50_000)),
        };
        let mut sizes = xorshift(seed ^ 0x5555);
        (0..n)
            .map(|_| (0..1 + sizes(5)).map(|_| term()).collect())
            .collect()
    }

    #[test]
    fn a_chained_ngram_bucket_depends_on_its_terms_alone() {
        // Walking relies on it: the n-gram `terms[i..i+n]` gets the same bucket whether its
        // chain is cut at `n` or runs on to a longer n-gram.
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        for terms in random_term_lists(7, 2000) {
            let hashes: Vec<u64> = terms.iter().map(|t| term_hash(t)).collect();
            let lo = 1 + next(terms.len());
            let mask = (1u64 << (10 + next(17))) - 1;
            let mut along = Vec::new();
            chained_buckets(&hashes, lo, mask, |n, b| along.push((n, b)));
            let alone: Vec<(usize, u32)> = (lo..=hashes.len())
                .map(|n| {
                    let mut last = None;
                    chained_buckets(&hashes[..n], n, mask, |n, b| last = Some((n, b)));
                    last.expect("one n-gram of n terms")
                })
                .collect();
            assert_eq!(along, alone, "{terms:?} from {lo}");
        }
    }

    #[test]
    fn chained_buckets_spread_like_random_ones() {
        // 200,000 distinct n-grams (1 to 3 terms, many sharing a first term, many the same
        // terms in another order) into 2^20 buckets: as many distinct buckets as uniformly
        // random ones would fill, m (1 - e^(-n/m)) = 181,858, within 0.3 %.
        let mut seen = std::collections::HashSet::new();
        let mut buckets = std::collections::HashSet::new();
        let mask = (1u64 << 20) - 1;
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        while seen.len() < 200_000 {
            let n = 1 + next(3);
            let terms: Vec<String> = (0..n).map(|_| format!("t{}", next(3000))).collect();
            if !seen.insert(terms.clone()) {
                continue;
            }
            let hashes: Vec<u64> = terms.iter().map(|t| term_hash(t)).collect();
            chained_buckets(&hashes, n, mask, |_, b| {
                buckets.insert(b);
            });
        }
        let (n, m) = (200_000f64, f64::from(1u32 << 20));
        let expected = m * (1.0 - (-n / m).exp());
        let filled = buckets.len() as f64;
        assert!(
            (filled - expected).abs() < 0.003 * expected,
            "{filled} of {expected:.0}"
        );
    }

    #[test]
    fn chained_buckets_tell_order_and_length_apart() {
        let mask = (1u64 << 20) - 1;
        let bucket_of = |terms: &[&str]| {
            let hashes: Vec<u64> = terms.iter().map(|t| term_hash(t)).collect();
            let mut last = 0;
            chained_buckets(&hashes, terms.len(), mask, |_, b| last = b);
            last
        };
        let pairs = (0..1000).map(|i| (format!("a{i}"), format!("b{i}")));
        let swapped = pairs
            .filter(|(a, b)| bucket_of(&[a, b]) == bucket_of(&[b, a]))
            .count();
        // Chance alone gives 1000 / 2^20 ≈ 0.001 equal pairs.
        assert!(
            swapped <= 1,
            "{swapped} of 1000 bigrams hash like their reverse"
        );
        assert_ne!(bucket_of(&["not", "good"]), bucket_of(&["good", "not"]));
        assert_ne!(bucket_of(&["good"]), bucket_of(&["good", "good"]));
        assert_ne!(bucket_of(&["a", ""]), bucket_of(&["a"]));
    }

    #[test]
    fn word_ngrams_stop_at_sentences_and_target_windows() {
        // The hashed path (prefix keys or chained term hashes) and the named path see the same
        // n-grams: 1–3 words, never across `|`, never past the window around `assad`.
        let text = "a b c d | e f assad g h i j k";
        let (tokens, terms) = view(text);
        let (ttokens, tterms) = view("assad");
        let windows = [None, Some(1), Some(2)];
        for (target_window, word_hash) in windows
            .into_iter()
            .flat_map(|w| [(w, WordHash::Keys), (w, WordHash::Chained)])
        {
            let spec = FeatureSpec {
                word_ngrams: [2, 3],
                target_window,
                sublinear_tf: false,
                word_hash,
                ..FeatureSpec::default()
            };
            let d = DocView {
                main: TextView::new(text, &tokens, &terms),
                pair: TextView::new("assad", &ttokens, &tterms),
                target: "assad",
            };
            let mut hashed = occurrences(&spec, &d);
            hashed.sort_unstable();
            hashed.dedup();
            let named = extract_named(&spec, &d);
            let named_buckets: Vec<u32> = named.iter().map(|p| p.0).collect();
            assert_eq!(
                hashed, named_buckets,
                "{word_hash:?}, window {target_window:?}"
            );
            let names: Vec<&str> = named.iter().map(|p| p.1.as_str()).collect();
            assert!(
                !names.contains(&"d e") && !names.contains(&"c d e"),
                "{names:?}"
            );
            assert_eq!(
                names.contains(&"b c d"),
                target_window.is_none(),
                "{names:?}"
            );
            assert_eq!(
                names.contains(&"assad g h"),
                target_window != Some(1),
                "{names:?}"
            );
        }
    }

    #[test]
    fn memoized_and_fresh_occurrences_agree() {
        let text = "Straße straße STRASSE İstanbul the the 🙂🙂 a";
        let (tokens, terms) = view(text);
        let spec = FeatureSpec {
            char_ngrams: Some([2, 5]),
            ..FeatureSpec::default()
        };
        let d = doc(text, &tokens, &terms);
        let first = occurrences(&spec, &d); // fills the memo
        let again = occurrences(&spec, &d); // served from it
        assert_eq!(first, again);
        let named: Vec<u32> = extract_named(&spec, &d).iter().map(|p| p.0).collect();
        let mut buckets = first.clone();
        buckets.sort_unstable();
        buckets.dedup();
        let mut named_buckets = named;
        named_buckets.dedup();
        assert_eq!(buckets, named_buckets, "the string path names every bucket");
    }

    #[test]
    fn context_features_know_side_and_distance() {
        let text = "rebels praised assad army | assad fled";
        let (tokens, terms) = view(text);
        let (ttokens, tterms) = view("assad");
        let spec = FeatureSpec {
            word_ngrams: [1, 1],
            target_context: Some(2),
            ..FeatureSpec::default()
        };
        let d = DocView {
            main: TextView::new(text, &tokens, &terms),
            pair: TextView::new("assad", &ttokens, &tterms),
            target: "assad",
        };
        let names: Vec<_> = extract_named(&spec, &d)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        for expected in [
            "side:L:praised",
            "near:L1:praised",
            "near:L2:rebels",
            "near:R1:army",
            "near:R1:fled",
            "next:L rebels praised",
            "rebels", // plain n-grams stay
        ] {
            assert!(
                names.contains(&expected.to_string()),
                "{expected}: {names:?}"
            );
        }
        // `army` is measured to the mention of its own sentence, never across the boundary.
        assert!(!names.contains(&"near:L1:army".to_string()), "{names:?}");
        // Without the setting nothing changes: old models keep their features.
        let plain = FeatureSpec {
            word_ngrams: [1, 1],
            ..FeatureSpec::default()
        };
        assert!(extract_named(&plain, &d)
            .iter()
            .all(|(_, n)| !n.starts_with("side:") && !n.starts_with("near:")));
        assert!(serde_json::to_string(&plain)
            .unwrap()
            .find("target_context")
            .is_none());
    }

    #[test]
    fn terms_of_equals_term_by_term() {
        let terms = "héllo wörld 中文 plain ascii ß🙂";
        let (tokens, _) = view("a b c");
        assert_eq!(
            terms_of(&TextView::new("a b c", &tokens, "abc")),
            ["a", "b", "c"]
        );
        let mut draw = xorshift(0x1234_5678_9abc_def1);
        let mut next = move |n: usize| draw(n) as u32;
        // Spans in a row, overlapping, mid-char, past the end, and at u32::MAX.
        for _ in 0..2000 {
            let tokens: Vec<Token> = (0..next(6))
                .map(|_| {
                    let (start, len) = match next(10) {
                        0 => (u32::MAX - next(3), next(5)),
                        _ => (next(terms.len() + 3), next(12)),
                    };
                    Token {
                        term_start: start,
                        term_len: len,
                        byte_start: 0,
                        byte_end: 0,
                        sentence: 0,
                        flags: 0,
                    }
                })
                .collect();
            let v = TextView::new("", &tokens, terms);
            let one_by_one: Vec<&str> = tokens.iter().map(|t| v.term(t)).collect();
            assert_eq!(terms_of(&v), one_by_one, "{tokens:?}");
        }
    }

    #[test]
    fn spec_validation() {
        assert!(FeatureSpec::default().validate().is_ok());
        let bad = FeatureSpec {
            word_ngrams: [2, 1],
            ..FeatureSpec::default()
        };
        assert!(bad.validate().is_err());
    }
}
