//! The language check's fast path on real English text from `../shared/data`: news bodies and
//! reader comments are judged by their function words alone (so the detector's fixed cost is
//! skipped for nearly all of them), and wherever the fast path decides and the detector is sure,
//! the detector says English too.

use std::io::BufRead;
use std::path::Path;

use slant::pipeline::{LanguageCheck, OtherLanguage};

mod support;

/// Up to `limit` distinct texts of `field` from a gzip JSON Lines corpus.
fn texts(path: &Path, field: &str, limit: usize) -> Vec<String> {
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(
        std::fs::File::open(path).unwrap(),
    ));
    let mut seen = std::collections::HashSet::new();
    reader
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(&line.unwrap()).unwrap())
        .filter_map(|record| record[field].as_str().map(str::to_string))
        .filter(|text| seen.insert(text.clone()))
        .take(limit)
        .collect()
}

/// The share of `texts` judged by the fast path, and how many of those the detector, when
/// reliable, places in another language.
fn fast_path_share(check: &LanguageCheck, texts: &[String]) -> (f64, usize) {
    let fast: Vec<&String> = texts.iter().filter(|t| check.skips_detector(t)).collect();
    let disagreements = fast
        .iter()
        .filter_map(|t| whatlang::detect(t).filter(|info| info.is_reliable()))
        .filter(|info| info.lang() != whatlang::Lang::Eng)
        .count();
    (fast.len() as f64 / texts.len() as f64, disagreements)
}

#[test]
fn english_news_and_comments_skip_the_detector_and_agree_with_it() {
    let Some(data) = support::needs_shared(
        "english_news_and_comments_skip_the_detector_and_agree_with_it",
        support::shared_dir().join("data"),
    ) else {
        return;
    };
    let check = LanguageCheck::new("english", OtherLanguage::Warn);
    for (corpus, field, least_share) in [
        ("fnc1/train.jsonl.gz", "body", 0.97),
        ("sfu_ctc/train.jsonl.gz", "text", 0.85),
        ("olid_offensive/train.jsonl.gz", "text", 0.5),
    ] {
        let texts = texts(&data.join(corpus), field, 1500);
        let (share, disagreements) = fast_path_share(&check, &texts);
        eprintln!(
            "{corpus}: fast path on {:.1} % of {} texts, detector disagrees on {disagreements}",
            100.0 * share,
            texts.len()
        );
        assert!(share >= least_share, "{corpus}: fast path on {share:.3}");
        assert!(
            disagreements * 200 <= texts.len(),
            "{corpus}: {disagreements} fast-path texts the detector places elsewhere"
        );
    }
}

/// What the detector still does on English tweets the fast path cannot decide: how many are
/// under 8 words, and how few of them it places in another language with confidence (printed
/// for `benches/PROFILE.md`; false alarms on this English corpus must stay rare).
#[test]
fn the_detector_rarely_calls_english_tweets_foreign() {
    let Some(data) = support::needs_shared(
        "the_detector_rarely_calls_english_tweets_foreign",
        support::shared_dir().join("data/olid_offensive/train.jsonl.gz"),
    ) else {
        return;
    };
    let check = LanguageCheck::new("english", OtherLanguage::Warn);
    let texts = texts(&data, "text", 5000);
    let judged: Vec<&String> = texts
        .iter()
        .filter(|t| t.chars().filter(|c| c.is_alphabetic()).count() >= 20)
        .filter(|t| !check.skips_detector(t))
        .collect();
    let words = |t: &str| {
        t.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .count()
    };
    let foreign = |t: &&&String| {
        whatlang::detect(t).is_some_and(|i| i.is_reliable() && i.lang() != whatlang::Lang::Eng)
    };
    let short: Vec<&&String> = judged.iter().filter(|t| words(t) < 8).collect();
    let foreign_all = judged.iter().filter(foreign).count();
    let foreign_short = short.iter().copied().filter(foreign).count();
    eprintln!(
        "OLID: {} of {} texts go to the detector, {} of them under 8 words; sure non-English: {foreign_all} ({foreign_short} under 8 words)",
        judged.len(),
        texts.len(),
        short.len()
    );
    assert!(
        foreign_all * 100 <= judged.len(),
        "{foreign_all} false alarms"
    );
}

/// Short foreign reader comments (4–6 words, written for this test): how often the detector is
/// sure of them. Printed for `benches/PROFILE.md`: the detector's fixed cost buys a warning on
/// those it is sure of, and it must never be sure of a wrong language.
#[test]
fn the_detector_is_seldom_sure_of_short_foreign_comments() {
    let comments = [
        ("Merci beaucoup pour cet article", "fra"),
        ("Je ne suis pas d'accord du tout", "fra"),
        ("C'est une honte pour notre pays", "fra"),
        ("Muchas gracias por la información", "spa"),
        ("No estoy de acuerdo con esto", "spa"),
        ("Qué vergüenza de gobierno tenemos", "spa"),
        ("Vielen Dank für diesen Artikel", "deu"),
        ("Das ist doch völlig absurd hier", "deu"),
        ("Ich stimme dem überhaupt nicht zu", "deu"),
        ("Grazie mille per questo articolo", "ita"),
        ("Non sono affatto d'accordo", "ita"),
        ("Muito obrigado por este artigo", "por"),
        ("Não concordo com nada disso", "por"),
        ("Dank je wel voor dit artikel", "nld"),
        ("Dit is echt belachelijk zeg", "nld"),
        ("Tack så mycket för artikeln", "swe"),
        ("Dziękuję bardzo za ten artykuł", "pol"),
        ("To jest po prostu skandal", "pol"),
        ("Terima kasih atas artikelnya", "ind"),
        ("Bu makale için çok teşekkürler", "tur"),
        ("Salamat po sa balitang ito", "tgl"),
        ("Kiitos paljon tästä artikkelista", "fin"),
    ];
    let check = LanguageCheck::new("english", OtherLanguage::Warn);
    let mut warned = 0;
    for (text, code) in comments {
        assert!(!check.skips_detector(text), "{text}");
        let verdict = check.check(text);
        if let Some(language) = verdict.language {
            assert_eq!(language, code, "{text}: sure of the wrong language");
            assert!(verdict.problem.is_some(), "{text}: no warning");
            warned += 1;
        }
    }
    eprintln!(
        "short foreign comments: the detector is sure of {warned} of {} (each warned)",
        comments.len()
    );
    assert!(
        warned > 0,
        "the detector never warns on short foreign comments"
    );
}

/// The language check's own scorer (`slant::pipeline::language::detect`, trigrams summed from
/// the text's side) gives whatlang's verdicts, confidence included, and `detect_reliable` its
/// reliable ones, on real text of every kind
/// the corpora hold: tweets, news comments, YouTube comments, news bodies and full article
/// pages (some not English), so replacing `whatlang::detect` with it changed no output.
#[test]
fn the_fast_scorer_gives_whatlangs_verdicts_on_real_text() {
    let Some(data) = support::needs_shared(
        "the_fast_scorer_gives_whatlangs_verdicts_on_real_text",
        support::shared_dir().join("data"),
    ) else {
        return;
    };
    let mut compared = 0;
    for (corpus, field, limit) in [
        ("olid_offensive/train.jsonl.gz", "text", 4000),
        ("sfu_ctc/train.jsonl.gz", "text", 1000),
        ("youtube_toxic/train.jsonl.gz", "text", 1000),
        ("davidson_hate_offensive/all.jsonl.gz", "text", 2000),
        ("fnc1/train.jsonl.gz", "body", 300),
        (
            "article_extraction/ground_truth.jsonl.gz",
            "articleBody",
            181,
        ),
    ] {
        for text in texts(&data.join(corpus), field, limit) {
            let theirs = whatlang::detect(&text);
            assert_eq!(
                slant::pipeline::language::detect(&text),
                theirs,
                "{corpus}: {text}"
            );
            assert_eq!(
                slant::pipeline::language::detect_reliable(&text),
                theirs.filter(whatlang::Info::is_reliable),
                "{corpus}: {text}"
            );
            compared += 1;
        }
    }
    eprintln!("same verdict as whatlang on {compared} texts");
    assert!(compared > 8000);
}
