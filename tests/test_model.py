from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.cache import LockedLRU
from lib.mentions.normalize import normalize
from lib.queries.buckets import auto_frequency
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope
from lib.queries.kpis import kpi_cards
from lib.queries.model import MentionModel
from lib.store.local import Store

ROWS = [
    # uniqueId, published (UTC), sentiment, service, country, author, tags, text
    ("1", "2026-03-01T23:30:00Z", "positive", "twitter", "NA", "ann", "Baggage, Praise", "Lost my bag"),
    ("2", "2026-03-02T00:30:00Z", "negative", "twitter", "US", "bob", "Baggage,Complaint", "WIFI broken"),
    ("3", "2026-03-02T12:00:00Z", "negative", "facebook", "US", "ann", "Complaint", "late again"),
    ("4", "2026-03-09T12:00:00Z", "neutral", "facebook", "", "cy", "", "wifi question"),
    ("5", "2026-03-10T12:00:00Z", "", "youtube", "DE", "", "Praise", "great crew"),
    ("6", "", "positive", "twitter", "DE", "dee", "", "no date at all"),
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    raw = pd.DataFrame(
        ROWS, columns=["uniqueId", "datePublished", "sentiment", "service", "country", "author", "tags", "content"]
    )
    frame, _ = normalize(raw)
    store = Store(tmp_path_factory.mktemp("m") / "m.duckdb")
    store.ingest([frame], kind="import", source="t")
    return MentionModel.from_store(store)


def keys(model, filters, tz="UTC"):
    return sorted(model.page(model.mask(filters, tz), limit=model.n))


@pytest.mark.parametrize(
    "filters,expected",
    [
        (Filters(), ["1", "2", "3", "4", "5", "6"]),
        (Filters(sentiments=("negative", "neutral")), ["2", "3", "4"]),  # OR within a field
        (Filters(sentiments=("negative",), services=("facebook",)), ["3"]),  # AND across fields
        (Filters(countries=("NA",)), ["1"]),  # Namibia, not a missing value
        (Filters(countries=("",)), ["4"]),
        (Filters(sentiments=("unset",)), ["5"]),
        (Filters(tags=("Baggage", "Praise")), ["1", "2", "5"]),
        (Filters(tags=("Baggage", "Praise"), tag_mode="all"), ["1"]),
        (Filters(tags=("Nope",)), []),
        (Filters(text="wifi"), ["2", "4"]),  # case-insensitive
        (Filters(start=date(2026, 3, 2), end=date(2026, 3, 2)), ["2", "3"]),
        (Filters(authors=("ann",)), ["1", "3"]),
    ],
)
def test_mask(model, filters, expected):
    assert keys(model, filters) == expected


def test_dates_are_days_in_the_display_timezone(model):
    march_2 = Filters(start=date(2026, 3, 2), end=date(2026, 3, 2))
    assert keys(model, march_2, "Europe/Berlin") == ["1", "2", "3"]  # 23:30 UTC is 00:30 in Berlin
    assert keys(model, march_2, "America/New_York") == ["3"]


def test_counts_and_kpis(model):
    everything = model.mask(Filters(), "UTC")
    counts = model.counts("sourceService", everything)
    assert counts.values.tolist() == [["twitter", 3], ["facebook", 2], ["youtube", 1]]
    assert model.counts("tags", everything).set_index("value")["mentions"].to_dict() == {
        "Baggage": 2,
        "Praise": 2,
        "Complaint": 2,
    }
    kpis = model.kpis(everything)
    assert kpis["mentions"] == 6 and kpis["authors"] == 4  # blank author not counted
    assert kpis["positive"] == pytest.approx(2 / 6) and kpis["unset"] == pytest.approx(1 / 6)


def test_volume_by_day_fills_gaps_and_respects_the_timezone(model):
    everything = model.mask(Filters(), "UTC")
    utc = model.volume(everything, "day", None, "UTC")
    assert utc["mentions"].tolist() == [1, 2, 0, 0, 0, 0, 0, 0, 1, 1]
    assert utc["bucket"].iloc[0] == pd.Timestamp("2026-03-01")
    berlin = model.volume(everything, "day", None, "Europe/Berlin")
    assert berlin["bucket"].iloc[0] == pd.Timestamp("2026-03-02") and berlin["mentions"].iloc[0] == 3


def test_volume_by_week_starts_monday_and_splits_by_sentiment(model):
    vol = model.volume(model.mask(Filters(), "UTC"), "week", "messageSentiment", "UTC")
    weeks = vol.pivot(index="bucket", columns="series", values="mentions")
    assert list(weeks.index) == [pd.Timestamp("2026-02-23"), pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-09")]
    assert weeks.loc["2026-03-02", "negative"] == 2 and weeks.loc["2026-03-09"].sum() == 2
    assert list(weeks.columns) == ["negative", "neutral", "positive", "unset"]


def test_local_time_across_daylight_saving(model):
    ts = pd.to_datetime(["2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"]).as_unit("ns").asi8
    fake = MentionModel.__new__(MentionModel)
    fake.ts, fake._local_ns = ts, LockedLRU(4)
    local = fake.local_ns("America/New_York")
    assert [str(pd.Timestamp(v)) for v in local] == ["2026-03-08 01:30:00", "2026-03-08 03:30:00"]


def test_page_is_newest_first(model):
    everything = model.mask(Filters(), "UTC")
    assert list(model.page(everything, limit=3)) == ["5", "4", "3"]
    assert list(model.page(everything, newest_first=False)) == ["1", "2", "3", "4", "5", "6"]


def test_kpi_cards_compare_with_the_period_before(model):
    # 2-8 March holds mentions 2 and 3 (both negative); 24 Feb - 1 March holds mention 1 (positive).
    cards = kpi_cards(ModelQueries(model), Scope(Filters(start=date(2026, 3, 2), end=date(2026, 3, 8))))
    by_name = {c.name: c for c in cards}
    assert by_name["Mentions"].value == "2" and by_name["Mentions"].delta == "+100.0%"
    assert by_name["Unique authors"].delta == "+100.0%"  # ann, bob vs ann
    assert (by_name["Positive"].value, by_name["Positive"].delta) == ("0.0%", "-100.0 pp")
    assert (by_name["Negative"].value, by_name["Negative"].delta) == ("100.0%", "+100.0 pp")
    assert by_name["Negative"].inverse
    assert all(c.delta is None for c in kpi_cards(ModelQueries(model), Scope()))
    assert not any(c.steady for c in cards)


def test_a_kpi_that_did_not_change_has_no_sign_and_no_arrow(model):
    # 10 March against 9 March: one mention each, neither positive nor negative; an author only on the 9th.
    scope = Scope(Filters(start=date(2026, 3, 10), end=date(2026, 3, 10)))
    cards = {c.name: c for c in kpi_cards(ModelQueries(model), scope)}
    assert (cards["Mentions"].delta, cards["Mentions"].steady) == ("0.0%", True)
    assert (cards["Positive"].delta, cards["Positive"].steady) == ("0.0 pp", True)
    assert (cards["Negative"].delta, cards["Negative"].steady) == ("0.0 pp", True)
    assert (cards["Unique authors"].delta, cards["Unique authors"].steady) == ("-100.0%", False)


@pytest.mark.parametrize(
    "days,freq", [(1, "hour"), (3, "hour"), (4, "day"), (120, "day"), (121, "week"), (731, "month")]
)
def test_auto_frequency(days, freq):
    assert auto_frequency(date(2026, 1, 1), date(2026, 1, 1) + pd.Timedelta(days=days - 1)) == freq


def test_demo_model_loads_everything(demo_model):
    assert demo_model.n == 20_000
    assert np.count_nonzero(demo_model.ts == np.iinfo(np.int64).min) == 0


def test_the_stored_clusters_are_read_when_first_asked_and_are_the_stored_ones(demo_data_dir):
    """A model of a store leaves the near-duplicate clusters in the store until a question needs them (the first
    Overview does not: they cost 0.9 s of a 1M cold start), then reads each mention's own, by key."""
    from lib.queries.clusters import first_copies

    store = Store(demo_data_dir / "demo.duckdb")
    model = MentionModel.from_store(store)
    q, scope = ModelQueries(model), Scope(Filters())
    q.count(scope), kpi_cards(q, scope), q.counts_many(scope, ["sourceService", "messageLanguage"])
    assert model._copies_store is not None  # not read yet
    stored = store.read_model(["uniqueId", "copyCluster", "copyItem"], vocabulary=False)[0].to_pandas()
    stored = stored.set_index("uniqueId").loc[model.keys.to_pylist()]
    cluster, item = model.copies
    assert model._copies_store is None
    assert cluster.tolist() == stored["copyCluster"].tolist() and item.tolist() == stored["copyItem"].tolist()
    assert 0 < first_copies(model).sum() < model.n  # the demo's bot copies are clusters
    assert model.copies is not None and model.copies[0] is cluster  # read once
