"""Benchmark of issue 20's text features at N mentions: near-duplicate clustering (what it adds to an ingest,
all at once and for a pull of new mentions) and a suggested-topics run.

    python -m bench.beyond --rows 1000000 --csv /tmp/mentions-1m.csv.gz

The mentions come from the demo generator (written to ``--csv`` once and read again on later runs). Prints
one line per figure, with the machine's load average (the machine is shared: a busy one inflates them).

What the clusters kept in the store cost (lib/store/near_duplicates.py), each part in a process of its own (the
peak memory printed is the process's):

    python -m bench.beyond --only ingest --import-csv mentions-realistic-100000.csv --workdir W
    python -m bench.beyond --only backfill --store COPY-OF-A-1M-STORE.duckdb     # a store written before them
    python -m bench.beyond --only store-pull --store THAT-STORE --import-csv mentions-realistic-100000.csv
    python -m bench.beyond --only recluster --store THAT-STORE --pull 10000
    python -m bench.beyond --only store-suggest --store THAT-STORE
    python -m bench.beyond --only store-rising --store THAT-STORE

``ingest`` imports the file into a new store with and without the clustering (the difference is its cost);
``backfill`` clusters a store written before the clusters were kept; ``store-pull`` imports ``--pull`` new
mentions into it (their keys made new) with the clustering and without; ``recluster`` drops the clusters of
the store's ``--pull`` newest mentions and computes them again against the rest (a pull's clustering alone, on
a store that cannot take a pull); ``store-suggest`` times a suggested-topics
run through the query interface on the store's in-memory model, step by step.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from lib.queries.interface import ModelQueries, Scope
from lib.queries.model import MentionModel
from lib.queries.suggest import SEED, stopwords_of
from lib.sources.demo import generate, to_csv_gz
from lib.sources.ingest import import_file
from lib.store import near_duplicates
from lib.store.local import Store
from lib.text.near_duplicates import NearDuplicates
from lib.text.stopwords import language_stopwords
from lib.text.suggest import SAMPLE, suggest
from lib.text.terms import Stoplist


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
        "--only",
        choices=(
            "clusters",
            "pull",
            "suggest",
            "ingest",
            "backfill",
            "store-pull",
            "recluster",
            "store-suggest",
            "store-rising",
        ),
        action="append",
        help="run only these parts (repeatable)",
    )
    parser.add_argument("--import-csv", type=Path, help="an export file to import (ingest, store-pull)")
    parser.add_argument("--store", type=Path, help="a store to work on (backfill, store-pull, store-suggest)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sce-bench-beyond"))
    args = parser.parse_args(argv)
    store_parts = {"ingest", "backfill", "store-pull", "recluster", "store-suggest", "store-rising"}
    wanted = set(args.only or ())
    if wanted & {"ingest", "store-pull"} and args.import_csv is None:
        parser.error("--only ingest and store-pull import a file: give it with --import-csv")
    if wanted & (store_parts - {"ingest"}) and args.store is None:
        parser.error("--only backfill, store-pull, recluster and store-suggest work on a store: give it with --store")
    if wanted & store_parts:
        if "ingest" in args.only:
            ingest_cost(args.import_csv, args.workdir)
        if "backfill" in args.only:
            backfill(args.store)
        if "store-pull" in args.only:
            store_pull(args.store, args.import_csv, args.pull)
        if "recluster" in args.only:
            recluster(args.store, args.pull)
        if "store-suggest" in args.only:
            store_suggest(args.store)
        if "store-rising" in args.only:
            store_rising(args.store)
        return
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


def peak() -> str:
    return f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"


def ingest_cost(csv: Path, workdir: Path) -> None:
    """An import of ``csv`` into a new store, without the near-duplicate clustering, then with it."""
    workdir.mkdir(parents=True, exist_ok=True)
    took = {}
    for clustering in (False, True):
        near_duplicates.ENABLED = clustering
        path = workdir / f"ingest-{'with' if clustering else 'without'}.duckdb"
        for old in workdir.glob(f"{path.name}*"):
            old.unlink()
        started = time.perf_counter()
        outcome = import_file(Store(path), csv, csv.name)
        took[clustering] = time.perf_counter() - started
        rows = outcome.result.rows_in
        print(
            f"import of {rows:,} mentions ({csv.name}) {'with' if clustering else 'without'} the near-duplicate "
            f"clustering: {took[clustering]:.1f} s; {load()}",
            flush=True,
        )
    near_duplicates.ENABLED = True
    added = took[True] - took[False]
    print(
        f"the clustering adds {added:.1f} s to an import of {rows:,} ({added / max(took[False], 1e-9):.0%}); "
        f"x{1_000_000 / rows:.0f}: ~{added * 1_000_000 / rows:.0f} s at 1M; {peak()}",
        flush=True,
    )


def backfill(path: Path) -> None:
    """The clusters of a store written before they were kept: the migration and its streamed backfill."""
    store = Store(path)
    print(f"{path}: schema {store.schema_version()}, {store.count():,} mentions; {load()}", flush=True)
    started = time.perf_counter()
    store.ensure_schema()
    took = time.perf_counter() - started
    clusters = store.query("SELECT count(*) AS n, count(DISTINCT cluster) AS c FROM near_duplicates").iloc[0]
    print(
        f"backfill of the near-duplicate clusters: {took:.1f} s for {clusters['n']:,} mentions "
        f"({clusters['c']:,} clusters); {peak()}; {load()}",
        flush=True,
    )


def store_pull(path: Path, csv: Path, rows: int) -> None:
    """``rows`` new mentions (the file's first rows, their keys made new) imported into the store at ``path``,
    with the clustering, then as many others without it."""
    import pandas as pd

    store = Store(path)
    n = store.count()
    head = pd.read_csv(csv, dtype=str, keep_default_na=False, nrows=2 * rows)
    for clustering, part in ((True, head.iloc[:rows]), (False, head.iloc[rows:])):
        part = part.assign(uniqueId="pull-" + str(time.time_ns()) + "-" + part["uniqueId"])
        data = io.BytesIO(part.to_csv(index=False).encode())
        near_duplicates.ENABLED = clustering
        started = time.perf_counter()
        import_file(store, data, "pull.csv")
        took = time.perf_counter() - started
        print(
            f"a pull of {len(part):,} new mentions into a store of {n:,}, {'with' if clustering else 'without'} the "
            f"clustering: {took:.1f} s; {load()}",
            flush=True,
        )
    near_duplicates.ENABLED = True


def recluster(path: Path, rows: int) -> None:
    """The clusters of the ``rows`` newest mentions dropped, then computed again against all the others: what
    the clustering of a pull of ``rows`` new mentions costs (the store's backfill path, which a pull shares)."""
    store = Store(path)
    with store._writer() as con:
        con.execute("BEGIN TRANSACTION")
        first = int(con.execute("SELECT max(item) + 1 - ? FROM near_duplicates", [rows]).fetchall()[0][0])
        before = con.execute(
            'SELECT "uniqueId", cluster FROM near_duplicates WHERE item >= ? ORDER BY "uniqueId"', [first]
        ).fetchall()
        con.execute("DELETE FROM near_duplicates WHERE item >= ?", [first])
        last = "(SELECT max(text) FROM near_duplicates)"
        con.execute(f"DELETE FROM near_duplicate_texts WHERE text > {last}")
        con.execute(f"DELETE FROM near_duplicate_bands WHERE text > {last}")
        con.execute("COMMIT")
    n = store.count()
    started = time.perf_counter()
    with store._writer_lock(30.0):
        done = store.fill_clusters(rows=rows)
    took = time.perf_counter() - started
    keys = [key for key, _ in before]
    after = store.query(
        'SELECT "uniqueId", cluster FROM near_duplicates WHERE "uniqueId" IN (SELECT unnest(?::VARCHAR[])) '
        'ORDER BY "uniqueId"',
        [keys],
    )
    # Not an exact replay: the band listings that the dropped mentions added to older clusters stay in the index
    # (it does not record which text added a listing), so a text may now meet an older cluster it did not meet
    # the first time. The share that differs says how much; tests/test_near_duplicates.py proves the exact
    # equality of a write in parts and a one-shot run.
    same = float(np.mean(np.asarray([c for _, c in before]) == after["cluster"].to_numpy())) if before else 1.0
    print(
        f"the clusters of {done:,} new mentions against {n - done:,} (a pull's clustering): {took:.1f} s "
        f"({same:.1%} the same clusters as before, with the dropped mentions' band listings kept); {peak()}; "
        f"{load()}",
        flush=True,
    )


def store_rising(path: Path) -> None:
    """What is rising and the Campaigns list on the store's in-memory model: each asked the first time, and again
    (what the model's caches save)."""
    from lib.queries.campaigns import campaigns
    from lib.queries.rising import rising

    model = MentionModel.from_store(Store(path))
    q = ModelQueries(model)
    asks = {
        "rising words, last week against 7 before": lambda: rising(q, Scope(), "week", 8, "word"),
        "rising hashtags, last day against 30 before": lambda: rising(q, Scope(), "day", 31, "hashtag"),
        "rising phrases, last 30 days against 3 before": lambda: rising(q, Scope(), "month", 4, "phrase"),
        "the 50 largest campaigns": lambda: campaigns(q, Scope(), 50, "mentions"),
        "the 50 campaigns that came in together": lambda: campaigns(q, Scope(), 50, "burst"),
    }
    for name, ask in asks.items():
        t0 = time.perf_counter()
        found = ask()
        t1 = time.perf_counter()
        ask()
        t2 = time.perf_counter()
        rows = len(found.table) if hasattr(found, "table") else len(found)
        print(
            f"{name} at {model.n:,} mentions: {t1 - t0:.2f} s, again {t2 - t1:.2f} s ({rows} rows); {load()}",
            flush=True,
        )


def store_suggest(path: Path, k: int = 12) -> None:
    """A suggested-topics run on the store's in-memory model, step by step (as lib/queries/suggest.py runs it)."""
    started = time.perf_counter()
    model = MentionModel.from_store(Store(path))
    print(f"model of {model.n:,} mentions built in {time.perf_counter() - started:.1f} s; {load()}", flush=True)
    q = ModelQueries(model)
    scope = Scope()
    steps = {}
    for _ in range(2):  # the second run: what a rerun of another k costs (the sample's texts are read again)
        t0 = time.perf_counter()
        q.count(scope)
        t1 = time.perf_counter()
        rows = q.texts(scope, SAMPLE, seed=SEED)
        t2 = time.perf_counter()
        stop = stopwords_of(q, scope, Stoplist())
        t3 = time.perf_counter()
        found = suggest([t or "" for _, t in rows], k, stop)
        t4 = time.perf_counter()
        steps = {"count": t1 - t0, "sample and read texts": t2 - t1, "stopwords": t3 - t2, "suggest": t4 - t3}
    shown = ", ".join(f"{name} {took:.1f} s" for name, took in steps.items())
    print(
        f"suggested topics at {model.n:,} mentions (sample {len(rows):,}), k={k}: {sum(steps.values()):.1f} s "
        f"({shown}), {len(found)} topics; {load()}",
        flush=True,
    )


if __name__ == "__main__":
    main()
