//! # slant
//!
//! Label news articles and their reader comments, and compare how outlets cover the same events.
//!
//! The library behind the `slant` binary, in pipeline order:
//! - [`ingest`] reads JSON Lines, CSV and saved news pages into [`article::Article`]s;
//! - [`plugin`] finds and loads stage plugins (the ABI lives in `slant-sdk`);
//! - [`pipeline`] runs configured stages over articles in parallel batches;
//! - [`labeled`] is the typed output record, read back by later commands;
//! - [`output`] writes one result or error record per input record;
//! - [`compare`] turns labeled outputs into per-group figures with intervals and tests, which
//!   [`report`] renders as a table, JSON, CSV or an HTML report with charts;
//! - offline: [`train`] fits linear models with linfa into model files, [`serve`] applies a
//!   model file to records (`slant predict`, `slant eval`), [`eval`] measures them.

pub mod article;
pub mod compare;
pub mod eval;
pub mod ingest;
pub mod labeled;
pub mod output;
pub mod pipeline;
pub mod plugin;
pub mod report;
pub mod serve;
pub mod train;
