//! JSON Lines reader: one object per line; blank lines are skipped; every other line yields one
//! record (an object or an error naming the line). An empty file yields one error record.

use std::io::BufRead;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::article_line;
use super::fields::{LineFields, RecordFields};
use super::lines::{LimitedLines, LineRef};
use super::record::ArticleFields;
use super::RawRecord;
use crate::article::{InputRecord, SourceRef};

/// Reads `reader` (named `name` in records) as JSON Lines of objects, fields as they are.
pub fn objects(
    reader: impl BufRead + Send,
    name: String,
    max_record_bytes: usize,
) -> impl Iterator<Item = RawRecord> + Send {
    objects_as(reader, name, max_record_bytes, parse_object)
}

/// [`objects`] with each object's fields held in place ([`LineFields`]) rather than parsed into
/// a map; the errors are the same.
pub fn objects_in_place(
    reader: impl BufRead + Send,
    name: String,
    max_record_bytes: usize,
) -> impl Iterator<Item = RawRecord<RecordFields>> + Send {
    objects_as(reader, name, max_record_bytes, fields_in_place)
}

/// [`objects`] with the fields of each object line read by `parse`.
fn objects_as<F>(
    reader: impl BufRead + Send,
    name: String,
    max_record_bytes: usize,
    parse: fn(&[u8]) -> Result<F, String>,
) -> impl Iterator<Item = RawRecord<F>> + Send {
    let name: Arc<str> = name.into();
    let mut any_line = false;
    let mut lines = LimitedLines::new(reader, max_record_bytes);
    let mut finished = false;
    std::iter::from_fn(move || loop {
        if finished {
            return None;
        }
        let next = lines.next_with(|line_no, line| {
            record_of_line(&name, line_no, line, max_record_bytes, parse)
        });
        match next {
            None => {
                finished = true;
                return (!any_line).then(|| {
                    RawRecord::error(SourceRef::file(Arc::clone(&name)), "file is empty")
                });
            }
            // A blank line.
            Some(None) => continue,
            // A failed line stands for the file as much as a good one: no "empty" record after it.
            Some(Some(record)) => {
                any_line = true;
                return Some(record);
            }
        }
    })
}

/// The record of line `line_no` of file `name`, or `None` for a blank line.
fn record_of_line<F>(
    name: &Arc<str>,
    line_no: u64,
    line: std::io::Result<LineRef<'_>>,
    max_record_bytes: usize,
    parse: fn(&[u8]) -> Result<F, String>,
) -> Option<RawRecord<F>> {
    let source = SourceRef::line(Arc::clone(name), line_no);
    let bytes = match line {
        Err(e) => return Some(RawRecord::error(source, format!("read error: {e}"))),
        Ok(LineRef::TooLong(len)) => {
            return Some(RawRecord::error(
                source,
                format!("line is {len} bytes, over the limit of {max_record_bytes} bytes"),
            ))
        }
        Ok(LineRef::Bytes(b)) => b,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(RawRecord {
        fields: parse(bytes),
        source,
    })
}

/// Reads `reader` (named `name` in records) as JSON Lines of articles.
pub fn read(
    reader: impl BufRead + Send,
    name: String,
    max_record_bytes: usize,
) -> impl Iterator<Item = InputRecord> + Send {
    objects_as(reader, name, max_record_bytes, parse_article).map(RawRecord::into_article)
}

/// One line's article fields, read in place; a line that is not one JSON object is parsed as
/// [`objects`] parses it, for the same error.
fn parse_article(bytes: &[u8]) -> Result<ArticleFields, String> {
    let in_place = std::str::from_utf8(bytes)
        .ok()
        .and_then(article_line::article_fields);
    match in_place {
        Some(fields) => Ok(fields),
        None => parse_object(bytes).map(ArticleFields::from_map),
    }
}

/// One line's fields in place; a line that is not one JSON object is parsed as [`objects`]
/// parses it, for the same error.
fn fields_in_place(bytes: &[u8]) -> Result<RecordFields, String> {
    let in_place = std::str::from_utf8(bytes).ok().and_then(LineFields::parse);
    match in_place {
        Some(fields) => Ok(RecordFields::Line(fields)),
        None => parse_object(bytes).map(RecordFields::Map),
    }
}

fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8: {e}"))?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err("expected a JSON object".into()),
        Err(e) => Err(format!("malformed JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line is read into the same article (or the same error, and the same own id) in
    /// place as through a map: the fields of every shape, in every place, and broken lines.
    #[test]
    fn articles_read_in_place_are_those_read_through_a_map() {
        let lines = [
            r#"{"id":"a","outlet":"X","body":"B.","extra":{"n":[1,2]},"comments":[{"id":"c","text":"t","author":"u","reply_to":"v","date":"d","likes":3},"plain",{"body":"via body"},{}]}"#,
            r#"{"text":"T","id":7,"title":"  ","url":null,"z":1,"a":2,"m":{"k":"v"}}"#,
            r#"{"b\u006fdy":"escaped key","id":"\u00e9\n","c\u006fmments":["x"]}"#,
            r#"{"body":"first","body":"second","id":"1","id":2,"x":1,"y":2,"x":3}"#,
            r#"{"body":"b","comments":"[{\"id\":\"x\",\"text\":\"t\"}]"}"#,
            r#"{"body":"b","comments":"  "}"#,
            r#"{"body":"b","comments":null}"#,
            r#"{"body":"b","comments":"not json"}"#,
            r#"{"body":"b","comments":{"text":"an object"}}"#,
            r#"{"body":"b","comments":3}"#,
            r#"{"body":"b","comments":[1]}"#,
            r#"{"body":"b","comments":[null]}"#,
            r#"{"body":"b","comments":[[1,2]]}"#,
            r#"{"body":"b","comments":[true]}"#,
            r#"{"body":"b","comments":[{"text":["no"]}]}"#,
            r#"{"body":"b","comments":[{"id":{"no":1}}]}"#,
            r#"{"body":"b","comments":[{"date":false}],"title":[1]}"#,
            r#"{"title":["x"],"comments":[5]}"#,
            r#"{"body":3.5e2,"id":18446744073709551615,"author":-1}"#,
            r#"{"body":"b","text":["no"]}"#,
            r#"{"body":true}"#,
            r#"{"title":"no body"}"#,
            r#"{}"#,
            r#"{"body":"naïve café 🙂","comments":[{"text":"ü"}]}"#,
            r#"[1,2]"#,
            r#""a string""#,
            r#"{"body":"b"} trailing"#,
            r#"{"body":"b","#,
            "{bad",
            "\u{feff}{\"body\":\"b\"}",
        ];
        let data = lines.join("\n");
        let in_place: Vec<InputRecord> = read(data.as_bytes(), "x.jsonl".into(), 1 << 20).collect();
        let through_map: Vec<InputRecord> = objects(data.as_bytes(), "x.jsonl".into(), 1 << 20)
            .map(RawRecord::into_article)
            .collect();
        assert_eq!(in_place.len(), lines.len());
        for ((a, b), line) in in_place.iter().zip(&through_map).zip(lines) {
            assert_eq!(a.article, b.article, "{line}");
            assert_eq!(a.id, b.id, "{line}");
            assert_eq!(a.source, b.source, "{line}");
        }
        // The lines meant to pass do, so the comparison is not all errors.
        assert!(in_place.iter().filter(|r| r.article.is_ok()).count() >= 8);
    }

    fn run(data: &[u8]) -> Vec<Result<String, String>> {
        read(data, "x.jsonl".into(), 64)
            .map(|r| match r.article {
                Ok(a) => Ok(format!("{}@{}", a.id, r.source)),
                Err(e) => Err(format!("{}: {e}", r.source)),
            })
            .collect()
    }

    #[test]
    fn one_record_per_line_errors_name_the_line() {
        let data = b"{\"body\":\"a\"}\n\n{bad\n\xff\xfe\n[1]\n{\"id\":\"k\",\"text\":\"b\"}";
        let out = run(data);
        assert_eq!(out.len(), 5);
        assert_eq!(out[0], Ok("x.jsonl:1@x.jsonl:1".into()));
        assert!(out[1]
            .as_ref()
            .unwrap_err()
            .starts_with("x.jsonl:3: malformed JSON"));
        assert!(out[2]
            .as_ref()
            .unwrap_err()
            .starts_with("x.jsonl:4: invalid UTF-8"));
        assert!(out[3]
            .as_ref()
            .unwrap_err()
            .contains("expected a JSON object"));
        assert_eq!(out[4], Ok("k@x.jsonl:6".into()));
    }

    #[test]
    fn empty_file_and_overlong_line_are_error_records() {
        assert_eq!(run(b""), [Err("x.jsonl: file is empty".to_string())]);
        let long = format!(
            "{{\"body\":\"{}\"}}\n{{\"body\":\"ok\"}}\n",
            "x".repeat(100)
        );
        let out = run(long.as_bytes());
        assert!(out[0].as_ref().unwrap_err().contains("over the limit"));
        assert!(out[1].is_ok());
    }
}
