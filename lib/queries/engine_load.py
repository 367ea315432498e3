"""A snapshot version loaded into a DuckDB replica's own storage, with its list fields as integer codes.

``IbisStore`` (lib/queries/engine.py) loads each published snapshot version once into the replica's DuckDB
file: the columns the questions read, each mention's time and enrichment beside it, in the snapshot's order
(not sorted by time: see ``load_table``). Counting the list fields (hashtags, handles, link domains, tags) by
unnesting their strings was the slowest question of a Dashboard rerun (1.7 s of a rerun's 2.5 s over the
whole 1M store, with DuckDB's ``list_distinct`` and string hashing per value), so the load also codes them:

- ``<table>_values`` holds one row per distinct list value: its code ``k`` (an integer, unique across the
  columns), its column (``COLUMN_IDS``) and the value; the tags also once per case-folded spelling (column
  ``FOLDED``, the value as ``str.casefold`` gives it, which is how the tag recode folds);
- each mention gets ``lk`` (the codes of its hashtags, handles and link domains), ``tk`` (of its raw tags)
  and ``fk`` (of its folded tags), each value once;
- the categorical fields are coded the same way (``CATEGORY_IDS``), each in a column ``"#<field>"``: the
  GROUPING SETS query, the cross-tab and the volume group small integers, and since codes are numbered in
  value order, ranking by (mentions, code) is ranking by (mentions, value).

Unnesting small integer lists and counting per code is about 20 times faster than the strings (76 ms
against 1,671 ms for the whole 1M store, measured side by side), and a filter on a list field becomes
``list_contains`` on integers. The string columns stay in the table for the questions asked through Ibis.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from lib.queries.model import CATEGORICAL, LIST_COLUMNS

COLUMN_IDS = {"hashtags": 0, "handles": 1, "linkDomains": 2, "tags": 3}
FOLDED = 4  # the tags' case-folded spellings
CATEGORY_IDS = {c: 10 + i for i, c in enumerate(CATEGORICAL)}  # the categorical fields, coded as "#<field>"
log = logging.getLogger(__name__)
CODED = ("lk", "tk", "fk")  # the coded list columns a loaded table has beside the string ones


LAYOUT = 3  # of a loaded table: a replica file loaded by an older layout is loaded again, not misread


def table_name(version: str) -> str:
    return "mentions_" + hashlib.sha256(f"{LAYOUT}:{version}".encode()).hexdigest()[:16]


def _path(current: Path, table: str) -> str:
    return str(current / f"{table}.parquet").replace("'", "''")


def _run(raw, sql: str) -> list:
    """Run ``sql`` to its end (DuckDB keeps a connection busy until a result is read) and return its rows."""
    return raw.execute(sql).fetchall()


def load_table(raw, current: Path, version: str) -> str:
    """Load the snapshot in folder ``current`` into the DuckDB connection ``raw`` unless it is there; its name.

    Written under a temporary name and renamed when whole, so a table of that name is always complete (a load
    interrupted by a crash is done again by the next one)."""
    name = table_name(version)
    present = {row[0] for row in _run(raw, "SELECT table_name FROM duckdb_tables()")}
    if name in present and f"{name}_values" in present:
        return name
    mentions, enrichment = _path(current, "mentions"), _path(current, "enrichment")
    stage = f"{name}_loading"
    _run(raw, f'DROP TABLE IF EXISTS "{stage}"')
    _run(raw, f'DROP TABLE IF EXISTS "{stage}_values"')
    # The dictionary: every distinct list value per column, then the tags' case-folded spellings (folded in
    # Python, as the recode folds them: DuckDB's lower() is not str.casefold()).
    pairs = " UNION ALL ".join(
        [
            f"SELECT DISTINCT {i}::UTINYINT AS col, unnest(\"{c}\") AS value FROM read_parquet('{mentions}')"
            for c, i in COLUMN_IDS.items()
        ]
        + [
            f"SELECT DISTINCT {i}::UTINYINT AS col, \"{c}\" AS value FROM read_parquet('{mentions}')"
            for c, i in CATEGORY_IDS.items()
        ]
    )
    _run(
        raw,
        f'CREATE TABLE "{stage}_values" AS SELECT (row_number() OVER (ORDER BY col, value) - 1)::INTEGER AS k, '
        f"col, value, NULL::INTEGER AS folded FROM ({pairs}) WHERE value IS NOT NULL",
    )
    tags = _run(raw, f'SELECT k, value FROM "{stage}_values" WHERE col = {COLUMN_IDS["tags"]} ORDER BY k')
    start = int(_run(raw, f'SELECT count(*) FROM "{stage}_values"')[0][0])
    keys = sorted({value.casefold() for _, value in tags})
    code = {key: start + i for i, key in enumerate(keys)}
    if keys:
        folded = pd.DataFrame({"k": np.arange(start, start + len(keys), dtype=np.int32), "value": keys})
        raw.register("sce_folded", folded)
        _run(raw, f'INSERT INTO "{stage}_values" SELECT k, {FOLDED}, value, NULL FROM sce_folded')
        raw.unregister("sce_folded")
        fold = pd.DataFrame({"k": [k for k, _ in tags], "f": [code[v.casefold()] for _, v in tags]}, dtype=np.int32)
        raw.register("sce_fold", fold)
        _run(raw, f'UPDATE "{stage}_values" v SET folded = sce_fold.f FROM sce_fold WHERE v.k = sce_fold.k')
        raw.unregister("sce_fold")
    # Each mention's codes, each value once, joined to the mention by its key.
    unnested = " UNION ALL ".join(
        f"SELECT uniqueId, {i}::UTINYINT AS col, unnest(\"{c}\") AS value FROM read_parquet('{mentions}')"
        for c, i in COLUMN_IDS.items()
    )
    tag = COLUMN_IDS["tags"]
    codes = (
        f"SELECT uniqueId, list(DISTINCT k) FILTER (WHERE col <> {tag}) AS lk, "
        f"list(DISTINCT k) FILTER (WHERE col = {tag}) AS tk, list(DISTINCT folded) FILTER (WHERE col = {tag}) AS fk "
        f'FROM ({unnested}) p JOIN "{stage}_values" v USING (col, value) GROUP BY uniqueId'
    )
    columns = ", ".join(f'm."{c}"' for c in ("uniqueId", *CATEGORICAL, *LIST_COLUMNS, "messageContent"))
    coded = ", ".join(f'd{i}.k AS "#{c}"' for c, i in CATEGORY_IDS.items())
    joins = " ".join(
        f'LEFT JOIN (SELECT k, value FROM "{stage}_values" WHERE col = {i}) d{i} ON d{i}.value = m."{c}"'
        for c, i in CATEGORY_IDS.items()
    )
    empty = "[]::INTEGER[]"
    # Is the mention the first of its near-duplicate cluster (every mention is, in a snapshot published without
    # the clusters: lib/store/near_duplicates.py)?
    first, copies = "TRUE", ""
    if (current / "near_duplicates.parquet").exists():
        first = "coalesce(nd.item = nd.cluster, TRUE)"
        copies = f"LEFT JOIN read_parquet('{_path(current, 'near_duplicates')}') nd ON m.uniqueId = nd.uniqueId "
    rows = (
        f"SELECT {columns}, coalesce(m.datePublished, m.dateAdded) AS ts, "
        f"e.termIds, e.phraseIds, e.vaderCompound, coalesce(c.lk, {empty}) AS lk, coalesce(c.tk, {empty}) AS tk, "
        f"coalesce(c.fk, {empty}) AS fk, {coded}, {first} AS firstCopy FROM read_parquet('{mentions}') m "
        f"LEFT JOIN read_parquet('{enrichment}') e ON m.uniqueId = e.uniqueId "
        f"LEFT JOIN ({codes}) c ON m.uniqueId = c.uniqueId {copies}{joins}"
    )
    # In the snapshot's order, not sorted by time: DuckDB's sort holds the texts it carries in memory, and a 10M
    # snapshot of blog and news texts ran out of the replica's 1 GB sorting (the replica then answered from the
    # Parquet files for good). Sorting gave no measurable gain: at 1M realistic, Dashboard reruns 108 ms sorted
    # and 116 ms not, Text 127 and 110 ms, the load 24.1 and 17.4 s (bench.backends, same quiet hour).
    _run(raw, f'CREATE TABLE "{stage}" AS {rows}')
    _run(raw, f'DROP TABLE IF EXISTS "{name}_values"')
    _run(raw, f'ALTER TABLE "{stage}_values" RENAME TO "{name}_values"')
    _run(raw, f'DROP TABLE IF EXISTS "{name}"')
    _run(raw, f'ALTER TABLE "{stage}" RENAME TO "{name}"')
    with contextlib.suppress(duckdb.Error):  # the load out of the write-ahead log; refused while others write
        _run(raw, "CHECKPOINT")
    return name


def drop_tables(raw, keep: set[str]) -> None:
    """Drop every loaded version's tables but those of ``keep`` (table names)."""
    present = [row[0] for row in raw.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for table in present:
        loading = table.removesuffix("_values").endswith("_loading")  # a load running now: its own to drop
        if table.startswith("mentions_") and not loading and table.removesuffix("_values") not in keep:
            _run(raw, f'DROP TABLE IF EXISTS "{table}"')


@dataclass(frozen=True)
class ListCodes:
    """A loaded table's dictionary of list values: each value's code per column, and back."""

    codes: dict[tuple[int, str], int]  # (column id, value) -> code
    column: np.ndarray  # per code: its column id
    value: np.ndarray  # per code: its value (object)
    folded: np.ndarray  # per raw tag code: its folded code (-1 for other codes)

    @classmethod
    def read(cls, raw, table: str) -> ListCodes:
        out = raw.execute(f'SELECT k, col, value, folded FROM "{table}_values" ORDER BY k').fetchnumpy()
        k = np.asarray(out["k"], dtype=np.int64)
        assert (k == np.arange(len(k))).all()  # codes are 0..n-1: arrays indexed by code
        column = np.asarray(out["col"], dtype=np.int64)
        value = np.asarray(out["value"], dtype=object)
        folded = np.asarray(pd.array(out["folded"], dtype="Int64").fillna(-1), dtype=np.int64)
        codes = {(int(c), str(v)): int(i) for i, (c, v) in enumerate(zip(column, value, strict=True))}
        return cls(codes, column, value, folded)

    def of(self, column: str, values) -> list[int]:
        """The codes of ``values`` of a list or categorical column (a value no mention has: none)."""
        col = COLUMN_IDS[column] if column in COLUMN_IDS else CATEGORY_IDS[column]
        return [code for v in values if (code := self.codes.get((col, v))) is not None]


class Loader:
    """Loads snapshot versions in a background thread, one at a time, on a connection of its own (a cursor of
    the replica's database), so that the replica answers from the Parquet snapshot meanwhile instead of making
    the first rerun after a new snapshot wait for the load (70-170 s at 1M on a busy 2-core machine).

    A version whose load failed is not tried again (the replica keeps answering from the Parquet files, and
    ``error`` says why); the next published version is."""

    def __init__(self, connect: Callable[[], duckdb.DuckDBPyConnection]) -> None:
        self._connect = connect  # () -> a DuckDB connection for the load (a cursor of the replica's database)
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._version = ""  # the version being loaded, or the last one tried
        self._done: dict[str, str] = {}  # version -> its loaded table
        self.errors: dict[str, str] = {}  # version -> why its load failed

    def ready(self, version: str) -> str:
        """The loaded table of ``version``, or "" while it is not (yet) loaded."""
        with self._guard:
            return self._done.get(version, "")

    def start(self, current: Path, version: str) -> None:
        """Load ``version`` (the folder ``current``) unless it is loaded, loading, failed, or another load runs."""
        with self._guard:
            busy = self._thread is not None and self._thread.is_alive()
            if busy or version in self._done or version in self.errors:
                return
            self._version = version
            self._thread = threading.Thread(
                target=self._load, args=(current, version), name=f"sce-load-{version[:12]}", daemon=True
            )
            self._thread.start()

    def _load(self, current: Path, version: str) -> None:
        try:
            con = self._connect()
            try:
                name = load_table(con, current, version)
            finally:
                con.close()
        except Exception as exc:  # whatever failed, the Parquet files still answer
            log.warning(
                "The snapshot %s could not be loaded into DuckDB (%s); answering from its Parquet files.", version, exc
            )
            with self._guard:
                self.errors[version] = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            return
        with self._guard:
            self._done[version] = name

    def loading(self) -> str:
        """The version being loaded now, or ""."""
        with self._guard:
            return self._version if self._thread is not None and self._thread.is_alive() else ""

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running load (if any) to end; False if it is still running after ``timeout`` seconds."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True
