#!/usr/bin/env bash
# Training cost of a recipe: wall time, CPU time and peak memory (max RSS) of `slant train`,
# measured with GNU time. Needs ../shared/data (the corpora). Default: the largest shipped
# recipe, models/toxicity.toml. The model is written to target/bench-models/, never over the
# shipped one.
#
#   benches/scripts/train_cost.sh [RECIPE]
set -euo pipefail
cd "$(dirname "$0")/../.."
recipe="${1:-models/toxicity.toml}"
name="$(basename "$recipe" .toml)"
mkdir -p target/bench-models
cargo build --release --quiet
log="target/bench-models/$name.time"
/usr/bin/time -v -o "$log" target/release/slant --quiet train --recipe "$recipe" \
    --out "target/bench-models/$name.model"
wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
user=$(grep 'User time' "$log" | awk '{print $NF}')
sys=$(grep 'System time' "$log" | awk '{print $NF}')
rss_kb=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
printf 'recipe %s: wall %s, cpu user %ss + sys %ss, peak RSS %.0f MiB (%s cores)\n' \
    "$recipe" "$wall" "$user" "$sys" "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" "$(nproc)"
