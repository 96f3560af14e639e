//! A record's fields read by name, whichever way the record was read: a JSON object
//! (`serde_json::Map`, as training, `slant eval` and CSV rows hold them) or a JSON Lines line
//! kept as it is with the place of each field in it ([`LineFields`], what `slant predict` reads).
//!
//! Parsed into a map, a record of two short strings (`{"id": …, "text": …}`) costs six
//! allocations (the map, its index, two keys, two values), each freed on another thread after
//! the record is written; those allocations were the reader thread's largest cost in `slant
//! predict`. A [`LineFields`] is the line and, for each field, where its key and value lie in
//! it: one allocation, the line (and one more per value that is not a string, or per string
//! with escapes, which is unescaped into a copy). Its strings are read by serde_json's parser as
//! the map's are (the same checks, the same unescaping), and every other value is held as the
//! same `Value`, so a field reads the same both ways (tested below).

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use smallvec::SmallVec;

/// One field's value as read by name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldRef<'a> {
    /// A string (unescaped).
    Str(&'a str),
    /// Any other value: a number, `true` / `false`, `null`, an array or an object.
    Other(&'a Value),
}

/// Fields by name. When a key occurs twice in a JSON object, its last value is the field's
/// (as `serde_json::Map` keeps it).
pub trait Fields {
    /// The field `key`, if the record has it.
    fn field(&self, key: &str) -> Option<FieldRef<'_>>;

    /// Whether the record has the field `key` (even as `null`).
    fn has(&self, key: &str) -> bool {
        self.field(key).is_some()
    }
}

impl Fields for Map<String, Value> {
    fn field(&self, key: &str) -> Option<FieldRef<'_>> {
        self.get(key).map(|v| match v {
            Value::String(s) => FieldRef::Str(s),
            other => FieldRef::Other(other),
        })
    }
}

/// Text in a line: a span of it, or an unescaped copy when the text had escapes.
#[derive(Debug, Clone)]
enum Text {
    At { start: u32, len: u32 },
    Owned(Box<str>),
}

impl Text {
    fn read<'a>(&'a self, line: &'a str) -> &'a str {
        match self {
            Text::At { start, len } => &line[*start as usize..][..*len as usize],
            Text::Owned(s) => s,
        }
    }
}

/// A field's value in a line. Values other than strings are boxed: a `Value` is 72 bytes, and
/// a record's fields are held in place.
#[derive(Debug, Clone)]
enum FieldValue {
    Str(Text),
    Other(Box<Value>),
}

fn other(value: Value) -> FieldValue {
    FieldValue::Other(Box::new(value))
}

/// Fields held in place (a predict record has 2–3: id, text, a target or paired text).
const INLINE_FIELDS: usize = 4;

/// A JSON object's line with where each of its fields lies in it.
#[derive(Debug, Clone)]
pub struct LineFields {
    line: Box<str>,
    fields: SmallVec<[(Text, FieldValue); INLINE_FIELDS]>,
}

impl LineFields {
    /// The fields of `line` when it is one JSON object; `None` when it is not (not JSON, not an
    /// object, or trailing text), for the caller to say why as it would of any record.
    pub fn parse(line: &str) -> Option<LineFields> {
        // Spans are kept as u32 offsets (records are at most `DEFAULT_MAX_RECORD_BYTES`).
        if u32::try_from(line.len()).is_err() {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(line);
        let base = line.as_ptr() as usize;
        let fields = de.deserialize_map(ObjectVisitor { base }).ok()?;
        de.end().ok()?;
        Some(LineFields {
            line: line.into(),
            fields,
        })
    }
}

impl Fields for LineFields {
    fn field(&self, key: &str) -> Option<FieldRef<'_>> {
        let (_, value) = self
            .fields
            .iter()
            .rev()
            .find(|(k, _)| k.read(&self.line) == key)?;
        Some(match value {
            FieldValue::Str(text) => FieldRef::Str(text.read(&self.line)),
            FieldValue::Other(v) => FieldRef::Other(v),
        })
    }
}

/// Reads the top-level object, field by field.
struct ObjectVisitor {
    /// Where the line starts in memory: a string borrowed from it is kept as its offset.
    base: usize,
}

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = SmallVec<[(Text, FieldValue); INLINE_FIELDS]>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = SmallVec::new();
        while let Some(key) = map.next_key_seed(TextSeed { base: self.base })? {
            let value = map.next_value_seed(ValueSeed { base: self.base })?;
            fields.push((key, value));
        }
        Ok(fields)
    }
}

/// A key: borrowed from the line when it has no escapes.
struct TextSeed {
    base: usize,
}

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Text;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Text, E> {
        Ok(span(self.base, s))
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Text, E> {
        Ok(Text::Owned(s.into()))
    }
}

/// The span of `s`, a slice of the line starting at `base`.
fn span(base: usize, s: &str) -> Text {
    // `LineFields::parse` takes no line longer than u32 offsets reach.
    Text::At {
        start: (s.as_ptr() as usize - base) as u32,
        len: s.len() as u32,
    }
}

/// A value: a string kept as its span (or unescaped copy), anything else as serde_json's
/// `Value` reads it.
struct ValueSeed {
    base: usize,
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = FieldValue;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<FieldValue, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = FieldValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<FieldValue, E> {
        Ok(FieldValue::Str(span(self.base, s)))
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<FieldValue, E> {
        Ok(FieldValue::Str(Text::Owned(s.into())))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<FieldValue, E> {
        Ok(FieldValue::Str(Text::Owned(s.into())))
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<FieldValue, E> {
        Ok(other(Value::Bool(b)))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<FieldValue, E> {
        Ok(other(Value::from(n)))
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<FieldValue, E> {
        Ok(other(Value::from(n)))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<FieldValue, E> {
        // As serde_json's own `Value` reads a float (a finite one: JSON has no other).
        let number = serde_json::Number::from_f64(n);
        Ok(other(number.map_or(Value::Null, Value::Number)))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<FieldValue, E> {
        Ok(other(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<FieldValue, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldValue, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(other)
    }
}

/// A record's fields as read from a JSON Lines line ([`LineFields`]) or a CSV row (a map).
#[derive(Debug, Clone)]
pub enum RecordFields {
    Map(Map<String, Value>),
    Line(LineFields),
}

impl Fields for RecordFields {
    fn field(&self, key: &str) -> Option<FieldRef<'_>> {
        match self {
            RecordFields::Map(map) => map.field(key),
            RecordFields::Line(line) => line.field(key),
        }
    }
}

/// A text field: a string (possibly empty, borrowed) or a number written as text.
///
/// # Errors
/// The field is absent, null, or neither a string nor a number.
pub fn text_in<'a>(fields: &'a (impl Fields + ?Sized), key: &str) -> Result<Cow<'a, str>, String> {
    match fields.field(key) {
        Some(FieldRef::Str(s)) => Ok(Cow::Borrowed(s)),
        Some(FieldRef::Other(Value::Number(n))) => Ok(Cow::Owned(n.to_string())),
        None | Some(FieldRef::Other(Value::Null)) => Err(format!("no `{key}` field")),
        Some(_) => Err(format!("field `{key}` should be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of every shape a field can take: escapes in keys and values, numbers of every
    /// kind, nested values, repeated keys, non-ASCII text, empty strings and objects.
    const LINES: &[&str] = &[
        r#"{"id": "0", "text": "I 'm not trolling , but venting ."}"#,
        r#"{"id": 7, "text": "caf\u00e9 \"quoted\"\nnew line", "target": "US"}"#,
        r#"{"text": "a", "text": "second wins", "id": -3}"#,
        r#"{"t\u0065xt": "escaped key", "n": 1.5e3, "big": 18446744073709551615, "neg": -0}"#,
        r#"{"a": [1, "two", {"three": [null, true]}], "b": {"c": {"d": "e"}}, "f": false}"#,
        r#"{"start": 3, "end": 9.0, "x": null, "": "empty key", "e": ""}"#,
        "{\"text\": \"中文 and émoji 🙂\", \"id\": \"ü\"}",
        r#"  {"spaced" : "out"}  "#,
        "{}",
    ];

    const KEYS: &[&str] = &[
        "id",
        "text",
        "target",
        "n",
        "big",
        "neg",
        "a",
        "b",
        "f",
        "start",
        "end",
        "x",
        "",
        "e",
        "spaced",
        "missing",
        "t\\u0065xt",
    ];

    #[test]
    fn a_line_reads_like_its_map() {
        for line in LINES {
            let map: Map<String, Value> = serde_json::from_str(line).unwrap();
            let fields = LineFields::parse(line).unwrap_or_else(|| panic!("{line}"));
            for key in KEYS {
                assert_eq!(fields.field(key), map.field(key), "{line} / {key}");
                assert_eq!(text_in(&fields, key), text_in(&map, key), "{line} / {key}");
                assert_eq!(fields.has(key), map.contains_key(*key));
            }
        }
    }

    #[test]
    fn lines_that_are_not_one_object_are_refused() {
        for line in [
            "",
            "[1]",
            "\"text\"",
            "3",
            "{",
            "{\"a\": 1,}",
            "{\"a\": 1} x",
            "{\"a\": \"\\ud800\"}",
            "{\"a\": \"\\x\"}",
            "{\"a\" 1}",
            "nul",
        ] {
            assert!(
                serde_json::from_str::<Map<String, Value>>(line).is_err(),
                "{line}"
            );
            assert!(LineFields::parse(line).is_none(), "{line}");
        }
    }

    #[test]
    fn text_fields_borrow_strings_and_write_numbers() {
        let fields = LineFields::parse(r#"{"a": "x", "b": 2.50, "c": [1], "d": null}"#).unwrap();
        assert!(matches!(text_in(&fields, "a"), Ok(Cow::Borrowed("x"))));
        assert_eq!(text_in(&fields, "b").unwrap(), "2.5");
        assert_eq!(
            text_in(&fields, "c").unwrap_err(),
            "field `c` should be a string"
        );
        assert_eq!(text_in(&fields, "d").unwrap_err(), "no `d` field");
        assert_eq!(text_in(&fields, "e").unwrap_err(), "no `e` field");
    }
}
