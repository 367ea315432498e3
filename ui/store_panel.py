"""The Data page's view of the stores: the shared snapshot a replica reads, your own store (its count, and the
switch to the demo data) and the log of pulls and imports, each read through ``reads.last_good`` so that a writer
holding the store leaves the last good figures on screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from lib.store.local import Store
from lib.store.snapshot import SnapshotStore
from ui import reads, state
from ui.config import store_path
from ui.escape import code, md

if TYPE_CHECKING:
    from ui.frame import View


def shared_snapshot(folder: Path) -> None:
    """What a replica shows: the snapshot it reads and the writer's log (pulls and imports are the writer's)."""
    shared = SnapshotStore(folder)
    st.info(
        f"This app reads the shared snapshot in {code(folder)} (one of several replicas). The scheduled writer, "
        "`python -m lib pull --publish`, pulls and imports and then publishes a new snapshot, which every replica "
        "shows on its next interaction.",
        icon=":material/dns:",
    )
    if shared.exists():
        st.markdown(f"**Snapshot** {md(shared.version())} · {shared.count():,} mentions")
        st.subheader("Pulls and imports, as the writer logged them")
        st.dataframe(shared.log(), hide_index=True, width="stretch")
    else:
        st.warning("No snapshot has been published yet: run the writer once (see the README, Running for a team).")


def your_store(view: View) -> Store:
    """The line that says what is shown and what your store holds; the demo switch once it has data."""
    real = Store(store_path())
    version = real.version()
    count, stale = (
        (view.q.n, False)
        if view.source.store.path == real.path
        else reads.last_good(("count", str(real.path), version), real.count, 0)
    )
    st.markdown(
        f"**Showing:** {md(view.source.label)} · {view.q.n:,} mentions  \n**Your store:** {code(real.path)} · "
        + (f"{count:,} mentions" if version else "empty, so the app shows the demo data")
    )
    if stale:
        reads.busy_note()
    if version:
        st.toggle(
            "Show the demo data instead of your store",
            key="w_demo",
            value=view.source.is_demo,
            on_change=state.toggle_demo,
        )
    return real


def logs(view: View, real: Store) -> None:
    """The pulls and imports of your store (and of the demo store while it is shown)."""
    for name, store in (("Your store", real), ("Demo store", view.source.store if view.source.is_demo else None)):
        if store is not None and store.exists():
            st.markdown(f"**{name}** · {code(store.path)}")
            log, stale = reads.last_good(("log", str(store.path), store.version()), store.log, None)
            if stale:
                reads.busy_note()
            if log is not None:
                st.dataframe(log, hide_index=True, width="stretch")
