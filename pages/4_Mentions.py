"""Mentions: the newest matching mentions as a table (text as plain text), and their CSV export."""

import streamlit as st

from ui import blocks, detail, reads, state
from ui.export_panel import export_panel
from ui.frame import frame

ROW_CAP = 500

view = frame("Mentions")
st.title("Mentions")
keys = view.q.keys(view.scope, ROW_CAP)
st.caption(
    f"Showing the newest {len(keys):,} of {view.matched:,} matching mentions"
    + (f" (the table stops at {ROW_CAP:,})." if view.matched > ROW_CAP else ".")
    + f" Times in {view.tz}."
)
rows = reads.mention_rows(view, keys)
table = st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="mentions_table",
    column_config=blocks.MENTION_COLUMNS,
)

picked = table.selection.rows
if picked:
    state.set_page_param("mention", str(rows.iloc[picked[0]]["uniqueId"]), "")
detail.show(view, state.page_param("mention", None, ""))

st.subheader("Export as CSV")
export_panel(view)
