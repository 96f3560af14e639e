//! Claim-stance features (`claim_cues`): does the body speak of the claim at all, and if so,
//! with which words. A linear model cannot learn "refuting words matter only when the body is
//! about the claim", so every cue feature is crossed with a coarse relatedness level.
//!
//! Emitted (namespace `r`, names `claim:…`; `k`, names `claim-sentence:…`):
//! - `overlap:B`: share of the claim's content words found in the body, ten bins;
//! - `bigrams:B` / `lead:B`: share of the claim's content bigrams found in the body, and of its
//!   content words found in the body's first two sentences, five bins each;
//! - `sentences:N`: how many body sentences hold at least two of the claim's content words
//!   (one for a one-word claim), the *claim sentences*;
//! - `CUE:body:N:REL` and `CUE:near:N:REL`: counts of each cue class (refute, hedge, support,
//!   negation) in the whole body and in the claim sentences, crossed with relatedness;
//! - `negated:N:REL`: negation words within three tokens of a claim word, in one sentence;
//! - `CUE:claim`: the claim itself holds a cue word;
//! - `claim-sentence:TERM:REL`: every word of the claim sentences, crossed with relatedness.
//!
//! Cue words are matched on the lower-cased surface (stemming would merge "denies" with
//! "denizen"-like stems), claim words on the stemmed terms.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use slant_sdk::{DocView, TextView};

use crate::features::Emit;
use crate::few_terms::{FewTerms, WordFilter};

/// Words that refute a claim (after the FNC-1 baseline's list, plus common debunking verbs).
const REFUTE: &[&str] = &[
    "fake",
    "fraud",
    "hoax",
    "false",
    "deny",
    "denies",
    "denied",
    "denying",
    "despite",
    "nope",
    "doubt",
    "doubts",
    "bogus",
    "debunk",
    "debunked",
    "debunks",
    "prank",
    "pranks",
    "retract",
    "retracted",
    "untrue",
    "myth",
    "rumor",
    "rumour",
    "rumors",
    "rumours",
    "satire",
    "satirical",
    "fabricated",
    "misleading",
    "incorrect",
    "wrong",
    "baseless",
    "refute",
    "refuted",
    "refutes",
    "dismissed",
    "dismisses",
    "disputed",
    "disputes",
    "contrary",
    "photoshopped",
    "doctored",
    "spoof",
    "parody",
    "unfounded",
    "nonsense",
    "lie",
    "lies",
    "lied",
];

/// Words that report without committing.
const HEDGE: &[&str] = &[
    "reportedly",
    "allegedly",
    "alleged",
    "claim",
    "claims",
    "claimed",
    "claiming",
    "may",
    "might",
    "could",
    "possibly",
    "possible",
    "apparently",
    "purportedly",
    "purported",
    "unconfirmed",
    "unverified",
    "speculation",
    "speculated",
    "suggests",
    "suggested",
    "appears",
    "appeared",
    "seems",
    "according",
    "reports",
    "reported",
    "supposedly",
    "rumored",
    "believed",
    "unclear",
    "if",
    "whether",
];

/// Words that vouch for a claim.
const SUPPORT: &[&str] = &[
    "confirmed",
    "confirms",
    "confirm",
    "official",
    "officially",
    "announced",
    "announces",
    "revealed",
    "reveals",
    "indeed",
    "true",
    "verified",
    "proof",
    "evidence",
    "showed",
    "shows",
    "admitted",
    "admits",
    "acknowledged",
];

/// Negation.
const NEGATION: &[&str] = &[
    "not", "no", "never", "n't", "nor", "neither", "none", "nothing", "without", "nobody",
    "cannot", "isn't", "wasn't", "aren't", "weren't", "don't", "doesn't", "didn't", "won't",
    "wouldn't", "hasn't", "haven't", "hadn't", "can't", "couldn't",
];

/// Function words left out of the claim's content words.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
    "from", "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "it", "its",
    "this", "that", "these", "those", "he", "she", "they", "his", "her", "their", "we", "you", "i",
    "after", "over", "into", "about", "up", "out", "s", "will", "says", "said", "say", "new",
    "who", "what", "how", "just", "than", "then", "so", "do", "does", "did",
];

/// The cue classes, in output order.
const CUES: &[(&str, &[&str])] = &[
    ("refute", REFUTE),
    ("hedge", HEDGE),
    ("support", SUPPORT),
    ("negation", NEGATION),
];

/// Tokens within this distance of a claim word count as negating it.
const NEGATION_REACH: usize = 3;

/// The bit of the negation class in a [`cue_mask`].
const NEGATION_BIT: u8 = 1 << 3;

/// Which cue classes a lower-cased word belongs to (a word may be in several): bit `c` for
/// `CUES[c]`. One table lookup per body word; scanning the lists took a quarter of a claim
/// model's predict time.
fn cue_mask(lower: &str) -> u8 {
    cue_table().masks.get(lower).copied().unwrap_or(0)
}

/// [`cue_mask`]'s table, the length of its longest word, and a filter of its words.
struct CueTable {
    masks: FxHashMap<&'static str, u8>,
    longest: usize,
    /// 4096 bits: most body words are answered "no cue" here, without lower-casing or hashing.
    filter: WordFilter<64>,
}

fn cue_table() -> &'static CueTable {
    static TABLE: OnceLock<CueTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut masks = FxHashMap::default();
        for (c, (_, words)) in CUES.iter().enumerate() {
            for word in *words {
                *masks.entry(*word).or_insert(0) |= 1 << c;
            }
        }
        let longest = masks.keys().map(|w| w.len()).max().unwrap_or(0);
        let mut filter = WordFilter::default();
        for word in masks.keys() {
            filter.insert(word);
        }
        CueTable {
            masks,
            longest,
            filter,
        }
    })
}

/// [`cue_mask`] of token `i`'s lower-cased surface ([`lower_surface_into`], `buf` its
/// buffer). An ASCII word keeps its length when lower-cased, so one longer than every cue word
/// is none, and one already in lower case is looked up as it is: most body words are one or
/// the other, and copying each into `buf` cost as much as the lookup.
fn cue_mask_at(text: &TextView<'_>, i: usize, buf: &mut String) -> u8 {
    let s = text.surface(&text.tokens[i]);
    if s.is_ascii() {
        let table = cue_table();
        if s.len() > table.longest || !table.filter.may_hold(s) {
            return 0;
        }
        if !s.bytes().any(|b| b.is_ascii_uppercase()) {
            return cue_mask(s);
        }
    }
    lower_surface_into(text, i, buf);
    cue_mask(buf)
}

/// The classes of [`cue_mask`] as indices into `CUES`.
fn cue_classes(mask: u8) -> impl Iterator<Item = usize> {
    (0..CUES.len()).filter(move |c| mask & (1 << c) != 0)
}

/// The surface of token `i` lower-cased, curly apostrophes as straight ones (so "didn’t" is a
/// negation), written into `out`.
fn lower_surface_into(text: &TextView<'_>, i: usize, out: &mut String) {
    let s = text.surface(&text.tokens[i]);
    out.clear();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase().replace('\u{2019}', "'"));
    }
}

/// Count bins: 0, 1, 2, 3-4, 5+.
fn count_bin(n: usize) -> &'static str {
    match n {
        0 => "0",
        1 => "1",
        2 => "2",
        3..=4 => "3-4",
        _ => "5+",
    }
}

/// `num / den` in `bins` equal bins (the last one closed).
fn share_bin(num: usize, den: usize, bins: usize) -> String {
    if den == 0 {
        return "none".into();
    }
    (num * bins / den).min(bins - 1).to_string()
}

/// The claim's content words (stemmed terms), in order.
fn claim_terms<'a>(pair: &TextView<'a>) -> Vec<&'a str> {
    let mut lower = String::new();
    (0..pair.tokens.len())
        .filter(|&i| {
            lower_surface_into(pair, i, &mut lower);
            is_content_word(&lower)
        })
        .map(|i| pair.term(&pair.tokens[i]))
        .collect()
}

/// Whether a lower-cased word counts as a content word of a claim: two characters or more, one
/// of them a letter or digit, and not in [`STOPWORDS`].
fn is_content_word(lower: &str) -> bool {
    // A set, not the list: scanning the list for every word of every claim was 3 % of a claim
    // model's `slant predict` on short texts, in `memcmp`.
    static SET: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    let stopwords = SET.get_or_init(|| STOPWORDS.iter().copied().collect());
    lower.chars().any(char::is_alphanumeric)
        && lower.chars().nth(1).is_some()
        && !stopwords.contains(lower)
}

/// Emits every claim feature of one (body, claim) document; `terms` are the body's terms, and
/// `cue_masks` its tokens' [`cue_masks_into`] when known already (the same for every claim
/// paired with the body).
pub(crate) fn claim_features(
    doc: &DocView<'_>,
    terms: &[&str],
    cue_masks: Option<&[u8]>,
    e: &mut impl Emit,
) {
    let body = &doc.main;
    let claim = ClaimTerms::of(&claim_terms(&doc.pair), terms);
    let n_claim = claim.distinct.len();
    let found = distinct_found(n_claim, claim.in_body.iter().flatten().copied());
    let overlap = share_bin(found, n_claim, 10);
    e.emit(b'r', &["overlap", &overlap]);
    // Coarse relatedness, crossed with every cue below.
    let rel = match n_claim {
        0 => "none",
        n if found * 4 < n => "low",
        n if found * 2 < n => "mid",
        _ => "high",
    };
    let body_bigrams = claim.in_body.windows(2).filter_map(|w| match w {
        [Some(a), Some(b)] => claim
            .bigrams
            .binary_search(&(*a, *b))
            .ok()
            .map(|k| k as u32),
        _ => None,
    });
    let bigrams_found = distinct_found(claim.bigrams.len(), body_bigrams);
    e.emit(
        b'r',
        &["bigrams", &share_bin(bigrams_found, claim.bigrams.len(), 5)],
    );
    let lead = claim
        .in_body
        .iter()
        .zip(body.tokens)
        .take_while(|(_, t)| t.sentence < 2)
        .filter_map(|(id, _)| *id);
    let lead_found = distinct_found(n_claim, lead);
    e.emit(b'r', &["lead", &share_bin(lead_found, n_claim, 5)]);
    if n_claim == 0 {
        return;
    }
    let near = claim_sentence_mask(body, &claim.in_body, n_claim);
    let n_sentences = count_sentences(body, &near);
    e.emit(b'r', &["sentences", count_bin(n_sentences)]);
    cue_counts(doc, &claim.in_body, &near, cue_masks, rel, e);
    for (i, term) in terms.iter().enumerate() {
        if near[i] {
            e.emit(b'k', &[term, rel]);
        }
    }
}

/// The claim's content terms as ids, and which of them each body term is. The claim is short
/// and the body long: each body term is looked up once, among the claim's few sorted terms, and
/// every count below works on the ids (a body term used to be hashed into a set of the claim's
/// terms once per count).
struct ClaimTerms<'a> {
    /// The claim's distinct terms, sorted; a term's id is its place here.
    distinct: FewTerms<'a>,
    /// The claim's distinct bigrams (pairs of ids in claim order), sorted.
    bigrams: Vec<(u32, u32)>,
    /// Per body term, its id if it is a claim term.
    in_body: Vec<Option<u32>>,
}

impl<'a> ClaimTerms<'a> {
    fn of(claim_seq: &[&'a str], terms: &[&str]) -> Self {
        let distinct = FewTerms::new(claim_seq.to_vec());
        let id = |term: &str| distinct.position(term).map(|k| k as u32);
        let ids: Vec<u32> = claim_seq.iter().filter_map(|t| id(t)).collect();
        let mut bigrams: Vec<(u32, u32)> = ids.windows(2).map(|w| (w[0], w[1])).collect();
        bigrams.sort_unstable();
        bigrams.dedup();
        let in_body = terms.iter().map(|t| id(t)).collect();
        ClaimTerms {
            distinct,
            bigrams,
            in_body,
        }
    }
}

/// How many distinct ids below `n` occur in `ids`.
fn distinct_found(n: usize, ids: impl Iterator<Item = u32>) -> usize {
    let mut seen = vec![false; n];
    let mut found = 0;
    for id in ids {
        if !std::mem::replace(&mut seen[id as usize], true) {
            found += 1;
            if found == n {
                break;
            }
        }
    }
    found
}

/// Which body tokens sit in a claim sentence (one holding `n_claim.min(2)` claim terms).
fn claim_sentence_mask(body: &TextView<'_>, in_body: &[Option<u32>], n_claim: usize) -> Vec<bool> {
    let needed = n_claim.min(2);
    let mut mask = vec![false; in_body.len()];
    let mut start = 0;
    while start < in_body.len() {
        let sentence = body.tokens[start].sentence;
        let end = (start..in_body.len())
            .find(|&j| body.tokens[j].sentence != sentence)
            .unwrap_or(in_body.len());
        if found_in_at_least(&in_body[start..end], needed) {
            mask[start..end].iter_mut().for_each(|m| *m = true);
        }
        start = end;
    }
    mask
}

/// Whether `ids` hold at least `needed` (0, 1 or 2) distinct claim term ids.
fn found_in_at_least(ids: &[Option<u32>], needed: usize) -> bool {
    let mut first = None;
    let mut distinct = 0;
    for &id in ids.iter().flatten() {
        if distinct >= needed {
            break;
        }
        match first {
            None => {
                first = Some(id);
                distinct = 1;
            }
            Some(seen) if seen != id => distinct = 2,
            Some(_) => {}
        }
    }
    distinct >= needed
}

fn count_sentences(body: &TextView<'_>, mask: &[bool]) -> usize {
    let mut seen: Vec<u32> = body
        .tokens
        .iter()
        .zip(mask)
        .filter(|(_, &m)| m)
        .map(|(t, _)| t.sentence)
        .collect();
    seen.dedup();
    seen.len()
}

/// The [`cue_mask`] of every token of `body`, in order, written into `masks` (emptied first).
pub(crate) fn cue_masks_into(body: &TextView<'_>, masks: &mut Vec<u8>) {
    let mut lower = String::new();
    masks.clear();
    masks.extend((0..body.tokens.len()).map(|i| cue_mask_at(body, i, &mut lower)));
}

/// Cue counts in the body, in the claim sentences and in the claim; negations near claim words.
/// `known_masks`: the body's [`cue_masks_into`], if computed already.
fn cue_counts(
    doc: &DocView<'_>,
    claim_in_body: &[Option<u32>],
    near: &[bool],
    known_masks: Option<&[u8]>,
    rel: &str,
    e: &mut impl Emit,
) {
    let body = &doc.main;
    let n_terms = claim_in_body.len();
    let mut in_body = [0usize; 4];
    let mut in_near = [0usize; 4];
    let mut negated = 0;
    let mut lower = String::new();
    let mut computed = Vec::new();
    let masks = match known_masks {
        Some(masks) => masks,
        None => {
            cue_masks_into(body, &mut computed);
            &computed
        }
    };
    for (i, &mask) in masks.iter().enumerate() {
        for c in cue_classes(mask) {
            in_body[c] += 1;
            if near[i] {
                in_near[c] += 1;
            }
        }
        if claim_in_body[i].is_some() {
            let sentence = body.tokens[i].sentence;
            let lo = i.saturating_sub(NEGATION_REACH);
            let hi = (i + NEGATION_REACH + 1).min(n_terms);
            let negation = |j: usize| masks[j] & NEGATION_BIT != 0;
            if (lo..hi).any(|j| j != i && body.tokens[j].sentence == sentence && negation(j)) {
                negated += 1;
            }
        }
    }
    for (c, (name, _)) in CUES.iter().enumerate() {
        e.emit(b'r', &[name, "body", count_bin(in_body[c]), rel]);
        e.emit(b'r', &[name, "near", count_bin(in_near[c]), rel]);
    }
    e.emit(b'r', &["negated", count_bin(negated), rel]);
    let pair = &doc.pair;
    let mut in_claim = [false; 4];
    for i in 0..pair.tokens.len() {
        for c in cue_classes(cue_mask_at(pair, i, &mut lower)) {
            in_claim[c] = true;
        }
    }
    for (c, (name, _)) in CUES.iter().enumerate() {
        if in_claim[c] {
            e.emit(b'r', &[name, "claim"]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        cue_mask, cue_mask_at, cue_table, distinct_found, found_in_at_least, is_content_word,
        lower_surface_into, ClaimTerms, CUES, NEGATION_BIT, STOPWORDS,
    };
    use crate::features::{extract_named, FeatureSpec};
    use rustc_hash::FxHashSet;
    use slant_sdk::{DocView, TextView, Token};

    #[test]
    fn the_cue_table_says_what_the_lists_say() {
        assert_eq!(CUES[NEGATION_BIT.trailing_zeros() as usize].0, "negation");
        let words = CUES.iter().flat_map(|(_, words)| words.iter().copied());
        for word in words.chain(["", "denizen", "Fake", "fakes", "n't "]) {
            let scanned = CUES
                .iter()
                .enumerate()
                .filter(|(_, (_, words))| words.contains(&word))
                .fold(0u8, |mask, (c, _)| mask | 1 << c);
            assert_eq!(cue_mask(word), scanned, "{word:?}");
        }
    }

    fn lower_surface(text: &TextView<'_>, i: usize) -> String {
        let mut out = String::new();
        lower_surface_into(text, i, &mut out);
        out
    }

    #[test]
    fn every_cue_word_in_any_case_passes_the_filter() {
        let table = cue_table();
        for word in CUES.iter().flat_map(|(_, words)| words.iter()) {
            let title = word[..1].to_uppercase() + &word[1..];
            for form in [word.to_string(), word.to_uppercase(), title] {
                assert!(table.filter.may_hold(&form), "{form:?}");
            }
        }
        // The filter lets few other words through (it is what saves the lookups).
        let others = [
            "the", "budget", "council", "Approved", "x", "2014", "hello", "@user",
        ];
        let passed = others.iter().filter(|w| table.filter.may_hold(w)).count();
        assert!(passed <= 2, "{passed} of {others:?}");
    }

    #[test]
    fn content_words_are_what_the_stopword_list_leaves() {
        let words = STOPWORDS.iter().copied();
        for word in words.chain([
            "", "a", "x", "7", "42", "--", "-a", "é", "éa", "council", "n't",
        ]) {
            let listed = word.chars().any(char::is_alphanumeric)
                && word.chars().count() > 1
                && !STOPWORDS.contains(&word);
            assert_eq!(is_content_word(word), listed, "{word:?}");
        }
    }

    #[test]
    fn a_tokens_cue_mask_is_that_of_its_lower_cased_surface() {
        let text = "Denied DENIED denied didn’t Didn't NOT not fake FAKE Fraudulently \
                    İstanbul ÉCHEC debunked Debunked, Allegedly CONFIRMED a x";
        let (tokens, terms) = view(text);
        let view = TextView::new(text, &tokens, &terms);
        let mut buf = String::new();
        for i in 0..tokens.len() {
            let lower = lower_surface(&view, i);
            assert_eq!(
                cue_mask_at(&view, i, &mut buf),
                cue_mask(&lower),
                "{lower:?}"
            );
        }
        // The words above hold cue words of every kind, in every case.
        let all = (0..tokens.len()).fold(0, |m, i| m | cue_mask_at(&view, i, &mut buf));
        assert_eq!(all.count_ones() as usize, CUES.len());
    }

    #[test]
    fn distinct_members_found_equal_a_set_intersection() {
        let mut draw = crate::xorshift(0x9e37_79b9_7f4a_7c15);
        let pool = ["a", "b", "c", "d", "e", "f", "g"];
        for _ in 0..2000 {
            let mut pick =
                |len: usize| -> Vec<&str> { (0..draw(len)).map(|_| pool[draw(7)]).collect() };
            let (claim, body) = (pick(5), pick(12));
            let wanted: FxHashSet<&str> = claim.iter().copied().collect();
            let seen: FxHashSet<&str> = body.iter().copied().collect();
            let expected = wanted.intersection(&seen).count();
            let ids = ClaimTerms::of(&claim, &body);
            assert_eq!(ids.distinct.len(), wanted.len());
            let found = distinct_found(wanted.len(), ids.in_body.iter().flatten().copied());
            assert_eq!(found, expected, "{claim:?} {body:?}");
            for needed in 0..=2 {
                assert_eq!(
                    found_in_at_least(&ids.in_body, needed),
                    expected >= needed,
                    "{claim:?} {body:?} {needed}"
                );
            }
            // Bigrams by id are the bigrams by term.
            let pairs = |t: &[&str]| -> FxHashSet<(String, String)> {
                t.windows(2).map(|w| (w[0].into(), w[1].into())).collect()
            };
            let (claim_pairs, body_pairs) = (pairs(&claim), pairs(&body));
            assert_eq!(ids.bigrams.len(), claim_pairs.len());
            let by_id = ids.in_body.windows(2).filter_map(|w| match w {
                [Some(a), Some(b)] => ids.bigrams.binary_search(&(*a, *b)).ok().map(|k| k as u32),
                _ => None,
            });
            assert_eq!(
                distinct_found(ids.bigrams.len(), by_id),
                claim_pairs.intersection(&body_pairs).count(),
                "{claim:?} {body:?}"
            );
        }
    }

    /// Tokens of whitespace-separated words (the term is the lower-cased word), one sentence
    /// per `|`.
    fn view(text: &str) -> (Vec<Token>, String) {
        let mut tokens = Vec::new();
        let mut terms = String::new();
        let (mut sentence, mut pos) = (0, 0);
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
                terms.push_str(&w.to_lowercase());
            }
            pos += w.len() + 1;
        }
        (tokens, terms)
    }

    fn names(body: &str, claim: &str) -> Vec<String> {
        let (bt, bterms) = view(body);
        let (ct, cterms) = view(claim);
        let spec = FeatureSpec {
            word_ngrams: [1, 1],
            pair: true,
            claim_cues: true,
            ..FeatureSpec::default()
        };
        let doc = DocView {
            main: TextView::new(body, &bt, &bterms),
            pair: TextView::new(claim, &ct, &cterms),
            target: "",
        };
        extract_named(&spec, &doc)
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    }

    #[test]
    fn refutation_near_the_claim_is_seen_and_crossed_with_relatedness() {
        let n = names(
            "Officials denied the shark attack story | the weather was fine | it is not a shark",
            "Shark attack in Sydney",
        );
        for expected in [
            "claim:overlap:6",          // shark, attack of {shark, attack, sydney}
            "claim:sentences:1",        // only the first sentence holds two claim words
            "claim:refute:near:1:high", // "denied" in that sentence
            "claim:refute:body:1:high",
            "claim:negated:1:high", // "not a shark"
            "claim-sentence:denied:high",
            "claim:bigrams:2", // "shark attack", not "attack sydney"
            "claim:lead:3",
        ] {
            assert!(n.iter().any(|x| x == expected), "{expected}: {n:?}");
        }
        assert!(
            !n.iter().any(|x| x == "claim-sentence:weather:high"),
            "{n:?}"
        );
    }

    #[test]
    fn an_unrelated_body_is_low_and_the_claims_own_cues_count() {
        let n = names("Stocks rose on Monday", "Hoax giant squid found");
        assert!(n.contains(&"claim:overlap:0".to_string()), "{n:?}");
        assert!(n.contains(&"claim:sentences:0".to_string()), "{n:?}");
        assert!(n.contains(&"claim:refute:body:0:low".to_string()), "{n:?}");
        assert!(n.contains(&"claim:refute:claim".to_string()), "{n:?}");
        // Without the setting, none of it: old models keep their features.
        let spec = FeatureSpec {
            pair: true,
            ..FeatureSpec::default()
        };
        assert!(!serde_json::to_string(&spec).unwrap().contains("claim_cues"));
        let bad = FeatureSpec {
            claim_cues: true,
            ..FeatureSpec::default()
        };
        assert!(bad.validate().is_err());
    }
}
