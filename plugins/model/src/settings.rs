//! The settings every classifier plugin built on a slant model file takes: `{"model": "<path>"}`.

use serde::Deserialize;

use crate::Model;

/// A classifier plugin's configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelSettings {
    model: String,
}

/// Reads the model a `stage` plugin's JSON settings name; returns it with its path.
///
/// # Errors
/// Settings that are not `{"model": "<path>"}` (naming the stage), or a model file that cannot
/// be read or is refused by the loader.
pub fn model_from_settings(config: &str, stage: &str) -> Result<(Model, String), String> {
    let settings: ModelSettings =
        serde_json::from_str(config).map_err(|e| format!("{stage} settings: {e}"))?;
    let model =
        crate::read_file(std::path::Path::new(&settings.model)).map_err(|e| e.to_string())?;
    Ok((model, settings.model))
}
