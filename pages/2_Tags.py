"""Tags: delimiter and recode settings, tag frequency, tag × sentiment, co-occurrence and trends."""

import streamlit as st

from lib.charts import bar_figure, heatmap_figure, lines_figure, stacked_share_figure
from lib.queries import series_volume, untagged
from lib.tags import frequency_table
from ui import blocks, state, tag_editor
from ui.frame import frame

TOP = 12

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
    f"for each of the {TOP} most used tags, the share of its mentions by sentiment.",
    by_sentiment.reset_index(names="tag"),
)
blocks.drill(view, "tags", picked, "tag_sentiment")

st.subheader("Co-occurrence")
both = view.q.cooccurrence(view.scope, top)
blocks.chart(
    heatmap_figure(both),
    "tag_cooccurrence",
    "mentions that carry both tags; the diagonal is the tag's own mentions.",
    both.reset_index(names="tag"),
    selectable=False,
)

st.subheader("Tag trends")
bucket = view.bucket
chosen = state.page_multiselect(st, "Tags", "ttag", table["tag"].tolist(), top[:5])
series = series_volume(view.q, {tag: view.scope.narrowed("tags", (tag,)) for tag in chosen}, bucket)
picked = blocks.chart(
    lines_figure(series, f"mentions per {bucket}"),
    "tag_trends",
    f"mentions per {bucket} in {view.tz} for each chosen tag.",
    series,
)
blocks.drill(view, "tags", picked, "tag_trends")
