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

use std::collections::HashSet;

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

/// Which cue classes a lower-cased word belongs to (a word may be in several).
fn cue_classes(lower: &str) -> impl Iterator<Item = usize> + '_ {
    CUES.iter()
        .enumerate()
        .filter(move |(_, (_, words))| words.contains(&lower))
        .map(|(i, _)| i)
}

fn lower_surface(text: &TextView<'_>, i: usize) -> String {
    let s = text.surface(&text.tokens[i]);
    // Curly apostrophes as straight ones, so "didn’t" is a negation.
    s.to_lowercase().replace('\u{2019}', "'")
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
    let claim: HashSet<&str> = claim_seq.iter().copied().collect();
    let body_terms: HashSet<&str> = terms.iter().copied().collect();
    let found = claim.iter().filter(|t| body_terms.contains(*t)).count();
    let overlap = share_bin(found, claim.len(), 10);
    e.emit(b'r', &["overlap", &overlap]);
    // Coarse relatedness, crossed with every cue below.
    let rel = match claim.len() {
        0 => "none",
        n if found * 4 < n => "low",
        n if found * 2 < n => "mid",
        _ => "high",
    };
    let body_bigrams: HashSet<(&str, &str)> = terms.windows(2).map(|w| (w[0], w[1])).collect();
    let claim_bigrams: HashSet<(&str, &str)> = claim_seq.windows(2).map(|w| (w[0], w[1])).collect();
    let bigrams_found = claim_bigrams
        .iter()
        .filter(|b| body_bigrams.contains(b))
        .count();
    e.emit(
        b'r',
        &["bigrams", &share_bin(bigrams_found, claim_bigrams.len(), 5)],
    );
    let lead: HashSet<&str> = terms
        .iter()
        .zip(body.tokens)
        .take_while(|(_, t)| t.sentence < 2)
        .map(|(term, _)| *term)
        .collect();
    let lead_found = claim.iter().filter(|t| lead.contains(*t)).count();
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

/// Which body tokens sit in a claim sentence.
fn claim_sentence_mask(body: &TextView<'_>, terms: &[&str], claim: &HashSet<&str>) -> Vec<bool> {
    let needed = claim.len().min(2);
    let mut mask = vec![false; terms.len()];
    let mut start = 0;
    while start < terms.len() {
        let sentence = body.tokens[start].sentence;
        let end = (start..terms.len())
            .find(|&j| body.tokens[j].sentence != sentence)
            .unwrap_or(terms.len());
        let distinct: HashSet<&str> = terms[start..end]
            .iter()
            .copied()
            .filter(|t| claim.contains(t))
            .collect();
        if distinct.len() >= needed {
            mask[start..end].iter_mut().for_each(|m| *m = true);
        }
        start = end;
    }
    mask
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
    claim: &HashSet<&str>,
    near: &[bool],
    rel: &str,
    e: &mut impl Emit,
) {
    let body = &doc.main;
    let mut in_body = [0usize; 4];
    let mut in_near = [0usize; 4];
    let mut negated = 0;
    let is_negation = |lower: &str| NEGATION.contains(&lower);
    let lowers: Vec<String> = (0..terms.len()).map(|i| lower_surface(body, i)).collect();
    for (i, lower) in lowers.iter().enumerate() {
        for c in cue_classes(lower) {
            in_body[c] += 1;
            if near[i] {
                in_near[c] += 1;
            }
        }
        if claim.contains(terms[i]) {
            let sentence = body.tokens[i].sentence;
            let lo = i.saturating_sub(NEGATION_REACH);
            let hi = (i + NEGATION_REACH + 1).min(terms.len());
            if (lo..hi)
                .any(|j| j != i && body.tokens[j].sentence == sentence && is_negation(&lowers[j]))
            {
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
        for c in cue_classes(&lower_surface(pair, i)) {
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
    use crate::features::{extract_named, FeatureSpec};
    use slant_sdk::{DocView, TextView, Token};

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
