#!/usr/bin/env bash
# Peak memory and throughput of `slant label` as the input grows: the same generated articles
# (with reader comments) at each size, as JSON Lines and as Parquet, labeled by the full default
# pipeline. Peak memory should stay flat: slant streams windows of records (JSON Lines) and row
# groups (Parquet) and writes as it goes.
#
#   bash benches/scripts/scaling.sh                  # 10, 100 and 1000 MB
#   SIZES="10 100" FORMATS=parquet bash benches/scripts/scaling.sh
#   FORMATS=parquet OUTPUT=jsonl bash benches/scripts/scaling.sh   # Parquet in, JSON Lines out
#
# Environment: SIZES (MB, default "10 100 1000"), FORMATS (default "jsonl parquet"), OUTPUT (the
# output's format, default: the input's; Parquet in and JSON Lines out tells the reader's memory
# from the writer's), CONFIG (default seeds/slant.toml), WORK (scratch folder, default
# target/scaling; inputs are reused between runs), RAYON_NUM_THREADS (default: all cores),
# TABLE (a file to write the runs to as a Markdown section as well; the peer harness puts it in
# benches/RESULTS.md).
# Prints one row per run: format, input MB, seconds, MB/s, peak resident memory (MiB, from
# /usr/bin/time), and the machine's load average; then, per format, the peak's change from the
# smallest input to the largest.
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=${SIZES:-10 100 1000}
formats=${FORMATS:-jsonl parquet}
config=${CONFIG:-seeds/slant.toml}
work=${WORK:-target/scaling}
mkdir -p "$work"

cargo build --release --quiet
cargo build --release --quiet -p slant-benches --bin make_corpus

rows="$work/rows.txt"
: >"$rows"
printf '%-8s %8s %9s %8s %10s  %s\n' format MB seconds MB/s peak_MiB load
for format in $formats; do
    for mb in $sizes; do
        input="$work/corpus-${mb}MB.$format"
        [ -s "$input" ] || target/release/make_corpus "$input" "$mb"
        output="$work/labeled-${mb}MB.${OUTPUT:-$format}"
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        /usr/bin/time -f '%e %M' -o "$work/time.txt" \
            target/release/slant --quiet label --config "$config" \
            "$input" -o "$output" 2>"$work/stderr.txt" \
            || { cat "$work/stderr.txt" >&2; exit 1; }
        read -r seconds kib <"$work/time.txt"
        bytes=$(stat -L -c %s "$input")
        awk -v f="$format" -v b="$bytes" -v s="$seconds" -v k="$kib" -v l="$load" 'BEGIN {
            printf "%-8s %8.1f %9.1f %8.2f %10.1f  %s\n", f, b/1e6, s, b/1e6/s, k/1024, l }' \
            | tee -a "$rows"
        rm -f "$output"
    done
done

# Per format, the peak of the largest input against that of the smallest (the aim: within ±10 %).
flatness=$(awk '{ if (!($1 in first)) { first[$1] = $5; small[$1] = $2 } last[$1] = $5; large[$1] = $2 }
    END { for (f in first) printf "%s: peak %+.1f %% from %.0f MB to %.0f MB\n", f,
          100 * (last[f] - first[f]) / first[f], small[f], large[f] }' "$rows" | sort)
echo "$flatness"

if [[ -n "${TABLE:-}" ]]; then
    {
        echo "## Peak memory and throughput as the input grows"
        echo
        echo -n "\`slant label\` with \`$config\`"
        [[ $config == seeds/slant.toml ]] && echo -n " (the full default pipeline: tokenize, toxicity on
comments, sentiment, stance, the claim stage without claims)"
        echo " on generated articles with five reader comments each
(\`make_corpus\`), ${RAYON_NUM_THREADS:-$(nproc)} threads; peak resident memory from GNU time. Written by
\`benches/scripts/scaling.sh\` at $(git rev-parse --short HEAD) on $(date -u '+%Y-%m-%d %H:%M UTC'), machine:
$(lscpu | sed -n 's/^Model name: *//p' | head -1). The aim: the peak within ±10 % from the smallest input to the largest."
        echo
        echo "| input | MB | seconds | MB/s | peak MiB | load average (1, 5, 15 min) |"
        echo "|---|---:|---:|---:|---:|---|"
        awk '{ printf "| %s | %s | %s | %s | %s | %s %s %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$rows"
        echo
        echo "$flatness" | sed 's/^/- /'
        echo
    } >"$TABLE"
fi
