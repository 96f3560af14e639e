//! `slant eval`: measure a model on labeled records — accuracy, macro-F1, per-class
//! precision/recall/F1, confusion matrix, ROC-AUC, ECE — as a table or `--json`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;
use slant::eval::{evaluate, Report};
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

/// Runs `slant eval`: reads the labeled records, scores them with the chosen head, prints the
/// report and notes the records it skipped.
pub fn run(args: EvalArgs, global: &Global) -> anyhow::Result<i32> {
    let scorer = Scorer::open(&args.model, global.plugin_dir.as_deref())?;
    let h = head_index(&scorer, args.head.as_deref())?;
    let spec = &scorer.model.header.heads[h];
    let labeled = read_labeled(&scorer, &args, &spec.classes)?;
    let progress = Progress::new(global.quiet);
    let probs = score_head(&scorer, h, &labeled.texts, &progress)?;
    let predicted = decide(
        &probs,
        spec.classes.len(),
        spec.positive_index(),
        spec.threshold,
    );
    let report = evaluate(
        &spec.classes,
        &labeled.truth,
        &probs,
        &predicted,
        spec.positive_index(),
    );
    print_report(&args, &spec.name, &report, labeled.skipped.len())?;
    note_skipped(&progress, &labeled.skipped);
    Ok(0)
}

/// The index of the head named `name` (default: the first).
///
/// # Errors
/// The model has no head of that name (the error lists the heads it has).
fn head_index(scorer: &Scorer, name: Option<&str>) -> anyhow::Result<usize> {
    let heads = &scorer.model.header.heads;
    let Some(name) = name else {
        return Ok(0);
    };
    heads.iter().position(|x| x.name == name).with_context(|| {
        let names: Vec<_> = heads.iter().map(|x| x.name.as_str()).collect();
        format!(
            "the model has no head `{name}` (heads: {})",
            names.join(", ")
        )
    })
}

/// The records of `args.data` the model can be measured on, and why the others were skipped.
struct Labeled {
    /// Each record's main text and paired text (target, claim or headline).
    texts: Vec<(String, String)>,
    /// Each record's true class, as an index into the head's classes.
    truth: Vec<usize>,
    /// `<source>: <why>` for each record left out.
    skipped: Vec<String>,
}

/// Reads every data file; a record whose label (after `--label-map`) is not one of `classes`,
/// or that lacks the model's input fields, is skipped and named.
///
/// # Errors
/// A file cannot be opened, or no record is usable.
fn read_labeled(scorer: &Scorer, args: &EvalArgs, classes: &[String]) -> anyhow::Result<Labeled> {
    let mut labeled = Labeled {
        texts: Vec::new(),
        truth: Vec::new(),
        skipped: Vec::new(),
    };
    for path in &args.data {
        for rec in records::read(path).map_err(anyhow::Error::msg)? {
            let row = rec
                .fields
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|f| labeled_row(scorer, args, classes, f));
            match row {
                Ok((texts, class)) => {
                    labeled.texts.push(texts);
                    labeled.truth.push(class);
                }
                Err(message) => labeled.skipped.push(format!("{}: {message}", rec.source)),
            }
        }
    }
    anyhow::ensure!(
        !labeled.texts.is_empty(),
        "no usable records ({} skipped{})",
        labeled.skipped.len(),
        labeled
            .skipped
            .first()
            .map_or(String::new(), |s| format!("; first: {s}"))
    );
    Ok(labeled)
}

/// One record's texts and true class.
///
/// # Errors
/// No label field, a label that is not one of `classes`, or no input fields the model reads.
fn labeled_row(
    scorer: &Scorer,
    args: &EvalArgs,
    classes: &[String],
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Result<((String, String), usize), String> {
    let label = label_field(fields, &args.label_field)?;
    let label = match &args.label_map {
        Some(m) => m.get(&label).cloned().unwrap_or(label),
        None => label,
    };
    let class = classes
        .iter()
        .position(|c| *c == label)
        .ok_or_else(|| format!("label {label:?} is not one of the model's classes {classes:?}"))?;
    let (text, pair) = scorer.input_of(fields, args.text_field.as_deref())?;
    Ok(((text.into_owned(), pair.into_owned()), class))
}

/// Every record's probabilities for head `h`'s classes, one row after another.
///
/// # Errors
/// The tokenize plugin failed.
fn score_head(
    scorer: &Scorer,
    h: usize,
    texts: &[(String, String)],
    progress: &Progress,
) -> anyhow::Result<Vec<f32>> {
    let docs: Vec<DocInput<'_>> = texts
        .iter()
        .map(|(text, pair)| DocInput { text, pair })
        .collect();
    let bar = progress.bar(docs.len() as u64, "scoring");
    let scored = scorer.score(&docs, 0, &bar)?;
    bar.finish_and_clear();
    let range = scorer.model.header.head_range(h);
    Ok(scored
        .iter()
        .flat_map(|s| s.probs[range.clone()].to_vec())
        .collect())
}

/// Prints the report: as JSON with `--json`, else a title line and Markdown tables.
///
/// # Errors
/// The report cannot be serialized.
fn print_report(
    args: &EvalArgs,
    head: &str,
    report: &Report,
    skipped: usize,
) -> anyhow::Result<()> {
    if args.json {
        let out = json!({
            "model": args.model.display().to_string(),
            "head": head,
            "data": args.data.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "skipped": skipped,
            "report": report,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let data: Vec<String> = args.data.iter().map(|p| p.display().to_string()).collect();
    println!(
        "{} on {} (head `{head}`, {} rows, {skipped} skipped)\n",
        args.model.display(),
        data.join(", "),
        report.rows,
    );
    print!("{}", report.to_markdown());
    Ok(())
}

/// Notes the first five skipped records, and how many more there were.
fn note_skipped(progress: &Progress, skipped: &[String]) {
    for s in skipped.iter().take(5) {
        progress.note(&format!("skipped {s}"));
    }
    if skipped.len() > 5 {
        progress.note(&format!("… and {} more skipped records", skipped.len() - 5));
    }
}
