//! CSV reader: a header row, then one record per row. For articles the header uses the JSON
//! Lines field names (`id, outlet, title, author, date, url, body` or `text`, optionally
//! `comments` as a JSON array).

use std::io::Read;

use serde_json::{Map, Value};

use super::RawRecord;
use crate::article::{InputRecord, SourceRef};

/// Reads `reader` (named `name` in records) as CSV with a header row; each row becomes an
/// object of strings keyed by the header.
pub fn rows(reader: impl Read + Send, name: String) -> impl Iterator<Item = RawRecord> + Send {
    let mut csv = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = csv.headers().cloned();
    // The csv crate counts a CRLF line ending only when it reads the next record, so with CRLF
    // files every row position is one line short: after the header it still says line 1.
    let lag =
        u64::from(csv.position().line() == 1 && headers.as_ref().is_ok_and(|h| !h.is_empty()));
    let mut records = csv.into_byte_records();
    let mut state = match headers {
        Ok(h) if h.is_empty() => Err("file is empty".to_string()),
        Ok(h) => Ok(h),
        Err(e) => Err(format!("cannot read the header row: {e}")),
    };
    let mut any = false;
    std::iter::from_fn(move || {
        let headers = match &state {
            Ok(h) => h.clone(),
            Err(msg) => {
                let msg = msg.clone();
                state = Err(String::new());
                return (!msg.is_empty()).then(|| RawRecord::error(SourceRef::file(&name), msg));
            }
        };
        let at = |position: Option<&::csv::Position>| match position {
            Some(p) => SourceRef::line(&name, p.line() + lag),
            None => SourceRef::file(&name),
        };
        match records.next() {
            None => {
                state = Err(String::new());
                (!any).then(|| {
                    RawRecord::error(SourceRef::file(&name), "file has a header but no rows")
                })
            }
            Some(Err(e)) => {
                any = true;
                Some(RawRecord::error(
                    at(e.position()),
                    format!("malformed CSV: {e}"),
                ))
            }
            Some(Ok(row)) => {
                any = true;
                let source = at(row.position());
                let mut obj = Map::new();
                for (key, value) in headers.iter().zip(row.iter()) {
                    let Ok(value) = std::str::from_utf8(value) else {
                        return Some(RawRecord::error(
                            source,
                            format!("invalid UTF-8 in column `{key}`"),
                        ));
                    };
                    obj.insert(key.to_string(), Value::String(value.to_string()));
                }
                Some(RawRecord {
                    source,
                    fields: Ok(obj),
                })
            }
        }
    })
}

/// Reads `reader` (named `name` in records) as CSV articles.
pub fn read(reader: impl Read + Send, name: String) -> impl Iterator<Item = InputRecord> + Send {
    rows(reader, name).map(RawRecord::into_article)
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
    fn empty_file_is_one_error() {
        let out: Vec<_> = read("".as_bytes(), "e.csv".into()).collect();
        assert_eq!(out.len(), 1);
        assert!(out[0].article.as_ref().unwrap_err().contains("empty"));
    }
}
