//! Finding, loading and calling stage plugins.
//!
//! Plugins are shared libraries named `libslant_<name>.so` (`.dylib` on macOS,
//! `slant_<name>.dll` on Windows). They are looked for, in order, in `--plugin-dir`,
//! `$SLANT_PLUGIN_DIR`, the folder of the running executable, and `deps/` beside it (where
//! `cargo test` leaves cdylibs). A stage may also name a plugin by path.

mod instance;
mod loader;
mod token_density;
pub mod watchdog;

use std::path::{Path, PathBuf};

pub use instance::{ClassifyInput, StageInstance, TokenBatch};
pub use loader::Plugin;

/// Everything that can go wrong with a plugin; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("plugin {path}: no such file")]
    Missing { path: PathBuf },
    #[error("plugin {path}: cannot be loaded as a shared library: {message}")]
    Open { path: PathBuf, message: String },
    #[error(
        "plugin {path}: not a slant plugin (it exports no `{}` symbol)",
        slant_sdk::ENTRY_SYMBOL
    )]
    NotAPlugin { path: PathBuf },
    #[error("plugin {path}: built for plugin ABI version {found}, this slant speaks version {expected}; rebuild it against slant-sdk {expected}")]
    AbiVersion {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("plugin {path}: its stage table is {found} bytes, ABI version 1 expects {expected}; it was built against a different slant-sdk")]
    StructSize {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("plugin {path}: {what}")]
    Invalid { path: PathBuf, what: String },
    #[error("plugin {path} (stage `{stage}`) failed in {op}: {message}")]
    Call {
        path: PathBuf,
        stage: String,
        op: String,
        message: String,
    },
    #[error("plugin {path} (stage `{stage}`) panicked in {op}: {message}")]
    Panic {
        path: PathBuf,
        stage: String,
        op: String,
        message: String,
    },
    #[error("no plugin `{name}` (file {file}) in: {searched}")]
    NotFound {
        name: String,
        file: String,
        searched: String,
    },
}

/// The ordered list of folders searched for plugins.
#[derive(Debug, Clone)]
pub struct PluginDirs {
    dirs: Vec<PathBuf>,
}

impl PluginDirs {
    /// `--plugin-dir` (if given), `$SLANT_PLUGIN_DIR`, the executable's folder and its `deps/`.
    pub fn resolve(cli_dir: Option<&Path>) -> PluginDirs {
        let mut dirs = Vec::new();
        if let Some(dir) = cli_dir {
            dirs.push(dir.to_path_buf());
        }
        if let Some(dir) = std::env::var_os("SLANT_PLUGIN_DIR").filter(|d| !d.is_empty()) {
            dirs.push(PathBuf::from(dir));
        }
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
        {
            dirs.push(exe_dir.join("deps"));
            dirs.insert(dirs.len() - 1, exe_dir);
        }
        dirs.dedup();
        PluginDirs { dirs }
    }

    /// Exactly these folders.
    pub fn from_dirs(dirs: Vec<PathBuf>) -> PluginDirs {
        PluginDirs { dirs }
    }

    /// The folders, in search order.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Finds the plugin `spec`: a path (contains a separator or ends in the library suffix) is
    /// used as is; a bare name `x` is looked up as `libslant_x.so` in each folder.
    ///
    /// # Errors
    /// [`PluginError::NotFound`] listing the folders searched, or the load error.
    pub fn find(&self, spec: &str) -> Result<Plugin, PluginError> {
        if is_path_spec(spec) {
            return Plugin::load(Path::new(spec));
        }
        let file = file_name_for(spec);
        for dir in &self.dirs {
            let candidate = dir.join(&file);
            if candidate.is_file() {
                return Plugin::load(&candidate);
            }
        }
        Err(PluginError::NotFound {
            name: spec.to_string(),
            file,
            searched: self
                .dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Every file in the folders that is named like a slant plugin, loaded (or the reason it
    /// could not be), first folder winning when a name appears twice.
    pub fn scan(&self) -> Vec<(PathBuf, Result<Plugin, PluginError>)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_plugin_file_name(p))
                .collect();
            files.sort();
            for path in files {
                let name = path.file_name().map(|n| n.to_os_string());
                if seen.insert(name) {
                    let loaded = Plugin::load(&path);
                    out.push((path, loaded));
                }
            }
        }
        out
    }
}

/// True if a plugin setting is a path (has a separator or the library suffix), not a name.
pub fn is_path_spec(spec: &str) -> bool {
    spec.contains(std::path::MAIN_SEPARATOR)
        || spec.contains('/')
        || spec.ends_with(std::env::consts::DLL_SUFFIX)
}

/// The file name of plugin `name` on this platform: `libslant_<name>.so`.
pub fn file_name_for(name: &str) -> String {
    format!(
        "{}slant_{}{}",
        std::env::consts::DLL_PREFIX,
        name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    )
}

fn is_plugin_file_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let prefix = format!("{}slant_", std::env::consts::DLL_PREFIX);
    name.starts_with(&prefix) && name.ends_with(std::env::consts::DLL_SUFFIX)
}
