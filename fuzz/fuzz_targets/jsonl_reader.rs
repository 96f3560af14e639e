//! Fuzz target: the JSON Lines reader on arbitrary bytes. Every non-blank line yields exactly one
//! record (an empty file one error record), each naming its line, in order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slant::ingest::jsonl;

fuzz_target!(|data: &[u8]| {
    let records: Vec<_> = jsonl::read(data, "fuzz.jsonl".into(), 256).collect();
    let non_blank = data
        .split(|&b| b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .count();
    assert_eq!(records.len(), non_blank.max(1));
    let lines: Vec<_> = records.iter().filter_map(|r| r.source.line).collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "lines in order");
});
