//! `slant eval` (in progress).

use super::Global;

/// Flags of `slant eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {}

/// Runs `slant eval`.
pub fn run(_args: EvalArgs, _global: &Global) -> anyhow::Result<i32> {
    anyhow::bail!("`slant eval` is not available yet")
}
