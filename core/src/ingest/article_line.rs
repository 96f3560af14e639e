//! An article's JSON line read straight into [`ArticleFields`], without building the
//! `serde_json::Map` of the record and one of every comment first: the fields slant reads are
//! parsed into the values it keeps (a key it knows is matched where it lies in the line, not
//! copied), the comments' other fields are skipped, and only the record's own extra fields
//! become JSON values. The checks, and so every error message about a field, are those of
//! [`ArticleFields::into_article`]; a line that does not parse is read again as a map, for the
//! same error as before.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::record::{ArticleFields, RawComment, ARTICLE_KEYS, COMMENT_KEYS};

/// The fields of the article on `line`, or `None` when the line is not one JSON object that
/// parses (the caller then reads it as a map, which says why).
pub fn article_fields(line: &str) -> Option<ArticleFields> {
    serde_json::from_str::<LineArticle>(line).ok().map(|a| a.0)
}

/// [`ArticleFields`] read by serde from a JSON object.
struct LineArticle(ArticleFields);

impl<'de> serde::Deserialize<'de> for LineArticle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ArticleVisitor)
    }
}

struct ArticleVisitor;

impl<'de> Visitor<'de> for ArticleVisitor {
    type Value = LineArticle;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LineArticle, A::Error> {
        let mut fields = ArticleFields::default();
        // A repeated key keeps its last value (and an extra field its first place), as a map.
        while let Some(key) = map.next_key_seed(KeyOf(&ARTICLE_KEYS, Some("comments")))? {
            match key {
                Key::Known(i) => fields.known[i] = Some(map.next_value()?),
                Key::List => fields.comments = Some(map.next_value::<LineComment>()?.0),
                Key::Other(name) => {
                    let value: Value = map.next_value()?;
                    fields.extra.insert(name, value);
                }
            }
        }
        Ok(LineArticle(fields))
    }
}

/// An object's key: one of the names looked for (by index), the list field (`comments`), or
/// another.
enum Key {
    Known(usize),
    List,
    Other(String),
}

/// Reads a key against `names` (and the list field's name, if any) without copying it.
struct KeyOf<'n>(&'n [&'static str], Option<&'static str>);

impl<'n> KeyOf<'n> {
    fn key(&self, name: &str) -> Key {
        if self.1 == Some(name) {
            return Key::List;
        }
        match self.0.iter().position(|&n| n == name) {
            Some(i) => Key::Known(i),
            None => Key::Other(name.to_string()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for KeyOf<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyOf<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
        Ok(self.key(name))
    }
}

/// The `comments` field, or one of its items.
struct LineComment(RawComment);

impl<'de> serde::Deserialize<'de> for LineComment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CommentVisitor)
    }
}

struct CommentVisitor;

impl CommentVisitor {
    fn kind<E>(kind: &'static str) -> Result<LineComment, E> {
        Ok(LineComment(RawComment::Kind(kind)))
    }
}

impl<'de> Visitor<'de> for CommentVisitor {
    type Value = LineComment;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a comment or a list of comments")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LineComment, A::Error> {
        let mut fields: [Option<Value>; COMMENT_KEYS.len()] = Default::default();
        while let Some(key) = map.next_key_seed(KeyOf(&COMMENT_KEYS, None))? {
            match key {
                Key::Known(i) => fields[i] = Some(map.next_value()?),
                // A comment's other fields are not kept.
                Key::List | Key::Other(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(LineComment(RawComment::Fields(fields)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<LineComment, E> {
        Ok(LineComment(RawComment::Text(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<LineComment, E> {
        Ok(LineComment(RawComment::Text(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LineComment, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<LineComment>()? {
            items.push(item.0);
        }
        Ok(LineComment(RawComment::List(items)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<LineComment, E> {
        Ok(LineComment(RawComment::Null))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<LineComment, E> {
        Self::kind("a boolean")
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<LineComment, E> {
        Self::kind("a number")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<LineComment, E> {
        Self::kind("a number")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<LineComment, E> {
        Self::kind("a number")
    }
}
