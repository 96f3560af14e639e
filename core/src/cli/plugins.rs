//! `slant plugins`: lists the stage plugins found in the plugin folders.

use slant::pipeline::{BuildOptions, Pipeline, PipelineConfig};
use slant::plugin::PluginDirs;

use super::Global;

/// Flags of `slant plugins` (the folder comes from the global `--plugin-dir`).
#[derive(Debug, clap::Args)]
pub struct PluginsArgs {
    /// Also build this pipeline config and show each configured stage's labels and model
    /// (a classifier's labels come from its model file).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

/// Prints one line per plugin file: name, kind, ABI version, labels, path — or its error.
pub fn run(args: PluginsArgs, global: &Global) -> anyhow::Result<i32> {
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
    if let Some(path) = &args.config {
        show_configured(path, dirs)?;
    }
    Ok(0)
}

/// Prints the stages a config builds: plugin, labels, model.
fn show_configured(path: &std::path::Path, dirs: PluginDirs) -> anyhow::Result<()> {
    let config = PipelineConfig::load(path)?;
    let options = BuildOptions {
        plugin_dirs: Some(dirs),
        ..BuildOptions::default()
    };
    let pipeline = Pipeline::build(&config, &options)?;
    println!("\nstages of {}:", path.display());
    let tokenizer = &pipeline.tokenizer;
    println!(
        "  tokenize  {}  {}",
        tokenizer.plugin().path().display(),
        tokenizer.describe_str("fingerprint").unwrap_or("-")
    );
    if let Some(tox) = &pipeline.toxicity {
        println!(
            "  toxicity  {}  labels {}  model {}",
            tox.instance.plugin().path().display(),
            tox.instance.labels().join(","),
            tox.model.display()
        );
    }
    Ok(())
}
