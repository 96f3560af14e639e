//! Every number of a comparison as long-format rows (one number and its interval per row), for
//! `--csv`: easy to filter and pivot in any spreadsheet or data frame.

use serde::Serialize;

use super::ReportError;
use crate::compare::summary::{Comparison, GroupSummary, Interval, Share};

/// One number of the comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Row {
    /// `group` or `contrast`.
    pub kind: &'static str,
    pub group: String,
    /// The other side of a contrast.
    pub other_group: String,
    /// `articles`, `tone`, `sentiment`, `stance:T`, `claim:C`, `toxicity`.
    pub figure: String,
    /// `count`, `mean`, `share:LABEL`, `rate`, `comments`, `flagged`, `difference`, `cohen_d`,
    /// `permutations` (drawn by the contrast's test).
    pub statistic: String,
    pub value: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Articles behind the number (or label count for shares).
    pub n: Option<usize>,
    pub p_value: Option<f64>,
    pub p_holm: Option<f64>,
    pub small: bool,
}

fn group_row(g: &GroupSummary, figure: &str, statistic: &str, value: f64, n: usize) -> Row {
    Row {
        kind: "group",
        group: g.name.clone(),
        figure: figure.into(),
        statistic: statistic.into(),
        value,
        n: Some(n),
        small: g.small,
        ..Row::default()
    }
}

fn interval_row(g: &GroupSummary, figure: &str, statistic: &str, i: Interval, n: usize) -> Row {
    Row {
        ci_low: Some(i.ci_low),
        ci_high: Some(i.ci_high),
        ..group_row(g, figure, statistic, i.value, n)
    }
}

fn share_rows(g: &GroupSummary, figure: &str, shares: &[Share]) -> Vec<Row> {
    shares
        .iter()
        .map(|s| group_row(g, figure, &format!("share:{}", s.label), s.share, s.count))
        .collect()
}

fn group_rows(g: &GroupSummary) -> Vec<Row> {
    let mut rows = vec![group_row(
        g,
        "articles",
        "count",
        g.articles as f64,
        g.articles,
    )];
    if let Some(tone) = g.tone {
        rows.push(interval_row(g, "tone", "mean", tone, g.tone_articles));
    }
    rows.extend(share_rows(g, "sentiment", &g.sentiment));
    for t in &g.targets {
        let figure = format!("stance:{}", t.target);
        rows.push(group_row(
            g,
            &figure,
            "articles",
            t.articles as f64,
            t.articles,
        ));
        if let Some(stance) = t.stance {
            rows.push(interval_row(g, &figure, "mean", stance, t.articles));
        }
        rows.extend(share_rows(g, &figure, &t.shares));
    }
    for c in &g.claims {
        rows.extend(share_rows(g, &format!("claim:{}", c.claim), &c.shares));
    }
    if let Some(t) = &g.toxicity {
        rows.push(interval_row(g, "toxicity", "rate", t.rate, t.articles));
        rows.push(group_row(
            g,
            "toxicity",
            "comments",
            t.comments as f64,
            t.articles,
        ));
        rows.push(group_row(
            g,
            "toxicity",
            "flagged",
            t.flagged as f64,
            t.articles,
        ));
    }
    rows
}

/// Every number, groups first, then contrasts.
pub fn rows(comparison: &Comparison) -> Vec<Row> {
    let mut rows: Vec<Row> = comparison.groups.iter().flat_map(group_rows).collect();
    for c in &comparison.contrasts {
        let base = Row {
            kind: "contrast",
            group: c.group_a.clone(),
            other_group: c.group_b.clone(),
            figure: c.figure.clone(),
            p_value: Some(c.p_value),
            p_holm: Some(c.p_holm),
            small: c.small,
            ..Row::default()
        };
        let with = |statistic: &str, i: Interval| Row {
            statistic: statistic.into(),
            value: i.value,
            ci_low: Some(i.ci_low),
            ci_high: Some(i.ci_high),
            ..base.clone()
        };
        rows.push(with("difference", c.difference));
        if let Some(d) = c.cohen_d {
            rows.push(with("cohen_d", d));
        }
        rows.push(Row {
            statistic: "permutations".into(),
            value: c.permutations as f64,
            ..base.clone()
        });
    }
    rows
}

/// The rows as CSV with a header.
pub fn to_csv(comparison: &Comparison) -> Result<String, ReportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows(comparison) {
        writer
            .serialize(row)
            .map_err(|e| ReportError::Encode(e.to_string()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ReportError::Encode(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Encode(e.to_string()))
}
