#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 30), corpus seeded from the samples.
#   fuzz/run.sh            # 30 s per target
#   fuzz/run.sh 600        # 10 minutes per target
#   fuzz/run.sh 60 csv_reader model_loader   # only these targets
# Needs the nightly toolchain; installs cargo-fuzz when it is missing. Crashes are written to
# fuzz/artifacts/<target>/ and make the script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")"
root=..
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(page_reader jsonl_reader csv_reader model_loader config_parser)
fi

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz

# Seed corpora from the shipped samples (copies, so the fuzzer never writes into seeds/).
seed() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "corpus/$target/seed-$(basename "$f")"
    done
    return 0
}
seed jsonl_reader "$root"/seeds/*.jsonl
seed csv_reader "$root"/seeds/*.csv
seed config_parser "$root"/seeds/slant.toml "$root"/models/*.toml
seed model_loader "$root"/models/*.model
# The page target reads its first byte as the page kind (0 text, 1 Markdown, 2 HTML).
mkdir -p corpus/page_reader
while IFS= read -r -d '' f; do
    case "$f" in
    *.html | *.htm) kind='\x02' ;;
    *.md) kind='\x01' ;;
    *) kind='\x00' ;;
    esac
    { printf "$kind"; cat "$f"; } >"corpus/page_reader/seed-$(basename "$f")"
done < <(find "$root/seeds/pages" -type f -print0)

status=0
for target in "${targets[@]}"; do
    echo "== $target: ${seconds}s"
    # The model target's -max_len covers the shipped model (its seed); -rss_limit_mb bounds memory.
    extra=()
    [ "$target" = model_loader ] && extra=(-max_len=300000)
    if ! cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" \
        -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}"; then
        echo "!! $target found a crash: see fuzz/artifacts/$target/" >&2
        status=1
    fi
done
exit $status
