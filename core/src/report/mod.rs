//! Rendering a comparison.
