//! The training recipe: a TOML file naming the data (sources), what each head learns from which
//! source (label field and mapping), the features, selection, weighting, learner grid and how
//! hyperparameters are tuned. Parsing is strict (unknown keys are errors) and [`Recipe::check`]
//! checks every range and cross-reference once, before any data is read, into a
//! [`CheckedRecipe`]: the only kind training takes.
//!
//! ```toml
//! name = "olid"
//! task = "toxicity"
//! input = "text"                 # text | target | pair
//! seed = 42
//!
//! [features]                     # slant_model::FeatureSpec
//! word_ngrams = [1, 2]
//! char_ngrams = [2, 5]
//!
//! [selection]
//! method = "chi2"                # chi2 | df | all
//! k = 50000
//!
//! weighting = "idf"              # idf | nb | idf_nb | none (top-level key, before any table)
//!
//! [learner]
//! c = [0.5, 1, 2, 4]             # inverse L2 strength grid (alpha = 1/C)
//! gradient_tolerance = 1e-3      # stop at ‖∇‖ ≤ this × ‖∇ at zero weights‖
//! class_weight = "balanced"      # balanced | none | resample
//!
//! [tuning]
//! method = "cv"                  # cv | auto (dev if any, else holdout) | holdout
//! folds = 5
//!
//! [[source]]
//! name = "train"
//! path = "../../shared/data/olid_offensive/train.jsonl.gz"   # relative to the recipe file
//! split = "train"                # train | dev
//! # group_by = "post_id"         # rows sharing this field's value never straddle a split
//! # dev_share = 0.1              # a seeded share of groups becomes dev rows
//! # repeat = 4                   # oversample: each row 4 times in every fit
//!
//! [[head]]
//! name = "offensive"
//! positive = "OFF"
//! [[head.from]]
//! source = "train"
//! field = "subtask_a"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use slant_model::{FeatureSpec, InputKind};

use super::TrainError;

/// A whole recipe.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Model name (used in the card and the header).
    pub name: String,
    /// Task the model serves ("toxicity", "sentiment", "stance", "claim", …).
    pub task: String,
    #[serde(default = "default_input")]
    pub input: InputKind,
    /// Seed of every random choice (splits, folds, row sampling).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Use at most this many rows of each source (a seeded sample, kept in file order); for
    /// quick experiments and tests.
    #[serde(default)]
    pub max_rows: Option<usize>,
    /// A free-text description for the model card.
    #[serde(default)]
    pub description: Option<String>,
    /// Known limits, written into the model card.
    #[serde(default)]
    pub limits: Vec<String>,
    /// How the features, k and weighting were chosen (the comparison, its command and what it
    /// measured), written into the model card; without it the card says they were set by hand.
    #[serde(default)]
    pub features_chosen_by: Option<String>,
    /// Settings of the tokenize stage (its `[stages.tokenize]` table).
    #[serde(default)]
    pub tokenizer: toml::Table,
    #[serde(default)]
    pub features: FeatureSpec,
    #[serde(default)]
    pub selection: Selection,
    #[serde(default)]
    pub weighting: Weighting,
    #[serde(default)]
    pub learner: Learner,
    #[serde(default)]
    pub tuning: Tuning,
    #[serde(rename = "source")]
    pub sources: Vec<Source>,
    #[serde(rename = "head")]
    pub heads: Vec<Head>,
}

fn default_input() -> InputKind {
    InputKind::Text
}
fn default_seed() -> u64 {
    42
}

/// Which hashed buckets become model columns.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Selection {
    pub method: SelectionMethod,
    /// Number of columns kept.
    pub k: usize,
    /// Buckets seen in fewer training documents are never kept.
    pub min_df: u32,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            method: SelectionMethod::Chi2,
            k: 20_000,
            min_df: 2,
        }
    }
}

/// How buckets are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectionMethod {
    /// χ² of presence against each head's classes (max over heads).
    Chi2,
    /// Document frequency.
    Df,
    /// Every bucket that passes `min_df` (then `k` is ignored).
    All,
}

/// Column weighting before L2 normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// Smoothed inverse document frequency, `ln((1 + n) / (1 + df)) + 1`.
    #[default]
    Idf,
    /// Every column weighs 1.
    None,
    /// |NB log-count ratio| of the column (max over heads and classes), as in NB-weighted LR.
    Nb,
    /// idf × |NB log-count ratio|.
    IdfNb,
}

impl Weighting {
    /// The name stored in the model header.
    pub fn name(self) -> &'static str {
        match self {
            Weighting::Idf => "idf",
            Weighting::None => "none",
            Weighting::Nb => "nb",
            Weighting::IdfNb => "idf_nb",
        }
    }
}

/// The linfa learner and its grid.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Learner {
    /// Only `multi_logistic` (linfa-logistic `MultiLogisticRegression`, also for two classes).
    pub name: String,
    /// Inverse L2 strengths tried (linfa's `alpha = 1 / C`; its loss is a sum over rows).
    pub c: Vec<f32>,
    /// L-BFGS iterations at most per fit.
    pub max_iterations: u64,
    /// Stop when the gradient norm falls below this share of the gradient norm at zero
    /// weights (a relative tolerance means the same at any data size; see [`super::fit`]).
    pub gradient_tolerance: f32,
    pub class_weight: ClassWeight,
}

impl Default for Learner {
    fn default() -> Self {
        Learner {
            name: "multi_logistic".into(),
            c: vec![1.0, 4.0, 16.0],
            max_iterations: 300,
            gradient_tolerance: 1e-3,
            class_weight: ClassWeight::Balanced,
        }
    }
}

/// How skewed labels are compensated. linfa has no sample weights, so the fit itself sees
/// every class as often as it occurs unless `resample` repeats rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Binary heads: nothing in the fit; the decision threshold chosen on held-out rows
    /// balances the errors (probabilities stay calibrated). Multi-class heads: prior correction
    /// of the bias by `ln(n / (k · n_c))` after the fit.
    #[default]
    Balanced,
    /// Nothing: the fit and the argmax as they are (binary heads still get a threshold).
    None,
    /// Rows of rarer classes are repeated in the fit (each class about as many rows as the
    /// largest, whole repeats only); binary heads still get a threshold.
    Resample,
}

impl ClassWeight {
    /// What the card says about a head with `k` classes.
    pub fn describe(self, k: usize) -> &'static str {
        match (self, k) {
            (ClassWeight::Balanced, 2) => "none in the fit; the threshold balances the classes",
            (ClassWeight::Balanced, _) => "prior correction of the bias after the fit",
            (ClassWeight::None, _) => "none",
            (ClassWeight::Resample, _) => "rarer classes' rows repeated in the fit",
        }
    }
}

/// How C, the temperature and the threshold are chosen.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tuning {
    pub method: TuningMethod,
    /// Folds for `cv`.
    pub folds: usize,
    /// Share of training rows held out when a head has no dev rows (`auto`, `holdout`).
    pub holdout: f64,
    /// What picks C.
    pub metric: Metric,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            method: TuningMethod::Auto,
            folds: 5,
            holdout: 0.1,
            metric: Metric::MacroF1,
        }
    }
}

/// Where held-out predictions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TuningMethod {
    /// The head's dev rows if it has any, else a seeded holdout of its training rows.
    Auto,
    /// A seeded holdout of the training rows, even when dev rows exist (dev is then reported).
    Holdout,
    /// k-fold cross-validation on the training rows; the final fit uses all of them and dev
    /// rows, if any, are a clean held-out report.
    Cv,
}

/// The metric C is chosen by (on argmax decisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    MacroF1,
    Accuracy,
    MacroRecall,
}

/// One data file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Name heads refer to.
    pub name: String,
    /// `.jsonl[.gz]` or `.csv[.gz]`, relative to the recipe's folder.
    pub path: String,
    #[serde(default = "default_split")]
    pub split: Split,
    #[serde(default = "default_text_field")]
    pub text_field: String,
    /// Paired text for `input = "pair"` (headline, claim).
    #[serde(default)]
    pub pair_field: Option<String>,
    /// Target for `input = "target"`.
    #[serde(default)]
    pub target_field: Option<String>,
    /// License of the data, for the card; read from the dataset's README.md when absent.
    #[serde(default)]
    pub license: Option<String>,
    /// For a dataset without a dev split: this share of its rows (a seeded draw, the same on
    /// every run) becomes dev rows, so every corpus is measured on rows it was not fitted on.
    #[serde(default)]
    pub dev_share: Option<f64>,
    /// Rows whose field has this value are left out entirely (e.g. a leakage flag such as
    /// `post_in_sampled_test = "true"`).
    #[serde(default)]
    pub exclude: BTreeMap<String, String>,
    /// A field whose equal values form one group (e.g. `post_id` for sentences of one post):
    /// `dev_share` and cross-validation folds never split a group. Rows with the same text
    /// are always grouped, across sources too, whether or not this is set.
    #[serde(default)]
    pub group_by: Option<String>,
    /// Each training row of this source appears this many times in the fit (oversampling a
    /// small corpus so larger ones do not drown it); selection, dev and folds are unaffected.
    #[serde(default)]
    pub repeat: Option<u32>,
    /// Rows are the labeled phrases of a sentiment tree held in a field (SST's `tree`), not
    /// the records themselves. Off by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrases: Option<Phrases>,
    /// Records sharing this field's value (e.g. one sentence annotated once per target) become
    /// one row when every head's label agrees; when they disagree, all of them are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_by: Option<String>,
}

/// Phrase rows from a PTB-style tree (see [`super::tree`]): each distinct subtree of each record
/// becomes a row whose text (`text_field`) is the phrase and whose field `phrase_label` is the
/// subtree's label; the record's other fields are kept (e.g. `id`, to group a sentence's
/// phrases). A phrase seen earlier in the same source is kept once.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Phrases {
    /// The field holding the tree.
    pub field: String,
    /// Phrases with fewer words (leaves) are left out; the whole sentence is always kept.
    #[serde(default = "default_min_words")]
    pub min_words: usize,
}

fn default_min_words() -> usize {
    1
}

fn default_split() -> Split {
    Split::Train
}
fn default_text_field() -> String {
    "text".into()
}

/// What a source is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    Train,
    Dev,
}

/// One softmax head.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    pub name: String,
    /// Class order; by default the sorted labels found in the head's training rows.
    #[serde(default)]
    pub classes: Option<Vec<String>>,
    /// The positive class of a binary head (default: its rarer class in training).
    #[serde(default)]
    pub positive: Option<String>,
    /// Where its labels come from.
    pub from: Vec<HeadSource>,
}

/// A head's labels in one source.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HeadSource {
    pub source: String,
    /// The label field.
    pub field: String,
    /// Data value → class. With a map, every value must be mapped or listed in `drop`.
    #[serde(default)]
    pub map: Option<BTreeMap<String, String>>,
    /// Values whose rows this head does not learn from.
    #[serde(default)]
    pub drop: Vec<String>,
    /// Numeric labels (a share of annotators, a score): values at or above this become `"1"`,
    /// the others `"0"`, before `map` and `drop` apply.
    #[serde(default)]
    pub at_least: Option<f64>,
}

impl Recipe {
    /// Reads and validates a recipe file; relative source paths are resolved against its folder.
    ///
    /// # Errors
    /// [`TrainError::Recipe`] naming the file: unreadable, not TOML, unknown keys, invalid values.
    pub fn from_file(path: &Path) -> Result<(CheckedRecipe, PathBuf), TrainError> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::Io {
            path: path.display().to_string(),
            cause: e,
        })?;
        let recipe = Recipe::from_toml(&text, &path.display().to_string())?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok((recipe, base))
    }

    /// Parses and validates recipe text; `name` labels errors.
    ///
    /// # Errors
    /// As for [`Recipe::from_file`].
    pub fn from_toml(text: &str, name: &str) -> Result<CheckedRecipe, TrainError> {
        let recipe: Recipe = toml::from_str(text).map_err(|e| TrainError::Recipe {
            path: name.into(),
            message: e.to_string(),
        })?;
        recipe.check().map_err(|message| TrainError::Recipe {
            path: name.into(),
            message,
        })
    }

    /// Checks ranges and references once, giving the only kind of recipe training accepts.
    ///
    /// # Errors
    /// A message naming the offending setting.
    pub fn check(self) -> Result<CheckedRecipe, String> {
        self.problems()?;
        let mut c_grid = self.learner.c.clone();
        c_grid.sort_by(f32::total_cmp);
        c_grid.dedup();
        Ok(CheckedRecipe {
            recipe: self,
            c_grid,
        })
    }

    /// The first problem found: a value out of range or a name that refers to nothing.
    fn problems(&self) -> Result<(), String> {
        self.features
            .validate()
            .map_err(|e| format!("[features]: {e}"))?;
        self.settings_problems()?;
        if self.sources.is_empty() {
            return Err("no [[source]]".into());
        }
        if self.heads.is_empty() {
            return Err("no [[head]]".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for s in &self.sources {
            if !names.insert(s.name.as_str()) {
                return Err(format!("source `{}` is defined twice", s.name));
            }
            self.source_problems(s)?;
        }
        let mut head_names = std::collections::BTreeSet::new();
        for h in &self.heads {
            if !head_names.insert(h.name.as_str()) {
                return Err(format!("head `{}` is defined twice", h.name));
            }
            head_problems(h, &names)?;
        }
        Ok(())
    }

    /// The first learner, selection, tuning or sampling setting out of its range.
    fn settings_problems(&self) -> Result<(), String> {
        if self.learner.name != "multi_logistic" {
            return Err(format!(
                "[learner] name {:?}: only \"multi_logistic\" (linfa-logistic MultiLogisticRegression) is available",
                self.learner.name
            ));
        }
        if self.learner.c.is_empty() || self.learner.c.iter().any(|c| !(c.is_finite() && *c > 0.0))
        {
            return Err("[learner] c: need at least one finite C > 0".into());
        }
        if self.learner.max_iterations == 0 {
            return Err("[learner] max_iterations must be > 0".into());
        }
        if self.selection.k == 0 && self.selection.method != SelectionMethod::All {
            return Err("[selection] k must be > 0".into());
        }
        if self.tuning.method == TuningMethod::Cv && !(2..=50).contains(&self.tuning.folds) {
            return Err(format!("[tuning] folds {}: need 2..=50", self.tuning.folds));
        }
        if !(self.tuning.holdout > 0.0 && self.tuning.holdout < 0.9) {
            return Err(format!(
                "[tuning] holdout {}: need a share in (0, 0.9)",
                self.tuning.holdout
            ));
        }
        if !(self.learner.gradient_tolerance > 0.0 && self.learner.gradient_tolerance < 1.0) {
            return Err("[learner] gradient_tolerance: need a share in (0, 1)".into());
        }
        if self.max_rows == Some(0) {
            return Err("max_rows must be > 0".into());
        }
        Ok(())
    }

    /// The first problem of source `s`: options that cannot go together or are out of range,
    /// or a field the recipe's input needs and the source does not name.
    fn source_problems(&self, s: &Source) -> Result<(), String> {
        if s.phrases.is_some() && s.merge_by.is_some() {
            return Err(format!(
                "source `{}`: phrases and merge_by cannot be combined",
                s.name
            ));
        }
        if s.repeat.is_some_and(|r| !(1..=50).contains(&r)) {
            return Err(format!("source `{}`: repeat needs 1..=50", s.name));
        }
        if let Some(share) = s.dev_share {
            if !(share > 0.0 && share <= 0.5) || s.split != Split::Train {
                return Err(format!(
                    "source `{}`: dev_share {share} needs a train source and a share in (0, 0.5]",
                    s.name
                ));
            }
        }
        match self.input {
            InputKind::Pair if s.pair_field.is_none() => Err(format!(
                "source `{}`: input \"pair\" needs pair_field",
                s.name
            )),
            InputKind::Target if s.target_field.is_none() => Err(format!(
                "source `{}`: input \"target\" needs target_field",
                s.name
            )),
            _ => Ok(()),
        }
    }

    /// The tokenizer settings as the plugin takes them (JSON).
    pub fn tokenizer_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.tokenizer).unwrap_or_else(|_| serde_json::json!({}))
    }
}

/// What `slant train --data …` says instead of a recipe.
#[derive(Debug, Clone)]
pub struct AdHoc {
    pub name: String,
    pub task: String,
    pub input: InputKind,
    pub data: Vec<PathBuf>,
    pub dev: Vec<PathBuf>,
    pub text_field: String,
    pub pair_field: Option<String>,
    pub target_field: Option<String>,
    pub label_field: String,
    pub label_map: Option<BTreeMap<String, String>>,
    pub features: FeatureSpec,
    pub selection_k: Option<usize>,
    pub c: Option<Vec<f32>>,
    pub max_rows: Option<usize>,
    pub seed: u64,
}

impl Recipe {
    /// A one-head recipe from command-line flags; paths stay as given (relative to the
    /// current folder).
    ///
    /// # Errors
    /// [`TrainError::Recipe`] if the result does not pass [`Recipe::check`].
    pub fn ad_hoc(a: &AdHoc) -> Result<CheckedRecipe, TrainError> {
        let sources = a.sources();
        let head = a.head(&sources);
        let mut learner = Learner::default();
        if let Some(c) = &a.c {
            learner.c = c.clone();
        }
        let mut selection = Selection::default();
        if let Some(k) = a.selection_k {
            selection.k = k;
        }
        let recipe = Recipe {
            name: a.name.clone(),
            task: a.task.clone(),
            input: a.input,
            seed: a.seed,
            max_rows: a.max_rows,
            description: None,
            limits: Vec::new(),
            features_chosen_by: None,
            tokenizer: toml::Table::new(),
            features: a.features.clone(),
            selection,
            weighting: Weighting::Idf,
            learner,
            tuning: Tuning::default(),
            sources,
            heads: vec![head],
        };
        recipe.check().map_err(|message| TrainError::Recipe {
            path: "(command line)".into(),
            message,
        })
    }
}

impl AdHoc {
    /// One source per data file (`data1`, `data2`, …) and per dev file (`dev1`, …).
    fn sources(&self) -> Vec<Source> {
        let data = self.data.iter().enumerate();
        let dev = self.dev.iter().enumerate();
        data.map(|(i, p)| self.source(p, i, Split::Train))
            .chain(dev.map(|(i, p)| self.source(p, i, Split::Dev)))
            .collect()
    }

    /// The source of file `p`, the `i`-th (from 0) of its split.
    fn source(&self, p: &Path, i: usize, split: Split) -> Source {
        Source {
            name: format!(
                "{}{}",
                if split == Split::Train { "data" } else { "dev" },
                i + 1
            ),
            path: p.display().to_string(),
            split,
            text_field: self.text_field.clone(),
            pair_field: self
                .pair_field
                .clone()
                .or((self.input == InputKind::Pair).then(|| "headline".into())),
            target_field: self
                .target_field
                .clone()
                .or((self.input == InputKind::Target).then(|| "target".into())),
            license: None,
            dev_share: None,
            exclude: BTreeMap::new(),
            phrases: None,
            merge_by: None,
            group_by: None,
            repeat: None,
        }
    }

    /// The one head: the task's labels read from the label field of every source.
    fn head(&self, sources: &[Source]) -> Head {
        Head {
            name: self.task.clone(),
            classes: None,
            positive: None,
            from: sources
                .iter()
                .map(|s| HeadSource {
                    source: s.name.clone(),
                    field: self.label_field.clone(),
                    map: self.label_map.clone(),
                    drop: Vec::new(),
                    at_least: None,
                })
                .collect(),
        }
    }
}

/// A recipe that passed [`Recipe::check`] (as linfa's `ValidParams` to its `Params`): the only
/// kind [`super::train`] and [`super::data::load`] take, so nothing downstream meets an empty C
/// grid, a head without sources, a reference to an unknown source or a value out of range.
/// Read-only: to change a setting, take the recipe out ([`CheckedRecipe::into_recipe`]),
/// change it and check it again.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedRecipe {
    recipe: Recipe,
    /// `learner.c` sorted and deduplicated; never empty, every C finite and > 0.
    c_grid: Vec<f32>,
}

impl CheckedRecipe {
    /// The C grid, ascending, without duplicates; never empty.
    pub fn c_grid(&self) -> &[f32] {
        &self.c_grid
    }

    /// The recipe, to change and [`Recipe::check`] again.
    pub fn into_recipe(self) -> Recipe {
        self.recipe
    }
}

impl std::ops::Deref for CheckedRecipe {
    type Target = Recipe;

    fn deref(&self) -> &Recipe {
        &self.recipe
    }
}

/// The first problem of head `h`: no sources, a source not among `sources`, fewer than two
/// distinct classes, or a positive class that is not one of them.
fn head_problems(h: &Head, sources: &std::collections::BTreeSet<&str>) -> Result<(), String> {
    if h.from.is_empty() {
        return Err(format!("head `{}` has no [[head.from]]", h.name));
    }
    for f in &h.from {
        if !sources.contains(f.source.as_str()) {
            return Err(format!("head `{}`: unknown source `{}`", h.name, f.source));
        }
    }
    let Some(classes) = &h.classes else {
        return Ok(());
    };
    let set: std::collections::BTreeSet<_> = classes.iter().collect();
    if classes.len() < 2 || set.len() != classes.len() {
        return Err(format!(
            "head `{}`: classes must be at least two distinct labels",
            h.name
        ));
    }
    match &h.positive {
        Some(p) if !classes.contains(p) => Err(format!(
            "head `{}`: positive {p:?} is not one of its classes",
            h.name
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "t"
task = "toxicity"
[[source]]
name = "a"
path = "a.jsonl"
[[head]]
name = "toxic"
[[head.from]]
source = "a"
field = "label"
map = { "1" = "yes", "0" = "no" }
"#;

    #[test]
    fn minimal_recipe_gets_defaults() {
        let r = Recipe::from_toml(MINIMAL, "t.toml").unwrap();
        assert_eq!(r.seed, 42);
        assert_eq!(r.selection.method, SelectionMethod::Chi2);
        assert_eq!(r.sources[0].split, Split::Train);
        assert_eq!(r.heads[0].from[0].map.as_ref().unwrap()["1"], "yes");
    }

    #[test]
    fn errors_name_the_problem() {
        let bad = MINIMAL.replace("source = \"a\"\nfield", "source = \"b\"\nfield");
        let e = Recipe::from_toml(&bad, "t.toml").unwrap_err().to_string();
        assert!(
            e.contains("t.toml") && e.contains("unknown source `b`"),
            "{e}"
        );
        let bad = format!("{MINIMAL}\n[learner]\nc = [0]\n");
        assert!(Recipe::from_toml(&bad, "t.toml")
            .unwrap_err()
            .to_string()
            .contains("C > 0"));
        let bad = MINIMAL.replace("task =", "tsak =");
        assert!(Recipe::from_toml(&bad, "t.toml").is_err());
        let bad = MINIMAL.replace("name = \"t\"", "name = \"t\"\ninput = \"pair\"");
        assert!(Recipe::from_toml(&bad, "t.toml")
            .unwrap_err()
            .to_string()
            .contains("pair_field"));
    }

    #[test]
    fn a_checked_recipe_has_a_sorted_grid_and_changes_are_checked_again() {
        let r =
            Recipe::from_toml(&format!("{MINIMAL}\n[learner]\nc = [4, 1, 4, 0.5]\n"), "t").unwrap();
        assert_eq!(r.c_grid(), [0.5, 1.0, 4.0]);
        let mut changed = r.into_recipe();
        changed.learner.c.clear();
        assert!(changed
            .clone()
            .check()
            .unwrap_err()
            .contains("at least one"));
        changed.learner.c = vec![2.0];
        assert_eq!(changed.check().unwrap().c_grid(), [2.0]);
    }
}
