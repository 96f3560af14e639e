//! `slant plugins`: lists the stage plugins found in the plugin folders.

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
        show_configured(path, global)?;
    }
    Ok(0)
}

/// Prints the stages a config builds, in run order: plugin, what each reads, its labels, its
/// signed score, its filter and model.
fn show_configured(path: &std::path::Path, global: &Global) -> anyhow::Result<()> {
    let args = super::label::PipelineArgs {
        config: Some(path.to_path_buf()),
        models: Vec::new(),
        settings: Vec::new(),
        action: None,
        threshold: None,
        target_text: None,
        targets: Vec::new(),
        targets_files: Vec::new(),
        claims: Vec::new(),
    };
    let pipeline = args.build(global)?;
    println!("\nstages of {}:", path.display());
    let tokenizer = &pipeline.tokenizer;
    println!(
        "  {:<12} tokenize  {}  {}",
        pipeline.tokenizer_name,
        tokenizer.plugin().path().display(),
        tokenizer.describe_str("fingerprint").unwrap_or("-")
    );
    for stage in &pipeline.classifiers {
        let reads: Vec<String> = stage
            .reads
            .iter()
            .map(|u| format!("{u:?}").to_lowercase())
            .collect();
        let mut line = format!(
            "  {:<12} classify  {}  reads {}  labels {}",
            stage.name,
            stage.instance.plugin().path().display(),
            reads.join(","),
            stage.outputs.labels.join(",")
        );
        if let Some(score) = &stage.outputs.score {
            line += &format!("  score {}", score.name);
        }
        if let Some(filter) = &stage.filter {
            let on: Vec<String> = filter
                .labels
                .iter()
                .zip(&filter.thresholds)
                .filter_map(|(l, t)| t.map(|t| format!("{l}>={t}")))
                .collect();
            line += &format!("  filter {:?} {}", filter.action, on.join(",")).to_lowercase();
        }
        if let Some(model) = &stage.model {
            line += &format!("  model {}", model.display());
        }
        println!("{line}");
    }
    Ok(())
}
