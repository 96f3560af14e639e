#!/usr/bin/env bash
# The official FNC-1 score of a claim model on labeled headline/body rows, with macro-F1 and
# per-class F1, from `slant eval --json`'s confusion matrix. FNC-1 score: +0.25 for each row whose
# related/unrelated side is right, +0.75 more for each related row whose exact label is right,
# divided by the score of a perfect prediction.
#
#   benches/scripts/fnc_score.sh MODEL DATA.jsonl[.gz]
set -euo pipefail
cd "$(dirname "$0")/../.."
model="$1"; data="$2"
target/release/slant --quiet eval --model "$model" --label-field stance --text-field body --json "$data" |
python3 -c '
import json, sys
r = json.load(sys.stdin)
r = r.get("report", r)  # `slant eval --json` nests the figures under `report`
c = r["confusion"]; names = c["classes"]; m = c["matrix"]
related = lambda n: n != "unrelated"
got = best = 0.0
for i, t in enumerate(names):
    for j, p in enumerate(names):
        n = m[i][j]
        best += n * (1.0 if related(t) else 0.25)
        if related(t) == related(p):
            got += 0.25 * n
            if related(t) and t == p:
                got += 0.75 * n
print("FNC-1 score %.2f  macro-F1 %.2f  accuracy %.2f  rows %d"
      % (100 * got / best, 100 * r["macro_f1"], 100 * r["accuracy"], r["rows"]))
for c in r["per_class"]:
    print("  %-10s F1 %.2f  P %.2f  R %.2f  n %d"
          % (c["label"], 100 * c["f1"], 100 * c["precision"], 100 * c["recall"], c["support"]))
'
