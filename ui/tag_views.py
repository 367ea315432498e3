"""The Tags page's views: tag frequency, tag × sentiment, co-occurrence (count or lift) and tag trends, each a
chart that drills into its mentions (the heatmaps excepted: Streamlit's selections do not fire on them)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from lib.charts.figures import LINE_COLORS, bar_figure, heatmap_figure, stacked_share_figure
from lib.mentions.schema import SENTIMENT_ORDER
from lib.queries.interface import untagged
from lib.queries.tags import frequency_table, lift
from ui import blocks, compare, state

if TYPE_CHECKING:
    from ui.frame import View

TOP = 12
COOCCURRENCE = {"both": "mentions with both tags", "lift": "lift: how much more often than chance"}


def tag_table(view: View) -> pd.DataFrame:
    """Each tag (after the recode) with its mentions and shares of the matching mentions."""
    return frequency_table(view.q.counts(view.scope, "tags"), view.matched)


def summary(view: View, table: pd.DataFrame) -> str:
    return (
        f"{view.matched:,} matching mentions, {int(table['mentions'].sum()):,} tag assignments, "
        f"{untagged(view.q, view.scope):,} mentions without a tag · tags after the recode below"
    )


def frequency(view: View, table: pd.DataFrame) -> None:
    """Mentions per tag (beside the previous period's when the comparison is on), with its drill-down."""
    n = view.matched
    counts = table.rename(columns={"tag": "value"})
    if compare.active(view):
        compare.breakdown(view, "tags", "Tag frequency", 15, heading=False, key="tag_frequency")
    else:
        picked = blocks.chart(
            bar_figure(counts, "tags", top=15, denominator=n),
            "tag_frequency",
            f"mentions per tag; % of the {n:,} matching mentions (a mention can have several tags, so "
            "these add up to more than 100%). The table gives % of tag assignments too.",
            table,
        )
        blocks.drill(view, "tags", picked, "tag_frequency")
    st.dataframe(
        table.head(50),
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.NumberColumn(format="%.1f%%") for c in table.columns if "%" in c},
    )


def by_sentiment(view: View, top: list[str]) -> None:
    shares = view.q.tag_crosstab(view.scope, top, "messageSentiment")
    shares = shares[[c for c in SENTIMENT_ORDER if c in shares.columns]]
    picked = blocks.chart(
        stacked_share_figure(shares, "messageSentiment"),
        "tag_sentiment",
        f"for each of the {TOP} most used tags, the share of its mentions by sentiment. Select a segment to see "
        "those mentions.",
        shares.reset_index(names="tag"),
    )
    blocks.drill_shares(view, "tags", "messageSentiment", picked, "tag_sentiment")


def cooccurrence(view: View, top: list[str]) -> None:
    how = state.page_select(st.columns([1, 2])[0], "Show", "cooc", tuple(COOCCURRENCE), "both", COOCCURRENCE.get)
    both = view.q.cooccurrence(view.scope, top)
    own = np.diag(both.to_numpy())
    named = [f"{t} ({m:,})" for t, m in zip(both.index, own, strict=True)]  # each tag's own mentions, in its name
    if how == "lift":
        shown = lift(both, view.matched)
        caption = (
            "how many times more often two tags are on one mention than if they were independent: 1 is chance, "
            "2 twice as often, under 1 they avoid each other. In brackets, each tag's own mentions."
        )
    else:
        shown = both.copy()
        caption = (
            "mentions that carry both tags; in brackets, each tag's own mentions (the diagonal, left out so that "
            "it does not drown the pairs)."
        )
    shown.index, shown.columns = named, named
    figure = heatmap_figure(shown, "{:.1f}") if how == "lift" else heatmap_figure(shown, blank_diagonal=True)
    blocks.chart(figure, "tag_cooccurrence", caption, shown.reset_index(names="tag"), selectable=False)


def trends(view: View, table: pd.DataFrame, top: list[str]) -> None:
    chosen = state.page_multiselect(st, "Tags", "ttag", table["tag"].tolist(), top[:5], max_selections=len(LINE_COLORS))
    scopes = {tag: view.scope.narrowed("tags", (tag,)) for tag in chosen}
    buckets, names = blocks.trend_chart(
        view, scopes, "tag_trends", "for each chosen tag. Select points to see that tag's mentions in that period."
    )
    blocks.drill_trend(
        view, scopes, buckets, names, "tag_trends", lambda f: replace(f, tags=tuple(names), tag_mode="any")
    )
