//! CSV reader: a header row, then one record per row. For articles the header uses the JSON
//! Lines field names (`id, outlet, title, author, date, url, body` or `text`, optionally
//! `comments` as a JSON array).
//!
//! Rows are cut by [`split`] (size limit, unclosed quotes, line numbers) and each row's fields
//! are then parsed by the `csv` crate. Every row yields one record: its fields, or an error
//! naming its line.

mod split;

use std::io::{BufReader, Read};
use std::sync::Arc;

use serde_json::{Map, Value};

use self::split::{Piece, RawRows};
use super::{RawRecord, DEFAULT_MAX_RECORD_BYTES};
use crate::article::{InputRecord, SourceRef};

/// Reads `reader` (named `name` in records) as CSV with a header row; each row becomes an
/// object of strings keyed by the header. Rows over [`DEFAULT_MAX_RECORD_BYTES`] are errors.
pub fn rows(reader: impl Read + Send, name: String) -> impl Iterator<Item = RawRecord> + Send {
    rows_with_limit(reader, name, DEFAULT_MAX_RECORD_BYTES)
}

/// As [`rows`], with rows over `max_record_bytes` reported as errors.
pub fn rows_with_limit(
    reader: impl Read + Send,
    name: String,
    max_record_bytes: usize,
) -> impl Iterator<Item = RawRecord> + Send {
    CsvRows {
        pieces: RawRows::new(BufReader::with_capacity(1 << 16, reader), max_record_bytes),
        limit: max_record_bytes,
        name: name.into(),
        header: None,
        any_row: false,
        finished: false,
    }
}

/// Reads `reader` (named `name` in records) as CSV articles.
pub fn read(reader: impl Read + Send, name: String) -> impl Iterator<Item = InputRecord> + Send {
    rows(reader, name).map(RawRecord::into_article)
}

/// As [`read`], with rows over `max_record_bytes` reported as errors.
pub fn read_with_limit(
    reader: impl Read + Send,
    name: String,
    max_record_bytes: usize,
) -> impl Iterator<Item = InputRecord> + Send {
    rows_with_limit(reader, name, max_record_bytes).map(RawRecord::into_article)
}

/// The rows of one CSV file after its header.
struct CsvRows<R> {
    pieces: RawRows<R>,
    limit: usize,
    name: Arc<str>,
    /// The column names, once the header row is read.
    header: Option<Vec<String>>,
    any_row: bool,
    finished: bool,
}

impl<R: std::io::BufRead> CsvRows<R> {
    /// Reads the header row.
    fn read_header(&mut self) -> Result<Vec<String>, String> {
        let cannot = |why: String| format!("cannot read the header row: {why}");
        let bytes = match self.pieces.next() {
            None => return Err("file is empty".into()),
            Some(Piece::Row { bytes, .. }) => bytes,
            Some(other) => return Err(cannot(self.piece_error(other))),
        };
        // A UTF-8 byte order mark is not part of the first column's name.
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
        let fields = parse_fields(bytes).map_err(cannot)?;
        fields
            .iter()
            .map(|f| {
                std::str::from_utf8(f)
                    .map(String::from)
                    .map_err(|_| cannot("invalid UTF-8".into()))
            })
            .collect()
    }

    /// The message of a piece that is not a row.
    fn piece_error(&self, piece: Piece) -> String {
        match piece {
            Piece::Row { .. } => String::new(),
            Piece::TooLong { len, .. } => {
                format!("row is {len} bytes, over the limit of {} bytes", self.limit)
            }
            Piece::Unclosed {
                quote_line,
                resumed: true,
                ..
            } => format!(
                "malformed CSV: the quote opened on line {quote_line} is never closed; the lines after it are read as new rows"
            ),
            Piece::Unclosed { quote_line, .. } => format!(
                "malformed CSV: the quote opened on line {quote_line} is never closed"
            ),
            Piece::ReadError { error, .. } => format!("read error: {error}"),
        }
    }

    /// The record of one piece after the header.
    fn record(&self, piece: Piece, header: &[String]) -> RawRecord {
        let line = match &piece {
            Piece::Row { line, .. }
            | Piece::TooLong { line, .. }
            | Piece::Unclosed { line, .. }
            | Piece::ReadError { line, .. } => *line,
        };
        let source = SourceRef::line(Arc::clone(&self.name), line);
        let Piece::Row { bytes, .. } = piece else {
            return RawRecord::error(source, self.piece_error(piece));
        };
        RawRecord {
            fields: row_object(&bytes, header),
            source,
        }
    }
}

impl<R: std::io::BufRead> Iterator for CsvRows<R> {
    type Item = RawRecord;

    fn next(&mut self) -> Option<RawRecord> {
        if self.finished {
            return None;
        }
        let header = match self.header.take() {
            Some(h) => h,
            None => match self.read_header() {
                Ok(h) => h,
                Err(message) => {
                    self.finished = true;
                    return Some(RawRecord::error(
                        SourceRef::file(Arc::clone(&self.name)),
                        message,
                    ));
                }
            },
        };
        let Some(piece) = self.pieces.next() else {
            self.finished = true;
            return (!self.any_row).then(|| {
                RawRecord::error(
                    SourceRef::file(Arc::clone(&self.name)),
                    "file has a header but no rows",
                )
            });
        };
        self.any_row = true;
        let record = self.record(piece, &header);
        self.header = Some(header);
        Some(record)
    }
}

/// The fields of one row (its bytes hold no line terminator outside quotes).
fn parse_fields(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // The row is already cut: a carriage return inside it is data, not a line end.
        .terminator(::csv::Terminator::Any(b'\n'))
        .buffer_capacity(bytes.len().clamp(64, 1 << 16))
        .from_reader(bytes);
    let mut record = ::csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(_) => Ok(record.iter().map(<[u8]>::to_vec).collect()),
        Err(e) => Err(format!("malformed CSV: {e}")),
    }
}

/// A row as an object keyed by the header.
fn row_object(bytes: &[u8], header: &[String]) -> Result<Map<String, Value>, String> {
    let fields = parse_fields(bytes)?;
    if fields.len() != header.len() {
        return Err(format!(
            "malformed CSV: row has {} fields, the header has {}",
            fields.len(),
            header.len()
        ));
    }
    let mut obj = Map::new();
    for (key, value) in header.iter().zip(fields) {
        let value =
            String::from_utf8(value).map_err(|_| format!("invalid UTF-8 in column `{key}`"))?;
        obj.insert(key.clone(), Value::String(value));
    }
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_articles_and_bad_rows_errors_with_lines() {
        let data = "id,outlet,body\n1,RT,\"Text, with comma\"\n2,X\n3,Y,ok\n";
        let out: Vec<_> = read(data.as_bytes(), "a.csv".into()).collect();
        assert_eq!(out.len(), 3);
        let a = out[0].article.as_ref().unwrap();
        assert_eq!((a.id.as_str(), a.body.as_str()), ("1", "Text, with comma"));
        assert_eq!(out[1].source.to_string(), "a.csv:3");
        assert!(out[1].article.is_err());
        assert!(out[2].article.is_ok());
    }

    #[test]
    fn crlf_files_report_the_same_lines_as_lf_files() {
        for data in ["id,body\r\n1,a\r\n2,b\r\n", "id,body\n1,a\n2,b\n"] {
            let lines: Vec<_> = rows(data.as_bytes(), "c.csv".into())
                .map(|r| r.source.line)
                .collect();
            assert_eq!(lines, [Some(2), Some(3)], "{data:?}");
        }
    }

    #[test]
    fn an_unclosed_quote_costs_one_row_not_the_rest_of_the_file() {
        let data =
            "id,outlet,title,body\n1,A,t1,\"fine body one\n2,B,t2,body two\n3,C,t3,body three\n";
        let out: Vec<_> = read(data.as_bytes(), "bad.csv".into()).collect();
        let got: Vec<_> = out
            .iter()
            .map(|r| {
                (
                    r.source.to_string(),
                    r.article.as_ref().map(|a| a.id.clone()),
                )
            })
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
        let err = got[0].1.as_ref().unwrap_err();
        assert_eq!(got[0].0, "bad.csv:2");
        assert!(
            err.contains("quote opened on line 2 is never closed"),
            "{err}"
        );
        assert_eq!(got[1], ("bad.csv:3".into(), Ok("2".into())));
        assert_eq!(got[2], ("bad.csv:4".into(), Ok("3".into())));
    }

    #[test]
    fn a_row_over_the_limit_is_one_error_and_reading_goes_on() {
        let data = format!("id,body\n1,{}\n2,short\n", "x".repeat(100));
        let out: Vec<_> = read_with_limit(data.as_bytes(), "big.csv".into(), 64).collect();
        assert_eq!(out.len(), 2);
        let err = out[0].article.as_ref().unwrap_err();
        assert!(err.contains("over the limit of 64 bytes"), "{err}");
        assert_eq!(out[0].source.to_string(), "big.csv:2");
        assert_eq!(out[1].article.as_ref().unwrap().body, "short");
    }

    #[test]
    fn multi_line_cells_keep_their_start_line_and_a_bom_is_not_a_column_name() {
        let data = "\u{feff}id,body\n1,\"two\nlines\"\n2,b\n";
        let out: Vec<_> = read(data.as_bytes(), "m.csv".into()).collect();
        let a = out[0].article.as_ref().unwrap();
        assert_eq!((a.id.as_str(), a.body.as_str()), ("1", "two\nlines"));
        assert_eq!(out[1].source.to_string(), "m.csv:4");
    }

    #[test]
    fn empty_file_is_one_error() {
        let out: Vec<_> = read("".as_bytes(), "e.csv".into()).collect();
        assert_eq!(out.len(), 1);
        assert!(out[0].article.as_ref().unwrap_err().contains("empty"));
    }
}
