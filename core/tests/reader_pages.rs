//! The page reader on the sample pages in `seeds/pages` (one per page shape), compared with the
//! reviewed golden output in `tests/golden/pages`, plus bad input and a property test.
//!
//! Regenerate the goldens with `SLANT_BLESS=1 cargo test -p slant --test reader_pages`, then
//! read the diff: a golden is only as good as its review.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{json, Value};
use slant::article::{Article, InputRecord};
use slant::ingest::page::{self, PageHints, PageKind};
use slant::ingest::{self, Format};

const MAX_BYTES: usize = 1 << 20;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn seeds_dir() -> PathBuf {
    workspace().join("seeds/pages")
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/pages")
}

/// A sample page: its name relative to the workspace and its records.
struct Sample {
    name: String,
    records: Vec<InputRecord>,
}

/// Reads every sample page the way the CLI does (folder walk, folder-name outlet hint), naming
/// files relative to the workspace so the goldens do not depend on where it is checked out.
fn samples() -> Vec<Sample> {
    let root = workspace();
    let mut out = Vec::new();
    for file in ingest::expand_inputs(&[seeds_dir()]) {
        let file = file.unwrap_or_else(|r| panic!("walking seeds/pages: {:?}", r.article));
        let Format::Page(kind) = file.format else {
            continue;
        };
        let rel = file.path.strip_prefix(&root).unwrap_or(&file.path);
        let name = rel.to_string_lossy().replace('\\', "/");
        let hints = PageHints {
            outlet: file.folder_outlet.clone(),
            outlet_override: None,
            file_name: name.clone(),
            kind,
        };
        let reader = File::open(&file.path).expect("sample page opens");
        out.push(Sample {
            records: page::read(reader, &hints, MAX_BYTES),
            name,
        });
    }
    out
}

fn sample(samples: &[Sample], name: &str) -> Vec<Article> {
    let s = samples
        .iter()
        .find(|s| s.name == format!("seeds/pages/{name}"))
        .unwrap_or_else(|| panic!("no sample page {name}"));
    s.records
        .iter()
        .map(|r| r.article.clone().unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn to_json(records: &[InputRecord]) -> Value {
    Value::Array(
        records
            .iter()
            .map(|r| {
                let article = match &r.article {
                    Ok(a) => serde_json::to_value(a).expect("article serializes"),
                    Err(e) => json!({ "error": e }),
                };
                json!({ "source": r.source, "article": article, "warnings": r.warnings })
            })
            .collect(),
    )
}

fn golden_path(name: &str) -> PathBuf {
    let rel = name.strip_prefix("seeds/pages/").unwrap_or(name);
    golden_dir().join(format!("{}.json", rel.replace('/', "__")))
}

#[test]
fn sample_pages_match_their_goldens() {
    let bless = std::env::var_os("SLANT_BLESS").is_some_and(|v| v == "1");
    let samples = samples();
    assert!(
        samples.len() >= 9,
        "sample pages missing: {}",
        samples.len()
    );
    let mut expected_files = BTreeSet::new();
    let mut mismatches = Vec::new();
    for s in &samples {
        let path = golden_path(&s.name);
        expected_files.insert(path.file_name().unwrap().to_string_lossy().into_owned());
        let actual = serde_json::to_string_pretty(&to_json(&s.records)).unwrap() + "\n";
        if bless {
            fs::create_dir_all(golden_dir()).unwrap();
            fs::write(&path, &actual).unwrap();
            continue;
        }
        match fs::read_to_string(&path) {
            Ok(golden) if golden == actual => {}
            Ok(_) => mismatches.push(format!(
                "{} differs from {}:\n{actual}",
                s.name,
                path.display()
            )),
            Err(e) => mismatches.push(format!("{}: no golden at {} ({e})", s.name, path.display())),
        }
    }
    assert!(
        mismatches.is_empty(),
        "run with SLANT_BLESS=1 and review the diff\n{}",
        mismatches.join("\n")
    );
    let on_disk: BTreeSet<String> = fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        on_disk, expected_files,
        "golden files without a sample page, or the reverse"
    );
}

/// Phrases of page furniture that no article body may keep.
const FURNITURE: &[&str] = &[
    "Disclaimer",
    "Copyright",
    "©",
    "All rights reserved",
    "copyrighted material",
    "original source of this article",
    "Share this",
    "Share on",
    "share buttons",
    "Become a Member",
    "Facebook page",
    "Follow us",
    "Articles by",
    "media inquiries",
    "Scroll Up",
    "Region:",
    "Theme:",
    "Tags:",
    "Home »",
    "](",
    "**",
    "<",
];

#[test]
fn no_furniture_or_markup_left_in_bodies() {
    for s in samples() {
        for r in &s.records {
            let Ok(a) = &r.article else { continue };
            for phrase in FURNITURE {
                assert!(
                    !a.body.contains(phrase),
                    "{}: body keeps {phrase:?}:\n{}",
                    a.id,
                    a.body
                );
            }
            assert!(!a.body.trim().is_empty(), "{}: empty body", a.id);
        }
    }
}

#[test]
fn byline_and_source_lines() {
    let a = &sample(&samples(), "byline_source.txt")[0];
    assert_eq!(
        a.title.as_deref(),
        Some("City library reopens after two-year renovation")
    );
    assert_eq!(a.author.as_deref(), Some("Elena Marsh"));
    assert_eq!(a.outlet.as_deref(), Some("Harbor Daily"));
    assert_eq!(a.date.as_deref(), Some("2021-04-12"));
    assert!(a.body.starts_with("The central library on Quay Street"));
    assert!(a.body.ends_with("at the end of this month."));
}

#[test]
fn republished_page_names_both_outlets() {
    let a = &sample(&samples(), "republished_notice.txt")[0];
    assert_eq!(a.id, "seeds/pages/republished_notice.txt#1");
    assert_eq!(a.outlet.as_deref(), Some("Northern Ledger"));
    assert_eq!(a.original_source.as_deref(), Some("Valley Courier"));
    assert_eq!(a.author.as_deref(), Some("Mara Lindqvist"));
    assert_eq!(a.date.as_deref(), Some("2019-04-09"));
    assert!(a
        .title
        .as_deref()
        .unwrap()
        .starts_with("Farmers in the Upper Valley"));
    // The wrapped topic line and the emphasis split by a line wrap.
    assert!(!a.body.contains("Use\n"));
    assert!(a
        .body
        .contains("the subsidy had been the deciding factor in their choice."));
    assert!(a.body.starts_with("After two dry summers"));
    assert!(a.body.ends_with("where this article was first published."));
}

#[test]
fn two_articles_in_one_file() {
    let samples = samples();
    let arts = sample(&samples, "two_articles.txt");
    assert_eq!(arts.len(), 2);
    let s = samples
        .iter()
        .find(|s| s.name.ends_with("two_articles.txt"))
        .unwrap();
    assert_eq!(
        s.records[1].source.to_string(),
        "seeds/pages/two_articles.txt#2"
    );
    assert_eq!(arts[1].id, "seeds/pages/two_articles.txt#2");
    assert_eq!(arts[0].author.as_deref(), Some("Daniel Okafor"));
    assert_eq!(arts[0].outlet.as_deref(), Some("Coastal Wire"));
    assert_eq!(arts[1].author.as_deref(), Some("Ingrid Solberg"));
    assert_eq!(arts[1].outlet.as_deref(), Some("The Midland Observer"));
    assert_eq!(
        arts[1].title.as_deref(),
        Some("Regional rail line to add evening trains from September")
    );
    assert!(
        arts[0].body.ends_with("during the slowdown."),
        "trailing 'More' link removed"
    );
    assert!(!arts[0].body.contains("evening trains"));
    assert!(
        arts[1].body.contains("Timetable changes for the trains\n"),
        "a subheading stays in the text and does not split"
    );
}

#[test]
fn comment_thread_is_split_from_the_article() {
    let a = &sample(&samples(), "town-forum/comment_thread.txt")[0];
    assert!(a.body.ends_with("how the work affected deliveries."));
    assert!(!a.body.contains("Permalink") && !a.body.contains("Finally some good news"));
    let c = &a.comments;
    assert_eq!(c.len(), 7);
    let ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]);
    assert_eq!(c[0].author, None, "the first comment lost its header");
    assert_eq!(
        c[0].text,
        "Finally some good news for people who ride to work every day."
    );
    let pairs: Vec<(Option<&str>, Option<&str>)> = c[1..]
        .iter()
        .map(|c| (c.author.as_deref(), c.reply_to.as_deref()))
        .collect();
    assert_eq!(
        pairs,
        [
            (Some("mapmaker"), Some("riverwatcher")),
            (Some("Old Lamp Lighter"), Some("mapmaker")),
            (Some("mapmaker"), Some("Old Lamp Lighter")),
            (Some("riverwatcher"), Some("Old Lamp Lighter")),
            (Some("quietreader"), None),
            (Some("Old Lamp Lighter"), Some("quietreader")),
        ]
    );
    assert_eq!(c[1].date.as_deref(), Some("2017-11-03T12:49"));
    assert_eq!(c[5].date.as_deref(), Some("2017-11-04T09:15"));
    assert_eq!(
        c[1].text,
        "I ride on Market Road every morning and the new kerbs will make a real difference.\n\n\
         Still, I hope they keep the lane clear of snow in winter."
    );
}

#[test]
fn markdown_links_and_emphasis() {
    let a = &sample(&samples(), "markdown_links.md")[0];
    assert_eq!(
        a.title.as_deref(),
        Some("Volunteers map the city's old trees")
    );
    assert_eq!(a.author.as_deref(), Some("Sam Rivera"));
    assert_eq!(a.outlet.as_deref(), Some("Greenway Review"));
    assert_eq!(a.date.as_deref(), Some("2020-05-14"));
    assert!(a
        .body
        .contains("the results are now online for anyone to explore."));
    assert!(a.body.contains("a retired teacher, Helen Park, noticed"));
    assert!(a
        .body
        .contains("She asked the city's parks department whether"));
    assert!(a
        .body
        .contains("\"We are not experts, but we are careful,\" Park said."));
    assert!(a.body.contains("use a free smartphone app"));
    assert!(a
        .body
        .contains("- the trunk's girth at chest height,\n- its estimated height,"));
    assert!(
        !a.body.contains("volunteer measures an oak"),
        "images are dropped"
    );
    assert!(!a.body.contains("Environment » Cities"));
}

#[test]
fn html_page_is_read_as_text_with_its_head() {
    let a = &sample(&samples(), "html_page.html")[0];
    assert_eq!(
        a.title.as_deref(),
        Some("Museum returns borrowed paintings after exhibition closes")
    );
    assert_eq!(a.author.as_deref(), Some("Priya Natarajan"));
    assert_eq!(a.outlet.as_deref(), Some("Lakeshore Times"));
    assert_eq!(a.date.as_deref(), Some("2023-02-07"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://lakeshore-times.example/culture/museum-returns-paintings")
    );
    assert!(a.body.starts_with("The city museum has sent back"));
    assert!(
        a.body.contains("for its winter exhibition on Dutch"),
        "HTML whitespace collapsed"
    );
    assert!(a.body.contains("“Lending institutions"), "entities decoded");
    assert!(a.body.contains("Next exhibition\n\nThe museum will open"));
    for gone in [
        "analytics",
        "track()",
        "font-family",
        "News",
        "Packed",
        "Gallery opens",
        "Related",
    ] {
        assert!(!a.body.contains(gone), "{gone:?} left in {}", a.body);
    }
}

#[test]
fn site_header_over_a_menu_names_the_outlet() {
    let a = &sample(&samples(), "masthead_nav.txt")[0];
    assert_eq!(a.outlet.as_deref(), Some("Riverside Chronicle"));
    assert_eq!(
        a.title.as_deref(),
        Some("Flood barrier tested ahead of autumn storms")
    );
    assert_eq!(a.date.as_deref(), Some("2021-10-12"));
    assert!(a.body.starts_with("Engineers closed"));
    assert!(a.body.ends_with("finally finished."));
}

#[test]
fn folder_name_is_the_outlet_only_when_the_page_names_none() {
    let samples = samples();
    let garden = &sample(&samples, "lakeside-gazette/school_garden.txt")[0];
    assert_eq!(garden.outlet.as_deref(), Some("lakeside-gazette"));
    let wire = &sample(&samples, "lakeside-gazette/wire_story.txt")[0];
    assert_eq!(wire.outlet.as_deref(), Some("Plains Wire Service"));
    // And through the CLI's reader, end to end.
    let via_cli: Vec<InputRecord> =
        ingest::read_all(&[seeds_dir()], &ingest::ReadOptions::default())
            .filter(|r| r.source.file.ends_with("school_garden.txt"))
            .collect();
    assert_eq!(via_cli.len(), 1);
    let a = via_cli[0].article.as_ref().unwrap();
    assert_eq!(a.outlet.as_deref(), Some("lakeside-gazette"));
}

#[test]
fn outlet_from_the_command_line_overrides_what_the_page_names() {
    let options = ingest::ReadOptions {
        outlet: Some("Given Outlet".into()),
        ..ingest::ReadOptions::default()
    };
    let records: Vec<InputRecord> = ingest::read_all(&[seeds_dir()], &options).collect();
    let wire = records
        .iter()
        .find(|r| r.source.file.ends_with("wire_story.txt"))
        .expect("the wire story is read");
    let a = wire.article.as_ref().unwrap();
    // The page names "Plains Wire Service"; the command line wins and says so.
    assert_eq!(a.outlet.as_deref(), Some("Given Outlet"));
    assert_eq!(a.provenance["outlet"], "command-line");
    assert_eq!(a.provenance.len(), 1, "text pages name no other source");
    for r in &records {
        if let Ok(a) = &r.article {
            assert_eq!(a.outlet.as_deref(), Some("Given Outlet"), "{}", a.id);
        }
    }

    // An HTML page whose JSON-LD names its publisher: the override wins there too, and the
    // other fields keep their page sources.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.html");
    fs::write(&path, article_page("The council met on Tuesday.")).unwrap();
    let records: Vec<InputRecord> = ingest::read_all(&[path], &options).collect();
    let a = records[0].article.as_ref().unwrap();
    assert_eq!(a.outlet.as_deref(), Some("Given Outlet"));
    assert_eq!(a.provenance["outlet"], "command-line");
    assert_eq!(a.provenance["title"], "json-ld");

    // JSON Lines records too: the flag names the outlet of every article read.
    let path = dir.path().join("in.jsonl");
    fs::write(&path, r#"{"id":"r1","outlet":"Own Outlet","body":"Text."}"#).unwrap();
    let records: Vec<InputRecord> = ingest::read_all(&[path], &options).collect();
    let a = records[0].article.as_ref().unwrap();
    assert_eq!(a.outlet.as_deref(), Some("Given Outlet"));
    assert_eq!(a.provenance["outlet"], "command-line");
}

#[test]
fn label_with_provenance_writes_each_fields_source() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    // JSON-LD gives title, author, date and publisher; Open Graph the canonical URL.
    let html = article_page("The council met on Tuesday.").replace(
        "<title>",
        "<meta property=\"og:url\" content=\"https://courier.example/council\"><title>",
    );
    fs::write(&page, html).unwrap();
    let config = dir.path().join("tok.toml");
    fs::write(
        &config,
        "[stages.tokenize]\nplugin = \"tokenize\"\nlanguage = \"english\"\n",
    )
    .unwrap();
    let label = |extra: &[&str]| -> Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_slant"))
            .args(["--quiet", "label", "--format", "jsonl", "--config"])
            .arg(&config)
            .args(extra)
            .arg(&page)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "one record for one page: {stdout}");
        serde_json::from_str(lines[0]).unwrap()
    };
    let plain = label(&[]);
    assert_eq!(plain["outlet"], "Example Courier");
    assert!(
        plain.get("provenance").is_none(),
        "only when asked: {plain}"
    );

    let with = label(&["--provenance"]);
    assert_eq!(
        with["provenance"],
        json!({"author": "json-ld", "date": "json-ld", "language": "html-lang",
               "outlet": "json-ld", "title": "json-ld", "url": "open-graph"}),
    );
    assert_eq!(with["url"], "https://courier.example/council");

    let renamed = label(&["--provenance", "--outlet", "Given Outlet"]);
    assert_eq!(renamed["outlet"], "Given Outlet");
    assert_eq!(renamed["provenance"]["outlet"], "command-line");
    assert_eq!(renamed["provenance"]["title"], "json-ld");
}

#[test]
fn page_without_text_is_an_error_naming_the_file() {
    let s = samples();
    let s = s
        .iter()
        .find(|s| s.name.ends_with("title_only.txt"))
        .unwrap();
    assert_eq!(s.records.len(), 1);
    let err = s.records[0].article.as_ref().unwrap_err();
    assert!(err.contains("seeds/pages/title_only.txt"), "{err}");
}

fn hints(kind: PageKind) -> PageHints {
    PageHints {
        outlet: None,
        outlet_override: None,
        file_name: "in.txt".into(),
        kind,
    }
}

#[test]
fn binary_files_are_one_error_record() {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend([0u8; 64]);
    let r = page::read(&bytes[..], &hints(PageKind::Text), MAX_BYTES);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].source.to_string(), "in.txt");
    assert!(r[0]
        .article
        .as_ref()
        .unwrap_err()
        .starts_with("binary file"));
}

#[test]
fn invalid_utf8_is_read_with_a_warning() {
    let r = page::read(
        &b"Caf\xe9 owners protest\n\nBy Jane Roe\n\nThe caf\xe9 owners met on Monday."[..],
        &hints(PageKind::Text),
        MAX_BYTES,
    );
    assert_eq!(r.len(), 1);
    let a = r[0].article.as_ref().unwrap();
    assert_eq!(a.title.as_deref(), Some("Caf\u{fffd} owners protest"));
    assert_eq!(a.author.as_deref(), Some("Jane Roe"));
    assert!(r[0].warnings.iter().any(|w| w.contains("invalid UTF-8")));
}

#[test]
fn oversized_pages_are_an_error_record() {
    let big = vec![b'a'; 2048];
    let r = page::read(&big[..], &hints(PageKind::Text), 1024);
    assert_eq!(r.len(), 1);
    assert!(r[0]
        .article
        .as_ref()
        .unwrap_err()
        .contains("over the limit of 1024 bytes"));
}

#[test]
fn a_100_mb_single_line_is_an_error_record_at_the_limit() {
    // Streamed, so the test does not hold 100 MB; the reader stops one byte past the limit.
    let line = io::repeat(b'a').take(100 << 20);
    let r = page::read(
        line,
        &hints(PageKind::Text),
        ingest::DEFAULT_MAX_RECORD_BYTES,
    );
    assert_eq!(r.len(), 1);
    let err = r[0].article.as_ref().unwrap_err();
    assert!(err.contains(&format!(
        "limit of {} bytes",
        ingest::DEFAULT_MAX_RECORD_BYTES
    )));
}

#[test]
fn a_long_single_line_under_the_limit_is_read() {
    // Words and no newline: the shape of a page saved without line breaks. Every rule runs
    // over it, so this also guards against rules slower than linear.
    let line = "word ".repeat(400_000);
    let started = std::time::Instant::now();
    let r = page::read(line.as_bytes(), &hints(PageKind::Text), MAX_BYTES * 4);
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].article.as_ref().unwrap().body.len(),
        line.trim_end().len()
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn read_errors_are_an_error_record() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }
    let r = page::read(Failing, &hints(PageKind::Markdown), MAX_BYTES);
    assert_eq!(r.len(), 1);
    assert!(r[0].article.as_ref().unwrap_err().contains("disk on fire"));
}

/// Lines in the shapes the rules look for, to drive the property test into every rule.
fn page_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("By Jane Roe".to_string()),
        Just("Source: Example Wire".to_string()),
        Just("Example Daily, October 26, 2017".to_string()),
        Just("Region: Europe".to_string()),
        Just("The original source of this article is Example Wire".to_string()),
        Just("Copyright © Example Wire, 2018".to_string()),
        Just("bob alice Fri, 11/03/2017 - 12:49 Permalink".to_string()),
        Just("12 Comments".to_string()),
        Just("# A headline".to_string()),
        Just("<h1>Tag</h1><p>para".to_string()),
        Just("Home » World".to_string()),
        "[A-Za-z ,.*_#>\\[\\]()<>/:|-]{0,60}",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), kind in 0..3u8) {
        let kind = [PageKind::Text, PageKind::Markdown, PageKind::Html][kind as usize];
        let records = page::read(&bytes[..], &hints(kind), 1024);
        prop_assert!(!records.is_empty());
        for r in &records {
            prop_assert!(&*r.source.file == "in.txt");
        }
    }

    #[test]
    fn page_shaped_text_never_panics(lines in proptest::collection::vec(page_line(), 0..40), kind in 0..3u8) {
        let kind = [PageKind::Text, PageKind::Markdown, PageKind::Html][kind as usize];
        let text = lines.join("\n");
        let records = page::read(text.as_bytes(), &hints(kind), MAX_BYTES);
        prop_assert!(!records.is_empty());
        let mut ids = BTreeSet::new();
        for (n, r) in records.iter().enumerate() {
            if let Ok(a) = &r.article {
                prop_assert_eq!(&a.id, &format!("in.txt#{}", n + 1));
                prop_assert!(ids.insert(a.id.clone()));
                prop_assert!(!a.body.trim().is_empty());
                for (k, c) in a.comments.iter().enumerate() {
                    prop_assert_eq!(&c.id, &format!("c{}", k + 1));
                }
            }
        }
    }
}

/// An HTML article page in `charset`-encoded bytes, with a comment section.
fn article_page(paragraph: &str) -> String {
    let body: String = (0..6)
        .map(|i| format!("<p>{paragraph} Paragraph {i} of the report goes on with more detail about the council vote and what residents said about it.</p>\n"))
        .collect();
    format!(
        "<html lang=\"fr\"><head><title>Council votes</title>\
         <script type=\"application/ld+json\">{{\"@type\":\"NewsArticle\",\"headline\":\"Council votes on the bridge\",\
         \"author\":{{\"@type\":\"Person\",\"name\":\"Jane Roe\"}},\"datePublished\":\"2021-06-01T10:00:00Z\",\
         \"publisher\":{{\"name\":\"Example Courier\"}}}}</script></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>\
         <article><h1>Council votes on the bridge</h1>{body}</article>\
         <div id=\"comments\" class=\"comments\"><h3>Comments</h3>\
         <div class=\"comment\"><p>I think the bridge is a waste of money and the council should listen to us.</p></div>\
         </div><footer>© Example Courier</footer></body></html>"
    )
}

#[test]
fn html_gz_page_is_read_directly_with_its_metadata() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.html.gz");
    let mut gz = flate2::write::GzEncoder::new(File::create(&path).unwrap(), Default::default());
    gz.write_all(article_page("The council met on Tuesday.").as_bytes())
        .unwrap();
    gz.finish().unwrap();
    let records: Vec<InputRecord> =
        ingest::read_all(std::slice::from_ref(&path), &ingest::ReadOptions::default()).collect();
    assert_eq!(records.len(), 1);
    let a = records[0].article.as_ref().expect("an article");
    assert!(a.body.contains("The council met on Tuesday. Paragraph 0"));
    assert!(a.body.contains("Paragraph 5"));
    assert_eq!(a.title.as_deref(), Some("Council votes on the bridge"));
    assert_eq!(a.author.as_deref(), Some("Jane Roe"));
    assert_eq!(a.date.as_deref(), Some("2021-06-01"));
    assert_eq!(a.outlet.as_deref(), Some("Example Courier"));
    assert_eq!(a.language.as_deref(), Some("fr"));
    for field in ["title", "author", "date", "outlet"] {
        assert_eq!(a.provenance[field], "json-ld", "{field}");
    }
    assert!(
        !a.body.contains("waste of money"),
        "comments never go into the body: {}",
        a.body
    );
    assert!(!a.body.contains("Home"), "navigation is not text");
}

#[test]
fn html_in_windows_1252_and_shift_jis_is_decoded() {
    let page = article_page("Le caf\u{e9} \u{201c}ferm\u{e9}\u{201d}.")
        .replace("<head>", "<head><meta charset=\"windows-1252\">");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&page);
    let r = page::read(&bytes[..], &hints(PageKind::Html), MAX_BYTES);
    let a = r[0].article.as_ref().unwrap();
    assert!(a.body.contains("Le café “fermé”."), "{}", a.body);
    assert!(r[0].warnings.is_empty(), "{:?}", r[0].warnings);

    let page = article_page("日本語の記事です。").replace(
        "<head>",
        "<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">",
    );
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&page);
    let r = page::read(&bytes[..], &hints(PageKind::Html), MAX_BYTES);
    assert!(r[0]
        .article
        .as_ref()
        .unwrap()
        .body
        .contains("日本語の記事です。"));
}

#[test]
fn html_without_article_text_is_an_error_record_saying_why() {
    let r = page::read(
        &b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"[..],
        &hints(PageKind::Html),
        MAX_BYTES,
    );
    assert_eq!(r.len(), 1);
    let err = r[0].article.as_ref().unwrap_err();
    assert!(err.contains("no article text in in.txt"), "{err}");
}

#[test]
fn closing_related_links_list_is_not_body_text() {
    let related = "<h3>You may also like</h3>\
                   <p><a href=\"/a\">Ferry timetable changes for the summer</a></p>\
                   <p><a href=\"/b\">Mayor opens the new library</a></p>\
                   <p><a href=\"/c\">Harbour cleanup draws volunteers</a></p>";
    let promos = "<p>READ MORE: Bridge tolls to rise in spring</p><p>Image 1 of 5</p>\
                  <p>Updated: 19 November 2019, 09:01 AM</p>";
    let page = article_page("The council met on Tuesday.").replace(
        "</article>",
        &format!("<p>Advertisement</p>{promos}{related}</article>"),
    );
    let r = page::read(page.as_bytes(), &hints(PageKind::Html), MAX_BYTES);
    let a = r[0].article.as_ref().unwrap();
    assert!(a.body.contains("Paragraph 5"), "{}", a.body);
    for furniture in [
        "You may also like",
        "Ferry timetable",
        "Harbour cleanup",
        "Advertisement",
        "READ MORE",
        "Image 1 of 5",
        "Updated: 19 November",
    ] {
        assert!(!a.body.contains(furniture), "{furniture} in {}", a.body);
    }
    // An article's own closing list, without a related-links heading, stays.
    let own =
        "<p>The tour stops in:</p><p>September 12 – Mountain View</p><p>October 3 – Phoenix</p>";
    let page = article_page("The council met on Tuesday.")
        .replace("</article>", &format!("{own}</article>"));
    let r = page::read(page.as_bytes(), &hints(PageKind::Html), MAX_BYTES);
    let a = r[0].article.as_ref().unwrap();
    assert!(a.body.contains("October 3 – Phoenix"), "{}", a.body);
}
