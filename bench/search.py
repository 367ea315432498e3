"""Text search: the largest queries a link may carry, and single words, phrases and wildcards, on the model that
leaves its texts in the store beside the earlier model that held every text in memory.

    python -m bench.search --size 1000000                      # the demo's texts, repeated in memory (old) only
    python -m bench.search --store /tmp/b/bench-realistic-1000000.duckdb

With ``--store``, both models are loaded from that store: ``now`` is the model of today (words from the term
index, phrases and wildcards scanned by DuckDB over the store), ``in memory`` the earlier one (every text held,
each OR scanned once by Arrow); the answers are checked equal, and each model's resident text is printed. With
``--size`` only, the demo's texts repeated to that size are scanned in memory one scan per word (as before
grouping) and grouped. Queries beyond lib/text/boolean_query.py's bounds are refused; the time to refuse the
1,400-word query of issue 16 is printed too.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from lib.queries.model import MentionModel
from lib.queries.text_search import MemoryTexts
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
    "one word": "wifi",
    "one hashtag": "#travel",
    "a phrase": '"cabin crew"',
    "a wildcard": "delay*",
    "a phrase AND a wildcard": '"two hours" bagag*',
    "20 ORed wildcards": " OR ".join(f"{w}*" for w in (WORDS * 2)[:20]),
}


def timed(fn) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def compare(store: Store) -> None:
    now = MentionModel.from_store(store)
    earlier = MentionModel.from_store(store, texts_in_memory=True)
    assert isinstance(earlier.texts, MemoryTexts) and np.array_equal(
        np.asarray(now.keys.to_pylist(), dtype=object), np.asarray(earlier.keys.to_pylist(), dtype=object)
    ), "both models read the store in one order"
    print(
        f"{now.n:,} mentions; texts held in memory by the earlier model: {earlier.texts.content.nbytes / 1e6:,.0f} MB"
    )
    print(f"{'query':<26} {'in memory':>10} {'now':>10}   (median of 3, nothing cached)")
    for name, query in SHAPES.items():
        times = {"now": [], "old": []}
        for _ in range(3):
            now.finder.clear()
            earlier.finder.clear()
            t_now, a = timed(lambda q=query: now.search(q))
            t_old, b = timed(lambda q=query: earlier.search(q))
            assert np.array_equal(a, b), name
            times["now"].append(t_now)
            times["old"].append(t_old)
        old_ms, now_ms = (statistics.median(times[k]) * 1e3 for k in ("old", "now"))
        print(f"{name:<26} {old_ms:>7.0f} ms {now_ms:>7.0f} ms")


def repeated(size: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        model = MentionModel.from_store(ensure_demo_store(Store(Path(folder) / "demo.duckdb")), texts_in_memory=True)
    repeats = -(-size // model.n)
    content = pa.concat_arrays([model.texts.content] * repeats).slice(0, size)
    print(f"{'query':<22} {'one scan per word':>18} {'grouped':>8}   ({size:,} texts in memory)")
    from lib.text.boolean_query import grouped

    for name, query in list(SHAPES.items())[:5]:
        start = time.perf_counter()
        grouped_mask = evaluate(grouped(parse(query)), lambda leaf: scan(content, leaf))
        new = time.perf_counter() - start
        start = time.perf_counter()
        before = evaluate(parse(query), lambda leaf: scan(content, leaf))
        old = time.perf_counter() - start
        assert np.array_equal(grouped_mask, before), name
        print(f"{name:<22} {old:>16.2f} s {new:>6.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--store", type=Path, default=None, help="a store to load both models from")
    args = parser.parse_args(argv)
    if args.store:
        compare(Store(args.store))
    else:
        repeated(args.size)
    start = time.perf_counter()
    try:
        parse(" OR ".join(WORDS + [f"w{i}x" for i in range(1390)]))
    except QueryError as exc:
        print(f"1,400 ORed words: refused in {(time.perf_counter() - start) * 1000:.1f} ms ({exc})")


if __name__ == "__main__":
    main()
