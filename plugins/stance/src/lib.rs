//! # slant-stance
//!
//! The stance stages: apply a stance model file (read and validated by `slant-model`) to
//! documents that come with a target or a paired text. Two tasks:
//! - `stance`: a sentence and the mention of a target in it → `against | neutral | favor`,
//!   with the signed score `stance = P(favor) − P(against)`; reads `mentions` by default;
//! - `claim`: an article body and a claim → `agree | disagree | discuss | unrelated`; reads
//!   `claims` by default.
//!
//! Both are one softmax head (exclusive labels). The model's classes may come in any order; the
//! outputs are always in the order above. Config: `{"model": "<path>"}`.

use slant_model::Model;
use slant_sdk::{ClassifyStage, DocView, Stage};

/// What one task gives and reads.
struct TaskSpec {
    name: &'static str,
    labels: &'static [&'static str],
    reads: &'static str,
    /// Weights of the signed score, by label, if the task has one.
    score: Option<(&'static str, &'static [(&'static str, f64)])>,
}

const TASKS: &[TaskSpec] = &[
    TaskSpec {
        name: "stance",
        labels: &["against", "neutral", "favor"],
        reads: "mentions",
        score: Some(("stance", &[("against", -1.0), ("favor", 1.0)])),
    },
    TaskSpec {
        name: "claim",
        labels: &["agree", "disagree", "discuss", "unrelated"],
        reads: "claims",
        score: None,
    },
];

/// A loaded stance model.
pub struct Stance {
    model: Model,
    path: String,
    task: &'static TaskSpec,
    /// For each output label, the index of that class in the model's head.
    class_of_output: Vec<usize>,
}

impl Stance {
    /// Wraps a model, checking it serves a stance task with exactly that task's classes.
    ///
    /// # Errors
    /// Another task, more than one head, or classes that differ from the task's labels.
    pub fn from_model(model: Model, path: &str) -> Result<Stance, String> {
        let found = &model.header.task;
        let task = TASKS.iter().find(|t| t.name == found).ok_or_else(|| {
            format!("model {path} is a `{found}` model; the stance stage serves task `stance` (against/neutral/favor) or `claim` (agree/disagree/discuss/unrelated)")
        })?;
        let [head] = model.header.heads.as_slice() else {
            return Err(format!(
                "model {path}: a `{}` model has one head, this one has {}",
                task.name,
                model.header.heads.len()
            ));
        };
        let mut classes: Vec<&str> = head.classes.iter().map(String::as_str).collect();
        let class_of_output = task
            .labels
            .iter()
            .map(|l| classes.iter().position(|c| c == l))
            .collect::<Option<Vec<usize>>>();
        classes.sort_unstable();
        let mut expected = task.labels.to_vec();
        expected.sort_unstable();
        let (Some(class_of_output), true) = (class_of_output, classes == expected) else {
            return Err(format!(
                "model {path}: task `{}` needs classes {:?}, the model has {:?}",
                task.name, task.labels, head.classes
            ));
        };
        Ok(Stance {
            model,
            path: path.to_string(),
            task,
            class_of_output,
        })
    }

    /// Scores one document: the probability of each label, in the task's order.
    pub fn score(&self, doc: &DocView<'_>, out: &mut [f32]) {
        self.model
            .with_prediction(doc, |probs| self.write_scores(probs, out));
    }

    /// The model's `probs` in the task's label order.
    fn write_scores(&self, probs: &[f32], out: &mut [f32]) {
        for (o, &c) in out.iter_mut().zip(&self.class_of_output) {
            *o = probs.get(c).copied().unwrap_or(0.0);
        }
    }
}

impl Stage for Stance {
    fn create(config: &str) -> Result<Self, String> {
        let (model, path) = slant_model::model_from_settings(config, "stance")?;
        Stance::from_model(model, &path)
    }

    fn describe(&self) -> String {
        let h = &self.model.header;
        let score = self.task.score.map(|(name, weights)| {
            serde_json::json!({
                "name": name,
                "weights": weights
                    .iter()
                    .map(|(l, w)| (l.to_string(), serde_json::json!(w)))
                    .collect::<serde_json::Map<_, _>>(),
            })
        });
        serde_json::json!({
            "task": h.task,
            "labels": self.task.labels,
            "exclusive": true,
            "score": score,
            "reads": self.task.reads,
            "input": h.input,
            "tokenizer_fingerprint": h.tokenizer_fingerprint,
            "model": self.path,
            "heads": h.heads,
        })
        .to_string()
    }
}

impl ClassifyStage for Stance {
    fn n_outputs(&self) -> usize {
        self.task.labels.len()
    }

    fn classify(&self, docs: &[DocView<'_>], scores: &mut [f32]) -> Result<(), String> {
        let k = self.n_outputs();
        let mut rows = scores.chunks_mut(k);
        // Claims paired with one body count the body's n-grams once (`predict_each`).
        self.model.predict_each(docs, |_, probs| {
            if let Some(out) = rows.next() {
                self.write_scores(probs, out);
            }
        });
        Ok(())
    }
}

slant_sdk::export_classify_stage!(Stance, "stance", ["against", "neutral", "favor"]);

#[cfg(test)]
mod tests {
    use super::*;
    use slant_model::{FeatureSpec, HeadSpec, HeadWeights, InputKind, ModelHeader};
    use slant_sdk::{TextView, Token};

    fn model(task: &str, classes: &[&str], bias: Vec<f32>) -> Model {
        Model::new(
            ModelHeader {
                task: task.into(),
                input: InputKind::Target,
                heads: vec![HeadSpec {
                    name: task.into(),
                    classes: classes.iter().map(|c| c.to_string()).collect(),
                    positive: None,
                    temperature: 1.0,
                    threshold: None,
                }],
                features: FeatureSpec {
                    word_ngrams: [1, 1],
                    target_window: Some(3),
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
                bias,
            }],
        )
    }

    #[test]
    fn refuses_other_tasks_and_classes() {
        let e = Stance::from_model(model("toxicity", &["a", "b"], vec![0.0; 2]), "m")
            .err()
            .unwrap();
        assert!(e.contains("`toxicity`") && e.contains("stance"), "{e}");
        let e = Stance::from_model(model("stance", &["neg", "pos"], vec![0.0; 2]), "m")
            .err()
            .unwrap();
        assert!(e.contains("against"), "{e}");
        let e = Stance::from_model(
            model("stance", &["against", "neutral", "neutral"], vec![0.0; 3]),
            "m",
        )
        .err()
        .unwrap();
        assert!(e.contains("classes"), "{e}");
    }

    #[test]
    fn outputs_follow_the_task_order_whatever_the_model_order() {
        // Model classes sorted alphabetically; the bias favours `favor`.
        let m = model(
            "stance",
            &["against", "favor", "neutral"],
            vec![0.0, 2.0, 0.0],
        );
        let s = Stance::from_model(m, "m").unwrap();
        let tokens = [Token::default()];
        let doc = DocView {
            main: TextView::new("x", &tokens, ""),
            pair: TextView::new("x", &tokens, ""),
            target: "X",
        };
        let mut out = [0.0f32; 3];
        s.classify(&[doc], &mut out).unwrap();
        assert!(out[2] > out[0] && out[2] > out[1], "{out:?}");
        assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let d: serde_json::Value = serde_json::from_str(&s.describe()).unwrap();
        assert_eq!(
            d["labels"],
            serde_json::json!(["against", "neutral", "favor"])
        );
        assert_eq!(d["reads"], "mentions");
        assert_eq!(d["score"]["weights"]["favor"], 1.0);
        let c = Stance::from_model(
            model(
                "claim",
                &["unrelated", "agree", "disagree", "discuss"],
                vec![0.0; 4],
            ),
            "m",
        )
        .unwrap();
        let d: serde_json::Value = serde_json::from_str(&c.describe()).unwrap();
        assert_eq!(d["reads"], "claims");
        assert!(d["score"].is_null());
    }
}
