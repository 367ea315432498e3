"""Tags: delimiter and recode settings, tag frequency, tag × sentiment, co-occurrence and trends."""

from dataclasses import replace

import numpy as np
import streamlit as st

from lib.charts.figures import LINE_COLORS, bar_figure, heatmap_figure, stacked_share_figure
from lib.queries.interface import untagged
from lib.queries.tags import frequency_table, lift
from ui import blocks, compare, state, tag_editor
from ui.frame import frame

TOP = 12
COOCCURRENCE = {"both": "mentions with both tags", "lift": "lift: how much more often than chance"}

view = frame("Tags")
st.title("Tags")
n = view.matched
table = frequency_table(view.q.counts(view.scope, "tags"), n)
st.caption(
    f"{n:,} matching mentions, {int(table['mentions'].sum()):,} tag assignments, "
    f"{untagged(view.q, view.scope):,} mentions without a tag · tags after the recode below"
)

with st.expander("Delimiter and recode: rename, merge, exclude", expanded=False):
    tag_editor.delimiter_setting(view.source.store)
    tag_editor.recode_editor(view)

if table.empty:
    st.warning("No matching mention has a tag. Widen the filters, or check the delimiter above.")
    st.stop()
top = table["tag"].head(TOP).tolist()

st.subheader("Tag frequency")
counts = table.rename(columns={"tag": "value"})
if compare.active(view):
    compare.breakdown(view, "tags", "Tag frequency", 15, heading=False, key="tag_frequency")
    picked = []
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
    column_config={c: st.column_config.NumberColumn(format="percent") for c in table.columns if "%" in c},
)

st.subheader("Tag × sentiment")
by_sentiment = view.q.tag_crosstab(view.scope, top, "messageSentiment")
by_sentiment = by_sentiment[[c for c in ("positive", "neutral", "negative", "unset") if c in by_sentiment.columns]]
picked = blocks.chart(
    stacked_share_figure(by_sentiment, "messageSentiment"),
    "tag_sentiment",
    f"for each of the {TOP} most used tags, the share of its mentions by sentiment. Select a segment to see "
    "those mentions.",
    by_sentiment.reset_index(names="tag"),
)
blocks.drill_shares(view, "tags", "messageSentiment", picked, "tag_sentiment")

st.subheader("Co-occurrence")
how = state.page_select(st.columns([1, 2])[0], "Show", "cooc", tuple(COOCCURRENCE), "both", COOCCURRENCE.get)
both = view.q.cooccurrence(view.scope, top)
own = np.diag(both.to_numpy())
named = [f"{t} ({m:,})" for t, m in zip(both.index, own, strict=True)]  # each tag's own mentions, in its name
if how == "lift":
    shown = lift(both, n)
    shown.index, shown.columns = named, named
    blocks.chart(
        heatmap_figure(shown, "{:.1f}"),
        "tag_cooccurrence",
        "how many times more often two tags are on one mention than if they were independent: 1 is chance, "
        "2 twice as often, under 1 they avoid each other. In brackets, each tag's own mentions.",
        shown.reset_index(names="tag"),
        selectable=False,
    )
else:
    shown = both.copy()
    shown.index, shown.columns = named, named
    blocks.chart(
        heatmap_figure(shown, blank_diagonal=True),
        "tag_cooccurrence",
        "mentions that carry both tags; in brackets, each tag's own mentions (the diagonal, left out so that it "
        "does not drown the pairs).",
        shown.reset_index(names="tag"),
        selectable=False,
    )

st.subheader("Tag trends")
chosen = state.page_multiselect(st, "Tags", "ttag", table["tag"].tolist(), top[:5], max_selections=len(LINE_COLORS))
scopes = {tag: view.scope.narrowed("tags", (tag,)) for tag in chosen}
buckets, names = blocks.trend_chart(
    view, scopes, "tag_trends", "for each chosen tag. Select points to see that tag's mentions in that period."
)
blocks.drill_trend(view, scopes, buckets, names, "tag_trends", lambda f: replace(f, tags=tuple(names), tag_mode="any"))
