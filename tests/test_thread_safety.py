"""The in-memory model is one object for every session of a server: concurrent reruns fill and evict its caches
at once. Eight threads ask a fresh model a mix of questions (more timezones, searches and recodes than its caches
keep, so they evict while others read) and every answer must equal the one a single thread gets."""

from __future__ import annotations

import random
import sys
import threading
from datetime import date

import pandas as pd

from lib.cache import LockedLRU
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope
from lib.queries.model import MentionModel
from lib.queries.tags import TagRecode, tag_index
from lib.store.local import Store

TIMEZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo")
WORDS = ("flight", "delay", "bag*", '"customer service"', "refund", "#travel", "seat OR food", "crew AND NOT late")
RECODES = (
    TagRecode(),
    TagRecode(case_fold=False),
    TagRecode(exclude=("praise",)),
    TagRecode(rename={"complaint": "issue"}),
    TagRecode(rename={"praise": "issue", "complaint": "issue"}),
    TagRecode(case_fold=False, exclude=("Praise",)),
)


def questions() -> list[tuple]:
    asked = []
    for i, tz in enumerate(TIMEZONES):
        recode = RECODES[i % len(RECODES)]
        span = Filters(start=date(2026, 1, 1 + i), end=date(2026, 12, 31)) if i % 2 else Filters()
        asked += [
            ("volume", tz, recode, Scope(span, tz), "day", "messageSentiment"),
            ("volume", tz, recode, Scope(span, tz), "week", None),
            ("counts", tz, recode, Scope(span, tz), "tags"),
            ("counts", tz, recode, Scope(span, tz), "sourceService"),
        ]
    for word in WORDS:
        asked.append(("counts", "UTC", RECODES[0], Scope(Filters(text=word), "UTC"), "messageLanguage"))
    return asked


def answer(model: MentionModel, question: tuple) -> pd.DataFrame:
    kind, _tz, recode, scope, *rest = question
    q = ModelQueries(model, tag_index(model, recode))  # one per rerun, as ui/frame.py makes them
    if kind == "volume":
        return q.volume(scope, rest[0], rest[1])
    return q.counts(scope, rest[0])


def run_at_once(work, threads: int = 8) -> None:
    """``work(seed)`` in ``threads`` threads at once, switching between them far more often than usual, so that
    unlocked check-then-act code interleaves."""
    workers = [threading.Thread(target=work, args=(seed,)) for seed in range(threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)


def test_eight_threads_get_the_answers_one_thread_gets(demo_data_dir):
    store = Store(demo_data_dir / "demo.duckdb")
    asked = questions()
    alone = MentionModel.from_store(store)
    expected = [answer(alone, question) for question in asked]

    shared = MentionModel.from_store(store)  # cold caches, filled by the threads at once
    failures: list[str] = []

    def session(seed: int) -> None:
        order = list(range(len(asked))) * 2
        random.Random(seed).shuffle(order)
        for i in order:
            try:
                got = answer(shared, asked[i])
                pd.testing.assert_frame_equal(got, expected[i])
            except Exception as exc:  # every failure is collected, reported below
                failures.append(f"{asked[i][:2]} {asked[i][3]}: {type(exc).__name__}: {exc}"[:400])

    run_at_once(session)
    assert failures == []
    assert sum(frame["mentions"].sum() for frame in expected) > 0  # the questions had answers to compare


def test_evictions_while_other_threads_insert(corpus_model):
    """Recodes and timezones cycled past what the caches keep, from eight threads: every call evicts while
    others insert (the unlocked dict this replaced raised 'dictionary changed size during iteration'). On the
    eight-mention corpus each build takes microseconds, so the threads meet in the caches far more often than on
    the demo's 20,000 mentions: with LockedLRU's lock taken out, 4 runs in 5 fail here (KeyError)."""
    recodes = [TagRecode(exclude=(f"gone {i}",)) for i in range(8)]
    zones = (*TIMEZONES, "Asia/Kolkata", "Africa/Cairo")
    failures: list[str] = []

    def churn(seed: int) -> None:
        pick = random.Random(seed)
        for _ in range(200):
            try:
                assert tag_index(corpus_model, pick.choice(recodes)).n == corpus_model.n
                _, key, total = corpus_model._day_key(pick.choice(zones), pick.choice([None, "messageSentiment"]))
                assert int(total.sum()) == corpus_model.n == len(key)
            except Exception as exc:  # every failure is collected, reported below
                failures.append(f"{type(exc).__name__}: {exc}"[:200])

    run_at_once(churn)
    assert failures == []


def test_the_lru_keeps_the_newest_and_builds_once_per_key():
    lru: LockedLRU[str, int] = LockedLRU(2)
    built: list[str] = []

    def build(key: str) -> int:
        built.append(key)
        return len(built)

    assert [lru.get(k, lambda k=k: build(k)) for k in ("a", "b", "a", "c", "a", "b")] == [1, 2, 1, 3, 1, 4]
    assert built == ["a", "b", "c", "b"] and "a" in lru and "c" not in lru and len(lru) == 2


def test_the_text_search_and_answer_caches_under_eight_threads(demo_model):
    """The text search's leaf cache and an engine replica's answer cache, filled and evicted from eight threads
    at once (more keys than either keeps): every answer equals the single-threaded one, and neither grows past
    its size."""
    from lib.queries.answers import AnswerCache
    from lib.queries.text_search import CACHE_SIZE, TextSearch
    from lib.text.boolean_query import parse

    model = demo_model
    leaves = [parse(q) for q in (*WORDS[:6], "delay*", "late", "bag", "seat", "food", "refund*", "crew", "flight*")]
    leaves = [leaf for leaf in leaves if type(leaf).__name__ in ("Term", "Phrase")]
    words = [parse(f"w{i}x") for i in range(CACHE_SIZE)]  # words no mention has: they only evict
    expected = [model.finder.leaf(leaf).copy() for leaf in leaves]
    finder = TextSearch(model.finder.index, model.finder.texts, model.finder.n)  # cold, shared by the threads
    answers = AnswerCache(size=16)
    failures: list[str] = []

    def session(seed: int) -> None:
        pick = random.Random(seed)
        for _ in range(150):
            try:
                i = pick.randrange(len(leaves))
                assert (finder.leaf(leaves[i]) == expected[i]).all(), leaves[i]
                assert not finder.leaf(pick.choice(words)).any()
                key = pick.randrange(40)
                assert answers.get(("v1", key), lambda key=key: key * key) == key * key
            except Exception as exc:  # every failure is collected, reported below
                failures.append(f"{type(exc).__name__}: {exc}"[:200])

    run_at_once(session)
    assert failures == []
    assert len(leaves) >= 8 and len(finder._cache) <= CACHE_SIZE
    assert len(answers) <= 16 and answers.hits and answers.misses
