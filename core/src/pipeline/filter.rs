//! A classifier stage's filter: which of its scores may flag a text, at which thresholds, and
//! what happens to a flagged comment (flag, drop or redact). Thresholds come from the run's
//! flags over the config over the thresholds stored in the model, 0.5 if it has none.

use serde_json::Value;

use crate::labeled::{FlaggedBy, LabelName};

use super::config::{FilterAction, FilterConfig};

/// Replaces the text of a redacted comment.
pub const REDACTED: &str = "[removed by slant filter]";

/// Thresholds and action, aligned with the stage's score labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub action: FilterAction,
    /// Score names in the stage's output order.
    pub labels: Vec<LabelName>,
    /// Per label: the threshold at which it flags, or `None` if it never does.
    pub thresholds: Vec<Option<f32>>,
}

impl Filter {
    /// Builds the filter of a stage whose plugin gives `labels` and describes default
    /// `model_thresholds` (`{label: p}`).
    ///
    /// # Errors
    /// The config names a score the stage does not give, or a stored threshold is not a
    /// probability.
    pub fn build(
        config: &FilterConfig,
        labels: &[LabelName],
        model_thresholds: Option<&Value>,
    ) -> Result<Filter, String> {
        if let Some(unknown) = config
            .flag_on
            .iter()
            .flatten()
            .chain(config.thresholds.keys())
            .find(|l| !labels.iter().any(|label| label.as_ref() == l.as_str()))
        {
            return Err(format!(
                "the config names score `{unknown}`, but the stage gives only {}",
                labels.join(", ")
            ));
        }
        let mut thresholds = Vec::with_capacity(labels.len());
        for label in labels {
            let may_flag = config
                .flag_on
                .as_ref()
                .is_none_or(|on| on.iter().any(|o| o.as_str() == label.as_ref()));
            let stored = stored_threshold(model_thresholds, label)?;
            let chosen = config
                .thresholds
                .get(label.as_ref())
                .copied()
                .or(config.threshold)
                .or(stored)
                .unwrap_or(0.5);
            thresholds.push(may_flag.then_some(chosen));
        }
        Ok(Filter {
            action: config.action.unwrap_or(FilterAction::Flag),
            labels: labels.to_vec(),
            thresholds,
        })
    }

    /// The labels whose scores are at or over their thresholds.
    pub fn crossed(&self, scores: &[f32]) -> FlaggedBy {
        self.labels
            .iter()
            .zip(&self.thresholds)
            .zip(scores)
            .filter(|((_, t), &s)| t.is_some_and(|t| s >= t))
            .map(|((l, _), _)| l.clone())
            .collect()
    }
}

/// The threshold a model stores for `label`, checked to be a probability.
fn stored_threshold(model_thresholds: Option<&Value>, label: &str) -> Result<Option<f32>, String> {
    let Some(value) = model_thresholds.and_then(|t| t.get(label)) else {
        return Ok(None);
    };
    match value.as_f64() {
        Some(t) if (0.0..=1.0).contains(&t) => Ok(Some(t as f32)),
        _ => Err(format!(
            "the model's stored threshold for `{label}` ({value}) is not within 0..=1"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn labels() -> Vec<LabelName> {
        vec!["toxic".into(), "hate".into()]
    }

    #[test]
    fn thresholds_come_from_config_then_model_then_one_half() {
        let model = serde_json::json!({"toxic": 0.3, "hate": 0.6});
        let f = Filter::build(&FilterConfig::default(), &labels(), Some(&model)).unwrap();
        assert_eq!(f.thresholds, [Some(0.3), Some(0.6)]);
        assert_eq!(f.action, FilterAction::Flag);
        let config = FilterConfig {
            threshold: Some(0.9),
            thresholds: BTreeMap::from([("hate".to_string(), 0.4)]),
            ..FilterConfig::default()
        };
        let f = Filter::build(&config, &labels(), Some(&model)).unwrap();
        assert_eq!(f.thresholds, [Some(0.9), Some(0.4)]);
        let f = Filter::build(&FilterConfig::default(), &labels(), None).unwrap();
        assert_eq!(f.thresholds, [Some(0.5), Some(0.5)]);
    }

    #[test]
    fn only_flag_on_scores_flag() {
        let config = FilterConfig {
            flag_on: Some(vec!["hate".into()]),
            ..FilterConfig::default()
        };
        let f = Filter::build(&config, &labels(), None).unwrap();
        assert!(f.crossed(&[0.99, 0.1]).is_empty());
        assert_eq!(
            f.crossed(&[0.1, 0.5]).as_slice(),
            [LabelName::from("hate")],
            "at the threshold flags"
        );
    }

    #[test]
    fn unknown_scores_and_bad_stored_thresholds_are_refused() {
        let config = FilterConfig {
            flag_on: Some(vec!["insult".into()]),
            ..FilterConfig::default()
        };
        let e = Filter::build(&config, &labels(), None).unwrap_err();
        assert!(e.contains("insult") && e.contains("toxic, hate"), "{e}");
        let model = serde_json::json!({"toxic": 7.0});
        let e = Filter::build(&FilterConfig::default(), &labels(), Some(&model)).unwrap_err();
        assert!(e.contains("toxic") && e.contains("0..=1"), "{e}");
    }
}
