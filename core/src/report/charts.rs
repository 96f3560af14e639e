//! The charts of a comparison, drawn with plotters into SVG: dot-and-whisker per group (tone,
//! each target's stance, comment toxicity), stacked label shares, and tone over time with
//! `--by month`. Colours are the Okabe–Ito palette, which colour-blind readers can tell apart;
//! group labels are wrapped onto two lines and the label column widens to fit them.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ReportError;
use crate::compare::names::MISSING_GROUP;
use crate::compare::summary::{Comparison, GroupSummary, Interval, Share, TargetSummary};

/// One chart: a file stem, a title, and its SVG document.
#[derive(Debug, Clone)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub svg: String,
}

/// Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];
const NEGATIVE: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const NEUTRAL: RGBColor = RGBColor(0xBB, 0xBB, 0xBB);
const POSITIVE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const RULE: RGBColor = RGBColor(0x99, 0x99, 0x99);

const WIDTH: u32 = 900;
const ROW: u32 = 34;
const FONT: &str = "sans-serif";
/// Characters per label line before wrapping; two lines at most.
const LABEL_LINE: usize = 28;

/// A colour for a label: the stance/sentiment poles get fixed colours, others the palette.
fn label_colour(label: &str, index: usize) -> RGBColor {
    match label {
        "negative" | "against" | "disagree" => NEGATIVE,
        "neutral" | "discuss" | "unrelated" => NEUTRAL,
        "positive" | "favor" | "agree" => POSITIVE,
        _ => PALETTE[index % PALETTE.len()],
    }
}

/// Every chart the comparison has data for, in the report's order: tone, sentiment shares,
/// each target's stance and its shares, each claim's shares, comment toxicity, tone by month.
pub fn charts(comparison: &Comparison) -> Result<Vec<Chart>, ReportError> {
    let names: Vec<(String, bool)> = comparison
        .groups
        .iter()
        .map(|g| (g.name.clone(), g.small))
        .collect();
    let tones: Vec<Option<Interval>> = comparison.groups.iter().map(|g| g.tone).collect();
    let mut charts = Vec::new();
    if tones.iter().any(Option::is_some) {
        let axis = "mean tone (−1 negative … +1 positive), 95% CI";
        charts.push(dot_whisker(
            "tone",
            "Tone by group",
            axis,
            &names,
            &tones,
            (-1.0, 1.0),
        )?);
    }
    if !comparison.sentiment_labels.is_empty() {
        let shares: Vec<Vec<Share>> = comparison
            .groups
            .iter()
            .map(|g| g.sentiment.clone())
            .collect();
        charts.push(stacked(
            "sentiment-shares",
            "Shares of article sentiment",
            &names,
            &shares,
        )?);
    }
    for (t, target) in comparison.targets.iter().enumerate() {
        charts.extend(target_charts(comparison, &names, t, target)?);
    }
    for (c, claim) in comparison.claims.iter().enumerate() {
        charts.push(claim_chart(comparison, &names, c, claim)?);
    }
    charts.extend(toxicity_chart(comparison, &names)?);
    if comparison.settings.by == "month" {
        charts.extend(month_chart(&names, &tones)?);
    }
    Ok(charts)
}

/// Target `t`'s two charts: mean stance per group, and the shares of its articles' labels.
fn target_charts(
    comparison: &Comparison,
    names: &[(String, bool)],
    t: usize,
    target: &str,
) -> Result<[Chart; 2], ReportError> {
    fn of_target<'g>(g: &'g GroupSummary, target: &str) -> Option<&'g TargetSummary> {
        g.targets.iter().find(|x| x.target == target)
    }
    let stance: Vec<Option<Interval>> = comparison
        .groups
        .iter()
        .map(|g| of_target(g, target).and_then(|x| x.stance))
        .collect();
    let id = format!("stance-{}", slug(target, t));
    let axis = "mean stance (−1 against … +1 favor), 95% CI";
    let title = format!("Stance toward {target}");
    let means = dot_whisker(&id, &title, axis, names, &stance, (-1.0, 1.0))?;
    let shares: Vec<Vec<Share>> = comparison
        .groups
        .iter()
        .map(|g| {
            of_target(g, target)
                .map(|x| x.shares.clone())
                .unwrap_or_default()
        })
        .collect();
    let title = format!("Stance toward {target}: shares of articles");
    let shares = stacked(&format!("{id}-shares"), &title, names, &shares)?;
    Ok([means, shares])
}

/// Claim `c`'s chart: the shares of its articles' labels per group.
fn claim_chart(
    comparison: &Comparison,
    names: &[(String, bool)],
    c: usize,
    claim: &str,
) -> Result<Chart, ReportError> {
    let shares: Vec<Vec<Share>> = comparison
        .groups
        .iter()
        .map(|g| {
            g.claims
                .iter()
                .find(|x| x.claim == claim)
                .map(|x| x.shares.clone())
                .unwrap_or_default()
        })
        .collect();
    let title = format!("Stance toward the claim “{claim}”");
    stacked(&format!("claim-{}", slug(claim, c)), &title, names, &shares)
}

/// The share of comments flagged toxic per group, when any group has comments.
fn toxicity_chart(
    comparison: &Comparison,
    names: &[(String, bool)],
) -> Result<Option<Chart>, ReportError> {
    let toxicity: Vec<Option<Interval>> = comparison
        .groups
        .iter()
        .map(|g| g.toxicity.as_ref().map(|t| t.rate))
        .collect();
    if toxicity.iter().all(Option::is_none) {
        return Ok(None);
    }
    let axis = "share of comments flagged toxic, 95% CI (articles resampled)";
    let top = toxicity
        .iter()
        .flatten()
        .map(|t| t.ci_high)
        .fold(0.0, f64::max);
    let range = (0.0, (top * 1.1).clamp(0.05, 1.0));
    let chart = dot_whisker(
        "toxicity",
        "Comment toxicity",
        axis,
        names,
        &toxicity,
        range,
    )?;
    Ok(Some(chart))
}

/// Tone over time, for groups that are months, when more than one month has a tone.
fn month_chart(
    names: &[(String, bool)],
    tones: &[Option<Interval>],
) -> Result<Option<Chart>, ReportError> {
    // Articles without a date form a group too, but have no place on a time axis.
    let (months, tones): (Vec<String>, Vec<Option<Interval>>) = names
        .iter()
        .zip(tones)
        .filter(|((name, _), _)| name != MISSING_GROUP)
        .map(|((name, _), tone)| (name.clone(), *tone))
        .unzip();
    if tones.iter().flatten().count() <= 1 {
        return Ok(None);
    }
    time_series("tone-by-month", "Tone by month", &months, &tones).map(Some)
}

/// A file-name-safe form of a name, with its index to keep names apart.
fn slug(name: &str, index: usize) -> String {
    let mut out: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    out = out
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    out.truncate(40);
    format!(
        "{}{index}",
        if out.is_empty() {
            String::new()
        } else {
            out + "-"
        }
    )
}

fn chart_error(e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart(e.to_string())
}

/// Splits a label onto at most two lines, breaking at a space where it can, with an ellipsis
/// when even two lines are too short.
fn wrap_label(label: &str) -> Vec<String> {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= LABEL_LINE {
        return vec![label.to_string()];
    }
    let head: String = chars[..LABEL_LINE].iter().collect();
    let split = head
        .rfind(' ')
        .filter(|&i| i > LABEL_LINE / 2)
        .unwrap_or(head.len());
    let first = label[..split].trim_end().to_string();
    let rest: Vec<char> = label[split..].trim_start().chars().collect();
    let second = if rest.len() > LABEL_LINE {
        rest[..LABEL_LINE - 1].iter().collect::<String>() + "…"
    } else {
        rest.iter().collect()
    };
    vec![first, second]
}

fn label_width(names: &[(String, bool)]) -> u32 {
    let longest = names
        .iter()
        .flat_map(|(n, small)| wrap_label(&shown_name(n, *small)))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(4);
    (longest as u32 * 7 + 24).clamp(80, 260)
}

/// Small groups carry a marker in every chart and table.
fn shown_name(name: &str, small: bool) -> String {
    if small {
        format!("{name} *")
    } else {
        name.to_string()
    }
}

/// Draws the group labels at the left of rows `y = n−1 … 0` (first group on top).
fn draw_row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[(String, bool)],
    anchor: impl Fn(f64) -> (i32, i32),
) -> Result<(), ReportError> {
    let style = TextStyle::from((FONT, 13).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    let n = rows.len();
    for (i, (name, small)) in rows.iter().enumerate() {
        let (x, y) = anchor((n - 1 - i) as f64);
        let lines = wrap_label(&shown_name(name, *small));
        let offset = if lines.len() == 2 { -7 } else { 0 };
        for (k, line) in lines.iter().enumerate() {
            root.draw(&Text::new(
                line.clone(),
                (x - 8, y + offset + 14 * k as i32),
                style.clone(),
            ))
            .map_err(chart_error)?;
        }
    }
    Ok(())
}

fn height_for(rows: usize, extra: u32) -> u32 {
    90 + extra + ROW * rows.max(1) as u32
}

/// One dot (estimate) and whisker (interval) per group; hollow dots for small groups.
fn dot_whisker(
    id: &str,
    title: &str,
    axis: &str,
    rows: &[(String, bool)],
    values: &[Option<Interval>],
    range: (f64, f64),
) -> Result<Chart, ReportError> {
    let n = rows.len();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height_for(n, 0))).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(label_width(rows))
            .build_cartesian_2d(range.0..range.1, -0.5..(n as f64 - 0.5))
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(axis)
            .axis_desc_style((FONT, 13))
            .label_style((FONT, 12))
            .draw()
            .map_err(chart_error)?;
        if range.0 < 0.0 && range.1 > 0.0 {
            let zero = vec![(0.0, -0.5), (0.0, n as f64 - 0.5)];
            chart
                .draw_series([PathElement::new(zero, RULE)])
                .map_err(chart_error)?;
        }
        for (i, value) in values.iter().enumerate() {
            let Some(v) = value else { continue };
            let y = (n - 1 - i) as f64;
            let colour = PALETTE[0];
            let clamp = |x: f64| x.clamp(range.0, range.1);
            let whisker = vec![(clamp(v.ci_low), y), (clamp(v.ci_high), y)];
            let caps = [v.ci_low, v.ci_high].map(|x| {
                PathElement::new(
                    vec![(clamp(x), y - 0.2), (clamp(x), y + 0.2)],
                    colour.stroke_width(2),
                )
            });
            chart
                .draw_series(
                    std::iter::once(PathElement::new(whisker, colour.stroke_width(2))).chain(caps),
                )
                .map_err(chart_error)?;
            let dot = if rows[i].1 {
                Circle::new((clamp(v.value), y), 6, WHITE.filled())
            } else {
                Circle::new((clamp(v.value), y), 6, colour.filled())
            };
            let ring = Circle::new((clamp(v.value), y), 6, colour.stroke_width(2));
            chart.draw_series([dot, ring]).map_err(chart_error)?;
        }
        draw_row_labels(&root, rows, |y| chart.backend_coord(&(range.0, y)))?;
        root.present().map_err(chart_error)?;
    }
    Ok(Chart {
        id: id.into(),
        title: title.into(),
        svg,
    })
}

/// One horizontal bar per group, split into the shares of each label, with a legend below.
fn stacked(
    id: &str,
    title: &str,
    rows: &[(String, bool)],
    shares: &[Vec<Share>],
) -> Result<Chart, ReportError> {
    let n = rows.len();
    let labels = labels_in_order(shares);
    let height = height_for(n, 30);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let (upper, legend) = root.split_vertically(height - 34);
        let mut chart = ChartBuilder::on(&upper)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(label_width(rows))
            .build_cartesian_2d(0.0..1.0, -0.5..(n as f64 - 0.5))
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("share of articles")
            .axis_desc_style((FONT, 13))
            .label_style((FONT, 12))
            .draw()
            .map_err(chart_error)?;
        for (i, group) in shares.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let mut start = 0.0;
            for share in group.iter().filter(|s| s.share > 0.0) {
                let k = labels.iter().position(|l| l == &share.label).unwrap_or(0);
                let end = (start + share.share).min(1.0);
                let bar = Rectangle::new(
                    [(start, y - 0.35), (end, y + 0.35)],
                    label_colour(&share.label, k).filled(),
                );
                chart.draw_series([bar]).map_err(chart_error)?;
                start = end;
            }
        }
        draw_row_labels(&upper, rows, |y| chart.backend_coord(&(0.0, y)))?;
        draw_legend(&legend, &labels, label_width(rows) as i32 + 12)?;
        root.present().map_err(chart_error)?;
    }
    Ok(Chart {
        id: id.into(),
        title: title.into(),
        svg,
    })
}

/// The labels of `shares` in the order they first appear (the bars' colours follow it).
fn labels_in_order(shares: &[Vec<Share>]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for share in shares.iter().flatten() {
        if !labels.contains(&share.label) {
            labels.push(share.label.clone());
        }
    }
    labels
}

/// A swatch of each label's colour and its name, left to right from `x`.
fn draw_legend<DB: DrawingBackend>(
    legend: &DrawingArea<DB, Shift>,
    labels: &[String],
    mut x: i32,
) -> Result<(), ReportError> {
    let style = TextStyle::from((FONT, 13).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (k, label) in labels.iter().enumerate() {
        legend
            .draw(&Rectangle::new(
                [(x, 10), (x + 14, 24)],
                label_colour(label, k).filled(),
            ))
            .map_err(chart_error)?;
        legend
            .draw(&Text::new(label.clone(), (x + 20, 17), style.clone()))
            .map_err(chart_error)?;
        x += 40 + 8 * label.chars().count() as i32;
    }
    Ok(())
}

/// Tone per month: a line through the monthly means with each month's interval.
fn time_series(
    id: &str,
    title: &str,
    months: &[String],
    values: &[Option<Interval>],
) -> Result<Chart, ReportError> {
    let n = months.len();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), -1.0..1.0)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("mean tone, 95% CI")
            .axis_desc_style((FONT, 13))
            .label_style((FONT, 12))
            .draw()
            .map_err(chart_error)?;
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v.value)))
            .collect();
        let colour = PALETTE[0];
        chart
            .draw_series([PathElement::new(
                vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                RULE,
            )])
            .map_err(chart_error)?;
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
            .map_err(chart_error)?;
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            let x = i as f64;
            let whisker = vec![(x, v.ci_low.max(-1.0)), (x, v.ci_high.min(1.0))];
            chart
                .draw_series([PathElement::new(whisker, colour.stroke_width(2))])
                .map_err(chart_error)?;
            chart
                .draw_series([Circle::new((x, v.value), 5, colour.filled())])
                .map_err(chart_error)?;
        }
        // Month labels below the axis; every k-th when there are too many to fit.
        let step = n.div_ceil(14).max(1);
        let style = TextStyle::from((FONT, 12).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (i, month) in months.iter().enumerate().step_by(step) {
            let (x, y) = chart.backend_coord(&(i as f64, -1.0));
            root.draw(&Text::new(month.clone(), (x, y + 8), style.clone()))
                .map_err(chart_error)?;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(Chart {
        id: id.into(),
        title: title.into(),
        svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_wrap_onto_two_lines_at_most() {
        assert_eq!(wrap_label("RT"), vec!["RT"]);
        let lines = wrap_label(
            "The Very Long Name of a Regional Broadcasting Corporation of Somewhere Far Away",
        );
        assert_eq!(lines.len(), 2);
        assert!(
            lines.iter().all(|l| l.chars().count() <= LABEL_LINE),
            "{lines:?}"
        );
        assert!(lines[1].ends_with('…'));
    }

    #[test]
    fn slugs_are_file_safe_and_distinct() {
        assert_eq!(slug("Syrian government", 0), "syrian-government-0");
        assert_eq!(slug("Ü?", 3), "3");
    }
}
