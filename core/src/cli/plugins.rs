//! `slant plugins` (in progress).

use super::Global;

/// Flags of `slant plugins`.
#[derive(Debug, clap::Args)]
pub struct PluginsArgs {}

/// Runs `slant plugins`.
pub fn run(_args: PluginsArgs, _global: &Global) -> anyhow::Result<i32> {
    anyhow::bail!("`slant plugins` is not available yet")
}
