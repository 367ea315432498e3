"""Backends: the Dashboard's and the Text page's questions asked of each backend of lib/queries/interface.py, each in a
fresh process: the in-memory model, and through Ibis DuckDB over the shared Parquet snapshot and Spark.

    python -m bench.backends --store STORE [--spark]
    python -m bench.backends --build 10000000 --workdir DIR      # generate a store first, 1M at a time

Publishes STORE as a snapshot, then, per backend, starts a process that opens it (as an app replica with
SCE_BACKEND would) and asks, for each filter of the bench sequence, what one Dashboard rerun asks: the count,
the KPIs now and for the period before, eight breakdowns, countries, a cross-tab, authors, hashtags, handles
and link domains, the volume per week and the newest 50 keys; then what the Text page asks (top terms, phrases,
the sentiment check). Prints the median and slowest time per filter change, the start-up time and the peak
memory of the process and its children (Spark's JVM): what each replica needs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench import BREAKDOWNS as DASHBOARD_BREAKDOWNS
from bench.bench import TZ, filter_sequence
from lib.queries.interface import Queries, Scope
from lib.store.local import Store

ROOT = Path(__file__).resolve().parent.parent
NAMES = {
    "model": "in-memory model",
    "duckdb": "DuckDB replica: loaded once, parameterised SQL, one query per scope",
    "duckdb-ibis": "DuckDB replica: loaded once, every question through Ibis",
    "duckdb-parquet": "Ibis → DuckDB over the Parquet snapshot (as it began)",
    "spark": "Ibis → Spark local[2]",
}
WAYS = {"duckdb": {}, "duckdb-ibis": {"sql": False}, "duckdb-parquet": {"load": False}}


def dashboard_round(q: Queries, scope: Scope) -> None:
    """What one Dashboard rerun asks."""
    q.count(scope)
    q.kpis(scope)
    if previous := scope.filters.previous_period():
        q.kpis(Scope(previous, scope.tz))
    q.counts_many(scope, list(DASHBOARD_BREAKDOWNS))  # the grid of bars: one question
    q.counts(scope, "locationCountry")  # the map
    q.crosstab(scope, "sourceService", "messageSentiment")
    q.author_counts(scope)
    q.counts(scope, "authorName", top=16)
    q.counts_many(scope, ["hashtags", "handles", "linkDomains"], top=10)
    q.volume(scope, "week", "messageSentiment")
    q.keys(scope, 50)


def text_round(q: Queries, scope: Scope) -> None:
    """What the Text page's Terms, Phrases and Sentiment check sections ask."""
    vocabulary, n = q.vocabulary(), q.count(scope)
    terms = q.term_counts(scope)
    vocabulary.top_terms_of(terms, n, top=20)
    vocabulary.phrases_of_counts(terms, q.term_counts(scope, "phrases"), n, top=20)
    q.sentiment_grid(scope)


def peak_mb(pid: str = "self") -> float:
    return int(Path(f"/proc/{pid}/status").read_text().split("VmHWM:")[1].split()[0]) / 1024


def with_children_mb() -> float:
    """Peak memory of this process plus its children's (Spark's JVM is a child process of the driver)."""
    children = " ".join(p.read_text() for p in Path("/proc/self/task").glob("*/children")).split()
    return peak_mb() + sum(peak_mb(pid) for pid in children if Path(f"/proc/{pid}").exists())


def one_backend(backend: str, store: Path, folder: Path) -> dict:
    """In this process: open the backend, run the sequence, report times and peak memory."""
    from lib.queries.model import MentionModel

    start = time.perf_counter()
    if backend == "model":
        from lib.queries.interface import ModelQueries

        model = MentionModel.from_store(Store(store))
        q = ModelQueries(model)
        sequence = [f for f in filter_sequence(model) if not f.text]  # text search is cached by the model
    else:
        from lib.queries.engine import IbisStore
        from lib.queries.filters import Filters

        # As an app replica runs: a loading way answers from the Parquet files until its own copy is loaded.
        way = {"background": True, **WAYS[backend]} if backend in WAYS else {}
        if backend != "spark" and os.environ.get("SCE_ENGINE_MEMORY"):  # as an app replica reads it
            way["memory_limit"] = os.environ["SCE_ENGINE_MEMORY"]
        engine = IbisStore(folder, "spark" if backend == "spark" else "duckdb", **way)
        q = engine.queries()
        q.date_bounds(TZ)
        urls = json.loads((folder / "sequence.json").read_text())  # the model's sequence, in its URL form
        sequence = [
            Filters.from_params(lambda key, u=u: [v] if isinstance(v := u.get(key, []), str) else v) for u in urls
        ]
    dashboard_round(q, Scope(sequence[0], TZ))
    started = time.perf_counter() - start  # to the first Dashboard answered (from Parquet while a copy loads)
    loaded = None
    if backend != "model":
        if engine.loader is not None:
            engine.wait_loaded()
            loaded = time.perf_counter() - start
            if engine.loader.errors:
                raise SystemExit(f"the load failed: {engine.loader.errors}")
        q = engine.queries()
    dashboard_round(q, Scope(sequence[0], TZ))  # warm up: first reads, caches
    text_round(q, Scope(sequence[0], TZ))
    times, text_times = [], []
    forget = getattr(getattr(q, "store", None), "answers", None)  # each rerun measured as a scope's first
    for filters in sequence:
        if forget is not None:
            forget.clear()
        began = time.perf_counter()
        dashboard_round(q, Scope(filters, TZ))
        times.append(time.perf_counter() - began)
        if forget is not None:
            forget.clear()
        began = time.perf_counter()
        text_round(q, Scope(filters, TZ))
        text_times.append(time.perf_counter() - began)
    return {"times": times, "text": text_times, "start": started, "loaded": loaded, "peak_mb": with_children_mb()}


def build(mentions: int, workdir: Path) -> Path:
    """A store of ``mentions`` generated mentions, imported 1M at a time (each batch a new seed)."""
    from lib.sources.demo import generate
    from lib.sources.ingest import import_file

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


def run_backend(backend: str, store: Path, folder: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.backends", "--one", backend, "--store", str(store), "--folder", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode:  # say why, not only that it failed
        raise SystemExit(f"the {backend} process failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="the store to publish and query")
    parser.add_argument("--build", type=int, default=0, help="generate a store of this many mentions instead")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()), help="where --build writes")
    parser.add_argument("--spark", action="store_true", help="also on a local Spark session (Java 17)")
    parser.add_argument(
        "--ways", action="store_true", help="also DuckDB every question through Ibis, and over the Parquet files"
    )
    parser.add_argument(
        "--shared", type=Path, help="publish the snapshot into this folder and keep it (a later run reuses it)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of every backend, interleaved; medians")
    parser.add_argument(
        "--no-model",
        action="store_true",
        help="leave out the in-memory model (at 10M it needs about 9 GB, twice over while the sequence is chosen)",
    )
    parser.add_argument("--one", choices=tuple(NAMES), help=argparse.SUPPRESS)  # a child process: one backend
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_backend(args.one, args.store, args.folder)))
        return
    if args.build:
        args.store = build(args.build, args.workdir)
    if args.store is None:
        parser.error("give --store or --build")
    from lib.queries.filters import Filters
    from lib.queries.model import MentionModel
    from lib.store.snapshot import publish

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.shared or Path(tmp) / "shared"
        start = time.perf_counter()
        publish(Store(args.store), folder)
        print(f"published the snapshot in {time.perf_counter() - start:.1f} s", flush=True)
        backends = [] if args.no_model else ["model"]
        if args.no_model:  # the sequence's dates from the snapshot: no model of the whole store in this process
            from lib.queries.engine import IbisStore

            asked = IbisStore(folder, "duckdb", load=False).queries()
            n = asked.count(Scope(Filters(), TZ))
        else:
            asked = MentionModel.from_store(Store(args.store))
            n = asked.n
        sequence = [f.to_params() for f in filter_sequence(asked) if not f.text]
        (folder / "sequence.json").write_text(json.dumps(sequence))
        del asked
        print(f"{n:,} mentions; {len(sequence)} filter changes, each one Dashboard rerun", flush=True)
        backends += ["duckdb"]
        backends += ["duckdb-ibis", "duckdb-parquet"] if args.ways else []
        backends += ["spark"] if args.spark else []
        runs: dict[str, list[dict]] = {b: [] for b in backends}
        print(f"load average before: {load_average()}", flush=True)
        for run in range(args.repeat):
            for backend in backends:
                r = run_backend(backend, args.store, folder)
                runs[backend].append(r)
                print(f"  run {run + 1}, {backend}: {row(r)}", flush=True)
        print(f"load average after: {load_average()}", flush=True)
        print(
            "| backend | Dashboard rerun, median | slowest | Text page rerun, median | first Dashboard "
            "| own copy loaded | peak memory (process + JVM) |"
        )
        print("|---|---|---|---|---|---|---|")
        for backend, results in runs.items():
            merged = {
                "times": [statistics.median(r["times"]) for r in results],
                "slowest": statistics.median(max(r["times"]) for r in results),
                "text": [statistics.median(r["text"]) for r in results],
                "start": statistics.median(r["start"] for r in results),
                "loaded": statistics.median(r["loaded"] for r in results) if results[0]["loaded"] else None,
                "peak_mb": statistics.median(r["peak_mb"] for r in results),
            }
            print(f"| {NAMES[backend]} | {row(merged)} |", flush=True)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def row(r: dict) -> str:
    """Median Dashboard rerun, slowest, median Text rerun, start-up, peak memory: one table row's cells."""
    slowest = r.get("slowest", max(r["times"]))
    return (
        f"{statistics.median(r['times']) * 1e3:,.0f} ms | {slowest * 1e3:,.0f} ms "
        f"| {statistics.median(r['text']) * 1e3:,.0f} ms | {r['start']:.1f} s "
        f"| {f'{loaded:.1f} s' if (loaded := r.get('loaded')) else '–'} | {r['peak_mb']:,.0f} MB"
    )


if __name__ == "__main__":
    main()
