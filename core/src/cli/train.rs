//! `slant train` (in progress).

use super::Global;

/// Flags of `slant train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {}

/// Runs `slant train`.
pub fn run(_args: TrainArgs, _global: &Global) -> anyhow::Result<i32> {
    anyhow::bail!("`slant train` is not available yet")
}
