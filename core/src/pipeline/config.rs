//! `slant.toml`: which plugin runs each stage, with which model and settings.
//!
//! The config is plain data ([`PipelineConfig`]); [`PipelineConfig::validate`] checks it without
//! loading anything and `Pipeline::build` turns it into live stages. Paths to models are relative
//! to the config file, so a config can travel with its models.
//!
//! ```toml
//! [pipeline]
//! batch_size = 256
//!
//! [stages.tokenize]
//! plugin = "tokenize"        # libslant_tokenize.so, or a path to a plugin file
//! language = "english"       # every other key goes to the plugin
//!
//! [stages.toxicity]
//! plugin = "toxicity"
//! model = "../models/toxicity.model"
//! action = "flag"            # flag | drop | redact
//! threshold = 0.5            # for `toxic`; default: the threshold chosen when the model was trained
//! flag_on = ["toxic", "hate"] # which scores may flag (default: all the model gives)
//! thresholds = { hate = 0.5 } # per-score thresholds (default: the model's)
//! apply_to = "comments"      # comments | body | both
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why a config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {cause}")]
    Read {
        path: String,
        /// Kept as a message field, not an error `source`, so chains do not print it twice.
        cause: std::io::Error,
    },
    #[error("config {path}: {message}")]
    Parse { path: String, message: String },
    #[error("config {path}: stage `{stage}`: {message}")]
    Stage {
        path: String,
        stage: String,
        message: String,
    },
}

/// The whole `slant.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    #[serde(default)]
    pub pipeline: PipelineSettings,
    pub stages: Stages,
    /// The file this config was read from (paths in it are relative to its folder).
    #[serde(skip)]
    pub path: PathBuf,
}

/// Settings of the run itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSettings {
    /// Articles per plugin call.
    pub batch_size: usize,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        PipelineSettings { batch_size: 256 }
    }
}

/// The configured stages, in pipeline order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stages {
    pub tokenize: StageConfig,
    #[serde(default)]
    pub toxicity: Option<ToxicityConfig>,
}

/// A stage's plugin and the settings handed to it.
#[derive(Debug, Clone, Deserialize)]
pub struct StageConfig {
    /// Plugin name (`tokenize` → `libslant_tokenize.so`) or path.
    pub plugin: String,
    /// Everything else in the table, passed to the plugin's `create` as JSON.
    #[serde(flatten)]
    pub settings: BTreeMap<String, toml::Value>,
}

/// What the toxicity filter does with a comment over the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FilterAction {
    /// Keep the comment and mark it.
    Flag,
    /// Remove it from the article's comments and every later stage; list its id.
    Drop,
    /// Replace its text with a marker, keeping id, author and score.
    Redact,
}

/// Which texts the toxicity stage scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ApplyTo {
    Comments,
    Body,
    Both,
}

/// The toxicity stage: plugin, model and filter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToxicityConfig {
    #[serde(default = "default_toxicity_plugin")]
    pub plugin: String,
    /// Model file, relative to the config file.
    pub model: PathBuf,
    #[serde(default = "default_action")]
    pub action: FilterAction,
    /// Probability of `toxic` at or above which the action applies; default: the model's.
    #[serde(default)]
    pub threshold: Option<f32>,
    /// Scores that may flag a comment; default: every score the model gives.
    #[serde(default)]
    pub flag_on: Option<Vec<String>>,
    /// Per-score thresholds, overriding the model's (`threshold` wins for `toxic`).
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    #[serde(default = "default_apply_to")]
    pub apply_to: ApplyTo,
}

fn default_toxicity_plugin() -> String {
    "toxicity".into()
}
fn default_action() -> FilterAction {
    FilterAction::Flag
}
fn default_apply_to() -> ApplyTo {
    ApplyTo::Comments
}

impl PipelineConfig {
    /// Reads and validates `path`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and, where it applies, the stage.
    pub fn load(path: &Path) -> Result<PipelineConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            cause: source,
        })?;
        let mut config = PipelineConfig::parse(&text, path)?;
        config.path = path.to_path_buf();
        config.validate()?;
        Ok(config)
    }

    /// Parses config text; `path` names it in errors and anchors relative paths.
    ///
    /// # Errors
    /// TOML syntax or unknown keys, naming the file.
    pub fn parse(text: &str, path: &Path) -> Result<PipelineConfig, ConfigError> {
        let mut config: PipelineConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// Checks values that do not need any file.
    ///
    /// # Errors
    /// A setting out of range, naming the stage.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let stage_err = |stage: &str, message: String| ConfigError::Stage {
            path: self.path.display().to_string(),
            stage: stage.into(),
            message,
        };
        if self.pipeline.batch_size == 0 || self.pipeline.batch_size > 1 << 16 {
            return Err(ConfigError::Parse {
                path: self.path.display().to_string(),
                message: format!(
                    "pipeline.batch_size {} must be 1..=65536",
                    self.pipeline.batch_size
                ),
            });
        }
        if let Some(tox) = &self.stages.toxicity {
            let named = tox.thresholds.iter().map(|(l, t)| (l.as_str(), *t));
            for (label, t) in tox.threshold.map(|t| ("toxic", t)).into_iter().chain(named) {
                if !(0.0..=1.0).contains(&t) {
                    return Err(stage_err(
                        "toxicity",
                        format!("threshold {t} for `{label}` must be within 0..=1"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Resolves a path written in the config against the config's folder.
    pub fn resolve(&self, relative: &Path) -> PathBuf {
        if relative.is_absolute() {
            return relative.to_path_buf();
        }
        self.path.parent().unwrap_or(Path::new(".")).join(relative)
    }
}

impl PipelineConfig {
    /// A stage's `plugin` setting ready for `PluginDirs::find`: a name stays a name, a path is
    /// taken relative to the config file like every other path in it.
    pub fn plugin_spec(&self, plugin: &str) -> String {
        if crate::plugin::is_path_spec(plugin) {
            self.resolve(Path::new(plugin)).display().to_string()
        } else {
            plugin.to_string()
        }
    }
}

impl StageConfig {
    /// The plugin settings as a JSON object.
    pub fn settings_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.settings).unwrap_or_else(|_| serde_json::json!({}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stages_and_passes_unknown_stage_keys_to_the_plugin() {
        let c = PipelineConfig::parse(
            r#"
            [stages.tokenize]
            plugin = "tokenize"
            language = "french"
            [stages.toxicity]
            model = "m/tox.model"
            action = "drop"
            "#,
            Path::new("/x/slant.toml"),
        )
        .unwrap();
        assert_eq!(
            c.stages.tokenize.settings_json(),
            serde_json::json!({"language": "french"})
        );
        let tox = c.stages.toxicity.as_ref().unwrap();
        assert_eq!(tox.action, FilterAction::Drop);
        assert_eq!(c.resolve(&tox.model), PathBuf::from("/x/m/tox.model"));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn errors_name_the_file_and_setting() {
        let e = PipelineConfig::parse(
            "[stages.tokenize]\nplugin='t'\n[bogus]\n",
            Path::new("a.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("a.toml") && e.contains("bogus"), "{e}");
        let c = PipelineConfig::parse(
            "[stages.tokenize]\nplugin='t'\n[stages.toxicity]\nmodel='m'\nthreshold=3.0\n",
            Path::new("b.toml"),
        )
        .unwrap();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("toxicity") && e.contains("threshold"), "{e}");
    }
}
