//! # slant-sentiment
//!
//! The sentiment stage: applies a sentiment model file to texts (by default each sentence of an
//! article body). The model is "what was learned" (`models/sentiment.model`, read and validated
//! by `slant-model`); this plugin is "how to apply it": for every text, the calibrated
//! probabilities of `negative`, `neutral` and `positive`, always in that order, whatever order
//! the model stores its classes in.
//!
//! The three outputs are one probability distribution (they sum to 1; the argmax is the
//! label). The stage's score, **tone**, is P(positive) − P(negative), in [-1, 1]; `describe()`
//! states it as weights over the labels so the core can compute it without knowing this stage.
//!
//! Config: `{"model": "<path>"}`. The model must have task `sentiment`, read plain text, and
//! have one head whose classes are exactly negative / neutral / positive; anything else is
//! refused with a message naming the file and saying what differs.

use slant_model::{InputKind, Model};
use slant_sdk::{ClassifyStage, DocView, Stage};

/// The labels this stage writes, in output order.
pub const LABELS: [&str; 3] = ["negative", "neutral", "positive"];

/// A loaded sentiment model.
pub struct Sentiment {
    model: Model,
    path: String,
    /// For each of [`LABELS`]: the index of that class in the model's outputs.
    class_index: [usize; 3],
}

impl Sentiment {
    /// Wraps a model, checking it is a three-class text sentiment model.
    ///
    /// # Errors
    /// The model's task, input or head does not fit this stage; the message names `path`.
    pub fn from_model(model: Model, path: &str) -> Result<Sentiment, String> {
        let h = &model.header;
        if h.task != "sentiment" {
            return Err(format!(
                "model {path} is a `{}` model; the sentiment stage needs task `sentiment`",
                h.task
            ));
        }
        if h.input != InputKind::Text {
            return Err(format!(
                "model {path} reads {:?} input; the sentiment stage scores plain text",
                h.input
            ));
        }
        let [head] = h.heads.as_slice() else {
            return Err(format!(
                "model {path} has {} heads; the sentiment stage needs exactly one (negative / neutral / positive)",
                h.heads.len()
            ));
        };
        let mut sorted = head.classes.clone();
        sorted.sort();
        if sorted != LABELS {
            return Err(format!(
                "model {path}: head `{}` has classes {:?}; the sentiment stage needs exactly {LABELS:?}",
                head.name, head.classes
            ));
        }
        let position = |label: &str| head.classes.iter().position(|c| c == label);
        let class_index = LABELS.map(|l| position(l).unwrap_or_default());
        Ok(Sentiment {
            model,
            path: path.to_string(),
            class_index,
        })
    }

    /// Scores one document: P(negative), P(neutral), P(positive) into `out`.
    pub fn score(&self, doc: &DocView<'_>, out: &mut [f32]) {
        self.model.with_prediction(doc, |all| {
            for (o, &i) in out.iter_mut().zip(&self.class_index) {
                *o = all[i];
            }
        });
    }
}

impl Stage for Sentiment {
    fn create(config: &str) -> Result<Self, String> {
        let (model, path) = slant_model::model_from_settings(config, "sentiment")?;
        Sentiment::from_model(model, &path)
    }

    fn describe(&self) -> String {
        let h = &self.model.header;
        serde_json::json!({
            "task": "sentiment",
            "labels": LABELS,
            // One distribution: the label is the argmax, not a per-label threshold.
            "exclusive": true,
            // tone = P(positive) − P(negative), in [-1, 1].
            "score": {"name": "tone", "weights": {"negative": -1.0, "positive": 1.0}},
            "reads": "sentences",
            "tokenizer_fingerprint": h.tokenizer_fingerprint,
            "model": self.path,
            "heads": h.heads,
        })
        .to_string()
    }
}

impl ClassifyStage for Sentiment {
    fn n_outputs(&self) -> usize {
        LABELS.len()
    }

    fn classify(&self, docs: &[DocView<'_>], scores: &mut [f32]) -> Result<(), String> {
        let k = self.n_outputs();
        if scores.len() != docs.len() * k {
            return Err(format!(
                "sentiment: score buffer holds {} values for {} documents × {k} labels",
                scores.len(),
                docs.len()
            ));
        }
        for (doc, out) in docs.iter().zip(scores.chunks_mut(k)) {
            self.score(doc, out);
        }
        Ok(())
    }
}

slant_sdk::export_classify_stage!(Sentiment, "sentiment", ["negative", "neutral", "positive"]);

#[cfg(test)]
mod tests {
    use super::*;
    use slant_model::{FeatureSpec, HeadSpec, HeadWeights, ModelHeader};
    use slant_sdk::{TextView, Token};

    /// A unigram model over one bucket column; class order as given. The weights of column 0
    /// push toward the last class.
    fn model(task: &str, input: InputKind, heads: &[&[&str]]) -> Model {
        let features = FeatureSpec {
            word_ngrams: [1, 1],
            ..FeatureSpec::default()
        };
        Model::new(
            ModelHeader {
                task: task.into(),
                input,
                heads: heads
                    .iter()
                    .map(|classes| HeadSpec {
                        name: "sentiment".into(),
                        classes: classes.iter().map(|c| c.to_string()).collect(),
                        positive: None,
                        temperature: 1.0,
                        threshold: None,
                    })
                    .collect(),
                features,
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
            heads
                .iter()
                .map(|classes| HeadWeights {
                    weights: vec![],
                    bias: (0..classes.len()).map(|c| c as f32).collect(),
                })
                .collect(),
        )
    }

    const THREE: &[&str] = &["negative", "neutral", "positive"];

    fn doc<'a>(text: &'a str, tokens: &'a [Token]) -> DocView<'a> {
        DocView {
            main: TextView::new(text, tokens, ""),
            pair: TextView::new("", &[], ""),
            target: "",
        }
    }

    #[test]
    fn refuses_models_that_do_not_fit_naming_the_file() {
        let cases: [(Model, &str); 5] = [
            (model("toxicity", InputKind::Text, &[THREE]), "`toxicity`"),
            (
                model("sentiment", InputKind::Target, &[THREE]),
                "plain text",
            ),
            (
                model("sentiment", InputKind::Text, &[THREE, THREE]),
                "2 heads",
            ),
            (
                model("sentiment", InputKind::Text, &[&["negative", "positive"]]),
                "exactly",
            ),
            (
                model("sentiment", InputKind::Text, &[&["neg", "neutral", "pos"]]),
                "exactly",
            ),
        ];
        for (m, says) in cases {
            let e = Sentiment::from_model(m, "models/x.model").err().unwrap();
            assert!(e.contains("models/x.model") && e.contains(says), "{e}");
        }
    }

    #[test]
    fn writes_a_distribution_in_label_order_whatever_the_model_order() {
        // Biases 0, 1, 2 in the model's class order: the last class is the most likely.
        let s = Sentiment::from_model(
            model(
                "sentiment",
                InputKind::Text,
                &[&["positive", "negative", "neutral"]],
            ),
            "m",
        )
        .unwrap();
        let tokens = [Token::default()];
        let long = "word ".repeat(20_000);
        let docs = [doc("", &[]), doc("x", &tokens), doc(&long, &tokens)];
        let mut out = [0.0f32; 9];
        s.classify(&docs, &mut out).unwrap();
        for d in out.chunks(3) {
            assert!((d.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{d:?}");
            // neutral (bias 2) > negative (bias 1) > positive (bias 0).
            assert!(d[1] > d[0] && d[0] > d[2], "{d:?}");
        }
        let mut short = [0.0f32; 4];
        assert!(s
            .classify(&docs, &mut short)
            .unwrap_err()
            .contains("buffer"));
    }

    #[test]
    fn describe_states_labels_exclusivity_tone_and_unit() {
        let s = Sentiment::from_model(model("sentiment", InputKind::Text, &[THREE]), "m.model")
            .unwrap();
        let d: serde_json::Value = serde_json::from_str(&s.describe()).unwrap();
        assert_eq!(d["task"], "sentiment");
        assert_eq!(d["labels"], serde_json::json!(THREE));
        assert_eq!(d["exclusive"], true);
        assert_eq!(d["score"]["name"], "tone");
        assert_eq!(
            d["score"]["weights"],
            serde_json::json!({"negative": -1.0, "positive": 1.0})
        );
        assert_eq!(d["reads"], "sentences");
        assert_eq!(d["model"], "m.model");
        assert_eq!(d["tokenizer_fingerprint"], "fp");
        assert_eq!(d["heads"][0]["classes"], serde_json::json!(THREE));
    }

    #[test]
    fn the_shipped_model_is_accepted() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/sentiment.model");
        let config = serde_json::json!({ "model": path }).to_string();
        let s = Sentiment::create(&config).unwrap();
        let d: serde_json::Value = serde_json::from_str(&s.describe()).unwrap();
        assert_eq!(d["labels"], serde_json::json!(THREE));
        assert!(d["tokenizer_fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("slant-tokenize/"));
        let mut out = [0.0f32; 3];
        s.classify(&[doc("", &[])], &mut out).unwrap();
        assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{out:?}");
    }

    #[test]
    fn settings_errors_are_messages() {
        let e = Sentiment::create("{\"modle\": \"x\"}").err().unwrap();
        assert!(e.contains("sentiment settings"), "{e}");
        let e = Sentiment::create("{\"model\": \"/nonexistent/s.model\"}")
            .err()
            .unwrap();
        assert!(e.contains("/nonexistent/s.model"), "{e}");
    }
}
