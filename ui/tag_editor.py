"""The Tags page's settings: the store's tag delimiter and the recode editor (rename, merge, exclude)."""

from __future__ import annotations

import json

import streamlit as st

from lib.errors import ExplorerError
from lib.queries.tags import RecodeError, TagRecode, editor_rows, recode_from_rows, save_recode
from lib.store.local import Store
from ui import reads
from ui.escape import md
from ui.frame import View

DELIMITERS = {",": "Comma", ";": "Semicolon", "|": "Pipe", "custom": "Custom"}


def delimiter_setting(store: Store) -> None:
    current = reads.setting(store, "tag_delimiter", ",")
    left, middle, right = st.columns([2, 1, 1])
    choice = left.selectbox(
        "Tags are separated by",
        tuple(DELIMITERS),
        format_func=DELIMITERS.get,
        index=tuple(DELIMITERS).index(current if current in DELIMITERS else "custom"),
        help="XM Discover enrichments arrive comma separated. Changing this splits every "
        "mention's raw tag string again; nothing is lost.",
    )
    custom = middle.text_input(
        "Custom delimiter", current if current not in DELIMITERS else "", max_chars=5, disabled=choice != "custom"
    )
    wanted = custom if choice == "custom" else choice
    if right.button("Apply", disabled=not wanted or wanted == current, key="apply_delimiter"):
        try:
            with st.spinner("Splitting every mention's tags again…"):
                store.retag(wanted)
        except ExplorerError as exc:
            st.error(md(exc))
        else:
            st.rerun()


def recode_editor(view: View) -> None:
    recode = view.recode
    fold = st.toggle(
        'Fold case and spelling variants ("praise" and "Praise" are one tag)', value=recode.case_fold, key="w_case_fold"
    )
    working = TagRecode(fold, recode.rename, recode.exclude)
    edited = st.data_editor(
        editor_rows(view.q.raw_tags(), working),
        key="tag_editor",
        hide_index=True,
        width="stretch",
        disabled=["tag", "mentions", "spellings"],
        column_config={
            "rename to": st.column_config.TextColumn(help="Give several tags one name to merge them."),
            "exclude": st.column_config.CheckboxColumn(help="Leave this tag out of every tag view."),
        },
    )
    new = recode_from_rows(edited, fold)
    left, middle, right = st.columns(3)
    if left.button("Save recode", type="primary", disabled=new == recode):
        save_recode(view.source.store.path, new)
        st.rerun()
    middle.download_button(
        "Export recode (JSON)",
        json.dumps(new.to_dict(), indent=2, ensure_ascii=False),
        "tag-recode.json",
        "application/json",
    )
    upload = right.file_uploader("Import recode", type=["json"], label_visibility="collapsed", max_upload_size=5)
    if upload is not None and st.button("Use the imported recode"):
        try:
            save_recode(view.source.store.path, TagRecode.from_json(upload.getvalue()))
        except RecodeError as exc:
            st.error(md(exc))
        else:
            st.rerun()
