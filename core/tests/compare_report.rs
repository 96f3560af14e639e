//! The report as a person sees it: `slant compare --out` renders in headless Chromium with every
//! chart drawn (non-blank pixels inside each chart's box, no console errors), and every number
//! on the page equals the one in `--json`.
//!
//! Chromium comes from `.ci/install-chromium.sh` (run by `.ci/run`). Without it the browser test
//! skips, saying so on stderr — and fails when `CI` is set.

mod compare_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use compare_common::{labeled_fixture, slant_ok};
use serde_json::Value;
use slant::report::{number, p_value};

/// Runs `slant compare FIXTURE --by BY --out DIR --json`; returns the JSON printed.
fn make_report(dir: &Path, by: &str) -> (PathBuf, Value) {
    let fixture = labeled_fixture(dir, "labeled.jsonl", 800, 21);
    let out = dir.join(format!("report-{by}"));
    let json = slant_ok(&[
        "compare",
        fixture.to_str().unwrap(),
        "--by",
        by,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    (out, serde_json::from_str(&json).unwrap())
}

#[test]
fn every_number_in_the_html_equals_the_json() {
    let dir = tempfile::tempdir().unwrap();
    for by in ["outlet", "month"] {
        let (out, json) = make_report(dir.path(), by);
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        for outside in ["<script", "<link", "src=", "href=", "url(", "@import"] {
            assert!(
                !html.contains(outside),
                "the page must be self-contained: {outside}"
            );
        }
        let page = scraper::Html::parse_document(&html);
        let numbers = scraper::Selector::parse("span.num").unwrap();
        let mut checked = 0;
        for span in page.select(&numbers) {
            let pointer = span.attr("data-pointer").unwrap();
            // Read with the same parser as the JSON, so both round alike.
            let shown_value: f64 = serde_json::from_str(span.attr("data-value").unwrap()).unwrap();
            let expected = json
                .pointer(pointer)
                .and_then(Value::as_f64)
                .unwrap_or_else(|| panic!("{pointer} is not a number in the JSON"));
            assert_eq!(shown_value, expected, "{pointer}");
            let text: String = span.text().collect();
            let formatted = match span.attr("data-format").unwrap() {
                "count" => format!("{expected:.0}"),
                "p" => p_value(expected),
                _ => number(expected),
            };
            assert_eq!(text, formatted, "{pointer}");
            checked += 1;
        }
        let groups = json["groups"].as_array().unwrap().len();
        let contrasts = json["contrasts"].as_array().unwrap().len();
        // Per group at least articles + tone (3) + shares; per contrast difference (3) + p's (2).
        assert!(
            checked >= groups * 7 + contrasts * 5,
            "only {checked} numbers checked"
        );
    }
}

/// Chromium, or `None` when it is missing and CI is unset (the caller skips).
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("SLANT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing: .ci/install-chromium.sh installs it",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: headless Chromium test: {} not found (run .ci/install-chromium.sh)",
        path.display()
    );
    None
}

/// Runs Chromium headless on `page` with `extra` flags; returns (stdout, stderr). Output goes
/// to files, not pipes: Chromium's helper processes would hold a pipe open.
fn run_chromium(
    chromium: &Path,
    profile: &Path,
    page: &Path,
    extra: &[String],
) -> (String, String) {
    let (stdout, stderr) = (profile.join("stdout.txt"), profile.join("stderr.txt"));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::from(std::fs::File::create(&stdout).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap()))
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = child.wait().unwrap();
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    assert!(status.success(), "chromium failed: {}", read(&stderr));
    (read(&stdout), read(&stderr))
}

/// A chart's box on the page, in CSS pixels.
#[derive(Debug, serde::Deserialize)]
struct ChartBox {
    id: String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// The boxes of the charts and the page height, measured by a copy of the page with a script
/// added (the report itself has none), laid out at the same window width.
fn chart_boxes(chromium: &Path, profile: &Path, report: &Path, width: u32) -> (Vec<ChartBox>, u32) {
    let html = std::fs::read_to_string(report).unwrap();
    let script = "<script>document.body.setAttribute('data-boxes', JSON.stringify(\
        [...document.querySelectorAll('figure.chart svg')].map(s => { const r = s.getBoundingClientRect(); \
        return {id: s.parentElement.id, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; })));\
        document.body.setAttribute('data-height', document.documentElement.scrollHeight);</script>";
    let measure = report.with_file_name("measure.html");
    std::fs::write(
        &measure,
        html.replace("</body>", &format!("{script}</body>")),
    )
    .unwrap();
    let size = format!("--window-size={width},900");
    let (dom, _) = run_chromium(chromium, profile, &measure, &["--dump-dom".into(), size]);
    let page = scraper::Html::parse_document(&dom);
    let body = page
        .select(&scraper::Selector::parse("body").unwrap())
        .next()
        .unwrap();
    let boxes = serde_json::from_str(body.attr("data-boxes").expect("boxes measured")).unwrap();
    let height = body.attr("data-height").unwrap().parse().unwrap();
    (boxes, height)
}

#[test]
fn the_report_renders_in_headless_chromium_with_every_chart_drawn() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-report");
    std::fs::create_dir_all(&keep).unwrap();
    for by in ["outlet", "month"] {
        let (out, _) = make_report(dir.path(), by);
        let report = out.join("report.html");
        let svgs = std::fs::read_dir(&out)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "svg")
            })
            .count();
        let width = 1200;
        let profile = tempfile::tempdir().unwrap();
        let (boxes, height) = chart_boxes(&chromium, profile.path(), &report, width);
        assert_eq!(
            boxes.len(),
            svgs,
            "one chart on the page per SVG file: {boxes:?}"
        );

        let shot = keep.join(format!("report-{by}.png"));
        let profile = tempfile::tempdir().unwrap();
        let flags = [
            format!("--screenshot={}", shot.display()),
            format!("--window-size={width},{height}"),
        ];
        let (_, log) = run_chromium(&chromium, profile.path(), &report, &flags);
        for line in log.lines() {
            assert!(
                !(line.contains("CONSOLE")
                    && (line.contains("ERROR") || line.contains("Uncaught"))),
                "console error: {line}"
            );
        }
        let image = decode_png(&shot);
        assert_eq!(image.width, width as usize);
        for b in &boxes {
            let (inked, coloured) = image.ink_in(b);
            let area = b.w * b.h;
            assert!(area > 10_000.0, "{} has no size: {b:?}", b.id);
            assert!(
                inked as f64 > 0.01 * area,
                "{} is blank: {inked} inked pixels of {area}",
                b.id
            );
            assert!(coloured > 50, "{} has no coloured marks ({coloured})", b.id);
        }
        eprintln!("screenshot of the {by} report: {}", shot.display());
    }
}

struct Rgb {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

impl Rgb {
    /// (pixels not near white, pixels clearly coloured) inside a box.
    fn ink_in(&self, b: &ChartBox) -> (usize, usize) {
        let (x0, y0) = (b.x.max(0.0) as usize, b.y.max(0.0) as usize);
        let x1 = ((b.x + b.w) as usize).min(self.width);
        let y1 = ((b.y + b.h) as usize).min(self.height);
        let mut inked = 0;
        let mut coloured = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                let [r, g, bl] = self.pixels[y * self.width + x];
                if r.min(g).min(bl) < 235 {
                    inked += 1;
                }
                if r.max(g).max(bl) - r.min(g).min(bl) > 60 {
                    coloured += 1;
                }
            }
        }
        (inked, coloured)
    }
}

fn decode_png(path: &Path) -> Rgb {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let pixels = buffer[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1 % channels], p[2 % channels]])
        .collect();
    Rgb {
        width: info.width as usize,
        height: info.height as usize,
        pixels,
    }
}
