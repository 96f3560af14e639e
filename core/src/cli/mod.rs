//! Flag parsing (clap) and dispatch to one module per subcommand. Each module turns its flags
//! into library calls; no pipeline logic lives here.

mod compare;
mod eval;
mod label;
mod plugins;
mod predict;
mod train;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Label news articles and reader comments, and compare how outlets cover the same events.
#[derive(Debug, Parser)]
#[command(name = "slant", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// Look for stage plugins in this folder first (then $SLANT_PLUGIN_DIR, the executable's folder, its deps/).
    #[arg(long, global = true, value_name = "DIR")]
    pub plugin_dir: Option<PathBuf>,
    /// No progress bars or summaries on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Threads that label, score and train (default: $RAYON_NUM_THREADS when set, else one per
    /// core). Reading and writing run on threads of their own beside them.
    #[arg(long, short = 'j', global = true, value_name = "N")]
    pub threads: Option<std::num::NonZeroUsize>,
}

impl Global {
    /// Sizes the thread pool every subcommand's parallel work runs on, before any of it starts.
    ///
    /// # Errors
    /// The pool cannot be started (the system refused the threads).
    fn start_threads(&self) -> anyhow::Result<()> {
        let Some(n) = self.threads else {
            return Ok(());
        };
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.get())
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {n} threads: {e}"))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the configured pipeline over articles and write one record per input record.
    Label(label::LabelArgs),
    /// List the stage plugins found, with a line of error for each file that is not usable.
    Plugins(plugins::PluginsArgs),
    /// Train a model from a recipe or ad hoc from data files.
    Train(train::TrainArgs),
    /// Score raw records (comments, sentences) with a model file.
    Predict(predict::PredictArgs),
    /// Measure a model on labeled data.
    Eval(eval::EvalArgs),
    /// Compare outlets (or authors, months, any field) in `slant label` outputs, with intervals and tests.
    Compare(compare::CompareArgs),
}

/// Parses the command line and runs it; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are not errors; any other parse failure is a usage error (1),
            // keeping 2 for "a record failed under --strict".
            let _ = e.print();
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    if let Err(e) = cli.global.start_threads() {
        eprintln!("slant: error: {e:#}");
        return 1;
    }
    let result = match cli.command {
        Command::Label(args) => label::run(args, &cli.global),
        Command::Plugins(args) => plugins::run(args, &cli.global),
        Command::Train(args) => train::run(args, &cli.global),
        Command::Predict(args) => predict::run(args, &cli.global),
        Command::Eval(args) => eval::run(args, &cli.global),
        Command::Compare(args) => compare::run(args, &cli.global),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("slant: error: {e:#}");
            1
        }
    }
}
