//! The page reader on the real saved news pages in `../shared/seeds` (outside this repository,
//! read through the same folder walk as `slant label ../shared/seeds`). Skipped, with a
//! message, where that folder is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use slant::article::Article;
use slant::ingest::{self, ReadOptions};

mod support;

/// The seeds folder, or `None` after a visible skip (a failure under CI).
fn seeds(test: &str) -> Option<PathBuf> {
    support::needs_shared(test, support::shared_dir().join("seeds"))
}

/// Articles by file name (without folder), in page order.
fn read_seeds(dir: &Path) -> BTreeMap<String, Vec<Article>> {
    let mut by_file: BTreeMap<String, Vec<Article>> = BTreeMap::new();
    for r in ingest::read_all(&[dir.to_path_buf()], &ReadOptions::default()) {
        let file = Path::new(&*r.source.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let article = r
            .article
            .unwrap_or_else(|e| panic!("{}: error record: {e}", r.source));
        assert!(r.warnings.is_empty(), "{}: {:?}", r.source, r.warnings);
        by_file.entry(file).or_default().push(article);
    }
    by_file
}

/// The articles of the file whose name starts with `prefix`.
fn file<'a>(by_file: &'a BTreeMap<String, Vec<Article>>, prefix: &str) -> &'a [Article] {
    by_file
        .iter()
        .find(|(name, _)| name.starts_with(prefix))
        .map(|(_, a)| a.as_slice())
        .unwrap_or_else(|| panic!("no seed file {prefix}*"))
}

#[test]
fn real_pages_read_into_six_articles() {
    let Some(dir) = seeds("real_pages_read_into_six_articles") else {
        return;
    };
    let by_file = read_seeds(&dir);
    assert_eq!(by_file.len(), 5, "files: {:?}", by_file.keys());
    let total: usize = by_file.values().map(Vec::len).sum();
    assert_eq!(total, 6);
    assert_eq!(
        by_file.values().filter(|a| a.len() == 2).count(),
        1,
        "one file holds two"
    );
    for a in by_file.values().flatten() {
        assert!(
            a.title.as_deref().is_some_and(|t| !t.trim().is_empty()),
            "{}: no title",
            a.id
        );
        assert!(a.body.len() > 500, "{}: body too short: {:?}", a.id, a.body);
        assert!(a.id.ends_with("#1") || a.id.ends_with("#2"), "{}", a.id);
    }
}

#[test]
fn real_pages_name_their_outlets() {
    let Some(dir) = seeds("real_pages_name_their_outlets") else {
        return;
    };
    let by_file = read_seeds(&dir);
    let outlets = |prefix: &str| -> Vec<Option<String>> {
        file(&by_file, prefix)
            .iter()
            .map(|a| a.outlet.clone())
            .collect()
    };
    let some = |s: &str| Some(s.to_string());
    // "Global Research, October 26, 2017"; its notice names Global Research itself, while the
    // author's note says the text first appeared at Inside Syria Media Center.
    assert_eq!(outlets("000_"), [some("Global Research")]);
    assert_eq!(
        file(&by_file, "000_")[0].original_source,
        some("Inside Syria Media Center")
    );
    assert_eq!(file(&by_file, "000_")[0].date, some("2017-10-26"));
    assert_eq!(file(&by_file, "000_")[0].author, some("Anna Jaunger"));
    // A Global Research republication of a South Front text.
    assert_eq!(outlets("001_"), [some("Global Research")]);
    assert_eq!(
        file(&by_file, "001_")[0].original_source,
        some("South Front")
    );
    assert_eq!(file(&by_file, "001_")[0].date, some("2018-11-24"));
    // The site's name heads the page above its menu.
    assert_eq!(outlets("002_"), [some("Islamic Invitation Turkey")]);
    assert_eq!(file(&by_file, "002_")[0].date, some("2017-06-30"));
    // The comment-thread page names no outlet: left empty, not guessed.
    assert_eq!(outlets("003_"), [None]);
    // Two articles, each with its own byline and "Source:" line.
    assert_eq!(outlets("004_"), [some("RT"), some("The Duran")]);
    let authors: Vec<_> = file(&by_file, "004_")
        .iter()
        .map(|a| a.author.clone())
        .collect();
    assert_eq!(authors, [some("Mikhail Alaeddin"), some("Adam Garrie")]);
}

#[test]
fn real_comment_thread_is_split_into_comments() {
    let Some(dir) = seeds("real_comment_thread_is_split_into_comments") else {
        return;
    };
    let by_file = read_seeds(&dir);
    let with_thread: Vec<&Article> = by_file
        .values()
        .flatten()
        .filter(|a| !a.comments.is_empty())
        .collect();
    assert_eq!(
        with_thread.len(),
        1,
        "only the ZeroHedge-style page has a thread"
    );
    let a = with_thread[0];
    assert!(a.comments.len() >= 8, "{} comments", a.comments.len());
    // The first comment lost its header on the page; every other one has author and time.
    for c in &a.comments[1..] {
        assert!(c.author.as_deref().is_some_and(|s| !s.is_empty()), "{c:?}");
        assert!(
            c.date
                .as_deref()
                .is_some_and(|d| d.len() == 16 && d.starts_with("2017-11-0")),
            "{c:?}"
        );
        assert!(!c.text.is_empty(), "{c:?}");
    }
    let ids: Vec<String> = a.comments.iter().map(|c| c.id.clone()).collect();
    let expected: Vec<String> = (1..=a.comments.len()).map(|n| format!("c{n}")).collect();
    assert_eq!(ids, expected);
    let names_with_spaces = a.comments.iter().any(|c| {
        c.author.as_deref() == Some("Crash N. Burn")
            && c.reply_to.as_deref() == Some("Crazy Or Not")
    });
    assert!(
        names_with_spaces,
        "multi-word user names split by the other headers"
    );
    // Comments are not article text.
    assert!(a.body.ends_with("refugees that remain."), "{}", a.body);
    for c in &a.comments {
        let start: String = c.text.chars().take(40).collect();
        assert!(!a.body.contains(&start), "comment {} in the body", c.id);
    }
}

#[test]
fn real_bodies_carry_no_boilerplate() {
    let Some(dir) = seeds("real_bodies_carry_no_boilerplate") else {
        return;
    };
    let by_file = read_seeds(&dir);
    const FURNITURE: &[&str] = &[
        "disclaimer",
        "copyright",
        "©",
        "fair use",
        "share button",
        "forward this article",
        "become a member",
        "facebook",
        "articles by",
        "media inquiries",
        "original source of this article",
        "region:",
        "theme:",
        "in-depth report",
        "scroll up",
        "permalink",
        "image source",
        "](",
        "**",
        "<u>",
    ];
    for a in by_file.values().flatten() {
        let body = a.body.to_lowercase();
        for phrase in FURNITURE {
            assert!(!body.contains(phrase), "{}: body keeps {phrase:?}", a.id);
        }
        assert!(
            !a.body.ends_with("More"),
            "{}: trailing read-more link",
            a.id
        );
    }
    // Text a line wrap split in two is joined again.
    let gr = &file(&by_file, "000_")[0];
    assert!(gr
        .body
        .contains("the United States prefers to stay away and doesn't take"));
}
