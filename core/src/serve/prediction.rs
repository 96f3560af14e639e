//! The record `slant predict` writes for one scored input, `{"id", "label", "scores",
//! ["explain"]}`, serialized straight from the scores: no intermediate JSON value, whose maps
//! and strings cost as much per short text as scoring it.
//!
//! One head: `label` is its decided class and `scores` maps class → probability. Several heads:
//! `label` maps head → class and `scores` is keyed `head/class` (as `Model::output_labels`).

use std::borrow::Cow;

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use slant_model::{Contribution, HeadSpec};

use super::scorer::Decisions;

/// One scored input, borrowed from its scorer and scores.
pub struct Prediction<'a> {
    /// The record's id, borrowed from the record when it is a string there.
    pub(super) id: Cow<'a, str>,
    pub(super) heads: &'a [HeadSpec],
    /// Output names, one per probability.
    pub(super) labels: &'a [String],
    pub(super) probs: &'a [f32],
    /// Each head's decided class index.
    pub(super) decisions: Decisions,
    /// Per head, with `--explain N`; empty otherwise.
    pub(super) explain: &'a [Vec<Contribution>],
}

impl Serialize for Prediction<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = if self.explain.is_empty() { 3 } else { 4 };
        let mut record = serializer.serialize_struct("Prediction", fields)?;
        record.serialize_field("id", &self.id)?;
        if let [head] = self.heads {
            record.serialize_field("label", &head.classes[self.decisions[0]])?;
        } else {
            record.serialize_field("label", &PerHeadLabels(self))?;
        }
        record.serialize_field("scores", &Scores(self))?;
        if let [cues] = self.explain {
            record.serialize_field("explain", &Cues(cues))?;
        } else if !self.explain.is_empty() {
            record.serialize_field("explain", &PerHeadCues(self))?;
        }
        record.end()
    }
}

/// `{head: class}`, the decided class of each head.
struct PerHeadLabels<'p, 'a>(&'p Prediction<'a>);

impl Serialize for PerHeadLabels<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Prediction {
            heads, decisions, ..
        } = self.0;
        let mut map = serializer.serialize_map(Some(heads.len()))?;
        for (h, &d) in heads.iter().zip(decisions) {
            map.serialize_entry(&h.name, &h.classes[d])?;
        }
        map.end()
    }
}

/// `{output: probability}`.
struct Scores<'p, 'a>(&'p Prediction<'a>);

impl Serialize for Scores<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Prediction { labels, probs, .. } = self.0;
        let mut map = serializer.serialize_map(Some(labels.len()))?;
        for (label, &p) in labels.iter().zip(probs.iter()) {
            map.serialize_entry(label, &round6(p))?;
        }
        map.end()
    }
}

/// `[{"feature", "weight"}]`, one head's strongest features.
struct Cues<'a>(&'a [Contribution]);

impl Serialize for Cues<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&Cue {
                feature: &c.feature,
                weight: round6(c.weight),
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Cue<'a> {
    feature: &'a str,
    weight: f64,
}

/// `{head: [cues]}`, when the model has several heads.
struct PerHeadCues<'p, 'a>(&'p Prediction<'a>);

impl Serialize for PerHeadCues<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Prediction { heads, explain, .. } = self.0;
        let mut map = serializer.serialize_map(Some(heads.len()))?;
        for (h, cues) in heads.iter().zip(explain.iter()) {
            map.serialize_entry(&h.name, &Cues(cues))?;
        }
        map.end()
    }
}

/// Probabilities to six decimals: enough for any decision, and stable text across platforms.
pub(super) fn round6(p: f32) -> f64 {
    (f64::from(p) * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::*;

    fn head(name: &str, classes: &[&str]) -> HeadSpec {
        HeadSpec {
            name: name.into(),
            classes: classes.iter().map(|c| c.to_string()).collect(),
            positive: None,
            temperature: 1.0,
            threshold: None,
        }
    }

    fn cues(n: usize) -> Vec<Contribution> {
        (0..n)
            .map(|i| Contribution {
                feature: format!("word:\"w{i}\u{1f}"),
                weight: 0.1234567 * i as f32 - 0.3,
            })
            .collect()
    }

    /// The record as a JSON value, built field by field: the shape the typed record must
    /// reproduce byte for byte.
    fn as_value(p: &Prediction<'_>) -> Value {
        let scores: Map<String, Value> = p
            .labels
            .iter()
            .zip(p.probs)
            .map(|(l, &v)| (l.clone(), json!(round6(v))))
            .collect();
        let label = match p.heads {
            [h] => json!(h.classes[p.decisions[0]]),
            heads => Value::Object(
                heads
                    .iter()
                    .zip(&p.decisions)
                    .map(|(h, &d)| (h.name.clone(), json!(h.classes[d])))
                    .collect(),
            ),
        };
        let mut rec = json!({"id": &p.id, "label": label, "scores": scores});
        let ex = |c: &Vec<Contribution>| -> Value {
            c.iter()
                .map(|c| json!({"feature": c.feature, "weight": round6(c.weight)}))
                .collect()
        };
        match (p.heads, p.explain) {
            (_, []) => {}
            ([_], [one]) => rec["explain"] = ex(one),
            (heads, all) => {
                rec["explain"] = Value::Object(
                    heads
                        .iter()
                        .zip(all)
                        .map(|(h, c)| (h.name.clone(), ex(c)))
                        .collect(),
                )
            }
        }
        rec
    }

    #[test]
    fn typed_records_serialize_like_their_json_values() {
        let one = [head("sentiment", &["negative", "neutral", "positive"])];
        let two = [head("toxic", &["no", "yes"]), head("hate", &["no", "yes"])];
        let one_labels = ["negative".into(), "neutral".into(), "positive".into()];
        let two_labels = [
            "toxic/no".into(),
            "toxic/yes".into(),
            "hate/no".into(),
            "hate/yes".into(),
        ];
        let explained = [cues(3), cues(0)];
        for (heads, labels, probs, decisions) in [
            (
                &one[..],
                &one_labels[..],
                &[0.1f32, 0.2000004, 0.7][..],
                Decisions::from_slice(&[2]),
            ),
            (
                &two[..],
                &two_labels[..],
                &[0.9f32, 0.1, 0.333_333_3, 0.666_666_7][..],
                Decisions::from_slice(&[0, 1]),
            ),
        ] {
            for explain in [&[][..], &explained[..heads.len()]] {
                let p = Prediction {
                    id: "a\"b".into(),
                    heads,
                    labels,
                    probs,
                    decisions: decisions.clone(),
                    explain,
                };
                let typed = serde_json::to_string(&p).unwrap();
                assert_eq!(typed, as_value(&p).to_string());
                assert!(
                    typed.starts_with("{\"id\":\"a\\\"b\",\"label\":"),
                    "{typed}"
                );
            }
        }
    }
}
