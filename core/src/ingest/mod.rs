//! Reading inputs into [`InputRecord`]s: files, folders (recursively, in name order) and stdin,
//! dispatched by extension to the JSON Lines, CSV or page reader; gzip detected by its magic bytes.
//!
//! Contract: every input record yields exactly one [`InputRecord`] — an article, or an error that
//! names the file and line — and reading goes on after an error. An empty file yields one error
//! record; so does an unreadable one.

mod article_line;
pub mod csv;
pub mod fields;
pub mod jsonl;
pub mod lines;
pub mod page;
pub mod parquet;
pub mod read_ahead;
pub mod record;

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::article::{InputRecord, SourceRef};
use fields::{FieldRef, Fields};

/// Largest record (one JSONL line, one page file) read; longer ones become error records.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 32 << 20;

/// Options of the reader.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The outlet of every article read (`--outlet`): it overrides what a page or record names.
    pub outlet: Option<String>,
    /// Longest record accepted, in bytes.
    pub max_record_bytes: usize,
    /// Columns of Parquet / Arrow files holding the text, id and outlet.
    pub columns: parquet::ColumnNames,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            outlet: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            columns: parquet::ColumnNames::default(),
        }
    }
}

/// The kinds of file the reader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
    /// A saved news page: plain text, Markdown or HTML.
    Page(page::PageKind),
    /// Parquet or Arrow IPC: rows read as records.
    Columnar(parquet::Columnar),
}

impl Format {
    /// The format of `path` by its extension (a trailing `.gz` is looked through).
    pub fn of_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = Path::new(name).extension()?.to_str()?;
        Some(match ext {
            // Not `.json`: a pretty-printed JSON document is not one record per line.
            "jsonl" | "ndjson" => Format::JsonLines,
            "csv" => Format::Csv,
            "txt" | "text" => Format::Page(page::PageKind::Text),
            "md" | "markdown" => Format::Page(page::PageKind::Markdown),
            "html" | "htm" => Format::Page(page::PageKind::Html),
            "parquet" | "pq" => Format::Columnar(parquet::Columnar::Parquet),
            "arrow" | "feather" => Format::Columnar(parquet::Columnar::ArrowFile),
            "arrows" => Format::Columnar(parquet::Columnar::ArrowStream),
            _ => return None,
        })
    }
}

/// One file to read, with what the folder walk knows about it.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    pub format: Format,
    /// The name of the folder holding the file when it sits below an input folder
    /// (`articles/<outlet>/x.txt`), used as the outlet of pages that name none.
    pub folder_outlet: Option<String>,
}

/// Expands the command-line inputs into files in a stable order. `-` stays stdin.
///
/// Returns the files and an error record for every input that cannot be used (missing path,
/// unknown extension given explicitly).
pub fn expand_inputs(inputs: &[PathBuf]) -> Vec<Result<InputFile, InputRecord>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            out.push(Ok(InputFile {
                path: input.clone(),
                format: Format::JsonLines,
                folder_outlet: None,
            }));
        } else if input.is_dir() {
            out.extend(folder_files(input));
        } else {
            out.push(
                named_file(input)
                    .map_err(|message| error_record(SourceRef::file(display(input)), message)),
            );
        }
    }
    out
}

/// The readable files below `folder`, recursively, in name order; hidden files and files the
/// reader does not understand (images, notes) are skipped. A file two or more levels down takes
/// its parent folder's name as its outlet.
fn folder_files(folder: &Path) -> Vec<Result<InputFile, InputRecord>> {
    let walker = walkdir::WalkDir::new(folder)
        .follow_links(true)
        .sort_by_file_name();
    let mut out = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.push(Err(error_record(
                    SourceRef::file(display(folder)),
                    e.to_string(),
                )));
                continue;
            }
        };
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !entry.file_type().is_file() || hidden {
            continue;
        }
        let Some(format) = Format::of_path(entry.path()) else {
            continue;
        };
        let folder_outlet = (entry.depth() >= 2)
            .then(|| {
                entry
                    .path()
                    .parent()?
                    .file_name()?
                    .to_str()
                    .map(String::from)
            })
            .flatten();
        out.push(Ok(InputFile {
            path: entry.path().to_path_buf(),
            format,
            folder_outlet,
        }));
    }
    out
}

/// A file named on the command line, or why it cannot be read: a path that does not exist, or
/// a type slant does not read.
fn named_file(input: &Path) -> Result<InputFile, String> {
    if !input.exists() {
        return Err("no such file or folder".into());
    }
    match Format::of_path(input) {
        Some(format) => Ok(InputFile {
            path: input.to_path_buf(),
            format,
            folder_outlet: None,
        }),
        None => Err(
            "unknown file type (expected .jsonl, .csv, .txt, .md or .html, optionally .gz; .parquet or .arrow)"
                .into(),
        ),
    }
}

/// One structured record (a JSON Lines object or a CSV row) before it is read as an article:
/// where it came from and its fields as they are, or why it could not be read. Training,
/// `slant predict` and `slant eval` use these directly, `slant predict` with its fields held in
/// place (`F` = [`fields::RecordFields`]) rather than parsed into a map.
#[derive(Debug, Clone)]
pub struct RawRecord<F = serde_json::Map<String, serde_json::Value>> {
    pub source: SourceRef,
    pub fields: Result<F, String>,
}

impl<F> RawRecord<F> {
    /// A record that could not be read.
    pub fn error(source: SourceRef, message: impl Into<String>) -> RawRecord<F> {
        RawRecord {
            source,
            fields: Err(message.into()),
        }
    }
}

impl<F: Fields> RawRecord<F> {
    /// The record's `id` field as text, or `file:line` when it has none; a string id is
    /// borrowed, not copied (`slant predict` writes one per record).
    pub fn id(&self) -> Cow<'_, str> {
        match self.fields.as_ref().ok().and_then(|f| f.field("id")) {
            Some(FieldRef::Str(s)) => Cow::Borrowed(s),
            Some(FieldRef::Other(serde_json::Value::Number(n))) => Cow::Owned(n.to_string()),
            _ => Cow::Owned(self.source.to_string()),
        }
    }
}

impl<F: Into<record::ArticleFields>> RawRecord<F> {
    /// The record as an article, its fields checked by
    /// [`record::ArticleFields::into_article`]; an error record keeps the `id` the record gave,
    /// if any.
    pub fn into_article(self) -> InputRecord {
        let fields = self.fields.map(Into::into);
        let source = &self.source;
        InputRecord {
            id: fields.as_ref().ok().and_then(|f| f.own_id()),
            article: fields.and_then(|f| f.into_article(|| source.to_string())),
            source: self.source,
            warnings: Vec::new(),
        }
    }
}

/// A path as shown in records and messages.
pub fn display(path: &Path) -> String {
    path.display().to_string()
}

/// An error record for `source`.
pub fn error_record(source: SourceRef, message: String) -> InputRecord {
    InputRecord {
        source,
        article: Err(message),
        id: None,
        warnings: Vec::new(),
    }
}

/// Opens `path` (or stdin for `-`), decompressing gzip when the first bytes say so.
///
/// # Errors
/// The I/O error of opening the file.
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let magic = reader.fill_buf()?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

/// Reads every input, in order, as a stream of records.
pub fn read_all(
    inputs: &[PathBuf],
    options: &ReadOptions,
) -> impl Iterator<Item = InputRecord> + Send {
    let options = options.clone();
    expand_inputs(inputs).into_iter().flat_map(
        move |file| -> Box<dyn Iterator<Item = InputRecord> + Send> {
            match file {
                Err(record) => Box::new(std::iter::once(record)),
                Ok(file) => read_file(file, &options),
            }
        },
    )
}

/// Reads one file as a stream of records.
pub fn read_file(
    file: InputFile,
    options: &ReadOptions,
) -> Box<dyn Iterator<Item = InputRecord> + Send> {
    let name = display(&file.path);
    let reader = match open(&file.path) {
        Ok(r) => r,
        Err(e) => {
            return Box::new(std::iter::once(error_record(
                SourceRef::file(name),
                e.to_string(),
            )))
        }
    };
    match file.format {
        Format::JsonLines => with_outlet(
            Box::new(jsonl::read(reader, name, options.max_record_bytes)),
            options.outlet.clone(),
        ),
        Format::Csv => with_outlet(
            Box::new(csv::read_with_limit(reader, name, options.max_record_bytes)),
            options.outlet.clone(),
        ),
        Format::Page(kind) => {
            let hints = page::PageHints {
                outlet: file.folder_outlet,
                outlet_override: options.outlet.clone(),
                file_name: name.clone(),
                kind,
            };
            Box::new(page::read(reader, &hints, options.max_record_bytes).into_iter())
        }
        // Columnar files are read by seeking in the file, not as a byte stream.
        Format::Columnar(kind) => with_outlet(
            parquet::read(&file.path, name, kind, &options.columns),
            options.outlet.clone(),
        ),
    }
}

/// Records of `records` with their outlet replaced by `outlet` (`--outlet`), when given; the
/// replaced field's provenance says `command-line`. (Pages apply it themselves, so that the
/// republication check compares against the outlet the article ends up with.)
fn with_outlet(
    records: Box<dyn Iterator<Item = InputRecord> + Send>,
    outlet: Option<String>,
) -> Box<dyn Iterator<Item = InputRecord> + Send> {
    let Some(outlet) = outlet else {
        return records;
    };
    Box::new(records.map(move |mut record| {
        if let Ok(article) = &mut record.article {
            article.outlet = Some(outlet.clone());
            article
                .provenance
                .insert("outlet".into(), COMMAND_LINE.into());
        }
        record
    }))
}

/// The provenance of a field given on the command line.
pub const COMMAND_LINE: &str = "command-line";
