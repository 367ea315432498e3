"""A shared snapshot of the store as Parquet files, for app replicas that share one dataset.

The single writer (a scheduled ``python -m lib pull --publish DIR``) writes into its own DuckDB store as
always, then publishes: it copies every table to ``DIR/<version>/<table>.parquet`` in a temporary folder,
renames the folder into place, and only then points ``DIR/CURRENT`` at it (an atomic rename). Readers
therefore see a whole snapshot or the previous one, never half of one; the two previous snapshots are
kept for readers that are still loading them.

``SnapshotStore`` reads such a folder through the store's own read interface (DuckDB views over the
Parquet files), so the app and its model work on it unchanged; every write is refused with a message
that names the writer. The folder can be any shared filesystem path.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lib.store.local import (
    BULK_MEMORY_MB,
    BULK_THREADS,
    BulkRead,
    Store,
    StoreError,
    bulk_connection,
    shared_database,
    sql_string,
)

TABLES = ("mentions", "enrichment", "vocab", "ingest_log", "meta", "near_duplicates")
OPTIONAL = ("near_duplicates",)  # absent from snapshots published before the clusters were kept
KEEP = 3  # snapshots kept: the current one and two that readers may still be loading
CURRENT = "CURRENT"
PUBLISH_MEMORY_MB = 256  # DuckDB's memory for a publish: a 10M-mention store is copied within it
# The Parquet writer holds a whole row group per thread before it writes it out. DuckDB's default (122,880 rows)
# of blog and news texts (1,000-5,000 characters, with their HTML) is several hundred MB, and a publish of a
# realistic 1M store ran out of its 256 MB. A row group therefore ends at 16,384 rows or 16 MB, whichever comes
# first (DuckDB keeps the row order with both limits); readers lose nothing measurable.
ROW_GROUP_ROWS = 16_384
ROW_GROUP_BYTES = 16_000_000


def _folder_name(version: str) -> str:
    return version.replace(":", "-").replace("/", "-")


def publish(store: Store, folder: Path) -> str:
    """Publish the store's current state into ``folder``; returns the version published."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not store.version():
        raise StoreError(f"Nothing to publish: {store.path} has no mentions yet.")
    # Streamed: DuckDB copies each table a row group at a time within its memory limit, whatever the size; the
    # version is the one of the data copied. The row order is kept (the export orders ties by it).
    with store.bulk_reader(PUBLISH_MEMORY_MB) as read:
        # One thread: each writer thread holds a row group of its own, and the copy is bound by the disk anyway.
        read.con.execute("SET threads = 1")
        version = read.version
        target = folder / _folder_name(version)
        if target.exists() and not _intact(target, version):  # damaged or half-copied: written again
            shutil.rmtree(target, ignore_errors=True)
        if not target.exists():
            tmp = folder / f".tmp-{uuid.uuid4().hex}"
            tmp.mkdir()
            try:
                for table in TABLES:
                    read.con.execute(
                        f"COPY (SELECT * FROM {table}) TO {sql_string(f'{tmp / table}.parquet')} "
                        f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS}, ROW_GROUP_SIZE_BYTES {ROW_GROUP_BYTES})"
                    )
                (tmp / "VERSION").write_text(version)
                os.rename(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
    pointer = folder / f".{CURRENT}.{uuid.uuid4().hex}"
    pointer.write_text(target.name)
    os.replace(pointer, folder / CURRENT)
    _prune(folder, target.name)
    return version


def _intact(target: Path, version: str) -> bool:
    """Whether a published folder holds ``version`` with every table's Parquet file whole (its footer readable)."""
    try:
        if (target / "VERSION").read_text().strip() != version:
            return False
        for table in TABLES:
            pq.read_metadata(target / f"{table}.parquet")
        return True
    except (OSError, ValueError, pa.ArrowException):
        return False


def _prune(folder: Path, current: str) -> None:
    snapshots = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime
    )
    for old in snapshots[:-KEEP]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


class SnapshotStore(Store):
    """The newest published snapshot in ``folder``, read-only, through the same interface as ``Store``."""

    def __init__(self, folder: str | os.PathLike):
        super().__init__(folder)
        self.folder = Path(folder)

    def _current(self) -> Path | None:
        try:
            return self.folder / (self.folder / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None

    def exists(self) -> bool:
        return self._current() is not None

    def version(self) -> str:
        current = self._current()
        return (current / "VERSION").read_text().strip() if current else ""

    @contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        current = self._current()
        if current is None:
            raise StoreError(f"No snapshot in {self.folder} yet: the writer publishes one after its first pull.")
        con = shared_database().cursor()  # its views are its own (TEMP): other readers share the database
        try:
            for table in TABLES:
                if table in OPTIONAL and not (current / f"{table}.parquet").exists():
                    continue
                con.execute(f"CREATE TEMP VIEW {table} AS SELECT * FROM read_parquet('{current / table}.parquet')")
            yield con
        finally:
            con.close()

    @contextmanager
    def bulk_reader(self, memory_mb: int = BULK_MEMORY_MB, threads: int = BULK_THREADS) -> Iterator[BulkRead]:
        """As ``Store.bulk_reader``, over the current snapshot's Parquet files (the row order is the file's)."""
        current = self._current()
        if current is None:
            raise StoreError(f"No snapshot in {self.folder} yet: the writer publishes one after its first pull.")
        with bulk_connection(memory_mb, threads) as con:
            for table in TABLES:
                if table in OPTIONAL and not (current / f"{table}.parquet").exists():
                    continue
                con.execute(
                    f"CREATE VIEW {table} AS SELECT * FROM read_parquet({sql_string(f'{current / table}.parquet')})"
                )
            con.execute(
                "CREATE TEMP VIEW mention_rows AS SELECT * EXCLUDE (file_row_number), file_row_number AS _row "
                f"FROM read_parquet({sql_string(str(current / 'mentions.parquet'))}, file_row_number = true)"
            )
            yield BulkRead(con, (current / "VERSION").read_text().strip())

    @contextmanager
    def _writer(self, wait: float = 0) -> Iterator[duckdb.DuckDBPyConnection]:
        raise StoreError(
            f"This app reads the shared snapshot in {self.folder}; it cannot write. Pulls and imports are made by "
            "the scheduled writer (python -m lib pull --publish), which publishes a new snapshot after each one."
        )
        yield  # pragma: no cover
