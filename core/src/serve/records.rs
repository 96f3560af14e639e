//! Reading labeled or raw records as plain JSON objects, for training, `slant predict` and
//! `slant eval`: JSON Lines (one object per line) or CSV with a header row, either optionally
//! gzip-compressed (via [`crate::ingest::open`]), or stdin (`-`, JSON Lines). Unlike the article
//! reader, field names are kept as they are: the caller says which field is the text, label,
//! target or pair.

use std::borrow::Cow;
use std::path::Path;

use serde_json::{Map, Value};

pub use crate::ingest::fields::text_in;
use crate::ingest::fields::RecordFields;
use crate::ingest::jsonl::LineBatch;
use crate::ingest::{self, Format, RawRecord, DEFAULT_MAX_RECORD_BYTES};

/// One record: where it came from and its fields (or why it could not be read).
pub use crate::ingest::RawRecord as Record;

/// Reads `path` (or stdin for `-`) as a stream of records, one per line or row, in order.
///
/// # Errors
/// The file cannot be opened, or its type is not JSON Lines or CSV.
pub fn read(path: &Path) -> Result<Box<dyn Iterator<Item = Record> + Send>, String> {
    let (name, format, reader) = open(path)?;
    Ok(match format {
        Format::Csv => Box::new(ingest::csv::rows(reader, name)),
        _ => Box::new(ingest::jsonl::objects(
            reader,
            name,
            DEFAULT_MAX_RECORD_BYTES,
        )),
    })
}

/// A record whose fields are read in place: JSON Lines objects are kept as their lines
/// ([`crate::ingest::fields::LineFields`]), CSV rows as maps.
pub type RecordInPlace = RawRecord<RecordFields>;

/// [`read`] for `slant predict`: the same records, their JSON Lines fields held in place.
///
/// # Errors
/// As [`read`].
pub fn read_in_place(
    path: &Path,
) -> Result<Box<dyn Iterator<Item = RecordInPlace> + Send>, String> {
    let (name, format, reader) = open(path)?;
    Ok(match format {
        Format::Csv => Box::new(csv_rows_in_place(reader, name)),
        _ => Box::new(ingest::jsonl::objects_in_place(
            reader,
            name,
            DEFAULT_MAX_RECORD_BYTES,
        )),
    })
}

/// The rows of a CSV file as records in place (a CSV row is a map already).
fn csv_rows_in_place(
    reader: impl std::io::BufRead + Send,
    name: String,
) -> impl Iterator<Item = RecordInPlace> + Send {
    ingest::csv::rows(reader, name).map(|r| RawRecord {
        source: r.source,
        fields: r.fields.map(RecordFields::Map),
    })
}

/// A batch of records as [`read_batches_in_place`] hands it over.
pub enum BatchInPlace {
    /// Records already read (CSV rows, or records read ahead from a pipe).
    Read(Vec<RecordInPlace>),
    /// Lines of JSON Lines, their objects parsed by [`BatchInPlace::into_records`].
    Lines(LineBatch),
}

impl BatchInPlace {
    /// The records in the batch.
    pub fn len(&self) -> usize {
        match self {
            BatchInPlace::Read(records) => records.len(),
            BatchInPlace::Lines(lines) => lines.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The batch's records, as [`read_in_place`] gives them.
    pub fn into_records(self) -> Vec<RecordInPlace> {
        match self {
            BatchInPlace::Read(records) => records,
            BatchInPlace::Lines(lines) => lines.into_records_in_place(),
        }
    }
}

/// [`read_in_place`] in batches of up to `batch` records, for a reading thread that hands each
/// batch to another: a JSON Lines file's lines are handed over unparsed, so that their objects
/// are parsed by the thread that uses them (by [`BatchInPlace::into_records`]).
///
/// # Errors
/// As [`read`].
pub fn read_batches_in_place(
    path: &Path,
    batch: usize,
) -> Result<Box<dyn Iterator<Item = BatchInPlace> + Send>, String> {
    let (name, format, reader) = open(path)?;
    Ok(match format {
        Format::Csv => {
            Box::new(in_batches(csv_rows_in_place(reader, name), batch).map(BatchInPlace::Read))
        }
        _ => Box::new(
            ingest::jsonl::line_batches(reader, name, DEFAULT_MAX_RECORD_BYTES, batch)
                .map(BatchInPlace::Lines),
        ),
    })
}

/// `records` in consecutive batches of at most `batch` (at least one each).
pub fn in_batches<T>(
    mut records: impl Iterator<Item = T>,
    batch: usize,
) -> impl Iterator<Item = Vec<T>> {
    std::iter::from_fn(move || {
        let taken: Vec<T> = records.by_ref().take(batch.max(1)).collect();
        (!taken.is_empty()).then_some(taken)
    })
}

/// `path`'s name in records, its format (JSON Lines or CSV) and its reader.
fn open(path: &Path) -> Result<(String, Format, Box<dyn std::io::BufRead + Send>), String> {
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
    Ok((name, format, reader))
}

/// A text field: a string (possibly empty) or a number written as text.
///
/// # Errors
/// The field is absent, null, or neither a string nor a number.
pub fn text_field(fields: &Map<String, Value>, key: &str) -> Result<String, String> {
    text_in(fields, key).map(Cow::into_owned)
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
