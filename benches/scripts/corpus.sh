# Sourced by the labeling benchmarks (stage_cost.sh, cores.sh): builds slant and the corpus
# generator, and writes `$work/corpus-${mb}MB.jsonl` (articles with reader comments, from
# `make_corpus`) unless it is already there. Sets `input` and `bytes` (its size).
# Needs `work` and `mb` set, and the repository root as the current folder.
mkdir -p "$work"
cargo build --release --quiet
cargo build --release --quiet -p slant-benches --bin make_corpus
input="$work/corpus-${mb}MB.jsonl"
[ -s "$input" ] || target/release/make_corpus "$input" "$mb"
bytes=$(stat -L -c %s "$input")
