//! Fuzz target: the page reader (plain text, Markdown, HTML) on arbitrary bytes. The first byte
//! picks the page kind; the rest is the file. Every call must return at least one record, each
//! naming the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slant::ingest::page::{self, PageHints, PageKind};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let kind = match selector % 3 {
        0 => PageKind::Text,
        1 => PageKind::Markdown,
        _ => PageKind::Html,
    };
    let hints = PageHints {
        outlet: None,
        file_name: "fuzz.page".into(),
        kind,
    };
    let records = page::read(bytes, &hints, 1 << 20);
    assert!(!records.is_empty(), "a page yields at least one record");
    for record in &records {
        assert!(record.source.to_string().starts_with("fuzz.page"));
    }
});
