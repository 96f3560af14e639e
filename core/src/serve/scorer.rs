//! Serving a model file outside the pipeline, for `slant predict` and `slant eval`: load and
//! validate the model, build the tokenize stage it was trained behind (refusing one whose
//! fingerprint differs), read a record's fields by the model's input kind, and score batches
//! through the one serving path (`extract` → `project` → `predict_into`).

use std::borrow::Cow;
use std::path::Path;

use indicatif::ProgressBar;
use serde_json::json;
use slant_model::{Contribution, InputKind, Model};
use smallvec::SmallVec;

use super::decide::decide_one;
use super::featurize::{map_docs, DocInput};
use super::prediction::Prediction;
use super::records::text_in;
use super::ServeError;
use crate::ingest::fields::Fields;
use crate::plugin::{PluginDirs, StageInstance};

/// A loaded model and its tokenizer.
pub struct Scorer {
    pub model: Model,
    tokenizer: StageInstance,
    /// The model's output names (`Model::output_labels`), once rather than per record.
    labels: Vec<String>,
}

/// Outputs held in place by [`Scored`] (the shipped models have 2–4): a record's scores then
/// cost no allocation of their own.
const INLINE_OUTPUTS: usize = 8;

/// Heads whose decisions [`Scorer::decisions`] holds in place.
const INLINE_HEADS: usize = 4;

/// Probabilities of every head of one document, concatenated (as `Model::output_labels`).
pub type Probs = SmallVec<[f32; INLINE_OUTPUTS]>;

/// Each head's decided class index.
pub type Decisions = SmallVec<[usize; INLINE_HEADS]>;

/// The scores of one document.
#[derive(Debug, Clone)]
pub struct Scored {
    /// Probabilities of every head, concatenated (as `Model::output_labels`).
    pub probs: Probs,
    /// Per head, with `--explain N`: the N features that pushed its decided class most.
    pub explain: Vec<Vec<Contribution>>,
}

impl Scorer {
    /// Loads `path` and the tokenize plugin with the settings recorded at training.
    ///
    /// # Errors
    /// A malformed model file, a missing tokenize plugin, or a tokenizer whose fingerprint
    /// differs from the model's.
    pub fn open(path: &Path, plugin_dir: Option<&Path>) -> Result<Scorer, ServeError> {
        let model = slant_model::read_file(path)?;
        let settings = model
            .header
            .training
            .get("tokenizer")
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}));
        let plugin = PluginDirs::resolve(plugin_dir).find("tokenize")?;
        let tokenizer = StageInstance::create(&plugin, &settings)?;
        let found = tokenizer.describe_str("fingerprint").unwrap_or_default();
        if found != model.header.tokenizer_fingerprint {
            return Err(ServeError::TokenizerMismatch {
                model: path.display().to_string(),
                expected: model.header.tokenizer_fingerprint.clone(),
                plugin: plugin.path().display().to_string(),
                found: found.to_string(),
            });
        }
        let labels = model.output_labels();
        Ok(Scorer {
            model,
            tokenizer,
            labels,
        })
    }

    /// The field names a record needs, for messages.
    pub fn input_fields(&self) -> &'static str {
        match self.model.header.input {
            InputKind::Text => "`text`",
            InputKind::Target => "`text` and `target`",
            InputKind::Pair => "`headline` and `body`, or `claim` and `text`",
        }
    }

    /// A record's (main text, pair text or target) for this model's input kind; `text_key`
    /// overrides the main text field. String fields are borrowed from the record, not copied.
    ///
    /// # Errors
    /// A message naming the missing field.
    pub fn input_of<'a>(
        &self,
        fields: &'a (impl Fields + ?Sized),
        text_key: Option<&str>,
    ) -> Result<(Cow<'a, str>, Cow<'a, str>), String> {
        match self.model.header.input {
            InputKind::Text => Ok((main_text(fields, text_key)?, Cow::Borrowed(""))),
            InputKind::Target => Ok((
                text_in(fields, text_key.unwrap_or("text"))?,
                text_in(fields, "target")?,
            )),
            InputKind::Pair => {
                if fields.has("headline") || fields.has("body") {
                    Ok((
                        text_in(fields, text_key.unwrap_or("body"))?,
                        text_in(fields, "headline")?,
                    ))
                } else if fields.has("claim") {
                    Ok((
                        text_in(fields, text_key.unwrap_or("text"))?,
                        text_in(fields, "claim")?,
                    ))
                } else {
                    Err("a pair model needs `headline` and `body`, or `claim` and `text`".into())
                }
            }
        }
    }

    /// Scores documents in order; with `explain > 0` also explains each head's decision.
    ///
    /// # Errors
    /// The tokenize plugin failed.
    pub fn score(
        &self,
        docs: &[DocInput<'_>],
        explain: usize,
        bar: &ProgressBar,
    ) -> Result<Vec<Scored>, ServeError> {
        let model = &self.model;
        let out = map_docs(&self.tokenizer, model.header.input, docs, bar, |doc| {
            let probs = model.with_prediction(doc, Probs::from_slice);
            let explain = if explain == 0 {
                Vec::new()
            } else {
                self.decisions(&probs)
                    .into_iter()
                    .enumerate()
                    .map(|(h, class)| model.explain(doc, h, class, explain))
                    .collect()
            };
            Scored { probs, explain }
        })?;
        Ok(out)
    }

    /// Each head's decided class index (threshold for binary heads, else argmax).
    pub fn decisions(&self, probs: &[f32]) -> Decisions {
        let header = &self.model.header;
        header
            .heads
            .iter()
            .enumerate()
            .map(|(i, h)| {
                decide_one(
                    &probs[header.head_range(i)],
                    h.positive_index(),
                    h.threshold,
                )
            })
            .collect()
    }

    /// The output record of one scored input (see [`Prediction`]).
    pub fn prediction<'a>(&'a self, id: Cow<'a, str>, scored: &'a Scored) -> Prediction<'a> {
        Prediction {
            id,
            heads: &self.model.header.heads,
            labels: &self.labels,
            probs: &scored.probs,
            decisions: self.decisions(&scored.probs),
            explain: &scored.explain,
        }
    }
}

/// The text a plain-text model scores: the field `key` when given, else `text`, else an
/// article record's `body` (so `slant predict` takes `slant label`'s inputs as they are).
fn main_text<'a>(
    fields: &'a (impl Fields + ?Sized),
    key: Option<&str>,
) -> Result<Cow<'a, str>, String> {
    match key {
        Some(key) => text_in(fields, key),
        None => text_in(fields, "text")
            .or_else(|e| text_in(fields, "body").map_err(|_| format!("{e} (nor `body`)"))),
    }
}
