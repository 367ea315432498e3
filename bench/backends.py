"""Backends: the same questions asked of the in-memory model and, through Ibis, of DuckDB over the shared
Parquet snapshot and of Spark (local[2]), and how much memory a replica needs for the in-memory model.

    python -m bench.backends --store STORE [--spark]
    python -m bench.backends --build 10000000 --workdir DIR      # generate a store first, 1M at a time

Publishes STORE as a snapshot, then for each filter of the bench sequence asks what a Dashboard asks most:
the count, three breakdowns, the tag counts, the volume per day and the newest 50 keys. Prints the median
time per filter change for each backend and the memory each process holds for it.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench import TZ, filter_sequence
from lib.ibis_store import IbisStore
from lib.model import MentionModel
from lib.snapshot import publish
from lib.store import Store

COLUMNS = ("messageSentiment", "sourceService", "locationCountry")
ROOT = Path(__file__).resolve().parent.parent


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


MODEL_PEAK = """
import sys
from lib.model import MentionModel
from lib.store import Store
MentionModel.from_store(Store(sys.argv[1]))
print(int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024)
"""


def model_peak_mb(store: Path) -> float:
    """Peak memory of a fresh process that loads the model: what each replica pays at start-up."""
    out = subprocess.run(
        [sys.executable, "-c", MODEL_PEAK, str(store)], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return float(out.stdout.strip().splitlines()[-1])


def build(mentions: int, workdir: Path) -> Path:
    """A store of ``mentions`` generated mentions, imported 1M at a time (each batch a new seed)."""
    from lib.demo import generate
    from lib.ingest import import_file

    store = Store(workdir / f"backends-{mentions}.duckdb")
    have = store.count()
    for batch, start in enumerate(range(0, mentions, 1_000_000)):
        if start < have:
            continue
        size = min(1_000_000, mentions - start)
        began = time.perf_counter()
        import_file(store, generate(size, seed=1000 + batch).to_csv(index=False).encode(), f"batch-{batch}.csv")
        print(f"  batch {batch + 1}: {size:,} mentions in {time.perf_counter() - began:.0f} s", flush=True)
    return store.path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="the store to publish and query")
    parser.add_argument("--build", type=int, default=0, help="generate a store of this many mentions instead")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()), help="where --build writes")
    parser.add_argument("--spark", action="store_true", help="also on a local Spark session (Java 17)")
    args = parser.parse_args(argv)
    if args.build:
        args.store = build(args.build, args.workdir)
    if args.store is None:
        parser.error("give --store or --build")
    print(f"peak memory of a process that loads the model: {model_peak_mb(args.store):,.0f} MB", flush=True)
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
