//! The labeled-article record: what `slant label` writes for each input record, and what later
//! commands (`slant compare`, reports) read back instead of relabeling.
//!
//! The core never names a stage: every classifier stage's result sits under the stage's own
//! name, at the top level of the article (`"sentiment": {...}`) and of each comment
//! (`"toxicity": {...}`), as a [`StageResult`] or [`UnitScores`]. README's "Output schema" is the
//! documentation of these types; keep the two in step.

use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::article::{Comment, SourceRef};

/// A label's name (`negative`, `toxic`, …), shared by every unit that carries it: a stage's
/// names are made once, not copied into each sentence's and comment's scores.
pub type LabelName = Arc<str>;

/// The labels whose scores crossed their thresholds: a stage has a few, so they are held in
/// place (a list of its own was an allocation per flagged comment).
pub type FlaggedBy = SmallVec<[LabelName; 2]>;

/// Probabilities (or per-head scores) by label, in the order the model gives them; written as
/// a JSON object. A stage has a few labels, so they are held in place: every sentence, comment
/// and mention carries one, and a map of its own (two allocations) was one of a labeled
/// article's larger costs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores(SmallVec<[(LabelName, f64); 4]>);

impl Scores {
    /// The score of `label`.
    pub fn get(&self, label: &str) -> Option<&f64> {
        self.0.iter().find(|(l, _)| &**l == label).map(|(_, v)| v)
    }

    /// The score of `label`, to change.
    pub fn get_mut(&mut self, label: &str) -> Option<&mut f64> {
        self.0
            .iter_mut()
            .find(|(l, _)| &**l == label)
            .map(|(_, v)| v)
    }

    /// Sets the score of `label`, where it was or else last; the score it replaced.
    pub fn insert(&mut self, label: LabelName, value: f64) -> Option<f64> {
        match self.get_mut(&label) {
            Some(v) => Some(std::mem::replace(v, value)),
            None => {
                self.0.push((label, value));
                None
            }
        }
    }

    /// Labels and scores, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&LabelName, &f64)> {
        self.0.iter().map(|(l, v)| (l, v))
    }

    /// The labels, in order.
    pub fn keys(&self) -> impl Iterator<Item = &LabelName> {
        self.0.iter().map(|(l, _)| l)
    }

    /// The scores, in label order.
    pub fn values(&self) -> impl Iterator<Item = &f64> {
        self.0.iter().map(|(_, v)| v)
    }

    /// The scores, in label order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no score.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A repeated label keeps its first place and takes the last score, as in a JSON object read
/// into a map.
impl FromIterator<(LabelName, f64)> for Scores {
    fn from_iter<I: IntoIterator<Item = (LabelName, f64)>>(items: I) -> Scores {
        let mut scores = Scores::default();
        for (label, value) in items {
            scores.insert(label, value);
        }
        scores
    }
}

impl std::ops::Index<&str> for Scores {
    type Output = f64;

    /// # Panics
    /// `label` has no score.
    fn index(&self, label: &str) -> &f64 {
        self.get(label)
            .unwrap_or_else(|| panic!("no score for label `{label}`"))
    }
}

impl Serialize for Scores {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Scores {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Scores, D::Error> {
        let map = IndexMap::<LabelName, f64>::deserialize(deserializer)?;
        Ok(map.into_iter().collect())
    }
}

/// Keys of the article and comment records beside the metadata fields
/// ([`crate::article::METADATA_FIELDS`]) that a stage may not be named after.
const RECORD_KEYS: &[&str] = &[
    "id",
    "source",
    "counts",
    "body",
    "comments",
    "tokens",
    "warnings",
    "extra",
    "error",
    "reply_to",
    "text",
    "redacted",
    "language",
    "provenance",
];

/// Whether `name` is a key of the article or comment records (a metadata field or one of
/// [`RECORD_KEYS`]): a stage of that name would have its result collide with it.
pub fn is_reserved_name(name: &str) -> bool {
    crate::article::METADATA_FIELDS.contains(&name) || RECORD_KEYS.contains(&name)
}

/// One output record: a labeled article, or the error standing in for an input record that
/// could not be labeled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OutputRecord {
    /// Tried first when reading back: only error records have `error`.
    Error(ErrorRecord),
    Article(Box<LabeledArticle>),
}

impl OutputRecord {
    /// The error message, for error records.
    pub fn error(&self) -> Option<&str> {
        match self {
            OutputRecord::Error(e) => Some(&e.error),
            OutputRecord::Article(_) => None,
        }
    }

    /// The labeled article, for article records.
    pub fn article(&self) -> Option<&LabeledArticle> {
        match self {
            OutputRecord::Article(a) => Some(a),
            OutputRecord::Error(_) => None,
        }
    }
}

/// An input record that yielded no article, or an article a stage failed on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub source: SourceRef,
    /// `<file>:<line>: <what went wrong>`.
    pub error: String,
}

/// A labeled article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabeledArticle {
    pub id: String,
    pub source: SourceRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The body's language as detected (ISO 639-3, e.g. `eng`), when detection is reliable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// With `--provenance`: where the reader found each metadata field (field → source, as
    /// `Article::provenance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<std::collections::BTreeMap<String, String>>,
    pub counts: Counts,
    /// The article text (with `--body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Each classifier stage's result, under the stage's name, in pipeline order.
    #[serde(flatten)]
    pub stages: IndexMap<String, StageResult>,
    /// The comments kept by the stages' filters (dropped ones are listed by their stage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<LabeledComment>,
    /// Every token of the body (with `--tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<TokenOut>>,
    /// Reader remarks (e.g. invalid UTF-8 decoded lossily).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Input fields slant does not interpret, unchanged.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Sizes of the article as read and as kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub body_bytes: usize,
    /// Tokens of the body.
    pub tokens: usize,
    /// Sentences of the body.
    pub sentences: u32,
    /// Comments as read.
    pub comments: usize,
    /// Comments left after every filter.
    pub comments_kept: usize,
}

/// One token of the body: its term (normalized, stemmed), byte offsets into the body, sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenOut {
    pub term: String,
    pub start: u32,
    pub end: u32,
    pub sentence: u32,
}

/// What one classifier stage found about one article.
///
/// `label`, `scores` and `score` describe the article as a whole: the body's scores when the
/// stage reads `body`, the length-weighted mean over sentences when it reads `sentences`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageResult {
    /// The most probable label (classifiers whose outputs are one distribution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<Scores>,
    /// The stage's signed score (e.g. tone = P(positive) − P(negative)), in [-1, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Units the article-level figures were aggregated from (sentences with tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<usize>,
    /// The article text crossed the filter's thresholds (stages with a filter reading `body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged: Option<bool>,
    #[serde(default, skip_serializing_if = "SmallVec::is_empty")]
    pub flagged_by: FlaggedBy,
    /// Every sentence's result (with `--sentences`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentences: Option<Vec<SentenceResult>>,
    /// Accounting over the comments this stage read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<CommentSummary>,
    /// The n-grams that pushed the article-level decision most (with `--explain N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<Cue>>,
    /// Stance toward each target the article mentions (stages reading `mentions`), by target
    /// name; a target the article never mentions has no entry.
    /// (Left out when no target is mentioned, so every output format reads back the same.)
    #[serde(default, skip_serializing_if = "no_targets")]
    pub targets: Option<IndexMap<String, TargetStance>>,
    /// Stance toward each configured claim (stages reading `claims`), in configured order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<ClaimResult>>,
}

/// What an article says about one target, aggregated over its mentions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetStance {
    /// Mentions found (each classified in its sentence).
    pub mentions: usize,
    /// The most probable label of the mean over mentions (exclusive classifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelName>,
    /// The mean signed score over mentions (stance: P(favor) − P(against)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Share of mentions that got each label.
    pub shares: Scores,
    /// The mention with the strongest signed score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strongest: Option<StrongestMention>,
    /// Every mention with its scores (with `--mentions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_list: Option<Vec<MentionResult>>,
}

/// The mention that weighs most in a target's stance; `start..end` are byte offsets into the body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StrongestMention {
    pub start: usize,
    pub end: usize,
    /// The body's text at `start..end`.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// One mention of a target: byte offsets into the body, the alias it matched, its scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentionResult {
    pub start: usize,
    pub end: usize,
    pub alias: String,
    #[serde(flatten)]
    pub result: UnitScores,
}

/// What an article says about one claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    pub claim: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelName>,
    pub scores: Scores,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// The scores of one unit (a sentence, a comment, the body).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitScores {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LabelName>,
    pub scores: Scores,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Some score crossed its threshold (stages with a filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged: Option<bool>,
    /// Which scores crossed their thresholds.
    #[serde(default, skip_serializing_if = "SmallVec::is_empty")]
    pub flagged_by: FlaggedBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<Cue>>,
}

/// One sentence of the body with its scores; `start..end` are byte offsets into the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceResult {
    pub start: u32,
    pub end: u32,
    #[serde(flatten)]
    pub result: UnitScores,
}

/// What a stage did with an article's comments. Nothing vanishes: dropped comments are counted
/// and listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommentSummary {
    /// Comments this stage scored (those earlier stages kept and did not redact).
    pub total: usize,
    #[serde(default)]
    pub flagged: usize,
    #[serde(default)]
    pub dropped: usize,
    #[serde(default)]
    pub redacted: usize,
    /// `flagged / total` (0 when there are none); only for stages with a filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped_ids: Vec<String>,
    /// Mean of each score over the comments scored.
    #[serde(default, skip_serializing_if = "Scores::is_empty")]
    pub mean: Scores,
}

/// A comment with each stage's scores under the stage's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabeledComment {
    #[serde(flatten)]
    pub comment: Comment,
    /// Its text was replaced by a filter (later stages do not score it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    #[serde(flatten)]
    pub stages: CommentStages,
}

/// A stage's name (`toxicity`, `sentiment`, …), made once by the stage and shared by every
/// comment it scores.
pub type StageName = Arc<str>;

/// Each stage's scores of one comment, by stage name, in the order the stages ran; written as
/// keys of the comment's object. A comment has one or two, held in place: a map of its own and
/// a copy of the stage's name were three allocations per comment, and the labeling threads'
/// largest count of them after the comments' own texts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommentStages(SmallVec<[(StageName, UnitScores); 1]>);

impl CommentStages {
    /// The scores of stage `name`.
    pub fn get(&self, name: &str) -> Option<&UnitScores> {
        self.0.iter().find(|(n, _)| &**n == name).map(|(_, s)| s)
    }

    /// Sets the scores of stage `name`, where they were or else last.
    pub fn insert(&mut self, name: StageName, scores: UnitScores) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = scores,
            None => self.0.push((name, scores)),
        }
    }

    /// Stage names and scores, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&StageName, &UnitScores)> {
        self.0.iter().map(|(n, s)| (n, s))
    }

    /// Number of stages with scores.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no stage scored the comment.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Index<&str> for CommentStages {
    type Output = UnitScores;

    /// # Panics
    /// Stage `name` has no scores.
    fn index(&self, name: &str) -> &UnitScores {
        self.get(name)
            .unwrap_or_else(|| panic!("no scores of stage `{name}`"))
    }
}

impl Serialize for CommentStages {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Read as a JSON object is read into a map: a repeated stage keeps its first place and its
/// last scores.
impl<'de> Deserialize<'de> for CommentStages {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = IndexMap::<StageName, UnitScores>::deserialize(deserializer)?;
        Ok(CommentStages(map.into_iter().collect()))
    }
}

/// An n-gram and how much it pushed a decision (`weight × value` in logit units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    pub feature: String,
    pub weight: f64,
}

/// True when there is no target entry to write.
fn no_targets(targets: &Option<IndexMap<String, TargetStance>>) -> bool {
    targets.as_ref().is_none_or(IndexMap::is_empty)
}

/// Rounds to 4 decimals for readable output (decisions use full precision).
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn every_metadata_field_is_a_reserved_name() {
        for field in crate::article::METADATA_FIELDS
            .iter()
            .chain(&["language", "body", "id"])
        {
            assert!(is_reserved_name(field), "{field}");
        }
        assert!(!is_reserved_name("toxicity") && !is_reserved_name("sentiment"));
    }

    #[test]
    fn scores_read_and_write_as_a_json_object_in_label_order() {
        let mut scores: Scores = [("toxic".into(), 0.25), ("clean".into(), 0.5)]
            .into_iter()
            .collect();
        assert_eq!(scores.insert("toxic".into(), 0.75), Some(0.25));
        assert_eq!(scores.insert("hate".into(), 0.1), None);
        assert_eq!(
            (scores["toxic"], scores.get("none"), scores.len()),
            (0.75, None, 3)
        );
        let json = serde_json::to_string(&scores).unwrap();
        assert_eq!(json, r#"{"toxic":0.75,"clean":0.5,"hate":0.1}"#);
        assert_eq!(serde_json::from_str::<Scores>(&json).unwrap(), scores);
        // A repeated label keeps its first place and its last score, as a map would.
        let repeated: Scores = serde_json::from_str(r#"{"a":1.0,"b":2.0,"a":3.0}"#).unwrap();
        let pairs: Vec<(&str, f64)> = repeated.iter().map(|(l, v)| (&**l, *v)).collect();
        assert_eq!(pairs, [("a", 3.0), ("b", 2.0)]);
        assert!(serde_json::from_str::<Scores>(r#"{"a":"x"}"#).is_err());
    }

    /// An article with a stage result on its body and on its one comment.
    pub(crate) fn article() -> LabeledArticle {
        let mut stages = IndexMap::new();
        stages.insert(
            "sentiment".to_string(),
            StageResult {
                label: Some("negative".into()),
                scores: Some(Scores::from_iter([
                    ("negative".into(), 0.7),
                    ("neutral".into(), 0.2),
                    ("positive".into(), 0.1),
                ])),
                score: Some(-0.6),
                units: Some(3),
                ..StageResult::default()
            },
        );
        let mut comment_stages = CommentStages::default();
        comment_stages.insert(
            "toxicity".into(),
            UnitScores {
                scores: Scores::from_iter([("toxic".into(), 0.9)]),
                flagged: Some(true),
                flagged_by: smallvec::smallvec!["toxic".into()],
                ..UnitScores::default()
            },
        );
        LabeledArticle {
            id: "a1".into(),
            source: SourceRef::line("in.jsonl", 1),
            outlet: Some("Lakeside Gazette".into()),
            original_source: None,
            title: Some("T".into()),
            author: None,
            date: Some("2017-10-26".into()),
            url: None,
            language: Some("eng".into()),
            provenance: None,
            counts: Counts {
                body_bytes: 10,
                tokens: 2,
                sentences: 1,
                comments: 1,
                comments_kept: 1,
            },
            body: None,
            stages,
            comments: vec![LabeledComment {
                comment: Comment {
                    id: "c1".into(),
                    text: "x".into(),
                    ..Comment::default()
                },
                redacted: false,
                stages: comment_stages,
            }],
            tokens: None,
            warnings: vec![],
            extra: serde_json::Map::new(),
        }
    }

    #[test]
    fn article_round_trips_with_stage_results_under_their_names() {
        let record = OutputRecord::Article(Box::new(article()));
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["sentiment"]["label"], "negative");
        assert_eq!(json["comments"][0]["toxicity"]["flagged"], true);
        assert_eq!(json["comments"][0]["text"], "x");
        let back: OutputRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn a_comments_stages_keep_their_order_and_read_back() {
        let unit = |score: f64| UnitScores {
            scores: Scores::from_iter([("p".into(), score)]),
            ..UnitScores::default()
        };
        let mut stages = CommentStages::default();
        stages.insert("zeta".into(), unit(0.1));
        stages.insert("alpha".into(), unit(0.2));
        stages.insert("zeta".into(), unit(0.3));
        assert_eq!(stages.len(), 2);
        assert_eq!(
            stages["zeta"].scores["p"], 0.3,
            "a stage's scores are replaced in place"
        );
        let json = serde_json::to_string(&stages).unwrap();
        assert_eq!(
            json,
            r#"{"zeta":{"scores":{"p":0.3}},"alpha":{"scores":{"p":0.2}}}"#
        );
        let back: CommentStages = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stages);
        // As a JSON object read into a map: a repeated key keeps its first place, its last value.
        let repeated =
            r#"{"a":{"scores":{"p":0.1}},"b":{"scores":{"p":0.2}},"a":{"scores":{"p":0.3}}}"#;
        let read: CommentStages = serde_json::from_str(repeated).unwrap();
        let names: Vec<&str> = read.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(read["a"].scores["p"], 0.3);
        assert!(read.get("c").is_none());
    }

    #[test]
    fn error_records_read_back_as_errors() {
        let line = r#"{"id":"x","source":{"file":"a.jsonl","line":3},"error":"a.jsonl:3: malformed JSON"}"#;
        let record: OutputRecord = serde_json::from_str(line).unwrap();
        assert_eq!(record.error(), Some("a.jsonl:3: malformed JSON"));
    }
}
