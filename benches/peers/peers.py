"""The Python side of the peer harness (see run.sh): prepares each task's train / dev rows from
its slant recipe, trains and evaluates scikit-learn and fastText, predicts over the speed body,
scores slant's dev predictions with the same code, and writes RESULTS.md.

Every step is a subcommand so that run.sh can time each one as a whole process
(/usr/bin/time -v: wall time and peak RSS) and pin it to one core (taskset -c 0).

Same data for every tool: `prepare` reads the task's recipe (sources, label maps, drops,
`at_least`, `exclude`, `phrases`, `merge_by`, `dev_share`, `repeat`, the head's classes) and
writes the rows once, as `train.jsonl` / `dev.jsonl`, plus a derived recipe (`recipe.toml`: the
task recipe's tokenizer, features, selection, learner and tuning, over those two files). slant
trains from the derived recipe, the peers from the same two files, so every tool sees the same
rows with the same labels. Where the model reads a target or a claim besides the text, the
peers get one string, `<target or claim> | <text>` (field `peer_text`).
"""

import argparse
import gzip
import hashlib
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
import tomllib

SEED = 42
# Training sets above either size train the peers on one setting instead of the grid (scikit-learn:
# C = 1, its default; fastText: lr 0.5, 5 epochs) to keep the full run within its hour.
BIG_ROWS = 30_000
BIG_BYTES = 20_000_000
# Peers whose fit would not finish in the budget train on a seeded sample of at most this many
# bytes of training text (run.sh's RESULTS.md lists the rows each tool trained on).
CAP_BYTES = {"word": 10_000_000, "wordchar": 4_000_000, "fasttext": None}


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


def fnc_score(gold, pred):
    """FNC-1's weighted score as a share of the best possible: 0.25 for getting related vs
    unrelated right, 0.75 more for the exact label of a related pair."""

    def points(g, p):
        s = 0.0
        if (g == "unrelated") == (p == "unrelated"):
            s += 0.25
        if g != "unrelated" and g == p:
            s += 0.75
        return s

    best = sum(points(g, g) for g in gold)
    return sum(points(g, p) for g, p in zip(gold, pred)) / best if best else 0.0


def scores(gold, pred, task_meta):
    out = {"macro_f1": macro_f1(gold, pred, sorted(set(gold)))}
    if task_meta.get("fnc"):
        out["fnc_score"] = fnc_score(gold, pred)
    return out


# ---------------------------------------------------------------- prepare


def field_str(v):
    """A field as slant reads a label: strings as they are, numbers as JSON writes them."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None or isinstance(v, (dict, list)):
        return None
    return str(v)


def text_key(text, pair):
    norm = lambda t: " ".join(str(t).split()).lower()  # noqa: E731
    return norm(text) + "\x1f" + norm(pair)


def tree_phrases(tree):
    """Every subtree of a PTB tree as (label, text, words), children first, the root last
    (the reading slant's `phrases` option makes: -LRB- / -RRB- become brackets)."""
    out, stack, i, n = [], [], 0, len(tree)
    while i < n:
        c = tree[i]
        if c.isspace():
            i += 1
        elif c == "(":
            j = i + 1
            while j < n and not tree[j].isspace() and tree[j] not in "()":
                j += 1
            stack.append((tree[i + 1 : j], []))
            i = j
        elif c == ")":
            label, leaves = stack.pop()
            out.append((label, " ".join(leaves), len(leaves)))
            if stack:
                stack[-1][1].extend(leaves)
            i += 1
        else:
            j = i
            while j < n and not tree[j].isspace() and tree[j] not in "()":
                j += 1
            w = tree[i:j]
            stack[-1][1].append({"-LRB-": "(", "-RRB-": ")"}.get(w, w))
            i = j
    if stack:
        raise ValueError("tree: unbalanced brackets")
    return out


def map_label(value, frm, where):
    if value is None:
        raise ValueError(f"{where}: no label field `{frm['field']}`")
    if "at_least" in frm:
        value = "1" if float(value) >= frm["at_least"] else "0"
    if value in frm.get("drop", []):
        return None
    if "map" in frm:
        if value not in frm["map"]:
            raise ValueError(f"{where}: value {value!r} of `{frm['field']}` is neither in its map nor in drop")
        return frm["map"][value]
    return value


def is_dev_draw(source, key, share):
    """The harness's own seeded draw for `dev_share` sources (SHA-256 of seed, source and group
    key): whole groups go to dev; not slant's draw, so counts differ slightly from its card."""
    h = int(hashlib.sha256(f"{SEED}\x1f{source}\x1f{key}".encode()).hexdigest(), 16)
    return h / 2**256 < share


def source_rows(src, frm, path, split, input_kind):
    """One source's rows (text, pair, label, group key, split) as the recipe reads them."""
    rows, seen_phrases = [], set()
    merged = {}  # merge_by key -> index in rows, or None once its records disagree
    for line, rec in enumerate(read_jsonl(path), 1):
        where = f"{path}:{line}"
        if any(field_str(rec.get(k)) == v for k, v in src.get("exclude", {}).items()):
            continue
        records = [rec]
        if "phrases" in src:
            spec = src["phrases"]
            phrases = tree_phrases(rec[spec["field"]])
            records = []
            for i, (label, text, words) in enumerate(phrases):
                is_root = i == len(phrases) - 1
                if (words < spec.get("min_words", 1) and not is_root) or text in seen_phrases:
                    continue
                seen_phrases.add(text)
                r = dict(rec)
                r[src.get("text_field", "text")] = text
                r["phrase_label"] = label
                records.append(r)
        for r in records:
            label = map_label(field_str(r.get(frm["field"])), frm, where)
            if label is None:
                continue
            text = str(r[src.get("text_field", "text")])
            pair = ""
            if input_kind == "pair":
                pair = str(r[src.get("pair_field", "headline")])
            elif input_kind == "target":
                pair = str(r[src.get("target_field", "target")])
            group = f"{src['name']}\x1f{field_str(r[src['group_by']])}" if "group_by" in src else None
            row = {"text": text, "pair": pair, "label": label, "group": group, "split": split}
            if "merge_by" in src:
                key = field_str(r[src["merge_by"]])
                if key in merged:
                    first = merged[key]
                    if first is not None and rows[first]["label"] != label:
                        rows[first] = None
                        merged[key] = None
                    continue
                merged[key] = len(rows)
            rows.append(row)
    return [r for r in rows if r is not None]


def prepare(args):
    """Writes a task's train / dev rows, the derived recipe and data.json (see the module doc)."""
    recipe_text = open(args.recipe, encoding="utf-8").read()
    recipe = tomllib.loads(recipe_text)
    base = os.path.dirname(os.path.abspath(args.recipe))
    heads = recipe["head"]
    head = next(h for h in heads if h["name"] == args.head) if args.head else heads[0]
    input_kind = recipe.get("input", "text")
    overrides = json.loads(args.override) if args.override else {}
    uses = {f["source"]: f for f in head["from"]}
    train, dev = [], []
    for src in recipe["source"]:
        if src["name"] not in uses:
            continue
        files = overrides.get(src["name"]) or [[src.get("split"), os.path.join(base, src["path"])]]
        for split, path in files:
            path = os.path.join(args.repo, path) if not os.path.isabs(path) else path
            for row in source_rows(src, uses[src["name"]], path, split, input_kind):
                key = row["group"] or text_key(row["text"], row["pair"])
                if row["split"] is None:
                    share = src.get("dev_share")
                    row["split"] = "dev" if share and is_dev_draw(src["name"], key, share) else "train"
                row["group"] = key
                if row["split"] == "dev":
                    dev.append(row)
                else:
                    train.extend([row] * src.get("repeat", 1))
    # As slant does: dev rows whose text is also a training text are left out of dev.
    train_keys = {text_key(r["text"], r["pair"]) for r in train}
    dev_all = len(dev)
    dev = [r for r in dev if text_key(r["text"], r["pair"]) not in train_keys]
    if args.quick:
        random.Random(SEED).shuffle(train)
        train = train[: args.train_rows]

    def record(r, i, split):
        out = {"id": f"{split}-{i}", "text": r["text"], "label": r["label"], "group": r["group"]}
        if input_kind == "target":
            out["target"] = r["pair"]
        if input_kind == "pair":
            out["claim"] = r["pair"]
        out["peer_text"] = f"{r['pair']} | {r['text']}" if r["pair"] else r["text"]
        return out

    os.makedirs(args.out, exist_ok=True)
    train_out = [record(r, i, "train") for i, r in enumerate(train)]
    write_jsonl(f"{args.out}/train.jsonl", train_out)
    write_jsonl(f"{args.out}/dev.jsonl", [record(r, i, "dev") for i, r in enumerate(dev)])
    write_derived_recipe(recipe_text, head, input_kind, args.out)
    train_bytes = sum(len(r["peer_text"].encode()) for r in train_out)
    meta = {
        "recipe": os.path.relpath(args.recipe, args.repo),
        "head": head["name"],
        "input": input_kind,
        "train": len(train),
        "dev": len(dev),
        "dev_left_out": dev_all - len(dev),
        "train_bytes": train_bytes,
        "big": len(train) > BIG_ROWS or train_bytes > BIG_BYTES,
        "fnc": set(head["classes"]) == {"agree", "disagree", "discuss", "unrelated"},
        "pairs": sorted({r["pair"] for r in dev if r["pair"]}),
    }
    with open(f"{args.out}/data.json", "w") as f:
        json.dump(meta, f)
    print(json.dumps({k: meta[k] for k in ("train", "dev", "dev_left_out", "train_bytes", "big")}))


def write_derived_recipe(recipe_text, head, input_kind, out):
    """The task recipe's settings (everything before its first [[source]]) over the prepared
    files, with the one head compared."""
    settings = recipe_text[: recipe_text.index("\n[[source]]")]
    extra = {"target": 'target_field = "target"\n', "pair": 'pair_field = "claim"\n'}.get(input_kind, "")
    lines = [settings.rstrip(), "", "# ---- sources written by benches/peers/peers.py prepare", ""]
    for name, split in [("train", "train"), ("dev", "dev")]:
        lines += [
            "[[source]]",
            f'name = "{name}"',
            f'path = "{out}/{name}.jsonl"',
            f'split = "{split}"',
        ]
        if split == "train":
            lines.append('group_by = "group"')
        lines += [extra.rstrip()] if extra else []
        lines.append("")
    lines += ["[[head]]", f'name = "{head["name"]}"', "classes = " + json.dumps(head["classes"])]
    if "positive" in head:
        lines.append(f'positive = "{head["positive"]}"')
    for name in ("train", "dev"):
        lines += ["", "[[head.from]]", f'source = "{name}"', 'field = "label"']
    with open(f"{out}/recipe.toml", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def body(args):
    """Writes the speed body: short texts from the corpora (seeded shuffle, repeated up to the
    size asked), as JSON records (`id`, `text`) for slant and one text per line for the peers."""
    random.seed(SEED)
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


def task_body(args):
    """For a task whose model reads a target or a claim: the same body texts, each given one of
    the task's dev targets / claims in turn (slant: a `target` or `claim` field; peers: the same
    `<target or claim> | <text>` string they trained on)."""
    pairs = json.load(open(f"{args.data}/data.json"))["pairs"]
    field = {"target": "target", "pair": "claim"}[args.input]
    with open(f"{args.work}/body.txt", encoding="utf-8") as src, open(
        f"{args.data}/body.jsonl", "w", encoding="utf-8"
    ) as js, open(f"{args.data}/body.txt", "w", encoding="utf-8") as txt:
        for n, line in enumerate(src):
            text, pair = line.rstrip("\n"), pairs[n % len(pairs)]
            js.write(json.dumps({"id": str(n), "text": text, field: pair}, ensure_ascii=False) + "\n")
            txt.write(f"{pair} | {text}\n")


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


def training_rows(data, kind):
    """The prepared training rows, or a seeded sample within the tool's byte cap."""
    train = read_jsonl(f"{data}/train.jsonl")
    cap = CAP_BYTES[kind]
    total = sum(len(r["peer_text"].encode()) for r in train)
    if cap is None or total <= cap:
        return train, None
    rows = list(train)
    random.Random(SEED).shuffle(rows)
    kept, size = [], 0
    for r in rows:
        size += len(r["peer_text"].encode())
        if size > cap:
            break
        kept.append(r)
    return kept, f"seeded sample of {len(kept):,} of {len(train):,} rows ({cap / 1e6:.0f} MB cap)"


def train_sklearn(args):
    """Fits TF-IDF + logistic regression for each C of the task recipe's grid (one C = 1 for a
    big training set), keeps the best on dev, saves it and prints its dev scores."""
    meta = json.load(open(f"{args.data}/data.json"))
    recipe = tomllib.load(open(f"{args.data}/recipe.toml", "rb"))
    train, note = training_rows(args.data, args.kind)
    dev = read_jsonl(f"{args.data}/dev.jsonl")
    x, y = [r["peer_text"] for r in train], [r["label"] for r in train]
    dx, dy = [r["peer_text"] for r in dev], [r["label"] for r in dev]
    grid = [1.0] if meta["big"] else recipe["learner"]["c"]
    best = None
    for c in grid:
        model = sklearn_pipeline(args.kind, c).fit(x, y)
        s = scores(dy, list(model.predict(dx)), meta)
        if best is None or s["macro_f1"] > best[0]["macro_f1"]:
            best = (s, c, model)
    with open(args.model, "wb") as f:
        pickle.dump(best[2], f)
    chose = f"C = {best[1]:g} of {grid} on dev" if len(grid) > 1 else "C = 1 (one setting, big training set)"
    print(json.dumps({**best[0], "chose": chose, "train_rows": len(train), "note": note}))


def read_body(path, limit):
    """The body's lines, all or the first ones up to `limit` bytes; and the bytes read."""
    texts, size = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if limit and size >= limit:
                break
            texts.append(line.rstrip("\n"))
            size += len(line.encode("utf-8")) - 1
    return texts, size


def predict_sklearn(args):
    with open(args.model, "rb") as f:
        model = pickle.load(f)
    texts, size = read_body(args.body, args.limit_bytes)
    labels = model.predict(texts)
    assert len(labels) == len(texts), "one label per record"
    print(json.dumps({"records": len(labels), "bytes": size}))


# ---------------------------------------------------------------- fastText


def ft_lines(rows):
    return "".join(f"__label__{r['label']} {' '.join(r['peer_text'].split())}\n" for r in rows)


def train_fasttext(args):
    import fasttext

    meta = json.load(open(f"{args.data}/data.json"))
    train, note = training_rows(args.data, "fasttext")
    dev = read_jsonl(f"{args.data}/dev.jsonl")
    path = f"{args.data}/fasttext.train.txt"
    with open(path, "w", encoding="utf-8") as f:
        f.write(ft_lines(train))
    texts = [" ".join(r["peer_text"].split()) for r in dev]
    gold = [r["label"] for r in dev]
    best = None
    # As lightly tuned as slant's C grid: four (learning rate, epochs) settings, best on dev;
    # one setting for a big training set.
    grid = [(0.5, 5)] if meta["big"] else [(0.1, 5), (0.5, 10), (0.5, 25), (1.0, 25)]
    for lr, epoch in grid:
        model = fasttext.train_supervised(
            path, wordNgrams=2, lr=lr, epoch=epoch, seed=SEED, thread=1, verbose=0
        )
        pred = [p[0].replace("__label__", "") for p in model.predict(texts)[0]]
        s = scores(gold, pred, meta)
        if best is None or s["macro_f1"] > best[0]["macro_f1"]:
            best = (s, lr, epoch, model)
    best[3].save_model(args.model)
    chose = (
        f"lr {best[1]}, {best[2]} epochs of 4 settings on dev"
        if len(grid) > 1
        else "lr 0.5, 5 epochs (one setting, big training set)"
    )
    print(json.dumps({**best[0], "chose": chose, "train_rows": len(train), "note": note}))


def predict_fasttext(args):
    import fasttext

    model = fasttext.load_model(args.model)
    texts, size = read_body(args.body, args.limit_bytes)
    labels = model.predict(texts)[0]
    assert len(labels) == len(texts), "one label per record"
    print(json.dumps({"records": len(labels), "bytes": size}))


# ---------------------------------------------------------------- slant's dev predictions


def score_slant(args):
    """Scores `slant predict` output on dev with the same code as the peers' scores."""
    meta = json.load(open(f"{args.data}/data.json"))
    dev = read_jsonl(f"{args.data}/dev.jsonl")
    pred = []
    for r in read_jsonl(args.predictions):
        label = r["label"]
        pred.append(label[meta["head"]] if isinstance(label, dict) else label)
    assert len(pred) == len(dev), f"slant wrote {len(pred)} predictions for {len(dev)} dev rows"
    print(json.dumps({**scores([r["label"] for r in dev], pred, meta), "chose": slant_choice(args.data),
                      "train_rows": meta["train"], "note": None}))


def slant_choice(data):
    """The C slant's tuning chose, read off the card `slant train` wrote beside the model."""
    path = f"{data}/slant.md"
    lines = open(path, encoding="utf-8").read().splitlines() if os.path.exists(path) else []
    for i, line in enumerate(lines):
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if "chosen C" in cols and "chosen by" in cols and i + 2 < len(lines):
            row = [c.strip() for c in lines[i + 2].strip().strip("|").split("|")]
            if len(row) == len(cols):
                return f"C = {row[cols.index('chosen C')]} by {row[cols.index('chosen by')]}"
    return "C by the recipe's tuning on train (card not read)"


def check_predictions(args):
    """slant's predict output has one record per body record."""
    n = sum(1 for _ in open(args.predictions, encoding="utf-8"))
    assert n == args.records, f"slant wrote {n} records for {args.records}"


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
    return f"{cpu}, {os.cpu_count()} cores, {int(mem) // 1024} MiB RAM"


TOOLS = [
    ("slant", "slant (the task recipe's features, selection and tuning; linear model)"),
    ("sk-word", "scikit-learn TF-IDF word 1–2 + LR"),
    ("sk-wordchar", "scikit-learn TF-IDF word 1–2 + char_wb 2–5 + LR"),
    ("fasttext", "fastText supervised, wordNgrams 2"),
]


def timings(work, task, tool, kind, repeats):
    """Median wall, max peak RSS and the records / bytes one run read, over a kind's runs."""
    runs = []
    for i in range(repeats):
        log = f"{work}/{task}/{tool}.{kind}.{i}.time"
        if os.path.exists(log):
            stats = f"{work}/{task}/{tool}.{kind}.{i}.json"
            read = json.load(open(stats)) if os.path.exists(stats) else None
            runs.append((*parse_time_log(log), read))
    if not runs:
        return None
    return {
        "wall": statistics.median(r[0] for r in runs),
        "rss": max(r[1] for r in runs),
        "read": runs[0][2],
        "runs": len(runs),
    }


def core_ratios(work, task, tool, repeats):
    """Per round, the one-core wall over the all-core wall of the same round (run.sh runs
    slant's two settings back to back): the ratio free of the load that moves from round to
    round. Empty when a round lacks either run."""
    ratios = []
    for i in range(repeats):
        one = f"{work}/{task}/{tool}.predict1.{i}.time"
        every = f"{work}/{task}/{tool}.predictall.{i}.time"
        if os.path.exists(one) and os.path.exists(every):
            ratios.append(parse_time_log(one)[0] / parse_time_log(every)[0])
    return ratios


def ratio_cell(ratios, median_ratio):
    """The all/1 core cell: the median of the rounds' own ratios and their range when there are
    several rounds, else the ratio of the medians."""
    if len(ratios) > 1:
        return f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"
    return f"{median_ratio:.2f}×"


def text_bytes(work, n):
    """UTF-8 bytes of the first n texts of the speed body (a task body adds a target or claim to
    each; MB/s counts the texts alone, the same for every tool and task)."""
    size = 0
    with open(f"{work}/body.txt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= n:
                break
            size += len(line.encode("utf-8")) - 1
    return size


def report(args):
    work = args.work
    tasks = args.tasks.split(",")
    body_meta = json.load(open(f"{work}/body.json"))
    lines = []
    mode = "QUICK run (--quick: small training sample, small speed body)" if args.quick else "Full run"
    if args.done < args.planned:
        mode += f", IN PROGRESS: {args.done} of {args.planned} tasks done"
    lines += [
        "# Peer comparison: slant vs scikit-learn vs fastText",
        "",
        f"**{mode}.** Generated by `{args.command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "Timings taken while other work loads the machine are noisy (load averages below);",
        "ratios within one run are more telling than absolute numbers. Each timing is a whole",
        "process (start-up, model load, reading, predicting, writing) measured with GNU time.",
        "",
        "## Data: every tool trains and is scored on the same rows",
        "",
        "`benches/peers/peers.py prepare` reads each task's recipe (sources, label maps, drops,",
        "`at_least`, `exclude`, SST `phrases`, `merge_by`, `repeat`, the compared head's classes) and",
        "writes its train and dev rows once; slant trains from a derived recipe (the task recipe's",
        "tokenizer, features, selection, learner and tuning over those two files) and the peers",
        "from the same files. Dev rows whose text is also a training text are left out, as slant",
        "does. Sources the recipe splits with `dev_share` are split by the harness's own seeded",
        "draw by group (SHA-256 of seed, source, group key), not slant's, so the slant model here",
        "is the recipe's configuration on these rows, not the shipped model file. Where the model",
        "reads a target (stance toward a target) or a claim (FNC-1) besides the text, slant gets",
        "it as its own field and the peers get one string, `<target or claim> | <text>`.",
        "",
        "| task | recipe | head | input | train rows | dev rows | dev rows left out (text in train) |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    metas = {t: json.load(open(f"{work}/{t}/data.json")) for t in tasks}
    for t in tasks:
        m = metas[t]
        lines.append(
            f"| {t} | `{m['recipe']}` | {m['head']} | {m['input']} | {m['train']:,} | {m['dev']:,} | {m['dev_left_out']:,} |"
        )
    lines += [
        "",
        "Task notes: `stance-target` has no dev split in its recipe (C is chosen on a holdout): the",
        "harness trains on `target/stance-data/newsmtsc-train` and scores on `newsmtsc-dev`, the",
        "story-grouped split of `benches/scripts/grouped_split.py` (as `stance-target-grouped.toml`",
        "does). `fnc1-claim` uses the body-grouped FNC-1 split of the same script, as",
        "`models/stance-claim.toml` does. `toxicity` compares the shipped model's `toxic` head",
        "only (the peers are one-label classifiers); its SFU rows are repeated 8× as the recipe says.",
        "",
        "## Accuracy (dev)",
        "",
        "Macro-F1 over the dev labels, computed by the same code for every tool (slant's from",
        "`slant predict` on the dev file). `fnc1-claim` also gives the FNC-1 score as a share of",
        "the best possible (0.25 for related/unrelated, 0.75 more for the exact related label).",
        "",
        "| task | " + " | ".join(t for t, _ in TOOLS) + " |",
        "|---|" + "---:|" * len(TOOLS),
    ]
    evals = {}
    for t in tasks:
        row = [t]
        for tool, _ in TOOLS:
            path = f"{work}/{t}/{tool}.eval.json"
            e = json.load(open(path)) if os.path.exists(path) else None
            evals[(t, tool)] = e
            if e is None:
                row.append("–")
                continue
            cell = f"{e['macro_f1']:.4f}"
            if "fnc_score" in e:
                cell += f" (FNC {e['fnc_score']:.3f})"
            if e.get("note"):
                cell += " ¹"
            row.append(cell)
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Tools: " + "; ".join(f"`{t}` = {d}" for t, d in TOOLS) + ".",
        "",
        "¹ trained on a sample (see below).",
        "",
        "What chose what: slant's C (and temperature, threshold) by its recipe's tuning on the",
        "training rows (CV or holdout; dev chose nothing). scikit-learn: C from the task recipe's",
        "grid, best on dev (argmax decision, no threshold); fastText: (lr, epochs) from four",
        "settings, best on dev (argmax). Dev therefore tuned and scored the peers (optimistic for",
        f"them). Training sets above {BIG_ROWS:,} rows or {BIG_BYTES / 1e6:.0f} MB of text train the peers on one",
        "setting (scikit-learn C = 1, its default; fastText lr 0.5, 5 epochs) to fit the hour's",
        "budget; scikit-learn trains on a seeded sample of at most "
        + ", ".join(f"{v / 1e6:.0f} MB ({k})" for k, v in CAP_BYTES.items() if v)
        + " of training text.",
        "",
        "| task | tool | chose | train rows | sample |",
        "|---|---|---|---:|---|",
    ]
    for t in tasks:
        for tool, _ in TOOLS:
            e = evals[(t, tool)]
            if e:
                lines.append(f"| {t} | {tool} | {e.get('chose', '')} | {e.get('train_rows', 0):,} | {e.get('note') or '–'} |")
    mb = body_meta["bytes"] / 1e6
    records = body_meta["records"]
    lines += [
        "",
        "## Speed",
        "",
        f"Speed body: {records:,} short texts, {mb:.1f} MB of text ({body_meta['distinct']:,} distinct, from "
        + ", ".join(f"`{os.path.relpath(s, args.data_root)}`" for s in body_meta["sources"])
        + "), the same texts for every tool and task: JSON Lines (`id`, `text`) for slant, one",
        "text per line for the Python peers. For target and claim tasks each text also gets one of",
        "the task's dev targets / claims in turn (slant: a field; peers: prepended); MB/s counts",
        "the body's text bytes read, the same for every tool.",
        "",
        "Reduction (to keep the full run within an hour on 2 cores): slant, sk-word and fastText",
        "predict the whole body on one core (`taskset -c 0`): slant "
        + (f"median of {args.slant_repeats} runs" if args.slant_repeats > 1 else "one run")
        + ", sk-word and fastText "
        + (f"median of {args.repeats}" if args.repeats > 1 else "one run")
        + "; on all cores",
        f"slant runs {args.slant_repeats}× (median), the Python peers once (they predict on one thread). sk-wordchar",
        f"(~0.1 MB/s) predicts only the first {args.prefix_bytes / 1e6:g} MB of the same body, one run per core",
        "setting, its MB/s and records/s on the bytes and records it read (its process start-up and",
        "model load weigh more in that short run). Training: one run per tool. slant's `all/1 core`:",
        "the median of each round's own ratio (its one-core and all-core runs back to back) and,",
        "in brackets, the lowest and highest round.",
        "",
        "| task | tool | train wall | train peak RSS | body read | predict 1 core | records/s (1 core) | MB/s (1 core) | MB/s (all cores) | all/1 core | predict peak RSS |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    speed = {}
    for t in tasks:
        for tool, _ in TOOLS:
            tr = timings(work, t, tool, "train", 1)
            rounds = args.slant_repeats if tool == "slant" else args.repeats
            p1 = timings(work, t, tool, "predict1", rounds)
            pa = timings(work, t, tool, "predictall", rounds)
            if p1 is None:
                continue
            n = p1["read"]["records"] if p1["read"] else records
            read = {"records": n, "bytes": text_bytes(work, n)}
            mbs1 = read["bytes"] / 1e6 / p1["wall"]
            mbsa = read["bytes"] / 1e6 / pa["wall"] if pa else None
            speed[(t, tool)] = (mbs1, mbsa, tr)
            lines.append(
                "| "
                + " | ".join(
                    [
                        t,
                        tool,
                        f"{tr['wall']:.1f} s" if tr else "–",
                        f"{tr['rss']:.0f} MiB" if tr else "–",
                        f"{read['bytes'] / 1e6:.1f} MB",
                        f"{p1['wall']:.2f} s",
                        f"{read['records'] / p1['wall']:,.0f}",
                        f"{mbs1:.2f}",
                        f"{mbsa:.2f}" if mbsa else "–",
                        ratio_cell(core_ratios(work, t, tool, rounds), mbsa / mbs1)
                        if mbsa
                        else "–",
                        f"{max(p1['rss'], pa['rss'] if pa else 0):.0f} MiB",
                    ]
                )
                + " |"
            )
    lines += [
        "",
        "## Ratios slant / peer",
        "",
        "Predict: slant's MB/s over the peer's (above 1: slant is faster), one core and all cores.",
        "Train: the peer's training wall time over slant's (above 1: slant trains faster; slant's",
        "includes its recipe's CV or holdout tuning, the peers' their dev grid).",
        "",
        "| task | predict 1 core vs sk-word | vs sk-wordchar | vs fastText | predict all cores vs sk-word | vs sk-wordchar | vs fastText | train vs sk-word | vs sk-wordchar | vs fastText |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    peers = ["sk-word", "sk-wordchar", "fasttext"]

    def ratio(r):
        return f"{r:.1f}×" if r >= 1 else f"{r:.2f}×"

    for t in tasks:
        s = speed.get((t, "slant"))
        if not s:
            continue
        cells = [t]
        for k in (0, 1):
            for p in peers:
                q = speed.get((t, p))
                cells.append(ratio(s[k] / q[k]) if q and q[k] and s[k] else "–")
        for p in peers:
            q = speed.get((t, p))
            cells.append(ratio(q[2]["wall"] / s[2]["wall"]) if q and q[2] and s[2] else "–")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "The Python peers run on one thread whatever the cores: their `all/1 core` above 1 only",
        "shows how much the pinned core was shared with other load. slant writes every record",
        "(labels and scores, JSON Lines) to a file; the peers keep their labels in memory.",
        "",
    ]
    # The scaling check (`benches/scripts/scaling.sh`, run by run.sh after the tasks) writes its
    # own section, with its command, commit and load.
    if args.scaling and os.path.exists(args.scaling):
        lines += open(args.scaling, encoding="utf-8").read().rstrip("\n").split("\n") + [""]
    lines += [
        "## Machine, load and versions",
        "",
        f"- machine: {machine()}",
        "- load average (1, 5, 15 min) at the start of each task: "
        + "; ".join(
            f"{t} {open(f'{work}/{t}/load.txt').read().split()[:3]}".replace("'", "")
            for t in tasks
            if os.path.exists(f"{work}/{t}/load.txt")
        ),
        f"- load average at report time: {' '.join(open('/proc/loadavg').read().split()[:3])}",
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
        "training, prediction, report).",
        "",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {args.out}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("prepare")
    a.add_argument("--recipe", required=True)
    a.add_argument("--head", default="")
    a.add_argument("--override", default="")
    a.add_argument("--repo", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--quick", action="store_true")
    a.add_argument("--train-rows", type=int, default=2000)
    a.set_defaults(f=prepare)
    a = sub.add_parser("body")
    a.add_argument("--out", required=True)
    a.add_argument("--bytes", type=int, required=True)
    a.add_argument("--sources", nargs="+", required=True)
    a.set_defaults(f=body)
    a = sub.add_parser("task-body")
    a.add_argument("--work", required=True)
    a.add_argument("--data", required=True)
    a.add_argument("--input", required=True)
    a.set_defaults(f=task_body)
    for name, f in [("train-sklearn", train_sklearn), ("train-fasttext", train_fasttext)]:
        a = sub.add_parser(name)
        a.add_argument("--data", required=True)
        a.add_argument("--model", required=True)
        a.add_argument("--kind", default="word")
        a.set_defaults(f=f)
    for name, f in [("predict-sklearn", predict_sklearn), ("predict-fasttext", predict_fasttext)]:
        a = sub.add_parser(name)
        a.add_argument("--model", required=True)
        a.add_argument("--body", required=True)
        a.add_argument("--limit-bytes", type=int, default=0)
        a.set_defaults(f=f)
    a = sub.add_parser("score-slant")
    a.add_argument("--data", required=True)
    a.add_argument("--predictions", required=True)
    a.set_defaults(f=score_slant)
    a = sub.add_parser("check-predictions")
    a.add_argument("--predictions", required=True)
    a.add_argument("--records", type=int, required=True)
    a.set_defaults(f=check_predictions)
    a = sub.add_parser("report")
    a.add_argument("--work", required=True)
    a.add_argument("--tasks", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--repeats", type=int, default=1)
    a.add_argument("--slant-repeats", type=int, default=1)
    a.add_argument("--prefix-bytes", type=int, required=True)
    a.add_argument("--quick", action="store_true")
    a.add_argument("--command", required=True)
    a.add_argument("--python", required=True)
    a.add_argument("--data-root", required=True)
    a.add_argument("--elapsed", type=int, required=True)
    a.add_argument("--done", type=int, required=True)
    a.add_argument("--planned", type=int, required=True)
    a.add_argument("--scaling", help="the scaling check's Markdown section, if it ran")
    a.set_defaults(f=report)
    args = p.parse_args()
    args.f(args)


if __name__ == "__main__":
    sys.exit(main())
