//! Reading `slant label` JSON Lines outputs (files, gzip or `-` for stdin) into
//! [`LabeledRecord`]s, one per line, with the file and line of any bad line in its error.

use std::path::{Path, PathBuf};

use crate::ingest::lines::{LimitedLines, Line};

use super::input::{read_record, Extraction, LabeledRecord};
use super::CompareError;

/// Longest line accepted: a labeled article with all its comments fits easily.
const LINE_LIMIT: usize = 256 << 20;

/// The records of one labeled output, in order. Blank lines are skipped.
pub fn read_labeled<'a>(
    path: &'a Path,
    how: &'a Extraction,
) -> Result<impl Iterator<Item = Result<LabeledRecord, CompareError>> + 'a, CompareError> {
    let reader = crate::ingest::open(path).map_err(|e| CompareError::Read {
        path: shown(path),
        cause: e.to_string(),
    })?;
    let lines = LimitedLines::new(reader, LINE_LIMIT);
    Ok(lines.filter_map(move |(line_no, line)| {
        let at = |problem: String| CompareError::Record {
            path: shown(path),
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

fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// The records of several outputs, one after the other.
pub fn read_all<'a>(
    paths: &'a [PathBuf],
    how: &'a Extraction,
) -> impl Iterator<Item = Result<LabeledRecord, CompareError>> + 'a {
    paths.iter().flat_map(move |path| {
        let records: Box<dyn Iterator<Item = _>> = match read_labeled(path, how) {
            Ok(records) => Box::new(records),
            Err(e) => Box::new(std::iter::once(Err(e))),
        };
        records
    })
}
