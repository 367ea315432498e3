"""Tags: delimiter and recode settings, tag frequency, tag × sentiment, co-occurrence and trends."""

import streamlit as st

from ui import tag_editor, tag_views
from ui.frame import frame

view = frame("Tags")
st.title("Tags")
table = tag_views.tag_table(view)
st.caption(tag_views.summary(view, table))

with st.expander("Delimiter and recode: rename, merge, exclude", expanded=False):
    tag_editor.delimiter_setting(view.source.store)
    tag_editor.recode_editor(view)

if table.empty:
    st.warning("No matching mention has a tag. Widen the filters, or check the delimiter above.")
    st.stop()
top = table["tag"].head(tag_views.TOP).tolist()

st.subheader("Tag frequency")
tag_views.frequency(view, table)

st.subheader("Tag × sentiment")
tag_views.by_sentiment(view, top)

st.subheader("Co-occurrence")
tag_views.cooccurrence(view, top)

st.subheader("Tag trends")
tag_views.trends(view, table, top)
