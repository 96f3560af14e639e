//! `slant predict`: score raw records (JSON Lines, CSV, stdin) with a model file; one output
//! record per input record, in order — `{"id", "label", "scores"}` or an error record.
//!
//! A target-stance record may name its mention by byte offsets (`start`, `end`): the mention's
//! own text is then what the model looks for, as in `slant label`'s mentions (the `target`
//! field stays the name of whom the stance is about). The model reads the window around every
//! occurrence of those words in `text`, so one sentence per record scores exactly one mention.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Instant;

use rayon::prelude::*;

use slant::article::SourceRef;
use slant::ingest::fields::{FieldRef, Fields};
use slant::ingest::read_ahead::{self, ReadAhead, WindowLimits};
use slant::labeled::OutputRecord;
use slant::output::{Column, OutputFormat, RecordWriter};
use slant::pipeline::error_record;
use slant::serve::featurize::DocInput;
use slant::serve::prediction::Prediction;
use slant::serve::records::{self, RecordInPlace};
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

/// Records scored per round. One chunk is scored while the one before is written (and the
/// reader fills the next), so memory holds about three: 4,096 kept the peak below that of
/// 8,192 records scored and written in turn, at the same speed (50 MB of short texts, OLID
/// model, two cores).
const CHUNK: usize = 4096;

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
    // Chunks are written on a thread of their own while the next one is scored: writing a
    // chunk and freeing its records was serial work that left the scoring cores idle.
    let tally = std::thread::scope(|scope| {
        let (to_writer, scored) = mpsc::sync_channel::<Finished>(0);
        let writing = scope.spawn(|| write_chunks(&scorer, &mut writer, &bar, scored));
        let tally = score_inputs(&scorer, &args, &bar, &to_writer);
        drop(to_writer);
        let written = writing.join().expect("the writing thread does not panic");
        // A failed write stops the scoring (its send fails): report the write's error first.
        written.and(tally)
    })?;
    bar.finish_and_clear();
    writer.finish()?;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    progress.note(&format!(
        "slant predict: {} records ({} errors) in {secs:.2} s: {:.0} records/s, {:.1} MB/s of text",
        tally.records,
        tally.errors,
        tally.records as f64 / secs,
        tally.text_bytes as f64 / 1e6 / secs
    ));
    Ok(0)
}

/// What the scoring side hands to the writing thread, in input order.
enum Finished {
    /// A chunk of records and, for each one that parsed, its scores.
    Chunk(ScoredChunk),
    /// An input that could not be opened: one error record.
    Unreadable(serde_json::Value),
}

/// A record's inputs for the model (main text, and target or paired text), borrowed from the
/// record where they are strings, or why it has none.
type Parsed<'a> = Result<(Cow<'a, str>, Cow<'a, str>), String>;

/// One chunk's records, why each that could not be scored was not, and the scores of the
/// others.
struct ScoredChunk {
    records: Vec<RecordInPlace>,
    /// Per record: `Ok` when it was scored, else why not.
    outcomes: Vec<Result<(), String>>,
    scored: Vec<Scored>,
    /// The scored texts' bytes (main and pair texts), for the run's summary.
    text_bytes: u64,
}

/// Reads every input in chunks and scores each, handing it to the writer; stops early when the
/// writer has stopped (its error is the one reported).
fn score_inputs(
    scorer: &Scorer,
    args: &PredictArgs,
    bar: &indicatif::ProgressBar,
    to_writer: &mpsc::SyncSender<Finished>,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    for input in &args.inputs {
        let reader = match records::read_in_place(input) {
            Ok(r) => r,
            Err(message) => {
                tally.records += 1;
                tally.errors += 1;
                // `message` names the file already; keep the error-record shape of `label`.
                let source = SourceRef::file(input.display().to_string());
                let record = serde_json::json!({"source": source, "error": message});
                if to_writer.send(Finished::Unreadable(record)).is_err() {
                    return Ok(tally);
                }
                continue;
            }
        };
        // A chunk also ends when the input pauses, so `predict -` answers a pipe as lines come.
        let limits = WindowLimits {
            items: CHUNK,
            bytes: usize::MAX,
            idle: read_ahead::DEFAULT_IDLE,
        };
        for chunk in ReadAhead::new(reader, limits, |_: &RecordInPlace| 0) {
            bar.inc_length(chunk.len() as u64);
            let scored = score_chunk(scorer, args, chunk)?;
            tally.add(&scored);
            if to_writer.send(Finished::Chunk(scored)).is_err() {
                return Ok(tally);
            }
        }
    }
    Ok(tally)
}

/// The writing thread: one output record per input record, in order, then flushed per chunk
/// (so `predict -` answers a pipe chunk by chunk). Chunks are freed here too.
fn write_chunks(
    scorer: &Scorer,
    writer: &mut RecordWriter,
    bar: &indicatif::ProgressBar,
    finished: mpsc::Receiver<Finished>,
) -> anyhow::Result<()> {
    for done in finished {
        match done {
            Finished::Unreadable(record) => writer.write(&record)?,
            Finished::Chunk(chunk) => {
                writer.write_batch(&answers(scorer, &chunk))?;
                writer.flush()?;
                bar.inc(chunk.records.len() as u64);
            }
        }
    }
    Ok(())
}

/// What the chunks added up to, for the run's summary.
#[derive(Default)]
struct Tally {
    records: u64,
    errors: u64,
    text_bytes: u64,
}

impl Tally {
    fn add(&mut self, chunk: &ScoredChunk) {
        self.records += chunk.records.len() as u64;
        self.errors += chunk.outcomes.iter().filter(|o| o.is_err()).count() as u64;
        self.text_bytes += chunk.text_bytes;
    }
}

/// Parses and scores one chunk of records; records that cannot be scored keep their error.
fn score_chunk(
    scorer: &Scorer,
    args: &PredictArgs,
    records: Vec<RecordInPlace>,
) -> anyhow::Result<ScoredChunk> {
    let parsed: Vec<Parsed<'_>> = records
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
    // The bar counts records as they are written.
    let scored = scorer.score(&docs, args.explain, &indicatif::ProgressBar::hidden())?;
    let outcomes = parsed.into_iter().map(|p| p.map(drop)).collect();
    Ok(ScoredChunk {
        records,
        outcomes,
        scored,
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

/// One output record per record of `chunk`, in order and built on every core: its scores (one
/// per record that parsed) or the error that kept it from being scored.
fn answers<'a>(scorer: &'a Scorer, chunk: &'a ScoredChunk) -> Vec<Answer<'a>> {
    let mut next = chunk.scored.iter();
    let outcomes: Vec<Result<&Scored, &String>> = chunk
        .outcomes
        .iter()
        .map(|p| match p {
            Ok(_) => Ok(next.next().expect("one score per parsed record")),
            Err(message) => Err(message),
        })
        .collect();
    chunk
        .records
        .par_iter()
        .zip(outcomes)
        .map(|(rec, outcome)| match outcome {
            Ok(scored) => Answer::Scored(scorer.prediction(rec.id(), scored)),
            Err(message) => Answer::Failed(error_record(&rec.source, Some(&rec.id()), message)),
        })
        .collect()
}

/// With `start` and `end` on a record for a target model, the mention's own text replaces the
/// target as the text the model looks for; without them, the target's name is looked for.
///
/// # Errors
/// Only one of the two offsets, offsets that are not whole numbers, or a span that is empty,
/// out of the text or not on character boundaries.
fn mention_of<'a>(
    scorer: &Scorer,
    fields: &impl Fields,
    (text, target): (Cow<'a, str>, Cow<'a, str>),
) -> Parsed<'a> {
    if scorer.model.header.input != slant_model::InputKind::Target {
        return Ok((text, target));
    }
    let offset = |key: &str| -> Result<Option<usize>, String> {
        let value = match fields.field(key) {
            None | Some(FieldRef::Other(serde_json::Value::Null)) => return Ok(None),
            Some(FieldRef::Other(v)) => Cow::Borrowed(v),
            Some(FieldRef::Str(s)) => Cow::Owned(serde_json::Value::from(s)),
        };
        value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                format!("field `{key}` should be a byte offset (a whole number >= 0), got {value}")
            })
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
            Ok((text, Cow::Owned(mention)))
        }
        _ => Err("a mention needs both `start` and `end` (byte offsets), or neither".into()),
    }
}
