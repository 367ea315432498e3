"""Compare with the previous period, against tables computed by hand from eleven mentions, on every backend
(the in-memory model and DuckDB over a published snapshot: both answer through ``Queries.counts``)."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.charts.compare import compared_figure
from lib.export.csv_writer import frame_csv
from lib.mentions.normalize import normalize
from lib.queries.compare import compare_counts, compare_topics, compared, previous_scope, with_periods
from lib.queries.compare_terms import compare_phrases, compare_terms, term_mentions
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope
from lib.queries.model import MentionModel
from lib.store.local import Store
from lib.store.snapshot import publish
from lib.text.terms import Stoplist
from lib.text.topics import Topic, TopicSet

# (day in March 2026, service, sentiment, text). Now: 11-20 March; the previous period: 1-10 March.
ROWS = [
    (12, "twitter", "negative", "late again"),
    (13, "twitter", "negative", "late flight"),
    (14, "twitter", "negative", "lost bag"),
    (15, "twitter", "negative", "late"),
    (16, "twitter", "positive", "great crew"),
    (20, "twitter", "positive", "great food"),
    (18, "youtube", "neutral", "video"),
    (19, "youtube", "neutral", "video"),
    (11, "facebook", "negative", "late"),
    (2, "twitter", "negative", "late"),
    (3, "twitter", "negative", "lost bag"),
    (4, "twitter", "negative", "late"),
    (5, "twitter", "positive", "great"),
    (6, "facebook", "neutral", "ok"),
    (10, "facebook", "neutral", "ok"),
    (7, "reddit", "negative", "late"),
]
OUTSIDE = [(-1, "twitter", "negative", "late")]  # 28 February: in neither period
NOW = Scope(Filters(start=date(2026, 3, 11), end=date(2026, 3, 20)))


def frame() -> pd.DataFrame:
    rows = ROWS + OUTSIDE
    raw = pd.DataFrame(
        {
            "uniqueId": [f"m{i}" for i in range(len(rows))],
            "sourceService": [r[1] for r in rows],
            "messageSentiment": [r[2] for r in rows],
            "messageContent": [r[3] for r in rows],
            "datePublished": [f"2026-03-{r[0]:02d}T12:00:00Z" if r[0] > 0 else "2026-02-28T12:00:00Z" for r in rows],
        }
    )
    normalized, report = normalize(raw)
    assert not report.rejected
    return normalized


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("cmp") / "c.duckdb")
    store.ingest([frame()], kind="import", source="hand")
    return store


@pytest.fixture(scope="module", params=["model", "duckdb"])
def q(request, store, tmp_path_factory):
    if request.param == "model":
        return ModelQueries(MentionModel.from_store(store))
    from lib.queries.engine import IbisStore

    folder = tmp_path_factory.mktemp("cmp-shared")
    publish(store, folder)
    return IbisStore(folder, "duckdb").queries()


def table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["value", "mentions", "previous", "change", "change %"]).astype(
        {"mentions": "int64", "previous": "int64", "change": "int64", "change %": "float64"}
    )


def test_the_previous_period_is_the_days_of_equal_length_just_before():
    previous = previous_scope(NOW.narrowed("tags", ("x",)))
    assert (previous.filters.start, previous.filters.end) == (date(2026, 3, 1), date(2026, 3, 10))
    assert previous.within == (("tags", ("x",)),)  # a drill-down narrows both periods
    assert previous_scope(Scope()) is None  # no dates: nothing to compare with


def test_sources_now_and_before_by_hand(q):
    by_mentions = compare_counts(q, NOW, "sourceService")
    expected = table(
        [
            ("twitter", 6, 4, 2, 50.0),
            ("youtube", 2, 0, 2, np.nan),
            ("facebook", 1, 2, -1, -50.0),
            ("reddit", 0, 1, -1, -100.0),  # gone now: its fall still shows
        ]
    )
    pd.testing.assert_frame_equal(by_mentions, expected)
    by_change = compare_counts(q, NOW, "sourceService", sort="change")
    assert by_change["value"].tolist() == ["twitter", "youtube", "facebook", "reddit"]
    assert compare_counts(q, NOW, "sourceService", top=2)["value"].tolist() == ["twitter", "youtube"]


def test_sentiment_now_and_before_by_hand(q):
    got = compare_counts(q, NOW, "messageSentiment")
    expected = table(
        [
            ("negative", 5, 4, 1, 25.0),
            ("neutral", 2, 2, 0, 0.0),
            ("positive", 2, 1, 1, 100.0),
        ]
    )
    pd.testing.assert_frame_equal(got, expected)
    narrowed = compare_counts(q, NOW.narrowed("sourceService", ("twitter",)), "messageSentiment", sort="change")
    pd.testing.assert_frame_equal(
        narrowed, table([("negative", 4, 3, 1, 33.3), ("positive", 2, 1, 1, 100.0)])
    )  # a tie: more mentions first


def test_topics_now_and_before_by_hand(q):
    topics = TopicSet((Topic("Delays", "late*"), Topic("Bags", '"lost bag"')))
    got = compare_topics(q, NOW, topics, sort="change")
    pd.testing.assert_frame_equal(got, table([("Delays", 4, 3, 1, 33.3), ("Bags", 1, 1, 0, 0.0)]))


def test_the_csv_of_a_compared_chart_carries_both_periods_and_the_figure_names_each_bar():
    t = compared(
        pd.DataFrame({"value": ["a", "=cmd"], "mentions": [3, 1]}),
        pd.DataFrame({"value": ["a", "b"], "mentions": [1, 2]}),
    )
    data = frame_csv(with_periods(t, NOW))  # the one CSV writer
    read = pd.read_csv(io.BytesIO(data), keep_default_na=False)
    assert list(read.columns) == ["value", "mentions", "previous", "change", "change %", "period", "previous period"]
    assert read.to_dict("records")[0] == {
        "value": "a",
        "mentions": 3,
        "previous": 1,
        "change": 2,
        "change %": "200.0",  # a column with an empty cell below (a value new now) reads as text
        "period": "2026-03-11 – 2026-03-20",
        "previous period": "2026-03-01 – 2026-03-10",
    }
    assert read["value"].tolist() == ["a", "'=cmd", "b"]  # neutralised, as every CSV the app writes
    assert read["change %"].tolist() == ["200.0", "", "-100.0"]
    fig = compared_figure(t, "sourceService", "now", "before")
    fig.to_dict()  # valid plotly
    import plotly.graph_objects as go

    go.Figure(fig.to_dict())  # validates every property
    before, now = fig.data
    assert [c[1] for c in now.customdata] == ["now"] * 3 and [c[1] for c in before.customdata] == ["previous"] * 3
    assert list(now.text) == ["-2 (-100%)", "+1 (new)", "+2 (+200%)"]  # bottom to top: the first row on top


def test_terms_now_and_before_by_hand(q):
    # Words now (11-20 March): late 4, great 2, video 2, again/bag/crew/flight/food/lost 1; before: late 3, ok 2,
    # bag/great/lost 1. The cut at 4 falls between bag and lost (tied at 1 and 1): the first by name is kept.
    pd.testing.assert_frame_equal(
        compare_terms(q, NOW, top=4),
        table([("late", 4, 3, 1, 33.3), ("great", 2, 1, 1, 100.0), ("video", 2, 0, 2, np.nan), ("bag", 1, 1, 0, 0.0)]),
    )
    pd.testing.assert_frame_equal(
        compare_terms(q, NOW, top=4, sort="change"),  # ok fell to nothing: it still shows
        table(
            [("video", 2, 0, 2, np.nan), ("ok", 0, 2, -2, -100.0), ("late", 4, 3, 1, 33.3), ("great", 2, 1, 1, 100.0)]
        ),
    )
    assert compare_terms(q, NOW, top=2, stoplist=Stoplist(add=frozenset({"late"})))["value"].tolist() == [
        "great",
        "video",
    ]
    assert compare_terms(q, NOW, ("hashtag",)).empty and compare_terms(q, Scope()) is None
    data = frame_csv(with_periods(compare_terms(q, NOW, top=1), NOW))
    assert pd.read_csv(io.BytesIO(data)).to_dict("records") == [
        {
            "value": "late",
            "mentions": 4,
            "previous": 3,
            "change": 1,
            "change %": 33.3,  # a percent of the previous count, not a fraction
            "period": "2026-03-11 – 2026-03-20",
            "previous period": "2026-03-01 – 2026-03-10",
        }
    ]


def test_phrases_now_and_before_by_hand(q):
    # Pairs now: late again, late flight, lost bag, great crew, great food (1 each); before: lost bag 1.
    pd.testing.assert_frame_equal(
        compare_phrases(q, NOW, top=3, min_count=1),
        table([("lost bag", 1, 1, 0, 0.0), ("great crew", 1, 0, 1, np.nan), ("great food", 1, 0, 1, np.nan)]),
    )
    assert compare_phrases(q, NOW, top=3, min_count=1, sort="change")["value"].tolist() == [
        "great crew",
        "great food",
        "late again",
    ]
    assert compare_phrases(q, NOW, min_count=2).empty  # lost bag: 1 and 1, in neither period twice


def test_a_stem_is_named_alike_in_both_periods(tmp_path):
    # Now: "flights" twice, "flight" once; before: "flight" three times. Grouped by stem, one row, named by
    # the form with most mentions over both periods (flight, 4), not by each period's own (flights now).
    rows = [
        (12, "flights delayed"),
        (13, "flights delayed"),
        (14, "flight delayed"),
        *[(d, "flight") for d in (2, 3, 4)],
    ]
    raw = pd.DataFrame(
        {
            "uniqueId": [f"s{i}" for i in range(len(rows))],
            "messageContent": [text for _, text in rows],
            "messageLanguage": "en",
            "datePublished": [f"2026-03-{day:02d}T12:00:00Z" for day, _ in rows],
        }
    )
    store = Store(tmp_path / "s.duckdb")
    store.ingest([normalize(raw)[0]], kind="import", source="hand")
    q = ModelQueries(MentionModel.from_store(store))
    pd.testing.assert_frame_equal(
        compare_terms(q, NOW, by_stem=True), table([("flight", 3, 3, 0, 0.0), ("delayed", 3, 0, 3, np.nan)])
    )
    # A bar's mentions are the ones it counts: every form of the stem (a search for "flight" finds one now).
    count, keys = term_mentions(q, NOW, "flight", by_stem=True)
    assert count == 3 and sorted(keys) == ["s0", "s1", "s2"] and q.count(NOW.searching("flight")) == 1
    assert term_mentions(q, previous_scope(NOW), "flight", by_stem=True)[0] == 3
    assert term_mentions(q, NOW, "flight")[0] == 1 and term_mentions(q, NOW, "no such term")[0] == 0


def test_a_bars_mentions_in_each_period_by_hand(q):
    assert term_mentions(q, NOW, "late")[0] == 4 and term_mentions(q, previous_scope(NOW), "late")[0] == 3
    count, keys = term_mentions(q, NOW, "lost bag", "phrases")
    assert count == 1 and len(keys) == 1


def test_change_percent_in_a_charts_csv_is_a_percent_not_a_fraction():
    # 100 before, 77 now: 23% fewer. The CSV says -23.0 (a fraction, -0.23, read as a percent is 100× off).
    t = compared(
        pd.DataFrame({"value": ["a", "b"], "mentions": [77, 2]}),
        pd.DataFrame({"value": ["a", "b"], "mentions": [100, 3]}),
    )
    read = pd.read_csv(io.BytesIO(frame_csv(with_periods(t, NOW))))
    assert read["change %"].tolist() == [-23.0, -33.3]
    assert list(compared_figure(t, "sourceService", "now", "before").data[1].text) == ["-1 (-33%)", "-23 (-23%)"]
