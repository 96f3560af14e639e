//! `slant plugins`: lists the stage plugins found in the plugin folders.

use slant::plugin::PluginDirs;

use super::Global;

/// Flags of `slant plugins` (the folder comes from the global `--plugin-dir`).
#[derive(Debug, clap::Args)]
pub struct PluginsArgs {}

/// Prints one line per plugin file: name, kind, ABI version, labels, path — or its error.
pub fn run(_args: PluginsArgs, global: &Global) -> anyhow::Result<i32> {
    let dirs = PluginDirs::resolve(global.plugin_dir.as_deref());
    let found = dirs.scan();
    if found.is_empty() {
        let searched: Vec<_> = dirs
            .dirs()
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        println!("no plugins found in: {}", searched.join(", "));
        return Ok(1);
    }
    println!(
        "{:<12} {:<9} {:<4} {:<28} path",
        "name", "kind", "abi", "labels"
    );
    for (path, loaded) in found {
        match loaded {
            Ok(p) => {
                let labels = if p.labels().is_empty() {
                    "-".to_string()
                } else {
                    p.labels().join(",")
                };
                println!(
                    "{:<12} {:<9} {:<4} {:<28} {}",
                    p.name(),
                    p.kind_name(),
                    p.abi_version(),
                    labels,
                    path.display()
                );
            }
            Err(e) => println!("error: {e}"),
        }
    }
    Ok(0)
}
