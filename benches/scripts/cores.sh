#!/usr/bin/env bash
# How `slant label` scales from one core to all: the same generated corpus (articles with reader
# comments, `make_corpus`) labeled by the default pipeline (claim stage included, with no claim
# given it has no work) pinned to one core (taskset -c 0, one labeling thread) and then on all
# cores, REPEATS times each, alternating so that outside load hits both alike. Prints each run and
# the median MB/s per setting with the ratio all/one.
#
#   bash benches/scripts/cores.sh                 # 20 MB, 3 repeats
#   MB=100 REPEATS=5 bash benches/scripts/cores.sh
#   SLANT=/path/to/other/slant bash benches/scripts/cores.sh   # another build of the host, same plugins
#
# Environment: MB (default 20), REPEATS (default 3), CONFIG (default seeds/slant.toml), WORK
# (default target/cores), SLANT (default target/release/slant; the plugins are always those of
# target/release). The load average is printed with every run: on a shared machine the
# ratio means something only when the load stays below one.
set -euo pipefail
cd "$(dirname "$0")/../.."

mb=${MB:-20}
repeats=${REPEATS:-3}
config=${CONFIG:-seeds/slant.toml}
work=${WORK:-target/cores}
slant=${SLANT:-target/release/slant}
cores=$(nproc)
source benches/scripts/corpus.sh   # sets input, bytes

# Labels the corpus with `$1` threads on cores `$2`; prints MB/s.
run() {
    local threads=$1 cpus=$2
    RAYON_NUM_THREADS=$threads /usr/bin/time -f '%e %M' -o "$work/time.txt" \
        taskset -c "$cpus" "$slant" --quiet --plugin-dir target/release label --config "$config" \
        "$input" -o "$work/out.jsonl" 2>"$work/stderr.txt" \
        || { cat "$work/stderr.txt" >&2; exit 1; }
    read -r seconds kib <"$work/time.txt"
    awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.2f", b/1e6/s }'
    printf ' %s %s\n' "$seconds" "$((kib / 1024))"
}

source benches/scripts/one_vs_all.sh   # sets m1, ma
awk -v a="$m1" -v b="$ma" -v c="$cores" -v mb="$((bytes / 1000000))" 'BEGIN {
    printf "median over %s MB: one core %.2f MB/s, %d cores %.2f MB/s, ratio %.2f\n", mb, a, c, b, b/a }'
