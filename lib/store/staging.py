"""A write prepared beside the store, then applied to it in one short transaction.

Reading, normalising and enriching a large file takes minutes, and DuckDB lets a file be open by one writer
*or* by readers, never both. So a pull or an import holds only the writers' lock file while it works: it
writes its batches into a staging database beside the store (``.<store>.staging-<pid>-<id>.duckdb``: a
file, so DuckDB keeps in memory only what its ``memory_limit`` allows), with the store attached read-only,
so the app goes on reading the store all along. The mentions of each batch are written as a Parquet file
beside it (``.<store>.staging-<pid>-<id>.rows/``), read by the commit as the table ``rows``: inserting them into a
DuckDB table compressed every batch once there and once more in the store (about 6 s of CPU per 100k
realistic mentions, against 0.5 s for Parquet). The text enrichment of a batch runs in worker processes
while the next batch is read and normalised.

Then it applies them in one transaction: the new and changed mentions replace their rows, each taking from
the file only the columns the file has (``lib/mentions/normalize.py``'s ``PRESENT`` bits: a column present but blank
is a value, a column absent is not), the new vocabulary and the enrichment go in, the version and the log
advance. Only that copy keeps readers out.

A failure or a kill at any point leaves the store as it was: before the commit nothing of the write is in
it. The staging files are removed when the write ends, or by the next writer after a kill. Memory is bounded by
the batch size and DuckDB's ``memory_limit``, never by the size of the write.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lib.mentions.normalize import ALL_PRESENT, BIT, COLUMNS, PRESENT
from lib.store import near_duplicates, parts
from lib.store.sql import identifier as _q
from lib.store.sql import sql_string
from lib.text import vocabulary as textindex
from lib.text.enrich import Workers
from lib.text.near_duplicates import Sketch, sketch
from lib.text.vocabulary import ENRICHMENT_COLUMNS, Vocabulary, chunk_keys, encode_rows

if TYPE_CHECKING:
    from lib.store.local import IngestResult, Store


@dataclass(frozen=True)
class LogEntry:
    """One line of the store's ``ingest_log``: a pull or an import, what it did and how it ended."""

    kind: str  # "pull" or "import"
    source: str  # the file name, or the Qualtrics host
    dataset_id: str  # the id that was read (for a pull, the one that worked)
    rows_in: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_rejected: int = 0
    continuation_token: str | None = None
    newest_date: datetime | None = None
    outcome: str = "ok"  # ok, failed, interrupted
    message: str = ""

    def values(self) -> list:
        """In the order of the table's columns after ``started_at`` and ``finished_at``."""
        return [getattr(self, f.name) for f in fields(self)]


DEFAULT_MEMORY_MB = 1024
# Of the cap, DuckDB's limit while batches are staged (the enrichment workers hold the rest), then for the
# clusters and the copy, then for a second try when those ran out (the workers are done by then).
# The cap divided by these: each phase's DuckDB memory limit (parts: lib/store/parts.py, three eighths of the cap).
MEMORY_SHARES = {"staging": 16, "commit": 8, "retry": 2, "parts": 8 / 3}
MIN_MEMORY_MB = 768  # the interpreter, the libraries and two enrichment workers take about 400 MB
ENRICH_MIN_TEXTS = 5_000  # a batch this large is analysed on every core
# What a new mention takes in the copy's transaction: its key in the mentions' index and in the enrichment's.
INDEX_BYTES_PER_ROW = 320
STAGING_CHECKPOINT = "256MB"  # write-ahead log between the staging file's checkpoints
ATTACH_WAIT_SECONDS = 30.0  # as the writers' lock waits (lib/store/local.py LOCK_WAIT_SECONDS)
_TEXT = BIT["messageContent"] | BIT["messageLanguage"]


def memory_cap_mb() -> int:
    """``SCE_IMPORT_MEMORY_MB``: the memory a pull or import may use, its enrichment workers included (default
    1024, at least 768). DuckDB gets a sixteenth of it; a batch of rows a sixty-fourth, in raw text
    (lib/sources/ingest.py)."""
    try:
        return max(MIN_MEMORY_MB, int(os.environ.get("SCE_IMPORT_MEMORY_MB") or DEFAULT_MEMORY_MB))
    except ValueError:
        return DEFAULT_MEMORY_MB


T = TypeVar("T")


def staging_files(store_path: Path) -> list[Path]:
    """The staging files of writes, and their copies of the store (lib/store/parts.py)."""
    return sorted(store_path.parent.glob(f".{store_path.name}.staging-*")) + parts.writing_files(store_path)


def remove_stale(store_path: Path) -> None:
    """Staging files of writes that were killed (the caller holds the writers' lock: none is running)."""
    for path in staging_files(store_path):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


class StagedWrite:
    """Batches of normalised mentions staged beside ``store``, applied by ``commit``. Use within
    ``store.writing()``, which holds the lock and cleans up."""

    def __init__(self, store: Store, started: datetime, memory_mb: int | None = None):
        self.store, self.started = store, started  # started: when the pull or import began (UTC), for the log
        cap = memory_mb or memory_cap_mb()
        stem = f".{store.path.name}.staging-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.path = store.path.with_name(stem + ".duckdb")
        self.spill = store.path.with_name(stem + ".tmp")
        self.batches = store.path.with_name(stem + ".rows")  # a Parquet file per batch of mentions
        self.batches.mkdir()
        self.copy: Path | None = None  # the copy of the store a large write is applied to (lib/store/parts.py)
        # Staging needs little (it spills); the copy into the store needs a row group and the store's key index
        # at hand: if a large store's index does not fit, the copy is tried once more with room for it.
        self.memory = {phase: f"{int(cap / share)}MB" for phase, share in MEMORY_SHARES.items()}
        self.con = duckdb.connect(
            config={
                "memory_limit": self.memory["staging"],
                "temp_directory": str(self.spill),
                "threads": 2,
            },
        )
        self.con.execute("SET enable_progress_bar = false")  # a long copy must not draw on the CLI's output
        # The staging file is thrown away: it is checkpointed rarely, not every 16 MB of batches (about 20 s of CPU
        # at 1M realistic mentions), but it is: never checkpointed, a 10M import ran out of staging's 64 MB after
        # ~2M mentions (1.1 GB of write-ahead log). The store's own checkpoint, at the copy's commit, gets the
        # threshold back (``_attach_for_writing``).
        self.checkpoint_threshold = self.con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0][0]
        self.con.execute(f"SET checkpoint_threshold = '{STAGING_CHECKPOINT}'")
        # The staging file under a name of its own: opened directly, DuckDB would name it after the file's stem,
        # which is the store's ("store" for a store.duckdb: it clashed with the store's attachment below).
        self.catalog = "staging"
        self.con.execute(f"ATTACH {sql_string(str(self.path))} AS {self.catalog}")
        self.con.execute(f"USE {self.catalog}")
        attach_waiting(self.con, f"ATTACH {sql_string(str(store.path))} AS store (READ_ONLY)", ATTACH_WAIT_SECONDS)
        self.attached = "ro"
        enrichment = ", ".join(_q(c) for c in ("uniqueId", *ENRICHMENT_COLUMNS))
        self.con.execute(
            f"CREATE TABLE enriched AS SELECT 0::BIGINT AS seq, {enrichment} FROM store.enrichment LIMIT 0"
        )
        self.con.execute("CREATE TABLE keys AS SELECT * FROM store.vocab LIMIT 0")
        near_duplicates.create_staging(self.con)
        self.next_id = self.con.execute("SELECT coalesce(max(id), -1) + 1 FROM store.vocab").fetchall()[0][0]
        self.seq = 0
        self.workers = Workers()  # processes kept for the whole write
        self.pool = ThreadPoolExecutor(1)  # waits on the enrichment workers while the caller reads on
        self.pending: tuple[Future, list[str], np.ndarray, np.ndarray | None] | None = None

    # -- staging ----------------------------------------------------------------------------------------
    def add(self, frame: pd.DataFrame) -> None:
        """Stage a batch of normalised mentions (``normalize``'s table; without ``PRESENT``, every column
        counts as present) and the enrichment of those whose text or language it brings."""
        if not len(frame):
            return
        n = len(frame)
        mask = frame[PRESENT].to_numpy(np.int64) if PRESENT in frame else np.full(n, ALL_PRESENT, np.int64)
        seqs = np.arange(self.seq, self.seq + n, dtype=np.int64)
        self.seq += n
        batch = _to_naive_utc(frame[list(COLUMNS)])
        batch.insert(0, "mask", mask)
        batch.insert(0, "seq", seqs)
        # Typed here, not guessed by DuckDB from the first rows: a list column empty in a batch's first 1,000
        # rows (no hashtag yet) was read as a list of NULLs and the first hashtag after them failed the import.
        table = pa.Table.from_pandas(batch, schema=_batch_schema(), preserve_index=False)
        pq.write_table(table, self.batches / f"{len(self._batch_files()):06d}.parquet", compression="lz4")
        del batch, table
        self._finish_enrichment()
        need = (mask & _TEXT) != 0
        if need.any():
            self._start_enrichment(frame.loc[need], mask[need], seqs[need])

    def _start_enrichment(self, frame: pd.DataFrame, mask: np.ndarray, seqs: np.ndarray) -> None:
        """Analyse the texts of a batch in worker processes; ``_finish_enrichment`` stages the result."""
        ids = frame["uniqueId"].astype(str).tolist()
        texts = frame["messageContent"].astype(str).tolist()
        languages = frame["messageLanguage"].astype(str).tolist()
        partial = np.flatnonzero((mask & _TEXT) != _TEXT)
        if len(partial):  # the text without the language, or the reverse: take the other from the store
            known = self._stored_text([ids[i] for i in partial])
            for i in partial:
                if i_known := known.get(ids[i]):
                    if not mask[i] & BIT["messageContent"]:
                        texts[i] = i_known[0]
                    else:
                        languages[i] = i_known[1]
        # The near-duplicate sketches of the texts it brings are computed beside the analysis, on every core.
        content = (mask & BIT["messageContent"]) != 0
        sketched = near_duplicates.ENABLED and bool(content.any())
        self.pending = (
            self.pool.submit(self._analyse, texts, languages, sketched),
            ids,
            seqs,
            content if sketched else None,
        )

    def _analyse(self, texts: list[str], languages: list[str], sketched: bool) -> tuple[list, Sketch | None]:
        """A large batch goes to the worker processes kept for the whole write (no process start and no lexicon
        load per batch: that cost about 2.5 s of CPU per worker and batch); a small one is analysed here. With
        ``sketched``, each text's near-duplicate sketch too (lib/text/near_duplicates.py)."""
        if len(texts) >= ENRICH_MIN_TEXTS:
            if not sketched:
                return self.workers.analyse(texts, languages), None
            chunks, parts = self.workers.analyse_and_sketch(texts, languages)
            return chunks, Sketch.concat([Sketch(*part) for part in parts])
        chunks = textindex.analyse_all(texts, languages, min_texts=ENRICH_MIN_TEXTS)
        return chunks, sketch(texts) if sketched else None

    def _finish_enrichment(self) -> None:
        """Stage the enrichment of the batch before: its keys get vocabulary ids (new keys the next free ones)."""
        if self.pending is None:
            return
        future, ids, seqs, content = self.pending
        self.pending = None
        chunks, sketched = future.result()
        if sketched is not None and content is not None:
            near_duplicates.stage(self.con, seqs[content], sketched.take(np.flatnonzero(content)))
        keys = pa.table({"key": pa.array(chunk_keys(chunks), pa.string())})
        self.con.register("wanted", keys)
        found = self.con.execute(
            "SELECT key, id FROM store.vocab JOIN wanted USING (key) "
            "UNION ALL SELECT key, id FROM keys JOIN wanted USING (key)"
        ).fetchall()
        self.con.unregister("wanted")
        vocabulary = Vocabulary([k for k, _ in found], [i for _, i in found], next_id=self.next_id)
        rows = encode_rows(pa.array(ids, pa.string()), chunks, vocabulary)
        self.next_id = vocabulary.next_id
        new_keys = vocabulary.new_rows()
        self.con.register("new_keys", new_keys)
        self.con.execute("INSERT INTO keys SELECT * FROM new_keys")
        self.con.unregister("new_keys")
        self.con.register("enriched_batch", rows.add_column(0, "seq", pa.array(seqs)))
        self.con.execute("INSERT INTO enriched SELECT * FROM enriched_batch")
        self.con.unregister("enriched_batch")

    def _stored_text(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        rows = self.con.execute(
            'SELECT "uniqueId", "messageContent", "messageLanguage" FROM store.mentions '
            'WHERE "uniqueId" IN (SELECT unnest(?::VARCHAR[]))',
            [ids],
        ).fetchall()
        return {uid: (text or "", lang or "") for uid, text, lang in rows}

    # -- applying -------------------------------------------------------------------------------------
    def _prepare(self) -> tuple[int, int, int, datetime | None]:
        """Everything the transaction copies, computed beside the store: the last copy of each mention, the
        stored rows it replaces merged with it, and its enrichment. Returns (rows in, new, updated, newest)."""
        self._finish_enrichment()
        self.workers.close()  # their memory goes back before the clusters and the copy take theirs
        con = self.con
        self._rows_view()
        rows_in, repeats = con.execute('SELECT count(*), count(*) - count(DISTINCT "uniqueId") FROM rows').fetchall()[0]
        # Joins over the whole write and the stored mentions it touches: like the clusters below, they need more
        # than staging a batch did (a 100k file imported again into a store of its mentions ran out of 64 MB),
        # so they run with the commit's room, and once more with more. Each statement can run again.
        updated = self._with_room(lambda: self._merge(bool(repeats)))
        newest = con.execute('SELECT max(coalesce("datePublished", "dateAdded")) FROM incoming').fetchall()[0][0]
        # The clusters the write changes (lib/store/near_duplicates.py): its joins over every new mention need more
        # than staging a batch did (a 1M import ran out of 64 MB), and the enrichment workers are done by now.
        self._with_room(lambda: near_duplicates.prepare(con))
        unique = rows_in - repeats
        return rows_in, unique - updated, updated, newest

    def _batch_files(self) -> list[Path]:
        return sorted(self.batches.glob("*.parquet"))

    def _rows_view(self) -> None:
        """``rows``: every staged mention, in the order staged (``seq``), with the staging table's types."""
        files = self._batch_files()
        if not files:
            self.con.execute(
                "CREATE OR REPLACE TABLE rows AS "
                "SELECT 0::BIGINT AS seq, 0::BIGINT AS mask, * FROM store.mentions LIMIT 0"
            )
            return
        listed = ", ".join(sql_string(str(f)) for f in files)
        self.con.execute(f"CREATE OR REPLACE VIEW rows AS SELECT * FROM read_parquet([{listed}])")
        # From here on one thread: the mentions go into the store in the order they were staged, which the
        # clusters' numbering and the model's rows follow. Two threads scanning several files through a join
        # (``NOT IN``, ``IN``) put a later batch first; the copy and the clusters ran on one core all the same.
        self.con.execute("SET threads = 1")

    def _merge(self, repeats: bool) -> int:
        """The write's last copy of each mention (``incoming``), the stored mentions it updates merged with it
        (``merged``) and the enrichment to copy (``enrich_final``). Returns how many it updates."""
        con = self.con
        if repeats:  # within one write the last copy of a mention wins, as it would across writes
            con.execute(
                "CREATE OR REPLACE TABLE incoming AS SELECT * FROM rows "
                'WHERE seq IN (SELECT max(seq) FROM rows GROUP BY "uniqueId")'
            )
        else:
            con.execute("CREATE OR REPLACE VIEW incoming AS SELECT * FROM rows")
        picks = []
        for column in COLUMNS:
            if column == "uniqueId":
                picks.append('i."uniqueId"')
            elif column == "extra":  # the file's extra columns join the stored ones
                picks.append(
                    f"CASE WHEN i.mask & {BIT['extra']} = 0 THEN m.extra "
                    "WHEN coalesce(m.extra, '') = '' OR NOT json_valid(m.extra) THEN i.extra "
                    "WHEN i.extra = '' THEN m.extra ELSE json_merge_patch(m.extra, i.extra)::VARCHAR END AS extra"
                )
            else:
                picks.append(
                    f"CASE WHEN i.mask & {BIT[column]} <> 0 THEN i.{_q(column)} ELSE m.{_q(column)} END AS {_q(column)}"
                )
        # Only the mentions already stored are merged; new ones are copied as they came.
        con.execute(
            f"CREATE OR REPLACE TABLE merged AS SELECT {', '.join(picks)} FROM incoming i "
            'JOIN store.mentions m ON m."uniqueId" = i."uniqueId"'
        )
        enrichment = ", ".join(f"e.{_q(c)}" for c in ("uniqueId", *ENRICHMENT_COLUMNS))
        con.execute(
            f"CREATE OR REPLACE TABLE enrich_final AS SELECT {enrichment} FROM enriched e "
            + ("WHERE e.seq IN (SELECT seq FROM incoming) " if repeats else "")
            + 'UNION ALL SELECT i."uniqueId", []::INTEGER[], []::INTEGER[], NULL::DOUBLE FROM incoming i '
            f'WHERE i.mask & {_TEXT} = 0 AND i."uniqueId" NOT IN (SELECT "uniqueId" FROM merged)'
        )
        return int(con.execute("SELECT count(*) FROM merged").fetchall()[0][0])

    def commit(
        self,
        *,
        kind: str,
        source: str,
        dataset_id: str,
        started: datetime,
        rows_rejected: int | Callable[[], int],
        continuation_token: str | None,
        message: str,
        wait: float,
    ) -> IngestResult:
        from lib.store.local import IngestResult

        rows_in, new, updated, newest = self._prepare()
        # A write whose key indexes do not fit one transaction goes in parts, into a copy of the store.
        part_rows = parts.rows_per_part(rows_in, self.memory, INDEX_BYTES_PER_ROW)
        if part_rows is None:
            self._attach_for_writing(wait)
        rejected = rows_rejected() if callable(rows_rejected) else rows_rejected
        log = LogEntry(
            kind, source, dataset_id, rows_in, new, updated, rejected, continuation_token, newest, "ok", message
        )
        if part_rows is not None:
            version = parts.apply(self, part_rows, started, log, wait)
        else:
            # Before the copy is tried again, the store is attached afresh: a COMMIT that ran out of memory
            # ("Failed to commit: failed to pin block") left the attached store's key index holding the keys it had
            # not written (1M mentions: the second try failed on 'Duplicate key' with no enrichment row in the
            # store). A large write starts with room: the transaction holds the key indexes of its new mentions and
            # their enrichment (1M mentions ran out of 128 MB, and the first try had cost half a minute by then).
            roomy = rows_in * INDEX_BYTES_PER_ROW > _megabytes(self.memory["commit"]) * 1024**2
            version = self._with_room(
                lambda: self._copy(started, log), again=lambda: self._attach_for_writing(wait), roomy=roomy
            )
        self.detach()  # the store's files are written by then: the sidecar comes after them
        self.store._publish_version(version)
        return IngestResult(rows_in, new, updated, version)

    def _with_room(self, work: Callable[[], T], again: Callable[[], None] | None = None, roomy: bool = False) -> T:
        """``work`` (which can be run again) under the commit's memory limit, and once more with room if DuckDB
        runs out: a large store's key index, or a large write's clusters, may not fit the first. ``again``
        readies the second try. With ``roomy``, it starts with the room."""
        for limit in (self.memory["commit"], self.memory["retry"])[int(roomy) :]:
            try:
                self.con.execute(f"SET memory_limit = '{limit}'")
                return work()
            except duckdb.Error as exc:
                if limit == self.memory["retry"] or not _out_of_memory(exc):
                    raise
                if again is not None:
                    self.con.execute(f"SET memory_limit = '{self.memory['retry']}'")  # the attach needs room too
                    again()
        raise AssertionError("unreachable: the last limit re-raises")

    def _copy(self, started: datetime, log: LogEntry) -> str:
        """The one transaction that changes the store; returns the new version."""
        con, stage = self.con, _q(self.catalog)
        con.execute("BEGIN TRANSACTION")
        try:
            parts.copy_mentions(con, stage, bool(log.rows_updated))
            parts.copy_enrichment(con, stage)
            version = parts.finish(self, stage, started, log)
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        return version

    def _attach_for_writing(self, wait: float) -> None:
        """Swap the read-only attachment for a read-write one: the only moment readers are kept out. Readers
        in this process (other app sessions) hold the file briefly; wait for them."""
        self.detach()
        self.con.execute(f"SET checkpoint_threshold = '{self.checkpoint_threshold}'")
        attach_waiting(self.con, f"ATTACH {sql_string(str(self.store.path))} AS store", wait)
        self.attached = "rw"
        self.con.execute("USE store")

    def log_failure(self, started: datetime, kind: str, source: str, dataset_id: str, exc: BaseException) -> None:
        """Log a write that failed (the store is as it was). Best effort: a full disk may refuse even this."""
        try:
            if self.attached != "rw":
                self._attach_for_writing(5.0)
            self.store._log_failure(self.con, started, kind, source, dataset_id, self.seq, exc)
        except (duckdb.Error, OSError):
            pass

    def detach(self) -> None:
        if self.attached:
            with contextlib.suppress(duckdb.Error):
                self.con.execute(f"USE {_q(self.catalog)}")
                self.con.execute("DETACH store")
            self.attached = ""

    def close(self) -> None:
        if self.pending is not None:
            self.pending[0].cancel()
        self.pool.shutdown(wait=True)
        self.workers.close()
        self.detach()
        with contextlib.suppress(duckdb.Error):
            self.con.execute("PRAGMA disable_checkpoint_on_shutdown")  # the staging file is removed below
            self.con.close()
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.spill, ignore_errors=True)
        shutil.rmtree(self.batches, ignore_errors=True)
        if self.copy is not None:  # not renamed over the store: the write failed
            for path in (self.copy, self.copy.with_name(self.copy.name + ".wal")):
                path.unlink(missing_ok=True)


def attach_waiting(con: duckdb.DuckDBPyConnection, sql: str, wait: float) -> None:
    """Run ``sql``, an ATTACH of the store, waiting up to ``wait`` seconds while another connection of this
    process (a reader of another app session, the search side files being written) holds the file with another
    configuration: DuckDB refuses a second handle on a file it has open ("Unique file handle conflict")."""
    deadline = time.monotonic() + wait
    while True:
        try:
            con.execute(sql)
            return
        except duckdb.Error as exc:
            text = str(exc).lower()
            busy = "lock" in text or "conflict" in text or "already attached" in text or "configuration" in text
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _megabytes(limit: str) -> int:
    return int(limit.removesuffix("MB"))


def _out_of_memory(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return isinstance(exc, duckdb.OutOfMemoryException) or "pin block" in text or "out of memory" in text


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, if there is still a transaction: after an I/O error DuckDB may have ended it itself, and
    "cannot rollback" must not replace the error that matters."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


_LIST_COLUMNS = ("tags", "hashtags", "handles", "linkDomains")
_TIME_COLUMNS = ("dateAdded", "datePublished")


def _batch_schema() -> pa.Schema:
    """The types of a staged batch: the staging table's (lib/store/local.py's mentions, with seq and mask)."""

    def kind(column: str) -> pa.DataType:
        if column in _LIST_COLUMNS:
            return pa.list_(pa.string())
        return pa.timestamp("us") if column in _TIME_COLUMNS else pa.string()

    return pa.schema([("seq", pa.int64()), ("mask", pa.int64()), *((c, kind(c)) for c in COLUMNS)])


def _to_naive_utc(out: pd.DataFrame) -> pd.DataFrame:
    """``out`` (a copy the caller made) with its times as naive UTC microseconds, as the store keeps them."""
    for column in ("dateAdded", "datePublished"):
        out[column] = pd.to_datetime(out[column], utc=True).dt.tz_localize(None).astype("datetime64[us]")
    return out
