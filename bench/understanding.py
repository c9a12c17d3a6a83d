"""Benchmark: how well and how fast the offline understander reads citizen messages.

    .venv/bin/python bench/understanding.py                  # bench/understanding_utterances.jsonl
    .venv/bin/python bench/understanding.py other.jsonl -v   # another labelled file; -v lists the misses

Each line of the labelled file is {"text", "intent", "service", "reference", "language"}. It makes a throwaway
database with the shipped catalogue (as the tests do) and prints the accuracy of each field, of all four
together, and utterances per second on one core (the index built once, as `manage.py understand` does).
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")

import django  # noqa: E402

django.setup()

from django.test.utils import setup_databases, teardown_databases  # noqa: E402

FIELDS = ("intent", "service", "reference", "language")
DEFAULT = Path(__file__).resolve().parent / "understanding_utterances.jsonl"


def main(path: Path, verbose: bool) -> None:
    from apps.conversations.understanding import catalogue_index, understand
    from apps.services.services import catalogue_load

    catalogue_load()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = time.perf_counter()
    index = catalogue_index()
    build = time.perf_counter() - start
    right = dict.fromkeys((*FIELDS, "all"), 0)
    misses = []
    start = time.perf_counter()
    for row in rows:
        got = understand(row["text"], index=index).as_json()
        wrong = [name for name in FIELDS if got[name] != row.get(name)]
        for name in FIELDS:
            right[name] += name not in wrong
        right["all"] += not wrong
        if wrong:
            misses.append((row, got, wrong))
    elapsed = time.perf_counter() - start
    rounds, cold = 5, elapsed
    start = time.perf_counter()
    for _ in range(rounds):
        for row in rows:
            understand(row["text"], index=index)
    warm = (time.perf_counter() - start) / rounds
    print(f"{len(rows)} labelled utterances from {path.name}")
    for name in (*FIELDS, "all"):
        print(f"  {name:<10} {right[name] / len(rows):6.1%}  ({right[name]}/{len(rows)})")
    print(f"index build {build * 1000:.0f} ms; first pass {len(rows) / cold:,.0f} utterances/s; "
          f"repeated (word caches warm) {len(rows) / warm:,.0f} utterances/s")  # fmt: skip
    if verbose:
        for row, got, wrong in misses:
            want, found = [row.get(n) for n in wrong], [got[n] for n in wrong]
            print(f"  MISS {wrong}: {row['text']!r}\n       want {want} got {found}")


if __name__ == "__main__":
    arguments = [arg for arg in sys.argv[1:] if arg != "-v"]
    labelled = Path(arguments[0]) if arguments else DEFAULT
    old = setup_databases(verbosity=0, interactive=False)
    try:
        main(labelled, "-v" in sys.argv)
    finally:
        teardown_databases(old, verbosity=0)
