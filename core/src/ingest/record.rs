//! Turning one structured record (a JSON object, or a CSV row seen as one) into an [`Article`].
//! JSON Lines and CSV share this mapping so that the two formats accept the same field names.

use serde_json::{Map, Value};

use crate::article::{Article, Comment};

/// Fields of an article record that slant interprets; anything else goes to `extra`.
const KNOWN: &[&str] = &[
    "id",
    "outlet",
    "original_source",
    "title",
    "author",
    "date",
    "url",
    "body",
    "text",
    "comments",
];

/// A string field: strings as they are, numbers as written, null/absent as `None`.
fn string_field(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!(
            "field `{key}` should be a string, found {}",
            json_kind(other)
        )),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Builds an article from a JSON object. `fallback_id` is used when the record has no `id`.
///
/// # Errors
/// A message naming the offending field: wrong type, no `body`/`text`, malformed comments.
pub fn article_from_object(obj: Map<String, Value>, fallback_id: &str) -> Result<Article, String> {
    let body = match (string_field(&obj, "body")?, string_field(&obj, "text")?) {
        (Some(b), _) | (None, Some(b)) => b,
        (None, None) => return Err("record has no `body` (or `text`) field".into()),
    };
    let comments = match obj.get("comments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, c)| comment_from_value(c, i))
            .collect::<Result<_, _>>()?,
        Some(Value::String(s)) if s.trim().is_empty() => Vec::new(),
        // CSV cells carry the comment array as JSON text.
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, c)| comment_from_value(c, i))
                .collect::<Result<_, _>>()?,
            _ => return Err("field `comments` should be a JSON array of comments".into()),
        },
        Some(other) => {
            return Err(format!(
                "field `comments` should be an array, found {}",
                json_kind(other)
            ))
        }
    };
    let id = string_field(&obj, "id")?.unwrap_or_else(|| fallback_id.to_string());
    let article = Article {
        id,
        outlet: string_field(&obj, "outlet")?,
        original_source: string_field(&obj, "original_source")?,
        title: string_field(&obj, "title")?,
        author: string_field(&obj, "author")?,
        date: string_field(&obj, "date")?,
        url: string_field(&obj, "url")?,
        body,
        comments,
        extra: obj
            .into_iter()
            .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
            .collect(),
        ..Article::default()
    };
    Ok(article)
}

fn comment_from_value(v: &Value, index: usize) -> Result<Comment, String> {
    let at = |msg: String| format!("comment {}: {msg}", index + 1);
    let obj = match v {
        Value::Object(o) => o,
        Value::String(s) => {
            return Ok(Comment {
                id: format!("c{}", index + 1),
                text: s.clone(),
                ..Comment::default()
            })
        }
        other => {
            return Err(at(format!(
                "should be an object, found {}",
                json_kind(other)
            )))
        }
    };
    let text = string_field(obj, "text")
        .map_err(at)?
        .or(string_field(obj, "body").map_err(at)?)
        .unwrap_or_default();
    Ok(Comment {
        id: string_field(obj, "id")
            .map_err(at)?
            .unwrap_or_else(|| format!("c{}", index + 1)),
        author: string_field(obj, "author").map_err(at)?,
        reply_to: string_field(obj, "reply_to").map_err(at)?,
        date: string_field(obj, "date").map_err(at)?,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn maps_known_fields_and_passes_unknown_ones_through() {
        let a = article_from_object(
            obj(
                json!({"id": 7, "outlet": "X", "text": "Body.", "lang": "en",
                        "comments": [{"author": "a", "text": "hi"}, "plain"]}),
            ),
            "f:1",
        )
        .unwrap();
        assert_eq!(a.id, "7");
        assert_eq!(a.body, "Body.");
        assert_eq!(a.extra.get("lang"), Some(&json!("en")));
        assert_eq!(a.comments.len(), 2);
        assert_eq!(a.comments[0].id, "c1");
        assert_eq!(a.comments[1].text, "plain");
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        let e = article_from_object(obj(json!({"title": "t"})), "f:1").unwrap_err();
        assert!(e.contains("body"), "{e}");
        let e = article_from_object(obj(json!({"body": "b", "title": ["x"]})), "f:1").unwrap_err();
        assert!(e.contains("`title`") && e.contains("array"), "{e}");
        let e = article_from_object(obj(json!({"body": "b", "comments": [3]})), "f:1").unwrap_err();
        assert!(e.contains("comment 1"), "{e}");
    }

    #[test]
    fn csv_style_comment_cells_are_parsed() {
        let a = article_from_object(
            obj(json!({"body": "b", "comments": "[{\"id\":\"x\",\"text\":\"t\"}]"})),
            "f:2",
        )
        .unwrap();
        assert_eq!(a.id, "f:2");
        assert_eq!(a.comments[0].id, "x");
    }
}
