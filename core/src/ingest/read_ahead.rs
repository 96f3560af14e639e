//! Reading records ahead on a thread and handing them over in windows, so that a command reading
//! a pipe answers what has arrived instead of waiting for a full window.
//!
//! Cluster engines (Spark's `RDD.pipe`, Hadoop Streaming) write records to slant's stdin and may
//! wait for each answer before sending more. A window therefore ends when it is full (by count or
//! by bytes of text) *or* when no record arrives for a short idle time; a file, read faster than
//! it is labeled, still fills every window. Order is kept: windows hold consecutive records.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a window waits for the next record before it is handed over as it is.
pub const DEFAULT_IDLE: Duration = Duration::from_millis(10);

/// When a window is handed over.
#[derive(Debug, Clone, Copy)]
pub struct WindowLimits {
    /// Records in a full window.
    pub items: usize,
    /// A window also ends once its records reach this many bytes.
    pub bytes: usize,
    /// ... or when no record arrives for this long after the window's last one.
    pub idle: Duration,
}

/// An iterator of windows (consecutive records, in input order) over records read on a thread.
/// The thread reads at most one window ahead.
pub struct ReadAhead<T> {
    receiver: Receiver<T>,
    reader: Option<JoinHandle<()>>,
    limits: WindowLimits,
    bytes_of: fn(&T) -> usize,
    done: bool,
}

impl<T: Send + 'static> ReadAhead<T> {
    /// Starts reading `records` on a thread; `bytes_of` weighs a record against `limits.bytes`.
    pub fn new(
        records: impl Iterator<Item = T> + Send + 'static,
        limits: WindowLimits,
        bytes_of: fn(&T) -> usize,
    ) -> ReadAhead<T> {
        let (sender, receiver) = mpsc::sync_channel(limits.items.max(1));
        // Like rayon's pool, a thread the OS refuses to start is a panic: no record is lost quietly.
        let reader = std::thread::spawn(move || {
            for record in records {
                // The consumer stopped early (`--strict`, closed pipe): stop reading.
                if sender.send(record).is_err() {
                    return;
                }
            }
        });
        ReadAhead {
            receiver,
            reader: Some(reader),
            limits,
            bytes_of,
            done: false,
        }
    }

    /// A window of the records that have already arrived, without waiting for more (at most
    /// `limits` of them); `None` when none has. A caller with work of its own (the labeling of
    /// the previous window) takes this instead of [`next`](Iterator::next), so neither a pause
    /// in a pipe nor a steady trickle of records holds back answers that are ready. The end of
    /// the input is left for `next` to report.
    pub fn next_ready(&mut self) -> Option<Vec<T>> {
        let first = self.receiver.try_recv().ok()?;
        let mut bytes = (self.bytes_of)(&first);
        let mut window = vec![first];
        while window.len() < self.limits.items && bytes < self.limits.bytes {
            let Ok(record) = self.receiver.try_recv() else {
                break;
            };
            bytes += (self.bytes_of)(&record);
            window.push(record);
        }
        Some(window)
    }

    /// The input ended: re-raises a panic of the reading thread rather than ending quietly, so a
    /// bug in a reader can never pass for the end of the input.
    fn finish(&mut self) {
        self.done = true;
        if let Some(handle) = self.reader.take() {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

impl<T: Send + 'static> Iterator for ReadAhead<T> {
    type Item = Vec<T>;

    fn next(&mut self) -> Option<Vec<T>> {
        if self.done {
            return None;
        }
        // The first record of a window is waited for as long as it takes.
        let Ok(first) = self.receiver.recv() else {
            self.finish();
            return None;
        };
        let mut bytes = (self.bytes_of)(&first);
        let mut window = vec![first];
        while window.len() < self.limits.items && bytes < self.limits.bytes {
            match self.receiver.recv_timeout(self.limits.idle) {
                Ok(record) => {
                    bytes += (self.bytes_of)(&record);
                    window.push(record);
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    self.finish();
                    break;
                }
            }
        }
        Some(window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(items: usize, bytes: usize) -> WindowLimits {
        WindowLimits {
            items,
            bytes,
            idle: Duration::from_secs(5),
        }
    }

    #[test]
    fn windows_keep_order_and_respect_count_and_bytes() {
        let windows: Vec<Vec<usize>> =
            ReadAhead::new(0..10usize, limits(4, usize::MAX), |_| 0).collect();
        assert_eq!(windows.concat(), (0..10).collect::<Vec<_>>());
        assert!(windows.iter().all(|w| !w.is_empty() && w.len() <= 4));
        let by_bytes: Vec<Vec<usize>> = ReadAhead::new(0..10usize, limits(100, 3), |_| 1).collect();
        assert_eq!(by_bytes.concat(), (0..10).collect::<Vec<_>>());
        assert!(by_bytes.iter().all(|w| w.len() <= 3), "{by_bytes:?}");
    }

    #[test]
    fn a_pause_in_the_input_ends_the_window() {
        let (tx, rx) = mpsc::channel::<u32>();
        let mut windows = ReadAhead::new(
            rx.into_iter(),
            WindowLimits {
                items: 1000,
                bytes: usize::MAX,
                idle: Duration::from_millis(20),
            },
            |_| 0,
        );
        tx.send(1).unwrap();
        // Nothing else is sent: the window must come back without the other 999 records.
        assert_eq!(windows.next(), Some(vec![1]));
        tx.send(2).unwrap();
        tx.send(3).unwrap();
        drop(tx);
        assert_eq!(windows.next(), Some(vec![2, 3]));
        assert_eq!(windows.next(), None);
    }

    #[test]
    fn next_ready_takes_what_has_arrived_and_never_waits() {
        let (tx, rx) = mpsc::channel::<u32>();
        let mut windows = ReadAhead::new(rx.into_iter(), limits(2, usize::MAX), |_| 0);
        assert_eq!(windows.next_ready(), None, "nothing sent yet");
        for i in 1..=3 {
            tx.send(i).unwrap();
        }
        // The reading thread forwards the records in its own time.
        let wait = std::time::Instant::now();
        let mut got = Vec::new();
        while got.len() < 3 {
            assert!(
                wait.elapsed() < Duration::from_secs(5),
                "records lost: {got:?}"
            );
            if let Some(window) = windows.next_ready() {
                assert!(window.len() <= 2, "{window:?}");
                got.extend(window);
            }
        }
        assert_eq!(got, [1, 2, 3]);
        // The idle time is 5 s: had it waited for a fourth record, this would take that long.
        let asked = std::time::Instant::now();
        assert_eq!(windows.next_ready(), None);
        assert!(asked.elapsed() < Duration::from_secs(1));
        drop(tx);
        assert_eq!(windows.next(), None, "the end is reported by next");
    }

    #[test]
    fn empty_input_has_no_window() {
        assert_eq!(
            ReadAhead::new(std::iter::empty::<u8>(), limits(4, 4), |_| 0).count(),
            0
        );
    }
}
