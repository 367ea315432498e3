"""The Text page's Sentiment check: VADER (English) beside Social Connect's sentiment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lib.charts.figures import bar_figure, heatmap_figure
from lib.mentions.labels import label
from lib.queries.sentiment_check import agreement, agreement_rate, five_level_counts
from ui import blocks
from ui.frame import View


def sentiment(view: View) -> None:
    st.caption(
        "VADER, a lexicon-based sentiment model, scored each English mention when it was stored. Here it is set "
        "beside Social Connect's sentiment. VADER reads English only: other languages are unsupported, not guessed."
    )
    grid = view.q.sentiment_grid(view.scope)
    matrix = agreement(grid)
    rate, both = agreement_rate(matrix)
    scored = int(matrix[["positive", "neutral", "negative"]].to_numpy().sum())
    a, b, c = st.columns(3)
    a.metric("Agreement", "–" if np.isnan(rate) else f"{rate:.0%}", help="Of the mentions that both have a reading.")
    b.metric("Read by both", f"{both:,}")
    c.metric("Scored by VADER", f"{scored:,}", help=f"of {view.matched:,}; the rest are not in English")
    shown = matrix.drop(columns="unsupported")  # a count of another kind: it would flatten the colours
    shown.index = [label("messageSentiment", v) for v in shown.index]
    shown.columns = [f"VADER {c}" for c in shown.columns]
    left, right = st.columns(2)
    with left:
        blocks.chart(
            heatmap_figure(shown),
            "sentiment_agreement",
            "rows: Social Connect's sentiment; columns: VADER's reading (compound ≥ 0.05 positive, ≤ -0.05 "
            f"negative), for the {scored:,} mentions in English. The diagonal is agreement.",
            shown.reset_index(names="Social Connect"),
            selectable=False,
        )
    with right:
        levels = five_level_counts(grid).rename(columns={"level": "value"})
        blocks.chart(
            bar_figure(levels, "level", 6, view.matched),
            "sentiment_levels",
            "an approximation of Text iQ's five-level scale from VADER's score (cut at ±0.05 and ±0.6); "
            "not Qualtrics' model.",
            levels,
            selectable=False,
        )
    st.subheader("Where they disagree")
    seed = st.session_state.get("disagree_seed", 0)
    rows = view.q.disagreeing(view.scope, 10, seed)
    if rows.empty:
        st.caption("No disagreement in the matching mentions.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Social Connect": [label("messageSentiment", v) for v in rows["sentiment"]],
                "VADER": rows["vader"].round(2),
                "text": rows["text"],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"text": st.column_config.TextColumn("text", width="large")},
    )
    if st.button("Another sample", key="disagree_again", icon=":material/casino:"):
        st.session_state["disagree_seed"] = seed + 1
        st.rerun()
