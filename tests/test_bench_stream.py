"""bench/stream.py's replicated store: what the 10M run's publish and export steps (and issue 19's 10M replica
figures) read, so it must be a store the app takes as it is."""

import shutil

import numpy as np

from bench.stream import replicate
from lib.store import near_duplicates
from lib.store.local import Store


def test_a_replicated_store_keeps_each_copy_in_its_originals_cluster(demo_data_dir, tmp_path):
    store = Store(tmp_path / "store.duckdb")
    shutil.copy(demo_data_dir / "demo.duckdb", store.path)
    base = store.count()
    rows = 3 * base - 5  # two whole copies, and a third but for five mentions
    replicate(store, rows)
    assert store.count() == rows
    with store._reader() as con:
        assert near_duplicates.missing(con) == 0  # nothing left for a backfill to cluster on the next open
        assert con.execute("SELECT count(*) FROM enrichment").fetchone()[0] == rows
        items = con.execute("SELECT count(DISTINCT item) FROM near_duplicates").fetchone()[0]
        sizes = con.execute(
            "SELECT d.cluster, t.usable, count(*) FROM near_duplicates d JOIN near_duplicate_texts t USING (text) "
            "WHERE d.\"uniqueId\" NOT LIKE '%~2' GROUP BY ALL"
        ).fetchall()
        originals = con.execute(
            "SELECT d.cluster, t.usable, count(*) FROM near_duplicates d JOIN near_duplicate_texts t USING (text) "
            "WHERE d.\"uniqueId\" NOT LIKE '%~%' GROUP BY ALL"
        ).fetchall()
    assert items == rows
    # Without the part copy: a cluster of texts has twice its mentions, under the same first mention; a text too
    # short to cluster is a cluster of its own in each copy.
    clustered = {cluster: n for cluster, usable, n in sizes if usable}
    assert clustered == {cluster: 2 * n for cluster, usable, n in originals if usable}
    assert all(n == 1 for _, usable, n in sizes if not usable)
    assert np.sum([n for *_, n in sizes]) == 2 * base
