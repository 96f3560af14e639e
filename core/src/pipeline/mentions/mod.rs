//! The `mentions` unit: every mention of a named target in the article body, classified in its
//! sentence, then aggregated per target.
//!
//! [`MentionFinder`] finds the mentions (its module says by which rules). Each mention is
//! classified with its sentence as the main text and the mention's own tokens as the pair (so a
//! target-window model looks at the words around that mention), and the target's name as the
//! target. An article that never mentions a target has no entry for it.

mod finder;

pub use finder::{Mention, MentionFinder};

use std::ops::Range;

use indexmap::IndexMap;

use super::batch::{ArticleWork, BatchTexts};
use super::stage::ClassifierStage;
use super::units::{regroup, sentence_around, weighted_mean};
use super::LabelOptions;
use crate::labeled::{
    round4, Cue, MentionResult, Scores, StrongestMention, TargetStance, UnitScores,
};
use crate::plugin::{ClassifyInput, PluginError, TokenBatch};
use crate::serve::decide::argmax;

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
    let mut out: Vec<Located> = Vec::with_capacity(mentions.len());
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
        // Mentions come in text order, so one sentence's mentions follow each other: the walk
        // over a sentence is made once, however long the sentence and however many mentions.
        let previous = out.last().map(|l| l.sentence.clone());
        let Some(sentence) = previous
            .filter(|s| s.contains(&anchor))
            .or_else(|| sentence_around(tokens, doc, anchor))
        else {
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
        w.stages.entry(stage.name.to_string()).or_default().targets = Some(targets);
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
    let shares = label_shares(stage, &units);
    let strongest = strongest_unit(&units);
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

/// Each label's share of the mentions `units` (rounded to four places).
fn label_shares(stage: &ClassifierStage, units: &[UnitScores]) -> Scores {
    let mut shares: Scores = stage
        .outputs
        .labels
        .iter()
        .map(|l| (l.clone(), 0.0))
        .collect();
    for u in units {
        if let Some(share) = u.label.as_ref().and_then(|l| shares.get_mut(l)) {
            *share += 1.0;
        }
    }
    shares
        .values_mut()
        .for_each(|s| *s = round4(*s / units.len() as f64));
    shares
}

/// The mention whose decision is surest: the largest |signed score|, or else the largest
/// probability (the first of equals).
fn strongest_unit(units: &[UnitScores]) -> Option<usize> {
    let strength = |u: &UnitScores| {
        u.score
            .map(f64::abs)
            .unwrap_or_else(|| u.scores.values().copied().fold(0.0, f64::max))
    };
    (0..units.len()).reduce(|best, j| {
        if strength(&units[j]) > strength(&units[best]) {
            j
        } else {
            best
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::targets::TargetMap;
    use slant_sdk::Token;

    #[test]
    fn each_mention_is_placed_in_the_sentence_and_tokens_it_falls_in() {
        let text = "Syria and Syria. Syria now.";
        let words = [(0, 5, 0), (6, 9, 0), (10, 15, 0), (17, 22, 1), (23, 26, 1)];
        let tokens: Vec<Token> = words
            .iter()
            .map(|&(start, end, sentence)| Token {
                byte_start: start,
                byte_end: end,
                sentence,
                ..Token::default()
            })
            .collect();
        let batch = TokenBatch {
            tokens: tokens.into(),
            // One document holding every token.
            doc_ranges: std::iter::once(0..words.len()).collect(),
            sentences: vec![2],
            ..TokenBatch::default()
        };
        let targets: TargetMap = [("Syria".to_string(), vec!["Syria".to_string()])]
            .into_iter()
            .collect();
        let finder = MentionFinder::new(&targets).unwrap();
        let located = locate(&batch, 0, finder.find(text));
        let placed: Vec<_> = located
            .iter()
            .map(|l| (l.mention.start, l.sentence.clone(), l.tokens.clone()))
            .collect();
        assert_eq!(
            placed,
            [(0, 0..3, 0..1), (10, 0..3, 2..3), (17, 3..5, 3..4)]
        );
    }
}
