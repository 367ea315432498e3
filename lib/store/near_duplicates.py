"""Each mention's near-duplicate cluster, kept in the store and extended by every write (issue 20).

The clustering is lib/text/near_duplicates.py's (MinHash of word pairs, LSH bands; a text joins the earliest
cluster whose representative, its first text, it is alike to, or starts one: no chaining), made incremental over
three tables:

- ``near_duplicates`` ("uniqueId", item, text, cluster), one row per mention: ``item`` numbers the mentions in
  the order they came in (kept when a mention is updated), ``text`` is its distinct normalised text, and
  ``cluster`` the smallest item of its cluster's mentions, so the first mention of a cluster is the one whose
  item is its cluster. A mention alike to no other, a short text included, is a cluster of its own. This is
  the table the query backends read (it is published with the snapshot).
- ``near_duplicate_texts`` (text, form, usable, sig, component): each distinct normalised text once (``form``
  is a 64-bit hash of it), whether it has enough word pairs to be clustered, its MinHash signature (``NUM_PERM``
  uint32 as a blob) and its cluster of texts (``component``: the id of its representative text).
- ``near_duplicate_bands`` (band, key, text): the clusters listed in each band bucket (``text``: the cluster's
  representative), at most ``REPS_PER_BUCKET`` per bucket (the first ones): a cluster is listed in a bucket when
  any of its texts has that band key.

A write clusters only its own texts against the rest: the signatures of each batch are computed beside its text
analysis (in the enrichment worker processes, lib/text/enrich.py) and staged (``stage``); ``prepare`` (before the
write's transaction, with the store read-only) numbers the new distinct texts in the order they came and takes
them a part at a time: each part's band keys are looked up among the listed clusters (stored, and those of the
parts before), and ``assign`` compares each text with their representatives and gives it its cluster
(lib/text/near_duplicates.py);
then it works out the cluster of every mention whose cluster changes. ``apply`` copies that in, inside the
transaction that copies the mentions. So a failed or killed write leaves mentions and clusters as they were, and
an append-only store has the clusters a one-shot run over all its texts in store order would give
(tests/test_near_duplicates.py checks both). A mention whose text changes is clustered again as a new text; its
old text stays in the index (it may go on being a representative, as it was).

A store written before these tables existed, or with the clusters of an older rule (schema 4 chained pairs into
components; 4 and 5 compared word sets), gets them by ``backfill``: its mentions clustered a chunk at a time,
each chunk in its own transaction (a killed backfill resumes where it stopped), in memory bounded by the chunk.
"""

from __future__ import annotations

import contextlib

import duckdb
import numpy as np
import pyarrow as pa

from lib.text.near_duplicates import (
    NUM_PERM,
    Sketch,
    assign,
    band_keys,
    bands,
    sketch,
)

BANDS = bands()[0]
_KEYS = ", ".join(f"k{b} UBIGINT" for b in range(BANDS))
TABLES = ("near_duplicates", "near_duplicate_texts", "near_duplicate_bands")
DDL = (
    'CREATE TABLE IF NOT EXISTS near_duplicates ("uniqueId" VARCHAR, item BIGINT, text BIGINT, cluster BIGINT)',
    "CREATE TABLE IF NOT EXISTS near_duplicate_texts (text BIGINT, form UBIGINT, usable BOOLEAN, sig BLOB, "
    "component BIGINT)",
    "CREATE TABLE IF NOT EXISTS near_duplicate_bands (band UTINYINT, key UBIGINT, text BIGINT)",
)
STAGING_DDL = (  # in the staging database (lib/store/staging.py), or the backfill's memory
    "CREATE OR REPLACE TABLE dup_rows (seq BIGINT, form UBIGINT)",
    f"CREATE OR REPLACE TABLE dup_forms (form UBIGINT, usable BOOLEAN, sig BLOB, {_KEYS})",
)
_PRODUCTS = (
    "dup_need",
    "dup_new_texts",
    "dup_bands_add",
    "dup_texts_add",
    "dup_mentions_add",
    "dup_affected",
    "dup_final",
)
ENABLED = True  # bench/beyond.py turns it off to measure an ingest without the clustering; nothing else does
TEXTS_PER_PART = 50_000  # new distinct texts clustered at a time (memory: their signatures and candidate pairs)
BACKFILL_ROWS = 50_000
# What the in-memory model reads of them, beside each mention (lib/store/local.py ``read_model``).
READ_COLUMNS = {"copyCluster": "d.cluster", "copyItem": "d.item"}


def _forms_table(found: Sketch) -> tuple[pa.Table, np.ndarray]:
    """The staged row of each distinct text of ``found``."""
    _, first = np.unique(found.form, return_index=True)
    distinct = found.take(first)
    keys = band_keys(distinct.sig)
    columns = {
        "form": pa.array(distinct.form, pa.uint64()),
        "usable": pa.array(distinct.usable),
        "sig": _blobs(distinct.sig),
    }
    columns.update({f"k{b}": pa.array(keys[:, b], pa.uint64()) for b in range(BANDS)})
    return pa.table(columns), found.form


def _blobs(sig: np.ndarray) -> pa.Array:
    """Signatures as blobs of ``NUM_PERM`` uint32."""
    sig = np.ascontiguousarray(sig, dtype=np.uint32)
    offsets = pa.py_buffer((np.arange(len(sig) + 1, dtype=np.int32) * (NUM_PERM * 4)).tobytes())
    return pa.Array.from_buffers(pa.binary(), len(sig), [None, offsets, pa.py_buffer(sig.tobytes())])


EMPTY_FORM = int(sketch([""]).form[0])  # a mention without a text: a short text, its own cluster


def create_staging(con) -> None:
    """The staging tables, with the empty text's row (what a new mention without a text gets)."""
    for ddl in STAGING_DDL:
        con.execute(ddl)
    stage(con, np.zeros(0, dtype=np.int64), sketch([""]), rows=False)


def stage(con, seqs: np.ndarray, found: Sketch, rows: bool = True) -> None:
    """Stage the form, signature and band keys of a batch's texts (``found``: their ``sketch``, computed by the
    enrichment workers; ``seqs``: their staging order)."""
    if not ENABLED:
        return
    forms, hashes = _forms_table(found)
    con.register("dup_batch_forms", forms)
    con.execute("INSERT INTO dup_forms SELECT * FROM dup_batch_forms")
    con.unregister("dup_batch_forms")
    if rows:
        batch = pa.table({"seq": pa.array(seqs, pa.int64()), "form": pa.array(hashes, pa.uint64())})
        con.register("dup_batch_rows", batch)
        con.execute("INSERT INTO dup_rows SELECT * FROM dup_batch_rows")
        con.unregister("dup_batch_rows")


def _one(con, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _signatures(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Blobs of ``NUM_PERM`` uint32 as a (rows x NUM_PERM) array."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not len(array):
        return np.zeros((0, NUM_PERM), dtype=np.uint32)
    width = np.int64 if pa.types.is_large_binary(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.view(np.uint32).reshape(len(array), NUM_PERM)


def prepare(con, incoming: str = "incoming", store: str = "store") -> None:
    """Work out, in the current (staging) database, what the write changes in the clusters: the mentions of
    ``incoming`` (seq, "uniqueId") with their staged texts (``stage``), against the clusters of ``store``."""
    if not ENABLED:
        return
    for name in _PRODUCTS:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    next_text = _one(con, f"SELECT coalesce(max(text), -1) + 1 FROM {store}.near_duplicate_texts")
    next_item = _one(con, f"SELECT coalesce(max(item), -1) + 1 FROM {store}.near_duplicates")
    # The mentions to cluster: new ones (to the clusters), and stored ones whose text this write changes.
    con.execute(
        f'CREATE TABLE dup_need AS SELECT i.seq, i."uniqueId", coalesce(r.form, {EMPTY_FORM}::UBIGINT) AS form, '
        f"d.item AS old_item, d.text AS old_text FROM {incoming} i LEFT JOIN dup_rows r ON r.seq = i.seq "
        f'LEFT JOIN {store}.near_duplicates d ON d."uniqueId" = i."uniqueId" '
        f"LEFT JOIN {store}.near_duplicate_texts t ON t.text = d.text "
        'WHERE d."uniqueId" IS NULL OR (r.seq IS NOT NULL AND r.form <> t.form)'
    )
    # Their texts not stored yet, numbered in the order they came.
    con.execute(
        f"CREATE TABLE dup_new_texts AS SELECT {next_text} + row_number() OVER (ORDER BY f.first_seq) - 1 AS text, "
        "s.* FROM (SELECT n.form, min(n.seq) AS first_seq FROM dup_need n "
        f"ANTI JOIN {store}.near_duplicate_texts t ON t.form = n.form GROUP BY n.form) f "
        "JOIN (SELECT DISTINCT ON (form) * FROM dup_forms) s ON s.form = f.form"
    )
    con.execute(f"CREATE TABLE dup_texts_add AS SELECT * FROM {store}.near_duplicate_texts LIMIT 0")
    con.execute(f"CREATE TABLE dup_bands_add AS SELECT * FROM {store}.near_duplicate_bands LIMIT 0")
    n_new = _one(con, "SELECT count(*) FROM dup_new_texts")
    for first in range(next_text, next_text + n_new, TEXTS_PER_PART):
        _cluster_part(con, store, first, min(first + TEXTS_PER_PART, next_text + n_new))
    con.execute(
        'CREATE TABLE dup_mentions_add AS SELECT n."uniqueId", n.seq, n.old_text, coalesce(n.old_item, '
        f"{next_item} + row_number() OVER (PARTITION BY n.old_item IS NULL ORDER BY n.seq) - 1) AS item, x.text "
        "FROM dup_need n JOIN (SELECT text, form FROM dup_new_texts UNION ALL "
        f"SELECT t.text, t.form FROM {store}.near_duplicate_texts t SEMI JOIN dup_need n ON n.form = t.form) x "
        "ON x.form = n.form"
    )
    stored_component = (
        f"SELECT t.component FROM {{rows}} JOIN {store}.near_duplicate_texts t ON t.text = {{column}} WHERE t.usable"
    )
    con.execute(
        "CREATE TABLE dup_affected AS SELECT DISTINCT component FROM ("
        "SELECT component FROM dup_texts_add WHERE usable UNION ALL "
        + stored_component.format(rows="dup_mentions_add a", column="a.text")
        + " UNION ALL "
        + stored_component.format(rows="dup_mentions_add a", column="a.old_text")
        + ")"
    )
    # Every mention of a changed cluster, with its cluster after the write: kept where it changes.
    con.execute(
        "CREATE TABLE dup_final AS WITH texts AS ("
        f"SELECT text, usable, component FROM {store}.near_duplicate_texts "
        "UNION ALL SELECT text, usable, component FROM dup_texts_add), "
        f'ments AS (SELECT d."uniqueId", d.item, d.text, d.cluster AS before FROM {store}.near_duplicates d '
        'ANTI JOIN dup_mentions_add a ON a."uniqueId" = d."uniqueId" '
        'UNION ALL SELECT "uniqueId", item, text, NULL::BIGINT AS before FROM dup_mentions_add), '
        "touched AS (SELECT m.*, t.usable, t.component FROM ments m JOIN texts t ON t.text = m.text "
        "WHERE m.before IS NULL OR (t.usable AND t.component IN (SELECT component FROM dup_affected))) "
        'SELECT "uniqueId", item, text, cluster FROM (SELECT *, CASE WHEN usable THEN '
        "min(item) OVER (PARTITION BY component) ELSE item END AS cluster FROM touched) "
        "WHERE before IS NULL OR before <> cluster"
    )
    for name in ("dup_rows", "dup_forms", "dup_need", "dup_new_texts"):  # done with: memory back
        con.execute(f"DROP TABLE {name}")


def _cluster_part(con, store: str, first: int, end: int) -> None:
    """The clusters of the new texts ``first`` .. ``end - 1`` against the representatives listed before them (in
    the store, and by the parts before): into ``dup_texts_add`` and ``dup_bands_add``."""
    part = con.sql(f"SELECT * FROM dup_new_texts WHERE text >= {first} AND text < {end} ORDER BY text").to_arrow_table()
    sig = _signatures(part["sig"])
    usable = part["usable"].to_numpy(zero_copy_only=False).astype(bool)
    keys = np.stack([part[f"k{b}"].to_numpy() for b in range(BANDS)], axis=1).astype(np.uint64)
    rows = np.flatnonzero(usable)
    lookups = pa.table(
        {
            "pos": pa.array(np.repeat(rows, BANDS)),
            "band": pa.array(np.tile(np.arange(BANDS, dtype=np.uint8), len(rows))),
            "key": pa.array(keys[rows].reshape(-1)),
        }
    )
    con.register("dup_lookups", lookups)
    found = con.execute(
        "SELECT l.pos, l.band, b.text FROM dup_lookups l JOIN (SELECT band, key, text FROM "
        f"{store}.near_duplicate_bands UNION ALL SELECT band, key, text FROM dup_bands_add) b "
        "ON b.band = l.band AND b.key = l.key"
    ).fetchnumpy()
    con.unregister("dup_lookups")
    hits = (
        np.asarray(found["pos"], dtype=np.int64),
        np.asarray(found["band"], dtype=np.int64),
        np.asarray(found["text"], dtype=np.int64),
    )
    reps = np.unique(hits[2])
    con.register("dup_reps", pa.table({"text": pa.array(reps, pa.int64())}))
    known = con.sql(
        f"SELECT text, sig FROM (SELECT text, sig FROM {store}.near_duplicate_texts UNION ALL "
        "SELECT text, sig FROM dup_texts_add) SEMI JOIN dup_reps USING (text) ORDER BY text"
    ).to_arrow_table()
    con.unregister("dup_reps")
    cluster, (pos, band, rep) = assign(first, sig, keys, usable, hits, (reps, _signatures(known["sig"])))
    texts = part.select(["text", "form", "usable", "sig"]).append_column("component", pa.array(cluster, pa.int64()))
    con.register("dup_part_texts", texts)
    con.execute("INSERT INTO dup_texts_add SELECT * FROM dup_part_texts")
    con.unregister("dup_part_texts")
    added = pa.table(
        {
            "band": pa.array(band.astype(np.uint8)),
            "key": pa.array(keys[pos, band], pa.uint64()),
            "text": pa.array(rep, pa.int64()),
        }
    )
    con.register("dup_part_bands", added)
    con.execute("INSERT INTO dup_bands_add SELECT * FROM dup_part_bands")
    con.unregister("dup_part_bands")


def apply(con, staged: str) -> None:
    """Copy what ``prepare`` worked out (in database ``staged``) into the store (the current database), inside
    the caller's transaction."""
    if not ENABLED:
        return
    con.execute(f"INSERT INTO near_duplicate_texts SELECT * FROM {staged}.dup_texts_add")
    con.execute(f"INSERT INTO near_duplicate_bands SELECT band, key, text FROM {staged}.dup_bands_add")
    con.execute(f'DELETE FROM near_duplicates WHERE "uniqueId" IN (SELECT "uniqueId" FROM {staged}.dup_final)')
    con.execute(f'INSERT INTO near_duplicates SELECT "uniqueId", item, text, cluster FROM {staged}.dup_final')


def missing(con, store: str = "") -> int:
    """How many mentions have no cluster yet (a store written before the clusters were, or by an older app)."""
    prefix = f"{store}." if store else ""
    return _one(
        con,
        f'SELECT count(*) FROM {prefix}mentions m ANTI JOIN {prefix}near_duplicates d ON d."uniqueId" = m."uniqueId"',
    )


def backfill_chunk(con, rows: int = BACKFILL_ROWS) -> int:
    """Cluster the next ``rows`` mentions that have none (in the store's row order), in one transaction, with
    the store attached read-write as ``store`` and the in-memory database current. Returns how many."""
    if not ENABLED:
        return 0
    chunk = con.sql(
        'SELECT m."uniqueId", m."messageContent" FROM store.mentions m '
        'ANTI JOIN store.near_duplicates d ON d."uniqueId" = m."uniqueId" ORDER BY m.rowid LIMIT $rows',
        params={"rows": rows},
    ).to_arrow_table()
    if not chunk.num_rows:
        return 0
    create_staging(con)
    seqs = np.arange(chunk.num_rows, dtype=np.int64)
    stage(con, seqs, sketch(chunk["messageContent"].combine_chunks()))
    con.register("dup_chunk", pa.table({"seq": pa.array(seqs), "uniqueId": chunk["uniqueId"]}))
    con.execute("CREATE OR REPLACE TABLE dup_incoming AS SELECT * FROM dup_chunk")
    con.unregister("dup_chunk")
    prepare(con, "dup_incoming")
    con.execute("USE store")
    con.execute("BEGIN TRANSACTION")
    try:
        apply(con, "memory")
        con.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (a full disk) has ended the transaction already: its error is the one to see, not
        # "cannot rollback - no transaction is active".
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        con.execute("USE memory")
    return chunk.num_rows
