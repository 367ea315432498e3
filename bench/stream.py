"""The whole-data paths at any size: generate, import, publish and export, with the time and peak memory of each.

    python -m bench.stream --rows 10000000                # the 10M run (about 5 GB of CSV: check df -h first)
    python -m bench.stream --rows 10000000 --replicate    # the store made by copying the demo data in SQL
    python -m bench.stream --rows 1000000 --steps export --workdir W --keep   # one step, on W's store

Each step runs in a process of its own, as a scheduled job would (``python -m lib import`` and ``export``; the
publish that ``--publish`` does after a write), and reports its time and its own peak resident memory (the
kernel's ``VmHWM``); an import also reports its peak with its enrichment workers (sampled). ``generate`` writes a
CSV export of demo mentions (lib/sources/demo.py). With ``--replicate`` it instead imports the shipped demo file
and copies its mentions and their enrichment under new keys in SQL (dates moved a minute per copy): a large store
in a minute or two, for the publish and export steps. The export writes every mention, every column, with a 0/1
column per saved text topic (the demo's).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from bench.import_memory import measure_command, write_csv
from lib.sources.demo import DEMO_TOPICS
from lib.sources.ingest import ensure_demo_store
from lib.store.local import Store
from lib.text.topics import TopicSet, save_topics

STEPS = ("generate", "import", "publish", "export")


def replicate(store: Store, rows: int) -> None:
    """A store of ``rows`` mentions: the demo data imported, then copied under new keys until there are ``rows``."""
    ensure_demo_store(store)
    base = store.count()
    copies = -(-rows // base)
    moved = "m.dateAdded + to_minutes(r.i) AS dateAdded, m.datePublished + to_minutes(r.i) AS datePublished"
    with store._writer() as con, store._rewrite(con):
        con.execute("SET preserve_insertion_order = false")  # a bulk copy: no order to keep, less memory
        for table, dates in (("mentions", f", {moved}"), ("enrichment", "")):
            con.execute(
                f'INSERT INTO {table} SELECT m.* REPLACE (m."uniqueId" || \'~\' || r.i AS "uniqueId"{dates}) '
                f"FROM (SELECT * FROM {table} WHERE \"uniqueId\" NOT LIKE '%~%') AS m, range(1, {copies}) r(i)"
            )
        if extra := base * copies - rows:  # the last copy in part
            last = f"%~{copies - 1}"
            con.execute(
                'DELETE FROM mentions WHERE "uniqueId" IN (SELECT "uniqueId" FROM mentions WHERE "uniqueId" LIKE ? '
                f"LIMIT {extra})",
                [last],
            )
            con.execute(
                'DELETE FROM enrichment WHERE "uniqueId" LIKE ? AND "uniqueId" NOT IN '
                '(SELECT "uniqueId" FROM mentions WHERE "uniqueId" LIKE ?)',
                [last, last],
            )


def _publish_code(store: Path, shared: Path) -> str:
    return (
        "from lib.store.local import Store; from lib.store.snapshot import publish; "
        f"print('published', publish(Store({str(store)!r}), {str(shared)!r}))"
    )


def _peaks(result: dict) -> str:
    text = f"peak {result['maxrss_mb']:,.0f} MB"
    if result["tree_mb"] > result["maxrss_mb"] + 1:
        text += f" (with its enrichment workers {result['tree_mb']:,.0f} MB)"
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="mentions")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--replicate", action="store_true", help="make the store in SQL instead of importing a CSV")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sce-stream"), help="CSV, store, snapshot, export")
    parser.add_argument("--keep", action="store_true", help="keep the files (default: delete the folder at the end)")
    args = parser.parse_args(argv)
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    csv, store, shared, out = work / "mentions.csv", work / "store.duckdb", work / "shared", work / "export.csv"
    print(f"{args.rows:,} mentions, in {work}", flush=True)
    try:
        for step in args.steps:
            if step == "import" and args.replicate:
                continue
            start = time.perf_counter()
            if step == "generate" and args.replicate:
                replicate(Store(store), args.rows)
                figures = f"store of {Store(store).count():,} mentions, {store.stat().st_size / 1e9:.1f} GB"
            elif step == "generate":
                write_csv(args.rows, csv)
                figures = f"CSV {csv.stat().st_size / 1e9:.1f} GB"
            elif step == "import":
                result = measure_command(["import", str(csv), "--store", str(store)])
                figures = f"{_peaks(result)}, store {store.stat().st_size / 1e9:.1f} GB; {result['summary']}"
                csv.unlink(missing_ok=True)
            elif step == "publish":
                shutil.rmtree(shared, ignore_errors=True)
                result = measure_command([], code=_publish_code(store, shared))
                size = sum(p.stat().st_size for p in shared.rglob("*.parquet"))
                figures = f"{_peaks(result)}, snapshot {size / 1e9:.1f} GB"
            else:
                save_topics(store, TopicSet.from_json(DEMO_TOPICS.read_text()))
                result = measure_command(["export", "--store", str(store), "--out", str(out)])
                figures = f"{_peaks(result)}, CSV {out.stat().st_size / 1e9:.1f} GB; {result['summary']}"
            print(f"{step:<9} {time.perf_counter() - start:8.1f} s   {figures}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
