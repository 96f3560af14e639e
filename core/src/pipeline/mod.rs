//! Running articles through the configured stages.
//!
//! [`Pipeline::build`] loads the plugins a [`PipelineConfig`] names, creates their stages and
//! checks that they fit together (one tokenize stage first; classifiers whose models were trained
//! behind that tokenizer). [`Pipeline::run`] reads records in windows, labels the batches of a
//! window on all cores, and hands results over in input order: exactly one output record per
//! input record.
//!
//! The core never names a stage: each classifier stage reads the units its config (or plugin)
//! says, in config order, and stores its result under its own name in the typed
//! [`crate::labeled::LabeledArticle`]. A stage that drops comments removes them from every later
//! stage.

mod batch;
pub mod claims;
pub mod config;
pub mod explain;
pub mod filter;
pub mod language;
pub mod mentions;
mod result;
pub mod stage;
pub mod targets;
pub mod units;

use std::sync::atomic::{AtomicBool, Ordering};

use crate::article::{Article, InputRecord};
use crate::ingest::read_ahead::{self, ReadAhead, WindowLimits};
use crate::labeled::OutputRecord;
use crate::plugin::{PluginDirs, PluginError, StageInstance};
pub use config::{ConfigError, FilterAction, PipelineConfig, StageConfig, StageOverride};
pub use filter::{Filter, REDACTED};
pub use language::{LanguageCheck, OtherLanguage};
pub use result::{error_record, LabelOptions};
pub use stage::{ClassifierStage, Outputs};
pub use units::Unit;

/// Text held in memory by the windows being labeled by [`Pipeline::run`], at most (plus one
/// record per window): two windows of half this each.
const WINDOW_BYTES: usize = 256 << 20;

/// Bytes of text an article brings into memory (body and comments).
fn article_bytes(article: &Article) -> usize {
    article.body.len() + article.comments.iter().map(|c| c.text.len()).sum::<usize>()
}

/// Why a pipeline could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

/// Built stages, ready to label.
pub struct Pipeline {
    pub batch_size: usize,
    /// The tokenize stage's name and instance.
    pub tokenizer_name: String,
    pub tokenizer: StageInstance,
    /// Classifier stages in run order.
    pub classifiers: Vec<ClassifierStage>,
    /// Whether each text is in the models' language.
    pub language: LanguageCheck,
}

impl Pipeline {
    /// Validates `config`, loads every stage and checks they fit together.
    ///
    /// # Errors
    /// A setting out of range, a plugin that cannot be found or loaded, refuses its settings or
    /// does not fit (kind, task, labels, tokenizer fingerprint): the message names the config
    /// file and the stage, and says what differs.
    pub fn build(config: &PipelineConfig, dirs: &PluginDirs) -> Result<Pipeline, PipelineError> {
        config.validate()?;
        let mut stages = config.stages.iter();
        let (tokenizer_name, tokenize_config) = stages
            .next()
            .ok_or_else(|| config.stage_error("tokenize", "the pipeline has no stages".into()))?;
        let tokenizer = build_tokenizer(config, tokenizer_name, tokenize_config, dirs)?;
        let fingerprint = tokenizer
            .describe_str("fingerprint")
            .unwrap_or_default()
            .to_string();
        let mut classifiers = Vec::new();
        for (name, stage) in stages {
            let spec = config.plugin_spec(name, stage);
            let plugin = dirs.find(&spec).map_err(|e| {
                let hint = match (&e, &stage.plugin) {
                    (PluginError::NotFound { .. }, None) => {
                        " (a stage's plugin defaults to its name; set `plugin = \"...\"`)"
                    }
                    _ => "",
                };
                config.stage_error(name, format!("{e}{hint}"))
            })?;
            let built = ClassifierStage::build(name, config, stage, &plugin, &fingerprint)
                .map_err(|message| config.stage_error(name, message))?;
            classifiers.push(built);
        }
        let language = LanguageCheck::new(
            &PipelineConfig::stage_language(tokenize_config),
            config.pipeline.other_language,
        );
        Ok(Pipeline {
            language,
            batch_size: config.pipeline.batch_size,
            tokenizer_name: tokenizer_name.clone(),
            tokenizer,
            classifiers,
        })
    }

    /// Prepares every classifier stage to explain its decisions (`--explain`).
    ///
    /// # Errors
    /// A stage without a readable slant model file, naming the stage.
    pub fn enable_explain(&mut self) -> Result<(), String> {
        for stage in &mut self.classifiers {
            stage
                .enable_explain()
                .map_err(|e| format!("stage `{}`: {e}", stage.name))?;
        }
        Ok(())
    }

    /// Labels a stream of records, calling `emit` with one output record per input record, in
    /// input order. `emit` returns `false` to stop early (e.g. `--strict` after an error).
    ///
    /// # Errors
    /// Whatever `emit` returns.
    pub fn run<E>(
        &self,
        records: impl Iterator<Item = InputRecord> + Send + 'static,
        options: &LabelOptions,
        emit: impl FnMut(OutputRecord) -> Result<bool, E>,
    ) -> Result<(), E> {
        self.run_windows(records, options, emit, || Ok(()))
    }

    // --- Streaming: windows that end when the input pauses (the cluster contract) ---

    /// As [`Pipeline::run`], calling `window_done` after the outputs of each window (to flush a
    /// pipe). Records are read ahead on a thread; a window ends when full, at half of
    /// [`WINDOW_BYTES`] of text, or when no record arrives for [`read_ahead::DEFAULT_IDLE`], so
    /// a trickle of lines on stdin is answered as it comes: a window whose successor has not
    /// arrived yet is emitted before slant waits for more input.
    ///
    /// # Errors
    /// Whatever `emit` or `window_done` returns.
    pub fn run_windows<E>(
        &self,
        records: impl Iterator<Item = InputRecord> + Send + 'static,
        options: &LabelOptions,
        mut emit: impl FnMut(OutputRecord) -> Result<bool, E>,
        mut window_done: impl FnMut() -> Result<(), E>,
    ) -> Result<(), E> {
        // A window holds a batch per core, and the next window's batches are queued while the
        // last ones of the window before are labeled: all cores stay busy and order is kept.
        // Two windows are labeled at once, each with half the bytes one window had before.
        let limits = WindowLimits {
            items: self.batch_size * rayon::current_num_threads().max(1),
            bytes: WINDOW_BYTES / 2,
            idle: read_ahead::DEFAULT_IDLE,
        };
        let record_bytes: fn(&InputRecord) -> usize =
            |r| r.article.as_ref().map_or(0, article_bytes);
        let mut windows = ReadAhead::new(records, limits, record_bytes);
        // Set once nothing more will be emitted: batches not yet started are skipped.
        let stop = AtomicBool::new(false);
        let mut finish_window = |labeled: Labeling| {
            let went_on = emit_in_order(labeled, &mut emit).and_then(|go_on| {
                if go_on {
                    window_done().map(|()| true)
                } else {
                    Ok(false)
                }
            });
            if !matches!(went_on, Ok(true)) {
                stop.store(true, Ordering::Relaxed);
            }
            went_on
        };
        rayon::in_place_scope(|scope| {
            // The window whose batches are being labeled and not yet emitted.
            let mut labeling: Option<Labeling> = None;
            loop {
                // While a window is labeled, the next is made only of records already here:
                // waiting for more (a pause, or a trickle) would hold back answers that are ready.
                let window = match labeling {
                    Some(_) => windows.next_ready(),
                    None => windows.next(),
                };
                let Some(window) = window else {
                    // Nothing new has come: emit what is labeled, then wait (or end).
                    let Some(labeled) = labeling.take() else {
                        return Ok(());
                    };
                    if !finish_window(labeled)? {
                        return Ok(());
                    }
                    continue;
                };
                let next = self.spawn_window(scope, window, options, &stop);
                if let Some(labeled) = labeling.replace(next) {
                    if !finish_window(labeled)? {
                        return Ok(());
                    }
                }
            }
        })
    }

    /// Starts labeling one window's batches on the thread pool; their outputs arrive, numbered
    /// by batch, on the returned channel. Batches spawned from outside the pool start in spawn
    /// order (FIFO queue), so earlier windows are labeled first. A batch that panics sends its
    /// panic, which [`emit_in_order`] raises on the emitting thread when it arrives.
    fn spawn_window<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        window: Vec<InputRecord>,
        options: &'s LabelOptions,
        stop: &'s AtomicBool,
    ) -> Labeling {
        let mut window = window.into_iter().peekable();
        let (done, finished) = std::sync::mpsc::channel();
        let mut i = 0;
        while window.peek().is_some() {
            let batch: Vec<InputRecord> = window.by_ref().take(self.batch_size.max(1)).collect();
            let done = done.clone();
            scope.spawn(move |_| {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let labeled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.label_batch(batch, options)
                }));
                let _ = done.send((i, labeled));
            });
            i += 1;
        }
        finished
    }

    // --- end of streaming ---

    /// Labels one batch; one output per input, in order. If a stage fails on the batch, each
    /// article is retried alone so one bad document cannot take its neighbours down.
    pub fn label_batch(
        &self,
        batch: Vec<InputRecord>,
        options: &LabelOptions,
    ) -> Vec<OutputRecord> {
        let work = self.work_of_batch(&batch, options);
        batch
            .into_iter()
            .zip(work)
            .map(|(record, work)| match work {
                Some(Ok(work)) => result::labeled_article(record, work, options),
                Some(Err(message)) => {
                    let id = record.article.as_ref().ok().map(|a| a.id.as_str());
                    error_record(&record.source, id, &message)
                }
                None => {
                    let message = record.article.as_ref().err().cloned().unwrap_or_default();
                    error_record(&record.source, record.id.as_deref(), &message)
                }
            })
            .collect()
    }

    /// What the stages found in each record of `batch` that holds an article (`None` for the
    /// others), or why they could not label it.
    fn work_of_batch(
        &self,
        batch: &[InputRecord],
        options: &LabelOptions,
    ) -> Vec<Option<Result<batch::ArticleWork, String>>> {
        let articles: Vec<(usize, &Article)> = batch
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.article.as_ref().ok().map(|a| (i, a)))
            .collect();
        let mut out: Vec<Option<Result<batch::ArticleWork, String>>> =
            std::iter::repeat_with(|| None).take(batch.len()).collect();
        let all: Vec<&Article> = articles.iter().map(|(_, a)| *a).collect();
        match self.label_articles(&all, options) {
            Ok(work) => {
                for ((i, _), w) in articles.iter().zip(work) {
                    out[*i] = Some(Ok(w));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for (i, article) in &articles {
                    out[*i] = Some(if articles.len() > 1 {
                        self.label_articles(&[article], options)
                            .map(|mut one| one.remove(0))
                            .map_err(|e| e.to_string())
                    } else {
                        Err(message.clone())
                    });
                }
            }
        }
        out
    }

    /// Runs every stage over `articles`: what they found in each, in order.
    fn label_articles(
        &self,
        articles: &[&Article],
        options: &LabelOptions,
    ) -> Result<Vec<batch::ArticleWork>, PluginError> {
        let texts = self.batch_texts(articles)?;
        let mut work = batch::initial_work(articles, &self.language);
        for stage in &self.classifiers {
            stage.apply(&texts, &mut work, options)?;
        }
        if self.language.policy == OtherLanguage::Skip {
            work.iter_mut()
                .for_each(batch::ArticleWork::drop_article_results);
        }
        for (i, w) in work.iter_mut().enumerate() {
            w.tokens = batch::BodyTokens::of(&texts.body_tokens, i, options.tokens);
        }
        Ok(work)
    }
}

/// The outputs of one window's batches (or a batch's panic), numbered by batch, as the pool
/// finishes them.
type Labeling = std::sync::mpsc::Receiver<(usize, std::thread::Result<Vec<OutputRecord>>)>;

/// Emits the outputs of numbered batches in batch order as they arrive; `false` when `emit`
/// asked to stop (batches still being labeled then finish and are dropped). A batch's panic
/// is raised here as soon as it arrives: a bug is never a quiet gap in the output.
fn emit_in_order<E>(
    finished: Labeling,
    emit: &mut impl FnMut(OutputRecord) -> Result<bool, E>,
) -> Result<bool, E> {
    let mut waiting = std::collections::BTreeMap::new();
    let mut next = 0;
    for (i, labeled) in finished {
        let outputs = labeled.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        waiting.insert(i, outputs);
        while let Some(outputs) = waiting.remove(&next) {
            next += 1;
            for record in outputs {
                if !emit(record)? {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

/// Creates the first stage, which must be the one tokenize stage.
fn build_tokenizer(
    config: &PipelineConfig,
    name: &str,
    stage: &StageConfig,
    dirs: &PluginDirs,
) -> Result<StageInstance, PipelineError> {
    let plugin = dirs
        .find(&config.plugin_spec(name, stage))
        .map_err(|e| config.stage_error(name, e.to_string()))?;
    if plugin.kind() != slant_sdk::kind::TOKENIZE {
        return Err(config
            .stage_error(
                name,
                format!(
                    "plugin {} is a {} stage; the first stage must tokenize",
                    plugin.path().display(),
                    plugin.kind_name()
                ),
            )
            .into());
    }
    if stage.filter.is_set() || stage.reads.is_some() {
        return Err(config
            .stage_error(name, "a tokenize stage has no `reads` or filter".into())
            .into());
    }
    StageInstance::create(&plugin, &config.plugin_settings(stage))
        .map_err(|e| config.stage_error(name, e.to_string()).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::SourceRef;

    fn outputs(batch: usize, n: usize) -> Vec<OutputRecord> {
        (0..n)
            .map(|i| {
                let source = SourceRef {
                    file: "t.jsonl".into(),
                    line: None,
                    record: None,
                };
                error_record(&source, Some(&format!("{batch}-{i}")), "x")
            })
            .collect()
    }

    fn id(record: &OutputRecord) -> String {
        let OutputRecord::Error(e) = record else {
            panic!("an error record was built")
        };
        e.id.clone().unwrap_or_default()
    }

    #[test]
    fn batches_arriving_out_of_order_are_emitted_in_order_and_a_stop_is_honoured() {
        let (done, finished) = std::sync::mpsc::channel();
        for batch in [2, 0, 3, 1] {
            done.send((batch, Ok(outputs(batch, 2)))).unwrap();
        }
        drop(done);
        let mut seen = Vec::new();
        let kept_going = emit_in_order(finished, &mut |r: OutputRecord| {
            seen.push(id(&r));
            Ok::<bool, ()>(seen.len() < 5)
        });
        assert_eq!(kept_going, Ok(false));
        assert_eq!(seen, ["0-0", "0-1", "1-0", "1-1", "2-0"]);
    }

    #[test]
    fn a_batch_that_panicked_is_raised_not_skipped() {
        let (done, finished) = std::sync::mpsc::channel();
        done.send((0, Ok(outputs(0, 1)))).unwrap();
        done.send((1, std::panic::catch_unwind(|| panic!("batch 1 broke"))))
            .unwrap();
        done.send((2, Ok(outputs(2, 1)))).unwrap();
        drop(done);
        let raised = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            emit_in_order(finished, &mut |_: OutputRecord| Ok::<bool, ()>(true))
        }));
        let panic = raised.expect_err("the panic reaches the emitting thread");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"batch 1 broke"));
    }
}
