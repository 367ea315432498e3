"""The DuckDB replica's SQL path (lib/queries/engine_sql.py): its answer cache is keyed by everything that
changes an answer, and the snapshot is loaded into DuckDB once per version. tests/test_backends.py holds the
answers themselves to the model's and to a plain reading of the store."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

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
    assert tables == {table, after.snap.table}  # the previous version kept for reruns still reading it
    assert raw.execute("SELECT current_setting('memory_limit')").fetchone()[0] in ("1.0 GiB", "953.6 MiB")
