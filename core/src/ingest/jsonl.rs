//! JSON Lines reader: one object per line; blank lines are skipped; every other line yields one
//! record (an object or an error naming the line). An empty file yields one error record.
//! [`line_batches`] gives the same records as lines not yet parsed, in batches, for a reader that
//! hands them to other threads to parse.

use std::io::BufRead;
use std::ops::Range;
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
    let mut lines = RecordLines::new(reader, name, max_record_bytes);
    std::iter::from_fn(move || {
        lines.next_with(|source, line| RawRecord {
            source,
            fields: line.and_then(parse),
        })
    })
}

/// Up to a batch of a JSON Lines file's records, read but not parsed: the bytes of their lines
/// in one buffer. A reading thread that hands batches to others only finds where lines end
/// ([`line_batches`]); [`LineBatch::into_records_in_place`] parses them where they are used.
#[derive(Debug)]
pub struct LineBatch {
    text: Vec<u8>,
    /// Each record's place, and where its line lies in `text` (or why it cannot be read).
    lines: Vec<(SourceRef, Result<Range<usize>, String>)>,
}

impl LineBatch {
    /// The records in the batch.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The batch's records, each object's fields held in place: those [`objects_in_place`]
    /// gives for the same lines.
    pub fn into_records_in_place(self) -> Vec<RawRecord<RecordFields>> {
        let text = self.text;
        self.lines
            .into_iter()
            .map(|(source, line)| RawRecord {
                source,
                fields: line.and_then(|range| fields_in_place(&text[range])),
            })
            .collect()
    }
}

/// Reads `reader` (named `name` in records) as JSON Lines, in batches of up to `batch` records
/// whose lines are parsed later ([`LineBatch`]); the same records as [`objects_in_place`], in
/// the same order.
pub fn line_batches(
    reader: impl BufRead + Send,
    name: String,
    max_record_bytes: usize,
    batch: usize,
) -> impl Iterator<Item = LineBatch> + Send {
    let mut lines = RecordLines::new(reader, name, max_record_bytes);
    let batch = batch.max(1);
    // The previous batch's text length: the next one's is much the same.
    let mut text_len = 0;
    std::iter::from_fn(move || {
        let mut out = LineBatch {
            text: Vec::with_capacity(text_len),
            lines: Vec::with_capacity(batch),
        };
        while out.lines.len() < batch {
            let read = lines.next_with(|source, line| {
                let line = line.map(|bytes| {
                    let start = out.text.len();
                    out.text.extend_from_slice(bytes);
                    start..out.text.len()
                });
                out.lines.push((source, line));
            });
            if read.is_none() {
                break;
            }
        }
        text_len = out.text.len();
        (!out.is_empty()).then_some(out)
    })
}

/// The record-bearing lines of a JSON Lines file: blank lines skipped, a line over the limit or
/// a read error an error naming the line, and an empty file one error naming the file.
struct RecordLines<R> {
    lines: LimitedLines<R>,
    name: Arc<str>,
    max_record_bytes: usize,
    any_line: bool,
    finished: bool,
}

impl<R: BufRead> RecordLines<R> {
    fn new(reader: R, name: String, max_record_bytes: usize) -> RecordLines<R> {
        RecordLines {
            lines: LimitedLines::new(reader, max_record_bytes),
            name: name.into(),
            max_record_bytes,
            any_line: false,
            finished: false,
        }
    }

    /// Calls `f` with the next record's place and its line's bytes (or why it has none), and
    /// returns what it returns; `None` at the end.
    fn next_with<T>(&mut self, f: impl FnOnce(SourceRef, Result<&[u8], String>) -> T) -> Option<T> {
        // Called once: for the first line that is not blank, or for an empty file.
        let mut f = Some(f);
        loop {
            if self.finished {
                return None;
            }
            let (name, max_record_bytes) = (&self.name, self.max_record_bytes);
            let next = self.lines.next_with(|line_no, line| {
                let line = record_line(line, max_record_bytes)?;
                let source = SourceRef::line(Arc::clone(name), line_no);
                Some(f.take().map(|f| f(source, line)))
            });
            match next {
                None => {
                    self.finished = true;
                    if self.any_line {
                        return None;
                    }
                    let file = SourceRef::file(Arc::clone(&self.name));
                    return f.take().map(|f| f(file, Err("file is empty".into())));
                }
                // A blank line.
                Some(None) => continue,
                // A failed line stands for the file as much as a good one: no "empty" record
                // after it.
                Some(Some(out)) => {
                    self.any_line = true;
                    return out;
                }
            }
        }
    }
}

/// A line's bytes, why it cannot be read, or `None` for a blank line.
fn record_line(
    line: std::io::Result<LineRef<'_>>,
    max_record_bytes: usize,
) -> Option<Result<&[u8], String>> {
    let bytes = match line {
        Err(e) => return Some(Err(format!("read error: {e}"))),
        Ok(LineRef::TooLong(len)) => {
            return Some(Err(format!(
                "line is {len} bytes, over the limit of {max_record_bytes} bytes"
            )))
        }
        Ok(LineRef::Bytes(b)) => b,
    };
    (!bytes.iter().all(u8::is_ascii_whitespace)).then_some(Ok(bytes))
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
pub(super) fn parse_article(bytes: &[u8]) -> Result<ArticleFields, String> {
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

    /// A record in place as text: where it came from and its fields (or its error).
    fn shown(record: RawRecord<RecordFields>) -> String {
        format!("{} {:?}", record.source, record.fields)
    }

    /// Batches of unparsed lines give the records `objects_in_place` gives, in order, whatever
    /// the batch size: blank lines skipped, each error naming its line, an empty file one error.
    #[test]
    fn line_batches_give_the_records_read_in_place() {
        let long = format!("{{\"body\":\"{}\"}}", "x".repeat(100));
        let data = [
            b"{\"body\":\"a\"}\n\n   \n{bad\n\xff\xfe\n[1]\n{\"id\":\"k\",\"text\":\"b\"}\n"
                .to_vec(),
            long.into_bytes(),
            b"\n{\"body\":\"last\"}".to_vec(),
        ]
        .concat();
        let expected: Vec<String> = objects_in_place(&data[..], "x.jsonl".into(), 64)
            .map(shown)
            .collect();
        assert_eq!(expected.len(), 7);
        assert!(expected[5].starts_with("x.jsonl:8 Err(\"line is 111 bytes, over the limit"));
        for batch in [1, 2, 3, 512] {
            let batches: Vec<LineBatch> =
                line_batches(&data[..], "x.jsonl".into(), 64, batch).collect();
            assert_eq!(batches.len(), expected.len().div_ceil(batch));
            assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= batch));
            let got: Vec<String> = batches
                .into_iter()
                .flat_map(LineBatch::into_records_in_place)
                .map(shown)
                .collect();
            assert_eq!(got, expected, "batches of {batch}");
        }
        for empty in [&b""[..], b"\n  \n"] {
            let got: Vec<String> = line_batches(empty, "x.jsonl".into(), 64, 4)
                .flat_map(LineBatch::into_records_in_place)
                .map(shown)
                .collect();
            assert_eq!(got, ["x.jsonl Err(\"file is empty\")"]);
        }
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
