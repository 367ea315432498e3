"""The DuckDB replica's SQL path (lib/queries/engine_sql.py): its answer cache is keyed by everything that
changes an answer, and the snapshot is loaded into DuckDB once per version. tests/test_backends.py holds the
answers themselves to the model's and to a plain reading of the store."""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from datetime import date

import duckdb
import pytest

from lib.queries.engine import IbisStore
from lib.queries.engine_sql import DuckDBQueries
from lib.queries.filters import Filters
from lib.queries.interface import Scope
from lib.queries.tags import TagRecode
from lib.store.local import Store
from lib.store.snapshot import publish
from lib.text.topics import Topic, TopicSet


@pytest.fixture(scope="module")
def shared(demo_snapshot):
    return demo_snapshot


@pytest.fixture(scope="module")
def store(shared):
    return IbisStore(shared, "duckdb")


def fresh(store: IbisStore, q: DuckDBQueries, ask):
    """``ask(q)`` answered without the cache (what the engine says now)."""
    store.answers.clear()
    return ask(q)


def test_scopes_that_differ_anywhere_never_share_an_answer(store):
    q = store.queries()
    assert isinstance(q, DuckDBQueries)
    base = Filters(start=date(2026, 3, 1), end=date(2026, 3, 10))
    scopes = [
        Scope(base),
        Scope(base, tz="Asia/Kolkata"),  # the same dates, other instants
        Scope(replace(base, sentiments=("negative",))),
        Scope(replace(base, text="delay*")),
        Scope(replace(base, text="delay* -flight")),
        Scope(base).narrowed("hashtags", ("travel",)),
        Scope(base).in_buckets(["2026-03-02"], "week"),
    ]
    seen: list[list] = [[] for _ in scopes]
    for ask in (
        lambda q, s: q.count(s),
        lambda q, s: q.counts(s, "sourceService").to_dict("list"),
        lambda q, s: q.counts(s, "hashtags", top=5).to_dict("list"),
        lambda q, s: q.volume(s, "day", "messageSentiment").to_dict("list"),
        lambda q, s: q.keys(s, 5),
        lambda q, s: q.term_counts(s).tolist(),
    ):
        cached = [ask(q, s) for s in scopes]  # each after the others: every one could have hit a wrong entry
        truth = [fresh(store, q, lambda q, s=s, ask=ask: ask(q, s)) for s in scopes]
        assert cached == truth
        for answers, answer in zip(seen, truth, strict=True):
            answers.append(answer)
    assert len({repr(a) for a in seen}) == len(scopes)  # they do differ: the check above means something


def test_the_same_scope_is_answered_from_the_cache(store):
    q, scope = store.queries(), Scope(Filters(languages=("de",)))
    q.counts(scope, "messageSentiment")
    hits, misses = store.answers.hits, store.answers.misses
    q.count(scope), q.kpis(scope), q.author_counts(scope), q.counts(scope, "authorName", top=3)
    assert store.answers.misses == misses and store.answers.hits >= hits + 4  # one GROUPING SETS query for all


def test_the_recode_and_the_topics_are_part_of_the_key(store):
    plain = store.queries()
    merged = store.queries(TagRecode(rename={"Pricing": "Money", "Summer Sale": "Money"}))
    assert "Money" not in plain.counts(Scope(), "tags")["value"].tolist()
    money = merged.counts(Scope(), "tags").set_index("value")["mentions"]
    assert "Pricing" not in money.index
    assert money["Money"] == plain.count(Scope().narrowed("tags", ("Pricing", "Summer Sale"))) > 0
    food, meals = (TopicSet((Topic("Food", query),)) for query in ("food", "meal*"))
    scope = Scope(Filters(text_topics=("Food",)))
    a, b = store.queries(topics=food).count(scope), store.queries(topics=meals).count(scope)
    assert a != b
    assert a == fresh(store, store.queries(topics=food), lambda q: q.count(scope))


def test_each_snapshot_version_is_loaded_once_and_answers_follow_it(shared, demo_data_dir, tmp_path):
    folder = tmp_path / "s"
    shutil.copytree(shared, folder)
    store = IbisStore(folder, "duckdb", workdir=tmp_path / "replica")
    before = store.queries()
    n, table = before.count(Scope()), before.snap.table
    assert store.queries().snap.table == table  # the same version: not loaded again
    writer = Store(tmp_path / "w.duckdb")
    shutil.copy(demo_data_dir / "demo.duckdb", writer.path)
    from tests.text_corpus import corpus_frame

    writer.ingest([corpus_frame()], kind="import", source="more")
    publish(writer, folder)
    after = store.queries()
    assert after.snap.table != table and after.count(Scope()) == n + 8  # not the old version's cached answer
    raw = store.con.con
    tables = {r[0] for r in raw.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    kept = {table, after.snap.table}
    assert tables == kept | {f"{t}_values" for t in kept}  # the previous version kept for reruns still reading it
    assert raw.execute("SELECT current_setting('memory_limit')").fetchone()[0] in ("1.0 GiB", "953.6 MiB")


def test_a_new_version_answers_from_its_parquet_files_while_it_loads(shared, tmp_path, monkeypatch):
    """The first rerun after a new snapshot does not wait for the replica's load: it is answered from the
    snapshot's Parquet files (Ibis), the same answers as from the loaded table (SQL) once the load is done."""
    from lib.queries import engine_load
    from tests.test_backends import RECODE, SCOPES, TOPICS

    release, started = threading.Event(), threading.Event()
    load = engine_load.load_table

    def held(*args):
        started.set()
        assert release.wait(120)
        return load(*args)

    monkeypatch.setattr(engine_load, "load_table", held)
    store = IbisStore(shared, "duckdb", workdir=tmp_path / "replica", background=True)

    def answers(q) -> list:
        out = []
        for scope in SCOPES:
            lists = q.counts_many(scope, ["hashtags", "handles", "linkDomains", "tags"], top=10)
            out += [q.count(scope), q.kpis(scope), q.counts(scope, "sourceService").to_dict("list")]
            out += [frame.to_dict("list") for frame in lists.values()]
            out += [q.crosstab(scope, "sourceService", "messageSentiment").to_dict("split")]
            out += [q.volume(scope, "week", "messageSentiment").to_dict("list"), q.keys(scope, 20)]
            out += [q.term_counts(scope).tolist(), q.term_counts(scope, "phrases").tolist()]
            out += [q.sentiment_grid(scope).to_dict("split"), sorted(q.author_counts(scope).tolist())]
        return out

    during = store.queries(RECODE, TOPICS)
    assert started.wait(60) and store.loading()
    assert not isinstance(during, DuckDBQueries) and not during.snap.table  # the Parquet files answer
    first = answers(during)
    assert store.loading()  # all of it answered while the load was held
    release.set()
    assert store.wait_loaded(120)
    after = store.queries(RECODE, TOPICS)
    assert isinstance(after, DuckDBQueries) and after.snap.table and not store.loading()
    assert answers(after) == first


@pytest.mark.parametrize(
    "recode",
    [TagRecode(case_fold=False), TagRecode(rename={"baggage": "Bags", "Delays & Cancellations": "Bags"})],
    ids=["raw-tags", "merged-by-rename"],
)
def test_coded_list_fields_count_as_the_strings_do(shared, store, recode):
    """The loaded table's integer codes (lib/queries/engine_load.py) under any recode: the raw tags when it does
    not fold case, a second query for names that a rename merges; values no mention has match nothing."""
    coded, strings = store.queries(recode), IbisStore(shared, "duckdb", load=False).queries(recode)
    assert isinstance(coded, DuckDBQueries) and not isinstance(strings, DuckDBQueries)
    hostile = ("no such tag'; DROP TABLE x; --", "")
    scopes = [
        Scope(),
        Scope(Filters(sentiments=("negative",), tags=(coded.tag_options()[0],))),
        Scope(Filters(countries=("DE", "nowhere"))).narrowed("hashtags", ("travel", *hostile)),
        Scope(Filters(tags=hostile, services=hostile)),
    ]
    for scope in scopes:
        for column in ("tags", "hashtags", "handles", "linkDomains", "sourceService", "authorName"):
            mine, theirs = coded.counts(scope, column), strings.counts(scope, column)
            assert mine.to_dict("list") == theirs.to_dict("list"), (scope, column)
        assert coded.count(scope) == strings.count(scope)
    assert coded.count(scopes[-1]) == 0 and coded.count(scopes[0]) > coded.count(scopes[1]) > 0


def test_a_failed_load_keeps_the_parquet_answers_and_is_not_retried(shared, tmp_path, monkeypatch):
    from lib.queries import engine_load

    calls = []

    def broken(*args):
        calls.append(args)
        raise OSError("No space left on device")

    monkeypatch.setattr(engine_load, "load_table", broken)
    store = IbisStore(shared, "duckdb", workdir=tmp_path / "replica", background=True)
    n = store.queries().count(Scope())
    assert store.wait_loaded(60)
    for _ in range(3):  # the next reruns
        q = store.queries()
        assert not q.snap.table and q.count(Scope()) == n > 0
        assert not q.loading  # the sidebar no longer says it loads
    assert len(calls) == 1 and "No space left" in next(iter(store.loader.errors.values()))


def test_a_snapshot_of_long_texts_loads_within_the_replicas_memory(demo_data_dir, tmp_path):
    """Blog and news texts: the demo's texts made ten times longer (about 100 MB of text the loaded table keeps)
    load into a replica given 200 MB, and answer as the Parquet files do. (Sorted by time, as the load once was,
    DuckDB held the texts it sorted in memory: a 10M snapshot ran out of the replica's 1 GB.)"""
    source = Store(tmp_path / "long.duckdb")
    shutil.copy(demo_data_dir / "demo.duckdb", source.path)
    with duckdb.connect(str(source.path)) as con:
        con.execute('UPDATE mentions SET "messageContent" = repeat("messageContent" || \' \', 10)')
    publish(source, tmp_path / "shared")
    loaded = IbisStore(tmp_path / "shared", memory_limit="200MB", workdir=tmp_path / "replica")
    in_place = IbisStore(tmp_path / "shared", load=False)
    assert loaded.snapshot().table, "the load failed: the replica answers from the Parquet files"
    scope = Scope(Filters(sentiments=("negative",)), "UTC")
    assert loaded.queries().count(scope) == in_place.queries().count(scope) > 0
    by_source = [
        dict(q.counts(scope, "sourceService").itertuples(index=False)) for q in (loaded.queries(), in_place.queries())
    ]
    assert by_source[0] == by_source[1]
