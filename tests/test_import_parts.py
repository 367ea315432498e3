"""A write too large for one transaction's key indexes is applied in parts to a copy of the store, which then
replaces the store whole (lib/store/parts.py): the same store as one transaction gives, and nothing of it in the
store when a part fails."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import lib.store.parts as parts
from lib.sources.demo import generate
from lib.sources.ingest import import_file
from lib.store.local import Store, StoreError

TABLES = ("mentions", "enrichment", "vocab", "near_duplicates")


def files() -> tuple[bytes, bytes]:
    """Demo mentions, then a file that changes 200 of them and adds 800."""
    base = generate(1200, seed=1)
    changed = base.iloc[:200].copy()
    changed["messageContent"] = changed["messageContent"] + " (edited)"
    return base.to_csv(index=False).encode(), pd.concat([changed, generate(800, seed=2)]).to_csv(index=False).encode()


def contents(store: Store) -> dict[str, pd.DataFrame]:
    """Every table in its stored row order (the model's rows and the clusters' numbering follow it), the log
    without its times, and the version count."""
    out = {t: store.query(f"SELECT * FROM {t} ORDER BY rowid").astype(str) for t in TABLES}
    out["meta"] = store.query("SELECT * FROM meta WHERE key <> 'store_id' ORDER BY key").astype(str)
    log = store.log().drop(columns=["started_at", "finished_at"], errors="ignore")
    out["log"] = log.astype(str).reset_index(drop=True)
    return out


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(parts, "before_commit", calls.append)
    return calls


def test_a_write_in_parts_makes_the_store_one_transaction_makes(tmp_path, monkeypatch, counted):
    first, second = files()
    stores = {}
    for name, part_rows in (("one", ""), ("parts", "300")):
        monkeypatch.setenv(parts.PART_ROWS_ENV, part_rows)
        store = stores[name] = Store(tmp_path / name / "mentions.duckdb")
        new = import_file(store, first, "first.csv").result
        again = import_file(store, second, "second.csv").result
        assert (new.rows_new, again.rows_new, again.rows_updated) == (1200, 800, 200)
        assert len(counted) == (0 if name == "one" else 4 + 5), counted  # 1200 new; 200 updated, 1000 staged
        counted.clear()
    one, in_parts = contents(stores["one"]), contents(stores["parts"])
    for table, frame in one.items():
        pd.testing.assert_frame_equal(in_parts[table], frame, obj=table)
    assert stores["parts"].count() == 2000
    assert not list(tmp_path.rglob(".*writing*")) and not list(tmp_path.rglob(".*staging*"))


def test_a_part_that_fails_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    first, second = files()
    store = Store(tmp_path / "mentions.duckdb")
    import_file(store, first, "first.csv")
    before, version = contents(store), store.version()

    def fail(part: int) -> None:
        if part == 3:
            raise OSError("the disk went away")

    monkeypatch.setenv(parts.PART_ROWS_ENV, "400")
    monkeypatch.setattr(parts, "before_commit", fail)
    with pytest.raises(StoreError, match=r"disk went away.*as they were"):
        import_file(store, second, "second.csv")
    after = contents(store)
    for table in TABLES:
        pd.testing.assert_frame_equal(after[table], before[table], obj=table)
    assert store.version() == version and store.count() == 1200
    assert not list(tmp_path.glob(".*writing*")), "the copy of the store was left behind"


def test_a_copy_left_by_a_killed_writer_is_removed_by_the_next(tmp_path, monkeypatch):
    first, second = files()
    store = Store(tmp_path / "mentions.duckdb")
    import_file(store, first, "first.csv")
    stale = store.path.with_name(f".{store.path.name}.writing-99999-deadbeef.duckdb")
    stale.write_bytes(b"half a copy")
    monkeypatch.setenv(parts.PART_ROWS_ENV, "400")
    assert import_file(store, second, "second.csv").result.rows_new == 800
    assert not stale.exists() and store.count() == 2000


def test_readers_go_on_while_the_copy_replaces_the_store(tmp_path, monkeypatch):
    """A read opened before the rename reads the store it opened; the next read sees the new one."""
    first, second = files()
    store = Store(tmp_path / "mentions.duckdb")
    import_file(store, first, "first.csv")
    seen: list[int] = []
    replace = parts.os.replace

    def during(src, dst) -> None:
        if Path(dst) != store.path:  # the version file, written the same way
            return replace(src, dst)
        with store._reader() as con:  # a read that began before the rename, ended after it
            replace(src, dst)
            seen.append(int(con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]))

    monkeypatch.setenv(parts.PART_ROWS_ENV, "400")
    monkeypatch.setattr(parts.os, "replace", during)
    import_file(store, second, "second.csv")
    assert seen == [1200]
    assert store.count() == 2000 and Store(Path(store.path)).version().endswith(":2")


def test_too_little_disk_for_the_copy_is_refused_with_the_store_as_it_was(tmp_path, monkeypatch):
    first, second = files()
    store = Store(tmp_path / "mentions.duckdb")
    import_file(store, first, "first.csv")
    version = store.version()
    monkeypatch.setenv(parts.PART_ROWS_ENV, "1000")
    monkeypatch.setattr(parts.shutil, "disk_usage", lambda path: type("U", (), {"free": 1024})())
    with pytest.raises(StoreError, match=r"Not enough free disk space.*Free some space"):
        import_file(store, second, "second.csv")
    assert store.version() == version and store.count() == 1200
