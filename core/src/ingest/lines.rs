//! A line reader with a length limit: a line longer than the limit is reported with its length
//! and skipped without being held in memory, so a 100 MB single-line file cannot exhaust memory.
//!
//! [`LimitedLines::next_with`] lends each line to a function instead of returning it: a line
//! that lies whole in the reader's buffer (nearly all: the buffer holds many lines) is lent from
//! there, uncopied, and the others from one buffer the reader keeps, so reading a line costs no
//! allocation. The `Iterator` returns owned lines for callers that keep them.

use std::io::{self, BufRead};

/// One line as read.
#[derive(Debug)]
pub enum Line {
    /// The line's bytes, without the line terminator.
    Bytes(Vec<u8>),
    /// The line was longer than the limit; its length in bytes.
    TooLong(usize),
}

/// One line as lent by [`LimitedLines::next_with`].
#[derive(Debug, Clone, Copy)]
pub enum LineRef<'a> {
    /// The line's bytes, without the line terminator.
    Bytes(&'a [u8]),
    /// The line was longer than the limit; its length in bytes.
    TooLong(usize),
}

impl LineRef<'_> {
    fn to_owned_line(self) -> Line {
        match self {
            LineRef::Bytes(b) => Line::Bytes(b.to_vec()),
            LineRef::TooLong(n) => Line::TooLong(n),
        }
    }
}

/// The largest line buffer kept for the next line; a longer line's buffer is freed, so one
/// long record does not hold its memory for the rest of the file.
const KEPT_BUFFER_BYTES: usize = 1 << 20;

/// Iterates over `(1-based line number, line)`.
pub struct LimitedLines<R> {
    reader: R,
    limit: usize,
    line_no: u64,
    done: bool,
    /// A line that spans the end of the reader's buffer, gathered.
    gathered: Vec<u8>,
}

impl<R: BufRead> LimitedLines<R> {
    /// Lines of `reader`, each at most `limit` bytes.
    pub fn new(reader: R, limit: usize) -> Self {
        LimitedLines {
            reader,
            limit,
            line_no: 0,
            done: false,
            gathered: Vec::new(),
        }
    }

    /// Calls `f` with the next line's number and the line (or the read error), and returns what
    /// it returns; `None` at the end of the input.
    pub fn next_with<T>(&mut self, f: impl FnOnce(u64, io::Result<LineRef<'_>>) -> T) -> Option<T> {
        if self.done {
            return None;
        }
        let available = match fill(&mut self.reader) {
            Ok(available) => available,
            Err(e) => return Some(self.fail(f, e)),
        };
        if let Some(i) = memchr::memchr(b'\n', available) {
            // The whole line is in the reader's buffer: lend it from there.
            self.line_no += 1;
            let out = f(self.line_no, Ok(line_ref(i, self.limit, &available[..i])));
            self.reader.consume(i + 1);
            return Some(out);
        }
        match self.gather() {
            Err(e) => Some(self.fail(f, e)),
            Ok(None) => None,
            Ok(Some(len)) => {
                self.line_no += 1;
                Some(f(
                    self.line_no,
                    Ok(line_ref(len, self.limit, &self.gathered)),
                ))
            }
        }
    }

    /// Reads a line that does not lie whole in the reader's buffer into `gathered` (while it is
    /// within the limit; past it, only its length is counted); its length, or `None` at the end
    /// of the input.
    fn gather(&mut self) -> io::Result<Option<usize>> {
        if self.gathered.capacity() > KEPT_BUFFER_BYTES {
            self.gathered = Vec::new();
        }
        self.gathered.clear();
        let mut total = 0usize;
        loop {
            let available = fill(&mut self.reader)?;
            if available.is_empty() {
                self.done = true;
                return Ok((total > 0).then_some(total));
            }
            let newline = memchr::memchr(b'\n', available);
            let (chunk, consumed) = match newline {
                Some(i) => (&available[..i], i + 1),
                None => (available, available.len()),
            };
            total += chunk.len();
            if total > self.limit {
                self.gathered = Vec::new();
            } else {
                self.gathered.extend_from_slice(chunk);
            }
            self.reader.consume(consumed);
            if newline.is_some() {
                return Ok(Some(total));
            }
        }
    }

    /// Ends the reading with `error`, which `f` gets as the next line.
    fn fail<T>(
        &mut self,
        f: impl FnOnce(u64, io::Result<LineRef<'_>>) -> T,
        error: io::Error,
    ) -> T {
        self.done = true;
        self.line_no += 1;
        f(self.line_no, Err(error))
    }
}

/// The reader's buffered bytes, reading more when it has none; retried when interrupted.
fn fill<R: BufRead>(reader: &mut R) -> io::Result<&[u8]> {
    loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
            Ok(_) => break,
        }
    }
    // The bytes just buffered, handed out by a second call (which reads nothing while the
    // buffer holds them, and at the input's end again finds nothing); returned from the loop,
    // they would keep `reader` borrowed across its rounds.
    reader.fill_buf()
}

/// A line of `len` bytes (`bytes`, with its line terminator's `\n` left out): too long past
/// `limit`.
fn line_ref(len: usize, limit: usize, bytes: &[u8]) -> LineRef<'_> {
    if len > limit {
        LineRef::TooLong(len)
    } else {
        LineRef::Bytes(without_cr(bytes))
    }
}

/// `line` without a final carriage return (a CRLF file's lines).
fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

impl<R: BufRead> Iterator for LimitedLines<R> {
    type Item = (u64, io::Result<Line>);

    fn next(&mut self) -> Option<Self::Item> {
        self.next_with(|n, line| (n, line.map(LineRef::to_owned_line)))
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

    /// Lines lent from the reader's buffer and lines gathered across its end read the same,
    /// whatever the buffer's size: every line starts and ends at every offset of some size.
    #[test]
    fn lent_lines_are_the_same_at_every_buffer_size() {
        let data = b"ab\r\n0123456789\n\n\r\nxyz\r\n0123456\nlast\r".to_vec();
        let expected = [
            "1:ab",
            "2:too long 10",
            "3:",
            "4:",
            "5:xyz",
            "6:too long 7",
            "7:last",
        ];
        for capacity in 1..=data.len() + 1 {
            let reader = io::BufReader::with_capacity(capacity, &data[..]);
            let mut lines = LimitedLines::new(reader, 6);
            let mut got = Vec::new();
            while let Some(line) = lines.next_with(|n, l| match l.unwrap() {
                LineRef::Bytes(b) => format!("{n}:{}", String::from_utf8_lossy(b)),
                LineRef::TooLong(len) => format!("{n}:too long {len}"),
            }) {
                got.push(line);
            }
            assert_eq!(got, expected, "buffer of {capacity} bytes");
        }
    }
}
