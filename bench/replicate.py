"""A large store from a smaller one: its mentions (and their enrichment) copied under new keys, in DuckDB.

    python -m bench.replicate --store /tmp/b/store-realistic-100000.duckdb --times 10 \\
        --out /tmp/b/bench-realistic-1000000.duckdb

For memory and speed figures at a size whose import would take longer than the time there is to measure it (an
import is timed on its own, ``bench.import_memory``, and streams in batches, so its time grows linearly and its
peak stays flat): each copy k keeps every value but the key, ``uniqueId`` + ``~k``. The texts, lengths and
term rows are those of the source, repeated; the vocabulary is the source's.
"""

from __future__ import annotations

import argparse
import shutil
import time
import uuid
from pathlib import Path

import duckdb

from lib.store.local import Store


def replicate(source: Path, times: int, out: Path) -> None:
    if out.exists():
        raise SystemExit(f"{out} exists: remove it first")
    shutil.copyfile(source, out)
    con = duckdb.connect(str(out))
    try:
        con.execute("CREATE TEMP TABLE base AS SELECT * FROM mentions")
        con.execute("CREATE TEMP TABLE base_e AS SELECT * FROM enrichment")
        for k in range(1, times):
            con.execute(f"""INSERT INTO mentions SELECT * REPLACE ("uniqueId" || '~{k}' AS "uniqueId") FROM base""")
            con.execute(f"""INSERT INTO enrichment SELECT * REPLACE ("uniqueId" || '~{k}' AS "uniqueId") FROM base_e""")
        con.execute("UPDATE meta SET value = ? WHERE key = 'version'", [uuid.uuid4().hex])
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
