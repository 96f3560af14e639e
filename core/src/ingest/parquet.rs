//! Parquet and Arrow IPC reader: the rows of a columnar file as articles, read batch by batch
//! (a Parquet file row group by row group), so memory stays bounded however large the file.
//!
//! Each row becomes one JSON object (null cells left out) and is read exactly as a JSON Lines
//! record would be ([`super::record::article_from_object`]): the same field names, unknown
//! columns kept in `extra`. `--text-column`, `--id-column` and `--outlet-column` name the columns
//! that hold the body, the id and the outlet when the file calls them something else. Records are
//! located as `<file>#<row>` (1-based). A file that cannot be opened, is not Parquet / Arrow, or
//! lacks a named column (or has it with a non-text type) yields one error record naming the
//! column; a decoding error part-way yields one error record naming the first row not read.

use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{error_record, RawRecord};
use crate::article::{InputRecord, SourceRef};

/// Rows decoded at a time: each batch is turned into JSON objects before its rows are read,
/// so this bounds the reader's memory beside the row group's pages (1,024 rows of long
/// articles held several MB).
const BATCH_ROWS: usize = 256;

/// Which columns hold the fields slant reads under other names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnNames {
    /// The article text (default: `body`, else `text`).
    pub text: Option<String>,
    /// The record id (default: `id`; the row's place when absent).
    pub id: Option<String>,
    /// The outlet (default: `outlet`).
    pub outlet: Option<String>,
}

/// The columnar formats read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columnar {
    Parquet,
    /// Arrow IPC file format (`.arrow`, `.feather`).
    ArrowFile,
    /// Arrow IPC stream format (`.arrows`).
    ArrowStream,
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// Reads `path` (named `name` in records) as a stream of records, one per row.
pub fn read(
    path: &Path,
    name: String,
    kind: Columnar,
    columns: &ColumnNames,
) -> Box<dyn Iterator<Item = InputRecord> + Send> {
    let opened = open_batches(path, kind).and_then(|(schema, batches)| {
        check_columns(&schema, columns)?;
        Ok(batches)
    });
    match opened {
        Ok(batches) => Box::new(Rows {
            name: name.into(),
            batches,
            columns: columns.clone(),
            pending: VecDeque::new(),
            rows_read: 0,
            done: false,
        }),
        Err(message) => Box::new(std::iter::once(error_record(
            SourceRef::file(name),
            message,
        ))),
    }
}

/// The file's schema and its batches.
fn open_batches(path: &Path, kind: Columnar) -> Result<(Schema, Batches), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    match kind {
        Columnar::Parquet => {
            let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                .map_err(|e| format!("not a readable Parquet file: {e}"))?;
            let schema = builder.schema().as_ref().clone();
            let reader = builder
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| format!("not a readable Parquet file: {e}"))?;
            Ok((schema, Box::new(reader)))
        }
        Columnar::ArrowFile => {
            let reader = arrow_ipc::reader::FileReader::try_new(file, None)
                .map_err(|e| format!("not a readable Arrow IPC file: {e}"))?;
            Ok((reader.schema().as_ref().clone(), Box::new(reader)))
        }
        Columnar::ArrowStream => {
            let reader =
                arrow_ipc::reader::StreamReader::try_new(std::io::BufReader::new(file), None)
                    .map_err(|e| format!("not a readable Arrow IPC stream: {e}"))?;
            Ok((reader.schema().as_ref().clone(), Box::new(reader)))
        }
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_id(t: &DataType) -> bool {
    is_text(t) || t.is_integer()
}

/// A column to check: the flag naming it, its name, the types it may have, and what they are.
type ColumnCheck<'a> = (&'a str, Option<&'a str>, fn(&DataType) -> bool, &'a str);

/// Checks that each named column exists with a type slant can read, before any row is read.
fn check_columns(schema: &Schema, columns: &ColumnNames) -> Result<(), String> {
    let names = || {
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = match &columns.text {
        Some(t) => t.as_str(),
        None if schema.field_with_name("body").is_ok() => "body",
        None if schema.field_with_name("text").is_ok() => "text",
        None => {
            return Err(format!(
                "no `body` or `text` column (columns: {}); name the text column with --text-column",
                names()
            ))
        }
    };
    let wanted: [ColumnCheck<'_>; 3] = [
        ("--text-column", Some(text), is_text, "text"),
        (
            "--id-column",
            columns.id.as_deref(),
            is_id,
            "text or integer",
        ),
        (
            "--outlet-column",
            columns.outlet.as_deref(),
            is_text,
            "text",
        ),
    ];
    for (flag, name, fits, expected) in wanted {
        let Some(name) = name else { continue };
        let field = schema
            .field_with_name(name)
            .map_err(|_| format!("no column `{name}` ({flag}); the columns are: {}", names()))?;
        if !fits(field.data_type()) {
            return Err(format!(
                "column `{name}` ({flag}) is {}, expected {expected}",
                field.data_type()
            ));
        }
    }
    Ok(())
}

/// The rows of a columnar file, one record each.
struct Rows {
    name: Arc<str>,
    batches: Batches,
    columns: ColumnNames,
    pending: VecDeque<InputRecord>,
    rows_read: u64,
    done: bool,
}

impl Rows {
    /// Decodes the next batch into `pending`; false at the end (or after a decoding error).
    fn fill(&mut self) -> bool {
        let batch = match self.batches.next() {
            None => return false,
            Some(Ok(batch)) => batch,
            Some(Err(e)) => {
                self.fail(format!("decoding failed: {e}"));
                return false;
            }
        };
        match crate::output::parquet::batch_objects(&batch) {
            Ok(rows) => {
                for fields in rows {
                    self.rows_read += 1;
                    let source = SourceRef::record(Arc::clone(&self.name), self.rows_read);
                    let fields = self.rename(fields);
                    self.pending.push_back(
                        RawRecord {
                            source,
                            fields: Ok(fields),
                        }
                        .into_article(),
                    );
                }
                true
            }
            Err(e) => {
                self.fail(format!("a row cannot be read: {e}"));
                false
            }
        }
    }

    /// One error record for the rest of the file, located at the first row not read.
    fn fail(&mut self, message: String) {
        let source = SourceRef::record(Arc::clone(&self.name), self.rows_read + 1);
        self.pending.push_back(error_record(source, message));
        self.done = true;
    }

    /// Moves the configured columns to the field names the article reader knows.
    fn rename(
        &self,
        mut fields: serde_json::Map<String, serde_json::Value>,
    ) -> serde_json::Map<String, serde_json::Value> {
        let moves = [
            (self.columns.text.as_deref(), "body"),
            (self.columns.id.as_deref(), "id"),
            (self.columns.outlet.as_deref(), "outlet"),
        ];
        for (column, field) in moves {
            match column {
                Some(column) if column != field => {
                    let value = fields.remove(column).unwrap_or(serde_json::Value::Null);
                    fields.insert(field.to_string(), value);
                }
                _ => {}
            }
        }
        fields
    }
}

impl Iterator for Rows {
    type Item = InputRecord;

    fn next(&mut self) -> Option<InputRecord> {
        loop {
            if let Some(record) = self.pending.pop_front() {
                return Some(record);
            }
            if self.done || !self.fill() {
                if !self.done && self.rows_read == 0 {
                    // Like an empty JSON Lines file: one record says so.
                    self.fail("file has no rows".into());
                }
                self.done = true;
                return self.pending.pop_front();
            }
        }
    }
}
