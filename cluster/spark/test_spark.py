"""End-to-end test of slant on Spark (``local[2]``), run by ``run_test.sh``.

1. Generates N articles (seeded, so the input is the same every run) as JSON Lines, with a few
   records that cannot be labeled (no body) so error records flow through the job too.
2. Labels them locally with ``slant label``: the reference.
3. Labels them on Spark through ``RDD.pipe`` with the bundle shipped by ``addFile`` and asserts
   that every input id comes back exactly once and that each record equals the local one
   (sorted by id; ``source`` differs by design: on Spark it is the line within the partition).
4. Labels them on Spark through ``DataFrame.mapInArrow`` and checks the typed columns against
   the local records.
5. Ships a broken model and asserts the job fails with slant's message: in the driver's
   exception for the DataFrame path, in the driver's output for ``RDD.pipe`` (whose own error
   names only the command and the exit code).

Usage: ``python test_spark.py WORK_DIR N BINARY PLUGIN... --model MODEL``
"""

import glob
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORDS = (
    "council budget river bridge school election mayor hospital storm harvest court "
    "festival market museum railway teachers union park library transit housing water"
).split()
GOOD = ["Thanks for the report.", "Useful summary.", "I agree with the council.", "Well written."]
RUDE = ["You idiot, what a moron.", "Stupid article, idiots everywhere.", "Shut up, moron."]
OUTLETS = ["Lakeside Gazette", "Hill Courier", "Valley Times", "Harbor Post"]


def generate(path, n, seed=13):
    """Writes n articles; every 997th has no body (answered by an error record with its id)."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        for i in range(n):
            sentences = [
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
                for _ in range(rng.randint(2, 6))
            ]
            comments = [
                {"id": f"c{j}", "text": rng.choice(RUDE if rng.random() < 0.2 else GOOD)}
                for j in range(rng.randint(0, 4))
            ]
            record = {
                "id": f"a{i:06d}",
                "outlet": OUTLETS[i % len(OUTLETS)],
                "title": f"Story {i}",
                "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "comments": comments,
            }
            if i % 997 != 996:
                record["body"] = " ".join(sentences)
            f.write(json.dumps(record) + "\n")


def write_config(folder, stages_toml):
    """A config whose model paths are bare names: they resolve beside it on the executor."""
    path = folder / "slant.toml"
    path.write_text(
        "[pipeline]\nbatch_size = 64\n\n"
        '[stages.tokenize]\nlanguage = "english"\nstem = true\nstopwords = false\nlowercase = true\n\n'
        + stages_toml
    )
    return path


def by_id(records):
    """Records by id, each id once. Every input line has an id, and error records carry the id
    of their input line too, so every answer has one."""
    out = {}
    for r in records:
        rid = r.get("id")
        assert rid is not None, f"an answer without id: {r}"
        assert rid not in out, f"id {rid} twice"
        out[rid] = r
    return out


def read_lines(paths):
    records = []
    for p in paths:
        with open(p) as f:
            records += [json.loads(line) for line in f if line.strip()]
    return records


def without_source(record):
    """A record less where it was read (file and line differ between Spark and a local run)."""
    out = {k: v for k, v in record.items() if k != "source"}
    if "error" in out:
        out["error"] = out["error"].split(": ", 1)[1]
    return out


def run_job(args, log_path):
    """Runs one Spark job in its own driver process; returns (exit code, its stderr + stdout)."""
    started = time.monotonic()
    with open(log_path, "w") as log:
        code = subprocess.call(
            [sys.executable, str(HERE / "slant_spark.py"), *args], stdout=log, stderr=log
        )
    print(f"  job {args[0]}: exit {code} in {time.monotonic() - started:.1f}s", flush=True)
    return code, Path(log_path).read_text()


def main(argv):
    work, n, binary, *rest = argv
    split = rest.index("--model")
    plugins, model = rest[:split], rest[split + 1]
    work, n = Path(work), int(n)
    work.mkdir(parents=True, exist_ok=True)
    articles = work / "articles.jsonl"
    generate(articles, n)
    inputs = [json.loads(line) for line in open(articles)]
    ids = [r["id"] for r in inputs]
    bad = sum("body" not in r for r in inputs)

    good = work / "good"
    good.mkdir(exist_ok=True)
    shipped_model = good / "toxicity.model"
    shipped_model.write_bytes(Path(model).read_bytes())
    config = write_config(
        good, '[stages.toxicity]\nmodel = "toxicity.model"\nreads = "comments"\naction = "flag"\n'
    )

    # The reference: a local run on the same input with the same config.
    started = time.monotonic()
    local = subprocess.run(
        [binary, "--quiet", "label", "--config", str(config), str(articles)],
        env={**os.environ, "SLANT_PLUGIN_DIR": str(Path(plugins[0]).parent)},
        capture_output=True,
        check=True,
    )
    expected = by_id(json.loads(line) for line in local.stdout.decode().splitlines())
    print(f"  local slant label: {len(expected)} records in {time.monotonic() - started:.1f}s")
    assert len(expected) == n, "the local run answers every line once"
    assert sorted(expected) == sorted(ids), "every input id is answered once"
    errors = [r for r in expected.values() if "error" in r]
    assert len(errors) == bad == n // 997, f"{len(errors)} error records"

    # RDD.pipe
    out = work / "rdd-out"
    code, log = run_job(
        ["rdd", str(articles), str(out), binary, str(config), *plugins, "--models", str(shipped_model)],
        work / "rdd.log",
    )
    assert code == 0, log[-4000:]
    got = read_lines(sorted(glob.glob(str(out / "part-*"))))
    assert len(got) == n, f"{len(got)} output lines for {n} input lines"
    got = by_id(got)
    assert sorted(got) == sorted(expected), "every input id exactly once"
    for rid in expected:
        assert without_source(got[rid]) == without_source(expected[rid]), rid
        assert got[rid]["source"]["file"] == "-"
    print(f"  RDD.pipe: {n} records equal to the local run")

    # DataFrame.mapInArrow with typed columns.
    import pyarrow.parquet as pq

    out = work / "df-out"
    code, log = run_job(
        ["dataframe", str(articles), str(out), binary, str(config), *plugins, "--models", str(shipped_model)],
        work / "df.log",
    )
    assert code == 0, log[-4000:]
    table = pq.read_table(out)
    assert table.schema.field("toxicity_flag_rate").type == "double"
    assert table.schema.field("tokens").type == "int64"
    rows = by_id(table.to_pylist())
    assert len(rows) == n and sorted(rows) == sorted(ids), "every input id exactly once"
    for rid in ids:
        want, row = expected[rid], rows[rid]
        assert (row["error"] is None) == ("error" not in want), rid
        tox = (want.get("toxicity") or {}).get("comments") or {}
        assert row["toxicity_flag_rate"] == tox.get("flag_rate"), rid
        assert row["toxicity_flagged"] == tox.get("flagged"), rid
        assert row["tokens"] == (want.get("counts") or {}).get("tokens"), rid
    print(f"  mapInArrow: {n} rows with typed columns equal to the local run")

    # A broken model fails the job, with slant's message.
    broken = work / "broken"
    broken.mkdir(exist_ok=True)
    (broken / "toxicity.model").write_bytes(b"this is not a slant model")
    bconfig = write_config(
        broken, '[stages.toxicity]\nmodel = "toxicity.model"\nreads = "comments"\n'
    )
    message = subprocess.run(
        [binary, "--quiet", "label", "--config", str(bconfig), "-"],
        env={**os.environ, "SLANT_PLUGIN_DIR": str(Path(plugins[0]).parent)},
        input=b"",
        capture_output=True,
    )
    assert message.returncode == 1
    slant_says = message.stderr.decode().strip().splitlines()[-1]
    print(f"  slant on the broken model: {slant_says}")
    for mode in ["rdd", "dataframe"]:
        code, log = run_job(
            [mode, str(articles), str(work / f"broken-{mode}"), binary, str(bconfig), *plugins,
             "--models", str(broken / "toxicity.model")],
            work / f"broken-{mode}.log",
        )
        assert code != 0, f"{mode}: the job must fail on a broken model"
        assert "toxicity.model" in log and slant_says.split(": ")[-1] in log, log[-4000:]
        if mode == "dataframe":
            assert "SlantFailed" in log and "slant exited with code 1" in log, log[-4000:]
    print("  a broken model fails both jobs with slant's message in the driver's output")


if __name__ == "__main__":
    main(sys.argv[1:])
