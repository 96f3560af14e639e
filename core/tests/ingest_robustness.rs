//! The structured readers (JSON Lines, CSV) on hostile input: arbitrary bytes never panic and
//! every non-blank line yields exactly one record; gzip is detected by content; folders are read
//! recursively in name order; an over-long single line is one error record, not an exhausted
//! memory.

use std::io::Write;

use proptest::prelude::*;
use slant::ingest::{self, ReadOptions};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn jsonl_reader_yields_one_record_per_non_blank_line(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let records: Vec<_> = ingest::jsonl::read(&bytes[..], "p.jsonl".into(), 512).collect();
        let non_blank = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count();
        prop_assert_eq!(records.len(), non_blank.max(1));
        for r in &records {
            prop_assert!(r.source.to_string().starts_with("p.jsonl"));
        }
    }

    #[test]
    fn csv_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let records: Vec<_> = ingest::csv::read(&bytes[..], "p.csv".into()).collect();
        prop_assert!(!records.is_empty());
    }

    /// Without quotes every non-empty line after the header is one record, whatever its fields.
    #[test]
    fn csv_reader_yields_one_record_per_unquoted_row(text in "[a,é \r\n]{0,400}") {
        let records: Vec<_> = ingest::csv::read(text.as_bytes(), "q.csv".into()).collect();
        let rows = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .filter(|l| !l.is_empty())
            .count();
        prop_assert_eq!(records.len(), rows.saturating_sub(1).max(1));
    }

    #[test]
    fn jsonl_articles_round_trip(body in "\\PC{0,200}", title in "\\PC{0,40}") {
        let line = serde_json::json!({"body": body, "title": title}).to_string();
        let records: Vec<_> = ingest::jsonl::read(line.as_bytes(), "r.jsonl".into(), 1 << 20).collect();
        let a = records[0].article.as_ref();
        if body.trim().is_empty() {
            prop_assert!(a.is_err());
        } else {
            let a = a.unwrap();
            prop_assert_eq!(&a.body, &body);
        }
    }
}

#[test]
fn gzip_is_detected_by_content_and_folders_are_walked_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("b_outlet");
    std::fs::create_dir(&nested).unwrap();
    let gz = nested.join("x.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(b"{\"id\":\"zipped\",\"body\":\"Compressed text.\"}\n")
        .unwrap();
    enc.finish().unwrap();
    std::fs::write(
        dir.path().join("a.jsonl"),
        "{\"id\":\"plain\",\"body\":\"x\"}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.bin"), [0u8, 1, 2]).unwrap();
    let ids: Vec<String> = ingest::read_all(&[dir.path().to_path_buf()], &ReadOptions::default())
        .map(|r| r.article.map(|a| a.id).unwrap_or_else(|e| e))
        .collect();
    assert_eq!(
        ids,
        ["plain", "zipped"],
        "unknown extensions in folders are skipped"
    );
}

#[test]
fn an_overlong_line_is_one_error_record_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    f.write_all(b"{\"body\":\"").unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..40 {
        f.write_all(&chunk).unwrap(); // 40 MiB on one line, over the 32 MiB limit
    }
    f.write_all(b"\"}\n{\"id\":\"after\",\"body\":\"fine\"}\n")
        .unwrap();
    drop(f);
    let records: Vec<_> = ingest::read_all(&[path], &ReadOptions::default()).collect();
    assert_eq!(records.len(), 2);
    let err = records[0].article.as_ref().unwrap_err();
    assert!(err.contains("over the limit"), "{err}");
    assert_eq!(records[0].source.line, Some(1));
    assert_eq!(records[1].article.as_ref().unwrap().id, "after");
}

#[test]
fn a_corrupt_gzip_file_is_one_error_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl.gz");
    std::fs::write(&path, b"\x1f\x8b\x08\x00garbage").unwrap();
    let records: Vec<_> = ingest::read_all(&[path], &ReadOptions::default()).collect();
    assert_eq!(records.len(), 1);
    assert!(records[0]
        .article
        .as_ref()
        .unwrap_err()
        .contains("read error"));
}

#[test]
fn a_csv_cell_that_never_closes_its_quote_costs_one_record_not_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(
        &path,
        "id,outlet,title,body\n1,A,t1,\"fine body one\n2,B,t2,body two\n3,C,t3,body three\n",
    )
    .unwrap();
    let records: Vec<_> = ingest::read_all(&[path], &ReadOptions::default()).collect();
    let got: Vec<_> = records
        .iter()
        .map(|r| (r.source.line, r.article.as_ref().map(|a| a.id.as_str())))
        .collect();
    assert_eq!(got.len(), 3, "three rows in, three records out: {got:?}");
    let err = got[0].1.unwrap_err();
    assert!(
        err.contains("quote opened on line 2 is never closed"),
        "{err}"
    );
    assert_eq!(got[1], (Some(3), Ok("2")));
    assert_eq!(got[2], (Some(4), Ok("3")));
}

#[test]
fn a_csv_row_over_the_record_limit_is_one_error_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let body = "b".repeat(300);
    std::fs::write(&path, format!("id,body\n1,{body}\n2,\"{body}\"\n3,ok\n")).unwrap();
    let options = ReadOptions {
        max_record_bytes: 256,
        ..ReadOptions::default()
    };
    let records: Vec<_> = ingest::read_all(&[path], &options).collect();
    assert_eq!(records.len(), 3);
    for r in &records[..2] {
        let err = r.article.as_ref().unwrap_err();
        assert!(err.contains("over the limit of 256 bytes"), "{err}");
    }
    assert_eq!(records[2].article.as_ref().unwrap().body, "ok");
}
