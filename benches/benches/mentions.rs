//! Finding the stance targets' mentions in news bodies (MB/s, one core), beside what it
//! replaced, in one run: `MentionFinder::find` (word starts screened by their first bytes, eight
//! bytes at a time, the automaton run anchored where a word starts as an alias does) and the
//! walk of an automaton of the same aliases over every byte (overlapping matches, then the
//! boundary and case checks, then leftmost-longest). Targets: `seeds/targets.toml`, the default
//! pipeline's.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slant::pipeline::mentions::MentionFinder;
use slant::pipeline::targets;

/// The mentions' byte spans by the walk over every byte.
fn every_byte(
    automaton: &AhoCorasick,
    aliases: &[(&str, bool)],
    text: &str,
) -> Vec<(usize, usize)> {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut found: Vec<(usize, usize)> = automaton
        .find_overlapping_iter(text)
        .filter(|m| {
            let (alias, exact_case) = aliases[m.pattern().as_usize()];
            let as_written = !exact_case || &text[m.range()] == alias;
            as_written
                && !word(text[..m.start()].chars().next_back())
                && !word(text[m.end()..].chars().next())
        })
        .map(|m| (m.start(), m.end()))
        .collect();
    found.sort_by_key(|&(start, end)| (start, std::cmp::Reverse(end)));
    let mut kept: Vec<(usize, usize)> = Vec::new();
    for m in found {
        if kept.last().is_none_or(|last| m.0 >= last.1) {
            kept.push(m);
        }
    }
    kept
}

fn bench(c: &mut Criterion) {
    let (texts, corpus) = slant_benches::news_bodies();
    let map = targets::read_file(&slant_benches::repo().join("seeds/targets.toml"))
        .expect("seeds/targets.toml");
    let finder = MentionFinder::new(&map).expect("a finder of the default targets");
    let aliases: Vec<(&str, bool)> = finder.aliases().collect();
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(aliases.iter().map(|(text, _)| text))
        .expect("an automaton of the default targets");
    let bytes: usize = texts.iter().map(String::len).sum();

    // Both ways find the same mentions in every text, so the timings compare the same work.
    let mut mentions = 0;
    for text in &texts {
        let found: Vec<(usize, usize)> =
            finder.find(text).iter().map(|m| (m.start, m.end)).collect();
        assert_eq!(found, every_byte(&automaton, &aliases, text), "{text}");
        mentions += found.len();
    }
    assert!(mentions > 0, "no mention of a default target in {corpus}");
    eprintln!(
        "{corpus}: {} texts, {:.1} MB, {mentions} mentions of {} targets",
        texts.len(),
        bytes as f64 / 1e6,
        map.len()
    );

    let mut group = c.benchmark_group("mentions/news");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("every-byte", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| every_byte(&automaton, &aliases, t).len())
                .sum::<usize>()
        })
    });
    group.bench_function("find", |b| {
        b.iter(|| texts.iter().map(|t| finder.find(t).len()).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
