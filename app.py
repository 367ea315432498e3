"""Overview: KPI cards and mention volume over time, for the filtered mentions."""

import streamlit as st

from lib.charts import bar_figure, volume_figure
from lib.model import FREQUENCIES, auto_frequency
from lib.overview import kpi_cards
from ui import state
from ui.frame import frame

SPLITS = {"messageSentiment": "Sentiment", "sourceService": "Source service", "none": "No split"}

view = frame("Overview")
st.title("Overview")
st.caption(f"{view.matched:,} mentions · times in {view.tz}")

for column, kpi in zip(st.columns(4), kpi_cards(view.model, view.filters, view.tz, view.tags), strict=True):
    column.metric(
        kpi.name, kpi.value, kpi.delta, delta_color="inverse" if kpi.inverse else "normal", help=kpi.help, border=True
    )

st.subheader("Volume over time")
oldest, newest = view.model.date_bounds(view.tz)
auto = auto_frequency(view.filters.start or oldest, view.filters.end or newest)
left, right, _ = st.columns([1, 1, 2])
freq = state.page_select(
    left, "Bucket", "freq", ("auto", *FREQUENCIES), "auto", lambda f: f"auto ({auto})" if f == "auto" else f
)
split = state.page_select(right, "Split by", "split", tuple(SPLITS), "messageSentiment", SPLITS.get)
bucket = auto if freq == "auto" else freq
volume = view.model.volume(view.mask, bucket, None if split == "none" else split, view.tz)
if volume.empty:
    st.warning("No dated mentions match these filters. Widen the dates or reset the filters in the sidebar.")
else:
    st.plotly_chart(volume_figure(volume, None if split == "none" else split, bucket), width="stretch")
    st.caption(f"How to read this: each bar is one {bucket} in {view.tz}, stacked by {SPLITS[split].lower()}.")

left, right = st.columns(2)
for column, field, title in ((left, "sourceService", "Top sources"), (right, "messageLanguage", "Languages")):
    counts = view.model.counts(field, view.mask)
    column.subheader(title)
    if counts.empty:
        column.caption("No mentions match.")
    else:
        column.plotly_chart(bar_figure(counts, field, denominator=view.matched), width="stretch")
        column.caption(f"Percentages are of the {view.matched:,} matching mentions.")
