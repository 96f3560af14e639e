# Sourced by the labeling benchmarks (stage_cost.sh, cores.sh): builds slant and the corpus
# generator, and writes `$work/corpus-${mb}MB.jsonl` (articles with reader comments, from
# `make_corpus`; `.parquet` when `format` is set to parquet) unless it is already there; with
# DISTINCT=1 in the environment, `$work/corpus-distinct-${mb}MB.jsonl`, in which no text repeats
# (it ends where the distinct texts of ../shared/data do, at 8.3 MB). Sets
# `input` and `bytes` (its size), and defines `config_before`.
# Needs `work` and `mb` set, and the repository root as the current folder.
mkdir -p "$work"
cargo build --release --quiet
cargo build --release --quiet -p slant-benches --bin make_corpus
kind=$([[ ${DISTINCT:-} == 1 ]] && echo distinct- || true)
input="$work/corpus-${kind}${mb}MB.${format:-jsonl}"
[ -s "$input" ] || target/release/make_corpus "$input" "$mb"
bytes=$(stat -L -c %s "$input")

# The default config up to (not including) the stage header `$1` (e.g. `[stages.claim]`), model
# and target paths made absolute so the result works from any folder.
config_before() {
    awk -v stop="$1" '$0 == stop { exit } { print }' seeds/slant.toml \
        | sed "s|\"\.\./models/|\"$PWD/models/|; s|\"targets.toml\"|\"$PWD/seeds/targets.toml\"|"
}
