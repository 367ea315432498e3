"""The rows of an export, chosen by the store's own engine and read back in Arrow batches, in bounded memory.

The filters of a view are compiled by the engine backend (lib/queries/engine.py: the same compilation the
``duckdb`` backend sends to the snapshot) and run by DuckDB over the store's file, or over the shared snapshot's
Parquet files, within a memory limit (``Store.bulk_reader``): DuckDB sorts the matching mentions newest first,
spilling to disk beyond the limit, and writes them to a temporary Parquet file. The store is let go then (a
writer's commit waits only for this first step), and the CSV writer (lib/export/csv_writer.py) reads the file
back a batch at a time. So memory follows the batch, never the number of mentions.

The order is the Mentions page's: newest first (by ``datePublished``, else ``dateAdded``), mentions without a
date last, and mentions of the same second in reverse order of the store's rows (the last written first), as the
in-memory model orders them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lib.queries.engine import IbisStore, Snapshot
from lib.queries.interface import Scope
from lib.queries.tags import TagRecode
from lib.store.local import BULK_MEMORY_MB, Store, sql_string
from lib.text.topics import TopicSet

BATCH_ROWS = 20_000  # rows the CSV writer holds at a time (a few MB of text, some tens as Python strings)
ROWS = "mention_rows"  # the bulk reader's view of the mentions, with their row position as ``_row``


class _StoreEngine(IbisStore):
    """The engine backend over one open whole-data read of a store or snapshot (not a published folder that it
    opens itself): the same questions, compiled the same way."""

    def __init__(self, con: duckdb.DuckDBPyConnection, version: str):
        super().__init__(Path(), "duckdb")
        self.con = ibis.duckdb.from_connection(con)
        table = self.con.table(ROWS)
        self._snapshot = Snapshot(version, Path(), table.mutate(ts=table.datePublished.fill_null(table.dateAdded)))

    def snapshot(self) -> Snapshot:
        assert self._snapshot is not None
        return self._snapshot


@dataclass
class Selection:
    """The rows of an export, sorted into a temporary Parquet file: how many matched, the version they are
    from, every raw tag value with its mentions (for the tag recode), and the rows themselves in batches."""

    matching: int
    rows: int
    version: str
    raw_tags: pd.DataFrame
    path: Path

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The rows in export order, ``rows`` at a time."""
        with pq.ParquetFile(self.path) as file:
            yield from file.iter_batches(batch_size=rows, use_threads=False)


@contextmanager
def select(
    store: Store,
    scope: Scope,
    columns: list[str],
    *,
    limit: int | None = None,
    recode: TagRecode | None = None,
    topics: TopicSet | None = None,
    memory_mb: int = BULK_MEMORY_MB,
) -> Iterator[Selection]:
    """The mentions of ``scope`` in ``store`` (a ``Store`` or a ``SnapshotStore``), newest first, at most
    ``limit``, with ``columns``. Tag filters are read under ``recode`` and text topic filters under ``topics``, as
    the views read them. The temporary file is removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="sce-export-") as folder:
        path = Path(folder) / "rows.parquet"
        with store.bulk_reader(memory_mb) as read:
            q = _StoreEngine(read.con, read.version).queries(recode or TagRecode(), topics or TopicSet())
            matching = q.count(scope)
            raw_tags = q.raw_tags() if "tags" in columns else pd.DataFrame({"value": [], "mentions": []})
            chosen = q.selected(scope).order_by([ibis.desc("ts"), ibis.desc("_row")]).select(*columns)
            if limit is not None:
                chosen = chosen.limit(limit)
            sql = ibis.to_sql(chosen, dialect="duckdb")
            # Sorted within DuckDB's memory limit (it spills), written as it comes: the order is kept.
            read.con.execute(f"COPY ({sql}) TO {sql_string(str(path))} (FORMAT parquet, ROW_GROUP_SIZE {BATCH_ROWS})")
        yield Selection(matching, pq.ParquetFile(path).metadata.num_rows, read.version, raw_tags, path)
