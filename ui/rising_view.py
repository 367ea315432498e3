"""What is rising: the Text page's section (every setting in the URL) and the Overview's short list.

The numbers come from lib/queries/rising.py through the query interface; a click on a term's bar opens the
mentions that use it in the last period, with a button that makes them the text search and the dates.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from lib.charts.figures import bar_figure
from lib.queries.rising import PERIODS, Rising, rising, term_scope
from lib.text.boolean_query import as_query
from lib.text.rising import Z_RISING
from lib.text.terms import Stoplist
from ui import blocks, state
from ui.frame import View

KINDS = {"word": "Words", "hashtag": "#Hashtags", "phrase": "Phrases"}
PERIOD_NAMES = {"day": "the last day", "week": "the last 7 days", "month": "the last 30 days"}
BASELINES = ("4", "8", "13")


def _span(span) -> str:
    first, last = span
    return f"{first:%d %b %Y}" if first == last else f"{first:%d %b} – {last:%d %b %Y}"


def _to_filter(term: str, span) -> None:
    state.replace_filters(replace(state.filters(), text=as_query(term), start=span[0], end=span[1]))


def _chart(view: View, result: Rising, key: str, top: int) -> None:
    """Bars of the rising terms (z-score, labelled z · mentions in the last period); a click opens the mentions."""
    table = result.table.head(top)
    counts = table.rename(columns={"term": "value", "last": "mentions"})
    picked = blocks.chart(
        bar_figure(counts, "term", top, measure="z", measure_title="z-score of the rise"),
        key,
        f"each bar is a term whose share of mentions grew in {_span(result.last)} against the "
        f"{len(result.spans) - 1} periods of the same length before (two-proportion z-score, labelled z · mentions in "
        f"the last period). z ≥ {Z_RISING} is unlikely by chance. Select a bar to read its mentions.",
        table.drop(columns="trend"),
    )
    terms = [str(p) for p in blocks.scalars(picked) if str(p) in set(table["term"])]
    if terms:
        term = terms[0]
        blocks.scope_panel(
            view,
            term_scope(view.scope, result, term),
            f"{term} in {_span(result.last)}",
            f"{key}_terms",
            lambda: _to_filter(term, result.last),
            True,
        )


def section(view: View, stop: Stoplist) -> None:
    """The Text page's *Rising* section: every rising term, its sparkline, a click to its mentions."""
    left, middle, right, last = st.columns(4)
    kind = state.page_select(left, "Show", "rkind", tuple(KINDS), "word", KINDS.get)
    period = state.page_select(middle, "Last period", "rper", tuple(PERIODS), "week", PERIOD_NAMES.get)
    baseline = int(
        state.page_select(right, "Against", "rbase", BASELINES, "8", lambda v: f"the {int(v) - 1} periods before")
    )
    min_count = int(state.page_select(last, "At least", "rmin", ("3", "5", "10", "25"), "5", lambda v: f"{v} mentions"))
    result = rising(view.q, view.scope, period, baseline, kind, stop, top=50, min_count=min_count)
    if not result.spans:
        st.warning("No dated mentions match these filters. Widen the filters in the sidebar.")
        return
    st.caption(
        "Mentions per period, oldest first: "
        + " · ".join(f"{_span(s)}: {n:,}" for s, n in zip(result.spans, result.sizes, strict=True))
        + (" (the start date filter does not apply here: the periods before reach back)" if view.filters.start else "")
    )
    if result.table.empty:
        st.info(
            f"Nothing rose significantly in {_span(result.last)}: no {KINDS[kind].lower().lstrip('#')} in at least "
            f"{min_count} of its mentions has a share with z ≥ {Z_RISING} against the periods before. Try a "
            "longer period, a lower minimum, or other filters.",
            icon=":material/trending_flat:",
        )
        return
    _chart(view, result, "rising", 20)
    shown = result.table.assign(growth=result.table["growth"].replace(float("inf"), float("nan")))
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "term": "term",
            "z": st.column_config.NumberColumn("z", format="%.1f"),
            "last": st.column_config.NumberColumn("mentions, last period", format="localized"),
            "before": st.column_config.NumberColumn("mentions, periods before", format="localized"),
            "share_last": st.column_config.NumberColumn("% last period", format="percent"),
            "share_before": st.column_config.NumberColumn("% before", format="percent"),
            "growth": st.column_config.NumberColumn("× share (blank: new)", format="%.1f×"),
            "trend": st.column_config.LineChartColumn("share per period", y_min=0),
        },
    )


def overview(view: View) -> None:
    """The Overview's short list: the 5 words and hashtags rising most in the last 7 days."""
    st.subheader("What is rising", help="Words and hashtags whose share of mentions grew most in the last 7 days.")
    words = rising(view.q, view.scope, "week", 8, "word", top=5)
    tags = rising(view.q, view.scope, "week", 8, "hashtag", top=5)
    table = pd.concat([words.table, tags.table], ignore_index=True).sort_values("z", ascending=False).head(5)
    if not words.spans or table.empty:
        st.caption(
            "Nothing rose significantly in the last 7 days of these mentions."
            if words.spans
            else "No dated mentions match these filters."
        )
    else:
        _chart(view, Rising(table.reset_index(drop=True), words.spans, words.sizes, "week"), "rising_overview", 5)
    if words.spans:
        (first, last), (earliest, _) = words.spans[-1], words.spans[0]
        st.caption(
            f"{first:%d %b} – {last:%d %b %Y} against the 7 weeks before, from {earliest:%d %b}"
            + (" (the filter's start date does not cut them)" if view.filters.start else "")
            + "."
        )
    if st.button("Every rising term, hashtag and phrase", icon=":material/trending_up:", key="rising_more"):
        st.session_state["sce_page_section"] = "rising"
        st.switch_page("pages/3_Text.py")
