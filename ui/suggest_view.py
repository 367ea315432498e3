"""The Text page's *Suggested topics* section: topics proposed from the filtered mentions' words, each with its
top words, size, examples and a query that reproduces it; *Add as topic* saves the query as a text topic.

Runs are cached per backend version, filters, number of topics and stopwords (shared by the sessions of the
server process, at most ``CACHED`` runs), so going back to a view costs nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd
import streamlit as st

from lib.errors import ExplorerError
from lib.queries.suggest import Suggested, suggested_topics, with_suggestion
from lib.text.suggest import Suggestion
from lib.text.terms import Stoplist
from lib.text.topics import load_topics, save_topics
from ui import state
from ui.escape import code, md
from ui.frame import View

SIZES = ("8", "12", "16", "20")
CACHED = 16
_cache: OrderedDict[tuple, Suggested] = OrderedDict()
_lock = threading.Lock()


def _run(view: View, k: int, stop: Stoplist) -> Suggested:
    key = (view.q.backend, view.q.version, view.scope, k, stop.key, view.source.store.path)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    bar = st.progress(0.0, text="Suggesting topics…")
    try:
        found = suggested_topics(view.q, view.scope, k, stop, progress=lambda f, text: bar.progress(f, text=text))
    finally:
        bar.empty()
    with _lock:
        _cache[key] = found
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return found


def _add(view: View, suggestion: Suggestion) -> None:
    try:
        topics, name = with_suggestion(load_topics(view.source.store.path), suggestion)
        save_topics(view.source.store.path, topics)
    except ExplorerError as exc:
        st.session_state["sce_suggest_note"] = ("error", str(exc))
        return
    st.session_state["sce_suggest_note"] = ("ok", name)


def section(view: View, stop: Stoplist) -> None:
    left, _ = st.columns([1, 3])
    k = int(state.page_select(left, "How many topics", "sk", SIZES, "12"))
    note = st.session_state.pop("sce_suggest_note", None)
    if note and note[0] == "ok":
        st.success(
            f"Saved as the text topic {md(note[1])}: see it on the Topics section, or pick it in the sidebar's "
            "*Text topic* filter.",
            icon=":material/check:",
        )
    elif note:
        st.error(md(note[1]))
    if view.matched < 40:
        st.info("Too few matching mentions to suggest topics (at least 40). Widen the filters in the sidebar.")
        return
    found = _run(view, k, stop)
    st.caption(
        "Topics found by non-negative matrix factorisation (scikit-learn's NMF) of the words of "
        + (
            f"a random sample of {len(found.keys):,} of the {found.matched:,} matching mentions (sizes are scaled "
            "up from the sample)"
            if found.sampled
            else f"the {found.matched:,} matching mentions"
        )
        + ". Stopwords of their languages and yours are left out, and so are words in more than half of them. "
        "Filter to one language in the sidebar for topics of that language."
    )
    if not found.suggestions:
        st.info("No topic stands out: too few words repeat across these mentions. Widen the filters.")
        return
    overview = pd.DataFrame(
        {
            "topic": [s.name for s in found.suggestions],
            "mentions": [found.estimate(s) for s in found.suggestions],
            "query": [s.query for s in found.suggestions],
            "query matches of its mentions": [s.recall for s in found.suggestions],
            "of what the query matches, in it": [s.precision for s in found.suggestions],
        }
    )
    st.dataframe(
        overview,
        hide_index=True,
        width="stretch",
        column_config={
            "mentions": st.column_config.NumberColumn(("about " if found.sampled else "") + "mentions"),
            "query matches of its mentions": st.column_config.NumberColumn(format="percent"),
            "of what the query matches, in it": st.column_config.NumberColumn(format="percent"),
        },
    )
    for number, suggestion in enumerate(found.suggestions, 1):
        _suggestion(view, found, number, suggestion)


def _suggestion(view: View, found: Suggested, number: int, suggestion: Suggestion) -> None:
    size = found.estimate(suggestion)
    with st.container(border=True, key=f"suggestion_{number}"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(
                f"**{number}. {md(suggestion.name)}** · {'about ' if found.sampled else ''}{size:,} mentions",
                width="stretch",
            )
            st.button(
                "Add as topic",
                key=f"suggest_add_{number}",
                on_click=_add,
                args=(view, suggestion),
                icon=":material/add:",
                width="content",
            )
        st.caption("Top words: " + ", ".join(md(t) for t in suggestion.terms))
        st.markdown(
            f"Query {code(suggestion.query)}: it matches **{suggestion.recall:.0%}** of this topic's mentions"
            f"{' in the sample' if found.sampled else ''}, and **{suggestion.precision:.0%}** of what it matches "
            "is this topic."
        )
        examples = pd.DataFrame({"example mentions": [found.texts[i] for i in suggestion.examples]})
        st.dataframe(
            examples,
            hide_index=True,
            width="stretch",
            column_config={"example mentions": st.column_config.TextColumn(width="large")},
        )
