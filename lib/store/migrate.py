"""Schema migrations of the local store: all or nothing, in bounded memory at any size.

An older store is brought up to date in one transaction of the store's writer (``Store._rewrite``), so a
migration that fails or is killed at any point leaves the store exactly as it was (nothing is committed before
the end; DuckDB drops what an unfinished transaction wrote), and the next writer simply migrates again.

Memory stays flat because no step holds the mentions:

- version 1 → 2 rebuilds the mentions table with the entity columns (hashtags, handles, link domains) taken
  from each mention's text. The stored rows are read a batch at a time through a second connection (which sees
  the store as last committed: the old table), the entities added in Python, and the new table is filled by ONE
  ``INSERT`` that DuckDB reads from that stream of Arrow batches, in the store's row order (the export's
  tie-break). One statement matters: DuckDB writes its row groups to the file as they fill, while many
  ``INSERT``\\s of a batch each within one transaction kept memory that grew with the rows (measured: about
  180 bytes a row, 1.7 GB at 10M).
- version 2 → 3 adds the text enrichment: the texts are read a batch at a time, analysed by the enrichment
  worker processes, their vocabulary ids looked up per batch in SQL (new keys inserted as they come, a few rows
  each), the rows staged in a temporary Arrow file beside the store and copied by one ``INSERT`` at the end.
- version 4 → 5 drops the near-duplicate clusters of the chaining rule; the store's backfill
  (``Store.fill_clusters``, right after) computes them with the representative rule, so no store mixes the two.

DuckDB keeps within ``MIGRATE_MEMORY_MB`` meanwhile (it spills to the store's temporary folder). The staged
files are in a folder beside the store named as the staging files are (``.<store>.staging-migrate-…``): removed
at the end, or by the next writer after a kill (``lib/store/staging.py``'s ``remove_stale``).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.ipc

from lib.mentions.normalize import COLUMNS, ENTITY_COLUMNS, entities
from lib.store import near_duplicates
from lib.store.sql import identifier
from lib.text.enrich import Workers
from lib.text.vocabulary import Vocabulary, chunk_keys, encode_rows

MIGRATE_MEMORY_MB = 256  # DuckDB's share while a migration rebuilds or fills a table (it spills beyond)
READ_ROWS = 10_000  # mentions read, analysed and written at a time
_LIST = pa.list_(pa.string())


def migrate(
    con: duckdb.DuckDBPyConnection, store_path: Path, from_version: int, ddl: Iterable[str], new_mentions_ddl: str
) -> None:
    """Bring the store open on ``con`` up from ``from_version``, within the caller's transaction. ``ddl``: the
    current schema's ``CREATE TABLE IF NOT EXISTS`` statements, run first (inside the transaction, so that a
    failed migration leaves no new empty table behind either); ``new_mentions_ddl``: the mentions table's
    definition under the name ``mentions_new``."""
    limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0]
    con.execute(f"SET memory_limit = '{MIGRATE_MEMORY_MB}MB'")
    con.execute("SET enable_progress_bar = false")  # a long copy must not draw on the CLI's output
    try:
        for statement in ddl:
            con.execute(statement)
        if from_version in (4, 5):  # clusters of word sets (4: chained too): dropped, the backfill computes them anew
            for table in near_duplicates.TABLES:
                con.execute(f"DROP TABLE {table}")
            for statement in near_duplicates.DDL:
                con.execute(statement)
        with tempfile.TemporaryDirectory(dir=store_path.parent, prefix=f".{store_path.name}.staging-migrate-") as tmp:
            if from_version < 2:
                _add_entities(con, new_mentions_ddl)
            if from_version < 3:
                _enrich(con, Path(tmp))
    finally:
        with contextlib.suppress(duckdb.Error):  # after an I/O error DuckDB may refuse even this
            con.execute(f"SET memory_limit = '{limit[0]}'")


def _stream(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[pa.RecordBatch]:
    """The rows of ``sql`` as the store was last committed, ``READ_ROWS`` at a time, through a connection of their
    own (``con`` stays free for the writes), in the store's row order."""
    reader_con = con.cursor()
    try:
        yield from reader_con.sql(sql).to_arrow_reader(READ_ROWS)
    finally:
        reader_con.close()


def _add_entities(con: duckdb.DuckDBPyConnection, create: str) -> None:
    """Rebuild the mentions with their entity columns, filled from each mention's text and HTML."""
    old = [c for c in COLUMNS if c not in ENTITY_COLUMNS]

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in _stream(con, f"SELECT {', '.join(map(identifier, old))} FROM mentions"):
            found = [
                entities(text or "", html or "")
                for text, html in zip(
                    batch.column("messageContent").to_pylist(),
                    batch.column("messageContentHtml").to_pylist(),
                    strict=True,
                )
            ]
            extra = [pa.array([f[i] for f in found], _LIST) for i in range(len(ENTITY_COLUMNS))]
            yield pa.RecordBatch.from_arrays([*batch.columns, *extra], names=[*old, *ENTITY_COLUMNS])

    types = con.sql(f"SELECT {', '.join(map(identifier, old))} FROM mentions LIMIT 0").to_arrow_table().schema
    con.execute("DROP TABLE IF EXISTS mentions_new")
    con.execute(create)
    rows = pa.RecordBatchReader.from_batches(
        pa.schema([*types, *(pa.field(c, _LIST) for c in ENTITY_COLUMNS)]), batches()
    )
    con.register("migrated_rows", rows)
    try:
        con.execute("INSERT INTO mentions_new BY NAME SELECT * FROM migrated_rows")
    finally:
        with contextlib.suppress(duckdb.Error):  # the transaction may have failed: its error is the one to see
            con.unregister("migrated_rows")
    con.execute("DROP TABLE mentions")
    con.execute("ALTER TABLE mentions_new RENAME TO mentions")


def _enrich(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """The text enrichment of every mention (the enrichment table is filled anew), staged in ``folder``."""
    path = folder / "enrichment.arrows"
    schema = pa.schema(
        [
            ("uniqueId", pa.string()),
            ("termIds", pa.list_(pa.int32())),
            ("phraseIds", pa.list_(pa.int32())),
            ("vaderCompound", pa.float64()),
        ]
    )
    next_id = con.execute("SELECT coalesce(max(id), -1) + 1 FROM vocab").fetchall()[0][0]
    workers = Workers()
    try:
        with pa.ipc.new_stream(str(path), schema) as out:
            for batch in _stream(con, 'SELECT "uniqueId", "messageContent", "messageLanguage" FROM mentions'):
                chunks = workers.analyse(
                    batch.column("messageContent").to_pylist(), batch.column("messageLanguage").to_pylist()
                )
                wanted = pa.table({"key": pa.array(chunk_keys(chunks), pa.string())})
                con.register("wanted", wanted)
                found = con.execute("SELECT key, id FROM vocab JOIN wanted USING (key)").fetchall()
                con.unregister("wanted")
                vocabulary = Vocabulary([k for k, _ in found], [i for _, i in found], next_id=next_id)
                rows = encode_rows(batch.column("uniqueId").cast(pa.string()), chunks, vocabulary)
                next_id = vocabulary.next_id
                new_keys = vocabulary.new_rows()
                if new_keys.num_rows:
                    con.register("new_keys", new_keys)
                    con.execute("INSERT INTO vocab SELECT * FROM new_keys")
                    con.unregister("new_keys")
                out.write_table(rows.cast(schema))
    finally:
        workers.close()
    con.execute("DELETE FROM enrichment")
    with pa.OSFile(str(path)) as source:
        con.register("enriched", pa.ipc.open_stream(source))
        try:
            con.execute("INSERT INTO enrichment SELECT * FROM enriched")
        finally:
            with contextlib.suppress(duckdb.Error):
                con.unregister("enriched")
