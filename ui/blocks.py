"""Chart blocks shared by the pages: a chart with its "how to read this", its data as CSV, and drill-down."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import streamlit as st

from lib.charts import lines_figure
from lib.filters import FACETS
from lib.labels import label
from lib.queries import Scope, bucket_end, series_volume
from ui import reads, state
from ui.frame import View

PLOTLY_CONFIG = {"topojsonURL": "app/static/", "displaylogo": False}  # the world map is served from static/
FILTER_OF_COLUMN = {column: attr for attr, (column, _, _) in FACETS.items()}
DRILL_ROWS = 50


def chart(fig, key: str, how_to_read: str, data: pd.DataFrame, selectable: bool = True) -> list:
    """Render a chart; return the customdata of the selected points (empty when nothing is selected)."""
    if selectable:
        event = st.plotly_chart(
            fig, key=key, on_select="rerun", selection_mode=("points", "box"), config=PLOTLY_CONFIG, width="stretch"
        )
    else:
        event = None
        st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, width="stretch")
    left, right = st.columns([4, 1])
    left.caption(f"How to read this: {how_to_read}")
    right.download_button(
        "CSV",
        data.to_csv(index=False).encode("utf-8"),
        f"{key}.csv",
        "text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
    )
    if event is None:
        return []
    points = event.selection.get("points", []) if hasattr(event, "selection") else []
    picked = []
    for point in points:
        value = point.get("customdata")
        value = value[0] if isinstance(value, list) and value else value
        if value is not None and value != "spike" and value not in picked:
            picked.append(value)
    return picked


def trend_chart(view: View, scopes: dict[str, Scope], key: str, reading: str, selectable: bool = True) -> list:
    """One line per named scope (a term, a topic) over the view's automatic time buckets; returns what was
    picked. ``reading`` ends the "how to read this" sentence: "mentions per week in UTC <reading>"."""
    series = series_volume(view.q, scopes, view.bucket)
    return chart(
        lines_figure(series, f"mentions per {view.bucket}"),
        key,
        f"mentions per {view.bucket} in {view.tz} {reading}",
        series,
        selectable,
    )


def _apply(column: str, values: tuple[str, ...]) -> None:
    filters = state.filters()
    if column in FILTER_OF_COLUMN:
        state.replace_filters(replace(filters, **{FILTER_OF_COLUMN[column]: values}))
    elif column == "tags":
        state.replace_filters(replace(filters, tags=values, tag_mode="any"))
    elif column in ("hashtags", "handles"):
        prefix = "#" if column == "hashtags" else "@"
        state.replace_filters(replace(filters, text=prefix + values[0]))


def drill(view: View, column: str, values: list, key: str) -> None:
    """The mentions behind the selected bars, slices or countries, and a button that makes them a filter."""
    if not values:
        return
    values = tuple(str(v) for v in values)
    scope = view.scope.narrowed(column, values)
    shown = ", ".join(label(column, v) for v in values[:5]) + ("…" if len(values) > 5 else "")
    can_filter = (
        column in FILTER_OF_COLUMN
        or column == "tags"
        or (
            column in ("hashtags", "handles") and len(values) == 1  # these filter as a text search
        )
    )
    count, keys = view.q.count(scope), view.q.keys(scope, DRILL_ROWS)
    mentions_panel(view, count, keys, shown, key, lambda: _apply(column, values), can_filter)


def drill_bucket(view: View, starts: list, freq: str, key: str) -> None:
    """The mentions of the selected time buckets; "Filter to these dates" sets the date range."""
    if not starts:
        return
    stamps = sorted(pd.Timestamp(s) for s in starts)
    scope = view.scope.in_buckets(stamps, freq)
    last = bucket_end(stamps[-1], freq) - timedelta(seconds=1)

    def to_dates() -> None:
        state.replace_filters(replace(state.filters(), start=stamps[0].date(), end=last.date()))

    title = f"{freq} of {stamps[0]:%Y-%m-%d %H:%M}" if len(stamps) == 1 else f"{len(stamps)} {freq}s"
    count, keys = view.q.count(scope), view.q.keys(scope, DRILL_ROWS)
    mentions_panel(view, count, keys, title, key, to_dates, freq != "hour")


def scope_panel(view: View, scope: Scope, title: str, key: str, apply, can_filter: bool) -> None:
    """``mentions_panel`` for the mentions of a scope (a text topic, a term)."""
    mentions_panel(view, view.q.count(scope), view.q.keys(scope, DRILL_ROWS), title, key, apply, can_filter)


def mentions_panel(view: View, n: int, keys: list[str], title: str, key: str, apply, can_filter: bool) -> None:
    """``n`` mentions, the newest of them (``keys``) shown, in a bordered panel with "Filter to this"."""
    with st.container(border=True):
        head, button = st.columns([4, 1])
        head.markdown(
            f"**{n:,} mentions** behind {title}" + (f" (the newest {DRILL_ROWS} below)" if n > DRILL_ROWS else "")
        )
        if can_filter:
            button.button("Filter to this", key=f"{key}_filter", on_click=apply, icon=":material/filter_alt:")
        rows = reads.mention_rows(view, keys)
        st.dataframe(
            rows,
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(rows), 400),
            column_config={
                "sourceUrl": st.column_config.LinkColumn("Source", display_text="open"),
                "permalink": st.column_config.LinkColumn("Social Connect", display_text="open"),
            },
        )
