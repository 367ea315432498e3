"""The frame every page calls first: page config, navigation, data status and the global filters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from lib.errors import ExplorerError
from lib.filters import Filters
from lib.model import ListIndex, MentionModel, auto_frequency
from lib.tags import TagRecode, load_recode, tag_index
from lib.topics import TopicError, TopicSet, load_topics
from ui import state
from ui.config import replica_name
from ui.data import Source, active_source, model
from ui.gate import require_access, share_link
from ui.widgets import reset_filters, sidebar_filters

# (script, label, icon). Page file names are the deep-link URLs: keep them stable.
PAGES = (
    ("app.py", "Overview", ":material/home:"),
    ("pages/1_Dashboard.py", "Dashboard", ":material/monitoring:"),
    ("pages/2_Tags.py", "Tags", ":material/sell:"),
    ("pages/3_Text.py", "Text", ":material/notes:"),
    ("pages/4_Mentions.py", "Mentions", ":material/list:"),
    ("pages/5_Data.py", "Data", ":material/database:"),
    ("pages/6_Setup.py", "Setup", ":material/settings:"),
)


@dataclass(frozen=True)
class View:
    """What a page works with: the model, the filters and timezone, and the mentions they select."""

    source: Source
    model: MentionModel
    filters: Filters
    tz: str
    mask: np.ndarray
    recode: TagRecode
    tags: ListIndex  # the tag index with the recode applied: what every tag view and filter uses
    topics: TopicSet  # the saved text topics (a filter on every page)

    @property
    def bucket(self) -> str:
        """The time bucket that gives a readable number of bars for the view's dates (auto frequency)."""
        oldest, newest = self.model.date_bounds(self.tz)
        return auto_frequency(self.filters.start or oldest, self.filters.end or newest)

    @property
    def matched(self) -> int:
        return int(self.mask.sum())


def frame(title: str) -> View:
    st.set_page_config(page_title=f"{title} · Social Connect Explorer", page_icon=":material/forum:", layout="wide")
    require_access()
    try:
        source = active_source(state.prefer_demo())
        mentions = model(source)
    except ExplorerError as exc:  # the store is busy or unreadable: say so, lose nothing
        st.error(str(exc))
        st.stop()
    recode = load_recode(source.store.path)
    tags = tag_index(mentions, recode)
    try:
        topics = load_topics(source.store.path)
    except TopicError as exc:
        st.warning(f"The saved text topics could not be read: {exc}", icon=":material/warning:")
        topics = TopicSet()
    with st.sidebar:
        st.markdown("### Social Connect Explorer")
        for script, text, icon in PAGES:
            st.page_link(script, label=text, icon=icon)
        st.divider()
        count_slot = st.empty()
        new_filters, tz = sidebar_filters(mentions, title, tags, topics)
        st.button("Reset filters", on_click=reset_filters, width="stretch", icon=":material/restart_alt:")
        st.divider()
        st.caption(
            f"**Source:** {source.label}  \n{mentions.n:,} mentions · store version {mentions.version or '–'}"
            + (f"  \nServed by replica **{replica}**" if (replica := replica_name()) else "")
        )
    state.set_view(new_filters, tz)
    if link := share_link():
        with st.sidebar.expander("Share this view", icon=":material/link:"):
            st.code(link, language=None, wrap_lines=True)
            st.caption("Copy it (icon at the right): it opens this page with these filters and timezone.")
    mask = mentions.mask(new_filters, tz, tags, topics)
    count_slot.markdown(f"**{int(mask.sum()):,}** of {mentions.n:,} mentions match")
    if source.is_demo:
        st.info(
            "You are looking at **demo data** about a fictional airline. Import a file or pull from Qualtrics "
            "on the **Data** page to see your own mentions.",
            icon=":material/science:",
        )
    return View(source, mentions, new_filters, tz, mask, recode, tags, topics)
