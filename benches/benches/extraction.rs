//! Reading speed (MB/s of HTML, one core) of the page reader on the 181 real news pages of
//! `../shared/data/article_extraction`: decoding, page metadata, the extraction engine and
//! slant's rules, as `slant label page.html` reads a page (`reader`), and the extraction engine
//! alone with the reader's options (`rs-trafilatura`), so the difference is slant's own share.
//! The pages are decompressed into memory first, so gzip and disk are not measured. Without the
//! data set the bench says so and measures nothing (under `CI` it fails).
//! `benches/scripts/reader_speed.sh` runs it with the machine's load and a profile.

use std::io::Read;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slant::ingest::page::{self, PageHints, PageKind};

/// The dev set's pages, decompressed: (file name, HTML bytes).
fn pages() -> Vec<(String, Vec<u8>)> {
    let dir = slant_benches::repo().join("../shared/data/article_extraction/html");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is not present", dir.display());
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is required under CI",
            dir.display()
        );
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    paths
        .iter()
        .map(|p: &std::path::PathBuf| {
            let mut html = Vec::new();
            let file = std::fs::File::open(p).expect("page readable");
            flate2::read::GzDecoder::new(file)
                .read_to_end(&mut html)
                .expect("page is gzip");
            let name = Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, html)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pages = pages();
    if pages.is_empty() {
        return;
    }
    let bytes: usize = pages.iter().map(|(_, h)| h.len()).sum();
    eprintln!(
        "pages: {}, {:.1} MB of HTML",
        pages.len(),
        bytes as f64 / 1e6
    );
    let mut group = c.benchmark_group("extraction");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("reader/html-dev-set", |b| {
        b.iter(|| {
            let mut articles = 0usize;
            for (name, html) in &pages {
                let hints = PageHints {
                    outlet: None,
                    outlet_override: None,
                    file_name: name.clone(),
                    kind: PageKind::Html,
                };
                articles += page::read(html.as_slice(), &hints, usize::MAX)
                    .iter()
                    .filter(|r| r.article.is_ok())
                    .count();
            }
            assert!(
                articles >= pages.len() * 9 / 10,
                "most pages give an article"
            );
            articles
        })
    });
    let texts: Vec<String> = pages
        .iter()
        .map(|(_, html)| String::from_utf8_lossy(html).into_owned())
        .collect();
    group.bench_function("rs-trafilatura/html-dev-set", |b| {
        let options = rs_trafilatura::Options {
            include_comments: true,
            ..rs_trafilatura::Options::default()
        };
        b.iter(|| {
            texts
                .iter()
                .filter(|html| rs_trafilatura::extract_with_options(html, &options).is_ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
