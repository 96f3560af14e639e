//! `slant predict` (in progress).

use super::Global;

/// Flags of `slant predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {}

/// Runs `slant predict`.
pub fn run(_args: PredictArgs, _global: &Global) -> anyhow::Result<i32> {
    anyhow::bail!("`slant predict` is not available yet")
}
