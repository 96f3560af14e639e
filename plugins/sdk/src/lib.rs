//! # slant-sdk
//!
//! The contract between the slant host and its stage plugins, and nothing else: `#[repr(C)]`
//! types ([`abi`]), the traits a stage implements and the `extern "C"` shims that wrap them in
//! `catch_unwind` ([`export`]). A plugin outside the workspace depends on this crate alone.
//!
//! A tokenize plugin:
//! ```ignore
//! struct Words;
//! impl slant_sdk::Stage for Words { /* create, describe */ }
//! impl slant_sdk::TokenizeStage for Words { /* tokenize */ }
//! slant_sdk::export_tokenize_stage!(Words, "words", []);
//! ```

pub mod abi;
pub mod export;

pub use abi::*;
pub use export::{ClassifyStage, DocView, Stage, TextView, TokenSink, TokenizeStage};
