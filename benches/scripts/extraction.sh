#!/usr/bin/env bash
# Article-body extraction quality of the page reader on ../shared/data/article_extraction
# (181 real news pages; metric of that set's README): prints F1, precision, recall, the pages
# that gave no article (with the reason), and how many pages got each metadata field (title,
# date, author, site name, canonical URL, language). Reading speed is
# `benches/scripts/reader_speed.sh`.
#
#   benches/scripts/extraction.sh                  # slant's reader
#   SLANT_EXTRACTION_ENGINE=trafilatura benches/scripts/extraction.sh   # a bare engine
#   SLANT_EXTRACTION_ENGINE=smoothie    benches/scripts/extraction.sh
#   SLANT_EXTRACTION_VERBOSE=1 ...                 # also per-page precision and recall
#   SLANT_EXTRACTION_DUMP=DIR ...                  # also each page's text and truth into DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --release --quiet -p slant --test reader_extraction -- \
    --ignored --nocapture dev_set_extraction_score
