"""The rows of an export, chosen by the store's own engine and read back in Arrow batches, in bounded memory.

The filters of a view are compiled by the engine backend (lib/queries/engine.py: the same compilation the
``duckdb`` backend sends to the snapshot) and run by DuckDB over the store's file, or over the shared snapshot's
Parquet files, within a memory limit (``Store.bulk_reader``): the matching mentions are staged in temporary files
by hour (``select``), the store is let go (a writer's commit waits only for this first step), and the CSV writer
(lib/export/csv_writer.py) reads them back in order a batch at a time. Memory follows the batch and the part,
never the number of mentions.

*Count copies once* keeps the first mention of each near-duplicate cluster. DuckDB would need every later copy's key
in one hash table to join them to the rows (some 45 MB per million: an export of 1M copies ran out of its 96 MB),
so the later copies are marked first, a flag per store row, by narrow joins of a share of the keys at a time
(``_later_copies``); the rows then stream out of DuckDB without the clusters and the flags drop the copies here.

The order is the Mentions page's: newest first (by ``datePublished``, else ``dateAdded``), mentions without a
date last, and mentions of the same second in reverse order of the store's rows (the last written first), as the
in-memory model orders them.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc

from lib.errors import ExplorerError
from lib.queries.engine import IbisStore, Snapshot, first_copies_of
from lib.queries.interface import Scope
from lib.queries.tags import TagRecode
from lib.store.local import Store
from lib.text.topics import TopicSet

BATCH_ROWS = 5_000  # rows the CSV writer holds at a time (a few MB of text)
STAGE_ROWS = 10_000  # rows read from DuckDB at a time while the parts are staged
EXPORT_MEMORY_MB = 96  # DuckDB's share: it filters, counts and streams (the ordering is done here, a part at a time)
PART_ROWS = 25_000  # rows of a staged part (whole hours): what is sorted at once, some tens of MB
UNDATED = np.iinfo(np.int64).min  # the hour of mentions without a date: they come last
ROWS = "mention_rows"  # the bulk reader's view of the mentions, with their row position as ``_row``
# One DuckDB thread: the rows are written by one Python thread anyway, and a second DuckDB thread ran ahead of it
# (960k mentions: 445 MB peak and 23 s with two threads, 396 MB and 16 s with one, with two busy processes beside).
EXPORT_THREADS = 1
COPY_KEYS_PER_JOIN = 400_000  # later copies' keys joined at a time: ~20 MB of DuckDB's hash table


class ExportError(ExplorerError):
    """The rows of an export could not be read or staged."""


@contextmanager
def _said(folder: Path) -> Iterator[None]:
    """A failure of DuckDB's as a message that says what to do (a full disk named as such), not a traceback."""
    try:
        yield
    except duckdb.Error as exc:
        text = str(exc)
        if any(s in text.lower() for s in ("no space left", "file too large", "disk quota", "disk is full")):
            raise ExportError(
                f"The disk that holds the export's temporary files ({folder.parent}; set TMPDIR to use another) "
                "is full: free some space and try again. No file was written."
            ) from None
        first = (text.splitlines() or [type(exc).__name__])[0][:200]
        raise ExportError(f"The mentions could not be read for the export ({first}). No file was written.") from None


class _StoreEngine(IbisStore):
    """The engine backend over one open whole-data read of a store or snapshot (not a published folder that it
    opens itself): the same questions, compiled the same way, every mention counted (the near-duplicate copies are
    dropped by ``select`` itself)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, version: str):
        # Not loaded, and every question through Ibis: this reads the store or snapshot in place, once.
        super().__init__(Path(), "duckdb", load=False)
        self.con.disconnect()  # the replica file the engine opens for itself is not used here
        self.con = ibis.duckdb.from_connection(con)
        table = self.con.table(ROWS)
        table = table.mutate(ts=table.datePublished.fill_null(table.dateAdded))
        self._snapshot = Snapshot(version, Path(), first_copies_of(table, None))

    def snapshot(self) -> Snapshot:
        assert self._snapshot is not None
        return self._snapshot


def _later_copies(con: duckdb.DuckDBPyConnection) -> np.ndarray | None:
    """A flag per store row (indexed by ``_row``): is the mention a later copy in its near-duplicate cluster
    (lib/store/near_duplicates.py)? None for a store or snapshot without clusters (every mention counts).

    The keys are joined a share at a time (by their hash), so that DuckDB's hash table holds at most
    ``COPY_KEYS_PER_JOIN`` of them, whatever the number of mentions; the flags take a byte per row."""
    found = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
        ).fetchall()
    }
    if "near_duplicates" not in found:
        return None
    ((later,),) = con.execute("SELECT count(*) FROM near_duplicates WHERE item <> cluster").fetchall()
    ((last,),) = con.execute(f"SELECT coalesce(max(_row), -1) FROM {ROWS}").fetchall()
    flags = np.zeros(int(last) + 1, dtype=bool)
    shares = max(1, math.ceil(int(later) / COPY_KEYS_PER_JOIN))
    for share in range(shares):
        mine = f'hash("uniqueId") % {shares} = {share}'
        rows = (
            f'SELECT m._row FROM (SELECT "uniqueId", _row FROM {ROWS} WHERE {mine}) m '
            f'JOIN (SELECT "uniqueId" FROM near_duplicates WHERE item <> cluster AND {mine}) d USING ("uniqueId")'
        )
        for batch in _read(con, rows, STAGE_ROWS * 10):
            flags[batch.column(0).to_numpy(zero_copy_only=False)] = True
    return flags


def _read(con: duckdb.DuckDBPyConnection, sql: str, rows: int) -> Iterator[pa.RecordBatch]:
    """The rows of ``sql``, ``rows`` at a time. DuckDB's errors while Arrow reads them (out of memory) come as
    ``OSError``: they are DuckDB's again here, so that they are said as such (and a file this module writes that
    fails stays an ``OSError`` of its own)."""
    reader = con.sql(sql).to_arrow_reader(rows)
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except OSError as exc:
            raise duckdb.Error(str(exc)) from exc
        yield batch


def _kept(batch: pa.RecordBatch, later: np.ndarray | None) -> pa.RecordBatch:
    """The rows of ``batch`` that are not later copies (all of them when ``later`` is None)."""
    if later is None:
        return batch
    rows = batch.column("_row").to_numpy(zero_copy_only=False)
    return batch.filter(pa.array(~later[rows]))


@dataclass
class Selection:
    """The rows of an export, staged in a temporary folder by hour: how many matched, how many are staged (at most
    the limit), the version they are from, every raw tag value with its mentions (for the tag recode), and the
    rows themselves in order, a batch at a time."""

    matching: int
    rows: int
    version: str
    raw_tags: pd.DataFrame
    parts: list[Path]  # the staged parts, newest first; each holds whole hours, unordered within
    columns: list[str]

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The rows in export order, ``rows`` at a time: each part read and sorted in turn."""
        left = self.rows
        for path in self.parts:
            with pa.OSFile(str(path)) as source:
                part = pa.ipc.open_stream(source).read_all()
            order = pc.sort_indices(part, [("ts", "descending", "at_end"), ("_row", "descending", "at_end")])
            # One contiguous copy of the exported columns per part: a take from a table of many small staged
            # batches joins every chunk of a string column again for each take.
            part = part.select(self.columns).combine_chunks()
            for start in range(0, min(len(order), left), rows):
                yield from part.take(order[start : min(start + rows, left)]).to_batches()
            left -= min(len(order), left)
            del part, order
            if not left:
                return


def _raw_tags(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every raw tag value with its mentions (a value listed twice in a mention counts once), most first, ties by
    value: the engine's ``raw_tags``, asked without its per-mention ``DISTINCT`` over the keys and without the
    mentions' near-duplicate clusters, which do not fit the export's memory limit at 1M mentions (DuckDB ran out
    of its 96 MB there). A mention's tags are strings split from its tag string: no NULL among them."""
    out = con.execute(
        f"SELECT value, count(*) AS mentions FROM (SELECT unnest(list_distinct(tags)) AS value FROM {ROWS}) "
        "GROUP BY value ORDER BY mentions DESC, value"
    ).df()
    out["mentions"] = out["mentions"].astype("int64")
    out["value"] = out["value"].astype(object)
    return out


def _plan(hours: list[tuple[int | None, int]], limit: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Parts of at most ``PART_ROWS`` rows made of whole hours (an hour with more is a part of its own), newest
    first, undated mentions last, as far as ``limit`` needs: the hours (ascending, as µs; undated as the lowest
    value), each hour's part (-1: not needed) and the rows needed."""
    part, size, needed, parts = 0, 0, 0, []
    for _, count in hours:  # newest first, undated last
        if limit is not None and needed >= limit:
            parts.append(-1)
            continue
        if size and size + count > PART_ROWS:
            part, size = part + 1, 0
        parts.append(part)
        size += count
        needed += count
    keys = np.array([UNDATED if h is None else h for h, _ in hours], dtype=np.int64)[::-1]
    return keys, np.array(parts, dtype=np.int64)[::-1], needed if limit is None else min(needed, limit)


def _hours(ts: pa.Array) -> np.ndarray:
    """Each row's hour as µs since 1970 (undated: ``UNDATED``)."""
    hours = pc.floor_temporal(ts, unit="hour").cast(pa.timestamp("us")).cast(pa.int64())
    return pc.fill_null(hours, UNDATED).to_numpy(zero_copy_only=False)


@contextmanager
def select(
    store: Store,
    scope: Scope,
    columns: list[str],
    *,
    limit: int | None = None,
    recode: TagRecode | None = None,
    topics: TopicSet | None = None,
    memory_mb: int = EXPORT_MEMORY_MB,
) -> Iterator[Selection]:
    """The mentions of ``scope`` in ``store`` (a ``Store`` or a ``SnapshotStore``), newest first, at most
    ``limit``, with ``columns``. Tag filters are read under ``recode`` and text topic filters under ``topics``, as
    the views read them. The temporary files are removed when the block ends.

    DuckDB filters (within its memory limit) and counts the matching mentions per hour; the rows then stream out
    unordered and are staged into parts of whole hours (a batch at a time), and the store is let go. Each part is
    sorted on its own when it is read: no step holds more than a part, whatever the number of mentions. (DuckDB's
    own sort of the wide rows needs memory that grows with them.)"""
    with tempfile.TemporaryDirectory(prefix="sce-export-") as tmp, _said(Path(tmp)):
        folder = Path(tmp)
        with store.bulk_reader(memory_mb, EXPORT_THREADS) as read:
            later = _later_copies(read.con) if scope.filters.copies_once else None
            every = replace(scope, filters=replace(scope.filters, copies_once=False))
            q = _StoreEngine(read.con, read.version).queries(recode or TagRecode(), topics or TopicSet())
            raw_tags = _raw_tags(read.con) if "tags" in columns else pd.DataFrame({"value": [], "mentions": []})
            sql = ibis.to_sql(q.selected(every).select(*columns, "ts", "_row"), dialect="duckdb")
            hours = _hour_counts(read.con, sql, later)
            matching = sum(count for _, count in hours)
            keys, part_of, rows = _plan(hours, limit)
            writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}
            try:
                for batch in _read(read.con, sql, STAGE_ROWS):
                    batch = _kept(batch, later)
                    if not batch.num_rows:
                        continue
                    parts = part_of[np.searchsorted(keys, _hours(batch.column("ts")))]
                    order = np.argsort(parts, kind="stable")
                    parts, batch = parts[order], batch.take(pa.array(order))
                    edges = np.flatnonzero(np.diff(parts)) + 1
                    for start, end in zip([0, *edges], [*edges, len(parts)], strict=True):
                        part = int(parts[start])
                        if part < 0:
                            continue
                        if part not in writers:
                            writers[part] = pa.ipc.new_stream(str(folder / f"{part:06d}.arrows"), batch.schema)
                        writers[part].write_batch(batch.slice(start, end - start))
            finally:
                for writer in writers.values():
                    writer.close()
        paths = [folder / f"{part:06d}.arrows" for part in sorted(writers)]
        yield Selection(matching, rows, read.version, raw_tags, paths, columns)


def _hour_counts(con: duckdb.DuckDBPyConnection, sql: str, later: np.ndarray | None) -> list[tuple[int | None, int]]:
    """The matching mentions per hour (µs since 1970; None: undated), newest first, undated last: counted by
    DuckDB, or here when the later copies are dropped (a narrow read of each row's position and hour)."""
    if later is None:
        return con.execute(
            f"SELECT epoch_us(date_trunc('hour', ts)) AS h, count(*) FROM ({sql}) GROUP BY h ORDER BY h DESC NULLS LAST"
        ).fetchall()
    counts: dict[int, int] = {}
    for batch in _read(con, f"SELECT _row, ts FROM ({sql})", STAGE_ROWS * 10):
        batch = _kept(batch, later)
        hours, n = np.unique(_hours(batch.column("ts")), return_counts=True)
        for hour, count in zip(hours.tolist(), n.tolist(), strict=True):
            counts[hour] = counts.get(hour, 0) + count
    dated = sorted((h for h in counts if h != UNDATED), reverse=True)
    return [(h, counts[h]) for h in dated] + ([(None, counts[UNDATED])] if UNDATED in counts else [])
