"""One mention in full. Its text is shown as text: never as HTML or Markdown that could run or fetch anything."""

from __future__ import annotations

import json

import streamlit as st

from lib.labels import label
from lib.schema import FIELD_NAMES
from ui import reads, state
from ui.frame import View

SHOWN_AS_LABEL = (
    "messageSentiment",
    "sourceService",
    "messageLanguage",
    "locationCountry",
    "locationContinent",
    "messageType",
    "sourceCategory",
    "status",
)


def show(view: View, unique_id: str) -> None:
    if not unique_id:
        st.caption("Select a row to see the whole mention; its link (…?mention=id) opens it for a colleague.")
        return
    found = reads.mention(view, unique_id)
    with st.container(border=True, key="mention_detail"):
        if found is None:
            st.warning(f"No mention {unique_id!r} in this store.")
            return
        head, close = st.columns([5, 1])
        head.markdown(f"**Mention** `{unique_id}`")
        close.button("Close", on_click=state.set_page_param, args=("mention", "", ""), key="close_detail")
        if found.get("messageTitle"):
            st.text(found["messageTitle"])
        st.text(found.get("messageContent") or "(no text)")
        links = st.columns(2)
        for column, field, text in (
            (links[0], "sourceUrl", "Open the post"),
            (links[1], "permalink", "Open in Social Connect"),
        ):
            url = str(found.get(field) or "")
            if url.startswith(("https://", "http://")):
                column.link_button(text, url)
        fields = {name: found.get(name) for name in FIELD_NAMES if name != "messageContent"}
        for name in SHOWN_AS_LABEL:
            code, shown = str(fields[name] or ""), label(name, str(fields[name] or ""))
            fields[name] = shown if not code or f"({code})" in shown else f"{shown} ({code})"
        fields["tags"] = ", ".join(found["tags"]) if found.get("tags") is not None else ""
        st.dataframe(
            {"field": list(fields), "value": [str(v) if v is not None else "" for v in fields.values()]},
            hide_index=True,
            width="stretch",
        )
        with st.expander("As received (HTML source and extra columns), shown as code"):
            st.code(found.get("messageContentHtml") or "", language="html")
            if found.get("extra"):
                st.code(json.dumps(json.loads(found["extra"]), indent=2, ensure_ascii=False), language="json")
