//! Parquet and Arrow IPC in and out through the binary: a Parquet input labels to the same
//! records as JSON Lines output, a Parquet output reads back as exactly the JSON Lines records
//! (typed columns, comments as a list of structs), and broken or mismatched files are error
//! records naming the file and the column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Fields, Schema};
use slant::labeled::OutputRecord;

mod common;
use common::{records, repo, slant};

/// The input's schema: lake-style column names that differ from slant's field names.
fn input_schema() -> Arc<Schema> {
    let comment = DataType::Struct(Fields::from(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("text", DataType::Utf8, true),
    ]));
    Arc::new(Schema::new(vec![
        Field::new("article_id", DataType::Int64, false),
        Field::new("site", DataType::Utf8, true),
        Field::new("title", DataType::Utf8, true),
        Field::new("content", DataType::Utf8, true),
        Field::new(
            "comments",
            DataType::List(Arc::new(Field::new_list_field(comment, true))),
            true,
        ),
        Field::new("lang", DataType::Utf8, true),
    ]))
}

/// `n` rows; row 5 has no text (an error record), every third has a rude comment.
fn input_batch(n: usize) -> RecordBatch {
    let rows: Vec<serde_json::Value> = (1..=n)
        .map(|i| {
            // Every fourth row names actors of the shipped targets file, so stance round-trips.
            let actors = if i % 4 == 0 {
                " Russia praised the deal, and Turkey's envoy condemned it."
            } else {
                ""
            };
            let content = (i != 5).then(|| {
                format!(
                    "The council met on day {i}. The budget passed. Residents asked questions.{actors}"
                )
            });
            let rude = if i % 3 == 0 {
                "You idiot, what a moron."
            } else {
                "Useful summary."
            };
            serde_json::json!({
                "article_id": i,
                "site": if i % 2 == 0 { "Lakeside Gazette" } else { "Hill Courier" },
                "title": format!("Day {i}"),
                "content": content,
                "comments": [{"id": "c1", "text": "Thanks for the report."},
                             {"id": "c2", "text": rude}],
                "lang": "en",
            })
        })
        .collect();
    let mut decoder = arrow_json::ReaderBuilder::new(input_schema())
        .with_batch_size(n)
        .build_decoder()
        .unwrap();
    decoder.serialize(&rows).unwrap();
    decoder.flush().unwrap().unwrap()
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    // Small row groups, so reading crosses several of them.
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(16))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// Labels `input` (a file of the input schema above) with the column flags it needs.
fn label(input: &Path, extra: &[&str]) -> std::process::Output {
    let columns = ["--text-column", "content", "--id-column", "article_id"];
    label_as_is(
        input,
        &[&columns[..], &["--outlet-column", "site"], extra].concat(),
    )
}

/// Labels `input` with the default pipeline and `extra` flags; the run must succeed.
fn label_as_is(input: &Path, extra: &[&str]) -> std::process::Output {
    let out = slant()
        .current_dir(repo())
        .args(["label", "--config", "seeds/slant.toml"])
        .arg(input)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn jsonl_records(path: &Path) -> Vec<OutputRecord> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn parquet_records(path: &Path) -> Vec<OutputRecord> {
    slant::output::parquet::read_labeled(path)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Labels `input` with `flags` into JSON Lines and into Parquet (in `dir`); the records of each.
fn label_both_ways(
    dir: &tempfile::TempDir,
    input: &Path,
    flags: &[&str],
) -> (Vec<OutputRecord>, Vec<OutputRecord>) {
    let jsonl = tmp(dir, "out.jsonl");
    let pq = tmp(dir, "out.parquet");
    label(input, &[flags, &["-o", jsonl.to_str().unwrap()]].concat());
    label(input, &[flags, &["-o", pq.to_str().unwrap()]].concat());
    (jsonl_records(&jsonl), parquet_records(&pq))
}

fn tmp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn parquet_in_labels_every_row_and_parquet_out_reads_back_as_the_jsonl_records() {
    let dir = tempfile::tempdir().unwrap();
    let input = tmp(&dir, "articles.parquet");
    write_parquet(&input, &input_batch(40));
    let stance = [
        "--mentions",
        "--claim",
        "The budget passed.",
        "--provenance",
    ];
    let (expected, from_parquet) = label_both_ways(&dir, &input, &stance);
    assert_eq!(expected.len(), 40, "one record per row");
    let ids: Vec<String> = expected
        .iter()
        .filter_map(|r| match r {
            OutputRecord::Article(a) => Some(a.id.clone()),
            OutputRecord::Error(e) => e.id.clone(),
        })
        .collect();
    assert_eq!(ids.len(), 40, "error records carry their row's id too");
    assert_eq!(ids[0], "1");
    let OutputRecord::Article(first) = &expected[0] else {
        panic!("row 1 is an article")
    };
    assert_eq!(first.outlet.as_deref(), Some("Hill Courier"));
    assert_eq!(first.source.to_string(), format!("{}#1", input.display()));
    assert_eq!(first.extra.get("lang"), Some(&serde_json::json!("en")));
    assert_eq!(first.comments.len(), 2);
    assert!(
        first.provenance.is_some(),
        "--provenance names each field's source"
    );
    assert!(first.stages.contains_key("toxicity"));
    let bad = expected[4].error().expect("row 5 has no text");
    assert!(bad.contains("body"), "{bad}");
    let OutputRecord::Article(third) = &expected[2] else {
        panic!()
    };
    let summary = third.stages["toxicity"].comments.as_ref().unwrap();
    assert_eq!(summary.total, 2);

    let stance = &expected[3].article().expect("row 4 is an article").stages["stance"];
    let targets = stance.targets.as_ref().expect("row 4 names targets");
    assert_eq!(
        targets.keys().collect::<Vec<_>>(),
        ["Russia", "Turkey"],
        "{targets:?}"
    );
    assert!(
        targets["Turkey"].mention_list.is_some(),
        "--mentions lists them"
    );
    let claims = expected[0].article().unwrap().stages["claim"]
        .claims
        .as_ref();
    assert_eq!(
        claims.expect("the claim stage answers")[0].claim,
        "The budget passed."
    );

    // The Parquet output holds exactly the same records.
    assert_eq!(from_parquet, expected);
}

#[test]
fn with_every_flag_parquet_out_still_reads_back_as_the_jsonl_records() {
    let dir = tempfile::tempdir().unwrap();
    let input = tmp(&dir, "articles.parquet");
    write_parquet(&input, &input_batch(8));
    let flags = [
        "--sentences",
        "--explain",
        "2",
        "--mentions",
        "--tokens",
        "--body",
        "--claim",
        "The budget passed.",
    ];
    let (expected, from_parquet) = label_both_ways(&dir, &input, &flags);
    let sentiment = &expected[0].article().expect("row 1 is an article").stages["sentiment"];
    assert!(sentiment.sentences.is_some() && sentiment.explain.is_some());
    assert_eq!(from_parquet, expected);
}

#[test]
fn parquet_output_has_typed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let input = tmp(&dir, "articles.parquet");
    write_parquet(&input, &input_batch(6));
    let pq = tmp(&dir, "out.parquet");
    label(&input, &["-o", pq.to_str().unwrap()]);
    let file = std::fs::File::open(&pq).unwrap();
    let builder =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema = builder.schema().clone();
    let field = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(field("id"), DataType::Utf8);
    assert_eq!(field("error"), DataType::Utf8);
    let DataType::Struct(tox) = field("toxicity") else {
        panic!("a stage is a struct column")
    };
    assert!(tox.find("comments").is_some());
    let DataType::List(comment) = field("comments") else {
        panic!("comments are a list column")
    };
    let DataType::Struct(comment) = comment.data_type() else {
        panic!()
    };
    assert!(comment.find("toxicity").is_some() && comment.find("text").is_some());
    // Only what this run can write has a column: no stage here explains or lists sentences,
    // only the filter stage flags, and only stages reading comments have a result on each.
    let DataType::Struct(stance) = field("stance") else {
        panic!()
    };
    assert!(stance.find("targets").is_some());
    assert!(tox.find("flagged").is_some());
    for absent in ["explain", "sentences", "claims"] {
        assert!(stance.find(absent).is_none(), "{absent}");
        assert!(tox.find(absent).is_none(), "{absent}");
    }
    assert!(stance.find("flagged").is_none() && comment.find("stance").is_none());
    let leaves = builder.parquet_schema().num_columns();
    assert!(leaves < 100, "{leaves} leaf columns");
    let rows: usize = builder
        .build()
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(rows, 6);
}

#[test]
fn arrow_ipc_input_labels_like_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let batch = input_batch(8);
    let pq = tmp(&dir, "a.parquet");
    write_parquet(&pq, &batch);
    let arrow = tmp(&dir, "a.arrow");
    let mut w = arrow_ipc::writer::FileWriter::try_new(
        std::fs::File::create(&arrow).unwrap(),
        &batch.schema(),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    let strip_source = |mut v: Vec<serde_json::Value>| {
        for r in &mut v {
            let r = r.as_object_mut().unwrap();
            r.remove("source");
            // Error messages name the file they came from.
            if let Some(serde_json::Value::String(e)) = r.get_mut("error") {
                *e = e.replace("a.parquet", "FILE").replace("a.arrow", "FILE");
            }
        }
        v
    };
    let from_pq = strip_source(records(&label(&pq, &[])));
    let from_arrow = strip_source(records(&label(&arrow, &[])));
    assert_eq!(from_pq.len(), 8);
    assert_eq!(from_pq, from_arrow);
}

#[test]
fn a_missing_or_mistyped_column_is_an_error_record_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = tmp(&dir, "articles.parquet");
    write_parquet(&input, &input_batch(3));
    let out = slant()
        .current_dir(repo())
        .args(["label", "--config", "seeds/slant.toml"])
        .arg(&input)
        .args(["--text-column", "nope"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a bad file is a record, not a setup failure"
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 1);
    let message = recs[0]["error"].as_str().unwrap();
    assert!(
        message.contains("`nope`") && message.contains("content"),
        "{message}"
    );

    let out = slant()
        .current_dir(repo())
        .args(["label", "--config", "seeds/slant.toml"])
        .arg(&input)
        .args(["--text-column", "comments"])
        .output()
        .unwrap();
    let message = records(&out)[0]["error"].as_str().unwrap().to_string();
    assert!(
        message.contains("column `comments`") && message.contains("expected text"),
        "{message}"
    );
}

#[test]
fn a_corrupt_file_is_an_error_record_and_parquet_to_stdout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = tmp(&dir, "broken.parquet");
    std::fs::write(&input, b"PAR1 this is not really parquet").unwrap();
    let out = slant()
        .current_dir(repo())
        .args(["label", "--config", "seeds/slant.toml"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let recs = records(&out);
    assert_eq!(recs.len(), 1);
    let message = recs[0]["error"].as_str().unwrap();
    assert!(message.contains("not a readable Parquet file"), "{message}");
    assert_eq!(recs[0]["source"]["file"], input.display().to_string());

    let out = slant()
        .current_dir(repo())
        .args([
            "label",
            "--config",
            "seeds/slant.toml",
            "--format",
            "parquet",
        ])
        .arg("seeds/articles.jsonl")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-o FILE.parquet"));
}

#[test]
fn a_large_output_is_written_in_several_row_groups_and_reads_back_as_the_jsonl_records() {
    // 16,500 short articles, each carrying input fields slant keeps in `extra`: more rows than
    // one row group holds (16,384). The open row group's pages wait in temporary files beside
    // the output, which must leave nothing behind.
    let dir = tempfile::tempdir().unwrap();
    let input = tmp(&dir, "articles.jsonl");
    // Pseudo-random digits, so that the pages are not all alike.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut notes = move || -> String {
        (0..64)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'0' + (state % 10) as u8)
            })
            .collect()
    };
    let lines: Vec<String> = (1..=16_500)
        .map(|i| {
            serde_json::json!({
                "id": i.to_string(),
                "body": format!("The council met on day {i}. The budget passed."),
                "comments": [{"id": "c1", "text": "You idiot, what a moron."}],
                "notes": notes(),
            })
            .to_string()
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let jsonl = tmp(&dir, "out.jsonl");
    let pq = tmp(&dir, "out.parquet");
    for out in [&jsonl, &pq] {
        label_as_is(&input, &["-o", out.to_str().unwrap()]);
    }

    let file = std::fs::File::open(&pq).unwrap();
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file);
    let row_groups = builder.unwrap().metadata().num_row_groups();
    assert!(row_groups >= 2, "{row_groups} row group(s)");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["articles.jsonl", "out.jsonl", "out.parquet"]);
    let expected = jsonl_records(&jsonl);
    assert_eq!(expected.len(), 16_500);
    assert_eq!(parquet_records(&pq), expected);
}
