"""Every chart builder, on real model output, passes plotly's full validation.

The builders skip validation at run time for speed (lib/charts/figures.py); this is where a misspelt property or
a wrong value type would fail."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.charts import figures as charts
from lib.queries.breakdowns import country_map, spikes
from lib.queries.interface import ModelQueries, Scope, series_volume
from lib.queries.sentiment_check import five_level_counts
from lib.sources.demo import SPIKES, START


def validated(fig: go.Figure) -> go.Figure:
    return go.Figure(fig.to_dict())  # the validating constructor raises on any unknown property or bad value


@pytest.fixture(scope="module")
def everything(demo_model):
    return np.ones(demo_model.n, dtype=bool)


def test_volume_bars_and_map(demo_model, everything):
    volume = demo_model.volume(everything, "day", "messageSentiment")
    flagged = spikes(volume.groupby("bucket")["mentions"].sum(), "day")
    fig = validated(charts.volume_figure(volume, "messageSentiment", "day", flagged))
    assert {t.name for t in fig.data} >= {"Positive", "Negative"}
    assert all(t.hovertemplate.startswith("%{x|%a %d %b %Y}: %{y:,} ") for t in fig.data)  # the day, not only the count
    weekly = charts.volume_figure(demo_model.volume(everything, "week", None), None, "week")
    assert weekly.data[0].hovertemplate.startswith("week of %{x|")
    bars = validated(charts.bar_figure(demo_model.counts("sourceService", everything), "sourceService"))
    assert len(bars.data[0].y) == 10
    known, _ = country_map(demo_model.counts("locationCountry", everything))
    assert validated(charts.map_figure(known)).data[0].locationmode == "ISO-3"


def test_tables_lines_and_shares(demo_model, everything):
    table = demo_model.crosstab("sourceService", "messageSentiment", everything)
    assert validated(charts.heatmap_figure(table)).data[0].type == "heatmap"
    q = ModelQueries(demo_model)
    series = series_volume(q, {"all": Scope()}, "week")
    assert validated(charts.lines_figure(series, "mentions per week")).data[0].name == "all"
    shares = q.tag_crosstab(Scope(), ["Complaint", "Praise"], "messageSentiment")
    assert len(validated(charts.stacked_share_figure(shares, "messageSentiment")).data) == shares.shape[1]


def test_text_charts(demo_model, everything):
    terms = demo_model.text.top_terms(everything, top=20)
    tree = validated(charts.treemap_figure(terms))
    assert list(tree.data[0].labels) == terms["term"].tolist()
    negative = demo_model.value_mask("messageSentiment", ("negative",))
    positive = demo_model.value_mask("messageSentiment", ("positive",))
    table = demo_model.text.distinctive_of(
        demo_model.text.counts(negative),
        demo_model.text.counts(positive),
        (int(negative.sum()), int(positive.sum())),
        top=5,
    )
    fig = validated(charts.diverging_figure(table, "negative", "positive"))
    assert len(fig.data[0].y) == 10 and (table["z"] > 0).sum() == 5  # five words each way
    levels = five_level_counts(ModelQueries(demo_model).sentiment_grid(Scope())).rename(columns={"level": "value"})
    assert len(validated(charts.bar_figure(levels, "level", 6)).data[0].y) == 6


def test_a_volume_bar_names_its_bucket_and_its_series(demo_model, everything):
    # The issue: customdata held only the series, and the page read "negative" as a date.
    volume = demo_model.volume(everything, "week", "messageSentiment")
    fig = charts.volume_figure(volume, "messageSentiment", "week")
    negative = next(t for t in fig.data if t.name == "Negative")
    first = volume[volume["series"] == "negative"].iloc[0]
    assert list(negative.customdata[0]) == [first["bucket"].isoformat(), "negative"]
    assert pd.Timestamp(negative.customdata[0][0]) == first["bucket"]
    unsplit = charts.volume_figure(demo_model.volume(everything, "day", None), None, "day")
    assert unsplit.data[0].customdata[0][1] == "Mentions" and not unsplit.layout.showlegend


def test_trend_points_name_their_bucket_and_their_line(demo_model):
    q = ModelQueries(demo_model)
    series = series_volume(q, {"Praise": Scope().narrowed("tags", ("Praise",)), "all": Scope()}, "week")
    fig = validated(charts.lines_figure(series, "mentions per week"))
    praise = fig.data[0]
    assert [tuple(c) for c in praise.customdata[:1]] == [(series["bucket"].iloc[0].isoformat(), "Praise")]
    assert fig.layout.hovermode == "closest"  # "x unified" selected every line's point at that x
    assert len({t.line.color for t in fig.data}) == 2


def test_spikes_are_labels_one_per_burst(demo_model, everything):
    volume = demo_model.volume(everything, "day", "messageSentiment")
    flagged = spikes(volume.groupby("bucket")["mentions"].sum(), "day")
    fig = validated(charts.volume_figure(volume, "messageSentiment", "day", flagged))
    assert all(t.type == "bar" for t in fig.data)  # no marker trace to click instead of a bar
    labels = [a.text for a in fig.layout.annotations]
    # The demo's three bursts: one label each, on its peak (its count derived from the data; a planted campaign
    # beside a burst may make it a day longer).
    per_day = volume.groupby("bucket")["mentions"].sum()
    for offset, *_ in SPIKES:
        first = pd.Timestamp(START.date()) + pd.Timedelta(days=offset)
        peak = per_day.loc[first : first + pd.Timedelta(days=1)].max()
        assert any(label.startswith(f"spike {peak:,} (") for label in labels), (peak, labels)
    assert len(labels) == len(set(labels)) < int(flagged["spike"].sum())
    assert all(a.captureevents is False for a in fig.layout.annotations)


def test_counts_have_whole_ticks_and_bar_labels_have_room(demo_model, everything):
    small = pd.DataFrame({"value": ["a", "b"], "mentions": [3, 1]})
    fig = validated(charts.bar_figure(small, "sourceService", denominator=4))
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == ",d"
    assert fig.layout.margin.r >= 7 * len("75%")  # the label outside the longest bar has room, not cut
    assert fig.layout.legend.y < 0  # the legend under the plot, not under the chart's toolbar
    big = charts.bar_figure(demo_model.counts("sourceService", everything), "sourceService")
    assert big.layout.xaxis.dtick is None and big.layout.xaxis.tickformat == ",d"
    line = charts.lines_figure(
        pd.DataFrame({"bucket": pd.date_range("2026-01-01", periods=3), "series": "x", "mentions": [0, 2, 1]}),
        "mentions per day",
    )
    assert line.layout.yaxis.dtick == 1


def test_phrases_by_pmi_are_drawn_as_pmi_in_pmi_order():
    table = pd.DataFrame({"value": ["cape town", "northwind air"], "mentions": [44, 3623], "pmi": [8.83, 7.75]})
    fig = charts.bar_figure(table, "phrase", measure="pmi")
    validated(fig)
    bars = fig.data[0]
    assert list(bars.x) == [7.75, 8.83] and list(bars.customdata) == ["northwind air", "cape town"]  # top = first
    assert list(bars.text) == ["7.8 · 3,623", "8.8 · 44"] and fig.layout.xaxis.title.text == "PMI (bits)"


def test_cooccurrence_without_its_diagonal_and_shares_with_their_counts(demo_model):
    q = ModelQueries(demo_model)
    both = q.cooccurrence(Scope(), ["Complaint", "Praise", "Baggage"])
    fig = charts.heatmap_figure(both, blank_diagonal=True)
    validated(fig)
    z = np.array(fig.data[0].z, dtype=float)
    assert np.isnan(np.diag(z)).all() and not np.isnan(z[0, 2])
    assert fig.data[0].text[0][0] == ""
    shares = q.tag_crosstab(Scope(), ["Complaint", "Praise"], "messageSentiment")
    fig = charts.stacked_share_figure(shares, "messageSentiment")
    validated(fig)
    first = fig.data[0]
    assert list(first.customdata[1]) == ["Praise", shares.columns[0], int(shares.iloc[1, 0])]


def test_bucket_labels_read_as_people_write_them():
    stamp = pd.Timestamp("2026-03-09 14:00")
    assert charts.bucket_label(stamp, "hour") == "2026-03-09 14:00"
    assert charts.bucket_label(stamp.normalize(), "day") == "2026-03-09"
    assert charts.bucket_label(stamp.normalize(), "week") == "week of 2026-03-09"
    assert charts.bucket_label(pd.Timestamp("2026-03-01"), "month") == "Mar 2026"


def test_long_category_names_are_shortened_on_the_axis_only():
    long = "SearchProviderInstagramHashtagsAndMore"
    counts = pd.DataFrame({"value": [long, "SearchProviderLinkedInCompany", "Web"], "mentions": [5, 4, 3]})
    fig = validated(charts.bar_figure(counts, "sourceType"))
    assert list(fig.data[0].y) == ["Web", "SearchProviderLinkedInCompany", long]  # full names: hover, clicks
    # Social Connect's source types are whole on the axis; a longer name is shortened.
    assert list(fig.layout.yaxis.ticktext) == [
        "Web",
        "SearchProviderLinkedInCompany",
        "SearchProviderInstagramHashtags…",
    ]


HOSTILE = '<span style="background:url(http://leak.example/s.png)">s</span> <a href="http://leak.example/a">L</a> &'


def test_data_values_reach_plotly_as_text_and_come_back_from_a_click_as_they_are():
    """Plotly draws <a href> and <span style> in labels, names, ticks and hovers: a value from the data must not."""
    counts = pd.DataFrame({"value": [HOSTILE, "plain"], "mentions": [5, 3]})
    shares = pd.DataFrame({"negative": [2, 1], "positive": [3, 2]}, index=[HOSTILE, "plain"])
    series = pd.DataFrame(
        {"bucket": pd.to_datetime(["2026-03-02", "2026-03-09"]), "series": [HOSTILE, HOSTILE], "mentions": [4, 6]}
    )
    volume = series.assign(series=[HOSTILE, HOSTILE])
    figures = [
        charts.bar_figure(counts, "tags"),
        charts.stacked_share_figure(shares, "messageSentiment"),
        charts.lines_figure(series, HOSTILE),
        charts.volume_figure(volume, "tags", "week"),
        charts.heatmap_figure(pd.DataFrame([[1, 2], [2, 1]], index=[HOSTILE, "b"], columns=[HOSTILE, "b"])),
    ]
    for fig in figures:
        drawn = fig.to_json()
        assert "<span" not in drawn and "<a " not in drawn and "&lt;span" in drawn, drawn[:300]
    bar = figures[0].data[0]
    assert sorted(charts.from_chart(list(bar.customdata))) == sorted([HOSTILE, "plain"])  # a click: the value itself
    assert charts.from_chart(charts.inert("Delays & Cancellations")) == "Delays & Cancellations"
