//! Fuzz target: the CSV reader on arbitrary bytes, with a small record limit so the over-limit
//! path is reached. At least one record; rows in line order; no row claims a line past the end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slant::ingest::csv;

fuzz_target!(|data: &[u8]| {
    let records: Vec<_> = csv::read_with_limit(data, "fuzz.csv".into(), 512).collect();
    assert!(!records.is_empty(), "a CSV file yields at least one record");
    let total_lines = data.split(|&b| b == b'\n').count() as u64;
    let lines: Vec<_> = records.iter().filter_map(|r| r.source.line).collect();
    assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "rows in line order: {lines:?}"
    );
    assert!(
        lines.iter().all(|&l| l >= 1 && l <= total_lines),
        "{lines:?}"
    );
});
