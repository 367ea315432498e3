"""Chart builders: a small frame in, a plotly figure out.

Figures are built from plain dicts with plotly's validation off and without a template: the traces are
ours and fixed, validating every property costs 10-25 ms a figure and the template ~1.7 ms more, which
would be most of a Dashboard rerun at 1M mentions.
The tests render every builder through plotly's validating constructor once, so a typo still fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.labels import label

SENTIMENT_COLORS = {"positive": "#2E9D5B", "neutral": "#9AA5B1", "negative": "#D64545", "unset": "#D9DEE3"}
PALETTE = ["#3B6FB6", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#8C8C8C", "#B9B9B9"]
_LAYOUT = {
    # No plotly template: Streamlit themes the chart in the browser anyway, and copying and serialising the
    # default template costs ~1.7 ms a figure, most of a figure's cost (16 figures on the Dashboard).
    "template": "none",
    "margin": {"l": 8, "r": 8, "t": 28, "b": 8},
    "height": 340,
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
    "plot_bgcolor": "white",
    "hovermode": "x unified",
}
_GRID = "#EEF1F4"
SEQUENTIAL = [[0.0, "#EAF1FA"], [0.5, "#7FA7D8"], [1.0, "#17407A"]]  # light = few, dark = many


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts, without per-property validation."""
    return go.Figure(data=data, layout=layout, _validate=False)


def _color(series: str, index: int, split: str | None) -> str:
    if split == "messageSentiment" and series in SENTIMENT_COLORS:
        return SENTIMENT_COLORS[series]
    if series == "Other":
        return PALETTE[-1]
    return PALETTE[index % len(PALETTE)]


def volume_figure(volume: pd.DataFrame, split: str | None, freq: str, spikes: pd.DataFrame | None = None) -> go.Figure:
    """Stacked bars of mentions per time bucket, one trace per series of the split; spikes marked above."""
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
    if spikes is not None and spikes["spike"].any():
        flagged = spikes[spikes["spike"]]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": flagged.index.to_numpy(),
                "y": flagged["mentions"].to_numpy() * 1.04,
                "name": "spike",
                "marker": {"symbol": "triangle-down", "size": 11, "color": "#111111"},
                "customdata": ["spike"] * len(flagged),
                "hovertemplate": "spike: %{text}<extra></extra>",
                "text": [
                    f"{m:,} mentions, z = {z:.1f} (baseline {b:,.0f})"
                    for m, z, b in zip(flagged["mentions"], flagged["z"], flagged["baseline"], strict=True)
                ],
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
        "textposition": "outside",
        "textangle": 0,
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{x:,} mentions<extra></extra>",
    }
    layout = {
        **_LAYOUT,
        "height": max(180, 28 * len(values) + 60),
        "hovermode": "closest",
        "xaxis": {"title": {"text": "mentions"}, "gridcolor": _GRID},
    }
    return figure([trace], layout)


def map_figure(known: pd.DataFrame) -> go.Figure:
    """A world choropleth of mentions per country (ISO alpha-3 locations; customdata keeps the alpha-2 code)."""
    trace = {
        "type": "choropleth",
        "locations": known["alpha3"].tolist(),
        "locationmode": "ISO-3",
        "z": known["mentions"].to_numpy(),
        "customdata": known["value"].tolist(),
        "text": [label("locationCountry", v) for v in known["value"]],
        "colorscale": SEQUENTIAL,
        "marker": {"line": {"color": "#FFFFFF", "width": 0.5}},
        "colorbar": {"title": {"text": "mentions"}, "thickness": 12},
        "hovertemplate": "%{text}: %{z:,} mentions<extra></extra>",
    }
    layout = {
        **_LAYOUT,
        "height": 420,
        "hovermode": "closest",
        "geo": {
            "showframe": False,
            "showcoastlines": False,
            "projection": {"type": "natural earth"},
            "bgcolor": "white",
            "showcountries": True,
            "countrycolor": "#DDDDDD",
        },
    }
    return figure([trace], layout)


def heatmap_figure(table: pd.DataFrame, text_format: str = "{:,.0f}") -> go.Figure:
    """A heatmap of a small table (cross-tab, co-occurrence), each cell labelled with its value.

    A "Total" row or column is labelled but not coloured, so that it does not flatten the other cells.
    """
    values = table.to_numpy(dtype=float)
    colour = values.copy()
    if "Total" in table.index:
        colour[list(table.index).index("Total"), :] = np.nan
    if "Total" in table.columns:
        colour[:, list(table.columns).index("Total")] = np.nan
    trace = {
        "type": "heatmap",
        "z": colour,
        "x": [str(c) for c in table.columns],
        "y": [str(i) for i in table.index],
        "colorscale": SEQUENTIAL,
        "text": [[("" if np.isnan(v) else text_format.format(v)) for v in row] for row in values],
        "texttemplate": "%{text}",
        "hovertemplate": "%{y} × %{x}: %{text}<extra></extra>",
        "showscale": False,
    }
    layout = {
        **_LAYOUT,
        "height": max(260, 30 * len(table) + 120),
        "hovermode": "closest",
        "yaxis": {"autorange": "reversed"},
        "xaxis": {"side": "top"},
    }
    return figure([trace], layout)


def lines_figure(series: pd.DataFrame, title: str) -> go.Figure:
    """One line per series over time buckets (columns bucket, series, mentions)."""
    traces = []
    names = series["series"].to_numpy()
    for i, name in enumerate(dict.fromkeys(names)):
        rows = names == name
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": str(name),
                "x": series["bucket"].to_numpy()[rows],
                "y": series["mentions"].to_numpy()[rows],
                "customdata": [str(name)] * int(rows.sum()),
                "line": {"color": PALETTE[i % len(PALETTE)]},
                "marker": {"size": 4},
            }
        )
    layout = {**_LAYOUT, "yaxis": {"title": {"text": title}, "gridcolor": _GRID, "rangemode": "tozero"}}
    return figure(traces, layout)


def stacked_share_figure(table: pd.DataFrame, column: str) -> go.Figure:
    """Horizontal 100% bars: for each row (a tag, say), the share of each value of ``column`` (sentiment)."""
    totals = table.sum(axis=1).replace(0, np.nan)
    traces = []
    for i, value in enumerate(table.columns):
        share = (table[value] / totals).to_numpy()
        name = label(column, str(value))
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": [str(t) for t in table.index],
                "x": share,
                "customdata": [[str(t), str(value)] for t in table.index],
                "marker": {"color": _color(str(value), i, column)},
                "hovertemplate": "%{y}: %{x:.0%} " + name + "<extra></extra>",
            }
        )
    layout = {
        **_LAYOUT,
        "barmode": "stack",
        "height": max(220, 28 * len(table) + 80),
        "hovermode": "closest",
        "xaxis": {"tickformat": ".0%", "range": [0, 1]},
        "yaxis": {"autorange": "reversed"},
    }
    return figure(traces, layout)


def treemap_figure(terms: pd.DataFrame) -> go.Figure:
    """Terms as rectangles sized by their mentions (columns term, mentions, share)."""
    trace = {
        "type": "treemap",
        "labels": terms["term"].tolist(),
        "parents": [""] * len(terms),
        "values": terms["mentions"].to_numpy(),
        "customdata": terms["share"].to_numpy(),
        "marker": {"colors": terms["mentions"].to_numpy(), "colorscale": SEQUENTIAL},
        "texttemplate": "%{label}<br>%{value:,}",
        "hovertemplate": "%{label}: %{value:,} mentions (%{customdata:.1%})<extra></extra>",
        "tiling": {"pad": 2},
        "root": {"color": "white"},
        "pathbar": {"visible": False},
    }
    return figure([trace], {**_LAYOUT, "height": 420, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}})


def diverging_figure(terms: pd.DataFrame, a: str, b: str) -> go.Figure:
    """Distinctive terms as bars left (typical of ``b``) and right (typical of ``a``) of zero (columns term, z)."""
    shown = terms.iloc[::-1]
    z = shown["z"].to_numpy()
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": z,
        "y": shown["term"].tolist(),
        "customdata": shown["term"].tolist(),
        "marker": {"color": [PALETTE[0] if v > 0 else PALETTE[1] for v in z]},
        "hovertemplate": "%{y}: z = %{x:.1f}<extra></extra>",
    }
    layout = {
        **_LAYOUT,
        "height": max(240, 22 * len(shown) + 80),
        "hovermode": "closest",
        "xaxis": {"title": {"text": f"← typical of {b}   ·   z-score   ·   typical of {a} →"}, "gridcolor": _GRID},
    }
    return figure([trace], layout)
