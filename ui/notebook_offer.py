"""*Open as a notebook* in the sidebar: this view's mentions and a Jupyter notebook that redraws it, in one zip
(lib/export/notebook.py)."""

from __future__ import annotations

import streamlit as st

from lib.errors import ExplorerError
from lib.export.notebook import notebook_zip
from ui.escape import md
from ui.frame import View
from ui.gate import share_link
from ui.prepared import prepared
from ui.sections import drawn_bucket, volume_choice

ROW_CAP = 200_000  # as the Mentions page's CSV: the zip is built in memory


def offer(view: View, title: str) -> None:
    with st.expander("Open as a notebook", icon=":material/code_blocks:"):
        st.caption(
            "A zip with this view's mentions as CSV and a Jupyter notebook that loads them with pandas, states the "
            "filters as code and redraws the volume and breakdowns with plotly."
        )
        try:
            freq, split = volume_choice()  # as the view's volume chart is drawn
            made = prepared(
                "nb_prepared",
                (view.scope, view.topics, view.recode, freq, split, title, view.source.store.version(), share_link()),
                lambda: st.button(
                    "Prepare the notebook", key="w_nb_prepare", disabled=not view.matched, width="stretch"
                ),
                lambda: _zip(view, title, freq, split),
            )
        except ExplorerError as exc:
            st.error(md(exc))
            return
        if made is None:
            return
        data, rows = made
        st.download_button(
            f"Download ({rows:,} mentions, zip)",
            data,
            "view-notebook.zip",
            "application/zip",
            key="w_nb_download",
            type="primary",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
        )
        if rows < view.matched:
            st.caption(f"The first {rows:,} of {view.matched:,} mentions; `python -m lib export` has no cap.")


def _zip(view: View, title: str, freq: str, split: str | None) -> tuple[bytes, int]:
    bucket, _ = drawn_bucket(view, freq)  # the Bucket setting over the view's dates, as the chart draws it
    with st.spinner(f"Writing {min(view.matched, ROW_CAP):,} mentions…"):
        return notebook_zip(
            view.source.store,
            view.scope,
            freq=bucket,
            split=split,
            title=f"{title}: {view.matched:,} mentions",
            link=share_link() or "",
            topics=view.topics,
            recode=view.recode,
            row_cap=ROW_CAP,
        )
