#!/usr/bin/env bash
# slant on Apache Spark, tested end to end in local[2] mode (see test_spark.py for what is
# asserted). Installs what it needs itself: a Python virtual environment with PySpark from PyPI
# (Java 17 must be on PATH), and slant built in release mode.
#
#   bash cluster/spark/run_test.sh            # 10,000 generated articles
#   SLANT_SPARK_ARTICLES=2000 bash cluster/spark/run_test.sh
#
# Environment: SLANT_SPARK_VENV (default cluster/spark/.venv), SLANT_SPARK_WORK (scratch folder,
# default cluster/spark/work, emptied first), SLANT_SPARK_ARTICLES (default 10000),
# SLANT_SPARK_PROFILE (release, the default, or debug: reuses a debug build).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)

venv=${SLANT_SPARK_VENV:-cluster/spark/.venv}
work=${SLANT_SPARK_WORK:-cluster/spark/work}
articles=${SLANT_SPARK_ARTICLES:-10000}

command -v java >/dev/null || { echo "run_test.sh: Java 17 is needed on PATH" >&2; exit 1; }

echo "== python environment ($venv)"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r cluster/spark/requirements.txt

profile=${SLANT_SPARK_PROFILE:-release}
echo "== slant ($profile)"
if [ "$profile" = release ]; then
    cargo build --release --quiet
else
    cargo build --quiet -p slant -p slant-tokenize -p slant-toxicity
fi
profile_dir=$([ "$profile" = release ] && echo release || echo debug)
bin=target/$profile_dir/slant
plugins=(target/$profile_dir/libslant_tokenize.so target/$profile_dir/libslant_toxicity.so)

echo "== spark test: $articles articles in $work"
rm -rf "$work"
mkdir -p "$work"
export PYSPARK_PYTHON="$PWD/$venv/bin/python"
"$venv/bin/python" cluster/spark/test_spark.py "$work" "$articles" "$PWD/$bin" \
    "${plugins[@]/#/$PWD/}" --model "$PWD/models/toxicity.model"

echo "== spark test passed in $(( $(date +%s) - started ))s"
