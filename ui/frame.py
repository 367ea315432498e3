"""The frame every page calls first: page config, navigation, data status and the global filters."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.errors import ExplorerError
from lib.queries.buckets import auto_frequency
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Queries, Scope
from lib.queries.tags import TagRecode, load_recode, tag_index, tag_names
from lib.text.topics import TopicError, TopicSet, load_topics
from ui import prepared, saved_views, state
from ui.config import backend, replica_name
from ui.data import Source, active_source, engine, model
from ui.escape import code, md
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
PAGE_SCRIPTS = {text: script for script, text, _ in PAGES}  # a page's title -> its script (saved views)
PAGE_ICON = "💬"
FRESHNESS_SECONDS = 30
ENGINE_LABELS = {"duckdb": "DuckDB over the snapshot", "spark": "Spark"}


@dataclass
class View:
    """What a page works with: the filters and timezone (``scope``) and the questions about them (``q``, on
    whichever backend answers: lib/queries/interface.py), with the store's tag recode and text topics."""

    source: Source
    q: Queries
    filters: Filters
    tz: str
    recode: TagRecode
    topics: TopicSet
    scope: Scope = field(init=False)

    def __post_init__(self) -> None:
        self.scope = Scope(self.filters, self.tz)

    @property
    def bucket(self) -> str:
        """The time bucket that gives a readable number of bars for the view's dates (auto frequency)."""
        oldest, newest = self.q.date_bounds(self.tz)
        return auto_frequency(self.filters.start or oldest, self.filters.end or newest)

    @cached_property
    def matched(self) -> int:
        return self.q.count(self.scope)

    @cached_property
    def tag_names(self) -> dict[str, str | None]:
        """Each raw tag value's name under the store's recode: tags everywhere are shown as the Tags page
        shows them."""
        return tag_names(self.q.raw_tags(), self.recode)


@st.fragment(run_every=FRESHNESS_SECONDS)
def _freshness(source: Source, shown: str) -> None:
    """Every FRESHNESS_SECONDS, a look at the store's version (a file read): when a pull or the writer has
    brought new mentions, say so, with a button that shows them.

    A fragment that runs on a timer also makes Streamlit's browser side rerun the page as soon as its websocket
    reconnects, which it otherwise waits for the next click to do: when a replica dies, its analysts see the
    same view come back from another replica by themselves."""
    try:
        current = source.store.version()
    except ExplorerError:  # busy or moved: the next look will tell
        return
    if current and current != shown:
        st.info("New mentions are in.", icon=":material/update:")
        if st.button("Show them", key="show_new_mentions", icon=":material/refresh:"):
            st.rerun(scope="app")


def _queries(source: Source, recode: TagRecode, topics: TopicSet) -> Queries:
    """The backend that answers: an engine on a replica configured for one, else the in-memory model."""
    chosen = backend()
    if chosen != "model" and source.read_only:
        return engine(source, chosen).queries(recode, topics)
    if chosen != "model" and not source.is_demo:
        st.sidebar.caption(
            f"SCE_BACKEND={chosen} applies to replicas that read a shared snapshot (SCE_SHARED_DIR); "
            "this app answers from its in-memory model."
        )
    mentions = model(source)
    return ModelQueries(mentions, tag_index(mentions, recode), topics)


def _load(title: str) -> tuple[Source, TagRecode, TopicSet, Queries]:
    """The active store, its tag recode and text topics, and the backend that answers; a ?view=<id> link opened.
    A store that is busy or unreadable, or a wrong setting, is said and stops the page."""
    try:
        source = active_source(state.prefer_demo())
        recode = load_recode(source.store.path)
        try:
            topics = load_topics(source.store.path)
        except TopicError as exc:
            st.warning(f"The saved text topics could not be read: {md(exc)}", icon=":material/warning:")
            topics = TopicSet()
        q = _queries(source, recode, topics)
    except (ExplorerError, ValueError) as exc:  # the store is busy or unreadable, a setting is wrong: say so
        st.error(md(exc))
        st.stop()
    saved_views.open_from_link(source.store.path, q, title, PAGE_SCRIPTS)  # a ?view=<id> link
    return source, recode, topics, q


def _navigation() -> None:
    st.markdown("### Social Connect Explorer")
    for script, text, icon in PAGES:
        st.page_link(script, label=text, icon=icon)
    st.divider()


def _status(source: Source, q: Queries) -> None:
    """Which data the page shows and who answers, and a look at the store's freshness."""
    st.divider()
    st.caption(
        f"**Source:** {md(source.label)}  \n{q.n:,} mentions · store version {md(q.version or '–')}"
        + (f"  \nAnswered by **{ENGINE_LABELS[q.backend]}**" if q.backend != "model" else "")
        + (" (its own copy loads: the Parquet files answer meanwhile)" if getattr(q, "loading", False) else "")
        + (f"  \nServed by replica **{md(replica)}**" if (replica := replica_name()) else "")
    )
    _freshness(source, q.version)


def _sidebar(
    title: str, source: Source, q: Queries, topics: TopicSet
) -> tuple[Filters, str, DeltaGenerator, DeltaGenerator]:
    """The sidebar: navigation, the filters (read from the widgets, the session and the URL), comparison and
    saved views, the data's status. Returns the filters, the timezone, the slot of the match count and the one
    under it for the view's link and notebook (at the top: under the filters they were a long scroll away)."""
    with st.sidebar:
        _navigation()
        count_slot = st.empty()
        tools = st.container()
        filters, tz = sidebar_filters(q, title, topics)
        st.button("Reset filters", on_click=reset_filters, width="stretch", icon=":material/restart_alt:")
        from ui import compare  # here: ui.compare draws charts through ui.blocks, which imports this module

        compare.sidebar_switch(Scope(filters, tz))
        saved_views.sidebar(source.store.path, q, title, PAGE_SCRIPTS)
        _status(source, q)
    return filters, tz, count_slot, tools


def _share_link(tools: DeltaGenerator) -> None:
    """The view's link in the sidebar (when sharing is on), kept current as page settings change the URL."""
    slot = None
    if share_link():
        with tools.expander("Share this view", icon=":material/link:"):
            slot = st.empty()
            st.caption(
                "Copy it (icon at the right): it opens this page as you see it, with these filters, timezone and "
                "page settings. A bar or point you clicked is not in the link: press *Filter to this* under it "
                "first, and the link shows those mentions."
            )
    state.share_in(slot)  # written now, and again whenever a page setting changes the URL during this run


def _summary(view: View, title: str, count_slot: DeltaGenerator, tools: DeltaGenerator) -> None:
    """The notebook offer, the match count, and a note on demo data."""
    if title not in ("Data", "Setup"):
        from ui import notebook_offer  # here: it imports View from this module

        with tools:
            notebook_offer.offer(view, title)
    line = f"**{view.matched:,}** of {view.q.n:,} mentions match"
    if view.filters.copies_once:  # what the switch hides, so that the smaller numbers are not a surprise
        every = Scope(replace(view.filters, copies_once=False), view.tz)
        hidden = view.q.count(every) - view.matched
        line += f", copies counted once ({hidden:,} later {'copy' if hidden == 1 else 'copies'} not counted)"
    count_slot.markdown(line)
    if not view.matched and view.q.n and title not in ("Data", "Setup"):
        st.warning(nothing_matches(view.filters), icon=":material/filter_alt_off:")
    if view.source.is_demo:
        st.info(
            "You are looking at **demo data** about a fictional airline. Import a file or pull from Qualtrics "
            "on the **Data** page to see your own mentions.",
            icon=":material/science:",
        )


def nothing_matches(filters: Filters) -> str:
    """Why a view is empty, and what to do: the search, the other filters, or both together."""
    named = {"start": "dates", "end": "dates", "source_types": "source types", "message_types": "message types"}
    skipped = ("text", "tag_mode", "copies_once")
    others = list(dict.fromkeys(named.get(n, n.replace("_", " ")) for n in filters.active() if n not in skipped))
    listed = f" ({', '.join(others)})" if others else ""
    if filters.text and others:
        return (
            f"No mention matches the search {code(filters.text)} together with the other filters{listed}. "
            "Clear the other filters to see what the search finds alone, or change the search."
        )
    if filters.text:
        return (
            f"No mention matches the search {code(filters.text)}. Check its spelling, search for fewer words, or "
            "end a word with `*` to match every word that starts so (`refund*`)."
        )
    return f"No mention matches these filters{listed}. Widen or clear them in the sidebar (*Reset filters*)."


def frame(title: str) -> View:
    """What every page calls first: the page's settings, access, the data and the backend that answers, the
    sidebar (filters read from the widgets and the URL, status, freshness), the shared link; returns the View."""
    # An emoji page icon: Streamlit draws it as an inline SVG. A :material/…: page icon would make every browser
    # fetch it from Google's font CDN (the icons inside pages come from Streamlit's own bundled font).
    st.set_page_config(page_title=f"{title} · Social Connect Explorer", page_icon=PAGE_ICON, layout="wide")
    require_access()
    state.forget_share_slot()  # the last run's element: writing to it now would break the new page's tree
    prepared.new_run(title)
    state.notes_slot(title)
    source, recode, topics, q = _load(title)
    filters, tz, count_slot, tools = _sidebar(title, source, q, topics)
    state.set_view(filters, tz)
    _share_link(tools)
    view = View(source, q, filters, tz, recode, topics)
    _summary(view, title, count_slot, tools)
    return view
