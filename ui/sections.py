"""Page sections shared by the Overview and the Dashboard: each computes through lib and renders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.charts.figures import bar_figure, bucket_label, heatmap_figure, map_figure, volume_figure
from lib.mentions.labels import label
from lib.queries.breakdowns import (
    BASELINE,
    SPIKE_METHOD,
    concentration,
    country_map,
    crosstab_percentages,
    drawable_bucket,
    spikes,
)
from lib.queries.buckets import FREQUENCIES
from lib.queries.filters import FACETS
from ui import blocks, compare, open_sections, state
from ui.escape import md
from ui.frame import View

SPLITS = {"messageSentiment": "Sentiment", "sourceService": "Source service", "none": "No split"}
BUCKET_CHOICES = ("auto", *FREQUENCIES)
FIELDS = {column: title for column, _, title in FACETS.values() if column != "authorName"}
READING = {
    "counts": "mentions for each pair, with a Total row and column",
    "row %": "each row sums to 100%",
    "column %": "each column sums to 100%",
}


def volume_choice() -> tuple[str, str | None]:
    """The volume chart's Bucket setting and split column (None: not split), as the page settings choose them,
    read without drawing their widgets (the notebook of the view redraws the same chart)."""
    split = state.page_value("split", tuple(SPLITS), "messageSentiment")
    return state.page_value("freq", BUCKET_CHOICES, "auto"), None if split == "none" else split


def drawn_bucket(view: View, freq: str) -> tuple[str, str]:
    """The bucket drawn for the Bucket setting ``freq`` over the view's dates, and a note when it is coarser."""
    oldest, newest = view.q.date_bounds(view.tz)
    return drawable_bucket(
        view.bucket if freq == "auto" else freq,
        max(view.filters.start or oldest, oldest),
        min(view.filters.end or newest, newest),
    )


def volume(view: View, with_spikes: bool) -> None:
    """Volume over time: bucket and split chosen in the URL, spikes labelled, bars drillable."""
    st.subheader("Volume over time")
    left, right, _ = st.columns([1, 1, 2])
    # "auto" alone: a label that named the bucket it stands for stayed as it was drawn when the dates changed
    # (the chart's caption says the bucket).
    freq = state.page_select(
        left,
        "Bucket",
        "freq",
        BUCKET_CHOICES,
        "auto",
        help="auto: hours for up to 3 days, days up to 120 days, weeks up to 2 years, months beyond.",
    )
    split = state.page_select(right, "Split by", "split", tuple(SPLITS), "messageSentiment", SPLITS.get)
    bucket, note = drawn_bucket(view, freq)
    if note:
        st.caption(f":material/info: {note}")
    split_column = None if split == "none" else split
    data = view.q.volume(view.scope, bucket, split_column)
    if data.empty:
        st.warning("No dated mentions match these filters. Widen the dates or reset the filters in the sidebar.")
        return
    flagged = spikes(data.groupby("bucket", sort=True)["mentions"].sum(), bucket) if with_spikes else None
    reading = f"each bar is one {bucket} in {view.tz}" + (
        f", stacked by {SPLITS[split].lower()}" if split_column else ""
    )
    picked = blocks.chart(
        volume_figure(data, split_column, bucket, flagged),
        "volume",
        reading
        + (
            "; spikes are labelled (how they are found: below)."
            if with_spikes
            else ". Select bars to see their mentions."
        ),
        data.assign(bucket=[bucket_label(b, bucket) for b in data["bucket"]]),
    )
    if flagged is not None:
        found = flagged[flagged["spike"]]
        counted = f"{len(found)} spike" + ("" if len(found) == 1 else "s")
        with st.expander(f"{counted}: how they are found", icon=":material/query_stats:"):
            st.write(SPIKE_METHOD.format(window=BASELINE[bucket], freq=bucket))
            if len(found):
                st.dataframe(
                    pd.DataFrame(
                        {
                            bucket: [bucket_label(b, bucket) for b in found.index],
                            "mentions": found["mentions"],
                            "expected": found["expected"].round().astype(int),
                            "× expected": found["ratio"],
                            "z": found["z"],
                        }
                    ),
                    hide_index=True,
                    column_config={
                        "× expected": st.column_config.NumberColumn(format="%.1f×"),
                        "z": st.column_config.NumberColumn(format="%.1f"),
                        "mentions": st.column_config.NumberColumn(format="localized"),
                        "expected": st.column_config.NumberColumn(format="localized"),
                    },
                )
    blocks.drill_volume(view, picked, bucket, split_column, list(dict.fromkeys(data["series"])), "volume")


HINTS = {
    "topicName": "Social Connect's monitored topic: the topic your Social Connect project collected the mention "
    "under. Not a text topic of the Text page (a query you define here over the text; sidebar filter *Text topic*).",
    "tags": "Tags as the Tags page shows them, after its recode (renamed, merged, excluded). A mention can have "
    "several tags, so the percentages add up to more than 100%.",
}


def breakdown(view: View, field: str, title: str, counts: pd.DataFrame, top: int = 10) -> None:
    """Mentions per value of a field (``counts``), as bars that drill down (beside the previous period's when
    the sidebar's comparison is on)."""
    if compare.active(view):
        compare.breakdown(view, field, title, top, HINTS.get(field))
        return
    st.subheader(title, help=HINTS.get(field))
    if counts.empty:
        st.caption("No mentions match.")
        return
    picked = blocks.chart(
        bar_figure(counts, field, top=top, denominator=view.matched),
        field,
        f"mentions per {'tag' if field == 'tags' else title.lower()}, top {top}; % of the {view.matched:,} "
        "matching mentions.",
        counts.assign(label=[label(field, v) for v in counts["value"]]),
    )
    blocks.drill(view, field, picked, field)


def breakdown_grid(view: View, fields: list[tuple[str, str]]) -> None:
    # One question for the grid; tags (a list column, recoded) are asked on their own.
    counts = view.q.counts_many(view.scope, [field for field, _ in fields if field != "tags"])
    if any(field == "tags" for field, _ in fields):
        counts["tags"] = view.q.counts(view.scope, "tags", top=10)
    for row in range(0, len(fields), 2):
        for column, (field, title) in zip(st.columns(2), fields[row : row + 2], strict=False):
            with column:
                breakdown(view, field, title, counts[field])


def lazy(title: str, name: str, draw, view: View, implied_by: tuple[str, ...] = ()) -> None:
    """``draw(view)`` inside a section that is asked and drawn only while open (ui/open_sections.py)."""
    box, shown = open_sections.section(title, name, implied_by)
    if shown:
        with box:
            draw(view)


def countries(view: View) -> None:
    lazy("Countries", "countries", _countries, view)


def crosstab(view: View) -> None:
    lazy("Cross-tab", "crosstab", _crosstab, view, implied_by=("xrows", "xcols", "xshow"))


def authors(view: View) -> None:
    lazy("Authors", "authors", _authors, view)


def entities(view: View) -> None:
    lazy("What the text talks about and links to", "entities", _entities, view)


def _countries(view: View) -> None:
    """The map, and beside it the countries ranked: which has the most mentions, without a hover."""
    counts = view.q.counts(view.scope, "locationCountry")
    known, unknown = country_map(counts)
    on_map, ranked = st.columns([3, 2])
    with on_map:
        picked = blocks.chart(
            map_figure(known),
            "map",
            "darker countries have more mentions; codes the map cannot place are listed below it.",
            known,
        )
        if not unknown.empty:
            st.caption(
                "Not on the map: "
                + ", ".join(
                    f"{md(label('locationCountry', v))} ({m:,})"
                    for v, m in zip(unknown["value"], unknown["mentions"], strict=True)
                )
            )
    with ranked:
        breakdown(view, "locationCountry", "Country", counts)
    blocks.drill(view, "locationCountry", picked, "map")


def _crosstab(view: View) -> None:
    left, middle, right = st.columns(3)
    rows = state.page_select(left, "Rows", "xrows", tuple(FIELDS), "sourceService", FIELDS.get)
    cols = state.page_select(middle, "Columns", "xcols", tuple(FIELDS), "messageSentiment", FIELDS.get)
    how = state.page_select(right, "Show", "xshow", ("counts", "row %", "column %"), "counts")
    table = view.q.crosstab(view.scope, rows, cols)
    table.index = [label(rows, v) if v != "Other" else v for v in table.index]
    table.columns = [label(cols, v) if v != "Other" else v for v in table.columns]
    shown = crosstab_percentages(table, how)
    blocks.chart(
        heatmap_figure(shown, "{:,.0f}" if how == "counts" else "{:.0%}"),
        "crosstab",
        f"{READING[how]}; the 12 largest values of each field, the rest as Other.",
        shown.reset_index(names=FIELDS[rows]),
        selectable=False,
    )


def _authors(view: View) -> None:
    share = concentration(view.q.author_counts(view.scope))
    c1, c2, c3 = st.columns(3)
    c1.metric("Authors", f"{share['authors']:,}")
    c2.metric(
        "Share of the top 1% of authors",
        "–" if pd.isna(share["top 1%"]) else f"{share['top 1%']:.0%}",
        help="Of the matching mentions that name an author.",
    )
    c3.metric("Share of the top 10%", "–" if pd.isna(share["top 10%"]) else f"{share['top 10%']:.0%}")
    if compare.active(view):
        compare.breakdown(view, "authorName", "The 15 most active authors", 15, heading=False)
        return
    top = view.q.counts(view.scope, "authorName", top=16)
    top = top[top["value"] != ""].head(15)
    picked = blocks.chart(
        bar_figure(top, "authorName", top=15, denominator=view.matched),
        "authors",
        f"the 15 most active authors; % of the {view.matched:,} matching mentions.",
        top,
    )
    blocks.drill(view, "authorName", picked, "authors")


def _entities(view: View) -> None:
    parts = (("hashtags", "Hashtags", "#"), ("handles", "@handles", "@"), ("linkDomains", "Link domains", ""))
    every = view.q.counts_many(view.scope, [field for field, _, _ in parts], top=10)
    for column, (field, title, prefix) in zip(st.columns(3), parts, strict=True):
        with column:
            st.markdown(f"**{title}**")
            if compare.active(view):
                compare.breakdown(view, field, title, 10, heading=False)
                continue
            counts = every[field]
            shown = counts.assign(value=prefix + counts["value"].astype(str))
            picked = blocks.chart(
                bar_figure(shown, field, denominator=view.matched),
                field,
                f"mentions that contain each of the top {title.lower()}; % of matching mentions.",
                counts,
            )
            blocks.drill(view, field, [str(p).removeprefix(prefix) for p in picked], field)
