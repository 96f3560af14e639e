//! The `mentions` unit: every mention of a named target in the article body, classified in its
//! sentence, then aggregated per target.
//!
//! Matching ([`MentionFinder`]) is on the raw body text, so offsets are exact bytes:
//! - case-insensitive, except that an alias written in capitals with at most five letters (an
//!   acronym such as `US`, `SAA`, `IS`) matches only in capitals, so `US` never matches "us";
//! - only on word boundaries: the characters on either side must not be letters or digits, so
//!   "Russia's" and "US-backed" hold a mention and "Russian" or "USA" do not;
//! - overlapping matches resolve to the leftmost, then longest: in "Free Syrian Army", the
//!   alias "Free Syrian Army" wins over "Syrian Army" (another target's alias).
//!
//! Each mention is classified with its sentence as the main text and the mention's own tokens
//! as the pair (so a target-window model looks at the words around that mention), and the
//! target's name as the target. An article that never mentions a target has no entry for it.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use indexmap::IndexMap;

use super::batch::{ArticleWork, BatchTexts};
use super::stage::ClassifierStage;
use super::targets::TargetMap;
use super::units::{regroup, sentence_ranges, weighted_mean};
use super::LabelOptions;
use crate::labeled::{
    round4, Cue, MentionResult, Scores, StrongestMention, TargetStance, UnitScores,
};
use crate::plugin::{ClassifyInput, PluginError, TokenBatch};
use crate::serve::decide::argmax;

/// One alias of one target.
#[derive(Debug)]
struct Alias {
    target: usize,
    text: String,
    /// Acronyms match only as written.
    exact_case: bool,
}

/// One mention found in a text: which target, through which alias, at which bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub target: usize,
    pub start: usize,
    pub end: usize,
    alias: usize,
}

/// Finds the mentions of a set of targets; remembers which targets matched anything.
#[derive(Debug)]
pub struct MentionFinder {
    names: Vec<String>,
    aliases: Vec<Alias>,
    automaton: AhoCorasick,
    matched: Vec<AtomicBool>,
}

impl MentionFinder {
    /// Builds a finder for `targets` (each target's name is one of its aliases).
    ///
    /// # Errors
    /// One alias given to two targets (which one would it mention?), or an automaton that
    /// cannot be built.
    pub fn new(targets: &TargetMap) -> Result<MentionFinder, String> {
        let mut aliases: Vec<Alias> = Vec::new();
        for (t, (name, listed)) in targets.iter().enumerate() {
            for text in std::iter::once(name).chain(listed) {
                let text = text.trim();
                let key = text.to_lowercase();
                match aliases.iter().find(|a| a.text.to_lowercase() == key) {
                    Some(a) if a.target == t => continue,
                    Some(a) => {
                        return Err(format!(
                            "alias `{text}` is given to both `{}` and `{name}`",
                            targets.get_index(a.target).map_or("?", |(n, _)| n.as_str())
                        ))
                    }
                    None => aliases.push(Alias {
                        target: t,
                        text: text.to_string(),
                        exact_case: is_acronym(text),
                    }),
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(aliases.iter().map(|a| a.text.as_str()))
            .map_err(|e| format!("cannot build the alias matcher: {e}"))?;
        Ok(MentionFinder {
            names: targets.keys().cloned().collect(),
            matched: targets.keys().map(|_| AtomicBool::new(false)).collect(),
            aliases,
            automaton,
        })
    }

    /// Target names, in configured order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The alias text a mention was found through.
    pub fn alias(&self, mention: &Mention) -> &str {
        &self.aliases[mention.alias].text
    }

    /// Every mention in `text`, in text order, overlaps resolved leftmost-longest.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        let mut found: Vec<Mention> = self
            .automaton
            .find_overlapping_iter(text)
            .map(|m| Mention {
                target: self.aliases[m.pattern().as_usize()].target,
                alias: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
            .filter(|m| self.is_whole_word(text, m))
            .collect();
        found.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
        let mut kept: Vec<Mention> = Vec::with_capacity(found.len());
        for m in found {
            if kept.last().is_none_or(|last| m.start >= last.end) {
                kept.push(m);
            }
        }
        for m in &kept {
            self.matched[m.target].store(true, Ordering::Relaxed);
        }
        kept
    }

    /// Names of the targets no article mentioned so far, with their aliases.
    pub fn unmatched(&self) -> Vec<(String, Vec<String>)> {
        (0..self.names.len())
            .filter(|&t| !self.matched[t].load(Ordering::Relaxed))
            .map(|t| {
                let aliases = self.aliases.iter().filter(|a| a.target == t);
                (
                    self.names[t].clone(),
                    aliases.map(|a| a.text.clone()).collect(),
                )
            })
            .collect()
    }

    fn is_whole_word(&self, text: &str, m: &Mention) -> bool {
        let alias = &self.aliases[m.alias];
        if alias.exact_case && text[m.start..m.end] != alias.text {
            return false;
        }
        let before = text[..m.start].chars().next_back();
        let after = text[m.end..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    }
}

/// An acronym: two to five letters, all capitals (digits and dots allowed).
fn is_acronym(alias: &str) -> bool {
    let letters = alias.chars().filter(|c| c.is_alphabetic()).count();
    (2..=5).contains(&letters)
        && alias
            .chars()
            .all(|c| c.is_uppercase() || c.is_ascii_digit() || c == '.')
}

/// Where one mention sits in the batch's body tokens.
struct Located {
    article: usize,
    mention: Mention,
    /// Tokens of its sentence.
    sentence: Range<usize>,
    /// Tokens overlapping the mention itself.
    tokens: Range<usize>,
}

/// The sentence and tokens of each mention of document `doc` (mentions without any token,
/// e.g. inside markup the tokenizer skipped, take the sentence of the nearest token before).
fn locate(tokens: &TokenBatch, doc: usize, mentions: Vec<Mention>) -> Vec<Located> {
    let sentences = sentence_ranges(tokens, doc);
    let mut out = Vec::with_capacity(mentions.len());
    for m in mentions {
        let first = tokens.tokens[tokens.doc_ranges[doc].clone()]
            .partition_point(|t| (t.byte_end as usize) <= m.start)
            + tokens.doc_ranges[doc].start;
        let last = tokens.tokens[first..tokens.doc_ranges[doc].end]
            .partition_point(|t| (t.byte_start as usize) < m.end)
            + first;
        let doc_start = tokens.doc_ranges[doc].start;
        let anchor = if first < last {
            first
        } else {
            first.saturating_sub(1).max(doc_start)
        };
        let Some(sentence) = sentences.iter().find(|s| s.contains(&anchor)).cloned() else {
            continue; // a document without tokens has no sentence to judge a mention in
        };
        out.push(Located {
            article: doc,
            mention: m,
            sentence,
            tokens: first..last,
        });
    }
    out
}

/// Runs a stage over the mentions of every article of the batch.
///
/// # Errors
/// The plugin's error.
pub fn apply(
    stage: &ClassifierStage,
    finder: &MentionFinder,
    texts: &BatchTexts<'_>,
    work: &mut [ArticleWork],
    options: &LabelOptions,
) -> Result<(), PluginError> {
    let located: Vec<Located> = (0..work.len())
        .flat_map(|i| locate(&texts.body_tokens, i, finder.find(texts.bodies[i])))
        .collect();
    let k = stage.width();
    let (scores, explained) = classify(stage, finder, texts, &located, options.explain)?;
    let mut explained = explained.into_iter();
    let mut rows = scores.chunks_exact(k).zip(&located).peekable();
    for (i, w) in work.iter_mut().enumerate() {
        let mut per_target: IndexMap<usize, Vec<Scored<'_>>> = IndexMap::new();
        while let Some((row, l)) = rows.next_if(|(_, l)| l.article == i) {
            per_target.entry(l.mention.target).or_default().push((
                l,
                row,
                explained.next().flatten(),
            ));
        }
        let body = texts.bodies[i];
        let targets = (0..finder.names().len())
            .filter_map(|t| {
                let found = per_target.get(&t)?;
                let list = options.mentions || options.explain > 0;
                let stance = aggregate(stage, finder, body, found, list);
                Some((finder.names()[t].clone(), stance))
            })
            .collect();
        w.stages.entry(stage.name.clone()).or_default().targets = Some(targets);
    }
    Ok(())
}

/// The scores of one mention, and the cues behind its decision when explaining.
type Scored<'a> = (&'a Located, &'a [f32], Option<Vec<Cue>>);

/// Every mention's scores, row after row, and per mention its cues (empty when not explaining).
type Classified = (Vec<f32>, Vec<Option<Vec<Cue>>>);

/// Classifies every located mention: its sentence as main text, its tokens as the pair. With
/// `explain > 0` (and a stage that can explain), also the `explain` cues behind each decision.
fn classify(
    stage: &ClassifierStage,
    finder: &MentionFinder,
    texts: &BatchTexts<'_>,
    located: &[Located],
    explain: usize,
) -> Result<Classified, PluginError> {
    if located.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let sentences: Vec<Range<usize>> = located.iter().map(|l| l.sentence.clone()).collect();
    let spans: Vec<Range<usize>> = located.iter().map(|l| l.tokens.clone()).collect();
    let main = regroup(&texts.body_tokens, &sentences);
    let pair = regroup(&texts.body_tokens, &spans);
    let inputs: Vec<ClassifyInput<'_>> = located
        .iter()
        .enumerate()
        .map(|(j, l)| ClassifyInput {
            main: (texts.bodies[l.article], &main, j),
            pair: Some((texts.bodies[l.article], &pair, j)),
            target: &finder.names()[l.mention.target],
        })
        .collect();
    let scores = stage.instance.classify(&inputs, stage.width())?;
    let explained = match stage.explainer.as_ref().filter(|_| explain > 0) {
        None => Vec::new(),
        Some(explainer) => inputs
            .iter()
            .zip(scores.chunks_exact(stage.width()))
            .map(|(input, row)| {
                let pair = input.pair?; // always set above: the mention's own tokens
                let decided = argmax(row);
                Some(explainer.explain_pair(input.main, pair, input.target, decided, explain))
            })
            .collect(),
    };
    Ok((scores, explained))
}

/// The stance of one article toward one target, from the rows of its mentions.
fn aggregate(
    stage: &ClassifierStage,
    finder: &MentionFinder,
    body: &str,
    found: &[Scored<'_>],
    list: bool,
) -> TargetStance {
    let k = stage.width();
    let rows: Vec<f32> = found
        .iter()
        .flat_map(|(_, r, _)| r.iter().copied())
        .collect();
    let mean = weighted_mean(&rows, k, &vec![1; found.len()]);
    let units: Vec<_> = found
        .iter()
        .map(|(_, r, cues)| UnitScores {
            explain: cues.clone(),
            ..stage.unit(r)
        })
        .collect();
    let mut shares: Scores = stage
        .outputs
        .labels
        .iter()
        .map(|l| (l.clone(), 0.0))
        .collect();
    for u in &units {
        if let Some(share) = u.label.as_ref().and_then(|l| shares.get_mut(l)) {
            *share += 1.0;
        }
    }
    shares
        .values_mut()
        .for_each(|s| *s = round4(*s / found.len() as f64));
    let strength = |u: &crate::labeled::UnitScores| {
        u.score
            .map(f64::abs)
            .unwrap_or_else(|| u.scores.values().copied().fold(0.0, f64::max))
    };
    let strongest = (0..units.len()).reduce(|best, j| {
        if strength(&units[j]) > strength(&units[best]) {
            j
        } else {
            best
        }
    });
    TargetStance {
        mentions: found.len(),
        label: mean.as_ref().and_then(|m| stage.outputs.label(m)),
        score: mean.as_ref().and_then(|m| stage.outputs.signed(m)),
        shares,
        strongest: strongest.map(|j| {
            let m = &found[j].0.mention;
            StrongestMention {
                start: m.start,
                end: m.end,
                text: body[m.start..m.end].to_string(),
                label: units[j].label.clone(),
                score: units[j].score,
            }
        }),
        mention_list: list.then(|| {
            found
                .iter()
                .zip(units)
                .map(|((l, _, _), result)| MentionResult {
                    start: l.mention.start,
                    end: l.mention.end,
                    alias: finder.alias(&l.mention).to_string(),
                    result,
                })
                .collect()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder(targets: &[(&str, &[&str])]) -> MentionFinder {
        let map: TargetMap = targets
            .iter()
            .map(|(n, a)| (n.to_string(), a.iter().map(|s| s.to_string()).collect()))
            .collect();
        MentionFinder::new(&map).unwrap()
    }

    fn found(f: &MentionFinder, text: &str) -> Vec<(String, String)> {
        f.find(text)
            .iter()
            .map(|m| {
                (
                    f.names()[m.target].clone(),
                    text[m.start..m.end].to_string(),
                )
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn case_insensitive_multi_word_possessive_and_hyphenated() {
        let f = finder(&[
            ("Russia", &["Moscow", "Kremlin"]),
            ("United States", &["US", "Washington"]),
            ("Syrian government", &["Syrian Army", "Assad"]),
        ]);
        let text = "RUSSIA's envoy met US-backed fighters; the syrian army and Assad’s aides \
                    said the kremlin, and Washington, agree.";
        assert_eq!(
            found(&f, text),
            pairs(&[
                ("Russia", "RUSSIA"),
                ("United States", "US"),
                ("Syrian government", "syrian army"),
                ("Syrian government", "Assad"),
                ("Russia", "kremlin"),
                ("United States", "Washington"),
            ])
        );
    }

    #[test]
    fn never_inside_longer_words_and_acronyms_keep_their_case() {
        let f = finder(&[
            ("Russia", &[]),
            ("United States", &["US"]),
            ("ISIS", &["IS"]),
        ]);
        let text = "Russian and Russians, the USA, campus bus: tell us, this is Prussia.";
        assert!(found(&f, text).is_empty(), "{:?}", found(&f, text));
        assert_eq!(found(&f, "IS fighters"), pairs(&[("ISIS", "IS")]));
    }

    #[test]
    fn overlapping_aliases_resolve_to_the_longest_match() {
        let f = finder(&[
            ("Syrian government", &["Syrian Army"]),
            ("Syrian opposition", &["Free Syrian Army", "FSA"]),
        ]);
        let text = "The Free Syrian Army fought the Syrian Army.";
        assert_eq!(
            found(&f, text),
            pairs(&[
                ("Syrian opposition", "Free Syrian Army"),
                ("Syrian government", "Syrian Army"),
            ])
        );
        let only_gov = finder(&[("Syrian government", &["Syrian Army"])]);
        assert_eq!(found(&only_gov, "the Free Syrian Army").len(), 1);
    }

    #[test]
    fn unmatched_targets_are_remembered_and_shared_aliases_refused() {
        let f = finder(&[("Russia", &["Moscow"]), ("Turkey", &["Ankara"])]);
        f.find("Moscow said.");
        let unmatched = f.unmatched();
        assert_eq!(unmatched.len(), 1);
        assert_eq!(unmatched[0].0, "Turkey");
        assert_eq!(unmatched[0].1, ["Turkey", "Ankara"]);
        let map: TargetMap = [
            ("A".to_string(), vec!["Damascus".to_string()]),
            ("B".to_string(), vec!["damascus".to_string()]),
        ]
        .into_iter()
        .collect();
        let e = MentionFinder::new(&map).unwrap_err();
        assert!(e.contains("`A`") && e.contains("`B`"), "{e}");
    }
}
