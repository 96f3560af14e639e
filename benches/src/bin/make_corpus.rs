//! Writes a corpus of articles with reader comments of a chosen size, as JSON Lines or Parquet,
//! for the scaling benchmark (`benches/scripts/scaling.sh`): the benchmark articles of
//! [`slant_benches::articles_with_comments`] repeated under fresh ids until the size is reached.
//!
//!     make_corpus OUT.jsonl|OUT.parquet MEGABYTES
//!
//! With `DISTINCT=1` in the environment the articles are those of
//! [`slant_benches::distinct_articles_with_comments`] instead, each once: no text repeats, and the
//! file ends where the distinct texts do if that comes before the size (it prints how many
//! articles and megabytes of text there are).
//!
//! Parquet files get row groups of [`ROW_GROUP_ROWS`] rows, as a data lake's writers (Spark,
//! pyarrow) cut them, with `comments` as a list of `{id, text}` structs; the environment's
//! `ROW_GROUP_ROWS` sets another count (to see whether memory follows the groups' size).

use std::fs::File;
use std::io::{BufWriter, Cursor, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_json::ReaderBuilder;
use arrow_schema::{DataType, Field, Fields, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// Rows per Parquet row group unless the environment's `ROW_GROUP_ROWS` says otherwise.
const ROW_GROUP_ROWS: usize = 10_000;

/// The rows per row group: `ROW_GROUP_ROWS` from the environment when set, else the default.
/// A value that is not a positive count is refused rather than ignored, so that a mistyped
/// setting cannot pass for a measurement of it.
fn row_group_rows() -> Result<usize, String> {
    match std::env::var("ROW_GROUP_ROWS") {
        Err(_) => Ok(ROW_GROUP_ROWS),
        Ok(value) => value
            .parse()
            .ok()
            .filter(|&n: &usize| n > 0)
            .ok_or_else(|| format!("ROW_GROUP_ROWS={value:?} is not a positive count of rows")),
    }
}

/// Comments per article.
const COMMENTS_PER_ARTICLE: usize = 5;
/// Articles converted to Arrow at a time.
const CHUNK_ROWS: usize = 2_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(megabytes)) = (args.get(1), args.get(2).and_then(|m| m.parse().ok()))
    else {
        eprintln!("usage: make_corpus OUT.jsonl|OUT.parquet MEGABYTES");
        std::process::exit(2);
    };
    let articles = articles().unwrap_or_else(|e| {
        eprintln!("make_corpus: {e}");
        std::process::exit(2);
    });
    let lines = article_lines(articles, megabytes);
    let written = if out.ends_with(".parquet") {
        write_parquet(Path::new(out), lines)
    } else {
        write_jsonl(Path::new(out), lines).map_err(Into::into)
    };
    if let Err(e) = written {
        eprintln!("make_corpus: {out}: {e}");
        std::process::exit(1);
    }
}

/// The articles to write, in turn: the benchmark articles repeated without end, or with
/// `DISTINCT=1` the distinct ones once (an error when there are none: `../shared/data` is
/// missing).
fn articles() -> Result<Box<dyn Iterator<Item = slant::article::Article>>, String> {
    if std::env::var("DISTINCT").is_ok_and(|v| v == "1") {
        let articles = slant_benches::distinct_articles_with_comments(COMMENTS_PER_ARTICLE);
        if articles.is_empty() {
            return Err("DISTINCT=1 needs the corpora of ../shared/data".into());
        }
        eprintln!(
            "make_corpus: {} distinct articles, {:.1} MB of text",
            articles.len(),
            slant_benches::article_bytes(&articles) as f64 / 1e6
        );
        return Ok(Box::new(articles.into_iter()));
    }
    let articles = slant_benches::articles_with_comments(COMMENTS_PER_ARTICLE);
    Ok(Box::new(articles.into_iter().cycle()))
}

/// JSON lines of `articles`, fresh ids, until `megabytes` of lines have been produced or the
/// articles end.
fn article_lines(
    articles: impl Iterator<Item = slant::article::Article>,
    megabytes: u64,
) -> impl Iterator<Item = String> {
    let budget = megabytes * 1_000_000;
    let mut written = 0u64;
    articles
        .enumerate()
        .map(|(n, article)| {
            serde_json::json!({
                "id": format!("a{n}"),
                "outlet": format!("Outlet {}", n % 7),
                "body": article.body,
                "comments": article.comments.iter()
                    .map(|c| serde_json::json!({"id": c.id, "text": c.text}))
                    .collect::<Vec<_>>(),
            })
            .to_string()
        })
        .take_while(move |line| {
            let more = written < budget;
            written += line.len() as u64 + 1;
            more
        })
}

fn write_jsonl(path: &Path, lines: impl Iterator<Item = String>) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

fn schema() -> Arc<Schema> {
    let comment = Fields::from(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("text", DataType::Utf8, true),
    ]);
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("outlet", DataType::Utf8, true),
        Field::new("body", DataType::Utf8, false),
        Field::new(
            "comments",
            DataType::List(Arc::new(Field::new(
                "item",
                DataType::Struct(comment),
                true,
            ))),
            true,
        ),
    ]))
}

fn write_parquet(
    path: &Path,
    lines: impl Iterator<Item = String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let schema = schema();
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group_rows()?))
        .build();
    let mut writer = ArrowWriter::try_new(File::create(path)?, schema.clone(), Some(properties))?;
    let mut lines = lines.peekable();
    while lines.peek().is_some() {
        let chunk: Vec<String> = lines.by_ref().take(CHUNK_ROWS).collect();
        let json = chunk.join("\n");
        let reader = ReaderBuilder::new(schema.clone())
            .with_batch_size(CHUNK_ROWS)
            .build(Cursor::new(json.into_bytes()))?;
        for batch in reader {
            writer.write(&batch?)?;
        }
    }
    writer.close()?;
    Ok(())
}
