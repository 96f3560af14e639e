//! Group names: outlet names normalized so spellings of one outlet merge ("RT", "rt.com",
//! "https://www.rt.com/news/" → `rt`), an optional alias table for names no rule can merge
//! ("Russia Today" → RT), and the raw spellings behind each group for the report. Other
//! group values (authors, fields) are only trimmed and their spacing collapsed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::input::GroupField;
use super::CompareError;

/// Domain endings and trailing words that name the site, not the outlet.
const SITE_SUFFIXES: &[&str] = &[
    ".co.uk", ".com.au", ".com", ".org", ".net", ".news", ".info", ".ru", ".uk", ".de", ".fr",
    ".io", ".tv", ".us", ".eu",
];
const SITE_WORDS: &[&str] = &["online", "website", "web site", "homepage", "dot com"];

/// Normalizes an outlet name: case, spacing, scheme, `www.`, URL path, and trailing site words.
pub fn normalize_outlet(raw: &str) -> String {
    let mut name = collapse_spaces(&raw.trim().to_lowercase());
    for scheme in ["https://", "http://"] {
        if let Some(rest) = name.strip_prefix(scheme) {
            name = rest.to_string();
        }
    }
    if let Some(rest) = name.strip_prefix("www.") {
        name = rest.to_string();
    }
    if !name.contains(' ') {
        if let Some(slash) = name.find('/') {
            name.truncate(slash); // a URL: the host names the outlet
        }
    }
    loop {
        let before = name.len();
        for suffix in SITE_SUFFIXES {
            if !name.contains(' ') && name.len() > suffix.len() {
                if let Some(rest) = name.strip_suffix(suffix) {
                    name = rest.to_string();
                }
            }
        }
        for word in SITE_WORDS {
            if let Some(rest) = name.strip_suffix(word) {
                if rest.ends_with(' ') && !rest.trim().is_empty() {
                    name = rest.trim_end().to_string();
                }
            }
        }
        if name.len() == before {
            break;
        }
    }
    name.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_string()
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The alias table: which normalized names stand for which group, as the user spelled it.
#[derive(Debug, Clone, Default)]
pub struct Aliases {
    /// normalized spelling → (normalized canonical, canonical as written)
    to_canonical: HashMap<String, (String, String)>,
}

impl Aliases {
    /// An alias table from `canonical → [other spellings]`.
    pub fn new(table: &BTreeMap<String, Vec<String>>) -> Aliases {
        let mut to_canonical = HashMap::new();
        for (canonical, spellings) in table {
            let target = (normalize_outlet(canonical), canonical.clone());
            for spelling in spellings.iter().chain(std::iter::once(canonical)) {
                to_canonical.insert(normalize_outlet(spelling), target.clone());
            }
        }
        Aliases { to_canonical }
    }

    /// Reads a TOML file with an `[aliases]` (or `[compare.aliases]`) table of
    /// `Canonical = ["spelling", ...]`, so the section can live in the pipeline config.
    pub fn from_file(path: &Path) -> Result<Aliases, CompareError> {
        let fail = |problem: String| CompareError::Aliases {
            path: path.display().to_string(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let doc: toml::Table = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let table = doc
            .get("aliases")
            .or_else(|| doc.get("compare").and_then(|c| c.get("aliases")))
            .ok_or_else(|| fail("no [aliases] or [compare.aliases] table".into()))?;
        let table: BTreeMap<String, Vec<String>> =
            table.clone().try_into().map_err(|e: toml::de::Error| {
                fail(format!("aliases must map a name to a list of names: {e}"))
            })?;
        Ok(Aliases::new(&table))
    }

    fn resolve(&self, normalized: &str) -> Option<&(String, String)> {
        self.to_canonical.get(normalized)
    }
}

/// Turns raw group values into group keys and remembers the raw spellings of each key.
#[derive(Debug, Clone)]
pub struct GroupNamer {
    by: GroupField,
    aliases: Aliases,
    /// key → raw spelling → articles
    spellings: BTreeMap<String, BTreeMap<String, usize>>,
    /// key → the canonical name an alias gave it
    canonical: BTreeMap<String, String>,
}

/// The key of articles with no value to group by.
pub const MISSING_GROUP: &str = "(none)";

impl GroupNamer {
    pub fn new(by: GroupField, aliases: Aliases) -> GroupNamer {
        GroupNamer {
            by,
            aliases,
            spellings: BTreeMap::new(),
            canonical: BTreeMap::new(),
        }
    }

    /// The key of a raw value, without recording it (for `--baseline` and `--blocs` names).
    pub fn key_of(&self, raw: &str) -> String {
        if self.by != GroupField::Outlet {
            return collapse_spaces(raw.trim());
        }
        let normalized = normalize_outlet(raw);
        match self.aliases.resolve(&normalized) {
            Some((canonical, _)) => canonical.clone(),
            None => normalized,
        }
    }

    /// The key of an article's raw value, recording the spelling.
    pub fn key(&mut self, raw: Option<&str>) -> String {
        let raw = raw.unwrap_or(MISSING_GROUP);
        let key = match self.key_of(raw) {
            key if key.is_empty() || raw == MISSING_GROUP => MISSING_GROUP.to_string(),
            key => key,
        };
        if self.by == GroupField::Outlet {
            if let Some((_, written)) = self.aliases.resolve(&normalize_outlet(raw)) {
                self.canonical.insert(key.clone(), written.clone());
            }
        }
        *self
            .spellings
            .entry(key.clone())
            .or_default()
            .entry(raw.to_string())
            .or_default() += 1;
        key
    }

    /// The raw spellings of a key, most frequent first.
    pub fn members(&self, key: &str) -> Vec<String> {
        let mut members: Vec<(&String, &usize)> = self
            .spellings
            .get(key)
            .map(|m| m.iter().collect())
            .unwrap_or_default();
        members.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        members.into_iter().map(|(name, _)| name.clone()).collect()
    }

    /// The name to show for a key: the alias's canonical name, else its most frequent spelling.
    pub fn display(&self, key: &str) -> String {
        if let Some(name) = self.canonical.get(key) {
            return name.clone();
        }
        self.members(key)
            .into_iter()
            .next()
            .unwrap_or_else(|| key.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_outlet_merge() {
        for raw in [
            "RT",
            "rt.com",
            " www.RT.com ",
            "https://www.rt.com/news/123",
            "RT Online",
        ] {
            assert_eq!(normalize_outlet(raw), "rt", "{raw}");
        }
        assert_eq!(normalize_outlet("The  Guardian"), "the guardian");
        assert_eq!(normalize_outlet("theguardian.co.uk"), "theguardian");
        assert_eq!(normalize_outlet("Russia Today"), "russia today");
    }

    #[test]
    fn aliases_merge_what_rules_cannot_and_name_the_group() {
        let table = BTreeMap::from([("RT".to_string(), vec!["Russia Today".to_string()])]);
        let mut namer = GroupNamer::new(GroupField::Outlet, Aliases::new(&table));
        let keys: Vec<String> = ["rt.com", "Russia Today", "RT", "Russia Today"]
            .iter()
            .map(|r| namer.key(Some(r)))
            .collect();
        assert!(keys.iter().all(|k| k == "rt"), "{keys:?}");
        assert_eq!(namer.display("rt"), "RT");
        assert_eq!(namer.members("rt"), vec!["Russia Today", "RT", "rt.com"]);
        assert_eq!(namer.key(None), MISSING_GROUP);
    }

    #[test]
    fn alias_files_are_read_from_either_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "[compare.aliases]\nRT = [\"Russia Today\"]\n").unwrap();
        let namer = GroupNamer::new(GroupField::Outlet, Aliases::from_file(&path).unwrap());
        assert_eq!(namer.key_of("Russia Today"), "rt");
        std::fs::write(&path, "[aliases]\nRT = \"Russia Today\"\n").unwrap();
        let err = Aliases::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("a.toml"), "{err}");
    }
}
