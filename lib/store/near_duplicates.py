"""Each mention's near-duplicate cluster, kept in the store and extended by every write (issue 20).

The clustering is lib/text/near_duplicates.py's (MinHash of word sets, LSH bands, a candidate pair kept when
its signatures agree on ``THRESHOLD`` of their values, clusters the connected components), made incremental
over three tables:

- ``near_duplicates`` ("uniqueId", item, text, cluster), one row per mention: ``item`` numbers the mentions in
  the order they came in (kept when a mention is updated), ``text`` is its distinct normalised text, and
  ``cluster`` the smallest item of its cluster's mentions, so the first mention of a cluster is the one whose
  item is its cluster. A mention alike to no other, a short text included, is a cluster of its own. This is
  the table the query backends read (it is published with the snapshot).
- ``near_duplicate_texts`` (text, form, usable, sig, component): each distinct normalised text once (``form``
  is a 64-bit hash of it), whether it has enough words to be clustered, its MinHash signature (``NUM_PERM``
  uint32 as a blob) and its connected component (the smallest text id in it).
- ``near_duplicate_bands`` (band, key, text): the band keys of the usable texts.

A write clusters only its own texts against the rest: ``stage`` computes the signatures of each batch while it
is staged, ``prepare`` (before the write's transaction, with the store read-only) finds the new distinct texts,
pairs each of their band keys with the newest stored text of the same key and with each other (as the one-shot
``NearDuplicates`` does: within a band bucket, texts in the order they came, each paired with the one before),
checks the pairs' signatures, joins the components and works out the cluster of every mention whose cluster
changes; ``apply`` copies that in, inside the transaction that copies the mentions. So a failed or killed write
leaves mentions and clusters as they were, and an append-only store has the clusters a one-shot run over all
its texts in store order would give (tests/test_near_duplicates.py checks both). A mention whose text changes
is clustered again as a new text; its old text stays in the index (it may go on joining others, as it did).

A store written before these tables existed gets them by ``backfill``: its mentions clustered a chunk at a time,
each chunk in its own transaction (a killed backfill resumes where it stopped), in memory bounded by the chunk.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from lib.text.near_duplicates import NUM_PERM, THRESHOLD, band_keys, bands, form_hashes, normalised, signatures

BANDS = bands()[0]
_KEYS = ", ".join(f"k{b} UBIGINT" for b in range(BANDS))
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
    "dup_pairs",
    "dup_texts_add",
    "dup_moves",
    "dup_mentions_add",
    "dup_affected",
    "dup_final",
)
ENABLED = True  # bench/beyond.py turns it off to measure an ingest without the clustering; nothing else does
PAIRS_PER_READ = 200_000
BACKFILL_ROWS = 50_000
# What the in-memory model reads of them, beside each mention (lib/store/local.py ``read_model``).
READ_COLUMNS = {"copyCluster": "d.cluster", "copyItem": "d.item"}


def _forms_table(forms: pa.Array) -> tuple[pa.Table, np.ndarray]:
    """The staged row of each distinct normalised text (``forms``), and their hashes."""
    hashes = form_hashes(forms)
    sig, usable = signatures(forms)
    keys = band_keys(sig)
    offsets = pa.py_buffer((np.arange(len(forms) + 1, dtype=np.int32) * (NUM_PERM * 4)).tobytes())
    blobs = pa.Array.from_buffers(pa.binary(), len(forms), [None, offsets, pa.py_buffer(sig.tobytes())])
    columns = {"form": pa.array(hashes, pa.uint64()), "usable": pa.array(usable), "sig": blobs}
    columns.update({f"k{b}": pa.array(keys[:, b], pa.uint64()) for b in range(BANDS)})
    return pa.table(columns), hashes


EMPTY_FORM = int(form_hashes(pa.array([""]))[0])  # a mention without a text: a short text, its own cluster


def create_staging(con) -> None:
    """The staging tables, with the empty text's row (what a new mention without a text gets)."""
    for ddl in STAGING_DDL:
        con.execute(ddl)
    stage(con, np.zeros(0, dtype=np.int64), pa.array([""]), rows=False)


def stage(con, seqs: np.ndarray, texts: pa.Array, rows: bool = True) -> None:
    """Stage the normalised form, signature and band keys of a batch's texts (``seqs``: their staging order)."""
    if not ENABLED:
        return
    encoded = pc.dictionary_encode(normalised(texts))
    forms, hashes = _forms_table(encoded.dictionary)
    con.register("dup_batch_forms", forms)
    con.execute("INSERT INTO dup_forms SELECT * FROM dup_batch_forms")
    con.unregister("dup_batch_forms")
    if rows:
        batch = pa.table({"seq": pa.array(seqs, pa.int64()), "form": pa.array(hashes[encoded.indices], pa.uint64())})
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
    con.execute(
        "CREATE TABLE dup_bands_add AS "
        + " UNION ALL ".join(
            f"SELECT {b}::UTINYINT AS band, k{b} AS key, text FROM dup_new_texts WHERE usable" for b in range(BANDS)
        )
    )
    # Within a band bucket, each text paired with the one before it (the newest stored text first).
    con.execute(
        "CREATE TABLE dup_pairs AS WITH tails AS (SELECT b.band, b.key, max(b.text) AS text "
        f"FROM {store}.near_duplicate_bands b SEMI JOIN dup_bands_add n ON b.band = n.band AND b.key = n.key "
        "GROUP BY b.band, b.key), ordered AS (SELECT text, lag(text) OVER (PARTITION BY band, key ORDER BY text) "
        "AS prev FROM (SELECT band, key, text FROM dup_bands_add UNION ALL SELECT band, key, text FROM tails)) "
        "SELECT DISTINCT prev AS a, text AS b FROM ordered WHERE prev IS NOT NULL"
    )
    edges = _kept_pairs(con, store)
    _components(con, store, edges, next_text)
    con.execute(
        'CREATE TABLE dup_mentions_add AS SELECT n."uniqueId", n.seq, n.old_text, coalesce(n.old_item, '
        f"{next_item} + row_number() OVER (PARTITION BY n.old_item IS NULL ORDER BY n.seq) - 1) AS item, x.text "
        "FROM dup_need n JOIN (SELECT text, form FROM dup_new_texts UNION ALL "
        f"SELECT t.text, t.form FROM {store}.near_duplicate_texts t SEMI JOIN dup_need n ON n.form = t.form) x "
        "ON x.form = n.form"
    )
    stored_component = (
        f"SELECT coalesce(m.new, t.component) AS component FROM {{rows}} JOIN {store}.near_duplicate_texts t "
        "ON t.text = {column} LEFT JOIN dup_moves m ON m.old = t.component WHERE t.usable"
    )
    con.execute(
        "CREATE TABLE dup_affected AS SELECT DISTINCT component FROM ("
        "SELECT component FROM dup_texts_add WHERE usable UNION ALL SELECT new FROM dup_moves UNION ALL "
        + stored_component.format(rows="dup_mentions_add a", column="a.text")
        + " UNION ALL "
        + stored_component.format(rows="dup_mentions_add a", column="a.old_text")
        + ")"
    )
    # Every mention of a changed component, with its cluster after the write: kept where it changes.
    con.execute(
        "CREATE TABLE dup_final AS WITH texts AS ("
        f"SELECT t.text, t.usable, coalesce(m.new, t.component) AS component FROM {store}.near_duplicate_texts t "
        "LEFT JOIN dup_moves m ON m.old = t.component "
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
    for name in ("dup_rows", "dup_forms", "dup_need", "dup_new_texts", "dup_pairs"):  # done with: memory back
        con.execute(f"DROP TABLE {name}")


def _kept_pairs(con, store: str) -> np.ndarray:
    """The candidate pairs whose signatures agree on at least ``THRESHOLD`` of their values, read a part at a
    time: (a, b) text ids."""
    reader = con.sql(
        "SELECT p.a, p.b, sa.sig AS sa, sb.sig AS sb FROM dup_pairs p "
        "JOIN (SELECT text, sig FROM dup_new_texts UNION ALL SELECT t.text, t.sig "
        f"FROM {store}.near_duplicate_texts t SEMI JOIN dup_pairs p ON p.a = t.text) sa ON sa.text = p.a "
        "JOIN dup_new_texts sb ON sb.text = p.b"
    ).to_arrow_reader(PAIRS_PER_READ)
    kept = [np.zeros((0, 2), dtype=np.int64)]
    for batch in reader:
        agree = (_signatures(batch.column("sa")) == _signatures(batch.column("sb"))).mean(axis=1) >= THRESHOLD
        a = batch.column("a").to_numpy()[agree]
        b = batch.column("b").to_numpy()[agree]
        kept.append(np.stack([a, b], axis=1).astype(np.int64))
    reader.close()  # the result's buffers go now, not when it is collected
    return np.concatenate(kept)


def _components(con, store: str, edges: np.ndarray, next_text: int) -> None:
    """``dup_texts_add`` (the new texts with their component), ``dup_moves`` (stored components merged into
    another: old, new), from the kept pairs and the stored components."""
    n_new = _one(con, "SELECT count(*) FROM dup_new_texts")
    old_texts = np.unique(edges[:, 0][edges[:, 0] < next_text])
    con.register("dup_old_texts", pa.table({"text": pa.array(old_texts, pa.int64())}))
    found = con.execute(
        f"SELECT t.text, t.component FROM {store}.near_duplicate_texts t "
        "SEMI JOIN dup_old_texts o ON o.text = t.text ORDER BY t.text"
    ).fetchnumpy()
    con.unregister("dup_old_texts")
    component_of = np.asarray(found["component"], dtype=np.int64)  # of each old text, in text order
    olds = np.unique(component_of)

    # Nodes: the new texts (0..n_new-1), then the stored components they touch.
    def node(text: np.ndarray) -> np.ndarray:
        old = text < next_text
        out = text - next_text
        out[old] = n_new + np.searchsorted(olds, component_of[np.searchsorted(old_texts, text[old])])
        return out

    size = n_new + len(olds)
    left, right = node(edges[:, 0].copy()), node(edges[:, 1].copy())
    graph = sp.coo_matrix((np.ones(len(edges), dtype=np.int8), (left, right)), shape=(size, size))
    _, group = connected_components(graph, directed=False)
    # A group's component: its oldest stored component, else its first new text.
    ids = np.concatenate([np.arange(n_new, dtype=np.int64) + next_text, olds])
    final = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(final, group, ids)
    new = pa.table(
        {
            "text": pa.array(np.arange(n_new, dtype=np.int64) + next_text),
            "component": pa.array(final[group[:n_new]]),
        }
    )
    moved = final[group[n_new:]] != olds
    moves = pa.table({"old": pa.array(olds[moved]), "new": pa.array(final[group[n_new:]][moved])})
    con.register("dup_new_components", new)
    con.execute(
        "CREATE TABLE dup_texts_add AS SELECT t.text, t.form, t.usable, t.sig, c.component "
        "FROM dup_new_texts t JOIN dup_new_components c ON c.text = t.text"
    )
    con.unregister("dup_new_components")
    con.register("dup_moves_found", moves)
    con.execute("CREATE TABLE dup_moves AS SELECT * FROM dup_moves_found")
    con.unregister("dup_moves_found")


def apply(con, staged: str) -> None:
    """Copy what ``prepare`` worked out (in database ``staged``) into the store (the current database), inside
    the caller's transaction."""
    if not ENABLED:
        return
    con.execute(f"INSERT INTO near_duplicate_texts SELECT * FROM {staged}.dup_texts_add")
    con.execute(f"INSERT INTO near_duplicate_bands SELECT band, key, text FROM {staged}.dup_bands_add")
    con.execute(
        f"UPDATE near_duplicate_texts SET component = m.new FROM {staged}.dup_moves m "
        "WHERE near_duplicate_texts.component = m.old"
    )
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
    stage(con, seqs, chunk["messageContent"].combine_chunks())
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
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("USE memory")
    return chunk.num_rows
