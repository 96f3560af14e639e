//! Serving a trained model file outside the pipeline, for `slant predict` and `slant eval`, and
//! the pieces training shares with it so both see documents the same way:
//! [`records`] (labeled or raw JSONL/CSV records as JSON objects), [`featurize`] (texts →
//! documents through the tokenize plugin, in parallel batches), [`decide`] (probabilities →
//! class decisions), [`scorer`] (load a model and its tokenizer, score records) and
//! [`prediction`] (the output record of one scored input).
//!
//! Serving has its own error type, [`ServeError`]: a model that cannot be served is not a
//! training failure.

pub mod decide;
pub mod featurize;
pub mod prediction;
pub mod records;
pub mod scorer;

/// Everything that can stop loading or applying a model file.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The model file is unreadable, truncated or malformed.
    #[error(transparent)]
    Model(#[from] slant_model::ModelError),
    /// The tokenize plugin is missing or failed.
    #[error(transparent)]
    Plugin(#[from] crate::plugin::PluginError),
    /// The tokenize plugin found is not the one the model was trained behind.
    #[error("{model}: trained behind tokenizer `{expected}`, but {plugin} is `{found}`")]
    TokenizerMismatch {
        model: String,
        expected: String,
        plugin: String,
        found: String,
    },
}
