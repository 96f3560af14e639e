#!/usr/bin/env bash
# Peer harness: slant beside scikit-learn and fastText on the same train / dev rows and the same
# speed body, for every task with a benchmark recipe. Per task: `peers.py prepare` writes the
# task's train / dev rows from its recipe (and a derived recipe for slant over the same rows);
# every tool trains and is scored on dev (macro-F1; FNC-1 also its score); then training and
# prediction are timed as whole processes with GNU time (wall, peak RSS), prediction pinned to
# one core (taskset -c 0) and on all cores. After the tasks, the scaling check
# (benches/scripts/scaling.sh: `slant label` on 10 MB, 100 MB and 1 GB of generated articles as
# JSON Lines and as Parquet; 2 and 5 MB with --quick; PEERS_NO_SCALING=1 skips it) adds its
# section. Writes benches/RESULTS.md.
#
#   benches/peers/run.sh [--quick] [--tasks a,b,...] [--out FILE]
#
#   --tasks  the tasks to run (default: all below; with --quick: olid,semeval2016):
#            olid, hateval, sst5, sst2, semeval2016, fnc1-claim, toxicity, sentiment, stance-target
#   --quick  a 2,000-row training sample per task, a 3 MB speed body, one run per timing (meant
#            to take under 5 minutes and prove the harness works). Without it: full training
#            data, a 50 MB speed body, median of 7 runs for slant (each round its one-core run,
#            then its all-core run) and of 3 for sk-word and fastText on one core (20–30 min
#            for every task on the 2-core machine; RESULTS.md says what was reduced to fit).
#   --out    where the report goes (default benches/RESULTS.md; CI writes its quick run under
#            target/ so the committed full run stays as it is)
#
# Needs: ../shared/data (the corpora), python3 (3.11+) with venv, cargo, taskset, GNU time
# (installed with apt-get when missing). Creates its own virtual environment in target/peers/venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
data="$(cd .. && pwd)/shared/data"
command="benches/peers/run.sh${*:+ $*}"
quick=0
tasks_arg=""
out_arg=""
while (($#)); do
    case "$1" in
        --quick) quick=1 ;;
        --tasks) tasks_arg="${2:?--tasks needs a list}"; shift ;;
        --tasks=*) tasks_arg="${1#*=}" ;;
        --out) out_arg="${2:?--out needs a file}"; shift ;;
        *) echo "peers: unknown argument $1 (usage: run.sh [--quick] [--tasks a,b,...] [--out FILE])" >&2; exit 2 ;;
    esac
    shift
done
work="$repo/target/peers"
venv="$work/venv"
out="${out_arg:-benches/RESULTS.md}"
[[ $out == /* ]] || out="$repo/$out"
mkdir -p "$(dirname "$out")"

[[ -d "$data" ]] || { echo "peers: corpora folder $data not found" >&2; exit 1; }
if [[ ! -x /usr/bin/time ]]; then
    { apt-get update -qq && apt-get install -y -qq time; } >/dev/null
fi

# ---- tasks: name | recipe | head compared (default: the first) | data override (JSON: source
# name -> [[split, file], ...], files relative to the repository)
grouped_newsmtsc='{"newsmtsc": [["train", "target/stance-data/newsmtsc-train.jsonl.gz"], ["dev", "target/stance-data/newsmtsc-dev.jsonl.gz"]]}'
all_tasks=(
    "olid|benches/recipes/olid.toml||"
    "hateval|benches/recipes/hateval.toml||"
    "sst5|benches/recipes/sst5.toml||"
    "semeval2016|benches/recipes/semeval2016.toml||"
    "sentiment|models/sentiment.toml||"
    "stance-target|models/stance-target.toml||$grouped_newsmtsc"
    "sst2|benches/recipes/sst2.toml||"
    "toxicity|models/toxicity.toml|toxic|"
    "fnc1-claim|models/stance-claim.toml||"
)
if [[ -z "$tasks_arg" ]]; then
    if ((quick)); then tasks_arg="olid,semeval2016"; else
        tasks_arg=$(printf '%s\n' "${all_tasks[@]}" | cut -d'|' -f1 | paste -sd,)
    fi
fi
tasks=()
IFS=',' read -ra wanted <<<"$tasks_arg"
for want in "${wanted[@]}"; do
    found=""
    for spec in "${all_tasks[@]}"; do [[ "${spec%%|*}" == "$want" ]] && found="$spec"; done
    [[ -n "$found" ]] || { echo "peers: unknown task $want (known: $(printf '%s ' "${all_tasks[@]%%|*}"))" >&2; exit 2; }
    tasks+=("$found")
done

# slant's runs take a second each: more rounds of them, so that the ratio of all cores to one
# core is a median over enough rounds to outweigh a round's outside load.
if ((quick)); then repeats=1; slant_repeats=1; body_bytes=3000000; prefix_bytes=300000; quick_flag=--quick
else repeats=3; slant_repeats=7; body_bytes=50000000; prefix_bytes=500000; quick_flag=; fi

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
# The stance corpora's grouped train / dev split (FNC-1 by body, NewsMTSC by story).
if [[ ! -f target/stance-data/fnc1-dev.jsonl.gz || ! -f target/stance-data/newsmtsc-dev.jsonl.gz ]]; then
    log "writing the grouped stance splits"
    python3 benches/scripts/grouped_split.py
fi

# Runs a command under GNU time; the log goes to $1.
timed() { local log="$1"; shift; /usr/bin/time -v -o "$log" "$@"; }

# ---- the speed body (the same texts for every tool and task)
sources=("$data/olid_offensive/train.jsonl.gz" "$data/hateval2019_en/train.jsonl.gz")
if ((!quick)); then
    for f in "$data"/*/train.jsonl.gz; do
        [[ " ${sources[*]} " == *" $f "* ]] || sources+=("$f")
    done
fi
log "writing the speed body ($body_bytes bytes)"
"$py" "$peers" body --out "$work" --bytes "$body_bytes" --sources "${sources[@]}"
body_records=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$work/body.json")

# Predicts the task's body with one tool; run $1, cores $2 (1 or all), tool $3.
predict() {
    local i="$1" cores="$2" tool="$3" pin=()
    [[ $cores == 1 ]] && pin=(taskset -c 0)
    case "$tool" in
        slant)
            timed "$dir/slant.predict$cores.$i.time" "${pin[@]}" "$slant" --quiet predict \
                --model "$dir/slant.model" --format jsonl -o "$dir/slant.out.jsonl" "$dir/body.jsonl"
            "$py" "$peers" check-predictions --predictions "$dir/slant.out.jsonl" --records "$body_records"
            rm -f "$dir/slant.out.jsonl" ;;
        sk-word | sk-wordchar)
            local limit=0; [[ $tool == sk-wordchar ]] && limit=$prefix_bytes
            timed "$dir/$tool.predict$cores.$i.time" "${pin[@]}" "$py" "$peers" predict-sklearn \
                --model "$dir/$tool.pkl" --body "$dir/body.txt" --limit-bytes "$limit" \
                >"$dir/$tool.predict$cores.$i.json" ;;
        fasttext)
            timed "$dir/fasttext.predict$cores.$i.time" "${pin[@]}" "$py" "$peers" predict-fasttext \
                --model "$dir/fasttext.bin" --body "$dir/body.txt" >"$dir/fasttext.predict$cores.$i.json" ;;
    esac
}

# Writes RESULTS.md from the tasks done so far ($1 of them).
report() {
    local tasks_csv
    tasks_csv=$(IFS=,; echo "${names[*]}")
    "$py" "$peers" report --work "$work" --tasks "$tasks_csv" --out "$out" --repeats "$repeats" \
        --slant-repeats "$slant_repeats" \
        --prefix-bytes "$prefix_bytes" $quick_flag --command "$command" --python "$py" \
        --data-root "$data" --elapsed "$SECONDS" --done "$1" --planned "${#tasks[@]}" \
        --scaling "$work/scaling.md"
}

names=()
rm -f "$work/scaling.md"   # a section of an earlier run is not this run's
for spec in "${tasks[@]}"; do
    IFS='|' read -r name recipe head override <<<"$spec"
    names+=("$name")
    dir="$work/$name"
    rm -rf "$dir" && mkdir -p "$dir"
    cat /proc/loadavg >"$dir/load.txt"
    log "$name: preparing train / dev from $recipe (load $(cut -d' ' -f1-3 /proc/loadavg))"
    "$py" "$peers" prepare --recipe "$recipe" --head "$head" --override "$override" --repo "$repo" \
        --out "$dir" $quick_flag --train-rows 2000
    input=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["input"])' "$dir/data.json")
    if [[ $input == text ]]; then
        ln -s "$work/body.jsonl" "$dir/body.jsonl"
        ln -s "$work/body.txt" "$dir/body.txt"
    else
        "$py" "$peers" task-body --work "$work" --data "$dir" --input "$input"
    fi

    log "$name: training slant"
    timed "$dir/slant.train.0.time" "$slant" --quiet train --recipe "$dir/recipe.toml" \
        --out "$dir/slant.model" >"$dir/slant.train.log" 2>&1 \
        || { cat "$dir/slant.train.log" >&2; exit 1; }
    "$slant" --quiet predict --model "$dir/slant.model" --format jsonl -o "$dir/slant.dev.jsonl" "$dir/dev.jsonl"
    "$py" "$peers" score-slant --data "$dir" --predictions "$dir/slant.dev.jsonl" >"$dir/slant.eval.json"
    for kind in word wordchar; do
        log "$name: training sk-$kind"
        timed "$dir/sk-$kind.train.0.time" "$py" "$peers" train-sklearn --data "$dir" \
            --model "$dir/sk-$kind.pkl" --kind "$kind" >"$dir/sk-$kind.eval.json"
    done
    log "$name: training fasttext"
    timed "$dir/fasttext.train.0.time" "$py" "$peers" train-fasttext --data "$dir" \
        --model "$dir/fasttext.bin" >"$dir/fasttext.eval.json"
    rm -f "$dir/fasttext.train.txt"

    for ((i = 0; i < (slant_repeats > repeats ? slant_repeats : repeats); i++)); do
        log "$name: predicting, round $((i + 1))"
        # slant's two settings back to back, so that each round's ratio of all cores to one
        # is taken in the same minute of the machine's outside load.
        if ((i < slant_repeats)); then
            predict "$i" 1 slant
            predict "$i" all slant
        fi
        ((i < repeats)) || continue
        for tool in sk-word fasttext; do predict "$i" 1 "$tool"; done
        if ((i == 0)); then
            # One run for the peers on all cores (they predict on one thread) and for
            # sk-wordchar, which reads only the body's first $prefix_bytes bytes.
            for tool in sk-word fasttext; do predict 0 all "$tool"; done
            predict 0 1 sk-wordchar
            predict 0 all sk-wordchar
        fi
    done
    # The report after every task: a run cut short still leaves the tasks it finished.
    report "${#names[@]}"
done

# ---- peak memory and throughput of `slant label` as the input grows (10 MB to 1 GB; with
# --quick 2 and 5 MB, which only proves the step runs)
if [[ -z "${PEERS_NO_SCALING:-}" ]]; then
    if ((quick)); then scaling_sizes="2 5"; else scaling_sizes="10 100 1000"; fi
    log "scaling check: slant label on $scaling_sizes MB (JSON Lines and Parquet)"
    SIZES="$scaling_sizes" WORK="$work/scaling" TABLE="$work/scaling.md" \
        bash "$repo/benches/scripts/scaling.sh" >&2
    rm -f "$work"/scaling/corpus-*
    report "${#names[@]}"
fi
log "done: $out"
