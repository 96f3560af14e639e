#!/usr/bin/env bash
# Peer harness: slant beside scikit-learn and fastText on the same train / dev data and the same
# speed body. Per task: train and evaluate each tool on dev (macro-F1), then time training and
# prediction as whole processes with GNU time (wall, peak RSS), prediction once pinned to one
# core (taskset -c 0) and once on all cores. Writes benches/RESULTS.md.
#
#   benches/peers/run.sh [--quick]
#
#   --quick  OLID only, a 2,000-row training sample, a 3 MB speed body, one run per timing
#            (meant to take under 5 minutes and prove the harness works; measured 8–10 min
#            on the 2-core machine under a load average of ~30). Without it: every task below, full
#            training data, a 50 MB speed body, median of 3 runs (tens of minutes).
#
# Needs: ../shared/data (the corpora), python3 with venv, cargo, taskset, GNU time (installed
# with apt-get when missing). Creates its own virtual environment in target/peers/venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
data="$(cd .. && pwd)/shared/data"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
command="benches/peers/run.sh${1:+ $1}"
work="$repo/target/peers"
venv="$work/venv"
out="$repo/benches/RESULTS.md"

[[ -d "$data" ]] || { echo "peers: corpora folder $data not found" >&2; exit 1; }
if [[ ! -x /usr/bin/time ]]; then
    apt-get install -y time >/dev/null
fi

# ---- tasks: name | recipe | train | dev | label field | C grid (the recipe's)
tasks=(
    "olid|benches/recipes/olid.toml|olid_offensive/train.jsonl.gz|olid_offensive/val.jsonl.gz|subtask_a|[0.25,0.5,1,2]"
)
if (( ! quick )); then
    tasks+=("hateval|benches/recipes/hateval.toml|hateval2019_en/train.jsonl.gz|hateval2019_en/val.jsonl.gz|HS|[0.25,0.5,1,2]")
fi
if (( quick )); then repeats=1; body_bytes=3000000; quick_flag=--quick
else repeats=3; body_bytes=50000000; quick_flag=; fi

log() { printf '[peers %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---- environments
mkdir -p "$work"
if [[ ! -x "$venv/bin/python" ]]; then
    log "creating $venv"
    python3 -m venv "$venv"
fi
log "installing scikit-learn and fastText (numpy < 2 for fastText 0.9.2's wheel)"
"$venv/bin/pip" install --quiet "numpy<2" scikit-learn "fasttext-wheel==0.9.2"
py="$venv/bin/python"
peers="$repo/benches/peers/peers.py"
if [[ -z "${PEERS_NO_BUILD:-}" ]]; then   # PEERS_NO_BUILD=1: use the release build as it is
    log "building slant (release)"
    cargo build --release --quiet -p slant -p slant-tokenize
fi
slant="$repo/target/release/slant"

# Runs a command under GNU time; the log goes to $1.
timed() { local log="$1"; shift; /usr/bin/time -v -o "$log" "$@"; }

# ---- the speed body (the same bytes for every tool and task)
sources=("$data/olid_offensive/train.jsonl.gz" "$data/hateval2019_en/train.jsonl.gz")
if (( ! quick )); then
    for f in "$data"/*/train.jsonl.gz; do
        [[ " ${sources[*]} " == *" $f "* ]] || sources+=("$f")
    done
fi
log "writing the speed body ($body_bytes bytes)"
"$py" "$peers" body --out "$work" --bytes "$body_bytes" --sources "${sources[@]}"

names=()
for spec in "${tasks[@]}"; do
    IFS='|' read -r name recipe train dev label grid <<<"$spec"
    names+=("$name")
    dir="$work/$name"
    rm -rf "$dir" && mkdir -p "$dir"
    task_json=$(printf '{"train": "%s", "dev": "%s", "text": "text", "label": "%s", "c_grid": %s}' \
        "$data/$train" "$data/$dev" "$label" "$grid")
    log "$name: preparing train / dev"
    "$py" "$peers" prepare --task "$task_json" --out "$dir" $quick_flag --train-rows 2000

    # slant trains from a copy of the recipe whose sources are the prepared files.
    sed -e "s|^path = \".*${train}\"|path = \"$dir/train.jsonl\"|" \
        -e "s|^path = \".*${dev}\"|path = \"$dir/dev.jsonl\"|" "$recipe" >"$dir/recipe.toml"
    grep -q "$dir/train.jsonl" "$dir/recipe.toml" && grep -q "$dir/dev.jsonl" "$dir/recipe.toml" \
        || { echo "peers: could not point $recipe at the prepared data" >&2; exit 1; }

    for ((i = 0; i < repeats; i++)); do
        log "$name: training (run $((i + 1))/$repeats)"
        timed "$dir/slant.train.$i.time" "$slant" --quiet train --recipe "$dir/recipe.toml" \
            --out "$dir/slant.model" >"$dir/slant.train.log" 2>&1
        for kind in word wordchar; do
            timed "$dir/sk-$kind.train.$i.time" "$py" "$peers" train-sklearn --task "$task_json" \
                --data "$dir" --model "$dir/sk-$kind.pkl" --kind "$kind" >"$dir/sk-$kind.eval.json"
        done
        timed "$dir/fasttext.train.$i.time" "$py" "$peers" train-fasttext --task "$task_json" \
            --data "$dir" --model "$dir/fasttext.bin" >"$dir/fasttext.eval.json"
    done
    "$slant" --quiet eval --model "$dir/slant.model" "$dir/dev.jsonl" --label-field "$label" --json \
        | "$py" -c 'import json,sys; m=json.load(sys.stdin); print(json.dumps({"macro_f1": m["report"]["macro_f1"]}))' \
        >"$dir/slant.eval.json"

    for ((i = 0; i < repeats; i++)); do
        for cores in 1 all; do
            pin=(); [[ $cores == 1 ]] && pin=(taskset -c 0)
            log "$name: predicting on $cores core(s) (run $((i + 1))/$repeats)"
            timed "$dir/slant.predict$cores.$i.time" "${pin[@]}" "$slant" --quiet predict \
                --model "$dir/slant.model" --format jsonl "$work/body.jsonl" >/dev/null
            for kind in word wordchar; do
                timed "$dir/sk-$kind.predict$cores.$i.time" "${pin[@]}" "$py" "$peers" \
                    predict-sklearn --model "$dir/sk-$kind.pkl" --body "$work/body.txt" >/dev/null
            done
            timed "$dir/fasttext.predict$cores.$i.time" "${pin[@]}" "$py" "$peers" \
                predict-fasttext --model "$dir/fasttext.bin" --body "$work/body.txt" >/dev/null
        done
    done
done

tasks_csv=$(IFS=,; echo "${names[*]}")
"$py" "$peers" report --work "$work" --tasks "$tasks_csv" --out "$out" --repeats "$repeats" \
    $quick_flag --command "$command" --python "$py" --data-root "$data" --elapsed "$SECONDS"
log "done: $out"
