#!/usr/bin/env bash
# How `slant predict` scales from one core to all, on short texts (reader comments and tweets
# from ../shared/data, repeated under fresh ids up to MB megabytes): the shipped toxicity model
# pinned to one core (taskset -c 0, one scoring thread) and then on all cores, REPEATS times
# each, alternating so that outside load hits both alike. Prints each run and the medians.
#
#   bash benches/scripts/predict_cores.sh                          # 20 MB, 3 repeats
#   SLANT=/path/to/other/slant bash benches/scripts/predict_cores.sh   # another build, same input
#
# Environment: MB (default 20), REPEATS (default 3), MODEL (default models/toxicity.model), SLANT
# (default target/release/slant, built first), WORK (default target/predict-cores).
set -euo pipefail
cd "$(dirname "$0")/../.."

mb=${MB:-20}
repeats=${REPEATS:-3}
model=${MODEL:-models/toxicity.model}
work=${WORK:-target/predict-cores}
slant=${SLANT:-target/release/slant}
cores=$(nproc)
data="$(cd .. && pwd)/shared/data"
[[ -d "$data" ]] || { echo "predict_cores: corpora folder $data not found" >&2; exit 1; }
mkdir -p "$work"
[[ -n ${SLANT:-} ]] || cargo build --release --quiet
input="$work/texts-${mb}MB.jsonl"
if [[ ! -s "$input" ]]; then
    python3 - "$data" "$input" "$mb" <<'EOF'
import gzip, json, sys
data, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = []
for corpus in ("sfu_ctc", "olid_offensive", "hateval2019_en"):
    with gzip.open(f"{data}/{corpus}/train.jsonl.gz", "rt", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f]
written, n = 0, 0
with open(out, "w", encoding="utf-8") as f:
    while written < mb * 1_000_000:
        text = texts[n % len(texts)]
        f.write(json.dumps({"id": f"t{n}", "text": text}) + "\n")
        written += len(text.encode("utf-8"))
        n += 1
EOF
fi
records=$(wc -l <"$input")
bytes=$(python3 -c "import json,sys; print(sum(len(json.loads(l)['text'].encode()) for l in open(sys.argv[1], encoding='utf-8')))" "$input")

# Scores the input with `$1` threads on cores `$2`; prints MB/s of text, seconds, peak MiB.
run() {
    local threads=$1 cpus=$2
    RAYON_NUM_THREADS=$threads /usr/bin/time -f '%e %M' -o "$work/time.txt" \
        taskset -c "$cpus" "$slant" --quiet predict --model "$model" "$input" \
        -o "$work/out.jsonl" 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
    read -r seconds kib <"$work/time.txt"
    awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.2f", b/1e6/s }'
    printf ' %s %s\n' "$seconds" "$((kib / 1024))"
}

echo "input: $records texts, $((bytes / 1000000)) MB of text; model $model; binary $slant"
source benches/scripts/one_vs_all.sh   # sets m1, ma
awk -v a="$m1" -v b="$ma" -v c="$cores" 'BEGIN {
    printf "median: one core %.2f MB/s, %d cores %.2f MB/s, ratio %.2f\n", a, c, b, b/a }'
