//! Rendering a [`Comparison`]: an aligned terminal table ([`table`]), JSON, CSV with every
//! number ([`rows`]), and a report folder ([`html`] + one SVG per chart from [`charts`]),
//! written atomically.

pub mod charts;
pub mod html;
pub mod rows;
pub mod table;

use std::io::Write;
use std::path::Path;

use crate::compare::summary::Comparison;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot draw a chart: {0}")]
    Chart(String),
    #[error("cannot write {path}: {cause}")]
    Write { path: String, cause: String },
    #[error("cannot encode the comparison: {0}")]
    Encode(String),
}

/// How every number is shown in the table, the CSV-free views and the HTML.
pub fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "–".into()
    }
}

/// A p-value as shown: small ones in scientific notation.
pub fn p_value(p: f64) -> String {
    if p.is_finite() && p < 0.001 {
        format!("{p:.1e}")
    } else {
        number(p)
    }
}

/// The comparison as pretty JSON.
pub fn to_json(comparison: &Comparison) -> Result<String, ReportError> {
    serde_json::to_string_pretty(comparison).map_err(|e| ReportError::Encode(e.to_string()))
}

/// Writes `report.html`, one `.svg` per chart, `comparison.json` and `comparison.csv` into
/// `dir` (created if needed). Each file is written to a temporary file first and renamed.
/// Returns the files written.
pub fn write_dir(comparison: &Comparison, dir: &Path) -> Result<Vec<String>, ReportError> {
    let failed = |path: &Path, e: &dyn std::fmt::Display| ReportError::Write {
        path: path.display().to_string(),
        cause: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, &e))?;
    let charts = charts::charts(comparison)?;
    let mut files: Vec<(String, Vec<u8>)> = charts
        .iter()
        .map(|c| (format!("{}.svg", c.id), c.svg.clone().into_bytes()))
        .collect();
    files.push((
        "report.html".into(),
        html::page(comparison, &charts).into_bytes(),
    ));
    files.push(("comparison.json".into(), to_json(comparison)?.into_bytes()));
    files.push((
        "comparison.csv".into(),
        rows::to_csv(comparison)?.into_bytes(),
    ));
    for (name, bytes) in &files {
        let path = dir.join(name);
        let mut temp = crate::output::temp_file_beside(&path).map_err(|e| failed(&path, &e))?;
        temp.write_all(bytes).map_err(|e| failed(&path, &e))?;
        temp.persist(&path).map_err(|e| failed(&path, &e.error))?;
    }
    Ok(files.into_iter().map(|(name, _)| name).collect())
}
