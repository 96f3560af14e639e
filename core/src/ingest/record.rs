//! Turning one structured record (a JSON object, a CSV row seen as one, or a JSON line read
//! in place) into an [`Article`]. The fields slant reads are first gathered into
//! [`ArticleFields`], then checked once, so every format accepts the same field names and
//! refuses a bad field with the same message.

use serde_json::{Map, Value};

use crate::article::{Article, Comment, METADATA_FIELDS};

/// The article fields slant reads besides `comments`: the text, the id and the metadata fields
/// (`into_article` says in which order they are checked).
pub(super) const ARTICLE_KEYS: [&str; 9] = {
    let mut keys = ["body", "text", "id", "", "", "", "", "", ""];
    let mut k = 0;
    while k < METADATA_FIELDS.len() {
        keys[3 + k] = METADATA_FIELDS[k];
        k += 1;
    }
    keys
};
/// Where `id` is in [`ARTICLE_KEYS`].
const ID: usize = 2;

/// The comment fields slant reads, in the order they are checked; any other is dropped.
pub(super) const COMMENT_KEYS: [&str; 6] = ["text", "body", "id", "author", "reply_to", "date"];

/// An article record's fields before they are checked: those slant reads, and the rest.
#[derive(Debug, Default)]
pub struct ArticleFields {
    /// The value of each of [`ARTICLE_KEYS`] the record has.
    pub(super) known: [Option<Value>; ARTICLE_KEYS.len()],
    pub(super) comments: Option<RawComment>,
    /// Every other field, in the record's order.
    pub(super) extra: Map<String, Value>,
}

/// The `comments` field, or one of its items, before it is checked (the field should be a
/// list of objects, or a CSV cell's JSON text of one).
// The object variant is large (six values), but a record's list lives only until it is
// checked, and boxing it would cost each comment the allocation that reading in place saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(super) enum RawComment {
    /// An object: the value of each of [`COMMENT_KEYS`] it has.
    Fields([Option<Value>; COMMENT_KEYS.len()]),
    /// A string: a comment's text, or the field as a CSV cell.
    Text(String),
    List(Vec<RawComment>),
    Null,
    /// A boolean or a number, by its JSON kind (`a number`), for the error.
    Kind(&'static str),
}

impl ArticleFields {
    /// The fields of a JSON object, taken out of it (moved, not copied).
    pub fn from_map(mut obj: Map<String, Value>) -> ArticleFields {
        // `shift_remove` keeps the other fields in their order, for `extra`.
        let known = ARTICLE_KEYS.map(|key| obj.shift_remove(key));
        let comments = obj.shift_remove("comments").map(RawComment::from_value);
        ArticleFields {
            known,
            comments,
            extra: obj,
        }
    }

    /// The record's `id` field as text, if it has one (an error record carries it too).
    pub fn own_id(&self) -> Option<String> {
        match self.known[ID].as_ref()? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The article. `fallback_id` makes its id when the record has none (called only then:
    /// most records name their own).
    ///
    /// # Errors
    /// A message naming the offending field: wrong type, no `body`/`text`, malformed comments.
    pub fn into_article(self, fallback_id: impl FnOnce() -> String) -> Result<Article, String> {
        // Checked in this order, so that a record with several faults names the same one
        // whatever format it came in: the text, the comments, then the metadata.
        let [body, text, id, outlet, original_source, title, author, date, url] = self.known;
        let body = string_value("body", body)?;
        let text = string_value("text", text)?;
        let body = body
            .or(text)
            .ok_or("record has no `body` (or `text`) field")?;
        let comments = comments_of(self.comments)?;
        Ok(Article {
            id: string_value("id", id)?.unwrap_or_else(fallback_id),
            outlet: string_value("outlet", outlet)?,
            original_source: string_value("original_source", original_source)?,
            title: string_value("title", title)?,
            author: string_value("author", author)?,
            date: string_value("date", date)?,
            url: string_value("url", url)?,
            body,
            comments,
            extra: self.extra,
            ..Article::default()
        })
    }
}

impl From<Map<String, Value>> for ArticleFields {
    fn from(obj: Map<String, Value>) -> ArticleFields {
        ArticleFields::from_map(obj)
    }
}

impl RawComment {
    /// Its JSON kind, as errors name it.
    fn kind(&self) -> &'static str {
        match self {
            RawComment::Fields(_) => "an object",
            RawComment::Text(_) => "a string",
            RawComment::List(_) => "an array",
            RawComment::Null => "null",
            RawComment::Kind(kind) => kind,
        }
    }

    fn from_value(value: Value) -> RawComment {
        match value {
            Value::Object(mut o) => RawComment::Fields(COMMENT_KEYS.map(|key| o.shift_remove(key))),
            Value::String(s) => RawComment::Text(s),
            Value::Array(items) => {
                RawComment::List(items.into_iter().map(RawComment::from_value).collect())
            }
            Value::Null => RawComment::Null,
            other => RawComment::Kind(json_kind(&other)),
        }
    }
}

/// A string field's value: strings as they are (moved, not copied: an article's body is most of
/// its bytes), numbers as written, null, absent or blank as `None`.
fn string_value(key: &str, value: Option<Value>) -> Result<Option<String>, String> {
    match value {
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

pub(super) fn json_kind(v: &Value) -> &'static str {
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
pub fn article_from_object(obj: Map<String, Value>, fallback_id: &str) -> Result<Article, String> {
    ArticleFields::from_map(obj).into_article(|| fallback_id.to_string())
}

/// The checked comments of an article (none when the field is absent, null or blank).
fn comments_of(raw: Option<RawComment>) -> Result<Vec<Comment>, String> {
    let items = match raw {
        None | Some(RawComment::Null) => return Ok(Vec::new()),
        Some(RawComment::List(items)) => items,
        Some(RawComment::Text(s)) if s.trim().is_empty() => return Ok(Vec::new()),
        // CSV cells carry the comment array as JSON text.
        Some(RawComment::Text(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Array(items)) => items.into_iter().map(RawComment::from_value).collect(),
            _ => return Err("field `comments` should be a JSON array of comments".into()),
        },
        Some(other) => {
            return Err(format!(
                "field `comments` should be an array, found {}",
                other.kind()
            ))
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, c)| comment_of(c, i))
        .collect()
}

/// One checked comment, numbered from 1 in error messages and default ids.
fn comment_of(raw: RawComment, index: usize) -> Result<Comment, String> {
    let at = |msg: String| format!("comment {}: {msg}", index + 1);
    let default_id = || format!("c{}", index + 1);
    let fields = match raw {
        RawComment::Fields(fields) => fields,
        RawComment::Text(text) => {
            return Ok(Comment {
                id: default_id(),
                text,
                ..Comment::default()
            })
        }
        other => return Err(at(format!("should be an object, found {}", other.kind()))),
    };
    let [text, body, id, author, reply_to, date] = fields;
    let text = string_value("text", text).map_err(at)?;
    let body = string_value("body", body).map_err(at)?;
    let id = string_value("id", id).map_err(at)?;
    let author = string_value("author", author).map_err(at)?;
    let reply_to = string_value("reply_to", reply_to).map_err(at)?;
    let date = string_value("date", date).map_err(at)?;
    Ok(Comment {
        id: id.unwrap_or_else(default_id),
        author,
        reply_to,
        date,
        text: text.or(body).unwrap_or_default(),
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
    fn the_article_keys_are_the_text_the_id_and_every_metadata_field() {
        assert_eq!(ARTICLE_KEYS[..3], ["body", "text", "id"]);
        assert_eq!(ARTICLE_KEYS[3..], METADATA_FIELDS);
        assert_eq!(ARTICLE_KEYS[ID], "id");
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
