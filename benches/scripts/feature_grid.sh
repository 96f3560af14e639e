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
# lacks is an error. The recipe's data paths are made absolute so the copy reads the same files.
# Environment: WORK (default target/feature-grid).
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
    lines[hits[0]] = f"{key} = {value}"
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

echo "recipe $recipe ($(git rev-parse --short HEAD)), cross-validated on its training rows"
n=0
for setting in "$@"; do
    n=$((n + 1))
    name="$(basename "$recipe" .toml)-$n"
    variant "$setting" >"$work/$name.toml"
    target/release/slant --quiet train --recipe "$work/$name.toml" --out "$work/$name.model"
    grep -q '(CV figures)' "$work/$name.md" \
        || { echo "feature_grid: $recipe is not tuned by cross-validation (no CV figures)" >&2; exit 1; }
    echo "$setting"
    cv_figures "$work/$name.md"
done
