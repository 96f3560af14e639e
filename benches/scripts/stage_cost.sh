#!/usr/bin/env bash
# What each stage of the default pipeline costs: the same generated corpus (articles with reader
# comments, `make_corpus`) labeled by the default config cut after each stage in turn, then with
# one claim so the claim stage has work, then with four (claims paired with one body count the
# body once: the step from one to four is what three more claims cost). The difference between
# consecutive rows is that stage's cost.
#
#   bash benches/scripts/stage_cost.sh            # 20 MB of JSON Lines
#   MB=100 bash benches/scripts/stage_cost.sh
#
# Environment: MB (default 20), WORK (default target/stage-cost), RAYON_NUM_THREADS, SLANT and
# PLUGINS (default target/release/slant and its plugins: another build's binary and plugin
# folder, to alternate two builds run by run). Prints, per run: the stages, seconds, MB/s, peak
# resident memory (MiB), and the machine's load average.
set -euo pipefail
cd "$(dirname "$0")/../.."

mb=${MB:-20}
work=${WORK:-target/stage-cost}
source benches/scripts/corpus.sh   # sets input, bytes; defines config_before

run() {
    local name=$1 config=$2
    shift 2
    local load
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "${SLANT:-target/release/slant}" --quiet \
        --plugin-dir "${PLUGINS:-target/release}" label \
        --config "$config" "$@" "$input" -o "$work/out.jsonl" 2>"$work/stderr.txt" \
        || { cat "$work/stderr.txt" >&2; exit 1; }
    read -r seconds kib <"$work/time.txt"
    awk -v n="$name" -v b="$bytes" -v s="$seconds" -v k="$kib" -v l="$load" 'BEGIN {
        printf "%-64s %8.1f %8.2f %9.1f  %s\n", n, s, b/1e6/s, k/1024, l }'
}

printf '%-64s %8s %8s %9s  %s\n' "stages ($((bytes / 1000000)) MB)" seconds MB/s peak_MiB load
previous="tokenize"
for stop in "[stages.toxicity]" "[stages.sentiment]" "[stages.stance]" "[stages.claim]"; do
    config_before "$stop" >"$work/cut.toml"
    run "$previous" "$work/cut.toml"
    previous="$previous + ${stop#\[stages.}"
    previous=${previous%]}
done
claims=("The council approved the budget." "Russia denied the airstrikes hit civilians."
    "The vaccine is safe for children." "Police arrested the suspect on Monday.")
run "$previous (one claim)" seeds/slant.toml --claim "${claims[0]}"
run "$previous (four claims)" seeds/slant.toml "${claims[@]/#/--claim=}"
