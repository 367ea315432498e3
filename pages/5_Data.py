"""Data: where the mentions come from: Qualtrics pulls, file imports, the log, demo or your data."""

import streamlit as st

from ui import alerts_editor, connection, importer, reads, store_panel
from ui.config import shared_dir
from ui.escape import md
from ui.frame import frame

view = frame("Data")
st.title("Data")
if folder := shared_dir():
    store_panel.shared_snapshot(folder)
    st.stop()
real = store_panel.your_store(view)

st.subheader("Pull from Qualtrics")
delimiter = reads.setting(real, "tag_delimiter", ",")
st.caption(f"Tags are split by your store's delimiter ({md(repr(delimiter))}); change it on the Tags page.")
form = connection.connection_form()
left, right, _ = st.columns([1, 1, 3])
if left.button("Test connection", disabled=form is None):
    connection.test_connection(*form)
if right.button("Pull now", type="primary", disabled=form is None):
    connection.start(form[0], form[1])
connection.pull_progress()
alerts_editor.section(real.path, view.q if view.source.store.path == real.path else None, view.topics.names, True)

importer.import_section(real)

st.subheader("Pulls and imports")
store_panel.logs(view, real)
