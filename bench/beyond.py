"""Benchmark of issue 20's text features at N mentions: near-duplicate clustering (what it adds to an ingest,
all at once and for a pull of new mentions) and a suggested-topics run.

    python -m bench.beyond --rows 1000000 --csv /tmp/mentions-1m.csv.gz

The mentions come from the demo generator (written to ``--csv`` once and read again on later runs). Prints
one line per figure, with the machine's load average (the machine is shared: a busy one inflates them).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from lib.sources.demo import generate, to_csv_gz
from lib.text.near_duplicates import NearDuplicates
from lib.text.stopwords import language_stopwords
from lib.text.suggest import SAMPLE, suggest


def texts_of(csv: Path, rows: int) -> pa.Table:
    if not csv.exists():
        started = time.perf_counter()
        csv.write_bytes(to_csv_gz(generate(rows)))
        print(f"generated {rows:,} mentions into {csv} in {time.perf_counter() - started:.0f} s", flush=True)
    options = pcsv.ConvertOptions(
        include_columns=["uniqueId", "messageContent", "messageLanguage"],
        column_types={"uniqueId": pa.string(), "messageContent": pa.string(), "messageLanguage": pa.string()},
    )
    # Blog and news texts hold line breaks inside their quoted cells.
    return pcsv.read_csv(csv, parse_options=pcsv.ParseOptions(newlines_in_values=True), convert_options=options)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, default=Path("/tmp/sce-bench-beyond.csv.gz"))
    parser.add_argument("--pull", type=int, default=10_000, help="mentions of an incremental pull")
    parser.add_argument(
        "--only", choices=("clusters", "pull", "suggest"), action="append", help="run only these parts (repeatable)"
    )
    args = parser.parse_args(argv)
    table = texts_of(args.csv, args.rows)
    texts = table["messageContent"].combine_chunks()
    n = len(texts)
    print(f"{n:,} mentions; {load()}", flush=True)

    parts = set(args.only or ("clusters", "pull", "suggest"))
    if "clusters" in parts:
        clusters_at_once(texts)
    if "pull" in parts:
        incremental_pull(texts, args.pull)
    if "suggest" in parts:
        suggestions(table, texts)


def clusters_at_once(texts: pa.Array) -> None:
    n = len(texts)
    started = time.perf_counter()
    index = NearDuplicates()
    index.add(texts)
    labels = index.labels()
    all_at_once = time.perf_counter() - started
    sizes = np.bincount(labels)
    print(
        f"near-duplicate clusters of {n:,} mentions, all at once: {all_at_once:.1f} s "
        f"({(sizes > 1).sum():,} clusters of 2 or more, holding {sizes[sizes > 1].sum():,} mentions); {load()}",
        flush=True,
    )


def incremental_pull(texts: pa.Array, pull: int) -> None:
    n = len(texts)
    old, new = texts.slice(0, n - pull), texts.slice(n - pull)
    index = NearDuplicates()
    index.add(old)
    started = time.perf_counter()
    index.add(new)
    index.labels()
    took = time.perf_counter() - started
    print(f"an incremental pull of {pull:,} new mentions against {n - pull:,}: {took:.1f} s; {load()}", flush=True)


def suggestions(table: pa.Table, texts: pa.Array) -> None:
    n = len(texts)
    rng = np.random.default_rng(20)
    rows = np.sort(rng.choice(n, size=min(SAMPLE, n), replace=False))
    sample = texts.take(pa.array(rows)).to_pylist()
    languages = set(table["messageLanguage"].take(pa.array(rows)).to_pylist())
    stop = frozenset().union(*(language_stopwords(str(lang)) for lang in languages))
    for k in (8, 12, 20):
        started = time.perf_counter()
        found = suggest([t or "" for t in sample], k, stop)
        took = time.perf_counter() - started
        print(
            f"suggested topics at {n:,} mentions (a sample of {len(sample):,}), k={k}: {took:.1f} s, "
            f"{len(found)} topics; {load()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
