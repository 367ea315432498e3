"""Backends: the same questions asked of the in-memory model and, through Ibis, of DuckDB over the shared
Parquet snapshot and of Spark (local[2]).

    python -m bench.backends --store STORE [--spark]

Publishes STORE as a snapshot, then for each filter of the bench sequence asks what a Dashboard asks most:
the count, three breakdowns, the tag counts, the volume per day and the newest 50 keys. Prints the median
time per filter change for each backend and the memory each process holds for it.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench import TZ, filter_sequence
from lib.ibis_store import IbisStore
from lib.model import MentionModel
from lib.snapshot import publish
from lib.store import Store

COLUMNS = ("messageSentiment", "sourceService", "locationCountry")


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def model_round(model: MentionModel, filters) -> None:
    mask = model.mask(filters, TZ)
    for column in (*COLUMNS, "tags"):
        model.counts(column, mask)
    model.volume(mask, "day", "messageSentiment", TZ)
    model.page(mask, 50)


def ibis_round(store: IbisStore, filters) -> None:
    store.count(filters)
    for column in COLUMNS:
        store.counts(column, filters)
    store.tag_counts(filters)
    store.volume(filters)
    store.page(filters, 50)


def timed_rounds(run, sequence) -> list[float]:
    run(sequence[0])  # warm up: first load, caches, JIT
    times = []
    for filters in sequence:
        start = time.perf_counter()
        run(filters)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--spark", action="store_true", help="also on a local Spark session (Java 17)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "shared"
        start = time.perf_counter()
        publish(Store(args.store), folder)
        print(f"published the snapshot in {time.perf_counter() - start:.1f} s", flush=True)
        base = rss_mb()
        start = time.perf_counter()
        model = MentionModel.from_store(Store(args.store))
        load = time.perf_counter() - start
        sequence = [f for f in filter_sequence(model) if not f.text]  # no text search: the model caches it
        rows = [("in-memory model (each replica)", timed_rounds(lambda f: model_round(model, f), sequence), load)]
        held = rss_mb() - base
        model = None  # let the model go before the next backend is measured
        gc.collect()
        duck = IbisStore(folder, "duckdb")
        rows.append(
            ("Ibis → DuckDB over the Parquet snapshot", timed_rounds(lambda f: ibis_round(duck, f), sequence), 0)
        )
        if args.spark:
            start = time.perf_counter()
            spark = IbisStore(folder, "spark")
            started = time.perf_counter() - start
            rows.append(("Ibis → Spark local[2]", timed_rounds(lambda f: ibis_round(spark, f), sequence), started))
        print("| backend | median per filter change | slowest | start-up |")
        print("|---|---|---|---|")
        for name, times, setup in rows:
            print(f"| {name} | {statistics.median(times) * 1e3:,.0f} ms | {max(times) * 1e3:,.0f} ms | {setup:.1f} s |")
        print(f"memory the model holds in a process: {held:,.0f} MB; the Ibis backends hold no copy of the data")


if __name__ == "__main__":
    main()
