"""Data: where the mentions come from: Qualtrics pulls, file imports, the log, demo or your data."""

import streamlit as st

from lib.errors import ExplorerError
from lib.ingest import import_file
from lib.snapshot import SnapshotStore
from lib.store import Store
from ui import connection, state
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
has_data = bool(real.version())
st.markdown(
    f"**Showing:** {md(view.source.label)} · {view.q.n:,} mentions  \n**Your store:** {code(real.path)} · "
    + (f"{real.count():,} mentions" if has_data else "empty, so the app shows the demo data")
)
if has_data:
    st.toggle(
        "Show the demo data instead of your store", key="w_demo", value=view.source.is_demo, on_change=state.toggle_demo
    )

st.subheader("Pull from Qualtrics")
st.caption(
    f"Tags are split by your store's delimiter ({md(repr(real.setting('tag_delimiter', ',')))}); change it on the "
    "Tags page."
)
form = connection.connection_form()
left, right, _ = st.columns([1, 1, 3])
if left.button("Test connection", disabled=form is None):
    connection.test_connection(form[0])
if right.button("Pull now", type="primary", disabled=form is None):
    connection.start(form[0], form[1])
connection.pull_progress()

st.subheader("Import a file")
st.caption(
    "A Qualtrics export (CSV/TSV with one or three header rows, JSON, NDJSON; zip'd or gzip'd) or Social "
    "Connect webhook mentions (JSON array or NDJSON). Mentions are upserted by uniqueId."
)
upload = st.file_uploader("Export file", type=["csv", "tsv", "txt", "gz", "zip", "json", "ndjson", "jsonl"])
if upload is not None and st.button("Import into your store"):
    try:
        with st.spinner(f"Importing {upload.name}…"):
            outcome = import_file(real, upload.getvalue(), upload.name)
    except ExplorerError as exc:
        st.error(md(exc))
    else:
        st.success(f"{outcome.result.rows_new:,} new and {outcome.result.rows_updated:,} updated mentions.")
        if outcome.report.rejected:
            st.warning(f"{len(outcome.report.rejected):,} rows were not imported:")
            st.dataframe(
                {"line": [r for r, _ in outcome.report.rejected], "reason": [w for _, w in outcome.report.rejected]}
            )
        for warning in outcome.report.warnings:
            st.warning(md(warning))

st.subheader("Pulls and imports")
for name, store in (("Your store", real), ("Demo store", view.source.store if view.source.is_demo else None)):
    if store is not None and store.exists():
        st.markdown(f"**{name}** · {code(store.path)}")
        st.dataframe(store.log(), hide_index=True, width="stretch")
