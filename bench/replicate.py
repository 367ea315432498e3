"""A large store from a smaller one: its mentions (and their enrichment) copied under new keys, in DuckDB.

    python -m bench.replicate --store /tmp/b/store-realistic-100000.duckdb --times 10 \\
        --out /tmp/b/bench-realistic-1000000.duckdb

For memory and speed figures at a size whose import would take longer than the time there is to measure it (an
import is timed on its own, ``bench.import_memory``, and streams in batches, so its time grows linearly and its
peak stays flat): each copy k keeps every value but the key, ``uniqueId`` + ``~k``; the copies have no key index
(CREATE TABLE AS), so the result is for reading only. The texts, lengths and
term rows are those of the source, repeated; the vocabulary is the source's.
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path

import duckdb

from lib.store.local import Store


def replicate(source: Path, times: int, out: Path) -> None:
    """One pass in DuckDB: the mentions and their enrichment ``times`` over (copy 0 keeps its keys), the other
    tables as they are. The copies are made with CREATE TABLE AS (no key index): a store to read, not to write."""
    if out.exists():
        raise SystemExit(f"{out} exists: remove it first")
    con = duckdb.connect(str(out))
    try:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        tables = [
            name
            for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'src'").fetchall()
        ]
        for table in tables:
            if table in ("mentions", "enrichment"):
                con.execute(
                    f"""CREATE TABLE {table} AS SELECT * REPLACE (CASE WHEN k = 0 THEN "uniqueId" ELSE "uniqueId" """
                    f"""|| '~' || k END AS "uniqueId") FROM src.{table}, range({times}) AS copies(k) ORDER BY k"""
                )
            else:
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table}")
        con.execute("UPDATE meta SET value = ? WHERE key = 'version'", [uuid.uuid4().hex])
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    out.with_name(out.name + ".version").unlink(missing_ok=True)  # read again from the store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    replicate(args.store, args.times, args.out)
    store = Store(args.out)
    print(f"{store.count():,} mentions in {args.out} ({time.perf_counter() - start:.0f} s), version {store.version()}")


if __name__ == "__main__":
    main()
