//! Reading labeled or raw records as plain JSON objects, for training, `slant predict` and
//! `slant eval`: JSON Lines (one object per line) or CSV with a header row, either optionally
//! gzip-compressed (via [`crate::ingest::open`]), or stdin (`-`, JSON Lines). Unlike the article
//! reader, field names are kept as they are: the caller says which field is the text, label,
//! target or pair.

use std::io::BufRead;
use std::path::Path;

use serde_json::{Map, Value};

use crate::article::SourceRef;
use crate::ingest::lines::{LimitedLines, Line};
use crate::ingest::{self, Format, DEFAULT_MAX_RECORD_BYTES};

/// One record: where it came from and its fields (or why it could not be read).
#[derive(Debug, Clone)]
pub struct Record {
    pub source: SourceRef,
    pub fields: Result<Map<String, Value>, String>,
}

impl Record {
    /// The record's `id` field as text, or `file:line` when it has none.
    pub fn id(&self) -> String {
        match self.fields.as_ref().ok().and_then(|f| f.get("id")) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => self.source.to_string(),
        }
    }
}

/// Reads `path` (or stdin for `-`) as a stream of records, one per line or row, in order.
///
/// # Errors
/// The file cannot be opened, or its type is not JSON Lines or CSV.
pub fn read(path: &Path) -> Result<Box<dyn Iterator<Item = Record> + Send>, String> {
    let name = ingest::display(path);
    let format = if path.as_os_str() == "-" {
        Format::JsonLines
    } else {
        match Format::of_path(path) {
            Some(f @ (Format::JsonLines | Format::Csv)) => f,
            _ => {
                return Err(format!(
                    "{name}: expected a .jsonl or .csv file (optionally .gz)"
                ))
            }
        }
    };
    let reader = ingest::open(path).map_err(|e| format!("{name}: {e}"))?;
    Ok(match format {
        Format::Csv => Box::new(read_csv(reader, name)),
        _ => Box::new(read_jsonl(reader, name)),
    })
}

fn read_jsonl(
    reader: Box<dyn BufRead + Send>,
    name: String,
) -> impl Iterator<Item = Record> + Send {
    LimitedLines::new(reader, DEFAULT_MAX_RECORD_BYTES).filter_map(move |(line_no, line)| {
        let source = SourceRef::line(&name, line_no);
        let fields = match line {
            Err(e) => Err(format!("read error: {e}")),
            Ok(Line::TooLong(n)) => Err(format!("line is {n} bytes, over the limit")),
            Ok(Line::Bytes(b)) if b.iter().all(u8::is_ascii_whitespace) => return None,
            Ok(Line::Bytes(b)) => parse_object(&b),
        };
        Some(Record { source, fields })
    })
}

fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8: {e}"))?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err("expected a JSON object".into()),
        Err(e) => Err(format!("malformed JSON: {e}")),
    }
}

fn read_csv(reader: Box<dyn BufRead + Send>, name: String) -> impl Iterator<Item = Record> + Send {
    let mut csv = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = csv.headers().cloned();
    let mut rows = csv.into_byte_records();
    let mut header_error = match &headers {
        Ok(_) => None,
        Err(e) => Some(format!("cannot read the header row: {e}")),
    };
    let headers = headers.unwrap_or_default();
    std::iter::from_fn(move || {
        if let Some(message) = header_error.take() {
            return Some(Record {
                source: SourceRef::file(&name),
                fields: Err(message),
            });
        }
        let row = rows.next()?;
        Some(match row {
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                Record {
                    source: SourceRef::line(&name, line),
                    fields: Err(format!("malformed CSV: {e}")),
                }
            }
            Ok(row) => {
                let line = row.position().map_or(0, |p| p.line());
                let mut obj = Map::new();
                let mut bad = None;
                for (key, value) in headers.iter().zip(row.iter()) {
                    match std::str::from_utf8(value) {
                        Ok(v) => {
                            obj.insert(key.to_string(), Value::String(v.to_string()));
                        }
                        Err(_) => bad = Some(format!("invalid UTF-8 in column `{key}`")),
                    }
                }
                Record {
                    source: SourceRef::line(&name, line),
                    fields: bad.map_or(Ok(obj), Err),
                }
            }
        })
    })
}

/// A text field: a string (possibly empty) or a number written as text.
///
/// # Errors
/// The field is absent, null, or neither a string nor a number.
pub fn text_field(fields: &Map<String, Value>, key: &str) -> Result<String, String> {
    match fields.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        None | Some(Value::Null) => Err(format!("no `{key}` field")),
        Some(_) => Err(format!("field `{key}` should be a string")),
    }
}

/// A label field as text: strings as they are, numbers and booleans as JSON writes them.
///
/// # Errors
/// The field is absent, null, an array or an object.
pub fn label_field(fields: &Map<String, Value>, key: &str) -> Result<String, String> {
    match fields.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(b.to_string()),
        None | Some(Value::Null) => Err(format!("no label field `{key}`")),
        Some(_) => Err(format!("label field `{key}` should be a string or number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_and_csv_records_keep_field_names_and_lines() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("a.jsonl");
        std::fs::write(&j, "{\"id\":7,\"text\":\"hi\",\"y\":1}\n\n{bad\n").unwrap();
        let recs: Vec<Record> = read(&j).unwrap().collect();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].id(), "7");
        assert_eq!(
            label_field(recs[0].fields.as_ref().unwrap(), "y").unwrap(),
            "1"
        );
        assert!(recs[1]
            .fields
            .as_ref()
            .unwrap_err()
            .contains("malformed JSON"));
        assert!(recs[1].source.to_string().ends_with("a.jsonl:3"));
        let c = dir.path().join("b.csv");
        std::fs::write(&c, "text,label\n\"x, y\",OFF\n").unwrap();
        let recs: Vec<Record> = read(&c).unwrap().collect();
        let f = recs[0].fields.as_ref().unwrap();
        assert_eq!(text_field(f, "text").unwrap(), "x, y");
        assert!(text_field(f, "body").unwrap_err().contains("no `body`"));
        assert!(read(&dir.path().join("c.txt")).is_err());
    }
}
