"""bench/replicate.py: a store copied N times over is a store like any other: distinct keys, the near-duplicate
clusters a one-shot run over its texts gives, a version the writers can count on (a copy that wrote a hex version
made every write and migration of it fail), and its schema's keys."""

from __future__ import annotations

import gzip

import duckdb
import pandas as pd
import pyarrow as pa

from bench.replicate import replicate
from lib.sources.demo import DEMO_FILE
from lib.sources.ingest import import_file
from lib.store.local import SCHEMA_VERSION, Store
from lib.text.near_duplicates import clusters


def stored(store: Store) -> pd.DataFrame:
    return store.query(
        'SELECT m."uniqueId", m."messageContent", d.item, d.cluster FROM mentions m '
        'LEFT JOIN near_duplicates d USING ("uniqueId") ORDER BY d.item'
    )


def test_a_replicated_store_keeps_its_clusters_and_takes_writes_and_migrations(demo_data_dir, tmp_path):
    source, out = Store(demo_data_dir / "demo.duckdb"), Store(tmp_path / "big.duckdb")
    replicate(source.path, 3, out.path)
    n = source.count()
    rows = stored(out)
    assert len(rows) == rows["uniqueId"].nunique() == 3 * n and rows["item"].notna().all()
    assert rows["item"].tolist() == list(range(3 * n))  # the mentions numbered in the order they came
    one_shot = clusters(pa.array(rows["messageContent"].tolist(), pa.string()))
    assert rows["cluster"].tolist() == one_shot.tolist()
    assert len(set(rows["cluster"])) < 2 * n  # copies of long texts joined their originals' clusters
    joined = out.query('SELECT count(DISTINCT "uniqueId") AS n FROM enrichment')["n"][0]
    assert joined == 3 * n
    source_id, source_version = source.version().split(":")
    store_id, version = out.version().split(":")
    assert store_id != source_id and int(version) == int(source_version) + 1

    # A migration (the schema before clusters were kept) and a write commit on it, each a new version.
    with duckdb.connect(str(out.path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION - 1)])
    out.ensure_schema()  # from 4, the clusters are recomputed too (a backfill: versions of its own)
    migrated = int(out.version().split(":")[1])
    assert out.schema_version() == SCHEMA_VERSION and migrated > int(version)
    with gzip.open(DEMO_FILE) as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False, nrows=50)
    long = frame[frame["messageContent"].str.split().str.len() >= 12].head(1).copy()
    original = long["uniqueId"].iloc[0]
    long["uniqueId"] = "a-new-key"
    import_file(out, long.to_csv(index=False).encode(), "one.csv")
    assert out.count() == 3 * n + 1 and int(out.version().split(":")[1]) == migrated + 1
    after = stored(out).set_index("uniqueId")
    assert after.loc["a-new-key", "cluster"] == after.loc[original, "cluster"]
    # The copy has its source's keys: an upsert of a stored key replaces it.
    import_file(out, frame.head(2).to_csv(index=False).encode(), "again.csv")
    assert out.count() == 3 * n + 1
