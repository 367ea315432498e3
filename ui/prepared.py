"""Files a button prepares (the CSV export, the notebook zip) kept in the session for the view they were made for:
a rerun of the same view (a timer, a click elsewhere, a lost race) keeps the download offered; a changed view,
changed options or new data drop it, and the button is offered again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def prepared(name: str, made_for: object, ask: Callable[[], bool], make: Callable[[], T]) -> T | None:
    """What ``make`` returned for ``made_for`` (anything with a faithful repr), or None until ``ask()`` (the
    button) says to make it. Errors from ``make`` are the caller's to show; nothing is kept then."""
    signature = repr(made_for)
    held = st.session_state.get(name)
    if held is not None and held[0] == signature:
        return held[1]
    st.session_state.pop(name, None)  # one file a session: a stale one is not held in memory
    if not ask():
        return None
    made = make()
    st.session_state[name] = (signature, made)
    return made
