//! Collecting articles into groups (by outlet, author, month or a field, optionally pooled into
//! blocs), keeping for each group only what the statistics need: sampling units per figure and
//! label counts. Memory grows with articles × figures, a few numbers each, never with the JSON.

use std::collections::BTreeMap;

use super::input::ArticleFigures;
use super::names::GroupNamer;
use super::stats::Units;
use super::CompareError;

/// A named pool of groups (`pro=A,B`).
#[derive(Debug, Clone, PartialEq)]
pub struct Bloc {
    pub name: String,
    pub members: Vec<String>,
}

/// Parses `--blocs "pro=A,B;anti=C,D"`.
pub fn parse_blocs(spec: &str) -> Result<Vec<Bloc>, CompareError> {
    let bad = |problem: &str| CompareError::Blocs {
        spec: spec.to_string(),
        problem: problem.to_string(),
    };
    let mut blocs: Vec<Bloc> = Vec::new();
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, members) = part
            .split_once('=')
            .ok_or_else(|| bad("each bloc is NAME=GROUP,GROUP"))?;
        let name = name.trim().to_string();
        let members: Vec<String> = members
            .split(',')
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
            .collect();
        if name.is_empty() || members.is_empty() {
            return Err(bad("a bloc needs a name and at least one group"));
        }
        if blocs.iter().any(|b| b.name == name) {
            return Err(bad(&format!("bloc `{name}` is given twice")));
        }
        blocs.push(Bloc { name, members });
    }
    if blocs.len() < 2 {
        return Err(bad("give at least two blocs to compare"));
    }
    Ok(blocs)
}

/// Figures of one target within one group.
#[derive(Debug, Clone, Default)]
pub struct TargetData {
    pub articles: usize,
    pub mentions: u64,
    pub scores: Units,
    pub labels: BTreeMap<String, usize>,
}

/// Everything one group's statistics need.
#[derive(Debug, Clone, Default)]
pub struct GroupData {
    pub key: String,
    pub name: String,
    pub members: Vec<String>,
    pub articles: usize,
    pub tone: Units,
    pub sentiment: BTreeMap<String, usize>,
    pub targets: BTreeMap<String, TargetData>,
    pub claims: BTreeMap<String, BTreeMap<String, usize>>,
    pub toxicity: Units,
    pub comments: u64,
    pub flagged: u64,
}

impl GroupData {
    fn add(&mut self, article: &ArticleFigures) {
        self.articles += 1;
        if let Some(tone) = article.tone {
            self.tone.push_value(tone);
        }
        if let Some(label) = &article.sentiment {
            *self.sentiment.entry(label.clone()).or_default() += 1;
        }
        for stance in article.stances.iter().filter(|s| s.mentions > 0) {
            let target = self.targets.entry(stance.target.clone()).or_default();
            target.articles += 1;
            target.mentions += stance.mentions;
            if let Some(score) = stance.score {
                target.scores.push_value(score);
            }
            if let Some(label) = &stance.label {
                *target.labels.entry(label.clone()).or_default() += 1;
            }
        }
        for claim in &article.claims {
            let labels = self.claims.entry(claim.claim.clone()).or_default();
            *labels.entry(claim.label.clone()).or_default() += 1;
        }
        if let Some(counts) = article.comments {
            self.toxicity
                .push_cluster(counts.flagged as f64, counts.total as f64);
            self.comments += counts.total;
            self.flagged += counts.flagged;
        }
    }
}

/// Sorts articles into groups as they are read.
#[derive(Debug)]
pub struct Collector {
    namer: GroupNamer,
    /// group key → bloc index, with `--blocs`
    bloc_of: Option<BTreeMap<String, usize>>,
    blocs: Vec<Bloc>,
    groups: BTreeMap<String, GroupData>,
    pub outside_blocs: usize,
}

impl Collector {
    pub fn new(namer: GroupNamer, blocs: Vec<Bloc>) -> Result<Collector, CompareError> {
        let bloc_of = if blocs.is_empty() {
            None
        } else {
            let mut map = BTreeMap::new();
            for (i, bloc) in blocs.iter().enumerate() {
                for member in &bloc.members {
                    if let Some(other) = map.insert(namer.key_of(member), i) {
                        if other != i {
                            return Err(CompareError::Blocs {
                                spec: format!("{}, {}", blocs[other].name, bloc.name),
                                problem: format!("`{member}` is in two blocs"),
                            });
                        }
                    }
                }
            }
            Some(map)
        };
        Ok(Collector {
            namer,
            bloc_of,
            blocs,
            groups: BTreeMap::new(),
            outside_blocs: 0,
        })
    }

    /// Adds one article to its group.
    pub fn add(&mut self, article: &ArticleFigures) {
        let key = self.namer.key(article.group.as_deref());
        let key = match &self.bloc_of {
            None => key,
            Some(map) => match map.get(&key) {
                Some(&i) => self.blocs[i].name.clone(),
                None => {
                    self.outside_blocs += 1;
                    return;
                }
            },
        };
        self.groups.entry(key).or_default().add(article);
    }

    /// The groups, sorted by key (months chronologically), each with its name and members.
    pub fn finish(self) -> Vec<GroupData> {
        let Collector {
            namer,
            bloc_of,
            blocs,
            groups,
            ..
        } = self;
        groups
            .into_iter()
            .map(|(key, mut data)| {
                match &bloc_of {
                    None => {
                        data.name = namer.display(&key);
                        data.members = namer.members(&key);
                    }
                    Some(bloc_of) => {
                        // A bloc's members are the raw spellings of each of its groups seen.
                        data.name = key.clone();
                        data.members = bloc_of
                            .iter()
                            .filter(|(_, &i)| blocs[i].name == key)
                            .flat_map(|(member, _)| namer.members(member))
                            .collect();
                    }
                }
                data.key = key;
                data
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::input::GroupField;
    use crate::compare::names::Aliases;

    fn article(outlet: &str, tone: f64) -> ArticleFigures {
        ArticleFigures {
            group: Some(outlet.into()),
            tone: Some(tone),
            ..Default::default()
        }
    }

    #[test]
    fn blocs_pool_groups_and_count_the_rest() {
        let blocs = parse_blocs("pro=RT, Sputnik; anti=BBC").unwrap();
        let namer = GroupNamer::new(GroupField::Outlet, Aliases::default());
        let mut collector = Collector::new(namer, blocs).unwrap();
        for (outlet, tone) in [
            ("rt.com", -0.5),
            ("Sputnik", -0.3),
            ("BBC", 0.1),
            ("CNN", 0.2),
        ] {
            collector.add(&article(outlet, tone));
        }
        assert_eq!(collector.outside_blocs, 1);
        let groups = collector.finish();
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["anti", "pro"]);
        assert_eq!(groups[1].articles, 2);
        assert_eq!(groups[1].members, ["rt.com", "Sputnik"]);
    }

    #[test]
    fn bad_bloc_specs_are_refused() {
        for spec in ["pro=A", "pro", "pro=;anti=B", "a=X;a=Y"] {
            assert!(parse_blocs(spec).is_err(), "{spec}");
        }
        let namer = GroupNamer::new(GroupField::Outlet, Aliases::default());
        let overlapping = parse_blocs("a=RT;b=rt.com").unwrap();
        assert!(Collector::new(namer, overlapping).is_err());
    }
}
