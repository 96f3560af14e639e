//! Progress bars for training and scoring (indicatif), hidden with `--quiet` or when stderr is
//! not a terminal, and one-line notes on stderr (kept with `--quiet` off only).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether and where to show progress.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    bars: bool,
    notes: bool,
}

impl Progress {
    /// Bars when not quiet and stderr is a terminal; notes when not quiet.
    pub fn new(quiet: bool) -> Progress {
        Progress {
            bars: !quiet && std::io::stderr().is_terminal(),
            notes: !quiet,
        }
    }

    /// Nothing at all (tests, library use).
    pub fn silent() -> Progress {
        Progress {
            bars: false,
            notes: false,
        }
    }

    /// A bar of `len` steps labeled `what`.
    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        if !self.bars {
            return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        }
        let bar = ProgressBar::new(len);
        let style = ProgressStyle::with_template(
            "{msg:>24} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        bar
    }

    /// A line on stderr.
    pub fn note(&self, line: &str) {
        if self.notes {
            eprintln!("{line}");
        }
    }
}
