//! `--explain N`: the n-grams that pushed each decision most. Computed on the host from the
//! stage's model file through `slant-model`, the same feature path the plugin scores with, on
//! the same tokens; so it is available for every stage whose `model` is a slant model file.

use std::path::Path;

use slant_model::Model;
use slant_sdk::{DocView, TextView};

use crate::labeled::{Cue, LabelName};
use crate::plugin::TokenBatch;

/// A stage's model, read again for explanations, with each output label's (head, class).
pub struct Explainer {
    model: Model,
    classes: Vec<(usize, usize)>,
}

impl Explainer {
    /// Reads the model at `path` and maps each of the stage's output `labels` to a class of
    /// the model: a head of that name (its positive class), else a class of that name.
    ///
    /// # Errors
    /// The model cannot be read, or a label is neither a head nor a class of it.
    pub fn load(path: &Path, labels: &[LabelName]) -> Result<Explainer, String> {
        let model = slant_model::read_file(path).map_err(|e| e.to_string())?;
        let heads = &model.header.heads;
        let classes = labels
            .iter()
            .map(|label| {
                let by_head = heads.iter().enumerate().find_map(|(h, head)| {
                    (head.name.as_str() == label.as_ref()).then_some((h, head.positive_index()?))
                });
                let by_class = || {
                    heads.iter().enumerate().find_map(|(h, head)| {
                        head.classes
                            .iter()
                            .position(|c| c.as_str() == label.as_ref())
                            .map(|c| (h, c))
                    })
                };
                by_head.or_else(by_class).ok_or_else(|| {
                    format!(
                        "model {} has no head or class `{label}` to explain",
                        path.display()
                    )
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Explainer { model, classes })
    }

    /// The `n` n-grams of document `doc` of `batch` (whose text is `text`) that pushed output
    /// `output` most, strongest first.
    pub fn explain(
        &self,
        text: &str,
        batch: &TokenBatch,
        doc: usize,
        output: usize,
        n: usize,
    ) -> Vec<Cue> {
        let Some(&(head, class)) = self.classes.get(output) else {
            return Vec::new();
        };
        let view = DocView {
            main: TextView::new(text, batch.doc_tokens(doc), &batch.terms),
            pair: TextView::new("", &[], ""),
            target: "",
        };
        self.cues(&view, head, class, n)
    }

    /// Like [`Explainer::explain`] for a document with a paired text (a target mention or a
    /// claim): `main` and `pair` are (text, tokens, document index), as the plugin saw them.
    pub fn explain_pair(
        &self,
        main: (&str, &TokenBatch, usize),
        pair: (&str, &TokenBatch, usize),
        target: &str,
        output: usize,
        n: usize,
    ) -> Vec<Cue> {
        let Some(&(head, class)) = self.classes.get(output) else {
            return Vec::new();
        };
        let view = DocView {
            main: TextView::new(main.0, main.1.doc_tokens(main.2), &main.1.terms),
            pair: TextView::new(pair.0, pair.1.doc_tokens(pair.2), &pair.1.terms),
            target,
        };
        self.cues(&view, head, class, n)
    }

    fn cues(&self, view: &DocView<'_>, head: usize, class: usize, n: usize) -> Vec<Cue> {
        self.model
            .explain(view, head, class, n)
            .into_iter()
            .map(|c| Cue {
                feature: c.feature,
                weight: crate::labeled::round4(f64::from(c.weight)),
            })
            .collect()
    }
}
