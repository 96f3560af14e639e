#!/usr/bin/env bash
# Which features and k a recipe should use, chosen by cross-validation on its training rows:
# each setting is the recipe with some values replaced, trained with `slant train` (model and
# card to target/feature-grid/, never over a shipped model), and reported by its card's
# cross-validated figures: per head, accuracy, macro-F1 and ROC-AUC as mean ± sd over the folds
# (selection and weights refitted inside every fold), and macro-F1 per source. Dev figures are
# not printed: they choose nothing. Needs ../shared/data (the corpora) and a recipe tuned by `cv`.
#
#   bash benches/scripts/feature_grid.sh models/sentiment.toml \
#       "word_ngrams=[1, 2]; k=6000" "word_ngrams=[1, 3]; k=6000"
#
# A setting is `key=value` pairs separated by `;`, each replacing the recipe's line `key = ...`
# (keys such as word_ngrams, char_ngrams, hash_bits, k, min_df, weighting); a key the recipe
# lacks is an error, and the value `none` leaves the line out (the field's default applies).
# The recipe's data paths are made absolute so the copy reads the same files.
#
# One fold split can favour a setting by luck. With SEEDS (e.g. SEEDS="42 1 2 3 4") every setting
# is trained once per seed (the recipe's `seed`, which draws the folds), and each setting is then
# compared with the first fold by fold: two settings under one seed see the same folds, so each
# fold gives a paired difference of macro-F1 (mean ± sd over every fold of every seed, and on
# how many folds the setting is ahead).
# Environment: WORK (default target/feature-grid), SEEDS (default: the recipe's own seed only).
set -euo pipefail
cd "$(dirname "$0")/../.."

recipe=${1:?usage: feature_grid.sh RECIPE SETTING...}
shift
(($# > 0)) || { echo "feature_grid: give at least one setting, e.g. \"k=6000\"" >&2; exit 1; }
work=${WORK:-target/feature-grid}
mkdir -p "$work"
cargo build --release --quiet

# The recipe with `setting` applied, data paths absolute, on stdout.
variant() {
    python3 - "$recipe" "$1" <<'EOF'
import os, re, sys
recipe, setting = sys.argv[1], sys.argv[2]
base = os.path.dirname(os.path.abspath(recipe))
lines = open(recipe).read().split("\n")
for pair in filter(None, (p.strip() for p in setting.split(";"))):
    key, _, value = (x.strip() for x in pair.partition("="))
    hits = [i for i, l in enumerate(lines) if re.match(rf"{re.escape(key)}\s*=", l)]
    if len(hits) != 1:
        sys.exit(f"feature_grid: {recipe} has {len(hits)} lines `{key} = ...`, not one")
    # `none` leaves the key out, so the field's default applies (e.g. no char n-grams).
    lines[hits[0]] = f"# {key} left out" if value == "none" else f"{key} = {value}"
for i, l in enumerate(lines):
    m = re.match(r'path\s*=\s*"([^"]*)"', l)
    if m and not os.path.isabs(m.group(1)):
        lines[i] = f'path = "{os.path.normpath(os.path.join(base, m.group(1)))}"'
print("\n".join(lines), end="")
EOF
}

# Per head of a card: its CV section's mean ± sd of accuracy, macro-F1 and ROC-AUC, then the
# macro-F1 of each source's pooled held-out rows.
cv_figures() {
    awk '/^### / { head = ""; by_source = 0 }
         /^### `.*\(CV figures\)$/ { head = $2; gsub(/[`:]/, "", head) }
         head != "" && /^\| mean ± sd \|/ { split($0, f, "|"); sources = "";
             printf "  %-10s accuracy %s  macro-F1 %s  ROC-AUC %s\n", head, f[3], f[4], f[5] }
         head != "" && /^By source/ { by_source = 1 }
         by_source && /^\| [a-z]/ && !/^\| source/ { split($0, f, "|"); gsub(/ /, "", f[2]);
             gsub(/ /, "", f[6]); sources = sources " " f[2] " " f[6] }
         by_source && /^$/ && sources != "" { printf "  %-10s macro-F1 by source:%s\n", "", sources;
             sources = ""; by_source = 0 }' "$1"
}

# Each later setting's macro-F1 minus the first setting's, fold by fold, per head (arguments: the
# number of seeds, then every card, setting by setting, the seeds in order within each).
paired() {
    python3 - "$@" <<'EOF'
import re, statistics, sys
n_seeds, cards = int(sys.argv[1]), sys.argv[2:]

def folds(card):
    """Head -> its folds' macro-F1, in fold order, from the card's CV table."""
    out, head = {}, None
    for line in open(card):
        m = re.match(r"^### `(.*)`: .*\(CV figures\)$", line)
        if line.startswith("### "):
            head = m.group(1) if m else None
        elif head and re.match(r"^\| \d+ \|", line):
            out.setdefault(head, []).append(float(line.split("|")[3]))
    return out

def pooled(setting):
    """Head -> the macro-F1 of every fold of every seed of one setting."""
    out = {}
    for card in cards[setting * n_seeds:(setting + 1) * n_seeds]:
        for head, f1 in folds(card).items():
            out.setdefault(head, []).extend(f1)
    return out

first = pooled(0)
for setting in range(1, len(cards) // n_seeds):
    for head, f1 in pooled(setting).items():
        d = [a - b for a, b in zip(f1, first[head], strict=True)]
        ahead = sum(x > 0 for x in d)
        print(f"  setting {setting + 1}, {head}: macro-F1 {statistics.mean(d):+.4f} "
              f"± {statistics.stdev(d):.4f} over {len(d)} folds, ahead on {ahead}")
EOF
}

echo "recipe $recipe ($(git rev-parse --short HEAD)), cross-validated on its training rows"
read -ra seeds <<<"${SEEDS:-}"
n=0
cards=()
for setting in "$@"; do
    for seed in "${seeds[@]:-}"; do
        n=$((n + 1))
        name="$(basename "$recipe" .toml)-$n"
        full=$setting${seed:+; seed=$seed}
        variant "$full" >"$work/$name.toml"
        target/release/slant --quiet train --recipe "$work/$name.toml" --out "$work/$name.model"
        grep -q '(CV figures)' "$work/$name.md" \
            || { echo "feature_grid: $recipe is not tuned by cross-validation (no CV figures)" >&2; exit 1; }
        echo "$full"
        cv_figures "$work/$name.md"
        cards+=("$work/$name.md")
    done
done
if ((${#seeds[@]} > 0 && $# > 1)); then
    echo "paired by fold (one seed, the same folds), each setting against the first ($1):"
    paired "${#seeds[@]}" "${cards[@]}"
fi
