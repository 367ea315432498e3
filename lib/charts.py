"""Chart builders: a small frame in, a plotly figure out.

Figures are built from plain dicts with plotly's validation off: the traces are ours and fixed, and
validating every property costs 10-25 ms a figure, which is most of a dashboard rerun at 1M mentions.
The tests render every builder through plotly's validating constructor once, so a typo still fails.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.labels import label

SENTIMENT_COLORS = {"positive": "#2E9D5B", "neutral": "#9AA5B1", "negative": "#D64545", "unset": "#D9DEE3"}
PALETTE = ["#3B6FB6", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#8C8C8C", "#B9B9B9"]
_LAYOUT = {
    "margin": {"l": 8, "r": 8, "t": 28, "b": 8},
    "height": 340,
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
    "plot_bgcolor": "white",
    "hovermode": "x unified",
}
_GRID = "#EEF1F4"


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts, without per-property validation."""
    return go.Figure(data=data, layout=layout, _validate=False)


def _color(series: str, index: int, split: str | None) -> str:
    if split == "messageSentiment" and series in SENTIMENT_COLORS:
        return SENTIMENT_COLORS[series]
    if series == "Other":
        return PALETTE[-1]
    return PALETTE[index % len(PALETTE)]


def volume_figure(volume: pd.DataFrame, split: str | None, freq: str) -> go.Figure:
    """Stacked bars of mentions per time bucket, one trace per series of the split."""
    traces = []
    series_names = volume["series"].to_numpy()
    for i, series in enumerate(dict.fromkeys(series_names)):
        rows = series_names == series
        name = label(split, series) if split and series != "Other" else series
        traces.append(
            {
                "type": "bar",
                "x": volume["bucket"].to_numpy()[rows],
                "y": volume["mentions"].to_numpy()[rows],
                "name": name,
                "marker": {"color": _color(series, i, split)},
                "customdata": [series] * int(rows.sum()),
                "hovertemplate": "%{y:,} " + name.replace("%", "%%") + "<extra></extra>",
            }
        )
    layout = {
        **_LAYOUT,
        "barmode": "stack",
        "bargap": 0.1,
        "yaxis": {"title": {"text": "mentions"}, "gridcolor": _GRID, "rangemode": "tozero"},
        "xaxis": {"title": {"text": f"{freq} (display timezone)"}},
    }
    return figure(traces, layout)


def bar_figure(counts: pd.DataFrame, column: str, top: int = 10, denominator: int | None = None) -> go.Figure:
    """Horizontal bars of mentions per value, largest on top; the share is of ``denominator`` mentions."""
    shown = counts.head(top).iloc[::-1]
    total = denominator or int(counts["mentions"].sum()) or 1
    values = shown["value"].tolist()
    if column == "messageSentiment":
        colors = [SENTIMENT_COLORS.get(v, PALETTE[0]) for v in values]
    else:
        colors = [PALETTE[0]] * len(values)
    trace = {
        "type": "bar",
        "x": shown["mentions"].to_numpy(),
        "y": [label(column, v) for v in values],
        "orientation": "h",
        "marker": {"color": colors},
        "customdata": values,
        "text": [f"{m / total:.0%}" for m in shown["mentions"]],
        "textposition": "auto",
        "hovertemplate": "%{y}: %{x:,} mentions<extra></extra>",
    }
    layout = {
        **_LAYOUT,
        "height": max(180, 28 * len(values) + 60),
        "hovermode": "closest",
        "xaxis": {"title": {"text": "mentions"}, "gridcolor": _GRID},
    }
    return figure([trace], layout)
