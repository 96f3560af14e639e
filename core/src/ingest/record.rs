//! Turning one structured record (a JSON object, or a CSV row seen as one) into an [`Article`].
//! JSON Lines and CSV share this mapping so that the two formats accept the same field names.

use serde_json::{Map, Value};

use crate::article::{Article, Comment};

/// Takes a string field out of `obj`: strings as they are (moved, not copied: an article's body
/// is most of its bytes), numbers as written, null, absent or blank as `None`.
fn take_string(obj: &mut Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    // `shift_remove` keeps the other fields in their order, for `extra`.
    match obj.shift_remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!(
            "field `{key}` should be a string, found {}",
            json_kind(&other)
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
/// The fields slant reads (`id`, `outlet`, `original_source`, `title`, `author`, `date`, `url`,
/// `body`, `text`, `comments`) are taken out of the object; any other goes to `extra`.
///
/// # Errors
/// A message naming the offending field: wrong type, no `body`/`text`, malformed comments.
pub fn article_from_object(
    mut obj: Map<String, Value>,
    fallback_id: &str,
) -> Result<Article, String> {
    let body = match (
        take_string(&mut obj, "body")?,
        take_string(&mut obj, "text")?,
    ) {
        (Some(b), _) | (None, Some(b)) => b,
        (None, None) => return Err("record has no `body` (or `text`) field".into()),
    };
    let comments = match obj.shift_remove("comments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => comments_of(items)?,
        Some(Value::String(s)) if s.trim().is_empty() => Vec::new(),
        // CSV cells carry the comment array as JSON text.
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Array(items)) => comments_of(items)?,
            _ => return Err("field `comments` should be a JSON array of comments".into()),
        },
        Some(other) => {
            return Err(format!(
                "field `comments` should be an array, found {}",
                json_kind(&other)
            ))
        }
    };
    let id = take_string(&mut obj, "id")?.unwrap_or_else(|| fallback_id.to_string());
    let article = Article {
        id,
        outlet: take_string(&mut obj, "outlet")?,
        original_source: take_string(&mut obj, "original_source")?,
        title: take_string(&mut obj, "title")?,
        author: take_string(&mut obj, "author")?,
        date: take_string(&mut obj, "date")?,
        url: take_string(&mut obj, "url")?,
        body,
        comments,
        // Every field read above has been taken out: what is left is the record's own.
        extra: obj.into_iter().collect(),
        ..Article::default()
    };
    Ok(article)
}

/// The comments of an article, numbered from 1 in error messages and default ids.
fn comments_of(items: Vec<Value>) -> Result<Vec<Comment>, String> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, c)| comment_from_value(c, i))
        .collect()
}

fn comment_from_value(v: Value, index: usize) -> Result<Comment, String> {
    let at = |msg: String| format!("comment {}: {msg}", index + 1);
    let mut obj = match v {
        Value::Object(o) => o,
        Value::String(s) => {
            return Ok(Comment {
                id: format!("c{}", index + 1),
                text: s,
                ..Comment::default()
            })
        }
        other => {
            return Err(at(format!(
                "should be an object, found {}",
                json_kind(&other)
            )))
        }
    };
    let text = take_string(&mut obj, "text")
        .map_err(at)?
        .or(take_string(&mut obj, "body").map_err(at)?)
        .unwrap_or_default();
    Ok(Comment {
        id: take_string(&mut obj, "id")
            .map_err(at)?
            .unwrap_or_else(|| format!("c{}", index + 1)),
        author: take_string(&mut obj, "author").map_err(at)?,
        reply_to: take_string(&mut obj, "reply_to").map_err(at)?,
        date: take_string(&mut obj, "date").map_err(at)?,
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
    fn unknown_fields_keep_their_order_and_known_ones_never_reach_extra() {
        let a = article_from_object(
            obj(
                json!({"zeta": 1, "body": "b", "alpha": 2, "text": "t", "url": null,
                        "mid": 3, "comments": []}),
            ),
            "f:1",
        )
        .unwrap();
        let keys: Vec<&str> = a.extra.keys().map(String::as_str).collect();
        assert_eq!(keys, ["zeta", "alpha", "mid"]);
        assert_eq!((a.body.as_str(), a.url), ("b", None));
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
