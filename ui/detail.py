"""One mention in full. Its text is shown as text: never as HTML or Markdown that could run or fetch anything."""

from __future__ import annotations

import json

import streamlit as st

from lib.mentions.labels import label
from lib.mentions.schema import FIELD_NAMES
from lib.queries.tags import recode_tags
from ui import blocks, reads, state
from ui.escape import code, md
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
            st.warning(f"No mention {md(repr(unique_id))} in this store.")
            return
        head, close = st.columns([5, 1])
        head.markdown(f"**Mention** {code(unique_id)}")
        close.button("Close", on_click=state.set_page_param, args=("mention", "", "", False), key="close_detail")
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
            raw, shown = str(fields[name] or ""), label(name, str(fields[name] or ""))
            fields[name] = shown if not raw or f"({raw})" in shown else f"{shown} ({raw})"
        # As the tag views show them (the Tags page's recode), and the string as it was received.
        fields["tags"] = ", ".join(recode_tags(found.get("tags"), view.tag_names))
        rows: dict[str, object] = {}
        for name, value in fields.items():
            rows[name] = value
            if name == "tags":
                rows["tags (as received)"] = found.get("tagsRaw") or ""
        fields = rows
        st.dataframe(
            {
                "field": [_title(name) for name in fields],
                "value": [str(v) if v is not None else "" for v in fields.values()],
            },
            hide_index=True,
            width="stretch",
        )
        with st.expander("As received (HTML source and extra columns), shown as code"):
            st.code(found.get("messageContentHtml") or "", language="html")
            if found.get("extra"):
                st.code(json.dumps(json.loads(found["extra"]), indent=2, ensure_ascii=False), language="json")


def _title(field: str) -> str:
    """A field as the Mentions table names it, with the help page's field name beside it (Author (authorName))."""
    title = blocks.MENTION_COLUMNS.get(field)
    return f"{title} ({field})" if isinstance(title, str) else field
