//! Opening a plugin file and checking it speaks ABI v1 before trusting any of its fields.
//!
//! Order of checks: the file opens as a shared library; it exports `slant_stage_v1`; the table's
//! `abi_version` matches; its `struct_size` matches; its name, kind and functions are sane. Each
//! failure is a [`PluginError`] naming the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use libloading::Library;
use slant_sdk::{
    kind, EntryFn, RStr, StageVTable, VTableHeader, ABI_VERSION, ENTRY_SYMBOL, VTABLE_SIZE,
};

use super::PluginError;

/// A loaded, checked plugin. Cheap to clone; the library stays loaded while any clone or any
/// stage created from it lives.
#[derive(Clone)]
pub struct Plugin {
    /// Keeps the shared library loaded while this plugin, or any stage created from it, lives
    /// (`None` only for the in-process tables of the host's own tests).
    _library: Option<Arc<Library>>,
    vtable: &'static StageVTable,
    path: PathBuf,
    name: String,
    labels: Vec<String>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("kind", &self.kind_name())
            .field("path", &self.path)
            .finish()
    }
}

impl Plugin {
    /// Loads and checks the plugin at `path`: the library opened, its entry point called, the
    /// table's header checked before anything else in it is read, then the table's contents.
    ///
    /// # Errors
    /// [`PluginError`] naming `path`: cannot open, no entry symbol, wrong ABI version or struct
    /// size, or an inconsistent table.
    pub fn load(path: &Path) -> Result<Plugin, PluginError> {
        if !path.exists() {
            return Err(PluginError::Missing {
                path: path.to_path_buf(),
            });
        }
        // SAFETY: loading a shared library runs its initializers; slant only loads files the
        // user pointed it at (config, flags, plugin folders), as any plugin host must.
        let library = unsafe { Library::new(path) }.map_err(|e| PluginError::Open {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let table = entry_table(&library, path)?;
        let vtable = header_checked(table, path)?;
        let (name, labels) = contents_checked(vtable, path)?;
        Ok(Plugin {
            _library: Some(Arc::new(library)),
            vtable,
            path: path.to_path_buf(),
            name,
            labels,
        })
    }

    /// A plugin whose table lives in this process, for tests of the host's call wrappers that
    /// Miri can run (it cannot load shared libraries).
    #[cfg(test)]
    pub(crate) fn in_process(vtable: &'static StageVTable, path: &str) -> Plugin {
        Plugin {
            _library: None,
            vtable,
            path: PathBuf::from(path),
            // SAFETY: a view of a static string.
            name: unsafe { vtable.name.to_string_lossy() },
            labels: Vec::new(),
        }
    }

    /// The stage name the plugin declares.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stage kind (`slant_sdk::kind::*`).
    pub fn kind(&self) -> u32 {
        self.vtable.kind
    }

    /// The stage kind as a word.
    pub fn kind_name(&self) -> &'static str {
        kind::name(self.vtable.kind)
    }

    /// The ABI version (always [`ABI_VERSION`] once loaded).
    pub fn abi_version(&self) -> u32 {
        self.vtable.abi_version
    }

    /// Output labels the plugin declares without configuration.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Where the plugin was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn vtable(&self) -> &'static StageVTable {
        self.vtable
    }
}

/// Reads an error buffer the plugin wrote into.
pub(crate) fn error_text(buf: &[u8], len: usize) -> String {
    let len = len.min(buf.len());
    let text = String::from_utf8_lossy(&buf[..len]).into_owned();
    if text.is_empty() {
        "(no message)".into()
    } else {
        text
    }
}

/// A view of `s` for the ABI.
pub(crate) fn rstr(s: &str) -> RStr {
    RStr::new(s)
}

/// The table the library's entry point returns (not yet checked).
///
/// # Errors
/// No entry symbol, or a null table.
fn entry_table(library: &Library, path: &Path) -> Result<*const StageVTable, PluginError> {
    // SAFETY: the symbol's type is fixed by the ABI; a library exporting the name with
    // another type is a broken plugin, which the header checks catch before use.
    let entry: EntryFn = unsafe {
        *library
            .get::<EntryFn>(ENTRY_SYMBOL.as_bytes())
            .map_err(|_| PluginError::NotAPlugin {
                path: path.to_path_buf(),
            })?
    };
    // SAFETY: calling the entry point is the ABI's first step; it returns a static table.
    let table = unsafe { entry() };
    if table.is_null() {
        return Err(PluginError::Invalid {
            path: path.to_path_buf(),
            what: "entry point returned a null table".into(),
        });
    }
    Ok(table)
}

/// `table` as ABI v1's table, once its header says it is one; nothing past the header is read
/// before.
///
/// # Errors
/// Another ABI version, or a table of another size.
fn header_checked(
    table: *const StageVTable,
    path: &Path,
) -> Result<&'static StageVTable, PluginError> {
    // SAFETY: `table` is non-null (`entry_table`), and every ABI version starts with this
    // two-field header.
    let header = unsafe { *(table as *const VTableHeader) };
    if header.abi_version != ABI_VERSION {
        return Err(PluginError::AbiVersion {
            path: path.to_path_buf(),
            found: header.abi_version,
            expected: ABI_VERSION,
        });
    }
    if header.struct_size != VTABLE_SIZE {
        return Err(PluginError::StructSize {
            path: path.to_path_buf(),
            found: header.struct_size,
            expected: VTABLE_SIZE,
        });
    }
    // SAFETY: version and size match ABI v1, so the table is a `StageVTable`, static in the
    // library, which the `Plugin` keeps loaded as long as this reference is reachable.
    Ok(unsafe { &*table })
}

/// The stage's name and labels, once its kind, functions and label table agree.
///
/// # Errors
/// No name, a kind without its function or unknown, or an implausible label table.
fn contents_checked(
    vtable: &'static StageVTable,
    path: &Path,
) -> Result<(String, Vec<String>), PluginError> {
    let invalid = |what: String| PluginError::Invalid {
        path: path.to_path_buf(),
        what,
    };
    // SAFETY: views of static strings inside the loaded library.
    let name = unsafe { vtable.name.to_string_lossy() };
    if name.is_empty() {
        return Err(invalid("stage has no name".into()));
    }
    match (
        vtable.kind,
        vtable.tokenize.is_some(),
        vtable.classify.is_some(),
    ) {
        (kind::TOKENIZE, true, _) | (kind::CLASSIFY, _, true) => {}
        (kind::TOKENIZE | kind::CLASSIFY, _, _) => {
            return Err(invalid(format!(
                "{} stage without its {} function",
                kind::name(vtable.kind),
                kind::name(vtable.kind)
            )))
        }
        (other, _, _) => return Err(invalid(format!("unknown stage kind {other}"))),
    }
    if vtable.n_labels > 4096 || (vtable.n_labels > 0 && vtable.labels.is_null()) {
        return Err(invalid(format!(
            "implausible label table ({} labels)",
            vtable.n_labels
        )));
    }
    let labels = (0..vtable.n_labels)
        // SAFETY: n_labels static views, checked non-null above.
        .map(|i| unsafe { (*vtable.labels.add(i)).to_string_lossy() })
        .collect();
    Ok((name, labels))
}
