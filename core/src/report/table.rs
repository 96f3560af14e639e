//! The tables of a comparison as cells that know where each number comes from (a JSON pointer
//! into `--json`), rendered here as aligned text for the terminal and by [`super::html`] as HTML.
//! Because both views share these cells, the HTML shows exactly the numbers of the JSON.

use crate::compare::summary::{Comparison, GroupSummary, Interval, Share};

/// How a number is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Count,
    Number,
    P,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Count => "count",
            Format::Number => "number",
            Format::P => "p",
        }
    }

    pub fn show(self, value: f64) -> String {
        match self {
            Format::Count => format!("{value:.0}"),
            Format::Number => super::number(value),
            Format::P => super::p_value(value),
        }
    }
}

/// A piece of a cell: plain text or a number from the comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Number {
        pointer: String,
        value: f64,
        format: Format,
    },
}

/// One cell: its parts in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell(pub Vec<Part>);

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell(vec![Part::Text(text.into())])
    }

    fn number(pointer: String, value: f64, format: Format) -> Cell {
        Cell(vec![Part::Number {
            pointer,
            value,
            format,
        }])
    }

    /// `value [low, high]`, each number pointing at its field under `pointer`.
    fn interval(pointer: &str, i: Option<Interval>) -> Cell {
        let Some(i) = i else {
            return Cell::text("–");
        };
        let num = |field: &str, value: f64| Part::Number {
            pointer: format!("{pointer}/{field}"),
            value,
            format: Format::Number,
        };
        Cell(vec![
            num("value", i.value),
            Part::Text(" [".into()),
            num("ci_low", i.ci_low),
            Part::Text(", ".into()),
            num("ci_high", i.ci_high),
            Part::Text("]".into()),
        ])
    }

    /// The cell as plain text.
    pub fn plain(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Number { value, format, .. } => format.show(*value),
            })
            .collect()
    }
}

/// A titled table.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One row per group: articles, tone, sentiment shares, toxicity. Stance has a table of its own
/// ([`stance_grid`]): a column pair per target would make this one unreadably wide.
pub fn group_grid(c: &Comparison) -> Grid {
    let percent = (c.settings.confidence * 100.0).round();
    let mut headers = vec![
        "group".to_string(),
        "articles".into(),
        format!("tone [{percent}% CI]"),
    ];
    headers.extend(c.sentiment_labels.iter().map(|l| format!("{l} share")));
    headers.push("comments".into());
    headers.push("toxic rate [CI]".into());
    let rows = c
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let at = |rest: &str| format!("/groups/{g}/{rest}");
            let mut row = vec![
                Cell::text(group_name(group)),
                Cell::number(at("articles"), group.articles as f64, Format::Count),
                Cell::interval(&at("tone"), group.tone),
            ];
            row.extend(group.sentiment.iter().enumerate().map(|(k, s)| {
                Cell::number(at(&format!("sentiment/{k}/share")), s.share, Format::Number)
            }));
            match &group.toxicity {
                Some(t) => {
                    row.push(Cell::number(
                        at("toxicity/comments"),
                        t.comments as f64,
                        Format::Count,
                    ));
                    row.push(Cell::interval(&at("toxicity/rate"), Some(t.rate)));
                }
                None => row.extend([Cell::text("0"), Cell::text("–")]),
            }
            row
        })
        .collect();
    Grid {
        title: format!("Groups by {}", c.settings.by),
        headers,
        rows,
    }
}

/// A group's name as shown, `*` marking a group under `--min-articles`.
fn group_name(group: &GroupSummary) -> String {
    if group.small {
        format!("{} *", group.name)
    } else {
        group.name.clone()
    }
}

/// One row per group and target the group mentions: articles, mentions, mean stance with its
/// interval, and the label shares.
pub fn stance_grid(c: &Comparison) -> Grid {
    let mut rows = Vec::new();
    for (g, group) in c.groups.iter().enumerate() {
        for (t, summary) in group.targets.iter().enumerate() {
            let base = format!("/groups/{g}/targets/{t}");
            rows.push(vec![
                Cell::text(group_name(group)),
                Cell::text(summary.target.clone()),
                Cell::number(
                    format!("{base}/articles"),
                    summary.articles as f64,
                    Format::Count,
                ),
                Cell::number(
                    format!("{base}/mentions"),
                    summary.mentions as f64,
                    Format::Count,
                ),
                Cell::interval(&format!("{base}/stance"), summary.stance),
                share_list(&format!("{base}/shares"), &summary.shares),
            ]);
        }
    }
    Grid {
        title: "Stance toward targets".into(),
        headers: [
            "group",
            "target",
            "articles",
            "mentions",
            "stance [CI]",
            "shares",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// `label share · label share …`, each share pointing at its field under `pointer`.
fn share_list(pointer: &str, shares: &[Share]) -> Cell {
    let mut cell = Cell::default();
    for (s, share) in shares.iter().enumerate() {
        if s > 0 {
            cell.0.push(Part::Text(" · ".into()));
        }
        cell.0.push(Part::Text(format!("{} ", share.label)));
        cell.0.push(Part::Number {
            pointer: format!("{pointer}/{s}/share"),
            value: share.share,
            format: Format::Number,
        });
    }
    cell
}

/// One row per group and claim: the claim stance shares.
pub fn claim_grid(c: &Comparison) -> Grid {
    let mut rows = Vec::new();
    for (g, group) in c.groups.iter().enumerate() {
        for (k, claim) in group.claims.iter().enumerate() {
            let shares = share_list(&format!("/groups/{g}/claims/{k}/shares"), &claim.shares);
            rows.push(vec![
                Cell::text(group_name(group)),
                Cell::text(claim.claim.clone()),
                Cell::number(
                    format!("/groups/{g}/claims/{k}/articles"),
                    claim.articles as f64,
                    Format::Count,
                ),
                shares,
            ]);
        }
    }
    Grid {
        title: "Claims".into(),
        headers: vec![
            "group".into(),
            "claim".into(),
            "articles".into(),
            "shares".into(),
        ],
        rows,
    }
}

/// One row per contrast.
pub fn contrast_grid(c: &Comparison) -> Grid {
    let rows = c
        .contrasts
        .iter()
        .enumerate()
        .map(|(k, x)| {
            let at = |rest: &str| format!("/contrasts/{k}/{rest}");
            let mut pair = format!("{} − {}", x.group_a, x.group_b);
            if x.small {
                pair.push_str(" *");
            }
            vec![
                Cell::text(x.figure.clone()),
                Cell::text(pair),
                Cell::interval(&at("difference"), Some(x.difference)),
                Cell::interval(&at("cohen_d"), x.cohen_d),
                Cell::number(at("p_value"), x.p_value, Format::P),
                Cell::number(at("p_holm"), x.p_holm, Format::P),
            ]
        })
        .collect();
    Grid {
        title: "Differences (A − B)".into(),
        headers: [
            "figure",
            "A − B",
            "difference [CI]",
            "Cohen's d [CI]",
            "p",
            "p (Holm)",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The grids of a comparison, in report order (empty ones left out).
pub fn grids(c: &Comparison) -> Vec<Grid> {
    [
        group_grid(c),
        stance_grid(c),
        claim_grid(c),
        contrast_grid(c),
    ]
    .into_iter()
    .filter(|g| !g.rows.is_empty())
    .collect()
}

/// Notes under the tables: method, small groups, members, skipped records.
pub fn notes(c: &Comparison) -> Vec<String> {
    let s = &c.settings;
    let mut notes = vec![format!(
        "Intervals: {}% {} ({} resamples, seed {}); p: two-sided permutation test ({} permutations{}), Holm-adjusted over {} comparisons.",
        (s.confidence * 100.0).round(),
        s.interval_method,
        s.resamples,
        s.seed,
        s.permutations,
        if s.stop_after > 0 {
            format!(" at most, stopping after {} as extreme as observed (Besag–Clifford)", s.stop_after)
        } else {
            String::new()
        },
        c.contrasts.len()
    )];
    if c.groups.iter().any(|g| g.small) {
        notes.push(format!(
            "* fewer than {} articles: read with care.",
            s.min_articles
        ));
    }
    for g in c
        .groups
        .iter()
        .filter(|g| g.members.len() > 1 || g.members.first() != Some(&g.name))
    {
        notes.push(format!("{} = {}", g.name, g.members.join(", ")));
    }
    let i = &c.input;
    notes.push(format!(
        "{} records read: {} articles, {} error records skipped{}.",
        i.records,
        i.articles,
        i.error_records,
        if i.outside_blocs > 0 {
            format!(", {} articles in no bloc left out", i.outside_blocs)
        } else {
            String::new()
        }
    ));
    notes
}

/// Pads to a width in characters.
fn pad(text: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(text.chars().count()));
    if right {
        fill + text
    } else {
        format!("{text}{fill}")
    }
}

/// Widest cell of the terminal table; longer names end in "…" (the notes and the HTML give
/// them whole).
const TERMINAL_CELL: usize = 44;

/// A cell for the terminal: names shortened, numbers never.
fn terminal_text(cell: &Cell) -> String {
    let text = cell.plain();
    let is_name = cell.0.iter().all(|p| matches!(p, Part::Text(_)));
    if !is_name || text.chars().count() <= TERMINAL_CELL {
        return text;
    }
    text.chars().take(TERMINAL_CELL - 1).collect::<String>() + "…"
}

/// A grid as aligned text: first column left-aligned, the rest right-aligned.
pub fn render_grid(grid: &Grid) -> String {
    let cells: Vec<Vec<String>> = grid
        .rows
        .iter()
        .map(|r| r.iter().map(terminal_text).collect())
        .collect();
    let widths: Vec<usize> = (0..grid.headers.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r.get(c).map_or(0, |t| t.chars().count()))
                .chain([grid.headers[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |row: &[String]| {
        row.iter()
            .enumerate()
            .map(|(c, t)| pad(t, widths[c], c > 0))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = format!("{}\n{}\n", grid.title, line(&grid.headers));
    for row in &cells {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// The whole comparison for the terminal.
pub fn render(c: &Comparison) -> String {
    let mut out: Vec<String> = grids(c).iter().map(render_grid).collect();
    out.push(notes(c).join("\n") + "\n");
    out.join("\n")
}
