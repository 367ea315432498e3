"""The Campaigns chart: one bar per near-duplicate cluster, labelled by the start of its text."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from lib.charts.figures import PALETTE, SENTIMENT_COLORS, count_axis, figure

LABEL_CHARS = 48


def label_of(text: str, rank: int) -> str:
    """A bar's label: its rank and the start of its text on one line, as plain text (plotly reads a few HTML
    tags in labels: ``<a href>``, ``<br>``; escaped, a hostile text is shown as written)."""
    flat = " ".join(str(text).split())
    short = flat if len(flat) <= LABEL_CHARS else flat[: LABEL_CHARS - 1] + "…"
    return f"{rank}. {html.escape(short, quote=False)}"  # plotly reads &lt; but not &#x27;


def campaign_figure(table: pd.DataFrame) -> go.Figure:
    """Horizontal bars of clusters (columns cluster, mentions, negative, sample), the first on top; a bar's
    customdata is its cluster id, its colour says whether most of it is negative."""
    shown = table.iloc[::-1]
    labels = [label_of(t, len(table) - i) for i, t in enumerate(shown["sample"])]
    colors = [SENTIMENT_COLORS["negative"] if v > 0.5 else PALETTE[0] for v in shown["negative"]]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": shown["mentions"].to_numpy(),
        "y": labels,
        "customdata": [str(c) for c in shown["cluster"]],
        "text": [f"{m:,} · {n:.0%} negative" for m, n in zip(shown["mentions"], shown["negative"], strict=True)],
        "textposition": "outside",
        "textangle": 0,
        "cliponaxis": False,
        "marker": {"color": colors},
        "hovertemplate": "%{x:,} mentions<extra></extra>",
    }
    widest = max((len(t) for t in trace["text"]), default=0)
    layout = {
        "template": "none",  # as lib/charts/figures.py: no template, Streamlit themes the chart
        "margin": {"l": 8, "r": 12 + 7 * widest, "t": 28, "b": 8},  # room for the labels beside the bars
        "plot_bgcolor": "white",
        "height": max(240, 26 * len(shown) + 80),
        "hovermode": "closest",
        "xaxis": count_axis(float(shown["mentions"].max()) if len(shown) else 0),
        "yaxis": {"automargin": True},
        "showlegend": False,
    }
    return figure([trace], layout)
