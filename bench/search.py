"""Text search: the largest queries a link may carry, one scan per word (as before) beside how they run now.

    python -m bench.search --size 1000000

Takes the demo mentions' texts repeated to ``--size``, runs each query shape both ways (checking they select
the same mentions) and prints the seconds. Queries beyond lib/text/boolean_query.py's bounds are refused; the time to
refuse the 1,400-word query of issue 16 is printed too.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from lib.queries.model import MentionModel
from lib.sources.ingest import ensure_demo_store
from lib.store.local import Store
from lib.text.boolean_query import QueryError, evaluate, parse, scan

WORDS = ["delay", "late", "baggage", "crew", "seat", "refund", "sorry", "flight", "plane", "cancel"]
SHAPES = {
    "100 ORed words": " OR ".join(WORDS + [f"w{i}x" for i in range(90)]),
    "100 ANDed words": " ".join(WORDS[:2] + [f"w{i}x" for i in range(98)]),
    "100 NOTed words": " ".join("NOT " + w for w in WORDS + [f"w{i}x" for i in range(90)]),
    "50 ORed pairs": " OR ".join(f"({a} w{i}x)" for i, a in enumerate((WORDS * 5)[:50])),
    "16 parentheses deep": "(" * 16 + "delay" + ")" * 16,
}


def model_of(size: int) -> MentionModel:
    with tempfile.TemporaryDirectory() as folder:
        model = MentionModel.from_store(ensure_demo_store(Store(Path(folder) / "demo.duckdb")))
    repeats = -(-size // model.n)
    model.content = pa.concat_arrays([model.content] * repeats).slice(0, size)
    model.n = size
    return model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    model = model_of(args.size)
    print(f"{'query':<22} {'one scan per word':>18} {'now':>8}   ({args.size:,} texts)")
    for name, query in SHAPES.items():
        model._search_cache.clear()
        start = time.perf_counter()
        now = model.search(query)
        new = time.perf_counter() - start
        start = time.perf_counter()
        before = evaluate(parse(query), lambda leaf: scan(model.content, leaf))
        old = time.perf_counter() - start
        assert np.array_equal(now, before), name
        print(f"{name:<22} {old:>16.2f} s {new:>6.2f} s")
    start = time.perf_counter()
    try:
        parse(" OR ".join(WORDS + [f"w{i}x" for i in range(1390)]))
    except QueryError as exc:
        print(f"1,400 ORed words: refused in {(time.perf_counter() - start) * 1000:.1f} ms ({exc})")


if __name__ == "__main__":
    main()
