import fcntl

import duckdb
import pandas as pd
import pytest

from lib.mentions.normalize import COLUMNS, ENTITY_COLUMNS, normalize
from lib.store.local import SCHEMA_VERSION, Store, StoreBusy, StoreError


def batch(*ids, text="hello", published="1700000000"):
    frame, _ = normalize(
        pd.DataFrame(
            {"uniqueId": list(ids), "messageContent": [f"{text} {i}" for i in ids], "datePublished": published}
        )
    )
    return frame


def snapshot(store: Store) -> pd.DataFrame:
    return store.query('SELECT * FROM mentions ORDER BY "uniqueId"')


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "m.duckdb")
    s.ingest([batch("a", "b")], kind="import", source="first.csv")
    return s


def test_upsert_by_unique_id_counts_new_and_updated(store):
    result = store.ingest([batch("b", "c", text="changed")], kind="import", source="second.csv")
    assert (result.rows_new, result.rows_updated) == (1, 1)
    rows = snapshot(store)
    assert rows["uniqueId"].tolist() == ["a", "b", "c"]
    assert rows["messageContent"].tolist() == ["hello a", "changed b", "changed c"]


def test_duplicates_within_one_write_keep_the_last(tmp_path):
    s = Store(tmp_path / "m.duckdb")
    result = s.ingest([batch("x", text="old"), batch("x", text="new")], kind="import", source="f")
    assert (result.rows_in, result.rows_new) == (2, 1)
    assert snapshot(s)["messageContent"].tolist() == ["new x"]


def test_every_write_is_logged_and_bumps_the_version(store):
    v1 = store.version()
    store.ingest([batch("z")], kind="pull", source="qualtrics", dataset_id="IDP_1", continuation_token="tok")
    assert store.version() != v1
    log = store.log()
    assert log["kind"].tolist() == ["pull", "import"]
    last = store.last_success("IDP_1")
    assert last["continuation_token"] == "tok"
    assert str(last["newest_date"]).startswith("2023-11-14")


@pytest.mark.parametrize("failure", [RuntimeError("connection reset"), KeyboardInterrupt()])
def test_a_write_that_fails_midway_leaves_the_mentions_as_they_were(store, failure):
    before, version = snapshot(store), store.version()

    def batches():
        yield batch("b", text="overwritten")  # an update that must not survive
        yield batch("new1", "new2")
        raise failure

    with pytest.raises(type(failure)):
        store.ingest(batches(), kind="pull", source="qualtrics", dataset_id="IDP_1")
    pd.testing.assert_frame_equal(snapshot(store), before)
    assert store.version() == version
    assert store.log().loc[0, "outcome"] == ("interrupted" if isinstance(failure, KeyboardInterrupt) else "failed")
    assert store.last_success("IDP_1") is None


def test_a_bad_batch_fails_the_whole_write(store):
    before = snapshot(store)
    broken = batch("q").drop(columns=["tags"])
    with pytest.raises(KeyError):
        store.ingest([batch("p"), broken], kind="import", source="bad.csv")
    pd.testing.assert_frame_equal(snapshot(store), before)


def test_a_second_writer_waits_then_gives_a_clear_message(store):
    with open(store.path.with_name(store.path.name + ".lock"), "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(StoreBusy, match="Another pull or import is writing"):
            store.ingest([batch("late")], kind="import", source="x", wait=0.3)
    assert "late" not in snapshot(store)["uniqueId"].tolist()


def test_a_store_from_a_newer_app_is_refused(store):
    con = duckdb.connect(str(store.path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(StoreError, match="newer"):
        store.ingest([batch("x")], kind="import", source="x")


@pytest.mark.parametrize("value", ["abc", "-1", "4.0", "9" * 5000, "٤"])
def test_a_damaged_schema_version_is_said_with_a_remedy_and_the_file_left_as_it_was(store, value, capsys):
    from lib.cli import main

    con = duckdb.connect(str(store.path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [value])
    con.close()
    saved = store.path.read_bytes()
    for attempt in (
        lambda: store.read_table(["uniqueId"]),
        lambda: store.schema_version(),
        lambda: store.ingest([batch("x")], kind="import", source="x"),
    ):
        with pytest.raises(StoreError, match=r"is damaged: its schema version reads .* Restore it from a backup"):
            attempt()
    assert main(["export", "--store", str(store.path), "--out", str(store.path.with_name("out.csv"))]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: The store") and "is damaged" in err and "Traceback" not in err
    assert store.path.read_bytes() == saved and not store.path.with_name("out.csv").exists()


def test_read_table_and_missing_store(tmp_path, store):
    table, version = store.read_table(["uniqueId", "tags"])
    assert table.num_rows == 2 and version == store.version()
    empty = Store(tmp_path / "none.duckdb")
    assert empty.version() == "" and empty.count() == 0
    with pytest.raises(StoreError, match="import a file"):
        empty.read_table(["uniqueId"])


def test_a_version_1_store_is_migrated_with_its_entities_backfilled(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    v1_columns = [c for c in COLUMNS if c not in ENTITY_COLUMNS]
    types = {"tags": "VARCHAR[]", "dateAdded": "TIMESTAMP", "datePublished": "TIMESTAMP"}
    con.execute(
        "CREATE TABLE mentions ("
        + ", ".join(f'"{c}" {types.get(c, "VARCHAR")}' for c in v1_columns)
        + ', PRIMARY KEY ("uniqueId"))'
    )
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('store_id', 'old'), ('version', '3')")
    values = {c: None if c.startswith("date") else "" for c in v1_columns} | {
        "uniqueId": "1_1",
        "messageContent": "Hi #Travel @NorthwindAir",
        "messageContentHtml": '<a href="https://www.ex.com/a">Hi</a>',
    }
    con.execute(
        f"INSERT INTO mentions ({', '.join(repr(c).replace(chr(39), chr(34)) for c in v1_columns)}) "
        f"SELECT {', '.join('?' for _ in v1_columns)}",
        [values[c] if c != "tags" else [] for c in v1_columns],
    )
    con.close()

    store = Store(path)
    table, version = store.read_table(["uniqueId", "hashtags", "handles", "linkDomains"])
    assert table.to_pylist() == [
        {"uniqueId": "1_1", "hashtags": ["travel"], "handles": ["northwindair"], "linkDomains": ["ex.com"]}
    ]
    # One version for the migration, one for the near-duplicate clusters backfilled after it.
    assert store.schema_version() == SCHEMA_VERSION and version == "old:5"
    # Version 3 enriched the text: its terms are in the vocabulary, by id.
    enriched, vocab, _ = store.read_model(["uniqueId", "termIds", "vaderCompound"])
    terms = dict(zip(vocab["id"].to_pylist(), vocab["term"].to_pylist(), strict=True))
    assert [terms[i] for i in enriched["termIds"][0].as_py()] == ["hi", "#travel", "@northwindair"]
    assert enriched["vaderCompound"][0].as_py() is None  # no language given: VADER does not guess


def test_a_read_during_a_write_in_the_same_process_waits_for_it(store, monkeypatch):
    import threading
    import time

    import lib.store.local

    holding = threading.Event()

    def write_slowly(seconds):
        with store._writer():
            holding.set()
            time.sleep(seconds)

    writer = threading.Thread(target=write_slowly, args=(0.8,))
    writer.start()
    holding.wait()
    assert store.count() == 2  # waited for the writer instead of failing
    writer.join()

    monkeypatch.setattr(lib.store.local, "READ_RETRY_SECONDS", 0.3)
    holding.clear()
    writer = threading.Thread(target=write_slowly, args=(1.5,))
    writer.start()
    holding.wait()
    with pytest.raises(StoreBusy, match="being written"):
        store.count()
    writer.join()


def test_a_store_named_store_duckdb_takes_imports(tmp_path):
    """The staging file is attached under a name of its own: opened directly it was named after the store's stem,
    and "store" clashed with the store's own attachment (every import into a store.duckdb failed)."""
    from lib.mentions.normalize import normalize

    store = Store(tmp_path / "store.duckdb")
    raw = pd.DataFrame({"uniqueId": ["a", "b"], "messageContent": ["hello", "world"]})
    result = store.ingest([normalize(raw)[0]], kind="import", source="t")
    assert result.rows_new == 2 and store.count() == 2


def test_mentions_go_into_the_store_in_the_order_they_came_across_batches(tmp_path):
    """The store's row order is the order of the write (the clusters' numbering and the model follow it), for new
    mentions, updated ones and repeats alike: batches are staged as Parquet files, and two threads scanning them
    through the copy's join put a later batch first."""
    store = Store(tmp_path / "m.duckdb")
    first = [f"a{i:05d}" for i in range(24_000)]
    store.ingest([batch(*first[i : i + 4_000]) for i in range(0, len(first), 4_000)], kind="import", source="one")
    second = [f"b{i:05d}" for i in range(12_000)]
    repeated = [*second[:6_000], "a00007", *second[6_000:], second[0]]  # an update, and b00000 twice
    store.ingest([batch(*repeated[i : i + 3_000]) for i in range(0, len(repeated), 3_000)], kind="import", source="two")
    order = store.query('SELECT "uniqueId" FROM mentions ORDER BY rowid')["uniqueId"].tolist()
    # The updated mention is written again after the others, then the new ones in order (b00000's last copy last).
    assert order == [u for u in first if u != "a00007"] + ["a00007", *second[1:], second[0]]
