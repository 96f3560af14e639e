//! Cutting CSV bytes into raw rows before their fields are parsed: a newline ends a row unless
//! it is inside a quoted field. Doing this step here, rather than inside the CSV parser, is what
//! lets the reader
//! - cap a row's size (an over-long row is measured and skipped, never held in memory);
//! - notice a quote that is opened and never closed, which would otherwise swallow every row
//!   after it into one field, and go on reading at the line after that quote;
//! - name the line each row starts on.

use std::io::{self, BufRead};

/// One piece of a CSV file, in file order.
#[derive(Debug)]
pub enum Piece {
    /// A row's bytes without its line terminator, starting on `line`.
    Row { line: u64, bytes: Vec<u8> },
    /// A row longer than the limit, starting on `line`: its length in bytes.
    TooLong { line: u64, len: usize },
    /// The row starting on `line` opens a quote on `quote_line` that the file never closes.
    /// `resumed` tells whether reading goes on at the line after the quote (it cannot when the
    /// swallowed part is over the size limit, as it was not kept).
    Unclosed {
        line: u64,
        quote_line: u64,
        resumed: bool,
    },
    /// Reading failed on `line`; nothing follows.
    ReadError { line: u64, error: io::Error },
}

/// Where the scanner is within a row, as far as quoting goes (RFC 4180, as the `csv` crate
/// reads it: a quote inside an unquoted field is an ordinary character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    /// Just read a quote inside a quoted field: it closes the field unless another follows.
    QuoteInQuoted,
}

impl Quoting {
    fn after(self, byte: u8) -> Quoting {
        use Quoting::*;
        match (self, byte) {
            (FieldStart, b'"') => Quoted,
            (FieldStart | Unquoted | QuoteInQuoted, b',') => FieldStart,
            (FieldStart | Unquoted | QuoteInQuoted, _) => Unquoted,
            (Quoted, b'"') => QuoteInQuoted,
            (Quoted, _) => Quoted,
        }
    }
}

/// Iterates over the [`Piece`]s of a CSV byte stream. Blank lines are skipped.
pub struct RawRows<R> {
    reader: R,
    /// Bytes already read that must be scanned again (the lines after an unclosed quote).
    replay: Vec<u8>,
    replay_at: usize,
    limit: usize,
    /// Line number of the next byte to scan.
    line: u64,
    done: bool,
}

/// What scanning one row found, before it becomes a [`Piece`].
struct Scan {
    start_line: u64,
    bytes: Vec<u8>,
    len: usize,
    overflow: bool,
    ended_by_newline: bool,
    quoting: Quoting,
    /// Line and row offset of the quote that opened the last quoted field.
    open_quote: Option<(u64, usize)>,
}

impl<R: BufRead> RawRows<R> {
    /// Rows of `reader`, each at most `limit` bytes.
    pub fn new(reader: R, limit: usize) -> Self {
        RawRows {
            reader,
            replay: Vec::new(),
            replay_at: 0,
            limit,
            line: 1,
            done: false,
        }
    }

    /// The next bytes to scan: what is left to replay, else the reader's buffer.
    fn fill(&mut self) -> io::Result<&[u8]> {
        if self.replay_at < self.replay.len() {
            return Ok(&self.replay[self.replay_at..]);
        }
        self.reader.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.replay_at < self.replay.len() {
            self.replay_at += n;
        } else {
            self.reader.consume(n);
        }
    }

    /// Scans one row: up to a newline outside quotes, or the end of the input.
    fn scan_row(&mut self) -> io::Result<Scan> {
        let limit = self.limit;
        let mut scan = Scan {
            start_line: self.line,
            bytes: Vec::new(),
            len: 0,
            overflow: false,
            ended_by_newline: false,
            quoting: Quoting::FieldStart,
            open_quote: None,
        };
        let mut line = self.line;
        loop {
            let chunk = match self.fill() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.line = line;
                    return Err(e);
                }
            };
            if chunk.is_empty() {
                break;
            }
            let mut taken = chunk.len();
            for (i, &b) in chunk.iter().enumerate() {
                if b == b'\n' {
                    line += 1;
                    if scan.quoting != Quoting::Quoted {
                        scan.ended_by_newline = true;
                        taken = i;
                        break;
                    }
                    continue;
                }
                let next = scan.quoting.after(b);
                if next == Quoting::Quoted && scan.quoting == Quoting::FieldStart {
                    scan.open_quote = Some((line, scan.len + i));
                }
                scan.quoting = next;
            }
            scan.len += taken;
            if !scan.overflow {
                if scan.len > limit {
                    scan.overflow = true;
                    scan.bytes = Vec::new();
                } else {
                    scan.bytes.extend_from_slice(&chunk[..taken]);
                }
            }
            let consumed = taken + usize::from(scan.ended_by_newline);
            self.consume(consumed);
            if scan.ended_by_newline {
                break;
            }
        }
        self.line = line;
        Ok(scan)
    }

    /// An unclosed quote: schedules the lines after the quote's line for another scan.
    fn unclosed(&mut self, scan: Scan) -> Piece {
        let (quote_line, quote_at) = scan.open_quote.unwrap_or((scan.start_line, 0));
        let after_quote_line = (!scan.overflow)
            .then(|| memchr_newline(&scan.bytes[quote_at.min(scan.bytes.len())..]))
            .flatten()
            .map(|p| quote_at + p + 1);
        let resumed = match after_quote_line {
            Some(at) if at < scan.bytes.len() => {
                self.replay = scan.bytes[at..].to_vec();
                self.replay_at = 0;
                self.line = quote_line + 1;
                self.done = false;
                true
            }
            _ => false,
        };
        Piece::Unclosed {
            line: scan.start_line,
            quote_line,
            resumed,
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

impl<R: BufRead> Iterator for RawRows<R> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        loop {
            if self.done {
                return None;
            }
            let start_line = self.line;
            let scan = match self.scan_row() {
                Ok(scan) => scan,
                Err(error) => {
                    self.done = true;
                    return Some(Piece::ReadError {
                        line: start_line,
                        error,
                    });
                }
            };
            if !scan.ended_by_newline {
                self.done = true;
                if scan.len == 0 {
                    return None;
                }
            }
            if scan.quoting == Quoting::Quoted {
                return Some(self.unclosed(scan));
            }
            if scan.overflow {
                return Some(Piece::TooLong {
                    line: scan.start_line,
                    len: scan.len,
                });
            }
            let mut bytes = scan.bytes;
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
            if !bytes.is_empty() {
                return Some(Piece::Row {
                    line: scan.start_line,
                    bytes,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(data: &str, limit: usize) -> Vec<String> {
        RawRows::new(data.as_bytes(), limit)
            .map(|p| match p {
                Piece::Row { line, bytes } => {
                    format!("{line}:{}", String::from_utf8(bytes).unwrap())
                }
                Piece::TooLong { line, len } => format!("{line}:too long {len}"),
                Piece::Unclosed {
                    line,
                    quote_line,
                    resumed,
                } => format!("{line}:unclosed quote on {quote_line}, resumed {resumed}"),
                Piece::ReadError { line, error } => format!("{line}:{error}"),
            })
            .collect()
    }

    #[test]
    fn newlines_inside_quotes_do_not_end_a_row() {
        let data = "a,b\r\n1,\"x\ny\"\n\n2,\"q\"\"\"\n3,z";
        assert_eq!(
            pieces(data, 100),
            ["1:a,b", "2:1,\"x\ny\"", "5:2,\"q\"\"\"", "6:3,z"]
        );
    }

    #[test]
    fn an_unclosed_quote_is_reported_and_reading_resumes_after_its_line() {
        let data = "h\n1,\"open\n2,ok\n\n4,fine\n";
        assert_eq!(
            pieces(data, 100),
            [
                "1:h",
                "2:unclosed quote on 2, resumed true",
                "3:2,ok",
                "5:4,fine"
            ]
        );
        // A second quote closes the first: that is one multi-line cell, not an error.
        let data = "h\n1,\"open\n2,\"closed\n3,fine\n";
        assert_eq!(
            pieces(data, 100),
            ["1:h", "2:1,\"open\n2,\"closed", "4:3,fine"]
        );
    }

    #[test]
    fn a_quote_closed_lines_later_keeps_the_row_whole() {
        let data = "1,\"a\nb\",\"c\n";
        assert_eq!(pieces(data, 100), ["1:unclosed quote on 2, resumed false"]);
    }

    #[test]
    fn overlong_rows_are_measured_not_kept() {
        let data = format!("short\n{}\nnext\n\"{}", "x".repeat(50), "y\n".repeat(30));
        assert_eq!(
            pieces(&data, 10),
            [
                "1:short",
                "2:too long 50",
                "3:next",
                "4:unclosed quote on 4, resumed false"
            ]
        );
    }
}
