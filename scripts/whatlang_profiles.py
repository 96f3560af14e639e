#!/usr/bin/env python3
"""Writes core/src/pipeline/language/latin_profiles.txt from the whatlang crate the workspace
builds with: its Latin-script trigram profiles, one language per line, for the language check's
trigram scorer (core/src/pipeline/language/trigrams.rs), which scores by the text's trigrams
instead of the profiles' and must give whatlang's own verdicts (the unit tests there compare the
two on every text they have, so a whatlang upgrade that changes the profiles fails them until
this script is run again).

    python3 scripts/whatlang_profiles.py      # from the repository root

whatlang is MIT-licensed (Copyright (c) 2017 Sergey Potapov); the data keeps its notice.
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "core/src/pipeline/language/latin_profiles.txt"


def whatlang_dir():
    meta = json.loads(subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--locked"], cwd=ROOT))
    found = [p for p in meta["packages"] if p["name"] == "whatlang"]
    if len(found) != 1:
        sys.exit(f"expected one whatlang package in the workspace, found {len(found)}")
    return pathlib.Path(found[0]["manifest_path"]).parent, found[0]["version"]


def latin_profiles(source):
    start = source.index("pub static LATIN_LANGS")
    end = source.index("pub static", start + 1)
    block = source[start:end]
    langs = []
    for match in re.finditer(r"Lang::(\w+),\s*&\[(.*?)\]", block, re.S):
        grams = re.findall(r"Trigram\('(.)', '(.)', '(.)'\)", match.group(2))
        langs.append((match.group(1).lower(), ["".join(g) for g in grams]))
    return langs


def main():
    crate, version = whatlang_dir()
    langs = latin_profiles((crate / "src/trigrams/profiles.rs").read_text(encoding="utf-8"))
    for code, grams in langs:
        if len(grams) != 300 or len(set(grams)) != 300:
            sys.exit(f"{code}: {len(grams)} trigrams, {len(set(grams))} distinct; expected 300")
        if any("_" in g for g in grams):
            sys.exit(f"{code}: '_' in a trigram; it stands for a space in the data file")
    lines = [
        f"# whatlang {version} Latin-script trigram profiles (src/trigrams/profiles.rs), written by",
        "# scripts/whatlang_profiles.py. One language per line: ISO 639-3 code, a tab, then its 300",
        "# trigrams by rank, three characters each, '_' for a space.",
        "# whatlang: MIT License, Copyright (c) 2017 Sergey Potapov.",
    ]
    lines += [code + "\t" + "".join(grams).replace(" ", "_") for code, grams in langs]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(langs)} languages from whatlang {version}")


if __name__ == "__main__":
    main()
