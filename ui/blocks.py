"""Chart blocks shared by the pages: a chart with its "how to read this", its data as CSV, and drill-down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from lib.charts.figures import bucket_label, from_chart, lines_figure
from lib.export.csv_writer import frame_csv
from lib.mentions.labels import label
from lib.queries.buckets import bucket_end
from lib.queries.filters import FACETS, Filters
from lib.queries.interface import TEXT, Scope, series_volume
from ui import reads, state
from ui.escape import md
from ui.frame import View

PLOTLY_CONFIG = {"topojsonURL": "app/static/", "displaylogo": False}  # the world map is served from static/
FILTER_OF_COLUMN = {column: attr for attr, (column, _, _) in FACETS.items()}
DRILL_ROWS = 50
EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")
# The Mentions page's names for the columns of lib/mentions.mention_rows; every drill-down panel uses them too.
MENTION_COLUMNS = {
    "published": st.column_config.DatetimeColumn("Published", format="YYYY-MM-DD HH:mm"),
    "authorName": "Author",
    "messageContent": st.column_config.TextColumn("Text", width="large"),
    "messageSentiment": "Sentiment",
    "sourceService": "Source",
    "messageLanguage": "Language",
    "locationCountry": "Country",
    "tags": "Tags",
    "topicName": "Monitored topic",
    "sourceUrl": st.column_config.LinkColumn("Source link", display_text="open"),
    "permalink": st.column_config.LinkColumn("Social Connect", display_text="open"),
    "uniqueId": "Id",
}


def chart(fig, key: str, how_to_read: str, data: pd.DataFrame, selectable: bool = True) -> list:
    """Render a chart; return what its selected points carry (their customdata, each once, in order): a value
    for bars and map countries, a tuple for points that carry several, such as (bucket start, series) for
    volume bars and trend points. Empty when nothing is selected."""
    if selectable:
        event = st.plotly_chart(
            fig, key=key, on_select="rerun", selection_mode=("points", "box"), config=PLOTLY_CONFIG, width="stretch"
        )
    else:
        event = None
        st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, width="stretch")
    # One row that wraps, never a narrow column: in a half-width panel a column cut the button to "C".
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.caption(f"How to read this: {how_to_read}", width="stretch")
        st.download_button(
            "CSV",
            # Written when clicked, not on every rerun (16 charts on the Dashboard): one writer for every download,
            # text cells neutralised for spreadsheets.
            lambda: frame_csv(data),
            f"{key}.csv",
            "text/csv",
            key=f"{key}_csv",
            icon=":material/download:",
            on_click="ignore",
            width="content",
        )
    if event is None:
        return []
    points = event.selection.get("points", []) if hasattr(event, "selection") else []
    picked: list = []
    for point in points:
        value = from_chart(point.get("customdata"))  # the value itself, not its inert form (lib/charts)
        if isinstance(value, list):
            value = tuple(value) if len(value) > 1 else (value[0] if value else None)
        if value is not None and value not in picked:
            picked.append(value)
    return picked


def scalars(picked: list) -> list:
    """The plain values among ``picked`` (bars, countries)."""
    return [p for p in picked if not isinstance(p, tuple)]


def bucket_picks(picked: list) -> tuple[list[pd.Timestamp], list[str]]:
    """The bucket starts and series of selected volume bars or trend points (customdata [bucket, series])."""
    buckets: set[pd.Timestamp] = set()
    series: list[str] = []
    for pick in picked:
        if not isinstance(pick, tuple) or len(pick) < 2:
            continue
        try:
            stamp = pd.Timestamp(pick[0])
        except (ValueError, TypeError):
            continue
        if not EARLIEST <= stamp <= LATEST:  # a selection is the browser's word: nothing out of any chart's range
            continue
        buckets.add(stamp)
        if str(pick[1]) not in series:
            series.append(str(pick[1]))
    return sorted(buckets), series


def buckets_title(buckets: list[pd.Timestamp], freq: str) -> str:
    return bucket_label(buckets[0], freq) if len(buckets) == 1 else f"{len(buckets)} {freq}s"


def bucket_dates(filters: Filters, buckets: list[pd.Timestamp], freq: str) -> tuple[date, date]:
    """The days the buckets cover, within the current date filter (a week that starts before it does not
    widen it)."""
    first = buckets[0].date()
    last = (bucket_end(buckets[-1], freq) - timedelta(seconds=1)).date()
    if filters.start:
        first = max(first, filters.start)
    if filters.end:
        last = min(last, filters.end)
    return first, last


def trend_chart(view: View, scopes: dict[str, Scope], key: str, reading: str) -> tuple[list[pd.Timestamp], list[str]]:
    """One line per named scope (a term, a topic, a tag) over the view's automatic time buckets; returns the
    buckets and names of the selected points. ``reading`` ends the "how to read this" sentence: "mentions per
    week in UTC <reading>"."""
    series = series_volume(view.q, scopes, view.bucket)
    picked = chart(
        lines_figure(series, f"mentions per {view.bucket}"),
        key,
        f"mentions per {view.bucket} in {view.tz} {reading}",
        series,
    )
    buckets, names = bucket_picks(picked)
    return buckets, [n for n in names if n in scopes]


def drill_trend(
    view: View, scopes: dict[str, Scope], buckets: list, names: list[str], key: str, apply: Callable[[Filters], Filters]
) -> None:
    """The mentions behind selected trend points: those series (``scopes``) in those buckets. "Filter to this"
    sets the dates and what ``apply`` adds to the filters (the tag, the topic)."""
    if not buckets or not names:
        return
    freq = view.bucket
    scope = _union(view, [scopes[n] for n in names]).in_buckets(buckets, freq)
    start, end = bucket_dates(view.filters, buckets, freq)

    def to_filter() -> None:
        state.replace_filters(apply(replace(state.filters(), start=start, end=end)))

    title = f"{', '.join(names[:5])} in {buckets_title(buckets, freq)}"
    count = view.q.count(scope)
    mentions_panel(view, count, view.q.keys(scope, DRILL_ROWS), title, key, to_filter, True, _hour_note(freq))


def _hour_note(freq: str) -> str:
    return "Filters hold whole days: “Filter to this” sets the day." if freq == "hour" else ""


def _union(view: View, scopes: list[Scope]) -> Scope:
    """One scope for the mentions of several series: their narrowings joined when they narrow the same
    column (tags, a text query), else the first series alone."""
    if len(scopes) == 1:
        return scopes[0]
    extra = [s.within[len(view.scope.within) :] for s in scopes]
    if all(len(e) == 1 for e in extra) and len({e[0][0] for e in extra}) == 1:
        column = extra[0][0][0]
        values = [v for e in extra for v in e[0][1]]
        if column == TEXT:
            return view.scope.searching(" OR ".join(f"({v})" for v in values))
        return view.scope.narrowed(column, tuple(dict.fromkeys(values)))
    return scopes[0]


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
    values = scalars(values)
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


def drill_shares(view: View, rows: str, column: str, picked: list, key: str) -> None:
    """The mentions behind selected segments of 100% bars (customdata [row value, column value, mentions]):
    a tag's mentions with that sentiment, say."""
    cells = [p for p in picked if isinstance(p, tuple) and len(p) >= 2]
    if not cells:
        return
    row_values = tuple(dict.fromkeys(str(c[0]) for c in cells))
    column_values = tuple(dict.fromkeys(str(c[1]) for c in cells))
    scope = view.scope.narrowed(rows, row_values).narrowed(column, column_values)
    title = f"{', '.join(row_values[:5])} · {', '.join(label(column, v) for v in column_values[:4])}"

    def to_filter() -> None:
        filters = replace(state.filters(), **{FILTER_OF_COLUMN[column]: column_values})
        if rows == "tags":
            filters = replace(filters, tags=row_values, tag_mode="any")
        state.replace_filters(filters)

    count, keys = view.q.count(scope), view.q.keys(scope, DRILL_ROWS)
    mentions_panel(view, count, keys, title, key, to_filter, rows == "tags" and column in FILTER_OF_COLUMN)


def drill_volume(view: View, picked: list, freq: str, split: str | None, shown: list[str], key: str) -> None:
    """The mentions of the selected volume bars: those buckets and, when the chart is split, those series
    (``shown`` are the chart's series; "Other" stands for every value not among them; all of them: no narrowing).
    "Filter to this" sets the dates, and the series' values when they are plain values."""
    buckets, series = bucket_picks(picked)
    if not buckets:
        return
    scope = view.scope.in_buckets(buckets, freq)
    values: tuple[str, ...] = ()
    if set(series) >= set(shown):
        series = []  # every series of the chart (a box over a time range): those buckets' mentions, not narrowed
    if split and series:
        named = [s for s in series if s != "Other"]
        if "Other" in series:
            named += [v for v in view.q.facet_values(split) if v not in shown]
        values = tuple(dict.fromkeys(named))
        scope = scope.narrowed(split, values)
    start, end = bucket_dates(view.filters, buckets, freq)

    def to_filter() -> None:
        filters = replace(state.filters(), start=start, end=end)
        if values and "Other" not in series and split in FILTER_OF_COLUMN:
            filters = replace(filters, **{FILTER_OF_COLUMN[split]: values})
        state.replace_filters(filters)

    title = buckets_title(buckets, freq)
    if split and series:
        title += " · " + ", ".join(label(split, s) if s != "Other" else s for s in series)
    count, keys = view.q.count(scope), view.q.keys(scope, DRILL_ROWS)
    mentions_panel(view, count, keys, title, key, to_filter, True, _hour_note(freq))


def scope_panel(view: View, scope: Scope, title: str, key: str, apply, can_filter: bool) -> None:
    """``mentions_panel`` for the mentions of a scope (a text topic, a term)."""
    mentions_panel(view, view.q.count(scope), view.q.keys(scope, DRILL_ROWS), title, key, apply, can_filter)


def mentions_panel(
    view: View, n: int, keys: list[str], title: str, key: str, apply, can_filter: bool, note: str = ""
) -> None:
    """``n`` mentions, the newest of them (``keys``) shown, in a bordered panel with "Filter to this"."""
    with st.container(border=True, key=f"{key}_drill"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(
                f"**{n:,} mentions** behind {md(title)}"
                + (f" (the newest {DRILL_ROWS} below)" if n > DRILL_ROWS else ""),
                width="stretch",
            )
            if can_filter:
                st.button(
                    "Filter to this", key=f"{key}_filter", on_click=apply, icon=":material/filter_alt:", width="content"
                )
        if note:
            st.caption(note)
        rows = reads.mention_rows(view, keys)
        st.dataframe(
            rows,
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(rows), 400),
            column_config=MENTION_COLUMNS,
        )
