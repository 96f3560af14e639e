//! CSV reader: a header row with the JSON Lines field names (`id, outlet, title, author, date,
//! url, body` or `text`, optionally `comments` as a JSON array); one record per row.

use std::io::Read;

use super::{error_record, record};
use crate::article::{InputRecord, SourceRef};

/// Reads `reader` (named `name` in records) as CSV with a header row.
pub fn read(reader: impl Read + Send, name: String) -> impl Iterator<Item = InputRecord> + Send {
    let mut csv = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = csv.headers().cloned();
    let mut rows = csv.into_byte_records();
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
                return (!msg.is_empty()).then(|| error_record(SourceRef::file(&name), msg));
            }
        };
        match rows.next() {
            None => {
                state = Err(String::new());
                (!any).then(|| {
                    error_record(
                        SourceRef::file(&name),
                        "file has a header but no rows".into(),
                    )
                })
            }
            Some(Err(e)) => {
                any = true;
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Some(error_record(
                    SourceRef::line(&name, line),
                    format!("malformed CSV: {e}"),
                ))
            }
            Some(Ok(row)) => {
                any = true;
                let line = row.position().map(|p| p.line()).unwrap_or(0);
                let source = SourceRef::line(&name, line);
                let mut obj = serde_json::Map::new();
                for (key, value) in headers.iter().zip(row.iter()) {
                    let Ok(value) = std::str::from_utf8(value) else {
                        return Some(error_record(
                            source,
                            format!("invalid UTF-8 in column `{key}`"),
                        ));
                    };
                    obj.insert(
                        key.to_string(),
                        serde_json::Value::String(value.to_string()),
                    );
                }
                let fallback = source.to_string();
                Some(InputRecord {
                    article: record::article_from_object(obj, &fallback),
                    source,
                    warnings: Vec::new(),
                })
            }
        }
    })
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
    fn empty_file_is_one_error() {
        let out: Vec<_> = read("".as_bytes(), "e.csv".into()).collect();
        assert_eq!(out.len(), 1);
        assert!(out[0].article.as_ref().unwrap_err().contains("empty"));
    }
}
