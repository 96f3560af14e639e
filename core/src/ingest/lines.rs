//! A line reader with a length limit: a line longer than the limit is reported with its length
//! and skipped without being held in memory, so a 100 MB single-line file cannot exhaust memory.

use std::io::{self, BufRead};

/// One line as read.
#[derive(Debug)]
pub enum Line {
    /// The line's bytes, without the line terminator.
    Bytes(Vec<u8>),
    /// The line was longer than the limit; its length in bytes.
    TooLong(usize),
}

/// Iterates over `(1-based line number, line)`.
pub struct LimitedLines<R> {
    reader: R,
    limit: usize,
    line_no: u64,
    done: bool,
}

impl<R: BufRead> LimitedLines<R> {
    /// Lines of `reader`, each at most `limit` bytes.
    pub fn new(reader: R, limit: usize) -> Self {
        LimitedLines {
            reader,
            limit,
            line_no: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for LimitedLines<R> {
    type Item = (u64, io::Result<Line>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut buf = Vec::new();
        let mut total = 0usize;
        let mut overflow = false;
        let mut saw_newline = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    self.line_no += 1;
                    return Some((self.line_no, Err(e)));
                }
            };
            if available.is_empty() {
                break;
            }
            let (chunk, consumed, newline) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            total += chunk.len();
            if !overflow {
                if total > self.limit {
                    overflow = true;
                    buf = Vec::new();
                } else {
                    buf.extend_from_slice(chunk);
                }
            }
            self.reader.consume(consumed);
            if newline {
                saw_newline = true;
                break;
            }
        }
        if !saw_newline {
            self.done = true;
            if total == 0 {
                return None;
            }
        }
        self.line_no += 1;
        if overflow {
            return Some((self.line_no, Ok(Line::TooLong(total))));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Some((self.line_no, Ok(Line::Bytes(buf))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_reports_overlong_ones_without_keeping_them() {
        let data = b"ab\r\n0123456789\n\nlast".to_vec();
        let lines: Vec<_> = LimitedLines::new(&data[..], 5)
            .map(|(n, l)| match l.unwrap() {
                Line::Bytes(b) => format!("{n}:{}", String::from_utf8(b).unwrap()),
                Line::TooLong(len) => format!("{n}:too long {len}"),
            })
            .collect();
        assert_eq!(lines, ["1:ab", "2:too long 10", "3:", "4:last"]);
    }
}
