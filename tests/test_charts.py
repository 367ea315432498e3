"""Every chart builder, on real model output, passes plotly's full validation.

The builders skip validation at run time for speed (lib/charts.py); this is where a misspelt property or
a wrong value type would fail."""

import numpy as np
import plotly.graph_objects as go
import pytest

from lib import charts
from lib.dashboard import country_map, spikes
from lib.queries import ModelQueries, Scope, series_volume
from lib.sentiment_check import five_level_counts


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
