"""Shared Parquet snapshots: published whole by the writer, read by replicas through the store interface."""

import shutil

import duckdb
import numpy as np
import pytest

from lib.queries.model import MentionModel
from lib.store import snapshot
from lib.store.local import Store, StoreError
from lib.store.snapshot import KEEP, SnapshotStore, publish
from tests.cli_kit import run_cli
from tests.text_corpus import corpus_frame


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "writer.duckdb")
    store.ingest([corpus_frame()], kind="import", source="corpus")
    return store


def test_a_snapshot_reads_like_the_store_it_was_published_from(store, tmp_path):
    folder = tmp_path / "shared"
    version = publish(store, folder)
    shared = SnapshotStore(folder)
    assert shared.exists() and shared.version() == version == store.version()
    ours, theirs = MentionModel.from_store(store), MentionModel.from_store(shared)
    assert theirs.version == ours.version and theirs.n == ours.n
    assert theirs.keys.to_pylist() == ours.keys.to_pylist()
    assert theirs.text.top_terms(None).equals(ours.text.top_terms(None))
    everything = np.ones(ours.n, dtype=bool)
    assert theirs.counts("messageLanguage", everything).equals(ours.counts("messageLanguage", everything))
    assert shared.log()["kind"].tolist() == ["import"] and shared.count() == ours.n
    assert (
        shared.query('SELECT "messageContent" FROM mentions WHERE "uniqueId" = ?', ["4"])
        .iloc[0, 0]
        .startswith("Lovely")
    )


def test_a_replica_cannot_write_and_says_who_does(store, tmp_path):
    publish(store, tmp_path / "shared")
    with pytest.raises(StoreError, match="scheduled writer"):
        SnapshotStore(tmp_path / "shared").retag(";")
    empty = SnapshotStore(tmp_path / "empty")
    assert not empty.exists() and not empty.version() and empty.count() == 0


def test_each_write_publishes_a_new_snapshot_and_old_ones_are_pruned(store, tmp_path):
    folder = tmp_path / "shared"
    versions = [publish(store, folder)]
    for i in range(KEEP + 1):
        row = [(str(10 + i), "en", "positive", f"new mention {i}")]
        store.ingest([corpus_frame(row)], kind="import", source="x")
        versions.append(publish(store, folder))
    shared = SnapshotStore(folder)
    assert shared.version() == versions[-1] and len(set(versions)) == len(versions)
    assert MentionModel.from_store(shared).n == 8 + KEEP + 1
    kept = [p for p in folder.iterdir() if p.is_dir()]
    assert len(kept) == KEEP  # the newest and two that readers may still be loading
    assert publish(store, folder) == versions[-1]  # nothing new: the same snapshot stays current


def test_the_cli_writer_publishes_after_an_import(tmp_path):
    csv = tmp_path / "m.csv"
    corpus_frame().to_csv(csv, index=False)
    proc = run_cli("import", str(csv), "--store", str(tmp_path / "w.duckdb"), "--publish", str(tmp_path / "shared"))
    assert proc.returncode == 0, proc.stderr
    assert "Published snapshot" in proc.stdout
    assert SnapshotStore(tmp_path / "shared").count() == 8


def test_a_replica_shows_the_snapshot_and_the_writers_log_on_the_data_page(store, tmp_path, monkeypatch):
    import streamlit as st

    from tests.test_pages import matched, run

    publish(store, tmp_path / "shared")
    monkeypatch.setenv("SCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCE_SHARED_DIR", str(tmp_path / "shared"))
    monkeypatch.setenv("SCE_REPLICA", "east")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = run("pages/5_Data.py")
    assert not at.exception
    assert matched(at) == "**8** of 8 mentions match"  # the snapshot, not the demo data
    assert any("shared snapshot" in i.value for i in at.info)
    assert at.dataframe[0].value["kind"].tolist() == ["import"]  # the writer's log
    assert not [b for b in at.button if b.label == "Pull now"]  # replicas do not write
    assert any("Served by replica **east**" in c.value for c in at.sidebar.caption)


def test_long_texts_are_published_within_the_memory_of_a_publish(demo_data_dir, tmp_path, monkeypatch):
    """Blog and news texts run to thousands of characters: a publish must not hold a whole default row group
    (122,880 rows) of them per thread. Here the demo's texts are made ten times longer (~200 MB of text and
    HTML, 5,000 characters a mention on average) and published within 128 MB."""
    shutil.copy(demo_data_dir / "demo.duckdb", tmp_path / "long.duckdb")
    with duckdb.connect(str(tmp_path / "long.duckdb")) as con:
        con.execute(
            'UPDATE mentions SET "messageContent" = repeat("messageContent" || \' \', 10), '
            '"messageContentHtml" = repeat(coalesce("messageContentHtml", "messageContent") || \' \', 10)'
        )
        text_mb = con.execute('SELECT sum(strlen("messageContent") + strlen("messageContentHtml")) / 1e6 FROM mentions')
        assert text_mb.fetchone()[0] > 150  # more than the memory of the publish
    monkeypatch.setattr(snapshot, "PUBLISH_MEMORY_MB", 128)
    store = Store(tmp_path / "long.duckdb")
    version = publish(store, tmp_path / "shared")
    shared = SnapshotStore(tmp_path / "shared")
    assert shared.version() == version and shared.count() == store.count()
    longest = 'SELECT max(strlen("messageContent")) FROM mentions'
    assert shared.query(longest).iloc[0, 0] == store.query(longest).iloc[0, 0]
