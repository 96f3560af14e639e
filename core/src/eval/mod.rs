//! Metrics for classifiers, as the published benchmarks define them: accuracy, macro-F1,
//! per-class precision/recall/F1 and the confusion matrix ([`confusion`]), ROC-AUC binary and
//! one-vs-rest ([`roc`]), expected calibration error ([`calibration`]), and the [`report`] that
//! gathers them for `slant train` (dev and cross-validation), `slant eval` and the benchmarks.

pub mod calibration;
pub mod confusion;
pub mod report;
pub mod roc;

pub use calibration::expected_calibration_error;
pub use confusion::Confusion;
pub use report::{evaluate, ClassMetrics, FoldSummary, Report};
pub use roc::{roc_auc, roc_auc_ovr};
