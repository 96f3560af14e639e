//! The `claims` unit: each configured claim paired with the article body, so a claim-stance
//! model says whether the article agrees with, disagrees with, discusses or is unrelated to it.
//!
//! The body is the main text and the claim the pair, as in training on headline ↔ body data.
//! Claims are tokenized once per batch by the pipeline's tokenizer.

use super::batch::{ArticleWork, BatchTexts};
use super::stage::ClassifierStage;
use crate::labeled::ClaimResult;
use crate::plugin::{ClassifyInput, PluginError};

/// Runs a stage over every (article, claim) pair of the batch; each article gets one result
/// per claim, in configured order.
///
/// # Errors
/// The tokenizer's or the plugin's error.
pub fn apply(
    stage: &ClassifierStage,
    claims: &[String],
    texts: &BatchTexts<'_>,
    work: &mut [ArticleWork],
) -> Result<(), PluginError> {
    if claims.is_empty() || work.is_empty() {
        return Ok(());
    }
    let claim_texts: Vec<&str> = claims.iter().map(String::as_str).collect();
    let claim_tokens = texts.tokenizer.tokenize(&claim_texts)?;
    let inputs: Vec<ClassifyInput<'_>> = (0..work.len())
        .flat_map(|i| (0..claims.len()).map(move |c| (i, c)))
        .map(|(i, c)| ClassifyInput {
            main: (texts.bodies[i], &texts.body_tokens, i),
            pair: Some((claim_texts[c], &claim_tokens, c)),
            target: "",
        })
        .collect();
    let k = stage.width();
    let scores = stage.instance.classify(&inputs, k)?;
    let mut rows = scores.chunks_exact(k);
    for w in work.iter_mut() {
        let results = claims
            .iter()
            .zip(rows.by_ref())
            .map(|(claim, row)| {
                let unit = stage.unit(row);
                ClaimResult {
                    claim: claim.clone(),
                    label: unit.label,
                    scores: unit.scores,
                    score: unit.score,
                }
            })
            .collect();
        w.stages.entry(stage.name.to_string()).or_default().claims = Some(results);
    }
    Ok(())
}
