"""A large write applied in parts to a copy of the store, which then replaces the store whole (issue 23).

The copy of a staged write into the store (lib/store/staging.py) is one transaction, so that a failed write
leaves the store as it was. Until it commits, that transaction holds the new keys of the mentions' and the
enrichment's primary-key indexes in memory (``INDEX_BYTES_PER_ROW``, about 320 bytes a mention): 3.2 GB for 10M
new mentions, against the 512 MB the copy gets at the default cap. Once a transaction has committed and been
checkpointed, its index pages are in the file and DuckDB may evict them (DuckDB 2.0, measured: 10M keys in two
indexes, inserted 100k at a time with a CHECKPOINT after each, kept the process at 205 MB under a 128 MB limit
from the first million to the tenth). So a write too large for one transaction is applied in parts:

1. a WAL left beside the store by a killed writer is checkpointed into it, and the free disk space is checked
   (room for the store and the write again, or a StoreError that says what to do);
2. the store is copied to ``.<store>.writing-<pid>-<id>.duckdb`` beside it, attached read-write;
3. each part is a transaction of its own, then a CHECKPOINT: a slice of the updated mentions (``merged``, by row)
   or of the new ones (``incoming``, by ``seq``), and a slice of the enrichment (by row); the vocabulary, the
   near-duplicate clusters, the version and the log go in with the last part, once;
4. the copy is detached (its WAL folded in by then) and renamed over the store (``os.replace``: atomic), and the
   version is published as after any write.

Readers attach the store for each read (lib/store/local.py ``attached_read_only``): a read under way at the
rename goes on reading the file it opened (the old one, by its inode); the next read opens the new one. The
writers' lock is held throughout. A failure or a kill before the rename leaves the store as it was (the copy is
removed at once, or by the next writer after a kill: ``staging.remove_stale``); after it, the store is the new one,
whole. The price is copying the store once per large write, and room for that copy on its disk.

The threshold and the part size follow the memory cap (``memory_cap_mb``, ``SCE_IMPORT_MEMORY_MB``): a write goes
in parts when its index would not fit the room a single transaction can get (``MEMORY_SHARES["retry"]``), in
parts whose index fits the commit's share (``MEMORY_SHARES["commit"]``), and the parts run with
(``MEMORY_SHARES["parts"]``), half the cap: a 10M import then peaked at 1,028 MB; with a third, a part ran out
of memory committing.
At the default cap (1 GB) that is above 1.6M mentions, in parts of 419k. ``SCE_IMPORT_PART_ROWS`` (internal, for
the tests and benches: not a user setting) applies any write in parts of that many mentions.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from lib.mentions.normalize import COLUMNS
from lib.store import near_duplicates
from lib.store.sql import identifier as _q
from lib.store.sql import sql_string

if TYPE_CHECKING:
    from lib.store.staging import LogEntry, StagedWrite

PART_ROWS_ENV = "SCE_IMPORT_PART_ROWS"
# A part's new keys take at most this share of the parts' memory: the rest holds the existing index pages the
# part probes, its rows in flight (a blog's text is kilobytes) and the checkpoint's. With parts whose keys took a
# third of it (419k mentions under 341 MB), a 10M import's part ran out of memory committing.
PART_INDEX_SHARE = 6
COPY_MARGIN = 1.1  # the free space asked for beyond the store and the write, as a factor
COPY_SLACK_BYTES = 64 * 1024**2
# Every change of the mentions, in the transaction that makes it: readers key their caches on the version.
BUMP_VERSION = "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'version'"


@dataclass(frozen=True)
class Slice:
    """Rows ``first`` to ``end`` (excluded) of a staged table: ``merged`` and ``enrich_final`` by row, ``incoming``
    by ``seq``."""

    table: str
    first: int
    end: int

    def rows(self, stage: str, column: str) -> str:
        return f"(SELECT * FROM {stage}.{self.table} WHERE {column} >= {self.first} AND {column} < {self.end})"


def writing_files(store_path: Path) -> list[Path]:
    """Copies of the store left by writers that were killed before their rename."""
    return sorted(store_path.parent.glob(f".{store_path.name}.writing-*"))


def rows_per_part(rows: int, memory: dict[str, str], index_bytes_per_row: int) -> int | None:
    """Mentions per part for a write of ``rows``, or None when one transaction holds its index (``memory``: the
    staging's DuckDB limits by phase)."""
    forced = os.environ.get(PART_ROWS_ENV, "").strip()
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    if rows * index_bytes_per_row <= _bytes(memory["retry"]):
        return None
    return max(1, _bytes(memory["parts"]) // PART_INDEX_SHARE // index_bytes_per_row)


def apply(write: StagedWrite, part_rows: int, started: datetime, log: LogEntry, wait: float) -> str:
    """Apply the staged write (``write._prepare`` done) to a copy of the store in parts of ``part_rows``, then put
    the copy in the store's place. Returns the new version."""
    from lib.store.staging import attach_waiting

    con, store = write.con, write.store.path
    write.detach()  # the read-only attachment of staging: the copy is attached instead
    _fold_wal(write, wait)
    _check_space(write)
    copy = store.with_name(f".{store.name}.writing-{os.getpid()}-{uuid.uuid4().hex[:8]}.duckdb")
    write.copy = copy  # removed by ``close`` whatever happens, unless renamed
    shutil.copyfile(store, copy)
    con.execute(f"SET checkpoint_threshold = '{write.checkpoint_threshold}'")
    con.execute(f"SET memory_limit = '{write.memory['parts']}'")
    attach_waiting(con, f"ATTACH {sql_string(str(copy))} AS store", wait)
    write.attached = "copy"
    con.execute("USE store")
    stage = f'"{write.catalog}"'
    mentions, enrichment = _slices(con, stage, write.seq, part_rows, bool(log.rows_updated))
    parts = list(zip_longest(mentions, enrichment)) or [(None, None)]
    version = ""
    for number, (mention_part, enrichment_part) in enumerate(parts, 1):
        con.execute("BEGIN TRANSACTION")
        try:
            if mention_part is not None:
                copy_mentions(con, stage, bool(log.rows_updated), mention_part)
            if enrichment_part is not None:
                copy_enrichment(con, stage, enrichment_part)
            if number == len(parts):
                version = finish(write, stage, started, log)
            before_commit(number)
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")  # the part's index pages go to the file, where DuckDB may evict them
    write.detach()  # a clean detach folds the copy's WAL into it
    for path, what in ((_wal(copy), "its copy"), (_wal(store), "the store")):
        if path.exists():
            from lib.store.local import StoreError

            raise StoreError(
                f"The write to {store.name} was not applied: {what} has a write-ahead log ({path.name}) that should "
                "not be there. Nothing was changed; try again, and if it happens again, report it."
            )
    os.replace(copy, store)
    _sync_folder(store.parent)
    return version


def before_commit(part: int) -> None:
    """Called before each part commits (numbered from 1): the tests' hook to fail a part."""


def copy_mentions(con: duckdb.DuckDBPyConnection, stage: str, updated: bool, part: Slice | None = None) -> None:
    """Copy the staged mentions (``part`` of them, or all) into the store (the current database): the updated
    ones (``merged``) replace their rows, the new ones are added, each in the order staged."""
    columns = ", ".join(_q(c) for c in COLUMNS)
    if not updated:
        # Only new mentions: a plain scan, without the join that could reorder them, so on both cores (DuckDB
        # keeps a scan's order in an insert; it compresses the row groups as it writes them).
        rows = part.rows(stage, "seq") if part else f"{stage}.incoming"
        con.execute("SET threads = 2")
        try:
            con.execute(f"INSERT INTO mentions SELECT {columns} FROM {rows}")
        finally:
            con.execute("SET threads = 1")
        return
    if part is None or part.table == "merged":
        merged = part.rows(stage, "rowid") if part else f"{stage}.merged"
        con.execute(f'DELETE FROM mentions WHERE "uniqueId" IN (SELECT "uniqueId" FROM {merged})')
        con.execute(f"INSERT INTO mentions SELECT {columns} FROM {merged}")
    if part is None or part.table == "incoming":
        incoming = part.rows(stage, "seq") if part else f"{stage}.incoming"
        con.execute(
            f"INSERT INTO mentions SELECT {columns} FROM {incoming} "
            f'WHERE "uniqueId" NOT IN (SELECT "uniqueId" FROM {stage}.merged)'
        )


def copy_enrichment(con: duckdb.DuckDBPyConnection, stage: str, part: Slice | None = None) -> None:
    """Replace the enrichment of the staged mentions (``part`` of it, or all)."""
    rows = part.rows(stage, "rowid") if part else f"{stage}.enrich_final"
    con.execute(f'DELETE FROM enrichment WHERE "uniqueId" IN (SELECT "uniqueId" FROM {rows})')
    con.execute(f"INSERT INTO enrichment SELECT * FROM {rows}")


def finish(write: StagedWrite, stage: str, started: datetime, log: LogEntry) -> str:
    """What a write changes once, in its last transaction: the new vocabulary, the near-duplicate clusters, the
    version and the log. Returns the new version."""
    con = write.con
    con.execute(f"INSERT INTO vocab SELECT * FROM {stage}.keys")
    near_duplicates.apply(con, stage)
    con.execute(BUMP_VERSION)
    write.store._append_log(con, started, log)
    return write.store._read_version(con)


def _slices(
    con: duckdb.DuckDBPyConnection, stage: str, seqs: int, part_rows: int, updated: bool
) -> tuple[list[Slice], list[Slice]]:
    """The parts of the mentions (the updated ones first, as the one transaction copies them) and of the
    enrichment."""
    merged = _count(con, f"{stage}.merged") if updated else 0
    mentions = [Slice("merged", a, a + part_rows) for a in range(0, merged, part_rows)]
    mentions += [Slice("incoming", a, a + part_rows) for a in range(0, seqs, part_rows)]
    enriched = _count(con, f"{stage}.enrich_final")
    return mentions, [Slice("enrich_final", a, a + part_rows) for a in range(0, enriched, part_rows)]


def _fold_wal(write: StagedWrite, wait: float) -> None:
    """A store with a WAL beside it (a writer killed after its commit, before its checkpoint) holds commits that
    its file alone does not: fold them in before the file is copied."""
    from lib.store.staging import attach_waiting

    if not _wal(write.store.path).exists():
        return
    attach_waiting(write.con, f"ATTACH {sql_string(str(write.store.path))} AS store", wait)
    try:
        write.con.execute("CHECKPOINT store")
    finally:
        write.con.execute(f'USE "{write.catalog}"')
        write.con.execute("DETACH store")


def _check_space(write: StagedWrite) -> None:
    """Refuse, before copying, a disk without room for the copy: the store, and what the write adds (about what
    it staged)."""
    from lib.store.local import StoreError

    store = write.store.path
    staged = sum(p.stat().st_size for p in write.batches.glob("*.parquet")) + write.path.stat().st_size
    need = int((store.stat().st_size + staged) * COPY_MARGIN) + COPY_SLACK_BYTES
    free = shutil.disk_usage(store.parent).free
    if free < need:
        raise StoreError(
            f"Not enough free disk space for this write: a write this large is applied to a copy of the store "
            f"({store.stat().st_size / 1e9:.1f} GB) that then replaces it, which needs about {need / 1e9:.1f} GB "
            f"free on the disk that holds {store.parent}, and {free / 1e9:.1f} GB are. Free some space there (or "
            "move the store to a larger disk and point SCE_STORE, or --store, to it), or import the file in "
            "smaller pieces, then try again. Your mentions are as they were."
        )


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (a power cut after it must not bring the old store back with the new version
    published)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _bytes(limit: str) -> int:
    return int(limit.removesuffix("MB")) * 1024**2
