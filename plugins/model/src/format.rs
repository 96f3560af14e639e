//! The model file: data, never code.
//!
//! ```text
//! "SLANTMDL"            8 bytes magic
//! format version        u32 LE (1 or 2: see below)
//! header length         u64 LE
//! header                JSON (ModelHeader), UTF-8
//! n_features            u64 LE
//! feature ids           n_features × u32 LE, strictly ascending, < 2^hash_bits
//! column weights        n_features × f32 LE
//! per head              n_features × classes f32 LE weights (feature-major), classes f32 bias
//! sha256                32 bytes over everything above
//! ```
//!
//! The two versions share this layout and differ in how word n-grams were hashed into the
//! feature ids ([`WordHash`]): version 1 hashed each n-gram's key bytes, version 2 chains
//! per-term hashes. A model is served with the scheme it was trained with, and written back
//! with its own version, so a version-1 file read and written again keeps its bytes.
//!
//! Reading checks every length against the bytes that remain before allocating, then the
//! checksum, then the contents (finite numbers, sorted ids, sane heads). Writing is
//! deterministic: the same model gives the same bytes.

use sha2::{Digest, Sha256};

use crate::features::{FeatureSpec, WordHash};
use crate::model::{HeadSpec, HeadWeights, Model, ModelHeader};

/// First bytes of every model file.
pub const MAGIC: &[u8; 8] = b"SLANTMDL";
/// The version new models are written with (word n-grams chained from per-term hashes).
pub const FORMAT_VERSION: u32 = 2;
/// The oldest version this build still reads and serves.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
/// Largest model file accepted.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
const MAX_HEADER_BYTES: u64 = 16 << 20;
const MAX_CLASSES: usize = 1024;
const MAX_HEADS: usize = 64;
/// Temperatures the loader accepts. Training searches 0.05..20; outside this wider range the
/// scaled logits would saturate the softmax into 0/1 or NaN.
pub const TEMPERATURE_RANGE: std::ops::RangeInclusive<f32> = 1e-3..=1e3;
/// Largest magnitude of a stored weight, bias or column weight. Trained weights are a few units;
/// this bound keeps every logit finite for any document (features are L2-normalized).
pub const MAX_ABS_WEIGHT: f32 = 1e6;

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
    #[error(
        "{path}: model format version {found}, this slant reads versions {OLDEST_FORMAT_VERSION} \
         to {FORMAT_VERSION} (a newer slant wrote it, or it is not a model file)"
    )]
    Version { path: String, found: u32 },
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
    out.extend_from_slice(&format_version(&model.header.features).to_le_bytes());
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

/// The format version a model with these features is written as: the one that names its word
/// hashing scheme.
pub fn format_version(features: &FeatureSpec) -> u32 {
    match features.word_hash {
        WordHash::Keys => 1,
        WordHash::Chained => 2,
    }
}

/// The word hashing scheme a format version stands for, if this build reads it.
fn word_hash_of(version: u32) -> Option<WordHash> {
    match version {
        1 => Some(WordHash::Keys),
        2 => Some(WordHash::Chained),
        _ => None,
    }
}

/// Reads a model file.
///
/// # Errors
/// [`ModelError`] naming the file: unreadable, too large, wrong magic or version, lengths that
/// do not fit the file, checksum mismatch, invalid contents.
pub fn read_file(path: &std::path::Path) -> Result<Model, ModelError> {
    let name = path.display().to_string();
    let bytes = read_capped(path, MAX_FILE_BYTES).map_err(|e| match e {
        CappedRead::Io(cause) => ModelError::Io {
            path: name.clone(),
            cause,
        },
        CappedRead::TooLarge => ModelError::Layout {
            path: name.clone(),
            what: format!("larger than the {MAX_FILE_BYTES}-byte limit"),
        },
    })?;
    from_bytes(&bytes, &name)
}

/// Why [`read_capped`] gave no bytes.
enum CappedRead {
    Io(std::io::Error),
    TooLarge,
}

/// Reads at most `max + 1` bytes of `path`, so a file over `max` is refused without trusting its
/// metadata (a FIFO or a device reports length 0) and without reading all of it.
fn read_capped(path: &std::path::Path, max: u64) -> Result<Vec<u8>, CappedRead> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(CappedRead::Io)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(CappedRead::Io)?;
    if bytes.len() as u64 > max {
        return Err(CappedRead::TooLarge);
    }
    Ok(bytes)
}

/// Checks the heads of a header: counts, unique names, and calibration values in range (a
/// stored threshold becomes the default flag threshold, so it must be a probability).
fn check_heads(heads: &[crate::model::HeadSpec]) -> Result<(), String> {
    if heads.is_empty() || heads.len() > MAX_HEADS {
        return Err(format!("{} heads", heads.len()));
    }
    let mut names = std::collections::BTreeSet::new();
    for h in heads {
        if !names.insert(h.name.as_str()) {
            return Err(format!("two heads are named `{}`", h.name));
        }
        if h.classes.is_empty() || h.classes.len() > MAX_CLASSES {
            return Err(format!("head `{}` has {} classes", h.name, h.classes.len()));
        }
        let mut classes = std::collections::BTreeSet::new();
        if let Some(dup) = h.classes.iter().find(|c| !classes.insert(c.as_str())) {
            return Err(format!("head `{}` has two classes named `{dup}`", h.name));
        }
        if h.positive.is_some() && h.positive_index().is_none() {
            return Err(format!(
                "head `{}`: positive class is not one of its classes",
                h.name
            ));
        }
        if !TEMPERATURE_RANGE.contains(&h.temperature) {
            return Err(format!(
                "head `{}`: temperature {} is outside {}..={}",
                h.name,
                h.temperature,
                TEMPERATURE_RANGE.start(),
                TEMPERATURE_RANGE.end()
            ));
        }
        if let Some(t) = h.threshold.filter(|t| !(0.0..=1.0).contains(t)) {
            return Err(format!(
                "head `{}`: threshold {t} is not a probability in 0..=1",
                h.name
            ));
        }
    }
    // Scores are keyed by output name (`head/class`): head `a` with class `b/c` and head
    // `a/b` with class `c` would both be `a/b/c`, and one score would hide the other.
    let mut outputs = std::collections::BTreeSet::new();
    if let Some(dup) = crate::model::output_names(heads)
        .into_iter()
        .find(|o| !outputs.insert(o.clone()))
    {
        return Err(format!("two outputs are named `{dup}`"));
    }
    Ok(())
}

/// A cursor that refuses to read past the end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    path: &'a str,
}

impl<'a> Cursor<'a> {
    /// A layout error in this cursor's file.
    fn layout(&self, what: String) -> ModelError {
        ModelError::Layout {
            path: self.path.into(),
            what,
        }
    }

    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], ModelError> {
        let remaining = (self.bytes.len() - self.at) as u64;
        if n > remaining {
            return Err(self.layout(format!("{what} needs {n} bytes, only {remaining} remain")));
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
        if let Some(x) = v
            .iter()
            .find(|x| !x.is_finite() || x.abs() > MAX_ABS_WEIGHT)
        {
            return Err(self.layout(format!("{what} holds {x}, outside ±{MAX_ABS_WEIGHT}")));
        }
        Ok(v)
    }
}

/// Parses model bytes; `path` names the source in errors.
///
/// # Errors
/// As for [`read_file`].
pub fn from_bytes(bytes: &[u8], path: &str) -> Result<Model, ModelError> {
    let (mut c, word_hash) = checked_body(bytes, path)?;
    let header = read_header(&mut c, word_hash)?;
    let n = c.u64("feature count")?;
    // Each feature costs at least 8 bytes (id + column weight): check before allocating.
    let remaining = (c.bytes.len() - c.at) as u64;
    if n.checked_mul(8).is_none_or(|b| b > remaining) {
        return Err(c.layout(format!(
            "{n} features cannot fit in the {remaining} bytes that remain"
        )));
    }
    let feature_ids = read_feature_ids(&mut c, n, header.features.hash_bits)?;
    let column_weights = c.f32s(n, "column weights")?;
    let heads = read_head_weights(&mut c, n, &header.heads)?;
    if c.at != c.bytes.len() {
        return Err(c.layout(format!(
            "{} unexpected bytes after the weights",
            c.bytes.len() - c.at
        )));
    }
    Ok(Model::new(header, feature_ids, column_weights, heads))
}

/// Checks the magic, the format version and the checksum, in that order (a bit flip anywhere is
/// reported as such, not as a confusing field error), and returns a cursor over the checked
/// body (the bytes before the digest), placed after the version, with the version's word hash.
fn checked_body<'a>(bytes: &'a [u8], path: &'a str) -> Result<(Cursor<'a>, WordHash), ModelError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(ModelError::Magic { path: path.into() });
    }
    let mut c = Cursor {
        bytes,
        at: MAGIC.len(),
        path,
    };
    let version = c.u32("format version")?;
    let word_hash = word_hash_of(version).ok_or_else(|| ModelError::Version {
        path: path.into(),
        found: version,
    })?;
    if bytes.len() < MAGIC.len() + 4 + 8 + 32 {
        return Err(c.layout(format!("{} bytes is too short for a model", bytes.len())));
    }
    let (body, digest) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body).as_slice() != digest {
        return Err(ModelError::Checksum { path: path.into() });
    }
    let body = Cursor {
        bytes: body,
        at: c.at,
        path,
    };
    Ok((body, word_hash))
}

/// Reads the JSON header (its length first) and checks its features and heads.
fn read_header(c: &mut Cursor<'_>, word_hash: WordHash) -> Result<ModelHeader, ModelError> {
    let header_len = c.u64("header length")?;
    if header_len > MAX_HEADER_BYTES {
        return Err(c.layout(format!("header length {header_len} is implausible")));
    }
    let header_bytes = c.take(header_len, "header")?;
    let bad_header = |what: String| ModelError::Header {
        path: c.path.into(),
        what,
    };
    let mut header: ModelHeader =
        serde_json::from_slice(header_bytes).map_err(|e| bad_header(e.to_string()))?;
    header.features.word_hash = word_hash;
    header.features.validate().map_err(bad_header)?;
    check_heads(&header.heads).map_err(bad_header)?;
    Ok(header)
}

/// Reads `n` feature ids, which must be strictly ascending buckets of `hash_bits` bits.
fn read_feature_ids(c: &mut Cursor<'_>, n: u64, hash_bits: u32) -> Result<Vec<u32>, ModelError> {
    let ids_bytes = c.take(n * 4, "feature ids")?;
    let feature_ids: Vec<u32> = ids_bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    let limit = 1u64 << hash_bits;
    if feature_ids.windows(2).any(|w| w[0] >= w[1])
        || feature_ids.iter().any(|&i| u64::from(i) >= limit)
    {
        return Err(c.layout("feature ids are not strictly ascending hash buckets".into()));
    }
    Ok(feature_ids)
}

/// Reads each head's weights (`n` per class) and biases, in the header's order.
fn read_head_weights(
    c: &mut Cursor<'_>,
    n: u64,
    specs: &[HeadSpec],
) -> Result<Vec<HeadWeights>, ModelError> {
    let mut heads = Vec::with_capacity(specs.len());
    for h in specs {
        let k = h.classes.len() as u64;
        let weights = c.f32s(
            n.saturating_mul(k),
            &format!("weights of head `{}`", h.name),
        )?;
        let bias = c.f32s(k, &format!("bias of head `{}`", h.name))?;
        heads.push(HeadWeights { weights, bias });
    }
    Ok(heads)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HeadSpec, InputKind};
    use crate::FeatureSpec;

    fn head(name: &str, classes: &[&str]) -> HeadSpec {
        HeadSpec {
            name: name.into(),
            classes: classes.iter().map(|c| c.to_string()).collect(),
            positive: Some(classes[classes.len() - 1].into()),
            temperature: 1.0,
            threshold: Some(0.5),
        }
    }

    /// A valid two-feature model with the given heads, serialized.
    fn model_bytes(heads: Vec<HeadSpec>) -> Vec<u8> {
        let weights = heads
            .iter()
            .map(|h| HeadWeights {
                weights: vec![0.25; 2 * h.classes.len()],
                bias: vec![0.0; h.classes.len()],
            })
            .collect();
        let header = ModelHeader {
            task: "toxicity".into(),
            input: InputKind::Text,
            heads,
            features: FeatureSpec::default(),
            tokenizer_fingerprint: "fp".into(),
            weighting: "none".into(),
            learner: serde_json::json!({}),
            training: serde_json::json!({}),
            metrics: serde_json::json!({}),
            seed: 1,
            slant_version: "0".into(),
        };
        to_bytes(&Model::new(header, vec![1, 2], vec![1.0, 1.0], weights)).unwrap()
    }

    fn header_error(heads: Vec<HeadSpec>) -> String {
        match from_bytes(&model_bytes(heads), "m.model") {
            Err(e @ ModelError::Header { .. }) => e.to_string(),
            Err(other) => panic!("expected a header error, got {other}"),
            Ok(_) => panic!("expected a header error, the model loaded"),
        }
    }

    #[test]
    fn stored_thresholds_and_temperatures_are_range_checked() {
        assert!(from_bytes(&model_bytes(vec![head("toxic", &["no", "yes"])]), "m").is_ok());
        for threshold in [1.5, -0.1, 2e30] {
            let mut h = head("toxic", &["no", "yes"]);
            h.threshold = Some(threshold);
            let e = header_error(vec![h]);
            assert!(e.contains("m.model") && e.contains("threshold"), "{e}");
        }
        for temperature in [1e-30, 0.0, -1.0, 1e9, 3e38] {
            let mut h = head("toxic", &["no", "yes"]);
            h.temperature = temperature;
            let e = header_error(vec![h]);
            assert!(e.contains("temperature"), "{e}");
        }
    }

    #[test]
    fn the_version_names_the_word_hash_and_survives_a_round_trip() {
        let chained = model_bytes(vec![head("toxic", &["no", "yes"])]);
        assert_eq!(
            chained[8..12],
            2u32.to_le_bytes(),
            "new models are version 2"
        );
        let model = from_bytes(&chained, "m").unwrap();
        assert_eq!(model.header.features.word_hash, WordHash::Chained);
        // A version-1 model reads as one, serves with key hashing and is written back as it was.
        let mut legacy = model.clone();
        legacy.header.features.word_hash = WordHash::Keys;
        let bytes = to_bytes(&legacy).unwrap();
        assert_eq!(bytes[8..12], 1u32.to_le_bytes());
        let read = from_bytes(&bytes, "m").unwrap();
        assert_eq!(read.header.features.word_hash, WordHash::Keys);
        assert_eq!(to_bytes(&read).unwrap(), bytes);
        // A version from the future (checksum made right, so the version is what is refused).
        let mut future = chained.clone();
        future[8..12].copy_from_slice(&3u32.to_le_bytes());
        let n = future.len() - 32;
        let digest = Sha256::digest(&future[..n]);
        future[n..].copy_from_slice(&digest);
        let e = from_bytes(&future, "future.model").unwrap_err().to_string();
        assert!(
            e.contains("future.model") && e.contains("version 3") && e.contains("versions 1 to 2"),
            "{e}"
        );
    }

    #[test]
    fn the_shipped_model_is_within_every_bound() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/toxicity.model");
        let model = read_file(&path).unwrap();
        assert!(model.n_outputs() > 0);
    }

    #[test]
    fn duplicate_head_or_class_names_are_refused() {
        let e = header_error(vec![
            head("toxic", &["no", "yes"]),
            head("toxic", &["a", "b"]),
        ]);
        assert!(e.contains("two heads are named `toxic`"), "{e}");
        let e = header_error(vec![head("toxic", &["yes", "no", "yes"])]);
        assert!(e.contains("two classes named `yes`"), "{e}");
        let e = header_error(vec![head("a", &["b/c", "d"]), head("a/b", &["c", "e"])]);
        assert!(e.contains("two outputs are named `a/b/c`"), "{e}");
    }

    #[test]
    fn huge_weights_are_refused_so_scores_stay_finite() {
        let mut bytes = model_bytes(vec![head("toxic", &["no", "yes"])]);
        // The last float before the checksum is the head's last bias.
        let at = bytes.len() - 32 - 4;
        bytes[at..at + 4].copy_from_slice(&3e38f32.to_le_bytes());
        let n = bytes.len() - 32;
        let digest = Sha256::digest(&bytes[..n]);
        bytes[n..].copy_from_slice(&digest);
        let e = from_bytes(&bytes, "m").unwrap_err().to_string();
        assert!(
            e.contains("bias of head `toxic`") && e.contains("outside"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_size_cap_holds_for_a_fifo_whose_metadata_says_zero_bytes() {
        let dir = tempfile_dir();
        let fifo = dir.join("model.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: mkfifo is not available");
            return;
        }
        assert_eq!(std::fs::metadata(&fifo).unwrap().len(), 0);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                // The reader stops after max + 1 bytes; a broken pipe after that is expected.
                let _ = f.write_all(&vec![7u8; 4096]);
            })
        };
        assert!(matches!(
            read_capped(&fifo, 1000),
            Err(CappedRead::TooLarge)
        ));
        writer.join().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("slant-model-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
