//! Writing result records: JSON Lines (the full record), CSV or an aligned table (chosen columns,
//! addressed by JSON pointers). Output goes to stdout or to a file written atomically: records go
//! to a temporary file beside the target, which is renamed over it only when the run finishes,
//! so an interrupted run never leaves a half-written file behind.

mod paced;
pub mod parquet;
mod spill;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::labeled::OutputRecord;
use paced::PacedFile;

/// Bytes of output gathered before one `write` call to a file.
const FILE_BUFFER: usize = 256 << 10;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per line: the complete record.
    Jsonl,
    /// A header row, then one row per record with the chosen columns.
    Csv,
    /// An aligned text table of the chosen columns, for reading in a terminal.
    Table,
    /// Typed columns in a Parquet file (`slant label` records; needs `-o FILE`, and is chosen
    /// by a `.parquet` extension).
    Parquet,
}

impl OutputFormat {
    /// The format a file name asks for, where it is not a plain text one.
    fn of_path(path: &Path) -> Option<OutputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        (ext == "parquet").then_some(OutputFormat::Parquet)
    }
}

/// A column of CSV and table output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    /// JSON pointer into the record (`/counts/tokens`).
    pub pointer: String,
    /// Shown when `pointer` finds nothing (an error record's file in the `id` column).
    pub fallback: Option<String>,
}

impl Column {
    /// A column named `header` showing the value at `pointer`.
    pub fn new(header: &str, pointer: &str) -> Column {
        Column {
            header: header.into(),
            pointer: pointer.into(),
            fallback: None,
        }
    }

    /// The same column, showing the value at `pointer` when its own is missing.
    pub fn or(mut self, pointer: &str) -> Column {
        self.fallback = Some(pointer.into());
        self
    }

    fn value<'v>(&self, record: &'v Value) -> Option<&'v Value> {
        record
            .pointer(&self.pointer)
            .or_else(|| record.pointer(self.fallback.as_deref()?))
    }
}

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {path}: {cause}")]
    /// `cause` is part of the message, not an error `source`, so chains do not print it twice.
    Io { path: String, cause: io::Error },
    #[error(transparent)]
    Parquet(#[from] parquet::ParquetOutputError),
    #[error("Parquet output needs a file: pass -o FILE.parquet")]
    ParquetToStdout,
}

enum Sink {
    Stdout(io::BufWriter<io::Stdout>),
    File {
        temp: tempfile::NamedTempFile,
        /// The temporary file, written through a handle that has it written out as it goes, in
        /// blocks of [`FILE_BUFFER`] bytes (records were one `write` call each).
        paced: io::BufWriter<PacedFile>,
        target: PathBuf,
    },
}

impl Sink {
    fn name(&self) -> String {
        match self {
            Sink::Stdout(_) => "standard output".into(),
            Sink::File { target, .. } => target.display().to_string(),
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Stdout(w) => w,
            Sink::File { paced, .. } => paced,
        }
    }
}

/// Writes records in one format to stdout or a file.
pub struct RecordWriter {
    sink: Sink,
    format: OutputFormat,
    columns: Vec<Column>,
    /// Table rows are buffered to align columns; other formats stream.
    table_rows: Vec<Vec<String>>,
    wrote_header: bool,
    file_buf: Vec<u8>,
    /// What each classifier stage writes, for the Parquet schema.
    stages: Vec<parquet::StageColumns>,
    parquet: Option<parquet::ParquetSink>,
}

impl RecordWriter {
    /// Opens the output. Without a format: a table when writing to a terminal, else JSONL.
    ///
    /// # Errors
    /// The temporary file beside `path` cannot be created.
    pub fn open(
        path: Option<&Path>,
        format: Option<OutputFormat>,
        columns: Vec<Column>,
    ) -> Result<RecordWriter, OutputError> {
        let sink = match path {
            None => Sink::Stdout(io::BufWriter::new(io::stdout())),
            Some(p) if p.as_os_str() == "-" => Sink::Stdout(io::BufWriter::new(io::stdout())),
            Some(p) => {
                let io_error = |source| OutputError::Io {
                    path: p.display().to_string(),
                    cause: source,
                };
                let temp = temp_file_beside(p).map_err(io_error)?;
                let paced = PacedFile::new(temp.as_file().try_clone().map_err(io_error)?);
                let paced = io::BufWriter::with_capacity(FILE_BUFFER, paced);
                Sink::File {
                    temp,
                    paced,
                    target: p.to_path_buf(),
                }
            }
        };
        let to_terminal = matches!(sink, Sink::Stdout(_)) && io::stdout().is_terminal();
        let format = format.or_else(|| path.and_then(OutputFormat::of_path));
        if format == Some(OutputFormat::Parquet) && matches!(sink, Sink::Stdout(_)) {
            return Err(OutputError::ParquetToStdout);
        }
        let format = format.unwrap_or(if to_terminal {
            OutputFormat::Table
        } else {
            OutputFormat::Jsonl
        });
        Ok(RecordWriter {
            sink,
            format,
            columns,
            table_rows: Vec::new(),
            wrote_header: false,
            file_buf: Vec::new(),
            stages: Vec::new(),
            parquet: None,
        })
    }

    /// The format in use.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// True if the reader of stdout went away (`slant label … | head`): stop quietly.
    pub fn is_closed_pipe(error: &OutputError) -> bool {
        matches!(error, OutputError::Io { cause, .. } if cause.kind() == io::ErrorKind::BrokenPipe)
    }

    fn io_error(&self, source: io::Error) -> OutputError {
        OutputError::Io {
            path: self.sink.name(),
            cause: source,
        }
    }

    fn cells(&self, record: &Value) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| cell_text(c.value(record)))
            .collect()
    }

    /// Says what each classifier stage writes: its results get typed columns in Parquet output.
    pub fn set_stages(&mut self, stages: Vec<parquet::StageColumns>) {
        self.stages = stages;
    }

    /// The Parquet writer, started on the temporary file at the first record.
    fn parquet_sink(&mut self) -> Result<&mut parquet::ParquetSink, OutputError> {
        if self.parquet.is_none() {
            let Sink::File { temp, target, .. } = &self.sink else {
                return Err(OutputError::ParquetToStdout);
            };
            let file = temp.as_file().try_clone().map_err(|e| self.io_error(e))?;
            let file = PacedFile::new(file);
            self.parquet = Some(parquet::ParquetSink::new(file, target, &self.stages)?);
        }
        Ok(self.parquet.as_mut().expect("started above"))
    }

    /// Writes one output record: JSON Lines and Parquet straight from the record's JSON text
    /// (no intermediate JSON value, which cost as much as labeling a comment), other formats
    /// through [`RecordWriter::write`].
    ///
    /// # Errors
    /// The record cannot be represented as JSON, or the underlying write fails.
    pub fn write_record(&mut self, record: &OutputRecord) -> Result<(), OutputError> {
        self.file_buf.clear();
        match self.format {
            OutputFormat::Jsonl => {
                self.push_json_line(record)?;
                self.write_buffered()
            }
            OutputFormat::Parquet if !parquet::has_extra(record) => {
                Ok(self.parquet_sink()?.write_serialize(record)?)
            }
            OutputFormat::Parquet => {
                let mut row = std::mem::take(&mut self.file_buf);
                let written = parquet::row_json(record, &mut row)
                    .map_err(|e| self.io_error(e.into()))
                    .and_then(|()| Ok(self.parquet_sink()?.write_json(&row)?));
                self.file_buf = row;
                written
            }
            OutputFormat::Csv | OutputFormat::Table => {
                let value = serde_json::to_value(record).map_err(|e| self.io_error(e.into()))?;
                self.write(&value)
            }
        }
    }

    /// Appends `record` as one JSON line to the record buffer.
    fn push_json_line<T: serde::Serialize + ?Sized>(
        &mut self,
        record: &T,
    ) -> Result<(), OutputError> {
        serde_json::to_writer(&mut self.file_buf, record).map_err(|e| self.io_error(e.into()))?;
        self.file_buf.push(b'\n');
        Ok(())
    }

    /// Writes records serialized by [`serialize_run`] (on any thread), in the order given.
    ///
    /// # Errors
    /// The run's format is not this writer's, or the underlying write fails.
    pub fn write_run(&mut self, run: SerializedRun) -> Result<(), OutputError> {
        match run {
            SerializedRun::Lines(lines) if self.format == OutputFormat::Jsonl => self
                .sink
                .writer()
                .write_all(&lines)
                .map_err(|e| self.io_error(e)),
            SerializedRun::Values(values) if self.format != OutputFormat::Jsonl => {
                values.iter().try_for_each(|v| self.write(v))
            }
            _ => Err(self.io_error(io::Error::other(
                "records were serialized for another output format",
            ))),
        }
    }

    /// Writes one record.
    ///
    /// # Errors
    /// The underlying write fails (disk full, closed pipe).
    pub fn write(&mut self, record: &Value) -> Result<(), OutputError> {
        self.file_buf.clear();
        match self.format {
            OutputFormat::Jsonl => self.push_json_line(record)?,
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                if !self.wrote_header {
                    w.write_record(self.columns.iter().map(|c| c.header.as_str()))
                        .map_err(|e| self.io_error(e.into()))?;
                    self.wrote_header = true;
                }
                w.write_record(self.cells(record))
                    .map_err(|e| self.io_error(e.into()))?;
                self.file_buf = w.into_inner().map_err(|e| self.io_error(e.into_error()))?;
            }
            OutputFormat::Table => {
                let row = self.cells(record);
                self.table_rows.push(row);
                return Ok(());
            }
            OutputFormat::Parquet => return Ok(self.parquet_sink()?.write(record)?),
        }
        self.write_buffered()
    }

    /// Writes the record buffer to the sink.
    fn write_buffered(&mut self) -> Result<(), OutputError> {
        let buf = std::mem::take(&mut self.file_buf);
        let result = self.sink.writer().write_all(&buf);
        self.file_buf = buf;
        result.map_err(|e| self.io_error(e))
    }

    /// Hands what was written so far to the reader of stdout (a pipe must never stall waiting
    /// for a full buffer); files are left to [`RecordWriter::finish`].
    ///
    /// # Errors
    /// The flush fails (e.g. a closed pipe, see [`RecordWriter::is_closed_pipe`]).
    pub fn flush(&mut self) -> Result<(), OutputError> {
        match &mut self.sink {
            Sink::Stdout(w) => w.flush().map_err(|e| self.io_error(e)),
            Sink::File { .. } => Ok(()),
        }
    }

    /// Flushes everything; for a file, renames the temporary file over the target.
    ///
    /// # Errors
    /// Writing, flushing or renaming fails.
    pub fn finish(mut self) -> Result<(), OutputError> {
        if self.format == OutputFormat::Table {
            let table = render_table(&self.columns, &self.table_rows);
            self.sink
                .writer()
                .write_all(table.as_bytes())
                .map_err(|e| self.io_error(e))?;
        }
        if self.format == OutputFormat::Parquet {
            self.parquet_sink()?;
            if let Some(sink) = self.parquet.take() {
                sink.finish()?;
            }
        }
        let name = self.sink.name();
        match self.sink {
            Sink::Stdout(mut w) => match w.flush() {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|source| OutputError::Io {
                    path: name,
                    cause: source,
                }),
            },
            Sink::File {
                temp,
                mut paced,
                target,
            } => {
                paced.flush().map_err(|source| OutputError::Io {
                    path: name.clone(),
                    cause: source,
                })?;
                temp.as_file()
                    .sync_all()
                    .map_err(|source| OutputError::Io {
                        path: name.clone(),
                        cause: source,
                    })?;
                temp.persist(&target).map_err(|e| OutputError::Io {
                    path: name,
                    cause: e.error,
                })?;
                Ok(())
            }
        }
    }
}

/// Records serialized away from the writer, so that the cores that made them also serialize
/// them (for short records, as in `slant predict`, serializing costs about as much as scoring):
/// JSON Lines as their bytes, other formats as JSON values for the writer to lay out.
#[derive(Debug)]
pub enum SerializedRun {
    Lines(Vec<u8>),
    Values(Vec<Value>),
}

/// Serializes `records` for a writer of `format` ([`RecordWriter::write_run`] writes them).
///
/// # Errors
/// A record cannot be represented as JSON.
pub fn serialize_run<T: serde::Serialize>(
    format: OutputFormat,
    records: &[T],
) -> Result<SerializedRun, serde_json::Error> {
    if format != OutputFormat::Jsonl {
        return records
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()
            .map(SerializedRun::Values);
    }
    let mut lines = Vec::new();
    for record in records {
        serde_json::to_writer(&mut lines, record)?;
        lines.push(b'\n');
    }
    Ok(SerializedRun::Lines(lines))
}

/// A temporary file in the folder of `target` (so that renaming it over `target` is atomic),
/// readable by others like any file the user writes (tempfile's default is owner-only).
///
/// # Errors
/// The folder does not exist or cannot be written.
pub fn temp_file_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".slant-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir)
}

/// A JSON value as one cell of text.
fn cell_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:.3}"),
            _ => n.to_string(),
        },
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| cell_text(Some(v)))
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.to_string(),
    }
}

/// Longest cell shown in a table before it is cut with an ellipsis.
const TABLE_CELL_MAX: usize = 48;

fn render_table(columns: &[Column], rows: &[Vec<String>]) -> String {
    let clip = |s: &str| -> String {
        let one_line = s.replace(['\n', '\r', '\t'], " ");
        if one_line.chars().count() > TABLE_CELL_MAX {
            let cut: String = one_line.chars().take(TABLE_CELL_MAX - 1).collect();
            format!("{cut}…")
        } else {
            one_line
        }
    };
    let header: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clip(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    let mut out = line(&header);
    out.push_str(&line(
        &widths.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>(),
    ));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cols() -> Vec<Column> {
        vec![Column::new("id", "/id"), Column::new("p", "/scores/OFF")]
    }

    #[test]
    fn file_output_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let mut w = RecordWriter::open(Some(&path), Some(OutputFormat::Jsonl), cols()).unwrap();
        w.write(&json!({"id": "a"})).unwrap();
        assert!(!path.exists(), "nothing visible before finish");
        w.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"id\":\"a\"}\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    /// Runs serialized away from the writer come out as records written one by one would,
    /// in each format; a run made for another format is refused, never written garbled.
    #[test]
    fn serialized_runs_write_as_single_records_do() {
        let records = [
            json!({"id": "a", "scores": {"OFF": 0.25}}),
            json!({"id": "b,c", "scores": {"OFF": 0.5}}),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (name, format) in [
            ("run.jsonl", OutputFormat::Jsonl),
            ("run.csv", OutputFormat::Csv),
        ] {
            let (one, run) = (
                dir.path().join(format!("one-{name}")),
                dir.path().join(name),
            );
            let mut w = RecordWriter::open(Some(&one), Some(format), cols()).unwrap();
            records.iter().for_each(|r| w.write(r).unwrap());
            w.finish().unwrap();
            let mut w = RecordWriter::open(Some(&run), Some(format), cols()).unwrap();
            w.write_run(serialize_run(format, &records[..1]).unwrap())
                .unwrap();
            w.write_run(serialize_run(format, &records[1..]).unwrap())
                .unwrap();
            w.finish().unwrap();
            let (one, run) = (std::fs::read(one).unwrap(), std::fs::read(run).unwrap());
            assert_eq!(one, run, "{name}");
            assert_eq!(
                run.iter().filter(|&&b| b == b'\n').count(),
                2 + usize::from(format == OutputFormat::Csv)
            );
        }
        let mut w = RecordWriter::open(None, Some(OutputFormat::Csv), cols()).unwrap();
        let lines = serialize_run(OutputFormat::Jsonl, &records).unwrap();
        let refused = w.write_run(lines).unwrap_err().to_string();
        assert!(refused.contains("another output format"), "{refused}");
    }

    #[test]
    fn csv_has_header_and_pointer_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut w = RecordWriter::open(Some(&path), Some(OutputFormat::Csv), cols()).unwrap();
        w.write(&json!({"id": "a,b", "scores": {"OFF": 0.25}}))
            .unwrap();
        w.write(&json!({"id": "c"})).unwrap();
        w.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "id,p\n\"a,b\",0.250\nc,\n"
        );
    }

    #[test]
    fn table_aligns_and_clips() {
        let rows = vec![vec!["x".to_string(), "y".repeat(60)]];
        let t = render_table(&cols(), &rows);
        let lines: Vec<_> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
        assert!(lines[0].starts_with("id  p"));
    }
}
