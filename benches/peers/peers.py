"""The Python side of the peer harness (see run.sh): prepares the shared data, trains and
evaluates scikit-learn and fastText, predicts over the speed body, and writes RESULTS.md.

Every step is a subcommand so that run.sh can time each one as a whole process
(/usr/bin/time -v: wall time and peak RSS) and pin it to one core (taskset -c 0).
"""

import argparse
import gzip
import json
import os
import pickle
import platform
import random
import re
import statistics
import subprocess
import sys
import time


def read_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def macro_f1(gold, pred, labels):
    scores = []
    for c in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(scores) / len(scores)


# ---------------------------------------------------------------- prepare


def prepare(args):
    """Writes a task's train/dev JSONL (train: a seeded sample in quick mode)."""
    task = json.loads(args.task)
    random.seed(42)
    train = read_jsonl(task["train"])
    dev = read_jsonl(task["dev"])
    if args.quick:
        random.shuffle(train)
        train = train[: args.train_rows]
    os.makedirs(args.out, exist_ok=True)
    write_jsonl(f"{args.out}/train.jsonl", train)
    write_jsonl(f"{args.out}/dev.jsonl", dev)
    meta = {"train": len(train), "dev": len(dev)}
    with open(f"{args.out}/data.json", "w") as f:
        json.dump(meta, f)
    print(json.dumps(meta))


def body(args):
    """Writes the speed body: short texts from the corpora (seeded shuffle, repeated up to the
    size asked), as JSON records (`id`, `text`) for slant and one text per line for the peers."""
    random.seed(42)
    texts = []
    for path in args.sources:
        for r in read_jsonl(path):
            t = " ".join(str(r.get("text") or "").split())
            if t:
                texts.append(t)
    random.shuffle(texts)
    out, size, i = [], 0, 0
    while size < args.bytes and texts:
        t = texts[i % len(texts)]
        out.append(t)
        size += len(t.encode("utf-8"))
        i += 1
    with open(f"{args.out}/body.jsonl", "w", encoding="utf-8") as f:
        for n, t in enumerate(out):
            f.write(json.dumps({"id": str(n), "text": t}, ensure_ascii=False) + "\n")
    with open(f"{args.out}/body.txt", "w", encoding="utf-8") as f:
        for t in out:
            f.write(t + "\n")
    meta = {"records": len(out), "bytes": size, "distinct": len(texts), "sources": args.sources}
    with open(f"{args.out}/body.json", "w") as f:
        json.dump(meta, f)
    print(json.dumps({k: meta[k] for k in ("records", "bytes", "distinct")}))


# ---------------------------------------------------------------- scikit-learn


def sklearn_pipeline(kind, c):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    if kind == "word":
        features = word
    else:
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        features = FeatureUnion([("word", word), ("char", char)])
    return Pipeline([("tfidf", features), ("lr", LogisticRegression(C=c, max_iter=1000))])


def train_sklearn(args):
    """Fits TF-IDF + logistic regression for each C of the grid, keeps the best on dev
    (as slant's recipe chooses C on dev), saves it and prints its dev macro-F1."""
    task = json.loads(args.task)
    train = read_jsonl(f"{args.data}/train.jsonl")
    dev = read_jsonl(f"{args.data}/dev.jsonl")
    x, y = [r[task["text"]] for r in train], [str(r[task["label"]]) for r in train]
    dx, dy = [r[task["text"]] for r in dev], [str(r[task["label"]]) for r in dev]
    labels = sorted(set(y))
    best = None
    for c in task["c_grid"]:
        model = sklearn_pipeline(args.kind, c).fit(x, y)
        f1 = macro_f1(dy, list(model.predict(dx)), labels)
        if best is None or f1 > best[0]:
            best = (f1, c, model)
    with open(args.model, "wb") as f:
        pickle.dump(best[2], f)
    print(json.dumps({"macro_f1": best[0], "c": best[1]}))


def predict_sklearn(args):
    with open(args.model, "rb") as f:
        model = pickle.load(f)
    with open(args.body, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f]
    labels = model.predict(texts)
    assert len(labels) == len(texts), "one label per record"
    print(json.dumps({"records": len(labels)}))


# ---------------------------------------------------------------- fastText


def ft_lines(rows, text, label):
    return "".join(f"__label__{r[label]} {' '.join(r[text].split())}\n" for r in rows)


def train_fasttext(args):
    import fasttext

    task = json.loads(args.task)
    train = read_jsonl(f"{args.data}/train.jsonl")
    dev = read_jsonl(f"{args.data}/dev.jsonl")
    path = f"{args.data}/fasttext.train.txt"
    with open(path, "w", encoding="utf-8") as f:
        f.write(ft_lines(train, task["text"], task["label"]))
    texts = [" ".join(r[task["text"]].split()) for r in dev]
    gold = [str(r[task["label"]]) for r in dev]
    labels = sorted(set(gold))
    best = None
    # As lightly tuned as slant's C grid: four (learning rate, epochs) settings, best on dev.
    for lr, epoch in [(0.1, 5), (0.5, 10), (0.5, 25), (1.0, 25)]:
        model = fasttext.train_supervised(
            path, wordNgrams=2, lr=lr, epoch=epoch, seed=42, thread=1, verbose=0
        )
        pred = [p[0].replace("__label__", "") for p in model.predict(texts)[0]]
        f1 = macro_f1(gold, pred, labels)
        if best is None or f1 > best[0]:
            best = (f1, lr, epoch, model)
    best[3].save_model(args.model)
    print(json.dumps({"macro_f1": best[0], "lr": best[1], "epoch": best[2]}))


def predict_fasttext(args):
    import fasttext

    model = fasttext.load_model(args.model)
    with open(args.body, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f]
    labels = model.predict(texts)[0]
    assert len(labels) == len(texts), "one label per record"
    print(json.dumps({"records": len(labels)}))


# ---------------------------------------------------------------- report


def parse_time_log(path):
    """Wall seconds and peak RSS (MiB) from a /usr/bin/time -v log."""
    text = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time .*: (\S+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return secs, rss / 1024


def versions(venv_python):
    out = {}
    out["slant"] = subprocess.run(
        ["target/release/slant", "--version"], capture_output=True, text=True
    ).stdout.strip()
    code = (
        "import sklearn, numpy, fasttext, importlib.metadata as m;"
        "print(sklearn.__version__, numpy.__version__, m.version('fasttext-wheel'))"
    )
    sk, np_, ft = subprocess.run(
        [venv_python, "-c", code], capture_output=True, text=True
    ).stdout.split()
    out.update({"scikit-learn": sk, "numpy": np_, "fasttext-wheel": ft})
    out["python"] = platform.python_version()
    out["rustc"] = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return out


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1]
    load = open("/proc/loadavg").read().split()[:3]
    return f"{cpu}, {os.cpu_count()} cores, {int(mem) // 1024} MiB RAM; load average at report time {' '.join(load)}"


def report(args):
    work = args.work
    tasks = args.tasks.split(",")
    tools = [
        ("slant", "slant (hashed word 1–2 + char 2–5, χ² top-k, LR)"),
        ("sk-word", "scikit-learn TF-IDF word 1–2 + LR"),
        ("sk-wordchar", "scikit-learn TF-IDF word 1–2 + char_wb 2–5 + LR"),
        ("fasttext", "fastText supervised, wordNgrams 2"),
    ]
    lines = []
    mode = "QUICK run (--quick: small training sample, small speed body)" if args.quick else "Full run"
    lines += [
        "# Peer comparison: slant vs scikit-learn vs fastText",
        "",
        f"**{mode}.** Generated by `{args.command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "The build machine is shared by several concurrent builds: every timing below was taken",
        "**under heavy load** and is noisy; ratios within one run are more telling than absolute",
        "numbers. Each timing is a whole process (start-up, model load, reading, predicting,",
        "writing) measured with GNU time; " + ("one run each." if args.repeats == 1 else f"median of {args.repeats} runs."),
        "",
        "## Accuracy (dev macro-F1; each tool's C or settings chosen on the same dev set)",
        "",
        "| task | train rows | dev rows | " + " | ".join(t for t, _ in tools) + " |",
        "|---|---:|---:|" + "---:|" * len(tools),
    ]
    for task in tasks:
        meta = json.load(open(f"{work}/{task}/data.json"))
        row = [task, str(meta["train"]), str(meta["dev"])]
        for tool, _ in tools:
            path = f"{work}/{task}/{tool}.eval.json"
            row.append(f"{json.load(open(path))['macro_f1']:.4f}" if os.path.exists(path) else "–")
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Tools: " + "; ".join(f"`{t}` = {d}" for t, d in tools) + ".",
        "",
        "What chose what: slant's recipe chooses C, temperature and the decision threshold on dev;",
        "scikit-learn chooses C from the same grid on dev (argmax decision, no threshold);",
        "fastText chooses (lr, epochs) from four settings on dev (argmax). Dev therefore both tuned",
        "and scored every tool: these are optimistic dev numbers, not test estimates.",
        "",
    ]
    lines += ["## Speed", ""]
    body_meta = json.load(open(f"{work}/body.json"))
    mb = body_meta["bytes"] / 1e6
    records = body_meta["records"]
    lines += [
        f"Speed body: {records:,} short texts, {mb:.1f} MB ({body_meta['distinct']:,} distinct, from "
        + ", ".join(f"`{os.path.relpath(s, args.data_root)}`" for s in body_meta["sources"])
        + "), the same bytes for every tool: JSON Lines (`id`, `text`) for slant, one text per",
        "line for the Python peers. Training timings cover the whole training command (slant:",
        "`slant train --recipe` with its C grid; scikit-learn: the same C grid, best on dev; fastText:",
        "four settings, best on dev).",
        "",
    ]
    for task in tasks:
        lines += [
            f"### {task}",
            "",
            "| tool | train wall | train peak RSS | predict 1 core | records/s (1 core) | MB/s (1 core) | predict all cores | all/1 core | predict peak RSS | slant speed-up (1 core) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        rows = {}
        for tool, _ in tools:
            def med(kind):
                logs = [f"{work}/{task}/{tool}.{kind}.{i}.time" for i in range(args.repeats)]
                logs = [l for l in logs if os.path.exists(l)]
                if not logs:
                    return None
                vals = [parse_time_log(l) for l in logs]
                return statistics.median(v[0] for v in vals), max(v[1] for v in vals)
            rows[tool] = (med("train"), med("predict1"), med("predictall"))
        slant1 = rows["slant"][1][0] if rows["slant"][1] else None
        for tool, _ in tools:
            train, p1, pall = rows[tool]
            if p1 is None:
                continue
            cells = [
                tool,
                f"{train[0]:.1f} s" if train else "–",
                f"{train[1]:.0f} MiB" if train else "–",
                f"{p1[0]:.2f} s",
                f"{records / p1[0]:,.0f}",
                f"{mb / p1[0]:.2f}",
                f"{pall[0]:.2f} s" if pall else "–",
                f"{p1[0] / pall[0]:.2f}×" if pall else "–",
                f"{max(p1[1], pall[1] if pall else 0):.0f} MiB",
                "1.00×" if tool == "slant" else (f"{p1[0] / slant1:.1f}×" if slant1 else "–"),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "`slant speed-up` = peer's one-core predict time / slant's (above 1: slant is faster).",
        "Python peers predict on one thread whatever the cores; `all cores` runs them unpinned, so",
        "their `all/1 core` above 1 only shows how much the pinned core was shared with other load.",
        "",
        "## Machine and versions",
        "",
        f"- machine: {machine()}",
    ]
    for k, v in versions(args.python).items():
        lines.append(f"- {k}: {v}")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    lines += [
        f"- slant: checked-out commit {commit}; binary `target/release/slant` built "
        + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime("target/release/slant"))),
        "",
        "## Command",
        "",
        "```sh",
        args.command,
        "```",
        "",
        f"The whole run took {args.elapsed // 60} min {args.elapsed % 60} s of wall time (venv, data,",
        "training, prediction, report) on the loaded machine.",
        "",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {args.out}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("prepare")
    a.add_argument("--task", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--quick", action="store_true")
    a.add_argument("--train-rows", type=int, default=3000)
    a.set_defaults(f=prepare)
    a = sub.add_parser("body")
    a.add_argument("--out", required=True)
    a.add_argument("--bytes", type=int, required=True)
    a.add_argument("--sources", nargs="+", required=True)
    a.set_defaults(f=body)
    for name, f in [("train-sklearn", train_sklearn), ("train-fasttext", train_fasttext)]:
        a = sub.add_parser(name)
        a.add_argument("--task", required=True)
        a.add_argument("--data", required=True)
        a.add_argument("--model", required=True)
        a.add_argument("--kind", default="word")
        a.set_defaults(f=f)
    for name, f in [("predict-sklearn", predict_sklearn), ("predict-fasttext", predict_fasttext)]:
        a = sub.add_parser(name)
        a.add_argument("--model", required=True)
        a.add_argument("--body", required=True)
        a.set_defaults(f=f)
    a = sub.add_parser("report")
    a.add_argument("--work", required=True)
    a.add_argument("--tasks", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--repeats", type=int, default=1)
    a.add_argument("--quick", action="store_true")
    a.add_argument("--command", required=True)
    a.add_argument("--python", required=True)
    a.add_argument("--data-root", required=True)
    a.add_argument("--elapsed", type=int, required=True)
    a.set_defaults(f=report)
    args = p.parse_args()
    args.f(args)


if __name__ == "__main__":
    sys.exit(main())
