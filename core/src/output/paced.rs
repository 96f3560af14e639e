//! An output file whose written bytes go to the disk as the run goes, not all at its end.
//!
//! An output file is made durable (`fsync`) before it is renamed over its target. The kernel
//! holds written pages in memory until that call, until they are 30 s old or until they fill a
//! tenth of free memory, so the call at the end had the output's whole tail to write while
//! every core waited (`strace -f -T -e trace=fsync`: 83–96 ms at the end of `slant label` over
//! the 60 MB corpus of `stage_cost.sh`, a run of 1.7 s on two cores; 0.54 s at the end of a
//! 595 MB output). [`PacedFile`] asks the kernel to start writing each [`KICK_BYTES`] as soon as
//! they are written (Linux's `sync_file_range` with `SYNC_FILE_RANGE_WRITE`, which starts the
//! write and returns), so the final `fsync` finds little left to do: 35–48 ms and 0.067 s on the
//! same runs. Elsewhere it is a plain file.

use std::fs::File;
use std::io::{self, Write};

/// Bytes written between two requests to start writing them out.
const KICK_BYTES: u64 = 8 << 20;

/// A file that starts writing out every [`KICK_BYTES`] written to it.
#[derive(Debug)]
pub struct PacedFile {
    file: File,
    since_kick: u64,
}

impl PacedFile {
    /// Wraps `file` (a handle of its own: the output's other handles may write too).
    pub fn new(file: File) -> PacedFile {
        PacedFile {
            file,
            since_kick: 0,
        }
    }

    fn count(&mut self, written: usize) {
        self.since_kick += written as u64;
        if self.since_kick >= KICK_BYTES {
            self.since_kick = 0;
            start_writeback(&self.file);
        }
    }
}

impl Write for PacedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.file.write(buf)?;
        self.count(written);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Starts writing out the file's written pages, without waiting for them. A failure here is
/// ignored: it only means the final `fsync` (whose error is reported) has more to do.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File) {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for as long as `file` lives; the call reads nothing from
    // this process's memory. Offset 0 and length 0 name the whole file.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn every_byte_written_is_in_the_file_across_kicks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let mut paced = PacedFile::new(File::create(&path).unwrap());
        // Chunks of an odd size, so that kicks fall inside chunks, three kicks in all.
        let chunk: Vec<u8> = (0..1_000_003u32).map(|i| (i % 251) as u8).collect();
        let chunks = (3 * KICK_BYTES as usize).div_ceil(chunk.len()) + 1;
        for _ in 0..chunks {
            paced.write_all(&chunk).unwrap();
        }
        paced.flush().unwrap();
        assert!(paced.since_kick < KICK_BYTES);
        let mut read = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut read).unwrap();
        assert_eq!(read.len(), chunks * chunk.len());
        assert!(read.chunks(chunk.len()).all(|c| c == chunk.as_slice()));
    }
}
