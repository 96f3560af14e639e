//! The toxicity filter: given each comment's scores, flag, drop or redact those where any score
//! that may flag (`toxic`, `hate`, …) is at or over its threshold, and account for every comment
//! (nothing silently vanishes).

use serde::Serialize;

use super::config::FilterAction;
use crate::article::Comment;

/// Replaces the text of a redacted comment.
pub const REDACTED: &str = "[removed by slant toxicity filter]";

/// Thresholds and action, with the names of the scores the model gives.
#[derive(Debug, Clone)]
pub struct ToxicityFilter {
    pub action: FilterAction,
    /// Score names in output order (`toxic`, then subtypes).
    pub labels: Vec<String>,
    /// Per label: the threshold at which it flags a comment, or `None` if it never does.
    pub thresholds: Vec<Option<f32>>,
}

/// A comment with its scores and what the filter did.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredComment {
    #[serde(flatten)]
    pub comment: Comment,
    pub toxicity: serde_json::Map<String, serde_json::Value>,
    /// Some score at or over its threshold.
    pub flagged: bool,
    /// The labels whose scores crossed their thresholds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flagged_by: Vec<String>,
    /// The text was replaced by [`REDACTED`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// Per-article accounting of the filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FilterSummary {
    pub comments_total: usize,
    pub flagged: usize,
    pub dropped: usize,
    pub redacted: usize,
    /// Share of comments at or over the threshold (0 when there are none).
    pub toxicity_rate: f64,
    /// Ids of dropped comments, so that their removal is visible.
    pub dropped_ids: Vec<String>,
}

impl ToxicityFilter {
    /// The scores of one text as a JSON object, rounded to 4 decimals for readable output.
    pub fn score_map(&self, scores: &[f32]) -> serde_json::Map<String, serde_json::Value> {
        self.labels
            .iter()
            .zip(scores)
            .map(|(l, &s)| (l.clone(), serde_json::json!(round4(s))))
            .collect()
    }

    /// The labels whose scores are at or over their thresholds.
    pub fn crossed(&self, scores: &[f32]) -> Vec<String> {
        self.labels
            .iter()
            .zip(&self.thresholds)
            .zip(scores)
            .filter(|((_, t), &s)| t.is_some_and(|t| s >= t))
            .map(|((l, _), _)| l.clone())
            .collect()
    }

    /// True if any score that may flag crosses its threshold.
    pub fn crosses(&self, scores: &[f32]) -> bool {
        !self.crossed(scores).is_empty()
    }

    /// Applies the filter to `comments` with `scores` (`comments.len() × labels.len()`).
    /// Returns the comments kept (dropped ones removed) and the accounting.
    pub fn apply(
        &self,
        comments: Vec<Comment>,
        scores: &[f32],
    ) -> (Vec<ScoredComment>, FilterSummary) {
        let k = self.labels.len();
        let mut summary = FilterSummary {
            comments_total: comments.len(),
            ..FilterSummary::default()
        };
        let mut kept = Vec::with_capacity(comments.len());
        for (i, mut comment) in comments.into_iter().enumerate() {
            let s = &scores[i * k..(i + 1) * k];
            let flagged_by = self.crossed(s);
            let flagged = !flagged_by.is_empty();
            if flagged {
                summary.flagged += 1;
            }
            let mut redacted = false;
            if flagged {
                match self.action {
                    FilterAction::Flag => {}
                    FilterAction::Drop => {
                        summary.dropped += 1;
                        summary.dropped_ids.push(comment.id);
                        continue;
                    }
                    FilterAction::Redact => {
                        comment.text = REDACTED.to_string();
                        summary.redacted += 1;
                        redacted = true;
                    }
                }
            }
            kept.push(ScoredComment {
                comment,
                toxicity: self.score_map(s),
                flagged,
                flagged_by,
                redacted,
            });
        }
        if summary.comments_total > 0 {
            summary.toxicity_rate = round4(summary.flagged as f32 / summary.comments_total as f32);
        }
        (kept, summary)
    }
}

/// Rounds to 4 decimals (for output only; decisions use full precision).
pub fn round4(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comments() -> Vec<Comment> {
        ["nice point", "vile insult", "borderline"]
            .iter()
            .enumerate()
            .map(|(i, t)| Comment {
                id: format!("c{}", i + 1),
                author: Some(format!("user{i}")),
                text: t.to_string(),
                ..Comment::default()
            })
            .collect()
    }

    fn filter(action: FilterAction) -> ToxicityFilter {
        ToxicityFilter {
            action,
            labels: vec!["toxic".into(), "hate".into()],
            thresholds: vec![Some(0.5), None],
        }
    }

    const SCORES: [f32; 6] = [0.1, 0.0, 0.9, 0.7, 0.5, 0.1];

    #[test]
    fn flag_keeps_everything_and_marks() {
        let (kept, s) = filter(FilterAction::Flag).apply(comments(), &SCORES);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept.iter().filter(|c| c.flagged).count(), 2); // 0.9 and 0.5 (at threshold)
        assert_eq!(kept[1].comment.text, "vile insult");
        assert_eq!((s.flagged, s.dropped, s.redacted), (2, 0, 0));
        assert!((s.toxicity_rate - 0.6667).abs() < 1e-9);
        assert_eq!(kept[1].toxicity["hate"], serde_json::json!(0.7));
        assert_eq!(kept[1].flagged_by, ["toxic"]);
    }

    #[test]
    fn any_label_with_a_threshold_can_flag() {
        let f = ToxicityFilter {
            thresholds: vec![Some(0.95), Some(0.6)],
            ..filter(FilterAction::Flag)
        };
        let (kept, s) = f.apply(comments(), &SCORES);
        assert_eq!(kept[1].flagged_by, ["hate"]); // toxic 0.9 < 0.95, hate 0.7 >= 0.6
        assert!(!kept[2].flagged); // toxic 0.5, hate 0.1
        assert_eq!(s.flagged, 1);
    }

    #[test]
    fn drop_removes_and_lists_ids() {
        let (kept, s) = filter(FilterAction::Drop).apply(comments(), &SCORES);
        assert_eq!(
            kept.iter()
                .map(|c| c.comment.id.as_str())
                .collect::<Vec<_>>(),
            ["c1"]
        );
        assert_eq!(s.dropped_ids, ["c2", "c3"]);
        assert_eq!((s.comments_total, s.flagged, s.dropped), (3, 2, 2));
    }

    #[test]
    fn redact_keeps_id_author_and_score_but_not_text() {
        let (kept, s) = filter(FilterAction::Redact).apply(comments(), &SCORES);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[1].comment.text, REDACTED);
        assert_eq!(kept[1].comment.author.as_deref(), Some("user1"));
        assert!(kept[1].redacted && kept[1].toxicity.contains_key("toxic"));
        assert_eq!(kept[0].comment.text, "nice point");
        assert_eq!(s.redacted, 2);
    }

    #[test]
    fn no_comments_means_zero_rate() {
        let (kept, s) = filter(FilterAction::Drop).apply(Vec::new(), &[]);
        assert!(kept.is_empty());
        assert_eq!(s.toxicity_rate, 0.0);
    }
}
