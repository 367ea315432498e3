"""The Text page's *Campaigns* section: the near-duplicate clusters of the filtered mentions, a click to the
members of one. The clusters come from lib/queries/campaigns.py (the in-memory model; an engine says it does
not answer). A link may name a campaign (URL ``campaign``: the key of one of its mentions, as a campaign alert's
link does, or *Keep it in the link* under a selected campaign); its copies are shown first."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from lib.charts.campaigns import campaign_figure
from lib.queries.campaigns import NotOnThisBackend, campaigns, members
from lib.queries.new_campaigns import campaign_of
from ui import blocks, state
from ui.escape import md
from ui.frame import View

ORDERS = {"burst": "came in together (mentions per day)", "mentions": "largest"}
SHOWN = 20


def section(view: View) -> None:
    left, right, _ = st.columns([1, 1, 1])
    order = state.page_select(left, "Order", "corder", tuple(ORDERS), "burst", ORDERS.get)
    least = int(state.page_select(right, "At least", "cmin", ("2", "5", "10", "50"), "5", lambda v: f"{v} copies"))
    # Copies are what this section shows: counting them once does not apply here.
    scope = replace(view.scope, filters=replace(view.scope.filters, copies_once=False))
    if view.filters.copies_once:
        st.caption("*Count copies once* does not apply here: this section shows the copies.")
    try:
        with st.spinner("Finding near-duplicates (once per data version)…"):
            table = campaigns(view.q, scope, top=500, order=order)
    except NotOnThisBackend as exc:
        st.info(md(exc), icon=":material/info:")
        return
    named = _named(view, scope)
    listed = len(table)
    table = table[table["mentions"] >= least]
    if table.empty:
        st.info(f"No text is copied {least} times or more in the matching mentions.", icon=":material/info:")
        return
    found = f"{len(table):,}" + (" or more" if listed >= 500 else "")
    st.caption(
        f"{found} groups of {least} copies or more"
        + (f"; the first {SHOWN} in this order are below." if len(table) > SHOWN else ".")
    )
    table = table.head(SHOWN).reset_index(drop=True)
    picked = blocks.chart(
        campaign_figure(table),
        "campaigns",
        "each bar is a group of near-duplicate mentions (the same words in the same order, give or take a few: "
        "MinHash over pairs of consecutive words, estimated Jaccard similarity ≥ 0.5), labelled with the start of "
        "its first text; red where most of "
        "it is negative. Select a bar to read its mentions.",
        _tidy(table),
    )
    st.dataframe(
        table.drop(columns="cluster").assign(negative=table["negative"] * 100),
        hide_index=True,
        width="stretch",
        column_config={
            "mentions": st.column_config.NumberColumn("mentions", format="localized"),
            "authors": st.column_config.NumberColumn("authors", format="localized"),
            "sources": "sources",
            "first": st.column_config.DatetimeColumn("first seen (UTC)", format="YYYY-MM-DD HH:mm"),
            "last": st.column_config.DatetimeColumn("last seen (UTC)", format="YYYY-MM-DD HH:mm"),
            "days": st.column_config.NumberColumn("days", format="%.1f"),
            "negative": st.column_config.NumberColumn("% negative", format="%.0f%%"),
            "sample": st.column_config.TextColumn("a sample text", width="large"),
        },
    )
    chosen = [str(p) for p in blocks.scalars(picked) if str(p) in {str(c) for c in table["cluster"]}]
    if chosen and int(chosen[0]) != named:
        cluster = int(chosen[0])
        row = table[table["cluster"] == cluster].iloc[0]
        count, keys = members(view.q, scope, cluster, blocks.DRILL_ROWS)
        title = " ".join(str(row["sample"]).split())[:60]
        blocks.mentions_panel(view, count, keys, f"the copies of “{title}”", "campaigns", None, False)
        if keys:  # a selected bar is not in the link: this puts the campaign there (one of its mentions names it)
            st.button(
                "Keep it in the link",
                key="campaign_keep",
                on_click=state.set_page_param,
                args=("campaign", keys[0], "", False),
                icon=":material/link:",
                help="The share link and the address then open this campaign, as a campaign alert's link does.",
            )


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    """The groups as the CSV gives them: days to a tenth, % negative in whole percents (as the table shows)."""
    return table.assign(days=table["days"].round(1), negative=(table["negative"] * 100).round(0)).rename(
        columns={"negative": "% negative"}
    )


def _close() -> None:
    state.set_page_param("campaign", "", "", refresh=False)


def _named(view: View, scope) -> int | None:
    """The campaign the link names (URL ``campaign``), above the chart, with a button that closes it; its
    cluster, if any."""
    key = state.page_param("campaign", None, "")
    if not key:
        return None
    cluster = campaign_of(view.q, key)
    if cluster is None:
        st.info(
            f"The campaign this link names (the mention {md(key[:80])}) is not in this data, or no other mention "
            "copies it. The campaigns of the matching mentions are below.",
            icon=":material/info:",
        )
        st.button("Close", key="campaign_named_close", on_click=_close)
        return None
    count, keys = members(view.q, scope, cluster, blocks.DRILL_ROWS)
    note = (
        "The campaign this link names. "
        + ("" if count else "None of its copies match the filters: widen them (dates, sources) to see them. ")
        + "Close it to pick another below."
    )
    blocks.mentions_panel(view, count, keys, "the campaign this link names", "campaign_named", None, False, note)
    st.button("Close", key="campaign_named_close", on_click=_close, icon=":material/close:")
    return cluster
