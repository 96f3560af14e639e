#!/usr/bin/env bash
# Makes docs/report.png, the screenshot of a `slant compare` report shown in README.md
# ("Comparing outlets"). From the repository root:
#
#   scripts/report_screenshot.sh
#
# It builds slant and its stage plugins (release), runs
#
#   slant compare seeds/ --out target/report-screenshot/report
#
# (the shipped sample articles and pages, labeled by the default pipeline seeds/slant.toml,
# then compared by outlet with the default seed), and screenshots the top of report.html in
# headless Chromium (installed by .ci/install-chromium.sh when missing). WIDTH and HEIGHT (CSS
# pixels) choose how much of the page is shown; the PNG must stay under 300 KB.
set -euo pipefail
cd "$(dirname "$0")/.."

WIDTH=${WIDTH:-1100}
HEIGHT=${HEIGHT:-1500}
OUT=target/report-screenshot

cargo build --release --quiet -p slant -p slant-tokenize -p slant-toxicity -p slant-sentiment -p slant-stance
rm -rf "$OUT"
mkdir -p "$OUT"
./target/release/slant --quiet compare seeds/ --out "$OUT/report" >"$OUT/table.txt"
cat "$OUT/table.txt"

.ci/install-chromium.sh >/dev/null
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --force-device-scale-factor=1 --user-data-dir="$PROFILE" \
    --window-size="$WIDTH,$HEIGHT" --screenshot="$OUT/report.png" \
    "file://$PWD/$OUT/report/report.html" >/dev/null 2>&1

mkdir -p docs
cp "$OUT/report.png" docs/report.png
SIZE=$(wc -c <docs/report.png)
echo "docs/report.png: $SIZE bytes"
if [ "$SIZE" -gt 300000 ]; then
    echo "docs/report.png is over 300 KB: use a smaller HEIGHT" >&2
    exit 1
fi
