"""What is rising: the statistics against a plain count of the store, the planted refund campaign found in the
demo's last week, and the same answer from the model and from DuckDB over the snapshot."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from lib.queries.engine import IbisStore
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope
from lib.queries.rising import rising, term_scope
from lib.text.rising import Z_RISING, rising_terms
from lib.text.terms import TermIndex


@pytest.fixture(scope="module")
def model_q(demo_model):
    return ModelQueries(demo_model)


@pytest.fixture(scope="module")
def duckdb_q(demo_snapshot):
    return IbisStore(demo_snapshot, "duckdb").queries()


def test_a_term_whose_share_grew_is_rising_and_a_steady_one_is_not():
    import pyarrow as pa

    vocab = pa.table(
        {
            "id": pa.array([0, 1, 2], pa.int32()),
            "key": ["en:storm", "en:flight", "en:the"],
            "lang": ["en"] * 3,
            "term": ["storm", "flight", "the"],
            "kind": ["word"] * 3,
            "stem": ["storm", "flight", "the"],
            "first": pa.array([-1] * 3, pa.int32()),
            "second": pa.array([-1] * 3, pa.int32()),
        }
    )
    index = TermIndex(None, None, vocab, 0)
    # Seven quiet periods of 100 mentions, then a last one of 50 (in progress): "storm" goes from 1% to 20%,
    # "flight" stays at 30%, "the" rises too but is a stopword.
    periods = [np.array([1, 30, 40])] * 7 + [np.array([10, 15, 40])]
    sizes = [100] * 7 + [50]
    table = rising_terms(index, periods, sizes, min_count=5)
    assert table["term"].tolist() == ["storm"]
    row = table.iloc[0]
    assert (row["last"], row["before"]) == (10, 7)
    assert row["share_last"] == pytest.approx(0.2) and row["share_before"] == pytest.approx(0.01)
    assert row["growth"] == pytest.approx(20) and row["z"] >= Z_RISING
    assert row["trend"] == pytest.approx([0.01] * 7 + [0.2])
    # Fewer than min_count mentions in the last period: noise, not news.
    assert rising_terms(index, periods, sizes, min_count=11).empty
    # One period has nothing to compare with.
    assert rising_terms(index, periods[-1:], sizes[-1:]).empty


def test_the_planted_refund_campaign_rises_in_the_demos_last_week(model_q):
    result = rising(model_q, Scope(), "week", 8, "hashtag")
    assert result.table["term"].iloc[0] == "#refundnorthwind"
    newest = model_q.date_bounds("UTC")[1]
    assert result.last == (newest - timedelta(days=6), newest)
    assert [b - a for a, b in result.spans] == [timedelta(days=6)] * 8
    assert all(
        later[0] - earlier[1] == timedelta(days=1)
        for earlier, later in zip(result.spans, result.spans[1:], strict=False)
    )
    # Each period's size and each term's count, against plain counts of the model.
    for span, size in zip(result.spans, result.sizes, strict=True):
        assert size == model_q.count(Scope(Filters(start=span[0], end=span[1])))
    for term, last in zip(result.table["term"], result.table["last"], strict=True):
        assert model_q.count(term_scope(Scope(), result, term)) == last  # the click shows as many mentions
    words = rising(model_q, Scope(), "week", 8, "word").table
    assert {"refund", "petition"} <= set(words["term"])
    assert (words["z"] >= Z_RISING).all() and words["z"].is_monotonic_decreasing
    assert (words["share_last"] > words["share_before"]).all()


def test_the_end_date_sets_the_last_period_and_the_start_date_does_not_cut_the_baseline(model_q):
    end = date(2026, 3, 31)
    result = rising(model_q, Scope(Filters(start=date(2026, 3, 25), end=end)), "day", 8, "word", min_count=3)
    assert result.last == (end, end) and result.spans[0] == (end - timedelta(days=7),) * 2
    assert result.sizes[0] == model_q.count(Scope(Filters(start=result.spans[0][0], end=result.spans[0][1])))


@pytest.mark.parametrize(
    ("scope", "kind", "period"),
    [
        (Scope(), "word", "week"),
        (Scope(Filters(languages=("en",))), "phrase", "month"),
        (Scope(Filters(sentiments=("negative",)), tz="America/New_York"), "hashtag", "week"),
    ],
    ids=["words", "phrases-en", "hashtags-negative-ny"],
)
def test_every_backend_gives_the_same_rising_terms(model_q, duckdb_q, scope, kind, period):
    ours = rising(model_q, scope, period, 8, kind, min_count=3)
    theirs = rising(duckdb_q, scope, period, 8, kind, min_count=3)
    assert ours.spans == theirs.spans and ours.sizes == theirs.sizes
    assert not ours.table.empty
    pd.testing.assert_frame_equal(ours.table, theirs.table)
