#!/usr/bin/env bash
# Reading speed of the page reader, one thread, on the 181 real news pages of
# ../shared/data/article_extraction (MB/s of HTML): the whole reader and the extraction engine
# alone (criterion bench `extraction`), with the machine's load printed beside them (the
# numbers mean little on a loaded machine). With PROFILE=1 also a perf profile of the reader
# (`perf report` of the top functions; install perf with your package manager).
#
#   benches/scripts/reader_speed.sh
#   PROFILE=1 benches/scripts/reader_speed.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "load before: $(uptime)"
cargo bench -p slant-benches --bench extraction -- --warm-up-time 1 --measurement-time 20
echo "load after: $(uptime)"
if [[ "${PROFILE:-0}" == 1 ]]; then
    exe=$(cargo bench -p slant-benches --bench extraction --no-run --message-format=json 2>/dev/null \
        | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
    perf record -e cpu-clock -F 999 -g -o target/reader.perf.data "$exe" --bench \
        --profile-time 20 'extraction/reader/html-dev-set' >/dev/null
    perf report -i target/reader.perf.data --no-children --stdio -g none --percent-limit 1.5 \
        | grep -v '^#' | grep -v '^$' | head -n 40
fi
