//! The one place that knows the shape of a `slant label` output record.
//!
//! Everything `compare` needs from a labeled article is pulled out of its JSON here into a small
//! [`ArticleFigures`]; the statistics never look at JSON. When the output becomes a typed record,
//! only this module changes.
//!
//! What is read (stage names are the user's, so only the tone stage is named, by flag):
//! - tone: `<tone stage>.score` in [-1, 1] and the article's sentiment label `<tone stage>.label`;
//! - stance: every stage result with a `targets` object (`target → {mentions, label, score}`);
//! - claims: every stage result with a `claims` array (`[{claim, label}]`);
//! - comment toxicity: the first stage result with a `comments` object holding `total` and
//!   `flagged` (the top-level `comments` array is the comments themselves, not a stage);
//! - error records (`{"id"?, "source", "error"}`) are recognized so they can be skipped and counted.

use serde_json::{Map, Value};

/// What the grouping key of an article is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupField {
    /// The `outlet` field (normalized later).
    Outlet,
    /// The `author` field.
    Author,
    /// The year and month (`YYYY-MM`) of the `date` field.
    Month,
    /// Any other field: top level first, then `extra.FIELD`; `extra.FIELD` addresses extra only.
    Field(String),
}

impl GroupField {
    /// Parses the `--by` value: `outlet`, `author`, `month` or a field name.
    pub fn parse(text: &str) -> GroupField {
        match text {
            "outlet" => GroupField::Outlet,
            "author" => GroupField::Author,
            "month" => GroupField::Month,
            other => GroupField::Field(other.to_string()),
        }
    }

    /// The name as given on the command line.
    pub fn name(&self) -> &str {
        match self {
            GroupField::Outlet => "outlet",
            GroupField::Author => "author",
            GroupField::Month => "month",
            GroupField::Field(f) => f,
        }
    }
}

/// What to extract from each record.
#[derive(Debug, Clone)]
pub struct Extraction {
    /// The stage whose `score` is the article's tone and whose `label` its sentiment label.
    pub tone_stage: String,
    /// Where the group key comes from.
    pub group_by: GroupField,
}

/// One target's stance in one article.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetStance {
    pub target: String,
    pub mentions: u64,
    /// The article-level label (`against`, `neutral`, `favor`, ...).
    pub label: Option<String>,
    /// The article-level stance score in [-1, 1].
    pub score: Option<f64>,
}

/// One claim's stance in one article.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimStance {
    pub claim: String,
    pub label: String,
}

/// Comment counts of one article's toxicity stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommentCounts {
    pub total: u64,
    pub flagged: u64,
}

/// The figures of one labeled article that `compare` uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArticleFigures {
    /// The raw group key (outlet name as written, author, month, field value); `None` when absent.
    pub group: Option<String>,
    /// Tone in [-1, 1].
    pub tone: Option<f64>,
    /// The article's sentiment label.
    pub sentiment: Option<String>,
    pub stances: Vec<TargetStance>,
    pub claims: Vec<ClaimStance>,
    pub comments: Option<CommentCounts>,
}

/// A line of `slant label` output, read.
#[derive(Debug, Clone, PartialEq)]
pub enum LabeledRecord {
    Article(Box<ArticleFigures>),
    /// An error record of the labeler: skipped and counted.
    Error,
}

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    #[error("a labeled record must be a JSON object")]
    NotAnObject,
    #[error("field `{field}`: {problem}")]
    Field { field: String, problem: String },
}

/// Whether a parsed JSON line is a `slant label` output record rather than an article to label:
/// an object whose `source` is an object (`{file, line}`) and which has a `counts` object (a
/// labeled article) or an `error` (an error record). An input article carries neither.
pub fn looks_labeled(value: &Value) -> bool {
    let Some(record) = value.as_object() else {
        return false;
    };
    let source = record.get("source").is_some_and(Value::is_object);
    let counts = record.get("counts").is_some_and(Value::is_object);
    source && (counts || record.contains_key("error"))
}

/// Reads the figures out of one parsed `slant label` record.
pub fn read_record(value: &Value, how: &Extraction) -> Result<LabeledRecord, RecordError> {
    let record = value.as_object().ok_or(RecordError::NotAnObject)?;
    if record.contains_key("error") {
        return Ok(LabeledRecord::Error);
    }
    let tone_stage = record.get(&how.tone_stage).and_then(Value::as_object);
    let figures = ArticleFigures {
        group: group_key(record, &how.group_by),
        tone: tone_stage
            .map(|s| optional_number(s, "score", &how.tone_stage))
            .transpose()?
            .flatten(),
        sentiment: tone_stage.and_then(|s| s.get("label")).and_then(text_of),
        stances: stances(record)?,
        claims: claims(record),
        comments: comment_counts(record),
    };
    Ok(LabeledRecord::Article(Box::new(figures)))
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A finite number at `key`, `None` when absent or null, an error when it is anything else.
fn optional_number(
    object: &Map<String, Value>,
    key: &str,
    stage: &str,
) -> Result<Option<f64>, RecordError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(field_error(stage, key, "is not a finite number")),
        },
        Some(_) => Err(field_error(stage, key, "is not a number")),
    }
}

fn field_error(stage: &str, key: &str, problem: &str) -> RecordError {
    RecordError::Field {
        field: format!("{stage}.{key}"),
        problem: problem.into(),
    }
}

fn group_key(record: &Map<String, Value>, by: &GroupField) -> Option<String> {
    match by {
        GroupField::Outlet => record.get("outlet").and_then(text_of),
        GroupField::Author => record.get("author").and_then(text_of),
        GroupField::Month => record
            .get("date")
            .and_then(Value::as_str)
            .and_then(month_of),
        GroupField::Field(name) => {
            let extra = record.get("extra").and_then(Value::as_object);
            match name.strip_prefix("extra.") {
                Some(inner) => extra.and_then(|e| e.get(inner)).and_then(text_of),
                None => record
                    .get(name)
                    .and_then(text_of)
                    .or_else(|| extra.and_then(|e| e.get(name)).and_then(text_of)),
            }
        }
    }
}

/// `YYYY-MM` of a date that starts with `YYYY-MM` (ISO dates and timestamps).
fn month_of(date: &str) -> Option<String> {
    let head = date.trim().get(..7)?;
    let bytes = head.as_bytes();
    let digits = |r: std::ops::Range<usize>| bytes[r].iter().all(u8::is_ascii_digit);
    let month: u32 = head.get(5..7)?.parse().ok()?;
    (digits(0..4) && bytes[4] == b'-' && digits(5..7) && (1..=12).contains(&month))
        .then(|| head.to_string())
}

/// Stage results: the top-level objects other than the article's own fields.
fn stage_results(
    record: &Map<String, Value>,
) -> impl Iterator<Item = (&String, &Map<String, Value>)> {
    record
        .iter()
        .filter_map(|(name, value)| value.as_object().map(|object| (name, object)))
}

fn stances(record: &Map<String, Value>) -> Result<Vec<TargetStance>, RecordError> {
    let mut out: Vec<TargetStance> = Vec::new();
    for (stage, result) in stage_results(record) {
        let Some(targets) = result.get("targets").and_then(Value::as_object) else {
            continue;
        };
        for (target, figures) in targets {
            let Some(figures) = figures.as_object() else {
                continue;
            };
            if out.iter().any(|t| &t.target == target) {
                continue; // a target that two stance stages report counts once, from the first
            }
            let mentions = figures.get("mentions").and_then(Value::as_u64).unwrap_or(0);
            out.push(TargetStance {
                target: target.clone(),
                mentions,
                label: figures.get("label").and_then(text_of),
                score: optional_number(figures, "score", &format!("{stage}.targets.{target}"))?,
            });
        }
    }
    Ok(out)
}

fn claims(record: &Map<String, Value>) -> Vec<ClaimStance> {
    let mut out = Vec::new();
    for (_, result) in stage_results(record) {
        let Some(claims) = result.get("claims").and_then(Value::as_array) else {
            continue;
        };
        for claim in claims.iter().filter_map(Value::as_object) {
            let text = claim.get("claim").and_then(text_of);
            let label = claim.get("label").and_then(text_of);
            if let (Some(claim), Some(label)) = (text, label) {
                out.push(ClaimStance { claim, label });
            }
        }
    }
    out
}

fn comment_counts(record: &Map<String, Value>) -> Option<CommentCounts> {
    stage_results(record).find_map(|(_, result)| {
        let comments = result.get("comments")?.as_object()?;
        let total = comments.get("total")?.as_u64()?;
        let flagged = comments.get("flagged")?.as_u64()?;
        Some(CommentCounts {
            total,
            flagged: flagged.min(total),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn how(by: &str) -> Extraction {
        Extraction {
            tone_stage: "sentiment".into(),
            group_by: GroupField::parse(by),
        }
    }

    fn sample() -> Value {
        json!({"id":"a1","source":{"file":"x.jsonl","line":1},"outlet":"RT","author":"Ann",
            "date":"2017-10-26","counts":{"tokens":210,"comments":9},
            "toxicity":{"comments":{"total":9,"flagged":5,"dropped":0,"flag_rate":0.5556}},
            "sentiment":{"label":"negative","score":-0.5,"units":12},
            "stance":{"targets":{"Syrian government":{"mentions":4,"label":"against","score":-0.4}}},
            "claim":{"claims":[{"claim":"c","label":"disagree"}]},
            "comments":[{"id":"c1","text":"x"}],"warnings":[],"extra":{"region":"EU"}})
    }

    fn figures(value: &Value, by: &str) -> ArticleFigures {
        match read_record(value, &how(by)).unwrap() {
            LabeledRecord::Article(f) => *f,
            LabeledRecord::Error => panic!("not an article"),
        }
    }

    #[test]
    fn reads_every_figure_of_a_labeled_article() {
        let f = figures(&sample(), "outlet");
        assert_eq!(f.group.as_deref(), Some("RT"));
        assert_eq!(f.tone, Some(-0.5));
        assert_eq!(f.sentiment.as_deref(), Some("negative"));
        assert_eq!(f.stances.len(), 1);
        assert_eq!(f.stances[0].target, "Syrian government");
        assert_eq!(f.stances[0].mentions, 4);
        assert_eq!(f.stances[0].score, Some(-0.4));
        assert_eq!(f.claims[0].label, "disagree");
        assert_eq!(
            f.comments,
            Some(CommentCounts {
                total: 9,
                flagged: 5
            })
        );
    }

    #[test]
    fn group_keys_come_from_author_month_field_and_extra() {
        assert_eq!(figures(&sample(), "author").group.as_deref(), Some("Ann"));
        assert_eq!(
            figures(&sample(), "month").group.as_deref(),
            Some("2017-10")
        );
        assert_eq!(figures(&sample(), "region").group.as_deref(), Some("EU"));
        assert_eq!(
            figures(&sample(), "extra.region").group.as_deref(),
            Some("EU")
        );
        assert_eq!(figures(&sample(), "id").group.as_deref(), Some("a1"));
        assert_eq!(figures(&sample(), "nope").group, None);
    }

    #[test]
    fn error_records_are_recognized() {
        let e = json!({"source":{"file":"x","line":3},"error":"bad"});
        assert_eq!(
            read_record(&e, &how("outlet")).unwrap(),
            LabeledRecord::Error
        );
    }

    #[test]
    fn a_non_numeric_score_is_an_error_naming_the_field() {
        let mut v = sample();
        v["sentiment"]["score"] = json!("high");
        let err = read_record(&v, &how("outlet")).unwrap_err();
        assert!(err.to_string().contains("sentiment.score"), "{err}");
        assert_eq!(
            read_record(&json!([1]), &how("outlet")),
            Err(RecordError::NotAnObject)
        );
    }

    #[test]
    fn labeled_records_are_told_from_articles() {
        assert!(looks_labeled(&sample()));
        let error = json!({"source":{"file":"x","line":3},"error":"bad"});
        assert!(looks_labeled(&error));
        let article = json!({"id":"a","outlet":"RT","body":"text","source":"RT"});
        assert!(!looks_labeled(&article));
        assert!(!looks_labeled(&json!({"id":"a","counts":{"tokens":3}})));
        assert!(!looks_labeled(&json!([1, 2])));
    }

    #[test]
    fn a_bad_date_has_no_month() {
        assert_eq!(month_of("2017-13-01"), None);
        assert_eq!(month_of("26/10/2017"), None);
        assert_eq!(month_of("2017-10-26T10:00:00Z").as_deref(), Some("2017-10"));
    }
}
