#!/usr/bin/env bash
# How many times a run calls the allocator, counted by heaptrack (a count that outside load
# cannot move, unlike time): `slant predict` with one model over the first MB megabytes of the
# peer harness's speed body, or `slant label` with a config over the first MB megabytes of the
# generated corpus (`corpus.sh`), one thread. Prints the records read and the calls, in total
# and per record, and the ten call sites (innermost slant frame) that allocate most.
#
#   bash benches/scripts/alloc_count.sh                                   # predict, toxicity
#   MODEL=target/peers/olid/slant.model bash benches/scripts/alloc_count.sh
#   JOB=label CONFIG=seeds/slant.toml bash benches/scripts/alloc_count.sh
#   SLANT=/tmp/before/slant PLUGINS=/tmp/before bash benches/scripts/alloc_count.sh
#
# Environment: JOB (`predict`, the default, or `label`), MODEL (default models/toxicity.model),
# CONFIG (default seeds/slant.toml), MB (default 3), SLANT (default target/release/slant) and
# PLUGINS (default target/release), WORK (default target/alloc-count). Needs heaptrack (installed
# with apt-get when missing) and, for `predict`, the speed body (`benches/peers/run.sh --quick`
# writes it).
set -euo pipefail
cd "$(dirname "$0")/../.."

job=${JOB:-predict}
mb=${MB:-3}
slant=${SLANT:-target/release/slant}
plugins=${PLUGINS:-target/release}
work=${WORK:-target/alloc-count}
mkdir -p "$work"
command -v heaptrack >/dev/null || { apt-get update -qq && apt-get install -y -qq heaptrack; }
[[ -n ${SLANT:-} ]] || cargo build --release --quiet

# The first `mb` megabytes of `$1`, cut at a line's end, into `$2`.
head_of() {
    head -c "$((mb * 1000000))" "$1" | head -n -1 >"$2"
}

if [[ $job == predict ]]; then
    body=target/peers/body.jsonl
    [[ -s $body ]] || { echo "alloc_count: $body missing (run benches/peers/run.sh --quick)" >&2; exit 1; }
    head_of "$body" "$work/input.jsonl"
    run=(predict -m "${MODEL:-models/toxicity.model}" "$work/input.jsonl" -o "$work/out.jsonl")
else
    source benches/scripts/corpus.sh   # sets input
    head_of "$input" "$work/input.jsonl"
    run=(label --config "${CONFIG:-seeds/slant.toml}" "$work/input.jsonl" -o "$work/out.jsonl")
fi
records=$(wc -l <"$work/input.jsonl")
rm -f "$work"/heaptrack.*
RAYON_NUM_THREADS=1 heaptrack -o "$work/heaptrack" "$slant" --quiet --plugin-dir "$plugins" \
    "${run[@]}" >"$work/run.log" 2>&1
trace=$(ls "$work"/heaptrack.*)
calls=$(heaptrack_print "$trace" | awk -F': ' '/^calls to allocation functions/ { print $2 }' \
    | cut -d' ' -f1)
echo "$job: $records records, $calls calls to the allocator ($(awk -v c="$calls" -v r="$records" \
    'BEGIN { printf "%.1f", c / r }') per record)"
heaptrack_print -F "$work/stacks.txt" --flamegraph-cost-type allocations "$trace" >/dev/null
# Each stack's count goes to its innermost frame in slant's own code.
awk '{ n = $NF; $NF = ""; k = split($0, frames, ";"); site = frames[k]
       for (i = k; i >= 1; i--) if (frames[i] ~ /slant/ && frames[i] !~ /^alloc::/) { site = frames[i]; break }
       sub(/::h[0-9a-f]+ /, " ", site); calls[substr(site, 1, 110)] += n }
     END { for (s in calls) print calls[s], s }' "$work/stacks.txt" | sort -rn | head -10
