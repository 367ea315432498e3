"""Dashboard: volume with spikes, every breakdown, the map, a cross-tab, authors and what the text links to."""

import pandas as pd
import streamlit as st

from lib.charts import bar_figure, heatmap_figure, map_figure, volume_figure
from lib.dashboard import BASELINE, SPIKE_METHOD, concentration, country_map, crosstab_percentages, spikes
from lib.filters import FACETS
from lib.labels import label
from lib.model import FREQUENCIES, auto_frequency
from ui import blocks, state
from ui.frame import frame

BREAKDOWNS = [
    ("messageSentiment", "Sentiment"),
    ("sourceService", "Source service"),
    ("sourceCategory", "Source category"),
    ("sourceType", "Source type"),
    ("messageLanguage", "Language"),
    ("messageType", "Message type"),
    ("topicName", "Monitored topic"),
    ("status", "Status"),
]
SPLITS = {"messageSentiment": "Sentiment", "sourceService": "Source service", "none": "No split"}
FIELDS = {column: title for column, _, title in FACETS.values() if column != "authorName"}

view = frame("Dashboard")
model, mask, n = view.model, view.mask, view.matched
st.title("Dashboard")
st.caption(
    f"{n:,} matching mentions · times in {view.tz} · every percentage is of the {n:,} matching mentions "
    "unless it says otherwise · select bars, slices or countries to see the mentions behind them"
)

st.subheader("Volume over time")
oldest, newest = model.date_bounds(view.tz)
auto = auto_frequency(view.filters.start or oldest, view.filters.end or newest)
left, right, _ = st.columns([1, 1, 2])
freq = state.page_select(
    left, "Bucket", "freq", ("auto", *FREQUENCIES), "auto", lambda f: f"auto ({auto})" if f == "auto" else f
)
split = state.page_select(right, "Split by", "split", tuple(SPLITS), "messageSentiment", SPLITS.get)
bucket = auto if freq == "auto" else freq
volume = model.volume(mask, bucket, None if split == "none" else split, view.tz)
if volume.empty:
    st.warning("No dated mentions match these filters. Widen the dates or reset the filters in the sidebar.")
else:
    flagged = spikes(volume.groupby("bucket", sort=True)["mentions"].sum(), bucket)
    picked = blocks.chart(
        volume_figure(volume, None if split == "none" else split, bucket, flagged),
        "volume",
        f"each bar is one {bucket} in {view.tz}; ▼ marks a spike.",
        volume,
    )
    with st.expander(f"{int(flagged['spike'].sum())} spikes: how they are found"):
        st.write(SPIKE_METHOD.format(window=BASELINE[bucket], freq=bucket))
        st.dataframe(flagged[flagged["spike"]].reset_index(names="bucket"), hide_index=True)
    blocks.drill_bucket(view, picked, bucket, "volume")

for row in range(0, len(BREAKDOWNS), 2):
    for column, (field, title) in zip(st.columns(2), BREAKDOWNS[row : row + 2], strict=True):
        with column:
            st.subheader(title)
            counts = model.counts(field, mask)
            picked = blocks.chart(
                bar_figure(counts, field, denominator=n),
                field,
                f"mentions per {title.lower()}, top 10; % of the {n:,} matching mentions.",
                counts.assign(label=[label(field, v) for v in counts["value"]]),
            )
            blocks.drill(view, field, picked, field)

st.subheader("Countries")
known, unknown = country_map(model.counts("locationCountry", mask))
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
            f"{label('locationCountry', v)} ({m:,})" for v, m in zip(unknown["value"], unknown["mentions"], strict=True)
        )
    )
blocks.drill(view, "locationCountry", picked, "map")

st.subheader("Cross-tab")
left, middle, right = st.columns(3)
rows_field = state.page_select(left, "Rows", "xrows", tuple(FIELDS), "sourceService", FIELDS.get)
cols_field = state.page_select(middle, "Columns", "xcols", tuple(FIELDS), "messageSentiment", FIELDS.get)
how = state.page_select(right, "Show", "xshow", ("counts", "row %", "column %"), "counts")
table = model.crosstab(rows_field, cols_field, mask)
table.index = [label(rows_field, v) if v != "Other" else v for v in table.index]
table.columns = [label(cols_field, v) if v != "Other" else v for v in table.columns]
shown = crosstab_percentages(table, how)
READING = {
    "counts": "mentions for each pair, with a Total row and column",
    "row %": "each row sums to 100%",
    "column %": "each column sums to 100%",
}
blocks.chart(
    heatmap_figure(shown, "{:,.0f}" if how == "counts" else "{:.0%}"),
    "crosstab",
    f"{READING[how]}; the 12 largest values of each field, the rest as Other.",
    shown.reset_index(names=FIELDS[rows_field]),
    selectable=False,
)

st.subheader("Authors")
per_author, names = model.value_counts("authorName", mask)
share = concentration(per_author[names != ""])
authors = model.counts("authorName", mask, top=16)
authors = authors[authors["value"] != ""].head(15)
c1, c2, c3 = st.columns(3)
c1.metric("Authors", f"{share['authors']:,}")
c2.metric(
    "Share of the top 1% of authors",
    "–" if pd.isna(share["top 1%"]) else f"{share['top 1%']:.0%}",
    help="Of the matching mentions that have an author.",
)
c3.metric("Share of the top 10%", "–" if pd.isna(share["top 10%"]) else f"{share['top 10%']:.0%}")
picked = blocks.chart(
    bar_figure(authors, "authorName", top=15, denominator=n),
    "authors",
    f"the 15 most active authors; % of the {n:,} matching mentions.",
    authors,
)
blocks.drill(view, "authorName", picked, "authors")

st.subheader("What the text talks about and links to")
for column, (field, title) in zip(
    st.columns(3), (("hashtags", "Hashtags"), ("handles", "@handles"), ("linkDomains", "Link domains")), strict=True
):
    with column:
        st.markdown(f"**{title}**")
        counts = model.counts(field, mask)
        prefix = {"hashtags": "#", "handles": "@"}.get(field, "")
        counts_shown = counts.assign(value=prefix + counts["value"].astype(str))
        picked = blocks.chart(
            bar_figure(counts_shown, field, denominator=n),
            field,
            f"mentions that contain each {title.lower().rstrip('s')}; % of matching mentions.",
            counts,
        )
        blocks.drill(view, field, [str(p).removeprefix(prefix) for p in picked], field)
