//! Writing a trained model: the model file (`slant_model::to_bytes`, deterministic) and its
//! Markdown card beside it (`<name>.md`), each through a temporary file in the same folder
//! renamed into place, so a reader never sees half a model.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{card, TrainError, Trained};

/// Where the card of model `out` goes: `models/x.model` → `models/x.md`.
pub fn card_path(out: &Path) -> PathBuf {
    out.with_extension("md")
}

/// Writes the model to `out` and its card beside it; returns the model's size in bytes.
///
/// # Errors
/// [`TrainError::Write`] naming the file.
pub fn write(trained: &Trained, out: &Path) -> Result<usize, TrainError> {
    if card_path(out) == out {
        return Err(TrainError::Write {
            path: out.display().to_string(),
            message: "the model card goes to <name>.md beside the model; choose another name for the model (e.g. .model)".into(),
        });
    }
    let bytes = slant_model::to_bytes(&trained.model).map_err(|message| TrainError::Write {
        path: out.display().to_string(),
        message,
    })?;
    atomic_write(out, &bytes)?;
    let card = card::render(trained, out);
    atomic_write(&card_path(out), card.as_bytes())?;
    Ok(bytes.len())
}

/// Writes `bytes` to `path` via a temporary file in the same folder and a rename.
///
/// # Errors
/// [`TrainError::Write`] naming `path`.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let err = |message: String| TrainError::Write {
        path: path.display().to_string(),
        message,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    let mut tmp = crate::output::temp_file_beside(path).map_err(|e| err(e.to_string()))?;
    tmp.write_all(bytes).map_err(|e| err(e.to_string()))?;
    tmp.as_file().sync_all().map_err(|e| err(e.to_string()))?;
    tmp.persist(path).map_err(|e| err(e.error.to_string()))?;
    Ok(())
}
