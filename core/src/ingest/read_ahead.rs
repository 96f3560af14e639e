//! Reading records ahead on a thread and handing them over in windows, so that a command reading
//! a pipe answers what has arrived instead of waiting for a full window.
//!
//! Cluster engines (Spark's `RDD.pipe`, Hadoop Streaming) write records to slant's stdin and may
//! wait for each answer before sending more. A window therefore ends when it is full (by count or
//! by bytes of text) *or* when no record arrives for a short idle time; a file, read faster than
//! it is labeled, still fills every window. Order is kept: windows hold consecutive records.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
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
    /// A record taken off the channel by [`has_ready`](Self::has_ready): the next window's first.
    pending: Option<T>,
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
            pending: None,
        }
    }

    /// Whether [`next`](Iterator::next) can start a window without waiting for the input: the
    /// next record has arrived, or the input has ended. A caller with work of its own (the
    /// labeling of the previous window) does that first when this is `false`, so a pause in a
    /// pipe never holds back answers for records that have already come.
    pub fn has_ready(&mut self) -> bool {
        if self.done || self.pending.is_some() {
            return true;
        }
        match self.receiver.try_recv() {
            Ok(record) => {
                self.pending = Some(record);
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => true,
        }
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
        let Some(first) = self.pending.take().or_else(|| self.receiver.recv().ok()) else {
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

    /// Waits (at most 5 s) until `has_ready`: the reading thread forwards records in its time.
    fn wait_ready<T: Send + 'static>(windows: &mut ReadAhead<T>) {
        let wait = std::time::Instant::now();
        while !windows.has_ready() {
            assert!(wait.elapsed() < Duration::from_secs(5), "no record arrived");
            std::thread::yield_now();
        }
    }

    #[test]
    fn has_ready_says_whether_next_would_wait_and_loses_nothing() {
        let (tx, rx) = mpsc::channel::<u32>();
        let mut windows = ReadAhead::new(rx.into_iter(), limits(2, usize::MAX), |_| 0);
        assert!(!windows.has_ready(), "nothing sent yet");
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        tx.send(3).unwrap();
        wait_ready(&mut windows);
        assert!(windows.has_ready(), "asking twice keeps the record");
        assert_eq!(windows.next(), Some(vec![1, 2]));
        drop(tx);
        wait_ready(&mut windows);
        assert_eq!(windows.next(), Some(vec![3]));
        assert!(windows.has_ready(), "the end of the input is ready too");
        assert_eq!(windows.next(), None);
    }

    #[test]
    fn empty_input_has_no_window() {
        assert_eq!(
            ReadAhead::new(std::iter::empty::<u8>(), limits(4, 4), |_| 0).count(),
            0
        );
    }
}
