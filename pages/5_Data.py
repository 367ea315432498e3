"""Data: where the mentions come from, the log of pulls and imports, and importing an export file."""

import streamlit as st

from lib.errors import ExplorerError
from lib.ingest import import_file
from lib.store import Store
from ui.config import store_path
from ui.frame import frame

view = frame("Data")
st.title("Data")
real = Store(store_path())
st.markdown(
    f"**Showing:** {view.source.label} · {view.model.n:,} mentions  \n"
    f"**Your store:** `{real.path}` · "
    + (f"{real.count():,} mentions" if real.version() else "empty: the app shows the demo data until you import")
)

st.subheader("Import an export file")
st.caption(
    "A CSV or TSV export of the Qualtrics dataset that the Social Connect workflow writes to (one header row, "
    "or Qualtrics' three), optionally gzip'd. Mentions are upserted by uniqueId: importing a file twice adds nothing."
)
delimiter = st.text_input("Tag delimiter", ",", max_chars=3, help="XM Discover enrichments arrive comma separated.")
upload = st.file_uploader("Export file", type=["csv", "tsv", "txt", "gz"])
if upload is not None and st.button("Import into your store", type="primary"):
    try:
        with st.spinner(f"Importing {upload.name}…"):
            outcome = import_file(real, upload.getvalue(), upload.name, tag_delimiter=delimiter or ",")
    except ExplorerError as exc:
        st.error(str(exc))
    else:
        result, report = outcome.result, outcome.report
        st.success(f"{result.rows_new:,} new and {result.rows_updated:,} updated mentions from {upload.name}.")
        if report.rejected:
            st.warning(f"{len(report.rejected):,} rows were not imported:")
            st.dataframe({"line": [r for r, _ in report.rejected], "reason": [w for _, w in report.rejected]})
        for warning in report.warnings:
            st.warning(warning)
        if report.unknown_columns:
            st.caption("Kept as extra columns: " + ", ".join(report.unknown_columns))

st.subheader("Pulls and imports")
for name, store in (("Your store", real), ("Demo store", view.source.store if view.source.is_demo else None)):
    if store is None or not store.exists():
        continue
    log = store.log()
    st.markdown(f"**{name}** · `{store.path}`")
    st.dataframe(log, hide_index=True, width="stretch")
