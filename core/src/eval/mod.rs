//! Metrics for classifiers (filled in by the training work).
