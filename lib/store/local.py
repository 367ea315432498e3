"""The local store: one DuckDB file of mentions, upserted by ``uniqueId``, with a log of every write.

One writer at a time. DuckDB lets one process open a file read-write *or* many open it read-only,
never both, so nobody keeps the file open: a write opens it, commits (or rolls back) and closes,
under a lock file that CLI pulls, in-app pulls and imports all take; reads open it read-only for one
query. Pulls and imports prepare their rows beside the store and hold it only for the final copy
(``lib/store/staging.py``). After each commit the store writes its version to a small sidecar file, which
readers check on every rerun for the price of reading a few bytes; the store itself is the authority, and
a sidecar older than the store (a writer killed between its commit and the sidecar) is repaired from it.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.errors import ExplorerError, mark_logged, was_logged
from lib.mentions.normalize import COLUMNS, split_tags
from lib.store import near_duplicates
from lib.store.migrate import migrate
from lib.store.parts import BUMP_VERSION
from lib.store.sql import sql_string
from lib.store.staging import LogEntry, StagedWrite, attach_waiting, remove_stale
from lib.text.vocabulary import ENRICHMENT_COLUMNS, ENRICHMENT_DDL, VOCAB_DDL

SCHEMA_VERSION = 6  # 2: hashtags, handles and linkDomains extracted at ingest; 3: the text enrichment;
# 4: near-duplicate clusters (lib/store/near_duplicates.py: tables created empty, then filled by a backfill);
# 5: the clusters without chaining (a text joins a cluster only if alike to its first text): 4's computed again;
# 6: signatures of word pairs, not word sets (texts on one subject shared a cluster): 4's and 5's computed again
BACKFILL_PENDING = "clusters_backfill_pending"  # a meta key: a migration's backfill of the clusters has not ended
LOCK_WAIT_SECONDS = 30.0
READ_RETRY_SECONDS = 10.0
BULK_MEMORY_MB = 192  # DuckDB's share of a whole-data read (export, publish): it spills beyond
BULK_THREADS = 2
T = TypeVar("T")

_COLUMN_TYPES = {
    "tags": "VARCHAR[]",
    "hashtags": "VARCHAR[]",
    "handles": "VARCHAR[]",
    "linkDomains": "VARCHAR[]",
    "dateAdded": "TIMESTAMP",
    "datePublished": "TIMESTAMP",
}


def _mentions_ddl(table: str = "mentions") -> str:
    columns = ", ".join(f'"{c}" {_COLUMN_TYPES.get(c, "VARCHAR")}' for c in COLUMNS)
    return f'CREATE TABLE IF NOT EXISTS {table} ({columns}, PRIMARY KEY ("uniqueId"))'


_DDL = (
    _mentions_ddl(),
    """CREATE TABLE IF NOT EXISTS ingest_log (
        id BIGINT PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP, kind VARCHAR, source VARCHAR,
        dataset_id VARCHAR, rows_in BIGINT, rows_new BIGINT, rows_updated BIGINT, rows_rejected BIGINT,
        continuation_token VARCHAR, newest_date TIMESTAMP, outcome VARCHAR, message VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    VOCAB_DDL,
    ENRICHMENT_DDL,
    *near_duplicates.DDL,
)

_TABLES = tuple(ddl.split("IF NOT EXISTS ")[1].split(" ")[0] for ddl in _DDL)  # mentions, ingest_log, meta, ...


class StoreError(ExplorerError):
    """The store could not be read or written."""


class StoreBusy(StoreError):
    """Another process is writing to the store."""


@dataclass(frozen=True)
class BulkRead:
    """An open whole-data read (``Store.bulk_reader``): the connection and the version it reads."""

    con: duckdb.DuckDBPyConnection
    version: str


SPILL_PREFIX = "sce-spill-"  # then [read-]<pid>-<random>, in TMPDIR


def _sweep_spill_folders() -> None:
    """Remove the spill folders of processes that are gone: a process killed (SIGKILL, or a SIGTERM that Python
    does not handle) skips the cleanup at its exit, and a spill can be gigabytes."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*"):
        pid = folder.name.removeprefix(SPILL_PREFIX).removeprefix("read-").split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


@contextmanager
def bulk_connection(
    memory_mb: int = BULK_MEMORY_MB, threads: int = BULK_THREADS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection that keeps within ``memory_mb`` and spills to a temporary folder (in
    ``TMPDIR``) that is removed when it closes: the engine of every whole-data read and rewrite."""
    with tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}{os.getpid()}-") as spill:
        con = duckdb.connect(config={"memory_limit": f"{memory_mb}MB", "temp_directory": spill, "threads": threads})
        try:
            con.execute("SET enable_progress_bar = false")
            yield con
        finally:
            con.close()


@dataclass(frozen=True)
class IngestResult:
    rows_in: int
    rows_new: int
    rows_updated: int
    version: str


_SHARED_LOCK = threading.Lock()
# This process's in-memory database and its spill folder, by process id: a fork's copy of its parent's is never
# used (nor dropped: the folder is the parent's).
_SHARED: dict[int, tuple[duckdb.DuckDBPyConnection, tempfile.TemporaryDirectory]] = {}
_RETIRED: list[tempfile.TemporaryDirectory] = []  # the spill folders of databases retired by ``_detach``
_ALIASES = itertools.count()  # each read attaches the store under a name of its own


def shared_database() -> duckdb.DuckDBPyConnection:
    """This process's in-memory DuckDB database, kept open: ``.cursor()`` gives a connection of its own (to close
    after use) for reads that need no settings of their own. ``duckdb.connect()`` builds a new database with its
    catalog of built-in functions each time, about 20 ms of CPU; a cursor of one kept open costs next to nothing
    (every rerun of the app reads the store, and the tests opened ~1,000 of them)."""
    with _SHARED_LOCK:
        if os.getpid() not in _SHARED:
            _sweep_spill_folders()
            spill = tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}read-{os.getpid()}-")  # removed at exit
            _SHARED[os.getpid()] = duckdb.connect(config={"temp_directory": os.path.join(spill.name, "spill")}), spill
        return _SHARED[os.getpid()][0]


@contextmanager
def attached_read_only(
    path: Path, attach: Callable[[Callable[[], object]], object] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the store file at ``path`` attached read-only under a name of its own (the current
    catalog), detached at the end, so that a writer can take the file as soon as the read is done.
    ``attach(run)``: how to run the ATTACH (the store's retries while a writer holds the file)."""
    database = shared_database()
    with _SHARED_LOCK:
        con = database.cursor()
    alias = f"sce_read_{next(_ALIASES)}"
    run = lambda: con.execute(f"ATTACH {sql_string(str(path))} AS {alias} (READ_ONLY)")  # noqa: E731
    try:
        attach(run) if attach else run()
        con.execute(f"USE {alias}")
        yield con
    finally:
        con.close()  # ends whatever the caller left open
        _detach(database, alias)


def _detach(database: duckdb.DuckDBPyConnection, alias: str) -> None:
    """Let go of an attached store. Should DuckDB refuse, the process's database is retired (a new one serves
    the next reads): nothing holds it then but its readers' cursors, so it closes, and the file with it, once the
    last is done (a file left attached would keep every writer out)."""
    with _SHARED_LOCK:
        con = database.cursor()
    try:
        con.execute(f"DETACH DATABASE IF EXISTS {alias}")
    except duckdb.Error:
        with _SHARED_LOCK:
            if os.getpid() in _SHARED and _SHARED[os.getpid()][0] is database:
                _RETIRED.append(_SHARED.pop(os.getpid())[1])  # its spill folder kept while it may still spill
    finally:
        con.close()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_SETTINGS_READ: dict[tuple[str, str], str] = {}  # the last value of each setting read, per store
_FULL = ("no space left", "file too large", "disk quota", "disk is full", "not enough space")


def one_value(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    """The single value a query returns (a query that returns no row is a bug here: say which)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise StoreError(f"The store returned no row for {sql[:60]!r}: it may be damaged; import again to rebuild.")
    return row[0]


def schema_number(path: Path, value: object) -> int:
    """The store's schema version as written in its ``meta`` table, a whole number from 1. Anything else (a
    damaged or hand-edited file: ``'abc'``, ``'-1'``, 5,000 digits) is a StoreError that says what to do; the
    caller has changed nothing yet, so the file is left exactly as it was."""
    text = str(value).strip()
    try:
        number = int(text) if text.isascii() and len(text) <= 20 else 0
    except ValueError:
        number = 0
    if number < 1:
        raise StoreError(
            f"The store {path} is damaged: its schema version reads {text[:20]!r}, not a version number. It was "
            "left as it is. Restore it from a backup, or move it away (or point SCE_STORE, or --store, to another "
            "file) and pull or import again into a new store."
        )
    return number


def write_failure(path: Path, exc: BaseException) -> StoreError:
    """A failed write as a message that says what to do (a full disk is named as such, never "cannot
    rollback"); the mentions are as they were."""
    text = str(exc)
    if (isinstance(exc, OSError) and exc.errno in (28, 27, 122)) or any(s in text.lower() for s in _FULL):
        return StoreError(
            f"The disk that holds {path.parent} is full (or a file size limit was reached): free some space and "
            "try again. Your mentions are as they were."
        )
    first = (text.splitlines() or [type(exc).__name__])[0][:200]
    return StoreError(f"The store {path.name} could not be written ({first}). Your mentions are as they were.")


class Store:
    """A mentions store at ``path`` (created on first write)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._pending_version: list[str] = []

    # -- reading ------------------------------------------------------------------------------
    @property
    def _version_file(self) -> Path:
        return self.path.with_name(self.path.name + ".version")

    def exists(self) -> bool:
        return self.path.exists()

    def version(self) -> str:
        """A token that changes with every committed write ('' for a store that doesn't exist yet).

        Read from the sidecar file; if the store (or its write-ahead log) changed after the sidecar was written
        and no writer is at work, the sidecar may be stale (a writer killed between its commit and the
        sidecar): then the version comes from the store itself, and the sidecar is repaired."""
        try:
            noted, stamp = self._version_file.read_text().strip(), self._version_file.stat().st_mtime_ns
        except FileNotFoundError:
            if not self.exists():
                return ""
            noted, stamp = None, -1
        changed = max((p.stat().st_mtime_ns for p in self._data_files() if p.exists()), default=-1)
        if noted is not None and changed < stamp:
            return noted
        return self._repair_version(noted)

    def _data_files(self) -> tuple[Path, Path]:
        return self.path, self.path.with_name(self.path.name + ".wal")

    def _repair_version(self, noted: str | None) -> str:
        try:
            lock = open(self.path.with_name(self.path.name + ".lock"), "rb")  # noqa: SIM115
        except OSError:
            lock = None
        try:
            if lock is not None:
                try:
                    fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:  # a writer is at work: it publishes when it is done
                    return noted or ""
            try:
                with self._reader() as con:
                    current = self._read_version(con)
            except StoreError:
                return noted or ""
            with contextlib.suppress(OSError):  # a read-only copy of the folder: the next writer repairs it
                self._publish_version(current)
            return current
        finally:
            if lock is not None:
                lock.close()

    @staticmethod
    def _read_version(con: duckdb.DuckDBPyConnection) -> str:
        rows = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('store_id', 'version')").fetchall())
        if rows.get("version", "0") == "0":
            return ""  # created, but nothing was ever committed to it
        return f"{rows['store_id']}:{rows['version']}"

    @contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # A read-only attach fails while a writer holds the file: from another process with a lock error,
        # from this one (an import in another session) because DuckDB won't attach a file twice in a process
        # unless both are read-only. Writes are short, so wait a little, then say so. The store is attached to the
        # process's in-memory database (``shared_database``), not opened as a database of its own: that cost
        # 20 ms of CPU per read.
        with attached_read_only(self.path, self._open_reading) as con:
            try:
                yield con
            except duckdb.IOException as exc:  # pages the attach did not read: a file cut short or overwritten
                raise StoreError(
                    f"Cannot read the store {self.path.name}: {exc}. If the file was cut short or changed by another "
                    "program, put back a good copy of it, or import your data again into a new store."
                ) from exc

    def _open_reading(self, connect: Callable[[], T]) -> T:
        """``connect()``, tried again while a writer holds the store (for ``READ_RETRY_SECONDS``)."""
        deadline = time.monotonic() + READ_RETRY_SECONDS
        while True:
            try:
                return connect()
            except (
                duckdb.IOException,
                duckdb.ConnectionException,
                duckdb.InvalidInputException,
                duckdb.ResourceInUseException,  # the file attached for writing in this process
            ) as exc:
                text = str(exc).lower()
                busy = "lock" in text or "different configuration" in text or "conflict" in text
                if not busy:
                    raise StoreError(f"Cannot read the store {self.path}: {exc}") from exc
                if time.monotonic() > deadline:
                    raise StoreBusy(
                        f"The store {self.path.name} is being written (a pull or an import). Try again in a "
                        "moment; nothing is lost."
                    ) from None
                time.sleep(0.1)

    @contextmanager
    def bulk_reader(self, memory_mb: int = BULK_MEMORY_MB, threads: int = BULK_THREADS) -> Iterator[BulkRead]:
        """A read of the whole data in bounded memory (an export, a snapshot publish): DuckDB keeps within
        ``memory_mb`` and spills sorts and joins to a temporary folder, whatever the store's size. The store is
        attached read-only to a connection of its own (so that the app's readers in this process go on), the
        tables under their own names, and a view ``mention_rows``: the mentions with their position in the
        store's row order as ``_row`` (later rows were written later)."""
        if not self.exists():
            raise StoreError(f"No store at {self.path}: pull from Qualtrics or import a file first.")
        self.ensure_schema()
        with bulk_connection(memory_mb, threads) as con:

            def attach() -> duckdb.DuckDBPyConnection:
                con.execute(f"ATTACH {sql_string(str(self.path))} AS store (READ_ONLY)")
                return con

            self._open_reading(attach)
            try:
                con.execute("USE store")
                con.execute("CREATE TEMP VIEW mention_rows AS SELECT *, rowid AS _row FROM mentions")
                yield BulkRead(con, self._read_version(con))
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.execute("USE memory")
                    con.execute("DETACH store")

    def ensure_schema(self) -> None:
        """Migrate a store written by an older version before it is read (opening it for writing does), and
        finish the clusters' backfill that a migration began, if it was stopped (killed, a full disk)."""
        version, pending = self._schema_and_backfill()
        wait = LOCK_WAIT_SECONDS
        if version < SCHEMA_VERSION:
            with self._writer():  # a read-only snapshot refuses here, with a message that names its writer
                pass
        elif pending:
            # Only the backfill is left: a store this process cannot write (a read-only folder) is read as it is,
            # and a write under way finishes the backfill before anything else (a page does not wait for it).
            if not os.access(self.path.parent, os.W_OK):
                return
            wait = 0.0
        else:
            return
        try:
            with self._writer_lock(wait):
                self.fill_clusters()  # the near-duplicate clusters of a store written before they were kept
        except (StoreBusy, OSError):  # busy, or a read-only file system however the folder's mode reads
            if version < SCHEMA_VERSION:
                raise
        except duckdb.Error as exc:  # a full disk, say: named, and the next open goes on where it stopped
            raise write_failure(self.path, exc) from exc

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A small read-only query; an absent store reads as empty tables."""
        if not self.exists():
            return pd.DataFrame()
        with self._reader() as con:
            return con.execute(sql, params or []).df()

    def arrow(self, sql: str, params: list | None = None) -> pa.Table:
        """A read-only query answered as an Arrow table (no pandas copy): a scan whose answer may be large."""
        with self._reader() as con:
            return con.sql(sql, params=params or None).to_arrow_table()

    def count(self) -> int:
        if not self.exists():
            return 0
        with self._reader() as con:
            return int(one_value(con, "SELECT count(*) FROM mentions"))

    def read_table(self, columns: Iterable[str]) -> tuple[pa.Table, str]:
        """Columns of every mention (enrichment columns included) as an Arrow table, with the version."""
        table, _, version = self.read_model(columns, vocabulary=False)
        return table, version

    def read_model(self, columns: Iterable[str], vocabulary: bool = True) -> tuple[pa.Table, pa.Table | None, str]:
        """What the in-memory model is built from, read in one snapshot: the mentions' ``columns`` (enrichment
        columns joined by uniqueId), the term vocabulary, and the store version."""
        columns = list(columns)
        clusters = near_duplicates.READ_COLUMNS
        names = ", ".join(
            f'{clusters[c]} AS "{c}"' if c in clusters else f'e."{c}"' if c in ENRICHMENT_COLUMNS else f'm."{c}"'
            for c in columns
        )
        joined = ' LEFT JOIN near_duplicates d USING ("uniqueId")' if set(columns) & set(clusters) else ""
        if not self.exists():
            raise StoreError(f"No store at {self.path}: pull from Qualtrics or import a file first.")
        self.ensure_schema()
        with self._reader() as con:
            table = con.sql(f'SELECT {names} FROM mentions m LEFT JOIN enrichment e USING ("uniqueId"){joined}')
            table = table.to_arrow_table()
            vocab = con.sql("SELECT * FROM vocab ORDER BY id").to_arrow_table() if vocabulary else None
            return table, vocab, self._read_version(con)

    def read_copies(self, keys: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
        """The stored near-duplicate cluster and item (lib/store/near_duplicates.py) of each of ``keys``, in their
        order; -1 for a key the store keeps none for; None where there is no such table (a snapshot published
        before the clusters were kept). Read apart from ``read_model`` so that a model can ask for them only when
        a question needs them."""
        n = len(keys)
        cluster = np.full(n, -1, dtype=np.int64)
        item = np.full(n, -1, dtype=np.int64)
        wanted = pa.table({"row": pa.array(np.arange(n, dtype=np.int64)), "uniqueId": keys})
        with self._reader() as con:
            con.register("wanted", wanted)
            try:
                found = con.sql(
                    'SELECT w."row", d.cluster, d.item FROM wanted w JOIN near_duplicates d USING ("uniqueId")'
                ).to_arrow_table()
            except duckdb.CatalogException:
                return None
        rows = found["row"].to_numpy()
        cluster[rows] = pc.fill_null(found["cluster"], -1).to_numpy()
        item[rows] = pc.fill_null(found["item"], -1).to_numpy()
        return cluster, item

    def log(self, limit: int = 100) -> pd.DataFrame:
        """The newest pulls and imports first."""
        return self.query("SELECT * FROM ingest_log ORDER BY id DESC LIMIT ?", [limit])

    # -- writing ------------------------------------------------------------------------------
    @contextmanager
    def _writer_lock(self, wait: float) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreBusy(
                            f"Another pull or import is writing to {self.path}. Wait for it to finish, then try again."
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def _writer(self, wait: float = LOCK_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._writer_lock(wait), self._open_for_writing(wait) as con:
            yield con

    @contextmanager
    def _open_for_writing(self, wait: float = LOCK_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        """The store open read-write (the caller holds the lock). Readers in this process (other app sessions)
        hold the file for a moment: wait for them."""
        deadline = time.monotonic() + wait
        while True:
            try:
                con = duckdb.connect(str(self.path))
                break
            except duckdb.Error as exc:
                text = str(exc).lower()
                busy = "lock" in text or "different configuration" in text or "conflict" in text
                if not busy or time.monotonic() > deadline:
                    raise StoreError(f"Cannot open the store {self.path} for writing: {exc}") from exc
                time.sleep(0.05)
        try:
            self._ensure_schema(con)
            yield con
        finally:
            con.close()
        if self._pending_version:  # after closing: the store's own files are written by then
            self._publish_version(self._pending_version.pop())

    def check_writable(self) -> None:
        """Refuse, before any work, a store whose folder or file this process cannot write (a read-only data
        folder would otherwise fail only after a whole download)."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".{self.path.name}.write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
            for path in (self.path, self.path.with_name(self.path.name + ".lock")):
                if path.exists():
                    os.close(os.open(path, os.O_WRONLY))
        except OSError as exc:
            raise StoreError(
                f"Cannot write to {folder} ({exc.strerror or exc}): make the data folder writable for this user, "
                "or point SCE_DATA_DIR (or --store) to one that is. Nothing was changed."
            ) from None

    @contextmanager
    def writing(
        self,
        *,
        kind: str,
        source: str,
        dataset_id: str = "",
        started: datetime | None = None,
        wait: float = LOCK_WAIT_SECONDS,
    ) -> Iterator[StagedWrite]:
        """A staged write (``lib/store/staging.py``) under the writers' lock: add batches, then ``commit``. Whatever
        fails on the way leaves the store as it was and is logged as a failed attempt."""
        started = started.astimezone(UTC).replace(tzinfo=None) if started else _now()
        self.check_writable()
        with self._writer_lock(wait):
            remove_stale(self.path)
            try:
                if not self._ready_for_writes():  # opening a database for each costs ~50 ms of CPU
                    with self._open_for_writing(wait):
                        pass  # creates the store, or migrates it, before anything is staged
                    self.fill_clusters()  # an older store's mentions get their near-duplicate clusters first
                write = StagedWrite(self, started)
            except duckdb.Error as exc:
                raise write_failure(self.path, exc) from exc
            try:
                yield write
            except BaseException as exc:
                error = write_failure(self.path, exc) if isinstance(exc, duckdb.Error | OSError) else exc
                if not was_logged(exc):
                    write.log_failure(started, kind, source, dataset_id, error)
                mark_logged(error)  # so that callers higher up do not log it twice
                if error is exc:
                    raise
                raise error from exc
            finally:
                write.close()

    def _ready_for_writes(self) -> bool:
        """Whether the store needs nothing before a write is staged (one read, a few ms): it exists, at the current
        schema, with all its tables, no clusters' backfill to finish and every mention clustered. Otherwise (or if
        the read fails) the write opens it first, to create, migrate or backfill it, or to say what is wrong."""
        if not self.exists():
            return False
        try:
            with self._reader() as con:
                meta = dict(
                    con.execute(
                        "SELECT key, value FROM meta WHERE key IN ('schema_version', 'store_id', ?)", [BACKFILL_PENDING]
                    ).fetchall()
                )
                if (
                    meta.get("schema_version") != str(SCHEMA_VERSION)
                    or "store_id" not in meta
                    or BACKFILL_PENDING in meta
                ):
                    return False
                found = con.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND "
                    "schema_name = 'main' AND table_name IN (SELECT unnest(?::VARCHAR[]))",
                    [list(_TABLES)],
                ).fetchall()[0][0]
                return found == len(_TABLES) and (not near_duplicates.ENABLED or near_duplicates.missing(con) == 0)
        except (StoreError, duckdb.Error):
            return False

    def _ensure_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        stored = self._stored_schema(con)
        if stored is not None and stored < SCHEMA_VERSION:
            self._migrate(con, stored)  # its tables are created within the migration's transaction
            return
        for ddl in _DDL:
            con.execute(ddl)
        found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found is None:
            con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?), ('store_id', ?), ('version', '0')",
                [str(SCHEMA_VERSION), uuid.uuid4().hex[:12]],
            )
        elif schema_number(self.path, found[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"The store {self.path} was written by a newer Social Connect Explorer (schema "
                f"{found[0]}, this one knows {SCHEMA_VERSION}). Upgrade the app to read it."
            )
        elif schema_number(self.path, found[0]) < SCHEMA_VERSION:
            self._migrate(con, schema_number(self.path, found[0]))

    @contextmanager
    def _rewrite(self, con: duckdb.DuckDBPyConnection) -> Iterator[list[str]]:
        """One transaction that changes mentions: commit and publish a new version, or roll back entirely.
        Yields a list that holds the new version once committed."""
        version: list[str] = []
        con.execute("BEGIN TRANSACTION")
        try:
            yield version
            con.execute(BUMP_VERSION)
            version.append(self._read_version(con))
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # after an I/O error DuckDB may have ended it already
                con.execute("ROLLBACK")
            raise
        if version[0]:
            self._pending_version.append(version[0])

    def _stored_schema(self, con: duckdb.DuckDBPyConnection) -> int | None:
        """The schema version the store was written with (None: a new store, or one without a version). A
        version that is no number is a StoreError before anything is written (``schema_number``)."""
        try:
            found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except duckdb.CatalogException:
            return None
        return schema_number(self.path, found[0]) if found else None

    def _migrate(self, con: duckdb.DuckDBPyConnection, from_version: int) -> None:
        """Bring an older store up to date, in one transaction and in bounded memory (``lib/store/migrate.py``): a
        failed or killed migration changes nothing."""
        remove_stale(self.path)  # what a killed migration staged (the caller holds the writers' lock)
        with self._rewrite(con):
            migrate(con, self.path, from_version, _DDL, _mentions_ddl("mentions_new"))
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
            # The clusters are filled after, a chunk per transaction: until the last, any open finishes them.
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')", [BACKFILL_PENDING])

    @staticmethod
    def _replace_columns(con: duckdb.DuckDBPyConnection, values: pd.DataFrame, missing: tuple = ()) -> None:
        """Rebuild the mentions table with some columns taken from ``values`` (keyed by uniqueId).

        A rebuild rather than an UPDATE keeps the primary key and works for list columns. ``missing`` names
        columns the current table does not have yet (a migration adds them).
        """
        replaced = [c for c in values.columns if c != "uniqueId"]
        con.register("replacement", values)
        picks = ", ".join(f'r."{c}"' if c in replaced else f'm."{c}"' for c in COLUMNS)
        con.execute("DROP TABLE IF EXISTS mentions_new")
        con.execute(_mentions_ddl("mentions_new"))
        con.execute(f'INSERT INTO mentions_new SELECT {picks} FROM mentions m JOIN replacement r USING ("uniqueId")')
        con.unregister("replacement")
        con.execute("DROP TABLE mentions")
        con.execute("ALTER TABLE mentions_new RENAME TO mentions")

    def fill_clusters(self, rows: int | None = None) -> int:
        """Give every mention without a near-duplicate cluster one (a store written before clusters were kept,
        or by an older app): streamed, ``rows`` mentions per transaction, so memory follows ``rows`` and a killed
        run resumes where it stopped. The caller holds the writers' lock. Returns how many were clustered."""
        done, version = 0, ""
        with bulk_connection() as con:
            # the app's readers in this process may hold the file a moment (a page opened as the write began)
            attach_waiting(con, f"ATTACH {sql_string(str(self.path))} AS store", LOCK_WAIT_SECONDS)
            try:
                while part := near_duplicates.backfill_chunk(con, rows or near_duplicates.BACKFILL_ROWS):
                    done += part
                con.execute("USE store")
                if done:  # the readers' models are keyed on the version: they read the clusters again
                    con.execute("BEGIN TRANSACTION")
                    con.execute(BUMP_VERSION)
                    version = self._read_version(con)
                    con.execute("DELETE FROM meta WHERE key = ?", [BACKFILL_PENDING])
                    con.execute("COMMIT")
                elif con.execute("SELECT 1 FROM meta WHERE key = ?", [BACKFILL_PENDING]).fetchall():
                    con.execute("DELETE FROM meta WHERE key = ?", [BACKFILL_PENDING])
            finally:
                con.execute("USE memory")
                con.execute("DETACH store")
        if done:
            self._publish_version(version)
        return done

    def setting(self, key: str, default: str = "") -> str:
        """A store setting (the tag delimiter, say); while a writer keeps readers out, the value last read."""
        if not self.exists():
            return default
        seen = (str(self.path), key)
        try:
            with self._reader() as con:
                found = con.execute("SELECT value FROM meta WHERE key = ?", [f"setting:{key}"]).fetchall()
        except StoreBusy:
            if seen in _SETTINGS_READ:
                return _SETTINGS_READ[seen]
            raise
        _SETTINGS_READ[seen] = found[0][0] if found else default
        return _SETTINGS_READ[seen]

    def retag(self, delimiter: str) -> str:
        """Split every mention's kept raw tag string again by ``delimiter``; one transaction. Returns the version."""
        if not delimiter:
            raise StoreError("The tag delimiter cannot be empty.")
        with self._writer() as con, self._rewrite(con) as version:
            raw = con.execute('SELECT "uniqueId", "tagsRaw" FROM mentions').df()
            raw["tags"] = [split_tags(v or "", delimiter) for v in raw.pop("tagsRaw")]
            self._replace_columns(con, raw)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('setting:tag_delimiter', ?)", [delimiter])
        return version[0]

    def schema_version(self) -> int:
        return self._schema_and_backfill()[0]

    def _schema_and_backfill(self) -> tuple[int, bool]:
        """The store's schema version, and whether a migration's backfill of the clusters is still to finish."""
        with self._reader() as con:
            version = schema_number(self.path, one_value(con, "SELECT value FROM meta WHERE key = 'schema_version'"))
            pending = con.execute("SELECT 1 FROM meta WHERE key = ?", [BACKFILL_PENDING]).fetchall()
        return version, bool(pending)

    def _publish_version(self, version: str) -> None:
        tmp = self._version_file.with_suffix(".tmp")
        tmp.write_text(version)
        os.replace(tmp, self._version_file)

    def ingest(
        self,
        batches: Iterable[pd.DataFrame],
        *,
        kind: str,
        source: str,
        dataset_id: str = "",
        rows_rejected: int | Callable[[], int] = 0,
        continuation_token: str | None = None,
        message: str = "",
        wait: float = LOCK_WAIT_SECONDS,
        started: datetime | None = None,
    ) -> IngestResult:
        """Upsert normalised batches by ``uniqueId`` in one transaction, and log it.

        All or nothing: if any batch fails to arrive (a parse error, a dropped connection, Ctrl-C),
        the mentions are left exactly as they were and the log records the failed attempt. A batch with
        ``normalize``'s ``PRESENT`` column changes only the columns its rows have; without it, every column.
        ``rows_rejected`` may be a function, read once the batches are consumed.
        """
        with self.writing(kind=kind, source=source, dataset_id=dataset_id, started=started, wait=wait) as write:
            for batch in batches:
                write.add(batch)
            return write.commit(
                kind=kind,
                source=source,
                dataset_id=dataset_id,
                started=write.started,
                rows_rejected=rows_rejected,
                continuation_token=continuation_token,
                message=message,
                wait=wait,
            )

    @staticmethod
    def _append_log(con: duckdb.DuckDBPyConnection, started: datetime, entry: LogEntry) -> None:
        values = entry.values()
        con.execute(
            f"INSERT INTO ingest_log SELECT coalesce(max(id), 0) + 1, ?, ?, {', '.join('?' * len(values))} "
            "FROM ingest_log",
            [started, _now(), *values],
        )

    def _log_failure(self, con, started, kind, source, dataset_id, rows_in, exc: BaseException) -> None:
        reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        text = str(exc) if isinstance(exc, ExplorerError) else type(exc).__name__
        try:
            con.execute("BEGIN TRANSACTION")
            self._append_log(con, started, LogEntry(kind, source, dataset_id, rows_in, outcome=reason, message=text))
            con.execute("COMMIT")
        except duckdb.Error:
            # The failure being reported matters more than its log line.
            pass

    def record_failure(self, *, kind: str, source: str, dataset_id: str, started: datetime, exc: BaseException) -> None:
        """Log a pull or import that failed before it reached the store (the mentions are untouched)."""
        if was_logged(exc):
            return
        try:
            with self._writer(wait=5.0) as con:
                self._log_failure(con, started.astimezone(UTC).replace(tzinfo=None), kind, source, dataset_id, 0, exc)
        except (StoreError, duckdb.Error, OSError):
            pass  # e.g. another writer holds the lock: the error itself still reaches the user

    def last_success(self, dataset_id: str) -> dict | None:
        """The newest successful write for a dataset (continuation token, newest date), if any."""
        rows = self.query(
            "SELECT * FROM ingest_log WHERE dataset_id = ? AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
            [dataset_id],
        )
        return None if rows.empty else rows.iloc[0].to_dict()
