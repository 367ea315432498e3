"""A large store from a smaller one: its mentions (their enrichment and near-duplicate clusters) copied under new
keys, in DuckDB.

    python -m bench.replicate --store /tmp/b/store-realistic-100000.duckdb --times 10 \\
        --out /tmp/b/bench-realistic-1000000.duckdb

For memory and speed figures at a size whose import would take longer than the time there is to measure it (an
import is timed on its own, ``bench.import_memory``, and streams in batches, so its time grows linearly and its
peak stays flat). Each copy k keeps every value but the key, ``uniqueId`` + ``~k`` (copy 0 keeps its keys), and
the copies come one after the other in the store's row order. The tables are created as the source's are (their
keys included), so the result is a store of the source's schema that the app reads, writes and migrates like any
other; the texts, lengths, term rows and vocabulary are the source's, repeated.

The near-duplicate clusters stay those a one-shot clustering of all the texts in store order would give
(lib/store/near_duplicates.py): copy k of a mention gets the item ``item + k * n`` (n: one more than the source's
largest item, so items still number the mentions in the order they came), the same text, and the cluster of its
original when its text is long enough to be clustered (a copy has the same text, so it joins its original's
cluster, whose first member is in copy 0), else a cluster of its own (a short text always is). The distinct texts
and their band keys are those of the source.

The store's version goes on from the source's as the store counts them (an integer the writers increment), under a
store id of its own, so that no replica mistakes the copy for its source.
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path

import duckdb

from lib.store.local import Store, sql_string

COPIED = ("mentions", "enrichment", "near_duplicates")  # one row per mention: copied ``times`` over


def _key(k: int) -> str:
    return '"uniqueId"' if k == 0 else f"\"uniqueId\" || '~{k}'"


def replicate(source: Path, times: int, out: Path, memory_mb: int = 2048) -> None:
    """One pass in DuckDB, a statement per copy and table, within ``memory_mb`` (DuckDB spills beyond)."""
    if out.exists():
        raise SystemExit(f"{out} exists: remove it first")
    con = duckdb.connect(str(out), config={"memory_limit": f"{memory_mb}MB", "threads": 2})
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH {sql_string(str(source))} AS src (READ_ONLY)")
        tables = dict(con.execute("SELECT table_name, sql FROM duckdb_tables() WHERE database_name = 'src'").fetchall())
        for ddl in tables.values():
            con.execute(ddl)  # the source's own definition (its primary key included), in the new store
        step = 1
        if "near_duplicates" in tables:
            step = con.execute("SELECT coalesce(max(item), -1) + 1 FROM src.near_duplicates").fetchall()[0][0]
        for table in tables:
            if table not in COPIED:
                con.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
                continue
            for k in range(times):
                if table == "near_duplicates":
                    # A copy joins its original's cluster, unless its text is too short to cluster: then its own.
                    con.execute(
                        f"INSERT INTO near_duplicates SELECT {_key(k)}, d.item + {k * step}, d.text, "
                        f"CASE WHEN coalesce(t.usable, false) THEN d.cluster ELSE d.item + {k * step} END "
                        "FROM src.near_duplicates d LEFT JOIN src.near_duplicate_texts t ON t.text = d.text"
                    )
                else:
                    con.execute(f'INSERT INTO {table} SELECT * REPLACE ({_key(k)} AS "uniqueId") FROM src.{table}')
        # The version as the store counts them (lib/store/staging.py's BUMP_VERSION casts it to an integer): the
        # next one after the source's, under an id of this store's own.
        con.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'version'")
        con.execute("UPDATE meta SET value = ? WHERE key = 'store_id'", [uuid.uuid4().hex[:12]])
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
    parser.add_argument("--memory-mb", type=int, default=2048, help="DuckDB's memory limit while it copies")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    replicate(args.store, args.times, args.out, args.memory_mb)
    store = Store(args.out)
    print(f"{store.count():,} mentions in {args.out} ({time.perf_counter() - start:.0f} s), version {store.version()}")


if __name__ == "__main__":
    main()
