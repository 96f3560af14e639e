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
    static MASKS: OnceLock<FxHashMap<&'static str, u8>> = OnceLock::new();
    let masks = MASKS.get_or_init(|| {
        let mut masks = FxHashMap::default();
        for (c, (_, words)) in CUES.iter().enumerate() {
            for word in *words {
                *masks.entry(*word).or_insert(0) |= 1 << c;
            }
        }
        masks
    });
    masks.get(lower).copied().unwrap_or(0)
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

fn lower_surface(text: &TextView<'_>, i: usize) -> String {
    let mut out = String::new();
    lower_surface_into(text, i, &mut out);
    out
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
    (0..pair.tokens.len())
        .filter(|&i| {
            let lower = lower_surface(pair, i);
            lower.chars().any(char::is_alphanumeric)
                && lower.chars().count() > 1
                && !STOPWORDS.contains(&lower.as_str())
        })
        .map(|i| pair.term(&pair.tokens[i]))
        .collect()
}

/// Emits every claim feature of one (body, claim) document; `terms` are the body's terms.
pub(crate) fn claim_features(doc: &DocView<'_>, terms: &[&str], e: &mut impl Emit) {
    let body = &doc.main;
    let claim_seq = claim_terms(&doc.pair);
    let claim: FxHashSet<&str> = claim_seq.iter().copied().collect();
    // The claim is short and the body long: the claim's words found are gathered while walking
    // the body once, instead of hashing every body word into a set.
    let found = found_in(&claim, terms.iter().copied());
    let overlap = share_bin(found, claim.len(), 10);
    e.emit(b'r', &["overlap", &overlap]);
    // Coarse relatedness, crossed with every cue below.
    let rel = match claim.len() {
        0 => "none",
        n if found * 4 < n => "low",
        n if found * 2 < n => "mid",
        _ => "high",
    };
    let claim_bigrams: FxHashSet<(&str, &str)> =
        claim_seq.windows(2).map(|w| (w[0], w[1])).collect();
    let bigrams_found = found_in(&claim_bigrams, terms.windows(2).map(|w| (w[0], w[1])));
    e.emit(
        b'r',
        &["bigrams", &share_bin(bigrams_found, claim_bigrams.len(), 5)],
    );
    let lead = terms
        .iter()
        .zip(body.tokens)
        .take_while(|(_, t)| t.sentence < 2)
        .map(|(term, _)| *term);
    let lead_found = found_in(&claim, lead);
    e.emit(b'r', &["lead", &share_bin(lead_found, claim.len(), 5)]);
    if claim.is_empty() {
        return;
    }
    let near = claim_sentence_mask(body, terms, &claim);
    let n_sentences = count_sentences(body, &near);
    e.emit(b'r', &["sentences", count_bin(n_sentences)]);
    cue_counts(doc, terms, &claim, &near, rel, e);
    for (i, term) in terms.iter().enumerate() {
        if near[i] {
            e.emit(b'k', &[term, rel]);
        }
    }
}

/// How many distinct members of `wanted` occur in `items`.
fn found_in<T: std::hash::Hash + Eq + Copy>(
    wanted: &FxHashSet<T>,
    items: impl Iterator<Item = T>,
) -> usize {
    let mut found = FxHashSet::default();
    for item in items.filter(|item| wanted.contains(item)) {
        found.insert(item);
        if found.len() == wanted.len() {
            break;
        }
    }
    found.len()
}

/// Which body tokens sit in a claim sentence.
fn claim_sentence_mask(body: &TextView<'_>, terms: &[&str], claim: &FxHashSet<&str>) -> Vec<bool> {
    let needed = claim.len().min(2);
    let mut mask = vec![false; terms.len()];
    let mut start = 0;
    while start < terms.len() {
        let sentence = body.tokens[start].sentence;
        let end = (start..terms.len())
            .find(|&j| body.tokens[j].sentence != sentence)
            .unwrap_or(terms.len());
        if found_in_at_least(claim, &terms[start..end], needed) {
            mask[start..end].iter_mut().for_each(|m| *m = true);
        }
        start = end;
    }
    mask
}

/// Whether `terms` hold at least `needed` (0, 1 or 2) distinct members of `claim`.
fn found_in_at_least(claim: &FxHashSet<&str>, terms: &[&str], needed: usize) -> bool {
    let mut first = None;
    let mut distinct = 0;
    for &term in terms.iter().filter(|t| claim.contains(*t)) {
        if distinct >= needed {
            break;
        }
        match first {
            None => {
                first = Some(term);
                distinct = 1;
            }
            Some(seen) if seen != term => distinct = 2,
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

/// Cue counts in the body, in the claim sentences and in the claim; negations near claim words.
fn cue_counts(
    doc: &DocView<'_>,
    terms: &[&str],
    claim: &FxHashSet<&str>,
    near: &[bool],
    rel: &str,
    e: &mut impl Emit,
) {
    let body = &doc.main;
    let mut in_body = [0usize; 4];
    let mut in_near = [0usize; 4];
    let mut negated = 0;
    let mut lower = String::new();
    let masks: Vec<u8> = (0..terms.len())
        .map(|i| {
            lower_surface_into(body, i, &mut lower);
            cue_mask(&lower)
        })
        .collect();
    for (i, &mask) in masks.iter().enumerate() {
        for c in cue_classes(mask) {
            in_body[c] += 1;
            if near[i] {
                in_near[c] += 1;
            }
        }
        if claim.contains(terms[i]) {
            let sentence = body.tokens[i].sentence;
            let lo = i.saturating_sub(NEGATION_REACH);
            let hi = (i + NEGATION_REACH + 1).min(terms.len());
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
        lower_surface_into(pair, i, &mut lower);
        for c in cue_classes(cue_mask(&lower)) {
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
    use super::{cue_mask, found_in, found_in_at_least, CUES, NEGATION_BIT};
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
            assert_eq!(found_in(&wanted, body.iter().copied()), expected);
            for needed in 0..=2 {
                assert_eq!(
                    found_in_at_least(&wanted, &body, needed),
                    expected >= needed,
                    "{claim:?} {body:?} {needed}"
                );
            }
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
