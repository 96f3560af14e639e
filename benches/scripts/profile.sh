#!/usr/bin/env bash
# Where a run's time goes: a `perf` profile of one `slant label` or `slant predict` run, as
# shares of the samples per shared object (the host `slant`, which reads, checks languages,
# finds mentions and writes; each stage's plugin; libc; the kernel) and per function. Installs
# perf (Debian's `linux-perf`) with apt-get when it is missing. The shares of a run quoted in
# benches/PROFILE.md come from here.
#
#   bash benches/scripts/profile.sh                     # label: the default pipeline, 60 MB, one core
#   BEFORE=claim bash benches/scripts/profile.sh        # the default config cut before its claim stage
#   JOB=predict MODEL=models/toxicity.model bash benches/scripts/profile.sh
#
# Environment: JOB (`label`, the default, or `predict`); for label, MB (the generated corpus of
# `corpus.sh`, default 60) and BEFORE (a stage of seeds/slant.toml: the config is cut before it,
# as `stage_cost.sh` cuts it; default: the whole config, which has no claims); for predict, MODEL
# (default models/toxicity.model) and INPUT (default target/peers/body.jsonl, the speed body
# `benches/peers/run.sh` writes); THREADS (default 1: one labeling or scoring thread pinned to
# core 0; `all`: every core), FREQUENCY (samples per second, default 2000), TOP (functions
# listed, default 40), WORK (default target/profile).
# Writes $WORK/perf.data and $WORK/report.md (the command, commit, machine, load, slant's own
# summary line with its records and seconds, the samples, then the shares) and prints the report. Samples are of the `cpu-clock` software
# event, which virtual machines without hardware counters still have; a function's share is
# where the samples landed, not what its callees cost (perf report on perf.data shows more).
set -euo pipefail
cd "$(dirname "$0")/../.."

job=${JOB:-label}
mb=${MB:-60}
threads=${THREADS:-1}
frequency=${FREQUENCY:-2000}
top=${TOP:-40}
work=${WORK:-target/profile}
mkdir -p "$work"

if ! perf --version >/dev/null 2>&1; then
    echo "profile: installing perf (linux-perf)" >&2
    SUDO=$([[ $(id -u) == 0 ]] || echo sudo)
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq linux-perf; } >/dev/null
fi

case $job in
    label)
        source benches/scripts/corpus.sh   # sets input, bytes; defines config_before
        config=seeds/slant.toml
        if [[ -n ${BEFORE:-} ]]; then
            grep -q "^\[stages\.$BEFORE\]" seeds/slant.toml \
                || { echo "profile: seeds/slant.toml has no stage \`$BEFORE\`" >&2; exit 1; }
            config="$work/config-before-$BEFORE.toml"
            config_before "[stages.$BEFORE]" >"$config"
        fi
        args=(label --config "$config") ;;
    predict)
        cargo build --release --quiet
        input=${INPUT:-target/peers/body.jsonl}
        [[ -s $input ]] || { echo "profile: $input missing (run benches/peers/run.sh --quick first, or set INPUT)" >&2; exit 1; }
        args=(predict --model "${MODEL:-models/toxicity.model}") ;;
    *) echo "profile: JOB is label or predict, not $job" >&2; exit 1 ;;
esac

pin=()
if [[ $threads == all ]]; then
    unset RAYON_NUM_THREADS
else
    export RAYON_NUM_THREADS=$threads
    pin=(taskset -c "$( ((threads == 1)) && echo 0 || echo "0-$((threads - 1))")")
fi
load=$(cut -d' ' -f1-3 /proc/loadavg)
# Not --quiet: slant's closing summary (records, seconds) goes into the report; perf's own
# start and end (about a second here) are not the run's.
perf record -q -F "$frequency" -e cpu-clock -o "$work/perf.data" -- "${pin[@]}" \
    target/release/slant "${args[@]}" "$input" -o "$work/out.jsonl" 2>"$work/stderr.txt" \
    || { cat "$work/stderr.txt" >&2; exit 1; }
summary=$(grep -E '^slant( predict)?: [0-9]+ records' "$work/stderr.txt" | tail -1)
records=$(wc -l <"$work/out.jsonl")
rm -f "$work/out.jsonl"

# The first $1 of perf's rows ("  12.91%  object  [.] function") as Markdown table rows; the
# other arguments go to perf report. (Cut by awk, which reads to the end: `head` would close the
# pipe early, and pipefail would end the script.)
shares() {
    local rows=$1
    shift
    perf report -i "$work/perf.data" --no-children --stdio -q "$@" 2>/dev/null \
        | awk -v rows="$rows" 'NF && n++ < rows { share = $1; object = $2; $1 = $2 = "";
              sub(/^ *(\[[.k]\] )?/, ""); sub(/( +-)+ *$/, ""); gsub(/\|/, "\\|");
              printf "| %s | %s |%s\n", share, object, ($0 == "" ? "" : " " $0 " |") }'
}

{
    echo "# Profile of \`slant ${args[*]}\`"
    echo
    echo "- input: \`$input\` ($(stat -L -c %s "$input") bytes, $records output records)"
    echo "- threads: $threads$([[ $threads == all ]] || echo " (pinned: ${pin[*]})")"
    echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!benches' || echo ' (with uncommitted changes)')"
    echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; load average at the start $load"
    echo "- slant's summary: \`$summary\`"
    echo "- $(perf script -i "$work/perf.data" -F ip 2>/dev/null | wc -l) samples of cpu-clock at $frequency Hz"
    echo "- command: \`JOB=$job$([[ $job == label ]] && echo " MB=$mb${BEFORE:+ BEFORE=$BEFORE}")$([[ $job == predict ]] && echo " MODEL=${MODEL:-models/toxicity.model} INPUT=$input") THREADS=$threads bash benches/scripts/profile.sh\`"
    echo
    echo "## By shared object"
    echo
    echo "| share | object |"
    echo "|---:|---|"
    shares 1000 -F overhead,dso
    echo
    echo "## The $top functions with the most samples"
    echo
    echo "| share | object | function |"
    echo "|---:|---|---|"
    shares "$top" -F overhead,dso,sym
} >"$work/report.md"
cat "$work/report.md"
