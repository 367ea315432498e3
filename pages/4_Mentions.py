"""Mentions: the newest matching mentions as a table, text shown as plain text."""

import streamlit as st

from lib.mentions import mention_rows
from ui.frame import frame

ROW_CAP = 500

view = frame("Mentions")
st.title("Mentions")
keys = view.model.page(view.mask, limit=ROW_CAP)
st.caption(
    f"Showing the newest {len(keys):,} of {view.matched:,} matching mentions"
    + (f" (the table stops at {ROW_CAP:,})." if view.matched > ROW_CAP else ".")
    + f" Times in {view.tz}."
)
rows = mention_rows(view.source.store, keys, view.tz)
st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_config={
        "sourceUrl": st.column_config.LinkColumn("Source", display_text="open"),
        "permalink": st.column_config.LinkColumn("Social Connect", display_text="open"),
        "messageContent": st.column_config.TextColumn("Text", width="large"),
        "published": st.column_config.DatetimeColumn("Published", format="YYYY-MM-DD HH:mm"),
        "authorName": "Author",
        "messageSentiment": "Sentiment",
        "sourceService": "Source",
        "messageLanguage": "Language",
        "locationCountry": "Country",
        "tags": "Tags",
        "topicName": "Monitored topic",
        "uniqueId": "uniqueId",
    },
)
