//! A live classifier stage: a plugin instance under a stage name, what it reads, what its
//! outputs mean ([`Outputs`], read from the plugin's self-description), and its optional
//! [`Filter`]. Built from a [`StageConfig`] by [`ClassifierStage::build`]; the core never
//! needs to know which classifier it is.

use std::path::PathBuf;

use serde_json::Value;
use smallvec::SmallVec;

use super::config::{PipelineConfig, StageConfig};
use super::explain::Explainer;
use super::filter::Filter;
use super::targets::StageInputs;
use super::units::Unit;
use crate::labeled::{round4, LabelName, Scores, StageName, UnitScores};
use crate::plugin::{Plugin, StageInstance};

/// What a classifier's outputs mean, from its description:
/// `labels` (one name per output), `exclusive` (the outputs are one probability distribution,
/// so the most probable is the label) and `score` (a signed score as a weighted sum of outputs,
/// e.g. tone = P(positive) − P(negative)).
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    pub labels: Vec<LabelName>,
    pub exclusive: bool,
    pub score: Option<SignedScore>,
}

/// A signed score: `Σ weights[i] × output[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedScore {
    /// What the score is called (e.g. `tone`), for documentation and listings.
    pub name: String,
    /// One weight per output label.
    pub weights: Vec<f64>,
}

impl Outputs {
    /// Reads the meaning of a classifier's outputs from its description.
    ///
    /// # Errors
    /// No labels, or a score that weights a label the classifier does not give.
    pub fn from_description(description: &Value, labels: Vec<String>) -> Result<Outputs, String> {
        if labels.is_empty() {
            return Err("the plugin describes no output labels".into());
        }
        let exclusive = description
            .get("exclusive")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let score = match description.get("score") {
            None | Some(Value::Null) => None,
            Some(spec) => Some(signed_score(spec, &labels)?),
        };
        Ok(Outputs {
            labels: labels.into_iter().map(LabelName::from).collect(),
            exclusive,
            score,
        })
    }

    /// The scores of one unit: probabilities by label, label and signed score.
    pub fn unit(&self, row: &[f32]) -> UnitScores {
        let row64: SmallVec<[f64; 8]> = row.iter().map(|&v| f64::from(v)).collect();
        UnitScores {
            label: self.label(&row64),
            scores: self.scores(&row64),
            score: self.signed(&row64),
            ..UnitScores::default()
        }
    }

    /// Outputs by label, rounded for reading.
    pub fn scores(&self, row: &[f64]) -> Scores {
        self.labels
            .iter()
            .zip(row)
            .map(|(l, &v)| (l.clone(), round4(v)))
            .collect()
    }

    /// The most probable label, for exclusive classifiers (first wins a tie).
    pub fn label(&self, row: &[f64]) -> Option<LabelName> {
        if !self.exclusive {
            return None;
        }
        let mut best = 0;
        for (i, &v) in row.iter().enumerate() {
            if v > row[best] {
                best = i;
            }
        }
        self.labels.get(best).cloned()
    }

    /// The signed score, if the classifier defines one.
    pub fn signed(&self, row: &[f64]) -> Option<f64> {
        let s = self.score.as_ref()?;
        Some(round4(s.weights.iter().zip(row).map(|(w, v)| w * v).sum()))
    }
}

fn signed_score(spec: &Value, labels: &[String]) -> Result<SignedScore, String> {
    let name = spec
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("score")
        .to_string();
    let given = spec
        .get("weights")
        .and_then(Value::as_object)
        .ok_or("`score` has no `weights` object")?;
    let mut weights = vec![0.0; labels.len()];
    for (label, w) in given {
        let i = labels
            .iter()
            .position(|l| l == label)
            .ok_or_else(|| format!("`score` weights `{label}`, which is not an output label"))?;
        weights[i] = w
            .as_f64()
            .filter(|w| w.is_finite())
            .ok_or_else(|| format!("`score` weight of `{label}` is not a number"))?;
    }
    Ok(SignedScore { name, weights })
}

/// A classifier stage ready to run.
pub struct ClassifierStage {
    pub name: StageName,
    pub instance: StageInstance,
    /// Units scored, in order.
    pub reads: Vec<Unit>,
    pub outputs: Outputs,
    pub filter: Option<Filter>,
    /// The model file it was configured with, if any.
    pub model: Option<PathBuf>,
    /// Reads the model again to explain decisions (with `--explain`).
    pub explainer: Option<Explainer>,
    /// Targets and claims, for stages that read mentions or claims.
    pub inputs: StageInputs,
}

impl ClassifierStage {
    /// Creates stage `name` from its config with `plugin`, and checks it fits: a classifier,
    /// the configured task, a model trained behind `fingerprint` (the pipeline's tokenizer).
    ///
    /// # Errors
    /// A message for the config's stage error: what does not fit and how it differs.
    pub fn build(
        name: &str,
        config: &PipelineConfig,
        stage: &StageConfig,
        plugin: &Plugin,
        fingerprint: &str,
    ) -> Result<ClassifierStage, String> {
        if plugin.kind() != slant_sdk::kind::CLASSIFY {
            return Err(format!(
                "plugin {} is a {} stage, not a classifier",
                plugin.path().display(),
                plugin.kind_name()
            ));
        }
        let instance = StageInstance::create(plugin, &config.plugin_settings(stage))
            .map_err(|e| e.to_string())?;
        check_task(&instance, stage.task.as_deref())?;
        check_fingerprint(&instance, fingerprint)?;
        let outputs = Outputs::from_description(instance.description(), instance.labels())?;
        let reads = match &stage.reads {
            Some(r) => r.units(),
            None => described_reads(instance.description())?,
        };
        let inputs = StageInputs::build(config, stage, &reads)?;
        let filter = if stage.filter.is_set() {
            let stored = instance.description().get("thresholds");
            Some(Filter::build(&stage.filter, &outputs.labels, stored)?)
        } else {
            None
        };
        Ok(ClassifierStage {
            name: name.into(),
            model: config.model_path(stage),
            instance,
            reads,
            outputs,
            filter,
            explainer: None,
            inputs,
        })
    }

    /// Loads what `--explain` needs.
    ///
    /// # Errors
    /// The stage has no slant model file, or it cannot be read.
    pub fn enable_explain(&mut self) -> Result<(), String> {
        let model = self
            .model
            .as_ref()
            .ok_or("--explain needs a slant model file (the stage has no `model` setting)")?;
        self.explainer = Some(Explainer::load(model, &self.outputs.labels)?);
        Ok(())
    }

    /// The output a unit's decision rests on: the first score its filter flagged on, else the
    /// highest output.
    pub fn decided_output(&self, row: &[f32]) -> usize {
        let flagged = self.filter.as_ref().and_then(|f| {
            f.labels
                .iter()
                .zip(&f.thresholds)
                .zip(row)
                .position(|((_, t), &s)| t.is_some_and(|t| s >= t))
        });
        flagged.unwrap_or_else(|| {
            (0..row.len())
                .reduce(|best, i| if row[i] > row[best] { i } else { best })
                .unwrap_or(0)
        })
    }

    /// The scores of one unit, with the filter's verdict when the stage has one.
    pub fn unit(&self, row: &[f32]) -> UnitScores {
        let mut unit = self.outputs.unit(row);
        if let Some(filter) = &self.filter {
            unit.flagged_by = filter.crossed(row);
            unit.flagged = Some(!unit.flagged_by.is_empty());
        }
        unit
    }

    /// Number of outputs per text.
    pub fn width(&self) -> usize {
        self.outputs.labels.len()
    }
}

/// The units a plugin says it reads by default (`"reads": "sentences"` or a list), else body.
fn described_reads(description: &Value) -> Result<Vec<Unit>, String> {
    let names: Vec<&str> = match description.get("reads") {
        None | Some(Value::Null) => return Ok(vec![Unit::Body]),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        Some(other) => return Err(format!("the plugin describes `reads` as {other}")),
    };
    names
        .into_iter()
        .map(|n| {
            Unit::from_name(n).ok_or_else(|| {
                format!("the plugin reads `{n}`, which this slant cannot give (body, sentences, comments, mentions, claims)")
            })
        })
        .collect()
}

fn check_task(instance: &StageInstance, task: Option<&str>) -> Result<(), String> {
    let Some(task) = task else { return Ok(()) };
    let found = instance.describe_str("task").unwrap_or("(none)");
    if found != task {
        return Err(format!(
            "plugin {} serves task `{found}`, the config asks for `{task}`",
            instance.plugin().path().display()
        ));
    }
    Ok(())
}

fn check_fingerprint(instance: &StageInstance, fingerprint: &str) -> Result<(), String> {
    let Some(model_fp) = instance.describe_str("tokenizer_fingerprint") else {
        return Ok(());
    };
    if model_fp != fingerprint {
        return Err(format!(
            "model {} was trained behind tokenizer `{model_fp}`, but this pipeline's tokenizer is `{fingerprint}`; \
             retrain the model or configure the tokenize stage to match",
            instance.describe_str("model").unwrap_or("?")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentiment() -> Outputs {
        let d = serde_json::json!({
            "exclusive": true,
            "score": {"name": "tone", "weights": {"negative": -1.0, "positive": 1.0}},
        });
        let labels = ["negative", "neutral", "positive"]
            .map(String::from)
            .to_vec();
        Outputs::from_description(&d, labels).unwrap()
    }

    #[test]
    fn exclusive_outputs_give_a_label_and_a_signed_score() {
        let u = sentiment().unit(&[0.6, 0.3, 0.1]);
        assert_eq!(u.label.as_deref(), Some("negative"));
        assert_eq!(u.score, Some(-0.5));
        assert_eq!(u.scores["neutral"], 0.3);
    }

    #[test]
    fn independent_heads_give_scores_only() {
        let labels = vec!["toxic".to_string(), "hate".to_string()];
        let o = Outputs::from_description(&serde_json::json!({}), labels).unwrap();
        let u = o.unit(&[0.9, 0.1]);
        assert_eq!((u.label, u.score), (None, None));
    }

    #[test]
    fn descriptions_that_do_not_fit_are_refused() {
        let labels = vec!["a".to_string()];
        let d = serde_json::json!({"score": {"weights": {"b": 1.0}}});
        let e = Outputs::from_description(&d, labels).unwrap_err();
        assert!(e.contains("`b`"), "{e}");
        assert!(Outputs::from_description(&serde_json::json!({}), vec![]).is_err());
        let e = described_reads(&serde_json::json!({"reads": "paragraphs"})).unwrap_err();
        assert!(e.contains("paragraphs"), "{e}");
        assert_eq!(
            described_reads(&serde_json::json!({"reads": ["comments", "body"]})).unwrap(),
            [Unit::Comments, Unit::Body]
        );
    }
}
