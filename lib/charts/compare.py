"""The chart of a breakdown compared with the previous period: two bars per value, now and before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.charts.figures import _GRID, _LAYOUT, PALETTE, _short_ticks, count_axis, figure
from lib.mentions.labels import label

PREVIOUS_COLOR = "#C3CAD3"


def change_text(change: int, pct: float) -> str:
    """A change as a bar label: ``+12 (+8%)``, ``-3 (-50%)``, ``+4 (new)``, ``0``. ``pct``: the table's
    ``change %``, a percent (-50.0), not a fraction."""
    if change == 0:
        return "0"
    return f"{change:+,} ({'new' if np.isnan(pct) else f'{pct:+,.0f}%'})"


def compared_figure(table: pd.DataFrame, column: str, now: str, before: str) -> go.Figure:
    """Horizontal bars per value, the first row on top: the previous period (grey) beside now (blue), now
    labelled with its change. customdata is [value, "now" | "previous"], so a selected bar names its period."""
    shown = table.iloc[::-1]
    values = shown["value"].astype(str).tolist()
    names = [label(column, v) for v in values]
    text = [change_text(int(c), float(p)) for c, p in zip(shown["change"], shown["change %"], strict=True)]
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": f"previous period ({before})",
            "x": shown["previous"].to_numpy(),
            "y": names,
            "customdata": [[v, "previous"] for v in values],
            "marker": {"color": PREVIOUS_COLOR},
            "hovertemplate": "%{y}: %{x:,} mentions " + before.replace("%", "%%") + "<extra></extra>",
        },
        {
            "type": "bar",
            "orientation": "h",
            "name": f"now ({now})",
            "x": shown["mentions"].to_numpy(),
            "y": names,
            "customdata": [[v, "now"] for v in values],
            "marker": {"color": PALETTE[0]},
            "text": text,
            "textposition": "outside",
            "textangle": 0,
            "cliponaxis": False,
            "hovertemplate": "%{y}: %{x:,} mentions " + now.replace("%", "%%") + ", %{text}<extra></extra>",
        },
    ]
    largest = float(max(shown["mentions"].max(), shown["previous"].max())) if len(shown) else 0.0
    axis = count_axis(largest)
    axis["title"] = {"text": ""}  # the legend says what the bars are; a title would crowd a short chart
    axis["range"] = [0.0, max(largest * 1.04, 1.0)]
    widest = max((len(t) for t in text), default=0)
    layout = {
        **_LAYOUT,
        "barmode": "group",
        "bargap": 0.25,
        "bargroupgap": 0.05,
        "height": max(260, 44 * len(values) + 110),  # room for the ticks and the legend under one bar
        "hovermode": "closest",
        "xaxis": {**axis, "gridcolor": _GRID},
        "yaxis": _short_ticks(names),
        "margin": {**_LAYOUT["margin"], "r": 12 + 7 * widest},
        "legend": {**_LAYOUT["legend"], "traceorder": "reversed"},
    }
    return figure(traces, layout)
