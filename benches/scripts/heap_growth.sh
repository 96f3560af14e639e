#!/usr/bin/env bash
# What grows in `slant label`'s heap as the input grows: `heaptrack` over two of the generated
# corpora of `scaling.sh`, then the peak heap of each run split by call site (each allocation
# counted at its innermost frame in slant, a slant plugin, parquet or arrow) and the sites
# sorted by how much more they hold at the larger size. Installs heaptrack (Debian's
# `heaptrack`) with apt-get when it is missing. The Parquet growth quoted in benches/PROFILE.md
# comes from here.
#
#   bash benches/scripts/heap_growth.sh                        # Parquet in and out, 10 and 100 MB
#   FORMAT=jsonl OUTPUT=jsonl bash benches/scripts/heap_growth.sh
#
# Environment: SMALL and LARGE (corpus sizes in MB, default 10 and 100: the corpora
# `scaling.sh` writes, generated here by `make_corpus` when missing), FORMAT (the input's:
# parquet, the default, or jsonl), OUTPUT (the output's: parquet, the default, or jsonl),
# CONFIG (default seeds/slant.toml), TOP (call sites listed, default 25), WORK (default
# target/heap-growth).
# Prints the two runs' peak heap, then per call site the MB held at the peak of each run and
# the difference. heaptrack's peak is the heap's, not the resident size GNU time reports.
set -euo pipefail
cd "$(dirname "$0")/../.."

small=${SMALL:-10}
large=${LARGE:-100}
format=${FORMAT:-parquet}
output=${OUTPUT:-parquet}
config=${CONFIG:-seeds/slant.toml}
top=${TOP:-25}
work=${WORK:-target/heap-growth}
mkdir -p "$work"

if ! command -v heaptrack >/dev/null || ! command -v heaptrack_print >/dev/null; then
    echo "heap_growth: installing heaptrack" >&2
    SUDO=$([[ $(id -u) == 0 ]] || echo sudo)
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq heaptrack; } >/dev/null
fi

cargo build --release --quiet --workspace
mkdir -p target/scaling
for mb in "$small" "$large"; do
    # The corpus `scaling.sh` labels (the same generator, file name and size).
    corpus=target/scaling/corpus-${mb}MB.$format
    [[ -s $corpus ]] || target/release/make_corpus "$corpus" "$mb" >/dev/null
    rm -f "$work/heap-$mb".*
    heaptrack -o "$work/heap-$mb" target/release/slant --quiet label --config "$config" \
        "$corpus" -o "$work/out-$mb.$output" >"$work/heaptrack-$mb.log" 2>&1 \
        || { cat "$work/heaptrack-$mb.log" >&2; exit 1; }
    heaptrack_print -f "$work/heap-$mb.zst" -F "$work/stacks-$mb.txt" \
        --flamegraph-cost-type peak >"$work/print-$mb.txt"
    rm -f "$work/out-$mb.$output"
done

python3 - "$work/stacks-$small.txt" "$work/stacks-$large.txt" "$small" "$large" "$top" <<'EOF'
import collections
import re
import sys

small_path, large_path, small, large, top = sys.argv[1:6]
# The innermost frame of ours or of the columnar crates names the site: cut before its
# argument list and its symbol hash, and the characters of Rust's legacy mangling (`$LT$`,
# `..`) spelled out, since heaptrack leaves some frames half demangled.
OURS = re.compile(r"slant|parquet::|arrow")


def sites(path):
    held = collections.Counter()
    for line in open(path, encoding="utf-8", errors="replace"):
        stack, _, cost = line.rstrip("\n").rpartition(" ")
        if not cost.isdigit():
            continue
        frames = stack.split(";")
        site = next((f for f in reversed(frames) if OURS.search(f)), "(other)")
        site = re.sub(r"\s*\(.*$", "", site)
        site = re.sub(r"::h[0-9a-f]{16}$", "", site)
        for mangled, plain in (("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$u7b$", "{"),
                               ("$u7d$", "}"), ("$C$", ","), ("..", "::"), ("_<", "<")):
            site = site.replace(mangled, plain)
        held[site] += int(cost)
    return held


a, b = sites(small_path), sites(large_path)
print(f"peak heap: {sum(a.values()) / 1e6:.2f} MB at {small} MB, {sum(b.values()) / 1e6:.2f} MB at {large} MB")
print(f"{small + ' MB':>9} {large + ' MB':>9} {'change':>8}  call site (innermost slant, parquet or arrow frame)")
for site in sorted(set(a) | set(b), key=lambda s: a[s] - b[s])[: int(top)]:
    print(f"{a[site] / 1e6:9.2f} {b[site] / 1e6:9.2f} {(b[site] - a[site]) / 1e6:+8.2f}  {site[:150]}")
EOF
