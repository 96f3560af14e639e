//! `report.html`: one self-contained page (inline CSS and SVG; no script, font or request
//! leaves the file) with the charts, the tables and the notes. Each number in a table carries
//! the JSON pointer and exact value it shows (`data-pointer`, `data-value`), so the page can be
//! checked against `comparison.json`.

use std::fmt::Write;

use super::charts::Chart;
use super::table::{self, Cell, Grid, Part};
use crate::compare::summary::Comparison;

const STYLE: &str = "
body { font-family: sans-serif; margin: 24px auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
figure.chart { margin: 16px 0; width: 900px; }
figure.chart svg { display: block; }
figcaption { font-size: 0.85em; color: #555; }
table { border-collapse: collapse; font-size: 0.85em; margin: 8px 0; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.text { text-align: left; white-space: normal; max-width: 22em; }
ul.notes { font-size: 0.85em; color: #444; }
";

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn cell_html(cell: &Cell) -> String {
    cell.0
        .iter()
        .map(|part| match part {
            Part::Text(t) => escape(t),
            Part::Number {
                pointer,
                value,
                format,
            } => format!(
                "<span class=\"num\" data-pointer=\"{}\" data-value=\"{}\" data-format=\"{}\">{}</span>",
                escape(pointer),
                serde_json::to_string(value).unwrap_or_default(),
                format.name(),
                escape(&format.show(*value))
            ),
        })
        .collect()
}

fn grid_html(grid: &Grid) -> String {
    let mut out = format!("<h2>{}</h2>\n<table>\n<thead><tr>", escape(&grid.title));
    for header in &grid.headers {
        let _ = write!(out, "<th>{}</th>", escape(header));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &grid.rows {
        out.push_str("<tr>");
        for cell in row {
            // Text cells (names, figures) read left to right; numbers align right.
            let is_text = cell.0.iter().all(|p| matches!(p, Part::Text(_)));
            let class = if is_text { " class=\"text\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", cell_html(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// The report page.
pub fn page(comparison: &Comparison, charts: &[Chart]) -> String {
    let title = format!("slant compare: by {}", comparison.settings.by);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    for chart in charts {
        let _ = write!(
            out,
            "<figure class=\"chart\" id=\"chart-{}\">\n{}\n<figcaption>{} ({}.svg)</figcaption>\n</figure>\n",
            escape(&chart.id),
            chart.svg,
            escape(&chart.title),
            escape(&chart.id)
        );
    }
    for grid in table::grids(comparison) {
        out.push_str(&grid_html(&grid));
    }
    out.push_str("<ul class=\"notes\">\n");
    for note in table::notes(comparison) {
        let _ = writeln!(out, "<li>{}</li>", escape(&note));
    }
    out.push_str("</ul>\n</body>\n</html>\n");
    out
}
