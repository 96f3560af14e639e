//! `slant.toml`: the stages of the pipeline, in order, each a name mapped to a plugin with its
//! settings, what it reads and an optional filter.
//!
//! The config is plain data ([`PipelineConfig`]); command-line flags are merged into it first
//! ([`PipelineConfig::apply`]), then [`PipelineConfig::validate`] checks it once without loading
//! anything, and `Pipeline::build` turns it into live stages. Paths to models are relative to the
//! config file, so a config can travel with its models. The core knows no stage by name: a
//! stage's plugin defaults to the stage's name (`[stages.sentiment]` → `libslant_sentiment.so`).
//!
//! ```toml
//! [pipeline]
//! batch_size = 128
//!
//! [stages.tokenize]          # the one tokenize stage comes first
//! language = "english"       # every key the core does not read goes to the plugin
//!
//! [stages.toxicity]
//! model = "../models/toxicity.model"
//! reads = "comments"         # body | sentences | comments | mentions | claims, or a list
//! action = "flag"            # a filter: flag | drop | redact
//! thresholds = { hate = 0.5 } # per score; default: the model's
//!
//! [stages.sentiment]
//! model = "../models/sentiment.model"   # reads: the plugin's default (sentences)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;

use super::language::OtherLanguage;
use super::targets::RunTargets;
use super::units::Unit;
use crate::labeled::is_reserved_name;

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
    /// Stages by name, in the order the file lists them (the order they run in).
    pub stages: IndexMap<String, StageConfig>,
    /// The file this config was read from (paths in it are relative to its folder).
    #[serde(skip)]
    pub path: PathBuf,
    /// Targets and claims from the command line, for every stage reading mentions or claims.
    #[serde(skip)]
    pub run_targets: RunTargets,
}

/// Settings of the run itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSettings {
    /// Articles per plugin call. A window of one batch per core is labeled while the next is
    /// read, so the records in memory follow this: 128 peaks 10–20 % lower than 256 at the
    /// same speed (benches/PROFILE.md, "Batches of 128 articles").
    pub batch_size: usize,
    /// Texts not in the tokenizer's language, or not text: `warn` (label, with a warning) or
    /// `skip` (no classifier results for them, with a warning).
    pub other_language: OtherLanguage,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        PipelineSettings {
            batch_size: 128,
            other_language: OtherLanguage::Warn,
        }
    }
}

/// One stage: its plugin, what it reads, its filter, and the plugin's own settings.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StageConfig {
    /// Plugin name (`toxicity` → `libslant_toxicity.so`) or path; default: the stage's name.
    #[serde(default)]
    pub plugin: Option<String>,
    /// The task the plugin must serve (checked against what it describes), if given.
    #[serde(default)]
    pub task: Option<String>,
    /// Which texts the stage scores; default: what the plugin says it reads, else `body`.
    #[serde(default)]
    pub reads: Option<Reads>,
    #[serde(flatten)]
    pub filter: FilterConfig,
    /// Targets (name → aliases) whose mentions a stage reading `mentions` classifies.
    #[serde(default)]
    pub targets: IndexMap<String, Vec<String>>,
    /// A TOML file of more targets, relative to the config file.
    #[serde(default)]
    pub targets_file: Option<String>,
    /// Claims a stage reading `claims` pairs with each article.
    #[serde(default)]
    pub claims: Vec<String>,
    /// Everything else in the table, passed to the plugin's `create` as JSON (`model` resolved
    /// against the config's folder).
    #[serde(flatten)]
    pub settings: BTreeMap<String, toml::Value>,
}

/// One unit or several.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Reads {
    One(Unit),
    Many(Vec<Unit>),
}

impl Reads {
    /// The units, in the order given, without repeats.
    pub fn units(&self) -> Vec<Unit> {
        let mut units = match self {
            Reads::One(u) => vec![*u],
            Reads::Many(us) => us.clone(),
        };
        let mut seen = Vec::new();
        units.retain(|u| {
            let new = !seen.contains(u);
            seen.push(*u);
            new
        });
        units
    }
}

/// The optional filter of a classifier stage: present when any of its keys is set.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterConfig {
    /// What to do with a text over a threshold (default `flag`).
    #[serde(default)]
    pub action: Option<FilterAction>,
    /// One threshold for every score that may flag (overridden per score by `thresholds`).
    #[serde(default)]
    pub threshold: Option<f32>,
    /// Per-score thresholds; default: the thresholds stored in the model, else 0.5.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    /// Scores that may flag; default: every score the stage gives.
    #[serde(default)]
    pub flag_on: Option<Vec<String>>,
}

impl FilterConfig {
    /// True when the stage has a filter.
    pub fn is_set(&self) -> bool {
        self.action.is_some()
            || self.threshold.is_some()
            || !self.thresholds.is_empty()
            || self.flag_on.is_some()
    }
}

/// What a filter does with a text over its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FilterAction {
    /// Keep the comment and mark it.
    Flag,
    /// Remove it from the article's comments and every later stage; list its id.
    Drop,
    /// Replace its text with a marker, keeping id, author and scores.
    Redact,
}

/// A change to one stage's settings from the command line (`--model toxicity=x.model`,
/// `--set toxicity.threshold=0.7`), merged into the config before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct StageOverride {
    /// A stage name, or `*` for every stage that has a filter.
    pub stage: String,
    pub key: String,
    pub value: toml::Value,
}

impl StageOverride {
    /// Parses `STAGE.KEY=VALUE`; VALUE is TOML (`0.7`, `"drop"`, `["body"]`) or a bare string.
    ///
    /// # Errors
    /// A message saying what form was expected.
    pub fn parse(text: &str) -> Result<StageOverride, String> {
        let (lhs, value) = text
            .split_once('=')
            .ok_or_else(|| format!("expected STAGE.KEY=VALUE, got {text:?}"))?;
        let (stage, key) = lhs
            .trim()
            .split_once('.')
            .ok_or_else(|| format!("expected STAGE.KEY=VALUE, got {text:?}"))?;
        Ok(StageOverride {
            stage: stage.trim().to_string(),
            key: key.trim().to_string(),
            value: parse_value(value.trim()),
        })
    }
}

/// A TOML value written on the command line; anything that is not valid TOML is a string.
fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

impl PipelineConfig {
    /// Reads and validates `path`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and, where it applies, the stage.
    pub fn load(path: &Path) -> Result<PipelineConfig, ConfigError> {
        let config = PipelineConfig::read(path)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads `path` without validating, so that flags can be merged in first.
    ///
    /// # Errors
    /// The file cannot be read or parsed.
    pub fn read(path: &Path) -> Result<PipelineConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            cause: source,
        })?;
        PipelineConfig::parse(&text, path)
    }

    /// Parses config text; `path` names it in errors and anchors relative paths.
    ///
    /// # Errors
    /// TOML syntax (including a stage defined twice) or unknown keys, naming the file.
    pub fn parse(text: &str, path: &Path) -> Result<PipelineConfig, ConfigError> {
        let mut config: PipelineConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// Merges command-line changes into the stages they name (re-parsing each changed stage,
    /// so a flag is held to the same rules as the file).
    ///
    /// # Errors
    /// A stage that does not exist, or a value of the wrong type.
    pub fn apply(&mut self, overrides: &[StageOverride]) -> Result<(), ConfigError> {
        for o in overrides {
            let names: Vec<String> = if o.stage == "*" {
                self.filter_stage_names()
            } else if self.stages.contains_key(&o.stage) {
                vec![o.stage.clone()]
            } else {
                return Err(self.stage_error(
                    &o.stage,
                    format!(
                        "no such stage (stages: {}); a command-line setting needs a configured stage",
                        self.stages.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            };
            for name in names {
                self.set(&name, &o.key, o.value.clone())?;
            }
        }
        Ok(())
    }

    /// Names of the stages that have a filter.
    pub fn filter_stage_names(&self) -> Vec<String> {
        self.stages
            .iter()
            .filter(|(_, s)| s.filter.is_set())
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn set(&mut self, stage: &str, key: &str, value: toml::Value) -> Result<(), ConfigError> {
        let current = &self.stages[stage];
        let mut table = toml::Table::try_from(StageTable::from(current))
            .map_err(|e| self.stage_error(stage, e.to_string()))?;
        table.insert(key.to_string(), value);
        let updated: StageConfig = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| self.stage_error(stage, format!("`{key}`: {e}")))?;
        self.stages[stage] = updated;
        Ok(())
    }

    /// Checks values that do not need any file.
    ///
    /// # Errors
    /// A setting out of range or a stage name that cannot be used, naming the file and stage.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.pipeline.batch_size == 0 || self.pipeline.batch_size > 1 << 16 {
            return Err(ConfigError::Parse {
                path: self.path.display().to_string(),
                message: format!(
                    "pipeline.batch_size {} must be 1..=65536",
                    self.pipeline.batch_size
                ),
            });
        }
        if self.stages.is_empty() {
            return Err(ConfigError::Parse {
                path: self.path.display().to_string(),
                message: "no [stages.*]: a pipeline needs at least a tokenize stage".into(),
            });
        }
        for (name, stage) in &self.stages {
            self.validate_stage(name, stage)?;
        }
        Ok(())
    }

    fn validate_stage(&self, name: &str, stage: &StageConfig) -> Result<(), ConfigError> {
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_name {
            return Err(
                self.stage_error(name, "a stage name is letters, digits, `_` and `-`".into())
            );
        }
        if is_reserved_name(name) {
            return Err(self.stage_error(
                name,
                format!("`{name}` is a field of the output record; give the stage another name"),
            ));
        }
        if matches!(&stage.reads, Some(Reads::Many(units)) if units.is_empty()) {
            return Err(self.stage_error(name, "`reads` names no unit".into()));
        }
        let named = stage
            .filter
            .thresholds
            .iter()
            .map(|(l, t)| (l.as_str(), *t));
        let all = stage.filter.threshold.map(|t| ("every score", t));
        for (label, t) in all.into_iter().chain(named) {
            if !(0.0..=1.0).contains(&t) {
                return Err(self.stage_error(
                    name,
                    format!("threshold {t} for {label} must be within 0..=1"),
                ));
            }
        }
        Ok(())
    }

    /// An error about stage `stage` of this config.
    pub fn stage_error(&self, stage: &str, message: String) -> ConfigError {
        ConfigError::Stage {
            path: self.path.display().to_string(),
            stage: stage.to_string(),
            message,
        }
    }

    /// Resolves a path written in the config against the config's folder.
    pub fn resolve(&self, relative: &Path) -> PathBuf {
        if relative.is_absolute() {
            return relative.to_path_buf();
        }
        self.path.parent().unwrap_or(Path::new(".")).join(relative)
    }

    /// A stage's plugin ready for `PluginDirs::find`: a name stays a name, a path is taken
    /// relative to the config file like every other path in it.
    pub fn plugin_spec(&self, stage_name: &str, stage: &StageConfig) -> String {
        let plugin = stage.plugin.as_deref().unwrap_or(stage_name);
        if crate::plugin::is_path_spec(plugin) {
            self.resolve(Path::new(plugin)).display().to_string()
        } else {
            plugin.to_string()
        }
    }

    /// The language a tokenize stage is configured with (`english` when not set).
    pub fn stage_language(stage: &StageConfig) -> String {
        match stage.settings.get("language") {
            Some(toml::Value::String(l)) => l.clone(),
            _ => "english".into(),
        }
    }

    /// The model file a stage names, resolved against the config's folder.
    pub fn model_path(&self, stage: &StageConfig) -> Option<PathBuf> {
        match stage.settings.get("model") {
            Some(toml::Value::String(p)) => Some(self.resolve(Path::new(p))),
            _ => None,
        }
    }

    /// The settings handed to a stage's plugin, as JSON, with `model` resolved.
    pub fn plugin_settings(&self, stage: &StageConfig) -> serde_json::Value {
        let mut settings =
            serde_json::to_value(&stage.settings).unwrap_or_else(|_| serde_json::json!({}));
        if let (Some(model), Some(obj)) = (self.model_path(stage), settings.as_object_mut()) {
            obj.insert("model".into(), model.display().to_string().into());
        }
        settings
    }
}

/// A [`StageConfig`] written back as a table, so a flag can be merged into it.
#[derive(serde::Serialize)]
struct StageTable<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin: Option<&'a String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<&'a String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reads: Option<Vec<Unit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<FilterAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<f32>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    thresholds: &'a BTreeMap<String, f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flag_on: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    targets: &'a IndexMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    targets_file: Option<&'a String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    claims: &'a Vec<String>,
    #[serde(flatten)]
    settings: &'a BTreeMap<String, toml::Value>,
}

impl<'a> From<&'a StageConfig> for StageTable<'a> {
    fn from(s: &'a StageConfig) -> Self {
        StageTable {
            plugin: s.plugin.as_ref(),
            task: s.task.as_ref(),
            reads: s.reads.as_ref().map(Reads::units),
            action: s.filter.action,
            threshold: s.filter.threshold,
            thresholds: &s.filter.thresholds,
            flag_on: s.filter.flag_on.as_ref(),
            targets: &s.targets,
            targets_file: s.targets_file.as_ref(),
            claims: &s.claims,
            settings: &s.settings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_STAGES: &str = r#"
        [stages.tokenize]
        language = "french"
        [stages.toxicity]
        model = "m/tox.model"
        action = "drop"
        reads = ["comments", "body"]
        [stages.sentiment]
        plugin = "./plugins/libslant_sentiment.so"
        model = "m/sent.model"
    "#;

    #[test]
    fn stages_keep_file_order_and_unknown_keys_go_to_the_plugin() {
        let c = PipelineConfig::parse(TWO_STAGES, Path::new("/x/slant.toml")).unwrap();
        assert_eq!(
            c.stages.keys().collect::<Vec<_>>(),
            ["tokenize", "toxicity", "sentiment"]
        );
        let tokenize = &c.stages["tokenize"];
        assert_eq!(
            c.plugin_settings(tokenize),
            serde_json::json!({"language": "french"})
        );
        assert_eq!(c.plugin_spec("tokenize", tokenize), "tokenize");
        let tox = &c.stages["toxicity"];
        assert_eq!(tox.filter.action, Some(FilterAction::Drop));
        assert_eq!(
            tox.reads.as_ref().unwrap().units(),
            [Unit::Comments, Unit::Body]
        );
        assert_eq!(
            c.plugin_settings(tox),
            serde_json::json!({"model": "/x/m/tox.model"})
        );
        let sent = &c.stages["sentiment"];
        assert!(!sent.filter.is_set());
        assert_eq!(
            c.plugin_spec("sentiment", sent),
            "/x/./plugins/libslant_sentiment.so"
        );
        assert!(c.validate().is_ok());
    }

    #[test]
    fn errors_name_the_file_and_stage() {
        let e = PipelineConfig::parse("[stages.tokenize]\n[bogus]\n", Path::new("a.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.toml") && e.contains("bogus"), "{e}");
        let c = PipelineConfig::parse(
            "[stages.tokenize]\n[stages.toxicity]\nmodel='m'\nthreshold=3.0\n",
            Path::new("b.toml"),
        )
        .unwrap();
        let e = c.validate().unwrap_err().to_string();
        assert!(
            e.contains("b.toml") && e.contains("toxicity") && e.contains("threshold"),
            "{e}"
        );
    }

    #[test]
    fn a_stage_defined_twice_is_refused_naming_the_file() {
        let e = PipelineConfig::parse(
            "[stages.tokenize]\n[stages.tox]\nmodel='a'\n[stages.tox]\nmodel='b'\n",
            Path::new("dup.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("dup.toml") && e.contains("tox"), "{e}");
    }

    #[test]
    fn reserved_and_malformed_stage_names_are_refused() {
        // Record keys, metadata fields (`outlet`, `url`), and a malformed name.
        for name in ["comments", "id", "outlet", "url", "has space"] {
            let text = format!("[stages.tokenize]\n[stages.\"{name}\"]\nmodel='m'\n");
            let c = PipelineConfig::parse(&text, Path::new("c.toml")).unwrap();
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains("c.toml") && e.contains(name), "{e}");
        }
    }

    #[test]
    fn zero_batch_size_is_refused() {
        let c = PipelineConfig::parse(
            "[pipeline]\nbatch_size = 0\n[stages.tokenize]\n",
            Path::new("z.toml"),
        )
        .unwrap();
        assert!(c.validate().unwrap_err().to_string().contains("batch_size"));
    }

    #[test]
    fn flags_merge_into_stages_before_validation() {
        let mut c = PipelineConfig::parse(TWO_STAGES, Path::new("/x/slant.toml")).unwrap();
        c.apply(&[
            StageOverride::parse("toxicity.threshold=0.8").unwrap(),
            StageOverride::parse("*.action=redact").unwrap(),
            StageOverride::parse("sentiment.model=/abs/other.model").unwrap(),
        ])
        .unwrap();
        let tox = &c.stages["toxicity"];
        assert_eq!(tox.filter.threshold, Some(0.8));
        assert_eq!(tox.filter.action, Some(FilterAction::Redact));
        assert!(
            !c.stages["sentiment"].filter.is_set(),
            "`*` means filter stages"
        );
        assert_eq!(
            c.model_path(&c.stages["sentiment"]).unwrap(),
            PathBuf::from("/abs/other.model")
        );
        let e = c
            .apply(&[StageOverride::parse("stance.model=x").unwrap()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("stance") && e.contains("no such stage"), "{e}");
        let e = c
            .apply(&[StageOverride::parse("toxicity.action=explode").unwrap()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("toxicity") && e.contains("action"), "{e}");
    }
}
