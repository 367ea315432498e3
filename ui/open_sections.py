"""Dashboard sections that are asked and drawn only while open.

Sixteen charts redrawn on every filter change cost the browser more than a second (headless Chromium on the
2-core machine, 1M mentions: 1.3–2.2 s from a filter change to the charts settled with every section drawn,
0.8 s without the map, the cross-tab, the authors and the entities) and the server about a third of its rerun.
So those sections sit in expanders: closed, they ask nothing and draw nothing; opened, they rerun the page with
their charts. Which ones are open is kept in the session and in the URL (``open=countries&open=authors``), so a
shared link shows the same sections and a page switch keeps them; a link that carries one of a section's own
settings (the cross-tab's ``xrows``, say, from a link made before sections could close) opens that section.
"""

from __future__ import annotations

import streamlit as st

from ui import state

URL_KEY = "open"
NAMES = ("countries", "crosstab", "authors", "entities")  # the Dashboard's sections that can close
SESSION_KEY = "sce_page_open"  # a page setting: saved views and "forget the view" treat it as one


def _opened() -> list[str]:
    """The open sections, first read from the URL (names only: anything else is left out with a note)."""
    if SESSION_KEY not in st.session_state:
        asked = st.query_params.get_all(URL_KEY)
        for value in asked:
            if value not in NAMES:
                state.url_note(f"{URL_KEY}={value[:60]!r}: use one of {', '.join(NAMES)}")
        _write([value for value in asked if value in NAMES])  # the link keeps only what it could use
    return list(st.session_state[SESSION_KEY])


def _write(opened: list[str]) -> None:
    """Keep the open sections in the session and the URL (sorted, each once)."""
    st.session_state[SESSION_KEY] = sorted(set(opened))
    if st.query_params.get_all(URL_KEY) != st.session_state[SESSION_KEY]:
        if st.session_state[SESSION_KEY]:
            st.query_params[URL_KEY] = st.session_state[SESSION_KEY]
        else:
            del st.query_params[URL_KEY]


def _toggled(name: str) -> None:
    opened = [n for n in _opened() if n != name]
    if st.session_state.get(f"w_open_{name}"):
        opened.append(name)
    _write(opened)  # the page's share link is drawn after this callback, from the URL as it now is


def section(title: str, name: str, implied_by: tuple[str, ...] = ()):
    """An expander for the section ``name`` and whether it is open (draw into it only then)."""
    opened = _opened()
    if name not in opened and any(key in st.query_params for key in implied_by):
        opened.append(name)
        _write(opened)
    widget = f"w_open_{name}"
    if st.session_state.get(state.SEED_ALL_KEY) or widget not in st.session_state:
        st.session_state[widget] = name in opened
    # ``expanded`` stays False: it is part of the widget's identity, so the state is seeded above instead.
    box = st.expander(title, expanded=False, key=widget, on_change=_toggled, args=(name,))
    return box, bool(box.open)
