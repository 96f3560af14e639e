"""Running slant as a stage of a Spark job.

The slant binary, its stage plugins, its model files and a pipeline config are shipped to every
executor as plain files (``SparkContext.addFile`` here, ``spark-submit --files`` on a cluster).
Spark puts them in one folder of each executor: the container's working directory on a cluster,
a temporary folder in ``local[N]`` mode. The shipped config names its models by bare file name,
so they resolve beside it, and plugins are found through ``SLANT_PLUGIN_DIR=.``.

Two ways to call it:

* :func:`label_rdd` -- ``RDD.pipe``: JSON Lines in, one labeled JSON line out per input line
  (slant's streaming contract), the way Hadoop Streaming would run it.
* :func:`label_dataframe` -- ``DataFrame.mapInArrow``: articles as DataFrame rows in, typed
  columns out (each classifier stage's label, score and comment flag rate; the error, if any).

Both fail the task when slant exits non-zero (a setup failure: a broken model, a missing
plugin); :func:`label_dataframe` raises with slant's own message, so it reaches the driver's
exception. Per-record problems never fail a task: they come back as error records.
"""

import json
import os
import shlex
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

#: The command every executor runs. It starts in the folder holding the shipped files: the
#: working directory when ``./slant`` is there (a cluster), else the folder Spark downloaded them
#: to (``SLANT_FILES``, ``local[N]`` mode).
PIPE_COMMAND = (
    "/bin/sh -c '"
    'if [ -x ./slant ]; then d=.; else d="$SLANT_FILES"; fi; '
    'cd "$d" && SLANT_PLUGIN_DIR=. exec ./slant --quiet label --config slant.toml -'
    "'"
)


class Bundle:
    """The files an executor needs: binary, plugins, config, models."""

    def __init__(self, binary, plugins, config, models):
        self.binary = Path(binary)
        self.plugins = [Path(p) for p in plugins]
        self.config = Path(config)
        self.models = [Path(m) for m in models]

    def files(self):
        return [self.binary, *self.plugins, self.config, *self.models]

    def stage_names(self):
        """The config's classifier stages (every stage after the first, which tokenizes)."""
        with open(self.config, "rb") as f:
            stages = list(tomllib.load(f).get("stages", {}))
        return stages[1:]


def ship(sc, bundle):
    """Sends the bundle to every executor, except files already shipped by
    ``spark-submit --files`` (which does the same)."""
    submitted = {Path(f).name for f in sc.getConf().get("spark.files", "").split(",") if f}
    for path in bundle.files():
        if path.name not in submitted:
            sc.addFile(str(path.resolve()))


def pipe_env():
    """Environment of the piped command: only what it needs."""
    from pyspark import SparkFiles

    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLANT_FILES": SparkFiles.getRootDirectory(),
    }


def label_rdd(rdd):
    """Labels an RDD of JSON Lines strings through ``RDD.pipe``: one output line per input line."""
    return rdd.pipe(PIPE_COMMAND, env=pipe_env(), checkCode=True)


class SlantFailed(RuntimeError):
    """slant exited non-zero: a setup failure (its message is included)."""


def run_slant(lines, files_dir):
    """Pipes ``lines`` through slant in ``files_dir`` (or the working directory when the files
    are there), yielding one output line per input line; raises :class:`SlantFailed` with
    slant's stderr when it exits non-zero."""
    here = Path(".")
    cwd = here if (here / "slant").exists() else Path(files_dir)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SLANT_PLUGIN_DIR": "."}
    command = ["./slant", "--quiet", "label", "--config", "slant.toml", "-"]
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    errors = []

    def feed():
        try:
            for line in lines:
                proc.stdin.write(line.encode("utf-8") + b"\n")
            proc.stdin.close()
        except BrokenPipeError:
            pass  # slant stopped early; its exit code and stderr say why

    def drain_stderr():
        errors.append(proc.stderr.read().decode("utf-8", "replace"))

    threads = [threading.Thread(target=feed), threading.Thread(target=drain_stderr)]
    for t in threads:
        t.start()
    for out in proc.stdout:
        yield out.decode("utf-8").rstrip("\n")
    code = proc.wait()
    for t in threads:
        t.join()
    if code != 0:
        raise SlantFailed(
            f"slant exited with code {code}: {''.join(errors).strip()} "
            f"(command: {shlex.join(command)} in {cwd})"
        )


def result_schema(stages):
    """Typed columns of :func:`label_dataframe` for these classifier stages."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    fields = [
        StructField("id", StringType()),
        StructField("outlet", StringType()),
        StructField("error", StringType()),
        StructField("tokens", LongType()),
        StructField("comments", LongType()),
        StructField("comments_kept", LongType()),
    ]
    for s in stages:
        fields += [
            StructField(f"{s}_label", StringType()),
            StructField(f"{s}_score", DoubleType()),
            StructField(f"{s}_flag_rate", DoubleType()),
            StructField(f"{s}_flagged", LongType()),
        ]
    return StructType(fields)


def typed_row(record, stages):
    """The typed columns of one labeled record (see :func:`result_schema`)."""
    counts = record.get("counts") or {}
    row = {
        "id": record.get("id"),
        "outlet": record.get("outlet"),
        "error": record.get("error"),
        "tokens": counts.get("tokens"),
        "comments": counts.get("comments"),
        "comments_kept": counts.get("comments_kept"),
    }
    for s in stages:
        result = record.get(s) or {}
        summary = result.get("comments") or {}
        row[f"{s}_label"] = result.get("label")
        row[f"{s}_score"] = result.get("score")
        row[f"{s}_flag_rate"] = summary.get("flag_rate")
        row[f"{s}_flagged"] = summary.get("flagged")
    return row


def label_dataframe(df, stages):
    """Labels a DataFrame of articles (columns as in JSON Lines input: id, body, outlet,
    comments, ...) through ``mapInArrow``; returns a DataFrame of :func:`result_schema`."""
    import pyarrow as pa

    schema = result_schema(stages)
    from pyspark import SparkFiles

    files_dir = SparkFiles.getRootDirectory()
    names = [f.name for f in schema.fields]

    def label_batches(batches):
        from pyspark.sql.pandas.types import to_arrow_schema

        arrow_schema = to_arrow_schema(schema)

        def lines():
            for batch in batches:
                for row in batch.to_pylist():
                    yield json.dumps(row, ensure_ascii=False)

        rows = []
        for out in run_slant(lines(), files_dir):
            rows.append(typed_row(json.loads(out), stages))
            if len(rows) >= 1024:
                yield pa.RecordBatch.from_pylist(rows, schema=arrow_schema)
                rows = []
        if rows:
            yield pa.RecordBatch.from_pylist(rows, schema=arrow_schema)

    assert names  # the schema is fixed before any task runs
    return df.mapInArrow(label_batches, schema)


def main(argv):
    """``python slant_spark.py rdd|dataframe INPUT.jsonl OUT_DIR BINARY CONFIG PLUGINS... --models MODELS...``

    Labels INPUT with the shipped bundle and writes the result to OUT_DIR (JSON Lines part
    files for ``rdd``, Parquet for ``dataframe``). Exits non-zero when the job fails.
    """
    from pyspark.sql import SparkSession

    mode, input_path, out_dir, binary, config, *rest = argv
    split = rest.index("--models")
    bundle = Bundle(binary, rest[:split], config, rest[split + 1 :])
    spark = (
        SparkSession.builder.master(os.environ.get("SLANT_SPARK_MASTER", "local[2]"))
        .appName(f"slant-{mode}")
        .config("spark.ui.enabled", "false")
        .config("spark.task.maxFailures", "1")
        # Executors' Python: the driver's own (PySpark and pyarrow are installed there).
        .config("spark.pyspark.python", os.environ.get("PYSPARK_PYTHON", sys.executable))
        .getOrCreate()
    )
    try:
        ship(spark.sparkContext, bundle)
        if mode == "rdd":
            lines = spark.sparkContext.textFile(input_path, minPartitions=4)
            label_rdd(lines).saveAsTextFile(out_dir)
        elif mode == "dataframe":
            df = spark.read.json(input_path)
            label_dataframe(df, bundle.stage_names()).write.parquet(out_dir)
        else:
            raise SystemExit(f"unknown mode {mode!r}: expected rdd or dataframe")
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
