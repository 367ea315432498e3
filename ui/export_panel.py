"""The Mentions page's CSV export: columns, Excel BOM, tag delimiter, topic columns, raw values, and the two
downloads (the file and its manifest). The file comes from the one CSV writer (lib/export/csv_writer.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.errors import ExplorerError
from lib.export.csv_writer import csv_bytes
from lib.mentions.schema import FIELD_NAMES
from ui import reads
from ui.prepared import prepared

if TYPE_CHECKING:
    from ui.frame import View

EXPORT_CAP = 200_000  # the app holds the file in memory to offer it; the CLI (python -m lib export) has no cap


def export_panel(view: View) -> None:
    columns = st.multiselect(
        "Columns",
        FIELD_NAMES,
        default=list(FIELD_NAMES),
        key="w_export_columns",
        help=f"Each time column comes in UTC and again in {view.tz}.",
    )
    left, middle, right = st.columns(3)
    bom = left.toggle("For Excel (UTF-8 with BOM)", key="w_export_bom")
    store_delimiter = reads.setting(view.source.store, "tag_delimiter", ",")
    delimiter = middle.text_input("Join tags with", value=store_delimiter, key="w_export_delimiter", max_chars=5)
    with_topics = right.toggle(
        f"A 0/1 column per text topic ({len(view.topics.topics)})",
        value=bool(view.topics.topics),
        key="w_export_topics",
        disabled=not view.topics.topics,
        help="The saved topics of the Text page; their queries are in the manifest.",
    )
    raw = left.toggle(
        "Raw values (not safe for spreadsheets)",
        key="w_export_raw",
        help="Text exactly as stored, for reading the file with code (pandas, R). A spreadsheet may run a cell that "
        "starts with = + - or @ as a formula: keep this off to open the file in Excel or Sheets.",
    )
    st.caption(
        (
            ":red[Raw values: a cell that starts with = + - or @ is written as it is. Do not open this file in a "
            "spreadsheet.]"
            if raw
            else "Text cells that a spreadsheet would run as a formula are prefixed with an apostrophe."
        )
        + f" Tags are as the Tags page shows them (its recode), with the tag string as received in *tags (raw)*. "
        "Other values are Social Connect's codes, as in a Qualtrics export (`twitter`, `user_tweet`, priority `c`), "
        f"where the app shows their labels. At most {EXPORT_CAP:,} rows here; `python -m lib export` has no cap."
    )
    options = (columns, bom, delimiter or store_delimiter, with_topics, raw)
    try:
        made = prepared(
            "csv_prepared",
            (view.scope, view.topics, view.recode, options, view.source.store.version()),
            lambda: st.button("Prepare the CSV", disabled=not columns or not view.matched),
            lambda: _csv(view, *options),
        )
    except (ExplorerError, OSError) as exc:  # the store busy or moved, a full disk: said, not a traceback
        st.error(f"{exc} The command line export (`python -m lib export`) writes the file without the app.")
        return
    if made is not None:
        data, manifest = made
        # Both at once; neither reruns the page (and a rerun of the same view keeps them: ui/prepared.py).
        with st.container(horizontal=True, gap="small", key="export_downloads"):
            st.download_button(
                f"Download {manifest.rows:,} mentions (CSV)",
                data,
                "mentions.csv",
                "text/csv",
                type="primary",
                icon=":material/download:",
                on_click="ignore",
            )
            st.download_button(
                "Download the manifest (JSON)",
                manifest.to_json(),
                "mentions.manifest.json",
                "application/json",
                icon=":material/description:",
                on_click="ignore",
            )
        for note in manifest.notes:
            st.warning(note)


def _csv(view: View, columns: list[str], bom: bool, delimiter: str, with_topics: bool, raw: bool):
    with st.spinner(f"Writing {min(view.matched, EXPORT_CAP):,} mentions…"):
        return csv_bytes(
            view.source.store,
            view.scope,
            bom=bom,
            columns=columns,
            row_cap=EXPORT_CAP,
            topics=view.topics,
            topic_columns=with_topics,
            tag_delimiter=delimiter,
            recode=view.recode,
            safe=not raw,
        )
