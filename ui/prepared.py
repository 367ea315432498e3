"""Files a button prepares (the CSV export, the notebook zip) kept in the session for the view they were made for:
a rerun of the same view (a timer, a click elsewhere, a lost race) keeps the download offered; a changed view,
changed options or new data drop it, and the button is offered again. A file made on one page is dropped when a
run of another page starts (``new_run``, called by the frame): a session holds only what its page still offers.
A run cut short by the next click drops nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")
PREFIX = "prepared:"  # session state keys: PREFIX + name → (the view it was made for, the file, its page)
PAGE = "prepared_page"  # session state: the page of the current script run


def new_run(page: str) -> None:
    """At the start of each script run of ``page``: drop the files made on other pages."""
    st.session_state[PAGE] = page
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(PREFIX)]:
        if st.session_state[key][2] != page:
            del st.session_state[key]


def prepared(name: str, made_for: object, ask: Callable[[], bool], make: Callable[[], T]) -> T | None:
    """What ``make`` returned for ``made_for`` (anything with a faithful repr), or None until ``ask()`` (the
    button) says to make it. Errors from ``make`` are the caller's to show; nothing is kept then."""
    key, signature = PREFIX + name, repr(made_for)
    held = st.session_state.get(key)
    if held is not None and held[0] == signature:
        return held[1]
    st.session_state.pop(key, None)  # one file a name: a stale one is not held in memory
    slot = st.empty()  # the button, removed once the file is made: the download takes its place in this run
    with slot.container():
        if not ask():
            return None
    made = make()
    slot.empty()
    st.session_state[key] = (signature, made, st.session_state.get(PAGE, ""))
    return made
