"""Data: where the mentions come from: Qualtrics pulls, file imports, the log, demo or your data."""

import streamlit as st

from lib.store.local import Store
from lib.store.snapshot import SnapshotStore
from ui import alerts_editor, connection, importer, reads, state
from ui.config import shared_dir, store_path
from ui.escape import code, md
from ui.frame import frame

view = frame("Data")
st.title("Data")
if folder := shared_dir():
    shared = SnapshotStore(folder)
    st.info(
        f"This app reads the shared snapshot in {code(folder)} (one of several replicas). The scheduled writer, "
        "`python -m lib pull --publish`, pulls and imports and then publishes a new snapshot, which every replica "
        "shows on its next interaction.",
        icon=":material/dns:",
    )
    if shared.exists():
        st.markdown(f"**Snapshot** {md(shared.version())} · {shared.count():,} mentions")
        st.subheader("Pulls and imports, as the writer logged them")
        st.dataframe(shared.log(), hide_index=True, width="stretch")
    else:
        st.warning("No snapshot has been published yet: run the writer once (see the README, Running for a team).")
    st.stop()
real = Store(store_path())
version = real.version()
has_data = bool(version)
count, stale = (
    (view.q.n, False)
    if view.source.store.path == real.path
    else reads.last_good(("count", str(real.path), version), real.count, 0)
)
st.markdown(
    f"**Showing:** {md(view.source.label)} · {view.q.n:,} mentions  \n**Your store:** {code(real.path)} · "
    + (f"{count:,} mentions" if has_data else "empty, so the app shows the demo data")
)
if stale:
    reads.busy_note()
if has_data:
    st.toggle(
        "Show the demo data instead of your store", key="w_demo", value=view.source.is_demo, on_change=state.toggle_demo
    )

st.subheader("Pull from Qualtrics")
delimiter = reads.setting(real, "tag_delimiter", ",")
st.caption(f"Tags are split by your store's delimiter ({md(repr(delimiter))}); change it on the Tags page.")
form = connection.connection_form()
left, right, _ = st.columns([1, 1, 3])
if left.button("Test connection", disabled=form is None):
    connection.test_connection(form[0])
if right.button("Pull now", type="primary", disabled=form is None):
    connection.start(form[0], form[1])
connection.pull_progress()
alerts_editor.section(real.path, view.q if view.source.store.path == real.path else None, view.topics.names, True)

importer.import_section(real)

st.subheader("Pulls and imports")
for name, store in (("Your store", real), ("Demo store", view.source.store if view.source.is_demo else None)):
    if store is not None and store.exists():
        st.markdown(f"**{name}** · {code(store.path)}")
        log, stale = reads.last_good(("log", str(store.path), store.version()), store.log, None)
        if stale:
            reads.busy_note()
        if log is not None:
            st.dataframe(log, hide_index=True, width="stretch")
