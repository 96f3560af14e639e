//! What `slant compare` reads: telling `slant label` outputs from articles still to label, and
//! reading labeled outputs (JSON Lines, gzip or `-` for stdin; labeled Parquet) into
//! [`LabeledRecord`]s, one per record, with the file and line of any bad line in its error.
//!
//! How an input is recognised as labeled output (files of a folder one by one):
//! - JSON Lines: its first non-blank line is a labeled record, i.e. an object whose `source` is
//!   an object and which has a `counts` object (a labeled article) or an `error` (an error
//!   record) — see [`super::input::looks_labeled`]. Articles to label carry neither.
//! - Parquet: its schema has the `source` and `counts` struct columns of
//!   [`crate::output::parquet::labeled_schema`].
//! - `-` (stdin) is always read as labeled JSON Lines (`slant label … | slant compare -`).
//! - Anything else (CSV, pages, Arrow, an unlabeled JSONL or Parquet file) is articles.
//!
//! Inputs are all labeled or all articles; a mix is refused naming one file of each, since
//! relabeling part of a comparison with another config would compare unlike figures.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::ingest::lines::{LimitedLines, Line};
use crate::ingest::{self, parquet::Columnar, Format};

use super::input::{looks_labeled, read_record, Extraction, LabeledRecord};
use super::CompareError;

/// Longest line accepted: a labeled article with all its comments fits easily.
const LINE_LIMIT: usize = 256 << 20;

/// The formats of `slant label` output that `compare` reads back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabeledFormat {
    JsonLines,
    Parquet,
}

/// One labeled output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledFile {
    pub path: PathBuf,
    pub format: LabeledFormat,
}

/// What the inputs of a comparison are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inputs {
    /// `slant label` outputs, read without relabeling (folders expanded).
    Labeled(Vec<LabeledFile>),
    /// Articles to run through the pipeline first (the inputs as given).
    Articles,
}

/// Sorts the inputs into labeled outputs or articles (see the module header for the rule).
///
/// # Errors
/// An input is missing or of an unknown type, a folder holds nothing readable, a file cannot be
/// opened, or labeled outputs and articles are mixed.
pub fn classify(inputs: &[PathBuf]) -> Result<Inputs, CompareError> {
    let mut labeled: Vec<LabeledFile> = Vec::new();
    let mut first_article: Option<PathBuf> = None;
    for input in inputs {
        let files = ingest::expand_inputs(std::slice::from_ref(input));
        if files.is_empty() {
            return Err(read_error(input, "the folder holds no file slant can read"));
        }
        for file in files {
            let file = file.map_err(|record| CompareError::Read {
                path: record.source.file.to_string(),
                cause: record.article.err().unwrap_or_default(),
            })?;
            match labeled_format(&file.path, file.format)? {
                Some(format) => labeled.push(LabeledFile {
                    path: file.path,
                    format,
                }),
                None => {
                    first_article.get_or_insert(file.path);
                }
            }
        }
    }
    match (labeled.first(), first_article) {
        (Some(output), Some(article)) => Err(CompareError::MixedInputs {
            labeled: shown(&output.path),
            articles: shown(&article),
        }),
        (None, Some(_)) => Ok(Inputs::Articles),
        _ => Ok(Inputs::Labeled(labeled)),
    }
}

/// The labeled format of one file, or `None` when it holds articles to label.
fn labeled_format(path: &Path, format: Format) -> Result<Option<LabeledFormat>, CompareError> {
    Ok(match format {
        _ if path.as_os_str() == "-" => Some(LabeledFormat::JsonLines),
        Format::JsonLines => first_line_is_labeled(path)?.then_some(LabeledFormat::JsonLines),
        Format::Columnar(Columnar::Parquet) => {
            parquet_is_labeled(path)?.then_some(LabeledFormat::Parquet)
        }
        _ => None,
    })
}

/// Whether the first non-blank line of a JSON Lines file is a labeled record. A first line that
/// is not JSON counts as an article line: the pipeline then reports it as an error record.
fn first_line_is_labeled(path: &Path) -> Result<bool, CompareError> {
    let reader = ingest::open(path).map_err(|e| read_error(path, e))?;
    for (_, line) in LimitedLines::new(reader, LINE_LIMIT) {
        let bytes = match line.map_err(|e| read_error(path, e))? {
            Line::TooLong(_) => return Ok(false),
            Line::Bytes(bytes) => bytes,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        return Ok(serde_json::from_slice(&bytes).is_ok_and(|v| looks_labeled(&v)));
    }
    Ok(false)
}

/// Whether a Parquet file has the struct columns of a labeled output.
fn parquet_is_labeled(path: &Path) -> Result<bool, CompareError> {
    let file = File::open(path).map_err(|e| read_error(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| read_error(path, format!("not a readable Parquet file: {e}")))?;
    let schema = builder.schema();
    let is_struct = |name: &str| {
        schema
            .field_with_name(name)
            .is_ok_and(|f| matches!(f.data_type(), DataType::Struct(_)))
    };
    Ok(is_struct("source") && is_struct("counts"))
}

fn read_error(path: &Path, cause: impl std::fmt::Display) -> CompareError {
    CompareError::Read {
        path: shown(path),
        cause: cause.to_string(),
    }
}

/// The records of one labeled JSON Lines output, in order. Blank lines are skipped.
pub fn read_labeled(
    path: PathBuf,
    how: &Extraction,
) -> Result<impl Iterator<Item = Result<LabeledRecord, CompareError>> + '_, CompareError> {
    let reader = ingest::open(&path).map_err(|e| read_error(&path, e))?;
    let lines = LimitedLines::new(reader, LINE_LIMIT);
    Ok(lines.filter_map(move |(line_no, line)| {
        let at = |problem: String| CompareError::Record {
            path: shown(&path),
            line: line_no,
            problem,
        };
        let bytes = match line {
            Err(e) => return Some(Err(at(e.to_string()))),
            Ok(Line::TooLong(n)) => return Some(Err(at(format!("line of {n} bytes is too long")))),
            Ok(Line::Bytes(bytes)) => bytes,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        let value: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => return Some(Err(at(format!("not JSON: {e}")))),
        };
        Some(read_record(&value, how).map_err(|e| at(e.to_string())))
    }))
}

/// The records of one labeled Parquet output (as written by `slant label -o out.parquet`),
/// row group by row group; a bad row is an error naming `<file>#<row>` (1-based).
pub fn read_labeled_parquet(
    path: PathBuf,
    how: &Extraction,
) -> Result<impl Iterator<Item = Result<LabeledRecord, CompareError>> + '_, CompareError> {
    let rows = crate::output::parquet::read_labeled(&path).map_err(|e| CompareError::Read {
        path: shown(&path),
        cause: e.to_string(),
    })?;
    Ok(rows.zip(1u64..).map(move |(row, row_no)| {
        let at = |cause: String| CompareError::Read {
            path: format!("{}#{row_no}", shown(&path)),
            cause,
        };
        let record = row.map_err(|e| at(e.to_string()))?;
        let value = serde_json::to_value(&record).map_err(|e| at(e.to_string()))?;
        read_record(&value, how).map_err(|e| at(e.to_string()))
    }))
}

fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// The records of several labeled outputs, one after the other.
pub fn read_files(
    files: Vec<LabeledFile>,
    how: &Extraction,
) -> impl Iterator<Item = Result<LabeledRecord, CompareError>> + '_ {
    files.into_iter().flat_map(move |file| {
        let records: Result<Box<dyn Iterator<Item = _>>, _> = match file.format {
            LabeledFormat::JsonLines => {
                read_labeled(file.path, how).map(|r| Box::new(r) as Box<dyn Iterator<Item = _>>)
            }
            LabeledFormat::Parquet => read_labeled_parquet(file.path, how)
                .map(|r| Box::new(r) as Box<dyn Iterator<Item = _>>),
        };
        records.unwrap_or_else(|e| Box::new(std::iter::once(Err(e))))
    })
}

/// The records of several labeled JSON Lines outputs, one after the other (no classification:
/// for callers that know what they hold, e.g. the benchmark).
pub fn read_all<'a>(
    paths: &'a [PathBuf],
    how: &'a Extraction,
) -> impl Iterator<Item = Result<LabeledRecord, CompareError>> + 'a {
    paths.iter().flat_map(move |path| {
        let records: Box<dyn Iterator<Item = _>> = match read_labeled(path.clone(), how) {
            Ok(records) => Box::new(records),
            Err(e) => Box::new(std::iter::once(Err(e))),
        };
        records
    })
}
