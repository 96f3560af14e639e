//! `slant predict`: score raw records (JSON Lines, CSV, stdin) with a model file; one output
//! record per input record, in order — `{"id", "label", "scores"}` or an error record.
//!
//! A target-stance record may name its mention by byte offsets (`start`, `end`): the mention's
//! own text is then what the model looks for, as in `slant label`'s mentions (the `target`
//! field stays the name of whom the stance is about). The model reads the window around every
//! occurrence of those words in `text`, so one sentence per record scores exactly one mention.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use slant::article::SourceRef;
use slant::ingest::fields::{FieldRef, Fields};
use slant::ingest::read_ahead::{self, ReadAhead, WindowLimits};
use slant::labeled::OutputRecord;
use slant::output::{serialize_run, Column, OutputFormat, RecordWriter, SerializedRun};
use slant::pipeline::error_record;
use slant::serve::featurize::{DocInput, BATCH};
use slant::serve::prediction::Prediction;
use slant::serve::records::{self, BatchInPlace, RecordInPlace};
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

/// Records taken at a time from the thread that reads a pipe ahead, then scored in batches of
/// [`BATCH`]: taking them a batch at a time woke the reading thread for every few records (25
/// times as many context switches on one core).
const CHUNK: usize = 4096;

/// Batches of [`BATCH`] records being scored or waiting to be written, per scoring thread:
/// enough that a core finding no batch to score is rare (each batch is parsed, scored and
/// serialized on its own, with no round for all cores to finish together), few enough to bound
/// memory (8 batches of 512 records on two cores, where three rounds of 4,096 were held before).
const IN_FLIGHT_PER_THREAD: usize = 4;

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
    let format = writer.format();
    // Batches are scored on the rayon pool and written here in input order; the writer hands
    // back a slot for each batch written, so at most `in_flight` are held at once.
    let in_flight = IN_FLIGHT_PER_THREAD * rayon::current_num_threads().max(1);
    let tally = std::thread::scope(|scope| {
        let (done, finished) = mpsc::channel::<(usize, Finished)>();
        let (free, slots) = mpsc::sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            free.send(()).expect("the channel has room for every slot");
        }
        let scoring = scope.spawn(|| score_inputs(&scorer, &args, format, &bar, done, slots));
        let written = write_in_order(&mut writer, &bar, finished, free);
        scoring.join().expect("the scoring thread does not panic");
        written
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

/// What the scoring side hands to the writer, numbered in input order.
enum Finished {
    /// A batch of records, scored and serialized (or the error that stopped the run, or a
    /// panic to raise again on the writer's side).
    Batch(std::thread::Result<anyhow::Result<ScoredBatch>>),
    /// An input that could not be opened: one error record.
    Unreadable(serde_json::Value),
}

/// A record's inputs for the model (main text, and target or paired text), borrowed from the
/// record where they are strings, or why it has none.
type Parsed<'a> = Result<(Cow<'a, str>, Cow<'a, str>), String>;

/// One batch's output records, serialized, and what they add up to.
struct ScoredBatch {
    run: SerializedRun,
    tally: Tally,
}

/// Reads every input in chunks and spawns the scoring of each batch on the rayon pool, taking
/// a slot for each; stops early once the writer has stopped (it gives no more slots).
fn score_inputs(
    scorer: &Scorer,
    args: &PredictArgs,
    format: OutputFormat,
    bar: &indicatif::ProgressBar,
    done: mpsc::Sender<(usize, Finished)>,
    slots: mpsc::Receiver<()>,
) {
    let mut next = 0;
    rayon::in_place_scope(|pool| {
        for input in &args.inputs {
            let batches = match batches_of(input) {
                Ok(batches) => batches,
                Err(message) => {
                    // `message` names the file already; keep the error-record shape of `label`.
                    let source = SourceRef::file(input.display().to_string());
                    let record = serde_json::json!({"source": source, "error": message});
                    if slots.recv().is_err()
                        || done.send((next, Finished::Unreadable(record))).is_err()
                    {
                        return;
                    }
                    next += 1;
                    continue;
                }
            };
            for batch in batches {
                if slots.recv().is_err() {
                    return;
                }
                bar.inc_length(batch.len() as u64);
                let (i, done) = (next, done.clone());
                pool.spawn(move |_| {
                    let scored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        score_batch(scorer, args, format, batch.into_records())
                    }));
                    // A send fails only once the writer has stopped: nothing waits for it.
                    let _ = done.send((i, Finished::Batch(scored)));
                });
                next += 1;
            }
        }
    });
}

/// The records of `input` in batches of [`BATCH`], in order. A regular file is read here,
/// batch by batch: it cannot pause, and handing its records one by one to this thread from a
/// reading thread of their own took a channel operation and a copy per record (5–9 % of a
/// run, on one core and on two: `benches/PROFILE.md`). A JSON Lines file's lines are parsed by
/// the task that scores them, not here: this one thread, parsing them, took 12 % of a fast
/// model's two-core samples (`benches/PROFILE.md`, "Two cores over a longer run"). Stdin or a
/// pipe is read ahead on a thread, in chunks that also end when the input pauses, so
/// `predict -` answers a pipe as lines come.
///
/// # Errors
/// The input cannot be opened, or is of a type `predict` does not read.
fn batches_of(input: &Path) -> Result<Box<dyn Iterator<Item = BatchInPlace>>, String> {
    if is_regular_file(input) {
        let batches = records::read_batches_in_place(input, BATCH)?;
        return Ok(Box::new(batches));
    }
    let limits = WindowLimits {
        items: CHUNK,
        bytes: usize::MAX,
        idle: read_ahead::DEFAULT_IDLE,
    };
    let chunks = ReadAhead::new(
        records::read_in_place(input)?,
        limits,
        |_: &RecordInPlace| 0,
    );
    Ok(Box::new(chunks.flat_map(|chunk| {
        records::in_batches(chunk.into_iter(), BATCH).map(BatchInPlace::Read)
    })))
}

/// Whether `path` is a regular file (not stdin, a pipe or a device).
fn is_regular_file(path: &Path) -> bool {
    path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Writes what the scoring side finished, in input order, handing back a slot for each batch
/// written; flushed per batch (so `predict -` answers a pipe batch by batch).
///
/// # Errors
/// A batch could not be scored (a tokenize plugin's error), or writing failed.
fn write_in_order(
    writer: &mut RecordWriter,
    bar: &indicatif::ProgressBar,
    finished: mpsc::Receiver<(usize, Finished)>,
    free: mpsc::SyncSender<()>,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let mut waiting = BTreeMap::new();
    let mut next = 0;
    for (i, done) in finished {
        waiting.insert(i, done);
        while let Some(done) = waiting.remove(&next) {
            next += 1;
            match done {
                Finished::Unreadable(record) => {
                    writer.write(&record)?;
                    tally.records += 1;
                    tally.errors += 1;
                }
                Finished::Batch(scored) => {
                    let batch = scored.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                    writer.write_run(batch.run)?;
                    writer.flush()?;
                    bar.inc(batch.tally.records);
                    tally.add(&batch.tally);
                }
            }
            // The scoring side may have stopped taking slots already (all inputs read).
            let _ = free.send(());
        }
    }
    Ok(tally)
}

/// What the batches added up to, for the run's summary.
#[derive(Default)]
struct Tally {
    records: u64,
    errors: u64,
    text_bytes: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.records += other.records;
        self.errors += other.errors;
        self.text_bytes += other.text_bytes;
    }
}

/// Parses, scores and serializes one batch of records, in order: each record's scores, or the
/// error that kept it from being scored.
///
/// # Errors
/// The tokenize plugin failed, or an output record cannot be serialized.
fn score_batch(
    scorer: &Scorer,
    args: &PredictArgs,
    format: OutputFormat,
    records: Vec<RecordInPlace>,
) -> anyhow::Result<ScoredBatch> {
    let parsed: Vec<Parsed<'_>> = records
        .iter()
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
    let tally = Tally {
        records: records.len() as u64,
        errors: (records.len() - docs.len()) as u64,
        text_bytes: docs
            .iter()
            .map(|d| (d.text.len() + d.pair.len()) as u64)
            .sum(),
    };
    // The bar counts records as they are written.
    let scored = scorer.score(&docs, args.explain, &indicatif::ProgressBar::hidden())?;
    let run = serialize_run(format, &answers(scorer, &records, &parsed, &scored))?;
    Ok(ScoredBatch { run, tally })
}

/// What `slant predict` writes for one input record.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Answer<'a> {
    Scored(Prediction<'a>),
    Failed(OutputRecord),
}

/// One output record per record, in order: its scores (one per record that parsed) or the
/// error that kept it from being scored.
fn answers<'a>(
    scorer: &'a Scorer,
    records: &'a [RecordInPlace],
    parsed: &'a [Parsed<'_>],
    scored: &'a [Scored],
) -> Vec<Answer<'a>> {
    let mut next = scored.iter();
    records
        .iter()
        .zip(parsed)
        .map(|(rec, parsed)| match parsed {
            Ok(_) => Answer::Scored(
                scorer.prediction(rec.id(), next.next().expect("one score per parsed record")),
            ),
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
