//! Parquet and Arrow IPC reader: the rows of a columnar file as articles, read batch by batch
//! (a Parquet file row group by row group), so memory stays bounded however large the file.
//!
//! Each row is read as its line in a JSON Lines file would be: the article's text fields
//! (`body`, `text`, `id`, the metadata) from their string columns as they are, `comments` from
//! its arrays when it is a list of structs of text fields ([`columns`]), every other column
//! from the row's JSON text (an object, null cells left out) by `jsonl::parse_article`: the
//! same field names, unknown columns kept in `extra`. `--text-column`, `--id-column` and
//! `--outlet-column` name the columns that hold the body, the id and the outlet when the file
//! calls them something else (they are renamed in the batch's schema first). Records are located
//! as `<file>#<row>` (1-based). A file that cannot be opened, is not Parquet / Arrow, or lacks a
//! named column (or has it with a non-text type) yields one error record naming the column; a
//! decoding error part-way yields one error record naming the first row not read.

use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

mod columns;

use super::record::ArticleFields;
use super::{error_record, jsonl, RawRecord};
use crate::article::{InputRecord, SourceRef};
use crate::output::parquet::for_each_json_row;
use columns::Columns;

/// Rows decoded at a time: each batch is turned into records before the next is read, so this
/// bounds the reader's memory beside the row group's pages (1,024 rows of long articles held
/// several MB).
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
        let read = renamed(batch, &self.columns)
            .map_err(|e| e.to_string())
            .and_then(|batch| self.push_rows(&batch));
        match read {
            Ok(()) => true,
            Err(e) => {
                self.fail(format!("a row cannot be read: {e}"));
                false
            }
        }
    }

    /// Reads the rows of `batch` into `pending`: the article's text columns and its comments
    /// from their arrays ([`Columns`]), the other columns of each row as the same line in a
    /// JSON Lines file would be read (in place, without a map of its fields: the map and its
    /// removals were about half of this thread's time).
    fn push_rows(&mut self, batch: &RecordBatch) -> Result<(), String> {
        let columns = Columns::of(batch).map_err(|e| e.to_string())?;
        let mut row = 0;
        let mut read_row = |fields: Result<ArticleFields, String>| {
            let fields = fields.map(|mut fields| {
                columns.fill(row, &mut fields);
                fields
            });
            row += 1;
            self.rows_read += 1;
            let source = SourceRef::record(Arc::clone(&self.name), self.rows_read);
            self.pending
                .push_back(RawRecord { source, fields }.into_article());
        };
        match &columns.rest {
            Some(rest) => for_each_json_row(rest, |line| {
                read_row(jsonl::parse_article(line));
                Ok(())
            }),
            None => {
                (0..batch.num_rows()).for_each(|_| read_row(Ok(ArticleFields::default())));
                Ok(())
            }
        }
    }

    /// One error record for the rest of the file, located at the first row not read.
    fn fail(&mut self, message: String) {
        let source = SourceRef::record(Arc::clone(&self.name), self.rows_read + 1);
        self.pending.push_back(error_record(source, message));
        self.done = true;
    }
}

/// `batch` with the columns that flags name under the field names the article reader knows
/// (`body`, `id`, `outlet`), in the flags' order; a column already bearing such a name gives
/// way to the one the flag names.
fn renamed(batch: RecordBatch, columns: &ColumnNames) -> Result<RecordBatch, ArrowError> {
    let moves = [
        (columns.text.as_deref(), "body"),
        (columns.id.as_deref(), "id"),
        (columns.outlet.as_deref(), "outlet"),
    ];
    let moves: Vec<(&str, &str)> = moves
        .into_iter()
        .filter_map(|(column, field)| column.filter(|&c| c != field).map(|c| (c, field)))
        .collect();
    if moves.is_empty() {
        return Ok(batch);
    }
    let rows = batch.num_rows();
    let schema = batch.schema();
    let mut named: Vec<(Field, ArrayRef)> = schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .zip(batch.columns().iter().cloned())
        .collect();
    for (column, field) in moves {
        let moved = named
            .iter()
            .position(|(f, _)| f.name() == column)
            .map(|at| named.remove(at));
        named.retain(|(f, _)| f.name() != field);
        if let Some((f, array)) = moved {
            named.push((f.with_name(field), array));
        }
    }
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = named.into_iter().unzip();
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), arrays, &options)
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

#[cfg(test)]
mod tests {
    use arrow_array::LargeStringArray;

    use super::*;

    /// Rows with every case of a rename: a column the flag names, a column already bearing the
    /// field's name (it gives way), a null cell, a number as the id, unknown columns (`extra`);
    /// comments null, a comment's field null or missing, another field of a comment.
    fn batch() -> RecordBatch {
        let rows = serde_json::json!([
            {"content": "The council met. The budget passed.", "body": "old", "num": 7,
             "site": "Hill Courier", "lang": "en",
             "comments": [{"text": "Thanks.", "likes": 3}, {"author": "Ann"}]},
            {"content": null, "body": "kept?", "num": 8, "site": null, "lang": "fr"},
            {"content": "Second text.", "num": null, "site": "Lakeside Gazette",
             "comments": [{"text": null}, {"id": "c2", "text": "You idiot."}]},
        ]);
        let batch = inferred(rows.as_array().unwrap());
        // A title of Arrow's large string type, one of them blank, one null.
        let title = LargeStringArray::from(vec![Some("Budget"), Some("  "), None]);
        let mut fields: Vec<Field> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(Field::new("title", DataType::LargeUtf8, true));
        let mut columns = batch.columns().to_vec();
        columns.push(Arc::new(title));
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    /// `rows` decoded into one batch of the schema inferred from them (inference takes no null
    /// inside a list of objects: it infers from the rows with each null comment as an empty
    /// object, and the decoder takes the null).
    fn inferred(rows: &[serde_json::Value]) -> RecordBatch {
        let without_null_comments = rows.iter().map(|row| {
            let mut row = row.clone();
            for comment in row["comments"].as_array_mut().into_iter().flatten() {
                if comment.is_null() {
                    *comment = serde_json::json!({});
                }
            }
            Ok(row)
        });
        let schema = arrow_json::reader::infer_json_schema_from_iterator(without_null_comments);
        decoded(rows, schema.unwrap())
    }

    /// `rows` decoded into one batch of `schema`.
    fn decoded(rows: &[serde_json::Value], schema: Schema) -> RecordBatch {
        let mut decoder = arrow_json::ReaderBuilder::new(Arc::new(schema))
            .build_decoder()
            .unwrap();
        decoder.serialize(rows).unwrap();
        decoder.flush().unwrap().unwrap()
    }

    /// `batch` with its `comments` column's type changed by `change` (the values kept).
    fn comments_retyped(
        batch: &RecordBatch,
        change: impl Fn(&DataType) -> DataType,
    ) -> RecordBatch {
        let fields: Vec<Field> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                "comments" => f.as_ref().clone().with_data_type(change(f.data_type())),
                _ => f.as_ref().clone(),
            })
            .collect();
        let rows = crate::output::parquet::batch_objects(batch).unwrap();
        let rows: Vec<serde_json::Value> =
            rows.into_iter().map(serde_json::Value::Object).collect();
        decoded(&rows, Schema::new(fields))
    }

    /// The records as the reader made them before: each row parsed into a map, the map's
    /// fields moved, the map read as an article.
    fn by_maps(batch: &RecordBatch, columns: &ColumnNames) -> Vec<String> {
        let moves = [
            (columns.text.as_deref(), "body"),
            (columns.id.as_deref(), "id"),
            (columns.outlet.as_deref(), "outlet"),
        ];
        crate::output::parquet::batch_objects(batch)
            .unwrap()
            .into_iter()
            .enumerate()
            .map(|(i, mut fields)| {
                for (column, field) in moves {
                    if let Some(column) = column.filter(|&c| c != field) {
                        let value = fields.remove(column).unwrap_or(serde_json::Value::Null);
                        fields.insert(field.to_string(), value);
                    }
                }
                let fields = ArticleFields::from_map(fields);
                let record = RawRecord {
                    source: SourceRef::record("x.parquet", i as u64 + 1),
                    fields: Ok(fields),
                };
                format!("{:?}", record.into_article())
            })
            .collect()
    }

    fn by_lines(batch: &RecordBatch, columns: &ColumnNames) -> Vec<String> {
        let mut rows = Rows {
            name: "x.parquet".into(),
            batches: Box::new(std::iter::once(Ok(batch.clone()))),
            columns: columns.clone(),
            pending: VecDeque::new(),
            rows_read: 0,
            done: false,
        };
        std::iter::from_fn(|| rows.next())
            .map(|r| format!("{r:?}"))
            .collect()
    }

    #[test]
    fn rows_read_as_lines_are_the_records_read_as_maps() {
        let batch = batch();
        let flags = [
            ColumnNames::default(),
            ColumnNames {
                text: Some("content".into()),
                id: Some("num".into()),
                outlet: Some("site".into()),
            },
            ColumnNames {
                text: Some("body".into()),
                id: Some("site".into()),
                outlet: Some("lang".into()),
            },
        ];
        for columns in flags {
            let got = by_lines(&batch, &columns);
            assert_eq!(got.len(), 3, "one record per row");
            assert_eq!(got, by_maps(&batch, &columns), "{columns:?}");
        }
        // Every column an article's text field: no other column is written as JSON.
        let schema = batch.schema();
        let at = |name| schema.index_of(name).unwrap();
        let texts_only = batch.project(&[at("body"), at("title")]).unwrap();
        let flags = ColumnNames::default();
        assert_eq!(by_lines(&texts_only, &flags), by_maps(&texts_only, &flags));
        let content_as_body = ColumnNames {
            text: Some("content".into()),
            ..ColumnNames::default()
        };
        let records = by_lines(&batch, &content_as_body);
        assert!(records[0].contains("The council met"), "{}", records[0]);
        assert!(records[1].contains("no `body`"), "{}", records[1]);
    }

    #[test]
    fn comments_are_read_from_their_arrays_when_their_shape_allows() {
        let batch = batch();
        let content = ColumnNames {
            text: Some("content".into()),
            ..ColumnNames::default()
        };
        let body = ColumnNames::default();
        let with_ids_as_numbers = inferred(&[
            serde_json::json!({"body": "One.", "comments": [{"id": 5, "text": "Hm."}]}),
            serde_json::json!({"body": "Two.", "comments": [{"text": "Ha."}]}),
        ]);
        let with_a_null_comment = inferred(&[
            serde_json::json!({"body": "One.", "comments": [{"text": "Hm."}, null]}),
            serde_json::json!({"body": "Two.", "comments": null}),
        ]);
        let large_lists = comments_retyped(&batch, |t| match t {
            DataType::List(item) => DataType::LargeList(item.clone()),
            other => other.clone(),
        });
        // Read from the arrays: lists and large lists of structs of text fields, null comments
        // and null lists; through JSON text: a comment field of another type.
        for (batch, flags, from_arrays) in [
            (&batch, &content, true),
            (&large_lists, &content, true),
            (&with_a_null_comment, &body, true),
            (&with_ids_as_numbers, &body, false),
        ] {
            let columns = Columns::of(batch).unwrap();
            let schema = batch.schema();
            assert_eq!(columns.comments.is_some(), from_arrays, "{schema:?}");
            assert_eq!(by_lines(batch, flags), by_maps(batch, flags));
        }
        let records = by_lines(&large_lists, &content);
        assert!(records[2].contains("You idiot."), "{}", records[2]);
        let records = by_lines(&with_a_null_comment, &body);
        assert!(records[0].contains("found null"), "{}", records[0]);
        assert!(records[1].contains("Two."), "{}", records[1]);
        let records = by_lines(&with_ids_as_numbers, &body);
        assert!(records[0].contains("Hm."), "{}", records[0]);
    }
}
