//! Loading a recipe's data: every source file is hashed (sha256, for the header and card) and
//! read into [`Row`]s carrying the texts and, per head, the mapped class (or none when the head
//! does not learn from that row). Label problems are errors naming the file and line; the
//! optional `max_rows` cap takes a seeded sample, kept in file order.
//!
//! Rows are then grouped ([`assign_groups`]): rows sharing a source's `group_by` value, and
//! rows with the same normalized text (across sources too), form one group. `dev_share` draws
//! whole groups, and dev rows whose group also has training rows (a text seen in training) are
//! left out, so no dev row is a copy of a training row; cross-validation folds keep groups
//! whole as well ([`super::split::group_folds`]).
//!
//! A source may also give one row per labeled phrase of a sentiment tree (`phrases`) or fold
//! records that share a key into one row (`merge_by`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use slant_model::InputKind;

use super::recipe::{CheckedRecipe, Head, HeadSource, Recipe, Source, Split};
use super::split::Rng;
use super::{tree, TrainError};
use crate::serve::records::{self, label_field, text_field};

/// One training or dev example.
#[derive(Debug, Clone)]
pub struct Row {
    /// Index into [`Dataset::sources`].
    pub source: usize,
    pub line: u64,
    pub split: Split,
    pub text: String,
    /// Paired text (`pair`) or target (`target`); empty for `text` models.
    pub pair: String,
    /// Per head: the class index, or none.
    pub labels: Vec<Option<usize>>,
    /// The row's group: rows of one group always land on the same side of every split.
    pub group: u32,
}

/// What the header and card say about a data file.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub name: String,
    /// As written in the recipe (stable across machines; the header must not hold absolute paths).
    pub path: String,
    pub split: Split,
    pub sha256: String,
    /// Records in the file.
    pub rows: u64,
    /// Records kept (after `exclude` and `max_rows`).
    pub used: u64,
    /// Records left out by `exclude`.
    pub excluded: u64,
    /// Kept records moved to dev by `dev_share`.
    pub dev_rows: u64,
    /// `merge_by`: records folded into an earlier one with the same key and labels.
    #[serde(skip_serializing_if = "is_zero")]
    pub merged_away: u64,
    /// `merge_by`: records left out because records with their key disagree.
    #[serde(skip_serializing_if = "is_zero")]
    pub conflicting: u64,
    /// Rows are the phrases of each record's tree (`phrases`), so `used` counts phrases.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub phrase_rows: bool,
    /// Dev records left out because their text (or group) is also in training.
    #[serde(skip_serializing_if = "is_zero")]
    pub dev_duplicates: u64,
    /// Distinct groups among the used records.
    pub groups: u64,
    #[serde(skip)]
    pub license: String,
    #[serde(skip)]
    pub resolved: PathBuf,
}

/// A head's classes as found in the data.
#[derive(Debug, Clone, Serialize)]
pub struct HeadInfo {
    pub name: String,
    pub classes: Vec<String>,
    pub positive: Option<usize>,
    /// Training rows per class.
    pub train_counts: Vec<u64>,
    /// Dev rows per class.
    pub dev_counts: Vec<u64>,
    /// Rows whose value was listed in `drop`.
    pub dropped: u64,
}

/// All rows of a recipe.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub rows: Vec<Row>,
    pub sources: Vec<SourceInfo>,
    pub heads: Vec<HeadInfo>,
}

/// Reads every source of `recipe`; relative paths are taken from `base`.
///
/// # Errors
/// Unreadable files, malformed records, missing fields, unmapped labels, a class without
/// training rows.
pub fn load(recipe: &CheckedRecipe, base: &Path) -> Result<Dataset, TrainError> {
    let mut rows = Vec::new();
    let mut sources = Vec::new();
    // Raw label text per row and head before classes are known.
    let mut raw: Vec<Vec<Option<String>>> = Vec::new();
    let mut dropped = vec![0u64; recipe.heads.len()];
    // The `group_by` value of each row, if its source has one.
    let mut keys: Vec<Option<String>> = Vec::new();
    for (si, source) in recipe.sources.iter().enumerate() {
        let read = read_source(recipe, si, source, base, &mut dropped)?;
        rows.extend(read.rows);
        raw.extend(read.raw);
        keys.extend(read.keys);
        sources.push(read.info);
    }
    let keep = assign_groups(recipe, &mut rows, &keys, &mut sources);
    let mut kept = keep.iter();
    rows.retain(|_| kept.next().copied().unwrap_or(false));
    let mut kept = keep.iter();
    raw.retain(|_| kept.next().copied().unwrap_or(false));
    let heads = recipe
        .heads
        .iter()
        .enumerate()
        .map(|(hi, h)| head_classes(h, hi, &rows, &raw, &sources, dropped[hi]))
        .collect::<Result<Vec<_>, _>>()?;
    for (row, labels) in rows.iter_mut().zip(raw) {
        row.labels = class_indices(&labels, &heads);
    }
    Ok(Dataset {
        rows,
        sources,
        heads,
    })
}

/// Each head's class index for a row's raw labels (`None` where the row has no label for it).
fn class_indices(labels: &[Option<String>], heads: &[HeadInfo]) -> Vec<Option<usize>> {
    labels
        .iter()
        .zip(heads)
        .map(|(l, h)| {
            l.as_ref()
                .and_then(|l| h.classes.iter().position(|c| c == l))
        })
        .collect()
}

/// One source's rows as [`load`] keeps them: sampled to `max_rows`, each with its raw labels and
/// group key, and the source's account.
struct SampledSource {
    rows: Vec<Row>,
    raw: Vec<Vec<Option<String>>>,
    keys: Vec<Option<String>>,
    info: SourceInfo,
}

/// Reads source `si` of `recipe` (path relative to `base`), counting dropped labels per head
/// into `dropped`.
///
/// # Errors
/// As [`load`]; also a source that yields no rows.
fn read_source(
    recipe: &CheckedRecipe,
    si: usize,
    source: &Source,
    base: &Path,
    dropped: &mut [u64],
) -> Result<SampledSource, TrainError> {
    let resolved = base.join(&source.path);
    let sha256 = sha256_file(&resolved)?;
    let mut records = read_records(recipe, si, source, &resolved, dropped)?;
    let (mut src_rows, mut src_raw, mut src_keys) =
        records
            .merge
            .without_conflicts(records.rows, records.raw, records.keys);
    if src_rows.is_empty() {
        return Err(TrainError::Data {
            message: format!("{}: no records", resolved.display()),
        });
    }
    let keep = sample(src_rows.len(), recipe.max_rows, recipe.seed, &source.name);
    let mut sampled = SampledSource {
        rows: Vec::with_capacity(keep.len()),
        raw: Vec::with_capacity(keep.len()),
        keys: Vec::with_capacity(keep.len()),
        info: SourceInfo {
            name: source.name.clone(),
            path: source.path.clone(),
            split: source.split,
            sha256,
            rows: records.records,
            used: keep.len() as u64,
            excluded: records.excluded,
            dev_rows: 0,
            dev_duplicates: 0,
            groups: 0,
            merged_away: records.merge.merged_away,
            conflicting: records.merge.conflicting,
            phrase_rows: source.phrases.is_some(),
            license: source
                .license
                .clone()
                .unwrap_or_else(|| license_of(&resolved)),
            resolved,
        },
    };
    for i in keep {
        sampled.rows.push(std::mem::take(&mut src_rows[i]));
        sampled.raw.push(std::mem::take(&mut src_raw[i]));
        sampled.keys.push(src_keys[i].take());
    }
    Ok(sampled)
}

/// Every row of one source file before merging and sampling, and what was counted on the way.
struct SourceRecords {
    rows: Vec<Row>,
    raw: Vec<Vec<Option<String>>>,
    keys: Vec<Option<String>>,
    /// Records read (before `exclude`, phrase expansion and merging).
    records: u64,
    /// Records left out by `exclude`.
    excluded: u64,
    merge: Merge,
}

/// Reads the records of source `si` (the file `resolved`): excluded records skipped, phrases
/// expanded, repeats of a `merge_by` key set aside for [`Merge::without_conflicts`].
///
/// # Errors
/// The file cannot be read; a record is malformed, lacks a field or has an unmapped label
/// (the error names the file and line).
fn read_records(
    recipe: &CheckedRecipe,
    si: usize,
    source: &Source,
    resolved: &Path,
    dropped: &mut [u64],
) -> Result<SourceRecords, TrainError> {
    let uses = head_sources_of(recipe, &source.name);
    let mut read = SourceRecords {
        rows: Vec::new(),
        raw: Vec::new(),
        keys: Vec::new(),
        records: 0,
        excluded: 0,
        merge: Merge::default(),
    };
    let mut seen_phrases = HashSet::new();
    let reader = records::read(resolved).map_err(|message| TrainError::Data { message })?;
    for rec in reader {
        let at = |message: String| TrainError::Record {
            at: rec.source.to_string(),
            message,
        };
        let fields = rec.fields.as_ref().map_err(|e| at(e.clone()))?;
        read.records += 1;
        let is_excluded = source
            .exclude
            .iter()
            .any(|(k, v)| label_field(fields, k).is_ok_and(|found| &found == v));
        if is_excluded {
            read.excluded += 1;
            continue;
        }
        let line = rec.source.line.unwrap_or(0);
        for fields in expand(fields, source, &mut seen_phrases).map_err(at)? {
            let (row, labels) = read_row(recipe, si, &uses, &fields, line, dropped).map_err(at)?;
            let key = match &source.merge_by {
                Some(k) => Some(label_field(&fields, k).map_err(at)?),
                None => None,
            };
            if read.merge.is_repeat(key, &labels, &read.raw) {
                continue;
            }
            let group_key = match &source.group_by {
                Some(field) => Some(label_field(&fields, field).map_err(at)?),
                None => None,
            };
            read.rows.push(row);
            read.raw.push(labels);
            read.keys.push(group_key);
        }
    }
    Ok(read)
}

/// The heads that read source `name`, each with its index and how it reads it.
fn head_sources_of<'r>(recipe: &'r CheckedRecipe, name: &str) -> Vec<(usize, &'r HeadSource)> {
    recipe
        .heads
        .iter()
        .enumerate()
        .flat_map(|(hi, h)| {
            h.from
                .iter()
                .filter(move |f| f.source == name)
                .map(move |f| (hi, f))
        })
        .collect()
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The field phrase rows carry their subtree's label in.
pub const PHRASE_LABEL: &str = "phrase_label";

/// The rows one record gives: itself, or with `phrases` each of its tree's phrases not seen
/// before in this source (text field replaced by the phrase, label in [`PHRASE_LABEL`]).
fn expand<'a>(
    fields: &'a Map<String, Value>,
    source: &Source,
    seen: &mut HashSet<String>,
) -> Result<Vec<Cow<'a, Map<String, Value>>>, String> {
    let Some(spec) = &source.phrases else {
        return Ok(vec![Cow::Borrowed(fields)]);
    };
    let tree = text_field(fields, &spec.field)?;
    let phrases = tree::phrases(&tree)?;
    let root = phrases.len() - 1;
    let mut base = fields.clone();
    base.remove(&spec.field);
    let mut out = Vec::new();
    for (i, p) in phrases.into_iter().enumerate() {
        if (p.words < spec.min_words && i != root) || !seen.insert(p.text.clone()) {
            continue;
        }
        let mut f = base.clone();
        f.insert(source.text_field.clone(), Value::String(p.text));
        f.insert(PHRASE_LABEL.into(), Value::String(p.label));
        out.push(Cow::Owned(f));
    }
    Ok(out)
}

/// One row from one record's fields, with each head's raw label (before classes are known).
fn read_row(
    recipe: &Recipe,
    si: usize,
    uses: &[(usize, &HeadSource)],
    fields: &Map<String, Value>,
    line: u64,
    dropped: &mut [u64],
) -> Result<(Row, Vec<Option<String>>), String> {
    let source = &recipe.sources[si];
    let text = text_field(fields, &source.text_field)?;
    let pair = match recipe.input {
        InputKind::Text => String::new(),
        InputKind::Pair => text_field(fields, source.pair_field.as_deref().unwrap_or("headline"))?,
        InputKind::Target => {
            text_field(fields, source.target_field.as_deref().unwrap_or("target"))?
        }
    };
    let mut labels = vec![None; recipe.heads.len()];
    for &(hi, from) in uses {
        let value = label_field(fields, &from.field)?;
        match map_label(&value, from) {
            Ok(Some(class)) => labels[hi] = Some(class),
            Ok(None) => dropped[hi] += 1,
            Err(message) => return Err(format!("head `{}`: {message}", recipe.heads[hi].name)),
        }
    }
    let row = Row {
        source: si,
        line,
        split: source.split,
        text,
        pair,
        labels: Vec::new(),
        group: 0,
    };
    Ok((row, labels))
}

/// A source's rows, each row's raw labels per head, and each row's `group_by` key.
type SourceRows = (Vec<Row>, Vec<Vec<Option<String>>>, Vec<Option<String>>);

/// `merge_by` bookkeeping: the first row of each key, how many records repeated it, and the
/// rows whose repeats disagreed with them.
#[derive(Default)]
struct Merge {
    first: HashMap<String, usize>,
    repeats: HashMap<usize, u64>,
    conflicted: BTreeSet<usize>,
    /// Records folded into an agreeing first row (known after [`Merge::without_conflicts`]).
    merged_away: u64,
    /// Records left out because their key's labels disagree (ditto).
    conflicting: u64,
}

impl Merge {
    /// Whether a row with `key` and `labels` repeats an earlier kept row (and is not kept
    /// itself); marks that row as conflicting when the labels differ. Rows without a key are
    /// never repeats.
    fn is_repeat(
        &mut self,
        key: Option<String>,
        labels: &[Option<String>],
        kept: &[Vec<Option<String>>],
    ) -> bool {
        let Some(key) = key else { return false };
        let Some(&i) = self.first.get(&key) else {
            self.first.insert(key, kept.len());
            return false;
        };
        *self.repeats.entry(i).or_default() += 1;
        if kept[i] != labels {
            self.conflicted.insert(i);
        }
        true
    }

    /// The kept rows minus those whose key had conflicting labels; fills in the counts.
    fn without_conflicts(
        &mut self,
        rows: Vec<Row>,
        raw: Vec<Vec<Option<String>>>,
        keys: Vec<Option<String>>,
    ) -> SourceRows {
        for (i, &n) in &self.repeats {
            if self.conflicted.contains(i) {
                self.conflicting += n + 1;
            } else {
                self.merged_away += n;
            }
        }
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        for (i, ((row, labels), key)) in rows.into_iter().zip(raw).zip(keys).enumerate() {
            if !self.conflicted.contains(&i) {
                out.0.push(row);
                out.1.push(labels);
                out.2.push(key);
            }
        }
        out
    }
}

impl Default for Row {
    fn default() -> Self {
        Row {
            source: 0,
            line: 0,
            split: Split::Train,
            text: String::new(),
            pair: String::new(),
            labels: Vec::new(),
            group: 0,
        }
    }
}

/// The text a duplicate check compares: lowercased, whitespace collapsed, pair text included.
fn text_key(row: &Row) -> String {
    let norm = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    format!("{}\u{1f}{}", norm(&row.text), norm(&row.pair))
}

/// Union-find root of `i`, halving paths on the way.
fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Groups `rows` (same `group_by` value within a source, or same text anywhere), moves whole
/// groups to dev by their sources' `dev_share`, and returns which rows to keep: dev rows in a
/// group that also has training rows are dropped. Fills the per-source counts.
fn assign_groups(
    recipe: &Recipe,
    rows: &mut [Row],
    keys: &[Option<String>],
    sources: &mut [SourceInfo],
) -> Vec<bool> {
    let roots = group_roots(rows, keys);
    let to_dev = groups_drawn_to_dev(recipe, rows, &roots);
    for (row, &d) in rows.iter_mut().zip(&to_dev) {
        if d {
            row.split = Split::Dev;
        }
    }
    let n = rows.len();
    let mut has_train = vec![false; n];
    for i in 0..n {
        if rows[i].split == Split::Train {
            has_train[roots[i]] = true;
        }
    }
    let mut keep = vec![true; n];
    let mut seen_groups: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); sources.len()];
    for i in 0..n {
        let src = &mut sources[rows[i].source];
        if rows[i].split == Split::Dev && has_train[roots[i]] {
            keep[i] = false;
            src.dev_duplicates += 1;
            src.used -= 1;
            continue;
        }
        if to_dev[i] {
            src.dev_rows += 1;
        }
        seen_groups[rows[i].source].insert(roots[i]);
        rows[i].group = roots[i] as u32;
    }
    for (src, g) in sources.iter_mut().zip(seen_groups) {
        src.groups = g.len() as u64;
    }
    keep
}

/// Each row's group, named by its first row: rows with the same text anywhere, or the same
/// `group_by` key within a source, are one group (union-find).
fn group_roots(rows: &[Row], keys: &[Option<String>]) -> Vec<usize> {
    let n = rows.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut first_of: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..n {
        let mut link = |k: String, parent: &mut Vec<usize>| {
            let j = *first_of.entry(k).or_insert(i);
            let (a, b) = (find(parent, i), find(parent, j));
            // The smaller index stays root, so roots are the groups' first rows.
            parent[a.max(b)] = a.min(b);
        };
        link(format!("t\u{1f}{}", text_key(&rows[i])), &mut parent);
        if let Some(k) = &keys[i] {
            link(format!("g\u{1f}{}\u{1f}{k}", rows[i].source), &mut parent);
        }
    }
    (0..n).map(|i| find(&mut parent, i)).collect()
}

/// Which rows their group's draw moves to dev (sources with a `dev_share` only). One draw per
/// group, from the text of its first row: independent of row order elsewhere.
fn groups_drawn_to_dev(recipe: &Recipe, rows: &[Row], roots: &[usize]) -> Vec<bool> {
    let mut to_dev = vec![false; rows.len()];
    for (i, row) in rows.iter().enumerate() {
        let r = roots[i];
        if let Some(share) = recipe.sources[row.source].dev_share {
            let draw = Rng::new(
                recipe.seed ^ fnv1a(text_key(&rows[r]).as_bytes()),
                "dev_share",
            )
            .next_u64();
            to_dev[i] = draw < (share * u64::MAX as f64) as u64;
        }
    }
    to_dev
}

/// 64-bit FNV-1a: a stable hash (the same on every platform and Rust version).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The class a data value maps to; `None` for dropped values.
fn map_label(value: &str, from: &HeadSource) -> Result<Option<String>, String> {
    let binarized;
    let value = match from.at_least {
        None => value,
        Some(t) => {
            let v: f64 = value.parse().map_err(|_| {
                format!(
                    "value {value:?} of `{}` is not a number (at_least)",
                    from.field
                )
            })?;
            binarized = if v >= t { "1" } else { "0" };
            binarized
        }
    };
    if from.drop.iter().any(|d| d == value) {
        return Ok(None);
    }
    match &from.map {
        None => Ok(Some(value.to_string())),
        Some(map) => match map.get(value) {
            Some(class) => Ok(Some(class.clone())),
            None => Err(format!(
                "value {value:?} of `{}` is neither in its map nor in drop",
                from.field
            )),
        },
    }
}

/// Head `hi`'s classes (the recipe's, else the labels of its training rows, sorted), its rows
/// per class in each split and its positive class.
fn head_classes(
    head: &Head,
    hi: usize,
    rows: &[Row],
    raw: &[Vec<Option<String>>],
    sources: &[SourceInfo],
    dropped: u64,
) -> Result<HeadInfo, TrainError> {
    let classes: Vec<String> = match &head.classes {
        Some(c) => c.clone(),
        None => training_labels(rows, raw, hi),
    };
    let (train_counts, dev_counts) = class_counts(head, hi, &classes, rows, raw, sources)?;
    let data_error = |message: String| TrainError::Data { message };
    if let Some(c) = train_counts.iter().position(|&n| n == 0) {
        return Err(data_error(format!(
            "head `{}`: class {:?} has no training rows",
            head.name, classes[c]
        )));
    }
    if classes.len() < 2 {
        return Err(data_error(format!(
            "head `{}`: needs at least two classes, found {classes:?}",
            head.name
        )));
    }
    let positive = match &head.positive {
        Some(p) => Some(classes.iter().position(|c| c == p).ok_or_else(|| {
            data_error(format!(
                "head `{}`: positive {p:?} is not one of {classes:?}",
                head.name
            ))
        })?),
        // The rarer class is what a binary detector looks for.
        None if classes.len() == 2 => Some(usize::from(train_counts[1] <= train_counts[0])),
        None => None,
    };
    Ok(HeadInfo {
        name: head.name.clone(),
        classes,
        positive,
        train_counts,
        dev_counts,
        dropped,
    })
}

/// The distinct labels of head `hi` on the training rows, sorted.
fn training_labels(rows: &[Row], raw: &[Vec<Option<String>>], hi: usize) -> Vec<String> {
    let labels: BTreeSet<&str> = rows
        .iter()
        .zip(raw)
        .filter(|(r, _)| r.split == Split::Train)
        .filter_map(|(_, l)| l[hi].as_deref())
        .collect();
    labels.into_iter().map(String::from).collect()
}

/// Head `hi`'s rows per class, training and dev; a label outside `classes` is an error naming
/// its record.
fn class_counts(
    head: &Head,
    hi: usize,
    classes: &[String],
    rows: &[Row],
    raw: &[Vec<Option<String>>],
    sources: &[SourceInfo],
) -> Result<(Vec<u64>, Vec<u64>), TrainError> {
    let mut train_counts = vec![0u64; classes.len()];
    let mut dev_counts = vec![0u64; classes.len()];
    for (row, labels) in rows.iter().zip(raw) {
        let Some(label) = &labels[hi] else { continue };
        let Some(c) = classes.iter().position(|c| c == label) else {
            return Err(TrainError::Record {
                at: format!("{}:{}", sources[row.source].resolved.display(), row.line),
                message: format!(
                    "head `{}`: label {label:?} is not one of its classes {classes:?}",
                    head.name
                ),
            });
        };
        match row.split {
            Split::Train => train_counts[c] += 1,
            Split::Dev => dev_counts[c] += 1,
        }
    }
    Ok((train_counts, dev_counts))
}

/// Indices of the rows kept: all, or a seeded sample of `max` in file order.
fn sample(n: usize, max: Option<usize>, seed: u64, stream: &str) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if let Some(max) = max.filter(|&m| m < n) {
        Rng::new(seed, stream).shuffle(&mut idx);
        idx.truncate(max);
        idx.sort_unstable();
    }
    idx
}

/// Hex sha256 of a file's bytes.
///
/// # Errors
/// [`TrainError::Io`] naming the file.
pub fn sha256_file(path: &Path) -> Result<String, TrainError> {
    let io = |e| TrainError::Io {
        path: path.display().to_string(),
        cause: e,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// The "License" section of the README.md beside a data file, as one line.
fn license_of(data_file: &Path) -> String {
    let readme = data_file.parent().map(|d| d.join("README.md"));
    let Some(text) = readme.and_then(|p| std::fs::read_to_string(p).ok()) else {
        return "not stated (no README.md beside the data file)".into();
    };
    let mut in_section = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            if in_section {
                break;
            }
            in_section = line.to_ascii_lowercase().contains("license");
            continue;
        }
        if in_section && !line.trim().is_empty() {
            lines.push(line.trim());
        }
    }
    if lines.is_empty() {
        "not stated in the dataset README".into()
    } else {
        lines.join(" ")
    }
}

/// Counts per label value, for messages.
pub fn describe_counts(classes: &[String], counts: &[u64]) -> String {
    let m: BTreeMap<&str, u64> = classes
        .iter()
        .map(String::as_str)
        .zip(counts.iter().copied())
        .collect();
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_map_drop_and_fail_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("d.jsonl"),
            "{\"text\":\"a\",\"y\":\"x\"}\n{\"text\":\"b\",\"y\":\"z\"}\n{\"text\":\"c\",\"y\":\"skip\"}\n{\"text\":\"d\",\"y\":\"x\"}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("README.md"),
            "# D\n## License (as stated)\nCC0\n\n## Other\nx\n",
        )
        .unwrap();
        let toml = r#"
name = "t"
task = "t"
[[source]]
name = "d"
path = "d.jsonl"
[[head]]
name = "h"
[[head.from]]
source = "d"
field = "y"
map = { x = "pos", z = "neg" }
drop = ["skip"]
"#;
        let recipe = Recipe::from_toml(toml, "t").unwrap();
        let data = load(&recipe, dir.path()).unwrap();
        assert_eq!(data.rows.len(), 4);
        assert_eq!(data.heads[0].classes, ["neg", "pos"]);
        assert_eq!(data.heads[0].dropped, 1);
        assert_eq!(data.heads[0].positive, Some(0)); // the rarer class
        assert_eq!(data.rows[0].labels, [Some(1)]);
        assert_eq!(data.rows[2].labels, [None]);
        assert_eq!(data.sources[0].license, "CC0");
        assert_eq!(data.sources[0].sha256.len(), 64);
        let bad = Recipe::from_toml(&toml.replace("drop = [\"skip\"]", ""), "t").unwrap();
        let e = load(&bad, dir.path()).unwrap_err().to_string();
        assert!(e.contains("d.jsonl:3") && e.contains("\"skip\""), "{e}");
    }

    #[test]
    fn phrase_rows_come_from_the_tree_once_each() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("t.jsonl"),
            concat!(
                "{\"id\":\"a\",\"text\":\"not good\",\"tree\":\"(1 (2 not) (3 good))\"}\n",
                "{\"id\":\"b\",\"text\":\"good film\",\"tree\":\"(4 (3 good) (2 film))\"}\n",
            ),
        )
        .unwrap();
        let toml = r#"
name = "t"
task = "t"
[[source]]
name = "t"
path = "t.jsonl"
phrases = { field = "tree" }
[[head]]
name = "h"
[[head.from]]
source = "t"
field = "phrase_label"
"#;
        let recipe = Recipe::from_toml(toml, "t").unwrap();
        let data = load(&recipe, dir.path()).unwrap();
        let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
        // "good" appears in both trees and is kept once.
        assert_eq!(texts, ["not", "good", "not good", "film", "good film"]);
        let classes = &data.heads[0].classes;
        let label = |i: usize| classes[data.rows[i].labels[0].unwrap()].as_str();
        assert_eq!((label(2), label(4)), ("1", "4"));
        assert_eq!((data.sources[0].rows, data.sources[0].used), (2, 5));
        assert_eq!(data.rows[3].line, 2);
        let short = Recipe::from_toml(
            &toml.replace("\"tree\" }", "\"tree\", min_words = 2 }"),
            "t",
        )
        .unwrap();
        let data = load(&short, dir.path()).unwrap();
        assert_eq!(
            data.rows.len(),
            2,
            "only the whole sentences have two words"
        );
        std::fs::write(
            dir.path().join("t.jsonl"),
            "{\"text\":\"x\",\"tree\":\"(1 x\"}\n",
        )
        .unwrap();
        let e = load(&recipe, dir.path()).unwrap_err().to_string();
        assert!(e.contains("t.jsonl:1") && e.contains("tree:"), "{e}");
    }

    #[test]
    fn merge_by_keeps_agreeing_records_once_and_drops_disagreeing_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("m.jsonl"),
            concat!(
                "{\"s\":1,\"text\":\"a\",\"y\":\"neg\"}\n",
                "{\"s\":1,\"text\":\"a\",\"y\":\"neg\"}\n",
                "{\"s\":2,\"text\":\"b\",\"y\":\"pos\"}\n",
                "{\"s\":2,\"text\":\"b\",\"y\":\"neg\"}\n",
                "{\"s\":2,\"text\":\"b\",\"y\":\"neg\"}\n",
                "{\"s\":3,\"text\":\"c\",\"y\":\"pos\"}\n",
            ),
        )
        .unwrap();
        let toml = r#"
name = "t"
task = "t"
[[source]]
name = "m"
path = "m.jsonl"
merge_by = "s"
[[head]]
name = "h"
[[head.from]]
source = "m"
field = "y"
"#;
        let data = load(&Recipe::from_toml(toml, "t").unwrap(), dir.path()).unwrap();
        let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["a", "c"]);
        let info = &data.sources[0];
        assert_eq!((info.rows, info.merged_away, info.conflicting), (6, 1, 3));
        let both = toml.replace(
            "merge_by = \"s\"",
            "merge_by = \"s\"\nphrases = { field = \"t\" }",
        );
        assert!(Recipe::from_toml(&both, "t").is_err());
    }

    #[test]
    fn groups_stay_on_one_side_and_dev_copies_of_training_text_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        // 40 posts of 3 sentences each (`post`), and a dev file repeating two training texts.
        let mut train = String::new();
        for p in 0..40 {
            for s in 0..3 {
                train.push_str(&format!(
                    "{{\"text\":\"post {p} sentence {s}\",\"post\":\"{p}\",\"y\":\"{}\"}}\n",
                    ["a", "b"][(p + s) % 2]
                ));
            }
        }
        std::fs::write(dir.path().join("t.jsonl"), train).unwrap();
        std::fs::write(
            dir.path().join("d.jsonl"),
            "{\"text\":\"POST 1  sentence 0\",\"y\":\"a\"}\n{\"text\":\"fresh\",\"y\":\"b\"}\n{\"text\":\"other\",\"y\":\"a\"}\n",
        )
        .unwrap();
        let toml = r#"
name = "t"
task = "t"
[[source]]
name = "t"
path = "t.jsonl"
group_by = "post"
dev_share = 0.3
[[source]]
name = "d"
path = "d.jsonl"
split = "dev"
[[head]]
name = "h"
[[head.from]]
source = "t"
field = "y"
[[head.from]]
source = "d"
field = "y"
"#;
        let recipe = Recipe::from_toml(toml, "t").unwrap();
        let data = load(&recipe, dir.path()).unwrap();
        // Every post's three sentences share a group and a split.
        for post in data.rows.chunks(3).take_while(|c| c[0].source == 0) {
            assert!(post
                .iter()
                .all(|r| r.group == post[0].group && r.split == post[0].split));
        }
        let dev_posts = data
            .rows
            .iter()
            .filter(|r| r.source == 0 && r.split == Split::Dev)
            .count();
        assert!(
            dev_posts > 0 && dev_posts % 3 == 0 && dev_posts < 120,
            "{dev_posts}"
        );
        assert_eq!(data.sources[0].dev_rows, dev_posts as u64);
        assert_eq!(data.sources[0].groups, 40);
        // "POST 1  sentence 0" is "post 1 sentence 0" after normalization: left out of dev
        // unless post 1 itself went to dev (then it is a dev row of the same group).
        let post1_dev = data
            .rows
            .iter()
            .any(|r| r.text == "post 1 sentence 0" && r.split == Split::Dev);
        let kept_copy = data.rows.iter().any(|r| r.text == "POST 1  sentence 0");
        assert_eq!(kept_copy, post1_dev);
        assert_eq!(data.sources[1].dev_duplicates, u64::from(!post1_dev));
        // Loading again gives the same split.
        let again = load(&recipe, dir.path()).unwrap();
        assert!(again
            .rows
            .iter()
            .zip(&data.rows)
            .all(|(a, b)| a.split == b.split && a.group == b.group));
    }

    #[test]
    fn sampling_is_seeded_and_ordered() {
        let a = sample(100, Some(10), 1, "s");
        assert_eq!(a, sample(100, Some(10), 1, "s"));
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample(5, Some(10), 1, "s"), [0, 1, 2, 3, 4]);
    }
}
