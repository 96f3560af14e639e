//! # slant-toxicity
//!
//! The toxicity stage: applies a toxicity model file to comments (or any text). The model is
//! "what was learned" (`models/toxicity.model`, read and validated by `slant-model`); this plugin
//! is "how to apply it": one score per head, the probability of the head's positive class
//! (`toxic`, then subtypes such as `hate`, `insult`, `threat`, `obscene`).
//!
//! Config: `{"model": "<path>"}`. The model must have task `toxicity` and binary heads with a
//! positive class; anything else is refused with a message saying what differs.

use slant_model::Model;
use slant_sdk::{ClassifyStage, DocView, Stage};

/// A loaded toxicity model.
pub struct Toxicity {
    model: Model,
    path: String,
    /// Per head: offset of its positive class in the model's concatenated outputs.
    positive_outputs: Vec<usize>,
}

impl Toxicity {
    /// Wraps a model, checking it is a toxicity model with binary heads.
    ///
    /// # Errors
    /// The model's task or heads do not fit this stage.
    pub fn from_model(model: Model, path: &str) -> Result<Toxicity, String> {
        if model.header.task != "toxicity" {
            return Err(format!(
                "model {path} is a `{}` model; the toxicity stage needs task `toxicity`",
                model.header.task
            ));
        }
        let mut positive_outputs = Vec::new();
        for (h, head) in model.header.heads.iter().enumerate() {
            let p = head.positive_index().ok_or_else(|| {
                format!(
                    "model {path}: head `{}` names no positive class, so it has no toxicity score",
                    head.name
                )
            })?;
            positive_outputs.push(model.header.head_range(h).start + p);
        }
        Ok(Toxicity {
            model,
            path: path.to_string(),
            positive_outputs,
        })
    }

    /// Scores one document: the positive-class probability of each head.
    pub fn score(&self, doc: &DocView<'_>, out: &mut [f32]) {
        self.model.with_prediction(doc, |all| {
            for (o, &i) in out.iter_mut().zip(&self.positive_outputs) {
                *o = all[i];
            }
        });
    }
}

impl Stage for Toxicity {
    fn create(config: &str) -> Result<Self, String> {
        let (model, path) = slant_model::model_from_settings(config, "toxicity")?;
        Toxicity::from_model(model, &path)
    }

    fn describe(&self) -> String {
        let h = &self.model.header;
        serde_json::json!({
            "task": h.task,
            "labels": h.heads.iter().map(|h| h.name.clone()).collect::<Vec<_>>(),
            "thresholds": h
                .heads
                .iter()
                .filter_map(|h| Some((h.name.clone(), serde_json::json!(h.threshold?))))
                .collect::<serde_json::Map<_, _>>(),
            // Independent heads (not one distribution), read from reader comments by default.
            "exclusive": false,
            "reads": "comments",
            "tokenizer_fingerprint": h.tokenizer_fingerprint,
            "model": self.path,
            "heads": h.heads,
        })
        .to_string()
    }
}

impl ClassifyStage for Toxicity {
    fn n_outputs(&self) -> usize {
        self.positive_outputs.len()
    }

    fn classify(&self, docs: &[DocView<'_>], scores: &mut [f32]) -> Result<(), String> {
        let k = self.n_outputs();
        for (doc, out) in docs.iter().zip(scores.chunks_mut(k)) {
            self.score(doc, out);
        }
        Ok(())
    }
}

slant_sdk::export_classify_stage!(Toxicity, "toxicity", ["toxic"]);

#[cfg(test)]
mod tests {
    use super::*;
    use slant_model::{FeatureSpec, HeadSpec, HeadWeights, InputKind, ModelHeader};
    use slant_sdk::{TextView, Token};

    fn model(task: &str, positive: Option<&str>) -> Model {
        Model::new(
            ModelHeader {
                task: task.into(),
                input: InputKind::Text,
                heads: vec![HeadSpec {
                    name: "toxic".into(),
                    classes: vec!["no".into(), "yes".into()],
                    positive: positive.map(String::from),
                    temperature: 1.0,
                    threshold: Some(0.5),
                }],
                features: FeatureSpec {
                    word_ngrams: [1, 1],
                    ..FeatureSpec::default()
                },
                tokenizer_fingerprint: "fp".into(),
                weighting: "none".into(),
                learner: serde_json::json!({}),
                training: serde_json::json!({}),
                metrics: serde_json::json!({}),
                seed: 0,
                slant_version: "test".into(),
            },
            vec![],
            vec![],
            vec![HeadWeights {
                weights: vec![],
                bias: vec![0.0, 0.0],
            }],
        )
    }

    #[test]
    fn refuses_models_that_do_not_fit() {
        let e = Toxicity::from_model(model("sentiment", Some("yes")), "m")
            .err()
            .unwrap();
        assert!(e.contains("`sentiment`") && e.contains("toxicity"), "{e}");
        let e = Toxicity::from_model(model("toxicity", None), "m")
            .err()
            .unwrap();
        assert!(e.contains("positive"), "{e}");
    }

    #[test]
    fn scores_the_positive_class_of_each_head() {
        let t = Toxicity::from_model(model("toxicity", Some("yes")), "m").unwrap();
        let tokens = [Token::default()];
        let doc = DocView {
            main: TextView::new("x", &tokens, ""),
            pair: TextView::new("", &[], ""),
            target: "",
        };
        let mut out = [0.0f32];
        t.classify(&[doc], &mut out).unwrap();
        assert!((out[0] - 0.5).abs() < 1e-6, "zero weights give 0.5");
        let d: serde_json::Value = serde_json::from_str(&t.describe()).unwrap();
        assert_eq!(d["labels"], serde_json::json!(["toxic"]));
        assert_eq!(d["task"], "toxicity");
    }
}
