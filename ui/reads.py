"""Reads of the store that a write in progress must not turn into a traceback.

A pull or an import keeps readers out of the store only while it copies its rows in (lib/store/staging.py), but a
reader that comes then waits a few seconds and gets ``StoreBusy``. Pages read through ``last_good``: the
answer, or else the last answer this server process read for the same question, with a note that says so.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
import streamlit as st

from lib.queries import rows as lib_mentions
from lib.store.local import StoreBusy

if TYPE_CHECKING:
    from ui.frame import View

T = TypeVar("T")
_LAST: OrderedDict[Hashable, object] = OrderedDict()
_KEEP = 256  # answers kept: small ones (a page of rows, a count, the log)
BUSY_NOTE = (
    "A pull or an import is saving its mentions right now: this shows what the store held before it, and "
    "updates once the write is done (in a few seconds)."
)


def last_good(key: Hashable, read: Callable[[], T], default: T) -> tuple[T, bool]:
    """``read()``, remembered under ``key``; while the store is busy, the last answer (or ``default``) and
    True for "stale"."""
    try:
        value = read()
    except StoreBusy:
        return _LAST.get(key, default), True  # type: ignore[return-value]
    _LAST[key] = value
    _LAST.move_to_end(key)
    while len(_LAST) > _KEEP:
        _LAST.popitem(last=False)
    return value, False


def busy_note() -> None:
    st.caption(f":material/hourglass_top: {BUSY_NOTE}")


def mention_rows(view: View, keys) -> pd.DataFrame:
    """The table rows of ``keys`` (lib/queries/rows.py), or the last ones read while the store is busy."""
    store = view.source.store
    key = ("rows", str(store.path), view.q.version, tuple(keys), view.tz, view.recode.key())
    rows, stale = last_good(key, lambda: lib_mentions.mention_rows(store, keys, view.tz, view.tag_names), None)
    if stale:
        busy_note()
    if rows is None:
        return lib_mentions.mention_rows(store, [], view.tz)
    return rows


def mention(view: View, unique_id: str) -> dict | None:
    """Every field of one mention, or the last read of it while the store is busy."""
    store = view.source.store
    found, stale = last_good(
        ("mention", str(store.path), view.q.version, unique_id), lambda: lib_mentions.mention(store, unique_id), None
    )
    if stale:
        busy_note()
    return found


def setting(store, key: str, default: str) -> str:
    """A store setting; while the store is busy, the last value read (or ``default``), with the note."""
    value, stale = last_good(("setting", str(store.path), key), lambda: store.setting(key, default), default)
    if stale:
        busy_note()
    return value
