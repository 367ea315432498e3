"""The whole-data paths at any size: generate, import, publish, export and migrate, with the time and peak memory
of each.

    python -m bench.stream --rows 10000000                # the 10M run (about 9 GB of CSV: check df -h first)
    python -m bench.stream --rows 10000000 --replicate    # the store made by copying the demo data in SQL
    python -m bench.stream --rows 10000000 --from-csv 1M.csv --steps generate import   # a 1M export ten times
    python -m bench.stream --rows 1000000 --steps export --workdir W --keep   # one step, on W's store
    python -m bench.stream --rows 10000000 --steps migrate --migrate-rows 1000000 --workdir W --keep

Each step runs in a process of its own, as a scheduled job would (``python -m lib import`` and ``export``; the
publish that ``--publish`` does after a write), and reports its time and its own peak resident memory (the
kernel's ``VmHWM``); an import also reports its peak with its enrichment workers (sampled). ``generate`` writes a
CSV export of demo mentions (lib/sources/demo.py), or with ``--from-csv`` repeats a given export under new ids (the
generator's realistic texts take about an hour at 10M here; a repeat takes minutes, each text then occurring once
per repeat, so the import's near-duplicate step sees groups of copies). With ``--replicate`` it instead imports the
shipped demo file and copies its mentions and their enrichment under new keys in SQL (dates moved a minute per
copy): a large store in a minute or two, for the publish and export steps. The export writes every mention, every
column, with a 0/1 column per saved text topic (the demo's). ``migrate`` copies the store (its first
``--migrate-rows`` mentions) as the oldest schema the app migrates from (version 1: no entity columns, no
enrichment; or with ``--migrate-from 3`` the one before the near-duplicate clusters) and opens it, which migrates it
(lib/store/migrate.py, and the clusters' backfill); the copy is deleted after.
"""

from __future__ import annotations

import argparse
import csv as csv_module
import shutil
import time
from pathlib import Path

import duckdb

from bench.import_memory import measure_command, write_csv
from lib.mentions.normalize import COLUMNS, ENTITY_COLUMNS
from lib.sources.demo import DEMO_TOPICS
from lib.sources.ingest import ensure_demo_store
from lib.store.local import Store, sql_string
from lib.text.topics import TopicSet, save_topics

STEPS = ("generate", "import", "publish", "export", "migrate")
V1_COLUMNS = [c for c in COLUMNS if c not in ENTITY_COLUMNS]  # the mentions of a version 1 store
_V1_TYPES = {"tags": "VARCHAR[]", "dateAdded": "TIMESTAMP", "datePublished": "TIMESTAMP"}


def replicate(store: Store, rows: int) -> None:
    """A store of ``rows`` mentions: the demo data imported, then copied under new keys until there are ``rows``,
    with their enrichment and near-duplicate clusters (a copy's text is its original's: the same cluster, or a
    cluster of its own for a text too short to cluster). About a million mentions per transaction: one 10M
    transaction ran out of the 1 GB given to it committing."""
    ensure_demo_store(store)
    base = store.count()
    copies = -(-rows // base)
    moved = "m.dateAdded + to_minutes(r.i) AS dateAdded, m.datePublished + to_minutes(r.i) AS datePublished"
    original = "WHERE \"uniqueId\" NOT LIKE '%~%'"
    with store._writer() as con:
        con.execute("SET preserve_insertion_order = false")  # a bulk copy: no order to keep, less memory
        con.execute("SET memory_limit = '1GB'")  # the writer's default is most of the machine: 6.4 GB at 10M
        items = int(con.execute(f"SELECT coalesce(max(item), -1) + 1 FROM near_duplicates {original}").fetchone()[0])
        per = max(1, 1_000_000 // base)
        for lo in range(1, copies, per):
            copy = f"range({lo}, {min(lo + per, copies)}) r(i)"
            with store._rewrite(con):
                for table, dates in (("mentions", f", {moved}"), ("enrichment", "")):
                    con.execute(
                        f'INSERT INTO {table} SELECT m.* REPLACE (m."uniqueId" || \'~\' || r.i AS "uniqueId"{dates}) '
                        f"FROM (SELECT * FROM {table} {original}) AS m, {copy}"
                    )
                con.execute(
                    "INSERT INTO near_duplicates SELECT d.\"uniqueId\" || '~' || r.i, d.item + r.i * ?, d.text, "
                    "CASE WHEN t.usable THEN d.cluster ELSE d.item + r.i * ? END "
                    f"FROM (SELECT * FROM near_duplicates {original}) d JOIN near_duplicate_texts t USING (text), "
                    + copy,
                    [items, items],
                )
        if extra := base * copies - rows:  # the last copy in part
            last = f"%~{copies - 1}"
            with store._rewrite(con):
                con.execute(
                    'DELETE FROM mentions WHERE "uniqueId" IN (SELECT "uniqueId" FROM mentions WHERE "uniqueId" LIKE ? '
                    f"LIMIT {extra})",
                    [last],
                )
                for table in ("enrichment", "near_duplicates"):
                    con.execute(
                        f'DELETE FROM {table} WHERE "uniqueId" LIKE ? AND "uniqueId" NOT IN '
                        '(SELECT "uniqueId" FROM mentions WHERE "uniqueId" LIKE ?)',
                        [last, last],
                    )


def repeat_csv(source: Path, dest: Path, rows: int) -> None:
    """``rows`` mentions as one CSV: ``source``'s rows, repeated with ``~k`` added to the ids of the k-th repeat
    (its first repeat as it is), streamed row by row."""
    done, k = 0, 0
    with open(dest, "w", newline="", encoding="utf-8") as out:
        writer = csv_module.writer(out)
        while done < rows:
            with open(source, newline="", encoding="utf-8") as handle:
                reader = csv_module.reader(handle)
                header = next(reader)
                if not k:
                    writer.writerow(header)
                unique = header.index("uniqueId")
                for row in reader:
                    if done == rows:
                        break
                    if k:
                        row[unique] = f"{row[unique]}~{k}"
                    writer.writerow(row)
                    done += 1
            if done == 0:
                raise SystemExit(f"{source} has no mentions")
            k += 1


def old_copy(store: Store, dest: Path, rows: int | None = None) -> None:
    """A copy of ``store`` (its first ``rows`` mentions) as a version 1 store: the mentions without their entity
    columns, no vocabulary and no enrichment, its log, id and version kept. Copied by DuckDB in one statement per
    table, in bounded memory."""
    names = ", ".join(f'"{c}"' for c in V1_COLUMNS)
    con = duckdb.connect(str(dest), config={"memory_limit": "256MB", "threads": 2})
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH {sql_string(str(store.path))} AS src (READ_ONLY)")
        con.execute(
            "CREATE TABLE mentions ("
            + ", ".join(f'"{c}" {_V1_TYPES.get(c, "VARCHAR")}' for c in V1_COLUMNS)
            + ', PRIMARY KEY ("uniqueId"))'
        )
        limit = "" if rows is None else f" LIMIT {int(rows)}"
        con.execute(f"INSERT INTO mentions SELECT {names} FROM (SELECT * FROM src.mentions ORDER BY rowid{limit})")
        con.execute("CREATE TABLE ingest_log AS SELECT * FROM src.ingest_log")
        con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO meta SELECT key, CASE key WHEN 'schema_version' THEN '1' ELSE value END FROM src.meta")
    finally:
        con.close()


def previous_copy(store: Store, dest: Path, rows: int | None = None) -> None:
    """A copy of ``store`` (its first ``rows`` mentions, their enrichment) as the schema before the near-duplicate
    clusters were kept (version 3): every table but the clusters', with its keys, its log, id and version kept.
    Opening it migrates it by the clusters' backfill (lib/store/near_duplicates.py). Copied by DuckDB, a statement
    per table, in bounded memory."""
    con = duckdb.connect(str(dest), config={"memory_limit": "1GB", "threads": 2})
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH {sql_string(str(store.path))} AS src (READ_ONLY)")
        tables = con.execute("SELECT table_name, sql FROM duckdb_tables() WHERE database_name = 'src'").fetchall()
        limit = "" if rows is None else f" ORDER BY rowid LIMIT {int(rows)}"
        tables = sorted((t for t in tables if not t[0].startswith("near_duplicate")), key=lambda t: t[0] != "mentions")
        for _, ddl in tables:
            con.execute(ddl)
        for table, _ in tables:  # the mentions first: the enrichment copied is that of the mentions copied
            if table == "mentions":
                con.execute(f"INSERT INTO mentions SELECT * FROM src.mentions{limit}")
            elif table == "enrichment":
                con.execute('INSERT INTO enrichment SELECT * FROM src.enrichment SEMI JOIN mentions USING ("uniqueId")')
            else:
                con.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    finally:
        con.close()


def _migrate_code(store: Path) -> str:
    return (
        "from lib.store.local import Store; s = Store(" + repr(str(store)) + "); s.ensure_schema(); "
        "print(f'migrated {s.count():,} mentions to schema {s.schema_version()}')"
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
    parser.add_argument("--migrate-rows", type=int, default=None, help="mentions of the migrated copy (all)")
    parser.add_argument(
        "--migrate-from",
        type=int,
        choices=(1, 3),
        default=1,
        help="the schema the copy is migrated from: 1, the oldest (entities and enrichment made again), or 3, the "
        "one before the clusters (their backfill)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the files (default: delete the folder at the end)")
    parser.add_argument("--mix", choices=("realistic", "short"), default="realistic", help="text lengths generated")
    parser.add_argument("--distinct", type=int, default=250_000, help="mentions generated per repeat of the CSV")
    parser.add_argument(
        "--from-csv",
        type=Path,
        help="make the CSV from this export, repeated under new ids, instead of generating it (minutes instead of "
        "the generator's hour at 10M; every text then occurs once per repeat)",
    )
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
            elif step == "generate" and args.from_csv:
                repeat_csv(args.from_csv, csv, args.rows)
                figures = f"CSV {csv.stat().st_size / 1e9:.1f} GB (copies of {args.from_csv.name})"
            elif step == "generate":
                write_csv(args.rows, csv, distinct=args.distinct, mix=args.mix)
                figures = f"CSV {csv.stat().st_size / 1e9:.1f} GB ({args.mix} texts)"
            elif step == "import":
                result = measure_command(["import", str(csv), "--store", str(store)])
                figures = f"{_peaks(result)}, store {store.stat().st_size / 1e9:.1f} GB; {result['summary']}"
                csv.unlink(missing_ok=True)
            elif step == "migrate":
                old = work / "old.duckdb"
                for path in (old, old.with_name("old.duckdb.wal"), old.with_name("old.duckdb.version")):
                    path.unlink(missing_ok=True)
                (old_copy if args.migrate_from == 1 else previous_copy)(Store(store), old, args.migrate_rows)
                copied = time.perf_counter() - start
                start = time.perf_counter()
                try:
                    result = measure_command([], code=_migrate_code(old))
                finally:
                    for path in old.parent.glob("old.duckdb*"):
                        path.unlink(missing_ok=True)
                figures = (
                    f"{_peaks(result)}; {result['summary']} (the version {args.migrate_from} copy took {copied:.0f} s)"
                )
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
