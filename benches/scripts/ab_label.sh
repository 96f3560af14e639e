#!/usr/bin/env bash
# Two builds of the `slant` host against each other on the same machine in the same minutes:
# `slant label` with the default pipeline over the generated corpus (`make_corpus`), one core
# (one labeling thread, taskset -c 0) and all cores, the two builds interleaved run by run so
# that outside load hits both alike (which goes first alternates from round to round). Both use
# the plugins of target/release unless PLUGINS_A / PLUGINS_B name another folder (to compare
# plugin builds too). Prints every run, then per build and setting the median
# seconds, MB/s, peak RSS and CPU time (user + system), each build's ratio of all cores over
# one, and where the all-core run loses against a perfect split: the CPU time it adds over one
# core, and the share of its cores' time spent busy. Checks that both builds wrote the same
# bytes, on one core and on all.
#
#   A=/tmp/slant-before B=target/release/slant bash benches/scripts/ab_label.sh
#   A=/tmp/before/slant PLUGINS_A=/tmp/before B=target/release/slant bash benches/scripts/ab_label.sh
#   FORMAT=parquet OUTPUT=parquet A=… B=… bash benches/scripts/ab_label.sh   # Parquet in and out
#
# Environment: A and B (required: the two binaries; relative paths are taken from the repository
# root), PLUGINS_A and PLUGINS_B (default target/release), MB (default 50), REPEATS (default 9), CONFIG (default seeds/slant.toml), WORK (default
# target/ab-label). CONFIG_A / CONFIG_B give each build its own config (default CONFIG), e.g.
# one whose models are of another model format: the outputs then differ, as they should. FORMAT
# (the corpus's format: jsonl, the default, or parquet) and OUTPUT (the output's: jsonl, the
# default, or parquet) measure the columnar reader and writer.
set -euo pipefail
cd "$(dirname "$0")/../.."
source benches/scripts/ab_rounds.sh

: "${A:?A=path of the first slant binary}" "${B:?B=path of the second slant binary}"
mb=${MB:-50}
repeats=${REPEATS:-9}
config=${CONFIG:-seeds/slant.toml}
work=${WORK:-target/ab-label}
cores=$(nproc)
format=${FORMAT:-jsonl}
ext=${OUTPUT:-jsonl}
source benches/scripts/corpus.sh   # sets input, bytes

# One run of build `$1` (name A or B), binary `$2`, in setting `$3` ("one" or "all"); prints
# "name setting seconds MiB cpu_seconds" (user + system time of the whole process).
run() {
    local name=$1 binary=$2 setting=$3 threads=$cores cpus="0-$((cores - 1))"
    # Each build's config falls back to CONFIG (`$config`), never to the other build's.
    local plugins=${PLUGINS_B:-target/release} run_config=${CONFIG_B:-$config}
    [[ $name == A ]] && plugins=${PLUGINS_A:-target/release} run_config=${CONFIG_A:-$config}
    [[ $setting == one ]] && { threads=1; cpus=0; }
    RAYON_NUM_THREADS=$threads /usr/bin/time -f '%e %M %U %S' -o "$work/time.txt" \
        taskset -c "$cpus" "$binary" --quiet --plugin-dir "$plugins" label \
        --config "$run_config" "$input" -o "$work/out-$name-$setting.$ext" 2>"$work/stderr.txt" \
        || { cat "$work/stderr.txt" >&2; exit 1; }
    read -r seconds kib user system <"$work/time.txt"
    echo "$name $setting $seconds $((kib / 1024)) $(awk -v u="$user" -v s="$system" 'BEGIN { print u + s }')"
}

ab_rounds
ab_compare_outputs
# Medians of the runs of build `$1` in setting `$2` (of an even count, the mean of the middle
# two): "seconds MiB cpu_seconds".
median() {
    local column
    for column in 3 4 5; do
        awk -v n="$1" -v s="$2" -v c="$column" '$1 == n && $2 == s { print $c }' "$work/runs.txt" \
            | sort -g | awk '{ v[NR] = $1 } END { print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'
    done | paste -sd' '
}
for name in A B; do
    read -r one one_mib one_cpu < <(median "$name" one)
    read -r all all_mib all_cpu < <(median "$name" all)
    awk -v n="$name" -v b="$bytes" -v o="$one" -v a="$all" -v om="$one_mib" -v am="$all_mib" \
        -v oc="$one_cpu" -v ac="$all_cpu" -v c="$cores" 'BEGIN {
        printf "%s: one core %.3f s (%.2f MB/s, %.1f MiB), %d cores %.3f s (%.2f MB/s, %.1f MiB): %.2fx\n",
            n, o, b / 1e6 / o, om, c, a, b / 1e6 / a, am, o / a
        # Where the cores lose: CPU time the all-core run adds, and the share of its cores busy.
        printf "%s: CPU time one core %.2f s, %d cores %.2f s (%+.1f %%), cores busy %.0f %% of the %d-core run\n",
            n, oc, c, ac, 100 * (ac - oc) / oc, 100 * ac / (a * c), c }'
done
