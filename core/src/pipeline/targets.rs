//! What the `mentions` and `claims` units read besides the article: the named targets (each a
//! name and its aliases) and the claims a stage is asked about.
//!
//! They come from a stage's config (`targets = { NAME = [ALIASES] }`, `targets_file = "..."`,
//! `claims = ["..."]`) and from the command line (`--target`, `--targets`, `--claim`), which
//! apply to every stage that reads mentions or claims. The core reads these keys itself; they
//! are never passed to the plugin.
//!
//! A targets file is TOML, one target per key:
//!
//! ```toml
//! "Syrian government" = ["Syrian Army", "SAA", "Damascus", "Assad", "regime"]
//! Russia = ["Russian", "Moscow", "Kremlin", "Putin"]
//! ```

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::config::{PipelineConfig, StageConfig};
use super::mentions::MentionFinder;
use super::units::Unit;

/// Targets by name, each with its aliases (the name itself is always an alias too).
pub type TargetMap = IndexMap<String, Vec<String>>;

/// Why targets could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    #[error("cannot read targets file {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    /// The TOML error's message names the line and column.
    #[error("targets file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("{origin}: target `{target}`: {message}")]
    Invalid {
        origin: String,
        target: String,
        message: String,
    },
    #[error("--target {text:?}: expected NAME=ALIAS1,ALIAS2 (or just NAME)")]
    Flag { text: String },
}

/// Targets and claims given on the command line for this run; merged into every stage that
/// reads mentions (targets) or claims (claims) when the pipeline is built.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunTargets {
    /// `--target NAME=ALIASES`, in order (a later one replaces an earlier one of that name).
    pub targets: TargetMap,
    /// `--targets FILE`, already resolved against the working folder.
    pub files: Vec<PathBuf>,
    /// `--claim TEXT`, in order.
    pub claims: Vec<String>,
}

impl RunTargets {
    /// True when no flag gave anything.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.files.is_empty() && self.claims.is_empty()
    }
}

/// What a stage's `mentions` and `claims` units read, ready to run.
#[derive(Debug, Default)]
pub struct StageInputs {
    /// The mention finder, for stages that read mentions.
    pub finder: Option<MentionFinder>,
    /// The claims, for stages that read claims (none: the unit gives nothing).
    pub claims: Vec<String>,
}

impl StageInputs {
    /// Gathers a stage's targets and claims from its config and the run's flags.
    ///
    /// # Errors
    /// Targets or claims on a stage that does not read them, a stage that reads mentions but has
    /// no target, an unreadable targets file, an empty alias or an alias shared by two targets.
    pub fn build(
        config: &PipelineConfig,
        stage: &StageConfig,
        reads: &[Unit],
    ) -> Result<StageInputs, String> {
        let reads_mentions = reads.contains(&Unit::Mentions);
        if !reads_mentions && (!stage.targets.is_empty() || stage.targets_file.is_some()) {
            return Err("`targets` is set but the stage does not read `mentions`".into());
        }
        if !reads.contains(&Unit::Claims) && !stage.claims.is_empty() {
            return Err("`claims` is set but the stage does not read `claims`".into());
        }
        let finder = if reads_mentions {
            let targets = stage_targets(config, stage).map_err(|e| e.to_string())?;
            if targets.is_empty() {
                return Err("the stage reads `mentions` but names no target: set `targets` or `targets_file`, or pass --target".into());
            }
            Some(MentionFinder::new(&targets)?)
        } else {
            None
        };
        let mut claims = Vec::new();
        if reads.contains(&Unit::Claims) {
            claims.extend(stage.claims.iter().cloned());
            claims.extend(config.run_targets.claims.iter().cloned());
            if claims.iter().any(|c| c.trim().is_empty()) {
                return Err("a claim is empty".into());
            }
        }
        Ok(StageInputs { finder, claims })
    }
}

/// A stage's targets: its `targets_file`, then its `targets`, then `--targets` files, then
/// `--target` flags (a later source replaces a target of the same name).
fn stage_targets(config: &PipelineConfig, stage: &StageConfig) -> Result<TargetMap, TargetsError> {
    let mut all = TargetMap::new();
    if let Some(file) = &stage.targets_file {
        merge(&mut all, read_file(&config.resolve(Path::new(file)))?);
    }
    merge(&mut all, stage.targets.clone());
    for file in &config.run_targets.files {
        merge(&mut all, read_file(file)?);
    }
    merge(&mut all, config.run_targets.targets.clone());
    check(&all, &config.path.display().to_string())?;
    Ok(all)
}

/// Parses a `--target` value: `NAME=ALIAS1,ALIAS2` or a bare `NAME` (matched by its name only).
///
/// # Errors
/// An empty name.
pub fn parse_target_flag(text: &str) -> Result<(String, Vec<String>), TargetsError> {
    let (name, aliases) = text.split_once('=').unwrap_or((text, ""));
    let name = name.trim();
    if name.is_empty() {
        return Err(TargetsError::Flag { text: text.into() });
    }
    let aliases = aliases
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(String::from)
        .collect();
    Ok((name.to_string(), aliases))
}

/// Reads a targets file.
///
/// # Errors
/// The file cannot be read, is not TOML (the message names the line), or a value is not a list
/// of strings.
pub fn read_file(path: &Path) -> Result<TargetMap, TargetsError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|cause| TargetsError::Read {
        path: shown.clone(),
        cause,
    })?;
    parse(&text, &shown)
}

/// Parses targets-file text; `origin` names it in errors.
///
/// # Errors
/// As [`read_file`].
pub fn parse(text: &str, origin: &str) -> Result<TargetMap, TargetsError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| TargetsError::Parse {
        path: origin.to_string(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let mut targets = TargetMap::new();
    for (name, value) in table {
        let aliases = match value {
            toml::Value::Array(list) => list
                .into_iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s),
                    other => Err(format!("alias {other} is not a string")),
                })
                .collect::<Result<Vec<String>, String>>(),
            toml::Value::String(s) => Ok(vec![s]),
            other => Err(format!(
                "expected a list of aliases, found a {}",
                other.type_str()
            )),
        }
        .map_err(|message| TargetsError::Invalid {
            origin: origin.to_string(),
            target: name.clone(),
            message,
        })?;
        targets.insert(name, aliases);
    }
    Ok(targets)
}

/// Merges `more` into `into`: a target named again replaces the earlier aliases.
pub fn merge(into: &mut TargetMap, more: TargetMap) {
    for (name, aliases) in more {
        into.insert(name, aliases);
    }
}

/// Checks that every target has a usable name and aliases.
///
/// # Errors
/// An empty name or alias, naming where the target came from.
pub fn check(targets: &TargetMap, origin: &str) -> Result<(), TargetsError> {
    for (name, aliases) in targets {
        let bad = |message: &str| TargetsError::Invalid {
            origin: origin.to_string(),
            target: name.clone(),
            message: message.to_string(),
        };
        if name.trim().is_empty() {
            return Err(bad("a target needs a name"));
        }
        if aliases.iter().any(|a| a.trim().is_empty()) {
            return Err(bad("an alias is empty"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_files_and_merging() {
        let (name, aliases) = parse_target_flag("Syrian government=Syrian Army, SAA,").unwrap();
        assert_eq!(name, "Syrian government");
        assert_eq!(aliases, ["Syrian Army", "SAA"]);
        assert_eq!(parse_target_flag("Russia").unwrap().1, Vec::<String>::new());
        assert!(parse_target_flag("=x").is_err());
        let mut t = parse("Russia = [\"Moscow\"]\nISIS = \"Daesh\"\n", "t.toml").unwrap();
        assert_eq!(t["ISIS"], ["Daesh"]);
        merge(
            &mut t,
            TargetMap::from_iter([("Russia".into(), vec!["Kremlin".into()])]),
        );
        assert_eq!(t["Russia"], ["Kremlin"]);
        assert!(check(&t, "t").is_ok());
        let empty = TargetMap::from_iter([("X".into(), vec![" ".into()])]);
        assert!(check(&empty, "t").unwrap_err().to_string().contains("`X`"));
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let text = "Russia = [\"Moscow\"]\nTurkey = [\"Ankara\"\n";
        let e = parse(text, "targets.toml").unwrap_err().to_string();
        assert!(e.contains("targets.toml") && e.contains("line 2"), "{e}");
        let e = parse("Russia = 3\n", "t.toml").unwrap_err().to_string();
        assert!(e.contains("`Russia`") && e.contains("list"), "{e}");
    }
}
