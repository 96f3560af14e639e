#!/usr/bin/env bash
# Two builds of `slant predict` against each other on the same machine in the same minutes: one
# model over one input, pinned to one core (one scoring thread, taskset -c 0) and on all cores,
# the two builds interleaved run by run so that outside load hits both alike (which goes first
# alternates from round to round). Prints every run (seconds, user seconds, peak MiB), then per
# build and setting the median seconds, MB/s and peak, and each build's ratio of all cores over
# one. Checks that both builds wrote the same bytes.
#
#   A=/tmp/before/slant PLUGINS_A=/tmp/before B=target/release/slant \
#       INPUT=target/peers/body.jsonl MODEL=target/peers/olid/slant.model \
#       bash benches/scripts/ab_predict.sh
#
# Environment: A and B (required: the two binaries), PLUGINS_A and PLUGINS_B (default
# target/release: the tokenize plugin each uses), INPUT (required: a JSON Lines or CSV file, e.g.
# the peer harness's 50 MB speed body target/peers/body.jsonl), MODEL (default
# models/toxicity.model), REPEATS (default 5), WORK (default target/ab-predict).
set -euo pipefail
cd "$(dirname "$0")/../.."
source benches/scripts/ab_rounds.sh

: "${A:?A=path of the first slant binary}" "${B:?B=path of the second slant binary}"
: "${INPUT:?INPUT=the file to score}"
model=${MODEL:-models/toxicity.model}
repeats=${REPEATS:-5}
work=${WORK:-target/ab-predict}
cores=$(nproc)
bytes=$(stat -c %s "$INPUT")
mkdir -p "$work"

# One run of build `$1` (A or B), binary `$2`, in setting `$3` ("one" or "all"); prints
# "name setting seconds user_seconds MiB".
run() {
    local name=$1 binary=$2 setting=$3 threads=$cores cpus="0-$((cores - 1))"
    local plugins=${PLUGINS_B:-target/release}
    [[ $name == A ]] && plugins=${PLUGINS_A:-target/release}
    [[ $setting == one ]] && { threads=1; cpus=0; }
    RAYON_NUM_THREADS=$threads /usr/bin/time -f '%e %U %M' -o "$work/time.txt" \
        taskset -c "$cpus" "$binary" --quiet --plugin-dir "$plugins" predict -m "$model" \
        "$INPUT" -o "$work/out-$name-$setting.jsonl" 2>"$work/stderr.txt" \
        || { cat "$work/stderr.txt" >&2; exit 1; }
    read -r seconds user kib <"$work/time.txt"
    echo "$name $setting $seconds $user $((kib / 1024))"
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
ab_rounds
ab_compare_outputs
# Median of column `$3` over the runs of build `$1` in setting `$2` (of an even count, the
# mean of the middle two).
median() {
    awk -v n="$1" -v s="$2" -v c="$3" '$1 == n && $2 == s { print $c }' "$work/runs.txt" \
        | sort -g | awk '{ v[NR] = $1 } END { print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'
}
for name in A B; do
    awk -v n="$name" -v b="$bytes" -v c="$cores" \
        -v o="$(median "$name" one 3)" -v a="$(median "$name" all 3)" \
        -v om="$(median "$name" one 5)" -v am="$(median "$name" all 5)" 'BEGIN {
        printf "%s: one core %.3f s (%.2f MB/s, %.1f MiB), %d cores %.3f s (%.2f MB/s, %.1f MiB): %.2fx\n",
            n, o, b / 1e6 / o, om, c, a, b / 1e6 / a, am, o / a }'
done
