//! Parquet output of `slant label` (`-o out.parquet`), and reading it back.
//!
//! One row per output record, in input order, with typed columns (the schema is
//! [`labeled_schema`]): the article's metadata as strings, `source` and `counts` as structs, one
//! struct column per classifier stage (`label`, `scores` as a map label → probability, `score`,
//! `units`; `flagged`, `flagged_by` for a stage with a filter; the `comments` summary, `targets`
//! and `claims` for stages reading those; with `--sentences` / `--explain` the per-sentence
//! results and cues), `comments` as a list of structs (the comment's fields and one struct per
//! stage reading comments), `tokens` and `warnings` as lists, and `error` (set on error records,
//! whose other columns are null). A stage's parts that the run cannot write have no column
//! ([`StageColumns`]). The one flattening: `extra` (input fields slant does not interpret, of
//! any shape) is a JSON text column.
//!
//! The record is turned into Arrow through its serde form (its JSON text, [`row_json`], or a
//! JSON value) with `arrow-json` against this schema, in strict mode (a field without a column is an error, not a value lost), so the
//! columns are exactly the JSON Lines record's fields; reading back goes the same way in
//! reverse, so a Parquet output reads back as the same [`OutputRecord`]s as JSON Lines.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_json::reader::Decoder;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use serde_json::Value;

use super::paced::PacedFile;
use super::spill::SpillPages;
use crate::article::METADATA_FIELDS;
use crate::labeled::OutputRecord;

/// Rows gathered (in `arrow-json`'s tape) before they are turned into one Arrow batch. The
/// decoder preallocates its tape for this many rows of the whole nested schema, so it is a
/// fixed cost of every Parquet output: 1,024 rows cost 15 MB of it.
const ROWS_PER_BATCH: usize = 256;
/// Rows turned into JSON text at a time when a batch is read back, so the text buffer is
/// bounded by a few rows rather than a batch of 256 long articles (in `heaptrack`, that buffer
/// was 15 MB larger at its peak on 1 GB of input than on 100 MB).
const ROWS_PER_JSON_SLICE: usize = 16;
/// Rows of one Parquet row group at most: bounds the reader's memory.
const ROWS_PER_ROW_GROUP: usize = 16 * 1024;
/// Encoded bytes of a row group at which it is closed early. The open row group's pages wait in
/// temporary files ([`SpillPages`]), not on the heap, so this bound is for readers, many of
/// which fetch a row group's column chunks whole; few groups also keep the footer's metadata,
/// which the writer holds until the file closes, small.
const ROW_GROUP_BYTES: usize = 64 << 20;
/// Bytes of a column's page at which it is encoded and spilled. Every column holds its open
/// page in memory, so this bounds the writer's heap: 84 columns in a default run.
const PAGE_BYTES: usize = 64 << 10;

/// Why Parquet could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ParquetOutputError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> ParquetOutputError {
    ParquetOutputError::File {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn uint(name: &str, bits64: bool) -> Field {
    let t = if bits64 {
        DataType::UInt64
    } else {
        DataType::UInt32
    };
    Field::new(name, t, true)
}

fn list_of(name: &str, item: DataType) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new_list_field(item, true))),
        true,
    )
}

fn structure(name: &str, fields: Vec<Field>) -> Field {
    Field::new(name, DataType::Struct(Fields::from(fields)), true)
}

/// `label → probability`, in the model's order.
fn scores_map(name: &str) -> Field {
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("keys", DataType::Utf8, false),
            Field::new("values", DataType::Float64, true),
        ])),
        false,
    );
    Field::new(name, DataType::Map(Arc::new(entries), false), true)
}

/// `field → text` (the reader's provenance of each metadata field).
fn string_map(name: &str) -> Field {
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("keys", DataType::Utf8, false),
            Field::new("values", DataType::Utf8, true),
        ])),
        false,
    );
    Field::new(name, DataType::Map(Arc::new(entries), false), true)
}

fn cues(name: &str) -> Field {
    list_of(
        name,
        DataType::Struct(Fields::from(vec![
            utf8("feature"),
            Field::new("weight", DataType::Float64, true),
        ])),
    )
}

/// Which parts of its result one classifier stage can write in a run, and so which columns it
/// gets: a column only some configurations fill would be null in every row of the others (240
/// of 280 leaf columns were, with the default pipeline), and every column costs the writer its
/// metadata in every row group until the file closes, which grew its memory with the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageColumns {
    pub name: String,
    /// The stage has a filter: `flagged`, `flagged_by`.
    pub filter: bool,
    /// It reads sentences and lists each one's result (`--sentences`).
    pub sentences: bool,
    /// It reads comments: the summary over them, and a result on each comment.
    pub comments: bool,
    /// It reads mentions (`targets`).
    pub targets: bool,
    /// It lists every mention (`--mentions`, or `--explain` for their cues).
    pub mention_list: bool,
    /// It reads claims.
    pub claims: bool,
    /// Decisions are explained (`--explain`).
    pub explain: bool,
}

/// The fields of [`crate::labeled::UnitScores`] the stage can write.
fn unit_score_fields(stage: &StageColumns) -> Vec<Field> {
    let mut fields = vec![
        utf8("label"),
        scores_map("scores"),
        Field::new("score", DataType::Float64, true),
    ];
    if stage.filter {
        fields.push(Field::new("flagged", DataType::Boolean, true));
        fields.push(list_of("flagged_by", DataType::Utf8));
    }
    if stage.explain {
        fields.push(cues("explain"));
    }
    fields
}

/// A [`crate::labeled::StageResult`] column, with the parts the stage can write.
fn stage_result(stage: &StageColumns) -> Field {
    let mut fields = vec![
        utf8("label"),
        scores_map("scores"),
        Field::new("score", DataType::Float64, true),
        uint("units", true),
    ];
    if stage.filter {
        fields.push(Field::new("flagged", DataType::Boolean, true));
        fields.push(list_of("flagged_by", DataType::Utf8));
    }
    if stage.sentences {
        let mut sentence = vec![uint("start", false), uint("end", false)];
        sentence.extend(unit_score_fields(stage));
        fields.push(list_of(
            "sentences",
            DataType::Struct(Fields::from(sentence)),
        ));
    }
    if stage.comments {
        fields.push(comment_summary());
    }
    if stage.explain {
        fields.push(cues("explain"));
    }
    if stage.targets {
        fields.push(target_stances("targets", stage));
    }
    if stage.claims {
        fields.push(list_of(
            "claims",
            DataType::Struct(Fields::from(claim_fields())),
        ));
    }
    structure(&stage.name, fields)
}

/// A [`crate::labeled::CommentSummary`].
fn comment_summary() -> Field {
    structure(
        "comments",
        vec![
            uint("total", true),
            uint("flagged", true),
            uint("dropped", true),
            uint("redacted", true),
            Field::new("flag_rate", DataType::Float64, true),
            list_of("dropped_ids", DataType::Utf8),
            scores_map("mean"),
        ],
    )
}

/// `target → stance` ([`crate::labeled::TargetStance`]), in the configured order.
fn target_stances(name: &str, stage: &StageColumns) -> Field {
    let strongest = structure(
        "strongest",
        vec![
            uint("start", false),
            uint("end", false),
            utf8("text"),
            utf8("label"),
            Field::new("score", DataType::Float64, true),
        ],
    );
    let mut stance = vec![
        uint("mentions", true),
        utf8("label"),
        Field::new("score", DataType::Float64, true),
        scores_map("shares"),
        strongest,
    ];
    if stage.mention_list {
        let mut mention = vec![uint("start", false), uint("end", false), utf8("alias")];
        mention.extend(unit_score_fields(stage));
        stance.push(list_of(
            "mention_list",
            DataType::Struct(Fields::from(mention)),
        ));
    }
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("keys", DataType::Utf8, false),
            Field::new("values", DataType::Struct(Fields::from(stance)), true),
        ])),
        false,
    );
    Field::new(name, DataType::Map(Arc::new(entries), false), true)
}

/// The fields of a [`crate::labeled::ClaimResult`].
fn claim_fields() -> Vec<Field> {
    vec![
        utf8("claim"),
        utf8("label"),
        scores_map("scores"),
        Field::new("score", DataType::Float64, true),
    ]
}

/// The schema of a labeled Parquet file for a pipeline whose classifier stages are `stages`.
pub fn labeled_schema(stages: &[StageColumns]) -> Schema {
    let mut fields = vec![
        utf8("id"),
        structure(
            "source",
            vec![utf8("file"), uint("line", true), uint("record", true)],
        ),
    ];
    for name in METADATA_FIELDS.into_iter().chain(["language"]) {
        fields.push(utf8(name));
    }
    fields.push(string_map("provenance"));
    fields.push(structure(
        "counts",
        [
            "body_bytes",
            "tokens",
            "sentences",
            "comments",
            "comments_kept",
        ]
        .iter()
        .map(|n| uint(n, true))
        .collect(),
    ));
    fields.push(utf8("body"));
    fields.extend(stages.iter().map(stage_result));
    let mut comment = vec![
        utf8("id"),
        utf8("author"),
        utf8("reply_to"),
        utf8("date"),
        utf8("text"),
        Field::new("redacted", DataType::Boolean, true),
    ];
    comment.extend(
        stages
            .iter()
            .filter(|s| s.comments)
            .map(|s| structure(&s.name, unit_score_fields(s))),
    );
    fields.push(list_of("comments", DataType::Struct(Fields::from(comment))));
    fields.push(list_of(
        "tokens",
        DataType::Struct(Fields::from(vec![
            utf8("term"),
            uint("start", false),
            uint("end", false),
            uint("sentence", false),
        ])),
    ));
    fields.push(list_of("warnings", DataType::Utf8));
    fields.push(utf8("extra"));
    fields.push(utf8("error"));
    Schema::new(fields)
}

/// Writes labeled records to a Parquet file (the caller makes it atomic: see
/// [`crate::output::RecordWriter`]).
pub struct ParquetSink {
    writer: ArrowWriter<PacedFile>,
    /// Holds the rows not yet written, serialized into its tape (compact, unlike JSON values).
    decoder: Decoder,
    path: String,
}

impl ParquetSink {
    /// Starts a Parquet file on `file` (named `path` in messages) for these classifier stages.
    ///
    /// # Errors
    /// The writer cannot be created.
    pub fn new(
        file: PacedFile,
        path: &Path,
        stages: &[StageColumns],
    ) -> Result<ParquetSink, ParquetOutputError> {
        let schema: SchemaRef = Arc::new(labeled_schema(stages));
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROWS_PER_ROW_GROUP))
            .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
            .set_data_page_size_limit(PAGE_BYTES)
            // Dictionaries are kept per column for the whole row group and grew the writer's
            // memory with the input (+12 MiB at 100 MB); without them the file is ~13 % larger.
            .set_dictionary_enabled(false)
            // Page statistics make a column index that the writer holds for every page of the
            // file until it closes (18 MB at 1 GB of input); row group statistics are kept.
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .build();
        let spill_dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let options = ArrowWriterOptions::new()
            .with_properties(properties)
            .with_page_store_factory(Arc::new(SpillPages::in_dir(spill_dir)));
        let writer = ArrowWriter::try_new_with_options(file, schema.clone(), options)
            .map_err(|e| file_error(path, e))?;
        // Strict: a field the schema lacks is an error, never a value silently left out.
        let decoder = arrow_json::ReaderBuilder::new(schema)
            .with_batch_size(ROWS_PER_BATCH)
            .with_strict_mode(true)
            .build_decoder()
            .map_err(|e| file_error(path, e))?;
        Ok(ParquetSink {
            writer,
            decoder,
            path: path.display().to_string(),
        })
    }

    /// Adds one record (the JSON form of an [`OutputRecord`]).
    ///
    /// # Errors
    /// The record does not fit the schema, or writing fails.
    pub fn write(&mut self, record: &Value) -> Result<(), ParquetOutputError> {
        // A record that still has `extra` as an object is copied to flatten it. `slant label`
        // writes its records as JSON text ([`Self::write_json`]; copying each one here was a
        // sixth of its writing thread's time), and `slant predict`'s have no `extra`.
        let row = match record.get("extra") {
            Some(extra) if !extra.is_string() => {
                let mut row = record.clone();
                flatten_extra(&mut row);
                Cow::Owned(row)
            }
            _ => Cow::Borrowed(record),
        };
        self.decoder
            .serialize(std::slice::from_ref(row.as_ref()))
            .map_err(|e| self.error(format!("a record does not fit the Parquet schema: {e}")))?;
        if self.decoder.len() >= ROWS_PER_BATCH {
            self.write_rows()?;
        }
        Ok(())
    }

    /// Adds one record whose JSON form is its row as it is (no `extra` to turn into text:
    /// [`has_extra`]), serialized straight into the decoder's tape.
    ///
    /// # Errors
    /// The record does not fit the schema, or writing fails.
    pub fn write_serialize(&mut self, record: &OutputRecord) -> Result<(), ParquetOutputError> {
        self.decoder
            .serialize(std::slice::from_ref(record))
            .map_err(|e| self.error(format!("a record does not fit the Parquet schema: {e}")))?;
        if self.decoder.len() >= ROWS_PER_BATCH {
            self.write_rows()?;
        }
        Ok(())
    }

    /// Adds one record given as the JSON text of its row ([`row_json`]).
    ///
    /// # Errors
    /// The text is not one row of the schema, or writing fails.
    pub fn write_json(&mut self, row: &[u8]) -> Result<(), ParquetOutputError> {
        // The decoder holds fewer than a batch of rows here (a full batch is written below), so
        // it takes a whole row.
        let read = self
            .decoder
            .decode(row)
            .map_err(|e| self.error(format!("a record does not fit the Parquet schema: {e}")))?;
        if read != row.len() {
            return Err(self.error("a record was not read whole"));
        }
        if self.decoder.len() >= ROWS_PER_BATCH {
            self.write_rows()?;
        }
        Ok(())
    }

    fn error(&self, message: impl std::fmt::Display) -> ParquetOutputError {
        ParquetOutputError::File {
            path: self.path.clone(),
            message: message.to_string(),
        }
    }

    /// Writes the rows held in the decoder as one batch (the writer closes a row group at
    /// [`ROW_GROUP_BYTES`] or [`ROWS_PER_ROW_GROUP`], whichever comes first).
    fn write_rows(&mut self) -> Result<(), ParquetOutputError> {
        if let Some(batch) = self.decoder.flush().map_err(|e| self.error(e))? {
            self.writer.write(&batch).map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// Writes what is left and the file footer.
    ///
    /// # Errors
    /// Writing fails.
    pub fn finish(mut self) -> Result<(), ParquetOutputError> {
        self.write_rows()?;
        let path = self.path.clone();
        self.writer.close().map_err(|e| ParquetOutputError::File {
            path,
            message: e.to_string(),
        })?;
        Ok(())
    }
}

/// Reads a labeled Parquet file back as output records, row group by row group.
///
/// # Errors
/// The file cannot be opened or is not a labeled Parquet file.
pub fn read_labeled(
    path: &Path,
) -> Result<impl Iterator<Item = Result<OutputRecord, ParquetOutputError>>, ParquetOutputError> {
    let file = File::open(path).map_err(|e| file_error(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| file_error(path, format!("not a readable Parquet file: {e}")))?
        .with_batch_size(ROWS_PER_BATCH)
        .build()
        .map_err(|e| file_error(path, e))?;
    let path = path.to_path_buf();
    Ok(reader.flat_map(move |batch| {
        let records = batch
            .map_err(|e| file_error(&path, e))
            .and_then(|b| batch_records(&b).map_err(|e| file_error(&path, e)));
        match records {
            Ok(records) => records.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        }
    }))
}

/// Whether `record` has input fields of its own (`extra`), which its row holds as JSON text.
pub fn has_extra(record: &OutputRecord) -> bool {
    matches!(record, OutputRecord::Article(article) if !article.extra.is_empty())
}

/// Writes the JSON text of `record`'s row into `buf` (after what it holds): its JSON form with
/// `extra` (input fields of any shape) as JSON text, the form [`ParquetSink::write_json`] reads.
///
/// # Errors
/// The record cannot be represented as JSON, or `extra` is not its last field.
pub fn row_json(record: &OutputRecord, buf: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let start = buf.len();
    serde_json::to_writer(&mut *buf, record)?;
    let extra = match record {
        OutputRecord::Article(article) if !article.extra.is_empty() => &article.extra,
        _ => return Ok(()),
    };
    // `extra` is an article's last field: its object ends the record's text, and is replaced
    // there by the same object as a string.
    let text = serde_json::to_string(extra)?;
    let tail = format!("\"extra\":{text}}}");
    if !buf[start..].ends_with(tail.as_bytes()) {
        return Err(serde::ser::Error::custom(
            "`extra` is not the last field of the record's JSON form",
        ));
    }
    buf.truncate(buf.len() - tail.len());
    buf.extend_from_slice(b"\"extra\":");
    serde_json::to_writer(&mut *buf, &text)?;
    buf.push(b'}');
    Ok(())
}

/// Turns the record's `extra` (input fields of any shape) into its column's form: JSON text.
pub fn flatten_extra(record: &mut Value) {
    if let Some(extra) = record.get_mut("extra").filter(|extra| !extra.is_string()) {
        *extra = Value::String(extra.to_string());
    }
}

/// Hands `row` each row of one batch as one line of JSON text (an object, null columns left
/// out), in order; stops at the first error.
///
/// # Errors
/// A column of a type JSON cannot hold, or the error `row` returned.
pub fn for_each_json_row(
    batch: &RecordBatch,
    mut row: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let mut text = Vec::new();
    for start in (0..batch.num_rows()).step_by(ROWS_PER_JSON_SLICE) {
        let rows = ROWS_PER_JSON_SLICE.min(batch.num_rows() - start);
        text.clear();
        let mut writer = arrow_json::LineDelimitedWriter::new(&mut text);
        writer
            .write(&batch.slice(start, rows))
            .map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
        for line in text.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
            row(line)?;
        }
    }
    Ok(())
}

/// The rows of one batch as JSON objects, null columns left out.
///
/// # Errors
/// A column of a type JSON cannot hold.
pub fn batch_objects(batch: &RecordBatch) -> Result<Vec<serde_json::Map<String, Value>>, String> {
    let mut objects = Vec::with_capacity(batch.num_rows());
    for_each_json_row(batch, |line| match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(o)) => {
            objects.push(o);
            Ok(())
        }
        Ok(_) => Err("a row is not an object".to_string()),
        Err(e) => Err(e.to_string()),
    })?;
    Ok(objects)
}

fn batch_records(batch: &RecordBatch) -> Result<Vec<OutputRecord>, String> {
    batch_objects(batch)?
        .into_iter()
        .map(|mut row| {
            if let Some(Value::String(text)) = row.get("extra") {
                let extra: Value = serde_json::from_str(text)
                    .map_err(|e| format!("column `extra` is not JSON: {e}"))?;
                row.insert("extra".into(), extra);
            }
            serde_json::from_value(Value::Object(row))
                .map_err(|e| format!("not a labeled record: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labeled::{tests::article, ErrorRecord};

    /// What [`ParquetSink::write`] decodes for a JSON value: the value, `extra` flattened.
    fn flattened(record: &OutputRecord) -> String {
        let mut value = serde_json::to_value(record).unwrap();
        flatten_extra(&mut value);
        value.to_string()
    }

    #[test]
    fn a_rows_json_text_is_the_record_with_extra_as_text() {
        let mut with_extra = article();
        with_extra.extra.insert("lang".into(), "en".into());
        with_extra.extra.insert(
            "tags".into(),
            serde_json::json!({"a": [1, "two"], "b": null}),
        );
        let records = [
            OutputRecord::Article(Box::new(article())),
            OutputRecord::Article(Box::new(with_extra)),
            OutputRecord::Error(ErrorRecord {
                id: Some("x".into()),
                source: crate::article::SourceRef::record("in.parquet", 3),
                error: "no `body` field".into(),
            }),
        ];
        let mut buf = b"kept".to_vec();
        for record in &records {
            buf.truncate(4);
            row_json(record, &mut buf).unwrap();
            assert_eq!(&buf[..4], b"kept", "appended after what the buffer held");
            let row: Value = serde_json::from_slice(&buf[4..]).unwrap();
            assert_eq!(row.to_string(), flattened(record));
        }
        let row: Value = serde_json::from_slice(&buf[4..]).unwrap();
        assert!(row.get("extra").is_none(), "an error record has no extra");
        buf.clear();
        row_json(&records[1], &mut buf).unwrap();
        let row: Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(
            row["extra"],
            r#"{"lang":"en","tags":{"a":[1,"two"],"b":null}}"#
        );
    }

    /// A stage's columns with every part off but those named.
    fn stage(name: &str, filter: bool, comments: bool) -> StageColumns {
        StageColumns {
            name: name.into(),
            filter,
            sentences: false,
            comments,
            targets: false,
            mention_list: false,
            claims: false,
            explain: false,
        }
    }

    #[test]
    fn a_record_without_extra_serialized_is_its_rows_json_text_decoded() {
        let schema = Arc::new(labeled_schema(&[
            stage("sentiment", false, false),
            stage("toxicity", true, true),
        ]));
        let decoder = || {
            arrow_json::ReaderBuilder::new(schema.clone())
                .with_strict_mode(true)
                .build_decoder()
                .unwrap()
        };
        let records = [
            OutputRecord::Article(Box::new(article())),
            OutputRecord::Error(ErrorRecord {
                id: None,
                source: crate::article::SourceRef::line("in.jsonl", 7),
                error: "not JSON".into(),
            }),
        ];
        let (mut serialized, mut decoded) = (decoder(), decoder());
        for record in &records {
            assert!(!has_extra(record));
            serialized.serialize(std::slice::from_ref(record)).unwrap();
            let mut row = Vec::new();
            row_json(record, &mut row).unwrap();
            assert_eq!(decoded.decode(&row).unwrap(), row.len());
        }
        let serialized = serialized.flush().unwrap().unwrap();
        let decoded = decoded.flush().unwrap().unwrap();
        assert_eq!(serialized.num_rows(), 2);
        assert_eq!(serialized, decoded);
        let mut with_extra = article();
        with_extra.extra.insert("lang".into(), "en".into());
        assert!(has_extra(&OutputRecord::Article(Box::new(with_extra))));
    }
}
