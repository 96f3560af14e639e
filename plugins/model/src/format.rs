//! The model file: data, never code.
//!
//! ```text
//! "SLANTMDL"            8 bytes magic
//! format version        u32 LE (= FORMAT_VERSION)
//! header length         u64 LE
//! header                JSON (ModelHeader), UTF-8
//! n_features            u64 LE
//! feature ids           n_features × u32 LE, strictly ascending, < 2^hash_bits
//! column weights        n_features × f32 LE
//! per head              n_features × classes f32 LE weights (feature-major), classes f32 bias
//! sha256                32 bytes over everything above
//! ```
//!
//! Reading checks every length against the bytes that remain before allocating, then the
//! checksum, then the contents (finite numbers, sorted ids, sane heads). Writing is
//! deterministic: the same model gives the same bytes.

use sha2::{Digest, Sha256};

use crate::model::{HeadWeights, Model, ModelHeader};

/// First bytes of every model file.
pub const MAGIC: &[u8; 8] = b"SLANTMDL";
/// Version of the layout above.
pub const FORMAT_VERSION: u32 = 1;
/// Largest model file accepted.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
const MAX_HEADER_BYTES: u64 = 16 << 20;
const MAX_CLASSES: usize = 1024;
const MAX_HEADS: usize = 64;

/// Why a model file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: {cause}")]
    Io {
        path: String,
        /// Kept as a message field, not an error `source`, so chains do not print it twice.
        cause: std::io::Error,
    },
    #[error("{path}: not a slant model file (wrong magic bytes)")]
    Magic { path: String },
    #[error("{path}: model format version {found}, this slant reads version {expected}")]
    Version {
        path: String,
        found: u32,
        expected: u32,
    },
    #[error("{path}: truncated or corrupt: {what}")]
    Layout { path: String, what: String },
    #[error("{path}: checksum mismatch (the file was modified or damaged)")]
    Checksum { path: String },
    #[error("{path}: invalid header: {what}")]
    Header { path: String, what: String },
}

/// Serializes `model` into bytes.
///
/// # Errors
/// The header fails to serialize (only if it holds non-finite floats).
pub fn to_bytes(model: &Model) -> Result<Vec<u8>, String> {
    let header = serde_json::to_vec_pretty(&model.header).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(64 + header.len() + model.feature_ids.len() * 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&(model.feature_ids.len() as u64).to_le_bytes());
    model
        .feature_ids
        .iter()
        .for_each(|id| out.extend_from_slice(&id.to_le_bytes()));
    let floats = |out: &mut Vec<u8>, xs: &[f32]| {
        xs.iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
    };
    floats(&mut out, &model.column_weights);
    for head in &model.heads {
        floats(&mut out, &head.weights);
        floats(&mut out, &head.bias);
    }
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    Ok(out)
}

/// Reads a model file.
///
/// # Errors
/// [`ModelError`] naming the file: unreadable, too large, wrong magic or version, lengths that
/// do not fit the file, checksum mismatch, invalid contents.
pub fn read_file(path: &std::path::Path) -> Result<Model, ModelError> {
    let name = path.display().to_string();
    let io = |cause| ModelError::Io {
        path: name.clone(),
        cause,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(ModelError::Layout {
            path: name,
            what: format!("{len} bytes, larger than the {MAX_FILE_BYTES}-byte limit"),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    from_bytes(&bytes, &name)
}

/// A cursor that refuses to read past the end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    path: &'a str,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], ModelError> {
        let remaining = (self.bytes.len() - self.at) as u64;
        if n > remaining {
            return Err(ModelError::Layout {
                path: self.path.into(),
                what: format!("{what} needs {n} bytes, only {remaining} remain"),
            });
        }
        let s = &self.bytes[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self, what: &str) -> Result<u64, ModelError> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }

    fn f32s(&mut self, n: u64, what: &str) -> Result<Vec<f32>, ModelError> {
        let bytes = self.take(n.saturating_mul(4), what)?;
        let v: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        if v.iter().any(|x| !x.is_finite()) {
            return Err(ModelError::Layout {
                path: self.path.into(),
                what: format!("{what} holds a non-finite number"),
            });
        }
        Ok(v)
    }
}

/// Parses model bytes; `path` names the source in errors.
///
/// # Errors
/// As for [`read_file`].
pub fn from_bytes(bytes: &[u8], path: &str) -> Result<Model, ModelError> {
    let layout = |what: String| ModelError::Layout {
        path: path.into(),
        what,
    };
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(ModelError::Magic { path: path.into() });
    }
    let mut c = Cursor {
        bytes,
        at: MAGIC.len(),
        path,
    };
    let version = c.u32("format version")?;
    if version != FORMAT_VERSION {
        return Err(ModelError::Version {
            path: path.into(),
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    if bytes.len() < MAGIC.len() + 4 + 8 + 32 {
        return Err(layout(format!(
            "{} bytes is too short for a model",
            bytes.len()
        )));
    }
    // Checksum first: a bit flip anywhere is reported as such, not as a confusing field error.
    let (body, digest) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body).as_slice() != digest {
        return Err(ModelError::Checksum { path: path.into() });
    }
    let c_body = Cursor {
        bytes: body,
        at: c.at,
        path,
    };
    let mut c = c_body;
    let header_len = c.u64("header length")?;
    if header_len > MAX_HEADER_BYTES {
        return Err(layout(format!("header length {header_len} is implausible")));
    }
    let header_bytes = c.take(header_len, "header")?;
    let header: ModelHeader =
        serde_json::from_slice(header_bytes).map_err(|e| ModelError::Header {
            path: path.into(),
            what: e.to_string(),
        })?;
    let bad_header = |what: String| ModelError::Header {
        path: path.into(),
        what,
    };
    header.features.validate().map_err(bad_header)?;
    if header.heads.is_empty() || header.heads.len() > MAX_HEADS {
        return Err(bad_header(format!("{} heads", header.heads.len())));
    }
    for h in &header.heads {
        if h.classes.is_empty() || h.classes.len() > MAX_CLASSES {
            return Err(bad_header(format!(
                "head `{}` has {} classes",
                h.name,
                h.classes.len()
            )));
        }
        if h.positive.is_some() && h.positive_index().is_none() {
            return Err(bad_header(format!(
                "head `{}`: positive class is not one of its classes",
                h.name
            )));
        }
        if !(h.temperature.is_finite() && h.temperature > 0.0) {
            return Err(bad_header(format!(
                "head `{}`: temperature must be > 0",
                h.name
            )));
        }
    }
    let n = c.u64("feature count")?;
    // Each feature costs at least 8 bytes (id + column weight): check before allocating.
    let remaining = (body.len() - c.at) as u64;
    if n.checked_mul(8).is_none_or(|b| b > remaining) {
        return Err(layout(format!(
            "{n} features cannot fit in the {remaining} bytes that remain"
        )));
    }
    let ids_bytes = c.take(n * 4, "feature ids")?;
    let feature_ids: Vec<u32> = ids_bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    let limit = 1u64 << header.features.hash_bits;
    if feature_ids.windows(2).any(|w| w[0] >= w[1])
        || feature_ids.iter().any(|&i| u64::from(i) >= limit)
    {
        return Err(layout(
            "feature ids are not strictly ascending hash buckets".into(),
        ));
    }
    let column_weights = c.f32s(n, "column weights")?;
    let mut heads = Vec::with_capacity(header.heads.len());
    for h in &header.heads {
        let k = h.classes.len() as u64;
        let weights = c.f32s(
            n.saturating_mul(k),
            &format!("weights of head `{}`", h.name),
        )?;
        let bias = c.f32s(k, &format!("bias of head `{}`", h.name))?;
        heads.push(HeadWeights { weights, bias });
    }
    if c.at != body.len() {
        return Err(layout(format!(
            "{} unexpected bytes after the weights",
            body.len() - c.at
        )));
    }
    Ok(Model::new(header, feature_ids, column_weights, heads))
}
