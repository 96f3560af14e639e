//! `slant label` (in progress).

use super::Global;

/// Flags of `slant label`.
#[derive(Debug, clap::Args)]
pub struct LabelArgs {}

/// Runs `slant label`.
pub fn run(_args: LabelArgs, _global: &Global) -> anyhow::Result<i32> {
    anyhow::bail!("`slant label` is not available yet")
}
