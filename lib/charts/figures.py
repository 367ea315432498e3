"""Chart builders: a small frame in, a plotly figure out.

Figures are built from plain dicts with plotly's validation off and without a template: the traces are
ours and fixed, validating every property costs 10-25 ms a figure and the template ~1.7 ms more, which
would be most of a Dashboard rerun at 1M mentions.
The tests render every builder through plotly's validating constructor once, so a typo still fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.mentions.labels import label

SENTIMENT_COLORS = {"positive": "#2E9D5B", "neutral": "#9AA5B1", "negative": "#D64545", "unset": "#D9DEE3"}
PALETTE = ["#3B6FB6", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#8C8C8C", "#B9B9B9"]
# Lines that cross each other need hues far apart: Okabe and Ito's colour-blind safe set, yellow swapped for a
# brown that reads on white. The pickers that feed line charts stop at len(LINE_COLORS) series.
LINE_COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C564B", "#333333"]
_LAYOUT: dict[str, Any] = {
    # No plotly template: Streamlit themes the chart in the browser anyway, and copying and serialising the
    # default template costs ~1.7 ms a figure, most of a figure's cost (16 figures on the Dashboard).
    "template": "none",
    "margin": {"l": 8, "r": 8, "t": 28, "b": 8},
    "height": 340,
    # Below the plot: above it, the chart's toolbar (plotly's and Streamlit's) covers the legend's right end.
    "legend": {"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0},
    "plot_bgcolor": "white",
    "hovermode": "x unified",
}
_GRID = "#EEF1F4"
SEQUENTIAL = [[0.0, "#EAF1FA"], [0.5, "#7FA7D8"], [1.0, "#17407A"]]  # light = few, dark = many


# Plotly draws its own subset of HTML in every label, name, tick and hover text: <a href>, and <span style> whose
# CSS may fetch any url(…). A data value (a tag, a source, a term) must show as the text it is, so every string
# that comes from the data is escaped before it reaches plotly (which shows &lt; as <), and what a selection
# sends back is unescaped again (``from_chart``), so a click filters on the value itself.
_DATA_KEYS = ("x", "y", "text", "customdata", "labels", "ids", "parents", "hovertext", "name", "locations")


def inert(value: Any) -> Any:
    """``value`` with ``&``, ``<`` and ``>`` escaped in every string (in lists, arrays and tuples too)."""
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return np.array([inert(v) for v in value.tolist()], dtype=object).reshape(value.shape)
    if isinstance(value, list | tuple):
        return type(value)(inert(v) for v in value)
    return value


def from_chart(value: Any) -> Any:
    """The inverse of ``inert`` for what a selection sends back (its customdata)."""
    if isinstance(value, str):
        return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if isinstance(value, list | tuple):
        return type(value)(from_chart(v) for v in value)
    return value


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts, without per-property validation; data strings made inert."""
    traces = [{k: inert(v) if k in _DATA_KEYS else v for k, v in trace.items()} for trace in data]
    return go.Figure(
        data=traces, layout={k: _inert_axis(v) if "axis" in k else v for k, v in layout.items()}, _validate=False
    )


def _inert_axis(axis: Any) -> Any:
    """An axis whose tick labels and title come from the data (tag names, segment names) made inert."""
    if not isinstance(axis, dict):
        return axis
    axis = {**axis, **({"ticktext": inert(axis["ticktext"])} if "ticktext" in axis else {})}
    if isinstance(axis.get("title"), dict) and "text" in axis["title"]:
        axis["title"] = {**axis["title"], "text": inert(axis["title"]["text"])}
    return axis


def count_axis(largest: float, title: str = "mentions") -> dict:
    """An axis of counts: whole numbers only (plotly would tick 0.5 mentions on a small range)."""
    axis: dict = {"title": {"text": title}, "gridcolor": _GRID, "rangemode": "tozero", "tickformat": ",d"}
    if largest < 10:
        axis["dtick"] = 1
    return axis


def bucket_label(start, freq: str) -> str:
    """A time bucket as people write it: 2026-03-14 for a day, 2026-03-14 09:00 for an hour, Mar 2026 for a
    month, week of 2026-03-09 for a week."""
    stamp = pd.Timestamp(start)
    if freq == "hour":
        return f"{stamp:%Y-%m-%d %H:00}"
    if freq == "week":
        return f"week of {stamp:%Y-%m-%d}"
    if freq == "month":
        return f"{stamp:%b %Y}"
    return f"{stamp:%Y-%m-%d}"


def _iso(buckets: np.ndarray) -> list[str]:
    """Bucket starts as ISO strings, for customdata that comes back from a selection as it went out."""
    return np.datetime_as_string(np.asarray(buckets, dtype="datetime64[s]"), unit="s").tolist()


def _color(series: str, index: int, split: str | None) -> str:
    if split == "messageSentiment" and series in SENTIMENT_COLORS:
        return SENTIMENT_COLORS[series]
    if series == "Other":
        return PALETTE[-1]
    return PALETTE[index % len(PALETTE)]


SPIKE_LABELS = 12  # the most surprising spikes get a label on the chart; the table lists them all


def spike_runs(spikes: pd.DataFrame | None) -> list[tuple[pd.Timestamp, int, int]]:
    """Runs of consecutive spike buckets, most surprising first: (the run's busiest bucket, its mentions, the
    run's length). A burst that lasts five hours is one label on its peak, not five piled up."""
    if spikes is None or not spikes["spike"].any():
        return []
    flagged = spikes["spike"].to_numpy()
    run = np.cumsum(np.r_[flagged[0], flagged[1:] & ~flagged[:-1]]) * flagged  # 0: no spike; 1, 2…: runs
    frame = spikes.assign(run=run)[flagged]
    runs = []
    for _, part in frame.groupby("run", sort=False):
        peak = part["mentions"].idxmax()
        runs.append((peak, int(part.loc[peak, "mentions"]), len(part), float(part["z"].max())))
    runs.sort(key=lambda r: -r[3])
    return [(bucket, mentions, length) for bucket, mentions, length, _ in runs]


# What a bar's hover names its bucket by (a week is named by its first day, which the week's split says).
_BUCKET_HOVER = {
    "hour": "%{x|%a %d %b %Y, %H:00}",
    "day": "%{x|%a %d %b %Y}",
    "week": "week of %{x|%a %d %b %Y}",
    "month": "%{x|%B %Y}",
}


def volume_figure(volume: pd.DataFrame, split: str | None, freq: str, spikes: pd.DataFrame | None = None) -> go.Figure:
    """Stacked bars of mentions per time bucket, one trace per series of the split; spikes labelled above.

    Each bar's customdata is [bucket start (ISO), series]: a selected bar names its bucket and its series.
    """
    traces = []
    series_names = volume["series"].to_numpy()
    for i, series in enumerate(dict.fromkeys(series_names)):
        rows = series_names == series
        name = label(split, series) if split and series != "Other" else series
        buckets = volume["bucket"].to_numpy()[rows]
        traces.append(
            {
                "type": "bar",
                "x": buckets,
                "y": volume["mentions"].to_numpy()[rows],
                "name": name,
                "marker": {"color": _color(series, i, split)},
                "customdata": [[b, str(series)] for b in _iso(buckets)],
                "hovertemplate": _BUCKET_HOVER.get(freq, "%{x}")
                + ": %{y:,} "
                + inert(name).replace("%", "%%")
                + "<extra></extra>",
            }
        )
    annotations = [
        {
            "x": bucket,
            "y": mentions,
            "text": f"spike {mentions:,}" + (f" ({length} {freq}s)" if length > 1 else ""),
            "showarrow": True,
            "arrowhead": 0,
            "arrowcolor": "#555555",
            "ax": 0,
            "ay": -18,
            "font": {"size": 11, "color": "#111111"},
            "bgcolor": "rgba(255,255,255,0.85)",
            "captureevents": False,  # a click on a label goes to the bar under it
        }
        for bucket, mentions, length in spike_runs(spikes)[:SPIKE_LABELS]
    ]
    largest = volume.groupby("bucket")["mentions"].sum().max() if len(volume) else 0
    layout = {
        **_LAYOUT,
        "barmode": "stack",
        "bargap": 0.1,
        "hovermode": "closest",
        "margin": {**_LAYOUT["margin"], "t": 36},
        "yaxis": count_axis(largest),
        "xaxis": {"type": "date"},
        "annotations": annotations,
        "showlegend": bool(split),
    }
    return figure(traces, layout)


def bar_figure(
    counts: pd.DataFrame,
    column: str,
    top: int = 10,
    denominator: int | None = None,
    measure: str = "mentions",
    measure_title: str = "PMI (bits)",
) -> go.Figure:
    """Horizontal bars per value, largest on top. By default the bars are mentions, labelled with their share
    of ``denominator`` mentions; with ``measure`` another column (PMI, say) is drawn, in the given order, and
    labelled with its value and its mentions. customdata is the value."""
    shown = counts.head(top).iloc[::-1]
    values = shown["value"].tolist()
    if column == "messageSentiment":
        colors = [SENTIMENT_COLORS.get(v, PALETTE[0]) for v in values]
    else:
        colors = [PALETTE[0]] * len(values)
    if measure == "mentions":
        total = denominator or int(counts["mentions"].sum()) or 1
        x = shown["mentions"].to_numpy()
        text = [f"{m / total:.0%}" for m in x]
        hover = "%{y}: %{x:,} mentions<extra></extra>"
        axis = count_axis(x.max() if len(x) else 0)
    else:
        x = shown[measure].to_numpy(dtype=float)
        text = [f"{v:.1f} · {m:,}" for v, m in zip(x, shown["mentions"], strict=True)]
        hover = "%{y}: " + measure_title + " %{x:.2f}<extra></extra>"
        axis = {"title": {"text": measure_title}, "gridcolor": _GRID}
    names = [label(column, v) for v in values]
    trace = {
        "type": "bar",
        "x": x,
        "y": names,
        "orientation": "h",
        "marker": {"color": colors},
        "customdata": values,
        "text": text,
        "textposition": "outside",
        "textangle": 0,
        "cliponaxis": False,
        "hovertemplate": hover,
    }
    # The labels outside the bars are drawn into a right margin wide enough for the longest one (about 7 px a
    # character): a share of the axis would be too little on a narrow chart, and plotly would cut "29%".
    largest = float(np.nanmax(x)) if len(x) else 0.0
    axis["range"] = [min(0.0, float(np.nanmin(x)) * 1.1) if len(x) else 0.0, max(largest * 1.04, 1.0)]
    widest = max((len(t) for t in text), default=0)
    layout = {
        **_LAYOUT,
        "height": max(180, 28 * len(values) + 60),
        "hovermode": "closest",
        "xaxis": axis,
        "yaxis": _short_ticks(names),
        "margin": {**_LAYOUT["margin"], "r": 12 + 7 * widest},
    }
    return figure([trace], layout)


LABEL_CHARS = 32  # longer category names are shortened on the axis (in full on hover): a half-width chart
# would otherwise cut them at the left edge. 32 keeps Social Connect's source types whole ("SearchProvider…").


def _short_ticks(names: list[str]) -> dict:
    """A category axis whose long names are shortened with an ellipsis; the bars keep their full names."""
    axis: dict = {"automargin": True}
    if any(len(n) > LABEL_CHARS for n in names):
        axis.update(
            tickmode="array",
            tickvals=names,
            ticktext=[n if len(n) <= LABEL_CHARS else n[: LABEL_CHARS - 1] + "…" for n in names],
        )
    return axis


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


def heatmap_figure(table: pd.DataFrame, text_format: str = "{:,.0f}", blank_diagonal: bool = False) -> go.Figure:
    """A heatmap of a small table (cross-tab, co-occurrence), each cell labelled with its value.

    A "Total" row or column is labelled but not coloured, so that it does not flatten the other cells; with
    ``blank_diagonal`` (a square table of a thing with itself) the diagonal is left out altogether.
    """
    values = table.to_numpy(dtype=float)
    if blank_diagonal:
        values = values.copy()
        np.fill_diagonal(values, np.nan)
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
    """One line per series over time buckets (columns bucket, series, mentions).

    Each point's customdata is [bucket start (ISO), series]: a selected point names its bucket and its line.
    """
    traces = []
    names = series["series"].to_numpy()
    for i, name in enumerate(dict.fromkeys(names)):
        rows = names == name
        buckets = series["bucket"].to_numpy()[rows]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": str(name),
                "x": buckets,
                "y": series["mentions"].to_numpy()[rows],
                "customdata": [[b, str(name)] for b in _iso(buckets)],
                "line": {"color": LINE_COLORS[i % len(LINE_COLORS)], "width": 2},
                "marker": {"size": 6},
                "hovertemplate": "%{x}: %{y:,} " + inert(str(name)).replace("%", "%%") + "<extra></extra>",
            }
        )
    largest = series["mentions"].max() if len(series) else 0
    # "closest", not "x unified": a click then selects the one point under the pointer, not every line's.
    layout = {**_LAYOUT, "hovermode": "closest", "yaxis": count_axis(largest, title), "xaxis": {"type": "date"}}
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
                "customdata": [[str(t), str(value), int(n)] for t, n in zip(table.index, table[value], strict=True)],
                "marker": {"color": _color(str(value), i, column)},
                "hovertemplate": "%{y}: %{x:.0%} "
                + inert(name).replace("%", "%%")
                + " (%{customdata[2]:,} mentions)<extra></extra>",
            }
        )
    layout = {
        **_LAYOUT,
        "barmode": "stack",
        "legend": {**_LAYOUT["legend"], "traceorder": "normal"},  # left to right, as the segments
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
