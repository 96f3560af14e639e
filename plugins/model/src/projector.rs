//! Serving a document's features straight into one model's columns, with a per-model memo of
//! the columns each word's char n-grams select.
//!
//! [`crate::features::walk`] emits every feature occurrence; [`Counter`] hashes each, gathers
//! the buckets (a document's, at most 4,096 at a time, looked up together without a branch per
//! bucket) and counts those that are the model's selected columns in the dense per-thread
//! `counts`, so no sorted list of occurrences is built. A word's char n-grams (~30 per word
//! with n = 2..5) depend on the word alone, and many of them hit a selected column (about a
//! dozen per word with the shipped toxicity model: test
//! `most_words_hit_more_columns_than_their_slot_holds`): the first time a thread meets a word
//! for a model, the word's grams are hashed and mapped to columns, and the columns hit are
//! remembered; every later occurrence costs one table lookup, one read of the word's column
//! list and a count per column.
//!
//! The memo is keyed by the model's identity ([`ModelId`], shared by clones) and the spec values
//! the buckets depend on, because models are shared across threads and one process may hold
//! several. Word n-grams and the target-window, pair and cue features depend on context and
//! are hashed at every occurrence, as before. Same counts in, same bits out: the result equals
//! `Model::project(&extract(spec, doc))` exactly (tested below on every shipped model).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashMap;
use slant_sdk::DocView;
use xxhash_rust::xxh3::xxh3_64;

use crate::features::{bucket, prefix_keys, walk_parts, CharHasher, Emit, MainText, Sparse};
use crate::model::Model;
use crate::word_memo::WordMemo;

/// Which model a memo table belongs to: a number drawn in [`Model::new`] and kept by clones.
/// It names the model's selected columns, not its content, so it takes no part in equality:
/// a model read twice from one file gets two ids and still compares equal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModelId(u64);

impl ModelId {
    /// A number no other model of this process has.
    pub(crate) fn fresh() -> ModelId {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        ModelId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl PartialEq for ModelId {
    fn eq(&self, _: &ModelId) -> bool {
        true
    }
}

/// Words whose columns are remembered per model and thread before that model's table is
/// cleared (the same bound as the char n-gram bucket memo; an entry holds about a dozen
/// columns, not ~30 buckets). Small in unit tests, so that the clearing path runs there too.
const WORD_MEMO_LIMIT: usize = if cfg!(test) { 64 } else { 1 << 18 };

/// The longest word (in bytes) whose columns are remembered, so that the memo's size is bounded
/// by bytes as well as by words (natural words are far shorter).
const MEMO_WORD_BYTES: usize = 64;

/// Models with a memo table per thread before all tables are dropped (a process serves one
/// model per stage; a trainer builds many, each used briefly).
const MODEL_MEMO_LIMIT: usize = if cfg!(test) { 3 } else { 16 };

/// Everything a word's column list depends on: the model, its hash mask and char n range.
type MemoKey = (u64, u64, usize, usize);

/// Word surface → the selected columns its char n-grams hit, one entry per hitting gram (a
/// column hit by two grams of the word is listed twice).
type WordColumns = WordMemo;

/// Per-thread buffers reused from document to document.
#[derive(Default)]
struct Scratch {
    /// Occurrence count per column of the document being counted; all zero between documents.
    counts: Vec<f32>,
    /// One bit per column with a non-zero count; all zero between documents.
    seen: Vec<u64>,
    /// One bit per word of `seen` that has a bit set; all zero between documents.
    nonzero: Vec<u64>,
    /// The columns with a non-zero count, ascending, read off `seen`.
    touched: Vec<u32>,
    /// Key bytes of the feature being hashed.
    key: Vec<u8>,
    /// The document's word n-gram keys not hashed yet, end to end, and where each ends.
    pending: Vec<u8>,
    pending_ends: Vec<u32>,
    /// The document's buckets not looked up yet (word n-grams and the other hashed features).
    pending_buckets: Vec<u32>,
    chars: CharHasher,
    /// The columns the char n-grams of the word being memoized hit (its buckets first).
    found: Vec<u32>,
    memos: FxHashMap<MemoKey, WordColumns>,
    /// The projected features of the document being scored.
    features: Sparse,
    /// A document's counting began and did not finish: it panicked (the plugin shims catch
    /// panics, so the thread lives on), and `counts` / `seen` may hold its leftovers.
    dirty: bool,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Counts the occurrences of `model`'s selected columns in `doc`, then hands the touched
/// columns (sorted ascending) and their counts to `finish`, which must take every touched
/// count back to zero, with a reused buffer for the document's features. `main` says whether
/// the main text's own counts are counted, counted and kept, or taken from what an earlier
/// document with the same main text kept (see [`Model::predict_each`]).
pub(crate) fn with_counts<'d, R>(
    model: &Model,
    doc: &DocView<'d>,
    main: MainText<'_, 'd>,
    finish: impl FnOnce(&[u32], &mut [f32], &mut Sparse) -> R,
) -> R {
    SCRATCH.with(|scratch| {
        let s = &mut *scratch.borrow_mut();
        if s.dirty {
            s.counts.fill(0.0);
            s.seen.fill(0);
            s.nonzero.fill(0);
            s.pending.clear();
            s.pending_ends.clear();
            s.pending_buckets.clear();
        }
        s.dirty = true;
        if s.counts.len() < model.n_features() {
            s.counts.resize(model.n_features(), 0.0);
            s.seen.resize(model.n_features().div_ceil(64), 0);
            s.nonzero.resize(s.seen.len().div_ceil(64), 0);
        }
        let spec = &model.header.features;
        let memo = spec.char_ngrams.map(|[lo, hi]| {
            let key = (model.id().0, spec.mask(), lo as usize, hi as usize);
            memo_table(&mut s.memos, key)
        });
        let mut counter = Counter {
            model,
            mask: spec.mask(),
            tally: Tally {
                counts: &mut s.counts,
                seen: &mut s.seen,
                nonzero: &mut s.nonzero,
                first_word: usize::MAX,
                end_word: 0,
                n: 0,
            },
            key: &mut s.key,
            pending: Pending {
                keys: &mut s.pending,
                ends: &mut s.pending_ends,
                buckets: &mut s.pending_buckets,
            },
            chars: &mut s.chars,
            found: &mut s.found,
            memo,
        };
        walk_parts(spec, doc, &mut counter, main, |c, main| match main {
            MainText::Walk => {}
            MainText::WalkAndKeep(shared) => {
                c.count_pending();
                c.tally.copy_into(&mut shared.counts);
            }
            MainText::Reuse(shared) => c.tally.add_counts(&shared.counts),
        });
        counter.count_pending();
        let (words, n) = (counter.tally.words(), counter.tally.n);
        into_order(&mut s.seen, &mut s.nonzero, words, n, &mut s.touched);
        let result = finish(&s.touched, &mut s.counts, &mut s.features);
        s.dirty = false;
        result
    })
}

/// The table of `key`, made empty if new; drops every table first when there are too many.
fn memo_table(memos: &mut FxHashMap<MemoKey, WordColumns>, key: MemoKey) -> &mut WordColumns {
    if memos.len() >= MODEL_MEMO_LIMIT && !memos.contains_key(&key) {
        memos.clear();
    }
    memos.entry(key).or_default()
}

/// Columns written per bitmap word before asking whether the word holds more (see
/// [`into_order`]); nearly every word holds 0–2. (Two were tried: 1.6–4.4× the mispredictions
/// in callgrind, as words with three or more bits fall into the loop.)
const UNCONDITIONAL: usize = 4;

/// Replaces `touched` with the `n` columns whose bits are set in `seen`, ascending, and clears
/// those bits and their words' marks in `nonzero` (one bit per word of `seen` that has a bit
/// set; `words` spans those words).
///
/// Only the marked words are read: a short text touches a few dozen of the 313 bitmap words of
/// a 20,000-column model (stance, sentence sentiment), and a scan of its whole span was up to
/// 8 % of `slant predict` on such a model. Each marked word writes its first [`UNCONDITIONAL`]
/// set bits' columns whether it has them or not, and the write position moves on only past real
/// ones (garbage past the real columns is overwritten by the next word or cut off at the end):
/// a branch per bit was a coin toss on short comments and the toxicity model, where a quarter
/// or more of the words hold a bit (16 % of `slant predict`'s mispredictions in callgrind).
fn into_order(
    seen: &mut [u64],
    nonzero: &mut [u64],
    words: std::ops::Range<usize>,
    n: usize,
    touched: &mut Vec<u32>,
) {
    touched.clear();
    touched.resize(n + UNCONDITIONAL, 0);
    let mut k = 0;
    let marked = words.start / 64..words.end.div_ceil(64);
    for (m, mark_word) in (marked.start..).zip(&mut nonzero[marked]) {
        let mut marks = std::mem::take(mark_word);
        while marks != 0 {
            let w = m * 64 + marks.trailing_zeros() as usize;
            marks &= marks - 1;
            k = write_columns(std::mem::take(&mut seen[w]), w as u32 * 64, touched, k);
        }
    }
    debug_assert_eq!(k, n, "one bit per touched column");
    touched.truncate(n);
}

/// Writes the columns of one bitmap word's set `bits` (column `base` for bit 0) into `touched`
/// from position `k` on, the first [`UNCONDITIONAL`] without a branch per bit; returns the
/// position after them.
#[inline]
fn write_columns(mut bits: u64, base: u32, touched: &mut [u32], mut k: usize) -> usize {
    // The bits the word had are counted here rather than by `count_ones`: without the popcnt
    // instruction, which the portable build cannot assume, that compiles to ~15 shifts, masks
    // and a multiply.
    let mut had = 0;
    for slot in &mut touched[k..k + UNCONDITIONAL] {
        *slot = base + bits.trailing_zeros();
        had += usize::from(bits != 0);
        bits &= bits.wrapping_sub(1);
    }
    k += had;
    while bits != 0 {
        touched[k] = base + bits.trailing_zeros();
        k += 1;
        bits &= bits - 1;
    }
    k
}

/// Occurrence counts of the model's columns in one document. The columns counted are marked
/// in a bitmap rather than listed, and the bitmap's words that hold a mark in a second one:
/// reading them off in order ([`into_order`]) costs a step per marked word, where sorting a
/// list cost a fifth of serving time on short texts.
struct Tally<'s> {
    counts: &'s mut [f32],
    seen: &'s mut [u64],
    /// One bit per word of `seen` with a bit set.
    nonzero: &'s mut [u64],
    /// The first bitmap word with a bit set and one past the last (`usize::MAX` and 0 while
    /// none is), so that short texts read only their span.
    first_word: usize,
    end_word: usize,
    /// How many columns have a non-zero count.
    n: usize,
}

impl Tally<'_> {
    /// Counts one occurrence of `column`. The column's bits are set whether or not it was
    /// counted before in this document (setting a set bit changes nothing): a branch on "first
    /// time in this document" mispredicted often on char n-gram models, which count about a
    /// dozen columns per word, some new to the document and some not (`benches/PROFILE.md`,
    /// "Columns counted without a branch").
    #[inline]
    fn count(&mut self, column: u32) {
        self.add(column, 1.0);
    }

    /// Adds `count` occurrences of `column`, as `count` calls of [`Tally::count`] would (the
    /// counts are whole numbers far below 2^24, so a float sum of them is exact in any order).
    #[inline]
    fn add(&mut self, column: u32, count: f32) {
        let c = &mut self.counts[column as usize];
        self.n += usize::from(*c == 0.0);
        *c += count;
        let w = column as usize / 64;
        self.seen[w] |= 1u64 << (column % 64);
        self.nonzero[w / 64] |= 1u64 << (w % 64);
        self.first_word = self.first_word.min(w);
        self.end_word = self.end_word.max(w + 1);
    }

    /// Adds every (column, count) of `counts` (as kept by [`Tally::copy_into`]).
    fn add_counts(&mut self, counts: &[(u32, f32)]) {
        for &(column, count) in counts {
            self.add(column, count);
        }
    }

    /// Writes every column counted so far and its count into `kept` (emptied first), leaving
    /// the tally as it is.
    fn copy_into(&self, kept: &mut Vec<(u32, f32)>) {
        kept.clear();
        let marked = self.words();
        let marked = marked.start / 64..marked.end.div_ceil(64);
        for (m, &mark_word) in (marked.start..).zip(&self.nonzero[marked]) {
            let mut marks = mark_word;
            while marks != 0 {
                let w = m * 64 + marks.trailing_zeros() as usize;
                marks &= marks - 1;
                let mut bits = self.seen[w];
                while bits != 0 {
                    let column = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    kept.push((column as u32, self.counts[column]));
                }
            }
        }
    }

    /// The bitmap words with a bit set, as a range (empty when no column was counted).
    fn words(&self) -> std::ops::Range<usize> {
        if self.n == 0 {
            0..0
        } else {
            self.first_word..self.end_word
        }
    }
}

/// Counts each emitted feature in the model's column it falls in, if any.
struct Counter<'s, 'm> {
    model: &'m Model,
    mask: u64,
    tally: Tally<'s>,
    key: &'s mut Vec<u8>,
    pending: Pending<'s>,
    chars: &'s mut CharHasher,
    found: &'s mut Vec<u32>,
    /// This model's word → columns table (present when the spec has char n-grams).
    memo: Option<&'s mut WordColumns>,
}

/// Word n-gram keys written now and hashed later (models of format 1; in format 2 a word
/// n-gram's bucket is chained from term hashes at once). Hashing a key right after writing it
/// made the hash's wide loads wait for the key's narrow stores to land (a load cannot take its
/// bytes from several pending stores); keys hashed a document later are read from the cache.
///
/// Buckets (of word n-grams, and of the other hashed features: target windows, pair and cue
/// features) are looked up a document (or [`PENDING_BUCKETS`]) at a time, with
/// [`Model::keep_columns`], which has no branch per bucket: looked up one by one, whether a
/// bucket had a column was a branch mispredicted on a large share of word n-grams.
struct Pending<'s> {
    keys: &'s mut Vec<u8>,
    ends: &'s mut Vec<u32>,
    buckets: &'s mut Vec<u32>,
}

/// Pending key bytes that make a [`Counter`] hash what it has before writing more (bounds the
/// buffer on a huge document).
const PENDING_BYTES: usize = 1 << 16;

/// Pending word n-gram buckets that make a [`Counter`] look up what it has (bounds the buffer).
const PENDING_BUCKETS: usize = 1 << 12;

impl Counter<'_, '_> {
    /// Counts everything pending: hashes the pending word n-gram keys (format 1), then looks up
    /// every pending bucket and counts its columns.
    fn count_pending(&mut self) {
        let mut start = 0;
        for &end in self.pending.ends.iter() {
            let end = end as usize;
            let b = (xxh3_64(&self.pending.keys[start..end]) & self.mask) as u32;
            self.pending.buckets.push(b);
            start = end;
        }
        self.pending.keys.clear();
        self.pending.ends.clear();
        self.count_pending_buckets();
    }

    /// Adds `bucket` to the pending ones, looked up with the document's others.
    fn count_later(&mut self, bucket: u32) {
        self.pending.buckets.push(bucket);
        if self.pending.buckets.len() >= PENDING_BUCKETS {
            self.count_pending_buckets();
        }
    }

    /// Looks up the pending buckets and counts their columns.
    fn count_pending_buckets(&mut self) {
        self.model.keep_columns(self.pending.buckets);
        for &j in self.pending.buckets.iter() {
            self.tally.count(j);
        }
        self.pending.buckets.clear();
    }

    /// Fills `found` with the selected columns the char n-grams of `surface` hit, one per
    /// hitting gram.
    fn find_word_columns(&mut self, surface: &str, lo: usize, hi: usize) {
        self.found.clear();
        self.chars.buckets(surface, lo, hi, self.mask, self.found);
        self.model.keep_columns(self.found);
    }
}

impl Emit for Counter<'_, '_> {
    fn emit(&mut self, ns: u8, parts: &[&str]) {
        let b = bucket(self.key, ns, parts, self.mask);
        self.count_later(b);
    }

    fn word_ngram(&mut self, bucket: u32, _terms: &[&str]) {
        self.count_later(bucket);
    }

    fn word_ngrams(&mut self, terms: &[&str], lo: usize) {
        if self.pending.keys.len() > PENDING_BYTES {
            self.count_pending();
        }
        let Pending { keys, ends, .. } = &mut self.pending;
        prefix_keys(self.key, b'w', terms, lo, |key| {
            keys.extend_from_slice(key);
            ends.push(keys.len() as u32);
        });
    }

    fn upcoming_word(&self, surface: &str) {
        if let Some(memo) = self.memo.as_deref() {
            memo.prefetch(surface);
        }
    }

    fn upcoming_columns(&self, surface: &str) {
        if let Some(memo) = self.memo.as_deref() {
            memo.prefetch_columns(surface);
        }
    }

    fn char_ngrams(&mut self, surface: &str, lo: usize, hi: usize) {
        if let Some(columns) = self.memo.as_deref().and_then(|m| m.get(surface)) {
            // Counting order does not matter: counts are small integers, exact in f32.
            for &j in columns {
                self.tally.count(j);
            }
            return;
        }
        self.find_word_columns(surface, lo, hi);
        for &j in self.found.iter() {
            self.tally.count(j);
        }
        // Longer "words" (a URL, a run of letters with no space) are rare and would each keep
        // their whole text and all their columns: they are looked up every time instead.
        if let Some(memo) = self
            .memo
            .as_deref_mut()
            .filter(|_| surface.len() <= MEMO_WORD_BYTES)
        {
            if memo.len() >= WORD_MEMO_LIMIT {
                memo.clear();
            }
            memo.insert(surface, self.found);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use slant_sdk::{TextView, Token};

    use super::*;
    use crate::features::{
        self, occurrences_unmemoized, term_frequencies, SharedMain, Sparse, WordHash,
    };
    use crate::model::{softmax, InputKind};

    /// A shipped model from `models/` (committed with the repo, so never skipped).
    fn shipped(name: &str) -> Model {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../models")
            .join(format!("{name}.model"));
        crate::read_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// `model` with a different feature selection (every other column) and, optionally, a
    /// different char n range or hash width: a second model with the same memo-relevant spec
    /// (or not) and other columns.
    fn variant(model: &Model, char_ngrams: Option<[u32; 2]>, hash_bits: u32) -> Model {
        let mut header = model.header.clone();
        header.features.char_ngrams = char_ngrams;
        header.features.hash_bits = hash_bits;
        let keep: Vec<usize> = (0..model.n_features())
            .filter(|&j| j % 2 == 0 && model.feature_ids[j] < (1 << hash_bits))
            .collect();
        let heads = model
            .heads
            .iter()
            .map(|h| {
                let k = h.bias.len();
                crate::HeadWeights {
                    weights: keep
                        .iter()
                        .flat_map(|&j| h.weights[j * k..(j + 1) * k].to_vec())
                        .collect(),
                    bias: h.bias.clone(),
                }
            })
            .collect();
        Model::new(
            header,
            keep.iter().map(|&j| model.feature_ids[j]).collect(),
            keep.iter().map(|&j| model.column_weights[j]).collect(),
            heads,
        )
    }

    /// `model` with the word hashing scheme it was not trained with (its columns then select
    /// other n-grams, which is all the equivalence tests need: both paths must agree).
    fn other_word_hash(model: &Model) -> Model {
        let mut header = model.header.clone();
        header.features.word_hash = match header.features.word_hash {
            WordHash::Keys => WordHash::Chained,
            WordHash::Chained => WordHash::Keys,
        };
        Model::new(
            header,
            model.feature_ids.clone(),
            model.column_weights.clone(),
            model.heads.clone(),
        )
    }

    /// A tokenized text: words split at anything but letters, digits and `'`, sentences at
    /// `.`, `!`, `?`; terms are the lower-cased words (a stand-in for the tokenize stage, which
    /// this crate does not link; the memo does not care how terms were made).
    struct Tokenized {
        text: String,
        tokens: Vec<Token>,
        terms: String,
    }

    impl Tokenized {
        fn new(text: &str) -> Tokenized {
            let mut tokens = Vec::new();
            let mut terms = String::new();
            let mut sentence = 0;
            let mut start = None;
            let chars = text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')));
            for (i, c) in chars {
                let in_word = c.is_alphanumeric() || c == '\'';
                match (start, in_word) {
                    (None, true) => start = Some(i),
                    (Some(s), false) => {
                        let term = text[s..i].to_lowercase();
                        tokens.push(Token {
                            term_start: terms.len() as u32,
                            term_len: term.len() as u32,
                            byte_start: s as u32,
                            byte_end: i as u32,
                            sentence,
                            flags: 0,
                        });
                        terms.push_str(&term);
                        start = None;
                    }
                    _ => {}
                }
                if matches!(c, '.' | '!' | '?') && !tokens.is_empty() {
                    sentence = tokens.last().map_or(0, |t| t.sentence + 1);
                }
            }
            Tokenized {
                text: text.to_string(),
                tokens,
                terms,
            }
        }

        fn view(&self) -> TextView<'_> {
            TextView::new(&self.text, &self.tokens, &self.terms)
        }
    }

    /// What the model read before the memo: every occurrence hashed afresh, sorted, counted,
    /// projected; each head's logits and softmax computed into new vectors.
    fn reference(model: &Model, doc: &DocView<'_>) -> (Sparse, Vec<f32>) {
        let spec = &model.header.features;
        let raw = term_frequencies(occurrences_unmemoized(spec, doc), spec.sublinear_tf);
        let x = model.project(&raw);
        let scores = (0..model.heads.len())
            .flat_map(|h| softmax(&model.logits(h, &x), model.header.heads[h].temperature))
            .collect();
        (x, scores)
    }

    fn bits(x: &[(u32, f32)]) -> Vec<(u32, u32)> {
        x.iter().map(|&(j, v)| (j, v.to_bits())).collect()
    }

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// The string field `field` of every line of a JSONL text.
    fn field_of_lines(jsonl: &str, field: &str) -> Vec<String> {
        jsonl
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v[field].as_str().map(str::to_string))
            .collect()
    }

    /// Real texts from the repo: the seed articles' bodies and comments, the training test
    /// fixtures, the sentiment probes, and comment-like lines with repeated, differently cased
    /// words and non-ASCII.
    fn repo_texts() -> Vec<String> {
        let read = |p: &str| std::fs::read_to_string(repo().join(p)).unwrap();
        let seeds = read("seeds/articles.jsonl");
        let mut texts = field_of_lines(&seeds, "body");
        for line in seeds.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            for c in v["comments"].as_array().into_iter().flatten() {
                texts.extend(c["text"].as_str().map(str::to_string));
            }
        }
        texts.extend(field_of_lines(
            &read("core/tests/fixtures/train/train.jsonl"),
            "text",
        ));
        texts.extend(field_of_lines(
            &read("models/sentiment.probes.jsonl"),
            "text",
        ));
        texts.extend(
            [
                "you are an idiot, an IDIOT, a complete idiot idiot idiot!!",
                "Idiot. idiot? idiots... stupid stupid STUPID people",
                "This is fine. This is fine. This is fine.",
                "@USER @USER @USER lol what a liar liar liar #MAGA #maga",
                "Straße straße STRASSE İstanbul 🙂🙂 naïve café, the the the",
            ]
            .map(String::from),
        );
        // Words around the memo's length limit, repeated (those above it are never remembered).
        let long = |n: usize| "aé".repeat(n / 3);
        texts.push(format!(
            "{0} {1} {0} {2} {1} {2}",
            long(63),
            long(66),
            long(300)
        ));
        assert!(texts.len() > 100, "repo texts: {}", texts.len());
        texts
    }

    /// The first `n` values of `field` in a gzip JSONL corpus of `../shared/data`.
    fn shared_corpus(path: &std::path::Path, field: &str, n: usize) -> Vec<String> {
        let out = std::process::Command::new("gzip")
            .arg("-dc")
            .arg(path)
            .output()
            .unwrap_or_else(|e| panic!("gzip -dc {}: {e}", path.display()));
        let text = String::from_utf8_lossy(&out.stdout);
        let mut values = field_of_lines(&text, field);
        values.truncate(n);
        assert!(!values.is_empty(), "{}: no `{field}`", path.display());
        values
    }

    /// Real comments and news from the corpora (OLID tweets, FNC-1 bodies and headlines,
    /// NewsMTSC sentences), when `../shared/data` is there; skipped visibly otherwise, and a
    /// failure under CI.
    fn shared_texts() -> Vec<String> {
        let data = repo().join("../shared/data");
        if !data.is_dir() {
            eprintln!("SKIPPED part: {} absent, no corpus texts", data.display());
            assert!(
                std::env::var_os("CI").is_none(),
                "CI needs {}",
                data.display()
            );
            return Vec::new();
        }
        let mut texts = shared_corpus(&data.join("olid_offensive/train.jsonl.gz"), "text", 1000);
        let fnc = data.join("fnc1/train.jsonl.gz");
        let mut bodies = shared_corpus(&fnc, "body", 3000);
        bodies.dedup();
        bodies.truncate(60);
        texts.extend(bodies);
        texts.extend(shared_corpus(&fnc, "headline", 200));
        texts.extend(shared_corpus(
            &data.join("newsmtsc/train.jsonl.gz"),
            "text",
            300,
        ));
        texts
    }

    /// Random texts over a small vocabulary (so words repeat, within and across texts), a pool
    /// of real words, and random strings with non-ASCII, digits and punctuation.
    fn random_texts(seed: u64, n: usize, vocabulary: &[String]) -> Vec<String> {
        let mut next = crate::xorshift(seed);
        let alphabet: Vec<char> = "aeiostrnlZQxy09'ÄüßéİΣςЖ中🙂".chars().collect();
        (0..n)
            .map(|_| {
                let words = 1 + next(60);
                let mut text = String::new();
                for _ in 0..words {
                    let word = match next(4) {
                        0 => (0..1 + next(9))
                            .map(|_| alphabet[next(alphabet.len())])
                            .collect(),
                        1 => ["the", "a", "is", "idiot", "you", "not"][next(6)].to_string(),
                        _ => vocabulary[next(vocabulary.len())].clone(),
                    };
                    text.push_str(&word);
                    text.push_str([" ", " ", ", ", ". ", "! "][next(5)]);
                }
                text
            })
            .collect()
    }

    /// Every model's memo path against the reference, model after model on one thread, twice
    /// (the second pass serves words from the memo), with the pair or target each input needs.
    fn assert_all_equal(models: &[(&str, &Model)], texts: &[String]) -> usize {
        let docs: Vec<Tokenized> = texts.iter().map(|t| Tokenized::new(t)).collect();
        let empty = Tokenized::new("");
        let mut hits = 0;
        for round in 0..2 {
            for (i, main) in docs.iter().enumerate() {
                // Target: a word of the text (mentioned) for even texts, an absent one for odd.
                let target = match (main.tokens.get(i % 7), i % 2) {
                    (Some(t), 0) => Tokenized::new(main.view().surface(t)),
                    _ => Tokenized::new("Zyxwv"),
                };
                let claim = &docs[(i + 1) % docs.len()];
                for (name, model) in models {
                    let pair = match model.header.input {
                        InputKind::Text => &empty,
                        InputKind::Target => &target,
                        InputKind::Pair => claim,
                    };
                    let doc = DocView {
                        main: main.view(),
                        pair: pair.view(),
                        target: &pair.text,
                    };
                    let (x_ref, scores_ref) = reference(model, &doc);
                    let x = model.featurize(&doc);
                    assert_eq!(bits(&x), bits(&x_ref), "{name}, round {round}, text {i}");
                    let scores = model.predict(&doc);
                    let same = scores
                        .iter()
                        .map(|p| p.to_bits())
                        .eq(scores_ref.iter().map(|p| p.to_bits()));
                    assert!(same, "{name}, text {i}: {scores:?} vs {scores_ref:?}");
                    hits += usize::from(!x.is_empty());
                }
            }
        }
        hits
    }

    #[test]
    fn touched_columns_come_out_ascending_at_every_density() {
        let mut next = crate::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut seen = vec![0u64; 320];
        let mut nonzero = vec![0u64; 5];
        let mut touched = Vec::new();
        // From one column in a wide span (the branching scan) to every bit of a narrow one (the
        // unconditional writes, and words with more bits than they write unconditionally).
        for n_wanted in [1, 3, 10, 40, 80, 200, 1_000, 5_000] {
            for _ in 0..50 {
                let span = 1 + next(320);
                let start = next(320 - span + 1);
                let mut columns: Vec<u32> = (0..n_wanted)
                    .map(|_| (start * 64 + next(span * 64)) as u32)
                    .collect();
                columns.sort_unstable();
                columns.dedup();
                for &j in &columns {
                    let w = j as usize / 64;
                    seen[w] |= 1 << (j % 64);
                    nonzero[w / 64] |= 1 << (w % 64);
                }
                let words = columns[0] as usize / 64..*columns.last().unwrap() as usize / 64 + 1;
                into_order(&mut seen, &mut nonzero, words, columns.len(), &mut touched);
                assert_eq!(touched, columns, "n = {n_wanted}, span {span}");
                assert!(seen.iter().all(|&w| w == 0), "every bit cleared");
                assert!(nonzero.iter().all(|&w| w == 0), "every mark cleared");
            }
        }
    }

    #[test]
    fn memo_path_equals_the_unmemoized_path_on_every_shipped_model() {
        let toxicity = shipped("toxicity");
        assert!(toxicity.header.features.char_ngrams.is_some());
        let sentiment = shipped("sentiment");
        assert!(sentiment.header.features.char_ngrams.is_none());
        let stance_target = shipped("stance-target");
        let stance_claim = shipped("stance-claim");
        // Same spec as toxicity, other columns: only the model id tells their memos apart.
        let toxicity_half = variant(&toxicity, toxicity.header.features.char_ngrams, 20);
        // Other char n range and hash width: other memo keys.
        let toxicity_3_4 = variant(&toxicity, Some([3, 4]), 20);
        let toxicity_18 = variant(&toxicity, Some([2, 5]), 18);
        // A clone shares the id and its memo.
        let toxicity_clone = toxicity.clone();
        // Sentiment with char n-grams added (its columns stay the word columns it selected).
        let sentiment_chars = variant(&sentiment, Some([2, 4]), 20);
        // Each word hashing scheme, whichever the shipped files use.
        let [sentiment_other, stance_target_other, stance_claim_other, toxicity_other] =
            [&sentiment, &stance_target, &stance_claim, &toxicity].map(other_word_hash);
        let models = [
            ("toxicity", &toxicity),
            ("sentiment", &sentiment),
            ("toxicity, every other column", &toxicity_half),
            ("stance-target", &stance_target),
            ("toxicity, char 3-4", &toxicity_3_4),
            ("stance-claim", &stance_claim),
            ("toxicity, 18 bits", &toxicity_18),
            ("toxicity clone", &toxicity_clone),
            ("sentiment + char 2-4", &sentiment_chars),
            ("sentiment, other word hash", &sentiment_other),
            ("stance-target, other word hash", &stance_target_other),
            ("stance-claim, other word hash", &stance_claim_other),
            ("toxicity, other word hash", &toxicity_other),
        ];
        let mut real = repo_texts();
        real.extend(shared_texts());
        let hits = assert_all_equal(&models, &real);
        assert!(
            hits > real.len() * models.len(),
            "most texts hit selected columns: {hits}"
        );
        let vocabulary: Vec<String> = real
            .iter()
            .flat_map(|t| t.split_whitespace().map(str::to_string))
            .collect();
        let random = random_texts(0x9e37_79b9_7f4a_7c15, 200, &vocabulary);
        let hits = assert_all_equal(&models, &random);
        assert!(hits > random.len() * models.len(), "random hits: {hits}");
        // One document whose n-gram keys (format 1) and buckets (format 2) overflow the pending
        // buffers several times over.
        let all = real.join(" ");
        let long = vec![vec![all.as_str(); 3 * PENDING_BYTES / all.len() + 1].join(" ")];
        assert!(long[0].len() > 3 * PENDING_BYTES, "{} bytes", long[0].len());
        let words = long[0].split_whitespace().count();
        assert!(words > 3 * PENDING_BUCKETS, "{words} words");
        assert_all_equal(&models, &long);
    }

    /// `main` paired with the claim `pair`.
    fn claim_doc<'a>(main: &'a Tokenized, pair: &'a Tokenized) -> DocView<'a> {
        DocView {
            main: main.view(),
            pair: pair.view(),
            target: "",
        }
    }

    /// Documents in a row that share a main text (an article body with each of several claims)
    /// score the same through [`Model::predict_each`], which counts the body once, as one by
    /// one; and the main text's counts are really taken from the first document of the row.
    #[test]
    fn pairs_sharing_a_main_text_score_as_when_scored_one_by_one() {
        let claim = shipped("stance-claim");
        let claim_other = other_word_hash(&claim);
        let target = shipped("stance-target");
        let toxicity = shipped("toxicity");
        let sentiment = shipped("sentiment");
        // A target window makes the body's n-grams depend on the target: never shared.
        let mut header = target.header.clone();
        header.features.target_window = Some(3);
        let windowed = Model::new(
            header,
            target.feature_ids.clone(),
            target.column_weights.clone(),
            target.heads.clone(),
        );
        let mut real = repo_texts();
        real.extend(shared_texts());
        let texts: Vec<Tokenized> = real.iter().map(|t| Tokenized::new(t)).collect();
        let pairs: Vec<&Tokenized> = texts.iter().step_by(7).take(5).collect();
        // Per text: words of its own (mentioned targets, so a window has words to keep) and
        // other texts (claims), up to five.
        let own_words: Vec<Vec<Tokenized>> = texts
            .iter()
            .map(|t| {
                let word = |k: usize| {
                    t.tokens
                        .get(k)
                        .map(|tok| Tokenized::new(t.view().surface(tok)))
                };
                [word(0), word(3), word(8)].into_iter().flatten().collect()
            })
            .collect();
        let pairs_of = |i: usize| -> Vec<&Tokenized> {
            let mixed = own_words[i].iter().zip(&pairs).flat_map(|(w, &p)| [w, p]);
            mixed.take(1 + i % 5).collect()
        };
        for (name, model) in [
            ("stance-claim", &claim),
            ("stance-claim, other word hash", &claim_other),
            ("stance-target", &target),
            ("toxicity", &toxicity),
            ("sentiment", &sentiment),
            ("stance-target, windowed", &windowed),
        ] {
            let shares = features::main_text_stands_alone(&model.header.features);
            assert_eq!(shares, !name.ends_with("windowed"), "{name}");
            // Each text with 1, 2, … 5 pairs in a row, then the next text.
            let docs: Vec<DocView<'_>> = texts
                .iter()
                .enumerate()
                .flat_map(|(i, main)| {
                    pairs_of(i).into_iter().map(|pair| DocView {
                        main: main.view(),
                        pair: pair.view(),
                        target: &pair.text,
                    })
                })
                .collect();
            assert!(
                docs.len() > 2 * texts.len(),
                "{name}: {} documents",
                docs.len()
            );
            let mut scored = 0;
            model.predict_each(&docs, |k, probs| {
                let alone = model.predict(&docs[k]);
                let same = probs
                    .iter()
                    .map(|p| p.to_bits())
                    .eq(alone.iter().map(|p| p.to_bits()));
                assert!(same, "{name}, document {k}: {probs:?} vs {alone:?}");
                assert_eq!(k, scored, "{name}: documents in order");
                scored += 1;
            });
            assert_eq!(scored, docs.len(), "{name}: one call per document");
        }
        // The reuse itself: a body's kept counts make its own walk unneeded, and nothing kept
        // leaves only the pair's features.
        let body = texts.iter().max_by_key(|t| t.tokens.len()).unwrap();
        fn sparse<'d>(model: &Model, doc: &DocView<'d>, main: MainText<'_, 'd>) -> Vec<(u32, u32)> {
            with_counts(model, doc, main, |touched, counts, _| {
                touched
                    .iter()
                    .map(|&j| (j, std::mem::take(&mut counts[j as usize]).to_bits()))
                    .collect()
            })
        }
        let mut kept = SharedMain::default();
        let first = sparse(
            &claim,
            &claim_doc(body, pairs[0]),
            MainText::WalkAndKeep(&mut kept),
        );
        assert_eq!(
            first,
            sparse(&claim, &claim_doc(body, pairs[0]), MainText::Walk)
        );
        assert!(
            kept.counts.len() > 50,
            "the body's columns are kept: {}",
            kept.counts.len()
        );
        let mut no_counts = SharedMain::default();
        sparse(
            &claim,
            &claim_doc(body, pairs[0]),
            MainText::WalkAndKeep(&mut no_counts),
        );
        no_counts.counts.clear();
        for pair in &pairs[1..] {
            let doc = claim_doc(body, pair);
            let whole = sparse(&claim, &doc, MainText::Walk);
            assert_eq!(sparse(&claim, &doc, MainText::Reuse(&kept)), whole);
            let pair_only = sparse(&claim, &doc, MainText::Reuse(&no_counts));
            assert!(
                pair_only.len() < whole.len() / 4,
                "{} of {}",
                pair_only.len(),
                whole.len()
            );
        }
    }

    /// How many selected columns a word's char n-grams hit is what the memo's layout rests on
    /// (`word_memo`): on the shipped sample articles, the shipped toxicity model's words hit
    /// about a dozen each, so most words' lists do not fit in their slot and are read from the
    /// spill array (a second load per memo hit).
    #[test]
    fn most_words_hit_more_columns_than_their_slot_holds() {
        let toxicity = shipped("toxicity");
        let spec = &toxicity.header.features;
        let [lo, hi] = spec
            .char_ngrams
            .expect("the toxicity model reads char n-grams");
        let seeds = std::fs::read_to_string(repo().join("seeds/articles.jsonl")).unwrap();
        let (mut words, mut columns, mut spilled) = (0, 0, 0);
        let mut chars = CharHasher::default();
        let mut buckets = Vec::new();
        for body in field_of_lines(&seeds, "body") {
            let text = Tokenized::new(&body);
            for token in &text.tokens {
                buckets.clear();
                let surface = text.view().surface(token);
                chars.buckets(surface, lo as usize, hi as usize, spec.mask(), &mut buckets);
                let hit = buckets
                    .iter()
                    .filter(|&&b| toxicity.column(b).is_some())
                    .count();
                words += 1;
                columns += hit;
                spilled += usize::from(hit > crate::word_memo::INLINE);
            }
        }
        let mean = columns as f64 / words as f64;
        println!("{words} words: {mean:.1} columns per word, {spilled} lists spilled");
        assert!(words > 300, "{words} words");
        assert!(mean > 5.0, "{mean:.1} columns per word");
        assert!(
            spilled * 4 > words * 3,
            "{spilled} of {words} lists spilled"
        );
    }

    #[test]
    fn a_panic_while_counting_leaves_no_counts_behind() {
        let toxicity = shipped("toxicity");
        let text = Tokenized::new("idiot idiot stupid people, you are all idiots");
        let doc = DocView {
            main: text.view(),
            pair: TextView::new("", &[], ""),
            target: "",
        };
        let clean = bits(&toxicity.featurize(&doc));
        // A panic after counting, before the counts are taken back (as a plugin's caught panic).
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            with_counts(&toxicity, &doc, MainText::Walk, |_, _, _| {
                panic!("while finishing")
            })
        }));
        assert!(caught.is_err());
        assert_eq!(bits(&toxicity.featurize(&doc)), clean);
    }

    #[test]
    fn memo_remembers_words_per_model() {
        let toxicity = shipped("toxicity");
        let other = variant(&toxicity, toxicity.header.features.char_ngrams, 20);
        let text = Tokenized::new("idiot idiot stupid");
        let doc = DocView {
            main: text.view(),
            pair: TextView::new("", &[], ""),
            target: "",
        };
        let [lo, hi] = toxicity.header.features.char_ngrams.unwrap();
        let key = |m: &Model| (m.id().0, m.header.features.mask(), lo as usize, hi as usize);
        let remembered = |m: &Model, word: &str| {
            SCRATCH.with(|s| {
                s.borrow()
                    .memos
                    .get(&key(m))
                    .and_then(|t| t.get(word).map(<[u32]>::to_vec))
            })
        };
        toxicity.featurize(&doc);
        other.featurize(&doc);
        let a = remembered(&toxicity, "idiot").expect("toxicity remembers `idiot`");
        let b = remembered(&other, "idiot").expect("the other model too, on its own");
        assert!(
            !a.is_empty(),
            "`idiot`'s char n-grams select toxicity columns"
        );
        assert_ne!(a, b, "two models, two column lists");
        assert_eq!(
            key(&toxicity.clone()),
            key(&toxicity),
            "clones share the memo"
        );
    }
}
