//! `slant eval`: measure a model on labeled records — accuracy, macro-F1, per-class
//! precision/recall/F1, confusion matrix, ROC-AUC, ECE — as a table or `--json`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;
use slant::eval::evaluate;
use slant::serve::decide::decide;
use slant::serve::featurize::DocInput;
use slant::serve::records::{self, label_field};
use slant::serve::scorer::Scorer;
use slant::train::progress::Progress;

use super::Global;

/// Flags of `slant eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The model file.
    #[arg(long, short, value_name = "FILE")]
    pub model: PathBuf,
    /// Labeled files (.jsonl or .csv, optionally .gz).
    #[arg(required = true, value_name = "DATA")]
    pub data: Vec<PathBuf>,
    /// The field holding the true label.
    #[arg(long, value_name = "FIELD")]
    pub label_field: String,
    /// Map data labels onto the model's classes, e.g. `1=yes,0=no`.
    #[arg(long, value_name = "A=X,...", value_parser = super::train::parse_label_map)]
    pub label_map: Option<BTreeMap<String, String>>,
    /// Which head to score (default: the only or first head).
    #[arg(long, value_name = "NAME")]
    pub head: Option<String>,
    /// Read the main text from this field instead of `text`.
    #[arg(long, value_name = "FIELD")]
    pub text_field: Option<String>,
    /// Print the metrics as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Runs `slant eval`.
pub fn run(args: EvalArgs, global: &Global) -> anyhow::Result<i32> {
    let scorer = Scorer::open(&args.model, global.plugin_dir.as_deref())?;
    let heads = &scorer.model.header.heads;
    let h = match &args.head {
        None => 0,
        Some(name) => heads
            .iter()
            .position(|x| &x.name == name)
            .with_context(|| {
                let names: Vec<_> = heads.iter().map(|x| x.name.as_str()).collect();
                format!(
                    "the model has no head `{name}` (heads: {})",
                    names.join(", ")
                )
            })?,
    };
    let spec = &heads[h];
    let k = spec.classes.len();
    let range = scorer.model.header.head_range(h);

    let mut texts: Vec<(String, String)> = Vec::new();
    let mut truth: Vec<usize> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for path in &args.data {
        let reader = records::read(path).map_err(anyhow::Error::msg)?;
        for rec in reader {
            let row = rec.fields.as_ref().map_err(Clone::clone).and_then(|f| {
                let label = label_field(f, &args.label_field)?;
                let label = match &args.label_map {
                    Some(m) => m.get(&label).cloned().unwrap_or(label),
                    None => label,
                };
                let class = spec
                    .classes
                    .iter()
                    .position(|c| *c == label)
                    .ok_or_else(|| {
                        format!(
                            "label {label:?} is not one of the model's classes {:?}",
                            spec.classes
                        )
                    })?;
                let (text, pair) = scorer.input_of(f, args.text_field.as_deref())?;
                Ok(((text.into_owned(), pair.into_owned()), class))
            });
            match row {
                Ok((t, c)) => {
                    texts.push(t);
                    truth.push(c);
                }
                Err(message) => skipped.push(format!("{}: {message}", rec.source)),
            }
        }
    }
    anyhow::ensure!(
        !texts.is_empty(),
        "no usable records ({} skipped{})",
        skipped.len(),
        skipped
            .first()
            .map_or(String::new(), |s| format!("; first: {s}"))
    );
    let progress = Progress::new(global.quiet);
    let docs: Vec<DocInput<'_>> = texts
        .iter()
        .map(|(text, pair)| DocInput { text, pair })
        .collect();
    let bar = progress.bar(docs.len() as u64, "scoring");
    let scored = scorer.score(&docs, 0, &bar)?;
    bar.finish_and_clear();
    let probs: Vec<f32> = scored
        .iter()
        .flat_map(|s| s.probs[range.clone()].to_vec())
        .collect();
    let predicted = decide(&probs, k, spec.positive_index(), spec.threshold);
    let report = evaluate(
        &spec.classes,
        &truth,
        &probs,
        &predicted,
        spec.positive_index(),
    );

    if args.json {
        let out = json!({
            "model": args.model.display().to_string(),
            "head": spec.name,
            "data": args.data.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "skipped": skipped.len(),
            "report": report,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{} on {} (head `{}`, {} rows, {} skipped)\n",
            args.model.display(),
            args.data
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            spec.name,
            report.rows,
            skipped.len()
        );
        print!("{}", report.to_markdown());
    }
    for s in skipped.iter().take(5) {
        progress.note(&format!("skipped {s}"));
    }
    if skipped.len() > 5 {
        progress.note(&format!("… and {} more skipped records", skipped.len() - 5));
    }
    Ok(0)
}
