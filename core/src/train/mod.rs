//! Offline training (filled in by the training work).
