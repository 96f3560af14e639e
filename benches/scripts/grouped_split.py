#!/usr/bin/env python3
"""Grouped train/dev splits of the stance corpora, for honest held-out figures.

Rows that share a group never sit on both sides: NewsMTSC is grouped by story (the third part
of `primary_gid`, shared by every sentence of the articles about one event), FNC-1 by `body_id`
(no article body in both train and dev). A group goes to dev when the SHA-256 of its key, read as
a number, is 0 modulo 5 (about a fifth of the groups; the same on every machine). Writes
target/stance-data/{newsmtsc,fnc1}-{train,dev}.jsonl.gz from ../shared/data.

    python3 benches/scripts/grouped_split.py
"""
import gzip
import hashlib
import io
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "target", "stance-data")

SPLITS = {
    "newsmtsc": ("newsmtsc/train.jsonl.gz", lambda r: r["primary_gid"].split("_")[2]),
    "fnc1": ("fnc1/train.jsonl.gz", lambda r: str(r["body_id"])),
}


def is_dev(key):
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 5 == 0


def main():
    if not os.path.isdir(DATA):
        sys.exit(f"no corpora at {DATA}")
    os.makedirs(OUT, exist_ok=True)
    for name, (path, group) in SPLITS.items():
        # mtime=0 and no file name in the gzip header: the same bytes on every run, so the
        # sha256 a model card records for these files is reproducible.
        outs = {s: io.TextIOWrapper(gzip.GzipFile(filename="", fileobj=open(os.path.join(OUT, f"{name}-{s}.jsonl.gz"), "wb"),
                                                  mode="wb", compresslevel=6, mtime=0), encoding="utf-8")
                for s in ("train", "dev")}
        counts = {"train": 0, "dev": 0}
        groups = {"train": set(), "dev": set()}
        with gzip.open(os.path.join(DATA, path), "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                key = group(row)
                side = "dev" if is_dev(key) else "train"
                outs[side].write(line if line.endswith("\n") else line + "\n")
                counts[side] += 1
                groups[side].add(key)
        for o in outs.values():
            o.close()
        assert not groups["train"] & groups["dev"]
        print(f"{name}: train {counts['train']} rows / {len(groups['train'])} groups, "
              f"dev {counts['dev']} rows / {len(groups['dev'])} groups")


if __name__ == "__main__":
    main()
