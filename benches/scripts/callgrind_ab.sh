#!/usr/bin/env bash
# Two builds of slant (and their plugins) against each other by counts that outside load cannot
# move: valgrind's instruction count and its simulated branch mispredictions, over the same
# fixed input, one thread. On a shared 2-core machine wall-clock rounds spread by ±15 %, so a
# change worth a few percent shows here first (a misprediction costs ~15–20 cycles, an
# instruction a third of one: the two counts say which way the time goes, not how much).
#
#   A=/tmp/before/slant PLUGINS_A=/tmp/before B=target/release/slant bash benches/scripts/callgrind_ab.sh
#   JOB=predict MODEL=models/toxicity.model A=... B=... bash benches/scripts/callgrind_ab.sh
#
# Environment: A and B (the two binaries), PLUGINS_A / PLUGINS_B (their plugin folders, default
# target/release), JOB (`label`, the default pipeline over the first MB megabytes of the
# generated corpus of `corpus.sh`; or `predict`, MODEL (default models/toxicity.model) over the
# first MB megabytes of the peer harness's speed body, target/peers/body.jsonl), MB (default
# 2.5), FUNCTIONS (a grep pattern of functions whose inclusive counts to print, default
# `into_order|touched_in_order|TextCounts::of`; the plugins share the model code, and callgrind
# names one plugin for a function that several hold), WORK (default target/callgrind-ab).
# Prints per build the whole run's instructions and mispredictions and the matching
# functions', and checks that both builds wrote the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${A:?A=path of the first slant binary}" "${B:?B=path of the second slant binary}"
job=${JOB:-label}
mb=${MB:-2.5}
functions=${FUNCTIONS:-into_order|touched_in_order|TextCounts::of}
work=${WORK:-target/callgrind-ab}
mkdir -p "$work"
command -v valgrind >/dev/null || { echo "callgrind_ab: needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }

# The first `mb` megabytes of `$1`, whole lines only, into `$2`.
head_mb() {
    head -c "$(awk -v m="$mb" 'BEGIN { printf "%d", m * 1e6 }')" "$1" | head -n -1 >"$2"
}

case $job in
    label)
        # The 20 MB corpus of ab_label.sh, written by corpus.sh unless it is there already.
        (work=target/ab-label mb=20 && source benches/scripts/corpus.sh)
        head_mb target/ab-label/corpus-20MB.jsonl "$work/input.jsonl"
        args=(label --config seeds/slant.toml) ;;
    predict)
        body=target/peers/body.jsonl
        [[ -s $body ]] || { echo "callgrind_ab: $body missing (run benches/peers/run.sh --quick first)" >&2; exit 1; }
        head_mb "$body" "$work/input.jsonl"
        args=(predict -m "${MODEL:-models/toxicity.model}") ;;
    *) echo "callgrind_ab: JOB is label or predict, not $job" >&2; exit 1 ;;
esac
echo "$job, $(wc -l <"$work/input.jsonl") records, $(stat -c %s "$work/input.jsonl") bytes"

for name in A B; do
    binary=${!name}
    plugins_var=PLUGINS_$name
    plugins=${!plugins_var:-target/release}
    RAYON_NUM_THREADS=1 valgrind --tool=callgrind --branch-sim=yes \
        --callgrind-out-file="$work/callgrind-$name.out" \
        "$binary" --quiet --plugin-dir "$plugins" "${args[@]}" "$work/input.jsonl" \
        -o "$work/out-$name.jsonl" 2>"$work/valgrind-$name.txt" \
        || { cat "$work/valgrind-$name.txt" >&2; exit 1; }
    totals=$(grep '^summary:' "$work/callgrind-$name.out" | cut -d' ' -f2-)
    read -r ir _ bcm _ <<<"$totals"
    printf '%s: %s instructions, %s mispredicted conditional branches\n' "$name" "$ir" "$bcm"
    # Rows: Ir Bc Bcm Bi Bim (each with its share in parentheses), file:function [object].
    callgrind_annotate --inclusive=yes "$work/callgrind-$name.out" 2>/dev/null \
        | grep -E "($functions) \[" | sed -E 's/ +\([ 0-9.%]+\)//g; s|[^ ]*/||' \
        | awk '{ printf "    %s instructions, %s mispredicted: %s %s\n", $1, $3, $6, $7 }' || true
done
if cmp -s "$work/out-A.jsonl" "$work/out-B.jsonl"; then
    echo "outputs: identical"
else
    echo "outputs: DIFFER ($work/out-A.jsonl, $work/out-B.jsonl)"
fi
