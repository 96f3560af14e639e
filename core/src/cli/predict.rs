//! `slant predict`: score raw records (JSON Lines, CSV, stdin) with a model file; one output
//! record per input record, in order — `{"id", "label", "scores"}` or an error record.
//!
//! A target-stance record may name its mention by byte offsets (`start`, `end`): the mention's
//! own text is then what the model looks for, as in `slant label`'s mentions (the `target`
//! field stays the name of whom the stance is about). The model reads the window around every
//! occurrence of those words in `text`, so one sentence per record scores exactly one mention.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use slant::article::SourceRef;
use slant::ingest::read_ahead::{self, ReadAhead, WindowLimits};
use slant::labeled::OutputRecord;
use slant::output::{Column, OutputFormat, RecordWriter};
use slant::pipeline::error_record;
use slant::serve::featurize::DocInput;
use slant::serve::prediction::Prediction;
use slant::serve::records::{self, Record};
use slant::serve::scorer::{Scored, Scorer};
use slant::train::progress::Progress;

use super::Global;

/// Flags of `slant predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// The model file.
    #[arg(long, short, value_name = "FILE")]
    pub model: PathBuf,
    /// Files to score (.jsonl or .csv, optionally .gz); `-` is stdin (JSON Lines). Fields by
    /// model kind: `text`; `text` + `target`; `headline` + `body` or `claim` + `text`.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output format: jsonl, csv or table (default: table on a terminal, JSON Lines
    /// otherwise); Parquet is refused, its schema being that of `slant label`'s records.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add the N n-grams that pushed each decision most (weight × value).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub explain: usize,
    /// Read the main text from this field instead of `text` (`body` for headline/body pairs).
    #[arg(long, value_name = "FIELD")]
    pub text_field: Option<String>,
}

/// Records scored per round: bounds memory on large inputs while keeping both cores busy.
const CHUNK: usize = 8192;

/// Runs `slant predict`.
pub fn run(args: PredictArgs, global: &Global) -> anyhow::Result<i32> {
    let scorer = Scorer::open(&args.model, global.plugin_dir.as_deref())?;
    let mut columns = vec![Column::new("id", "/id")];
    if scorer.model.header.heads.len() == 1 {
        columns.push(Column::new("label", "/label"));
        for label in scorer.model.output_labels() {
            let pointer = format!("/scores/{}", label.replace('~', "~0").replace('/', "~1"));
            columns.push(Column::new(&label, &pointer));
        }
    } else {
        // Several heads: each head's decision, then the probability of each of its classes.
        for h in &scorer.model.header.heads {
            let name = h.name.replace('~', "~0").replace('/', "~1");
            columns.push(Column::new(&h.name, &format!("/label/{name}")));
        }
        for label in scorer.model.output_labels() {
            let pointer = format!("/scores/{}", label.replace('~', "~0").replace('/', "~1"));
            columns.push(Column::new(&label, &pointer));
        }
    }
    columns.push(Column::new("error", "/error"));
    let mut writer = RecordWriter::open(args.output.as_deref(), args.format, columns)?;
    if writer.format() == OutputFormat::Parquet {
        // Its schema is that of labeled articles: scores would be left out, not written.
        anyhow::bail!(
            "slant predict writes JSON Lines, CSV or a table, not Parquet (Parquet output is for \
             `slant label`): name a .jsonl or .csv output, or pass --format jsonl"
        );
    }
    let progress = Progress::new(global.quiet);
    let bar = progress.bar(0, "scoring");
    let started = Instant::now();
    let (mut n, mut errors, mut bytes) = (0u64, 0u64, 0u64);
    for input in &args.inputs {
        let reader = match records::read(input) {
            Ok(r) => r,
            Err(message) => {
                errors += 1;
                n += 1;
                // `message` names the file already; keep the error-record shape of `label`.
                let source = SourceRef::file(input.display().to_string());
                writer.write(&serde_json::json!({"source": source, "error": message}))?;
                continue;
            }
        };
        // A chunk also ends when the input pauses, so `predict -` answers a pipe as lines come.
        let limits = WindowLimits {
            items: CHUNK,
            bytes: usize::MAX,
            idle: read_ahead::DEFAULT_IDLE,
        };
        for chunk in ReadAhead::new(reader, limits, |_: &Record| 0) {
            bar.inc_length(chunk.len() as u64);
            let tally = score_chunk(&scorer, &args, &mut writer, &bar, chunk)?;
            n += tally.records;
            errors += tally.errors;
            bytes += tally.text_bytes;
        }
    }
    bar.finish_and_clear();
    writer.finish()?;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    progress.note(&format!(
        "slant predict: {n} records ({errors} errors) in {secs:.2} s: {:.0} records/s, {:.1} MB/s of text",
        n as f64 / secs,
        bytes as f64 / 1e6 / secs
    ));
    Ok(0)
}

/// What one chunk added to the run's summary.
struct Tally {
    records: u64,
    errors: u64,
    text_bytes: u64,
}

/// Scores one chunk of records and writes one output record for each, in order.
fn score_chunk(
    scorer: &Scorer,
    args: &PredictArgs,
    writer: &mut RecordWriter,
    bar: &indicatif::ProgressBar,
    chunk: Vec<Record>,
) -> anyhow::Result<Tally> {
    // Parse fields first; records that cannot be scored become error records in place.
    let parsed: Vec<Result<(String, String), String>> = chunk
        .par_iter()
        .map(|r| {
            r.fields.as_ref().map_err(Clone::clone).and_then(|f| {
                let input = scorer.input_of(f, args.text_field.as_deref())?;
                mention_of(scorer, f, input)
            })
        })
        .collect();
    let docs: Vec<DocInput<'_>> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .map(|(text, pair)| DocInput { text, pair })
        .collect();
    let text_bytes = docs
        .iter()
        .map(|d| (d.text.len() + d.pair.len()) as u64)
        .sum();
    let scored = scorer.score(&docs, args.explain, bar)?;
    let ids: Vec<String> = chunk.iter().map(Record::id).collect();
    writer.write_batch(&answers(scorer, &chunk, &ids, &parsed, &scored))?;
    writer.flush()?;
    let failed = parsed.iter().filter(|p| p.is_err()).count() as u64;
    bar.inc(failed);
    Ok(Tally {
        records: chunk.len() as u64,
        errors: failed,
        text_bytes,
    })
}

/// What `slant predict` writes for one input record.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Answer<'a> {
    Scored(Prediction<'a>),
    Failed(OutputRecord),
}

/// One output record per record of `chunk`, in order and built on every core: its scores
/// (`scored` holds one per record that parsed) or the error that kept it from being scored.
fn answers<'a>(
    scorer: &'a Scorer,
    chunk: &'a [Record],
    ids: &'a [String],
    parsed: &[Result<(String, String), String>],
    scored: &'a [Scored],
) -> Vec<Answer<'a>> {
    let mut next = scored.iter();
    let outcomes: Vec<Result<&Scored, &String>> = parsed
        .iter()
        .map(|p| match p {
            Ok(_) => Ok(next.next().expect("one score per parsed record")),
            Err(message) => Err(message),
        })
        .collect();
    chunk
        .par_iter()
        .zip(ids)
        .zip(outcomes)
        .map(|((rec, id), outcome)| match outcome {
            Ok(scored) => Answer::Scored(scorer.prediction(id, scored)),
            Err(message) => Answer::Failed(error_record(&rec.source, Some(id), message)),
        })
        .collect()
}

/// With `start` and `end` on a record for a target model, the mention's own text replaces the
/// target as the text the model looks for; without them, the target's name is looked for.
///
/// # Errors
/// Only one of the two offsets, offsets that are not whole numbers, or a span that is empty,
/// out of the text or not on character boundaries.
fn mention_of(
    scorer: &Scorer,
    fields: &serde_json::Map<String, serde_json::Value>,
    (text, target): (String, String),
) -> Result<(String, String), String> {
    if scorer.model.header.input != slant_model::InputKind::Target {
        return Ok((text, target));
    }
    let offset = |key: &str| -> Result<Option<usize>, String> {
        match fields.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    format!("field `{key}` should be a byte offset (a whole number >= 0), got {v}")
                }),
        }
    };
    match (offset("start")?, offset("end")?) {
        (None, None) => Ok((text, target)),
        (Some(start), Some(end)) => {
            let mention = text
                .get(start..end)
                .filter(|m| !m.trim().is_empty())
                .ok_or_else(|| {
                    format!(
                        "`start` {start} / `end` {end}: not a non-empty span of the {}-byte text on character boundaries",
                        text.len()
                    )
                })?
                .to_string();
            Ok((text, mention))
        }
        _ => Err("a mention needs both `start` and `end` (byte offsets), or neither".into()),
    }
}
