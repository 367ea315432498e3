"""The data the pages see: which store is active, and what answers the pages' questions about it (the
in-memory model, or an engine through Ibis on replicas with ``SCE_BACKEND``), shared by all sessions."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.errors import ExplorerError
from lib.queries.model import MentionModel
from lib.sources.ingest import ensure_demo_store
from lib.store.local import Store
from lib.store.snapshot import SnapshotStore
from ui.config import demo_store_path, engine_memory, shared_dir, store_path


@dataclass(frozen=True)
class Source:
    store: Store
    is_demo: bool

    @property
    def label(self) -> str:
        if self.is_demo:
            return "Demo data (Northwind Air, fictional)"
        if isinstance(self.store, SnapshotStore):
            return f"Shared snapshot {self.store.folder.name}"
        return f"Store {self.store.path.name}"

    @property
    def read_only(self) -> bool:
        """A replica's shared snapshot: pulls and imports are the scheduled writer's."""
        return isinstance(self.store, SnapshotStore)


@st.cache_resource(show_spinner="Preparing the demo data…")
def _demo_store(path: str) -> Store:
    # Once per server process: build the demo store from the shipped file if it isn't there yet.
    return ensure_demo_store(Store(path))


def active_source(prefer_demo: bool = False) -> Source:
    """The real store once anything was pulled or imported into it; the demo data until then (or if asked).
    With ``SCE_SHARED_DIR`` set (app replicas), the real store is the writer's newest shared snapshot."""
    folder = shared_dir()
    real = SnapshotStore(folder) if folder else Store(store_path())
    if real.version() and not prefer_demo:
        return Source(real, is_demo=False)
    return Source(_demo_store(str(demo_store_path())), is_demo=True)


# One model per store version, shared by every session of this server process (cache_resource, not
# cache_data: a cache_data hit would unpickle a copy of a million-row model on every rerun). The
# version is in the key, so a pull from the CLI or another process shows up on the next rerun; the
# old model is evicted by max_entries.
@st.cache_resource(max_entries=2, show_spinner="Loading mentions…")
def _model(path: str, version: str, snapshot: bool) -> MentionModel:
    loaded = MentionModel.from_store(SnapshotStore(path) if snapshot else Store(path))
    loaded.finder.warm_up()  # the text search's side tables, in the background: the first word search is quick
    return loaded


def model(source: Source) -> MentionModel:
    return _model(str(source.store.path), source.store.version(), source.read_only)


@st.cache_resource(show_spinner="Connecting to the query engine…")
def _engine(folder: str, engine: str):
    # One per server process: a DuckDB connection, or a Spark session (its JVM starts here, about 15 s).
    # Imported here: Ibis is not needed (nor its import time paid) where the model answers.
    try:
        from lib.queries.engine import IbisStore
    except ModuleNotFoundError as exc:
        raise ExplorerError(
            f"SCE_BACKEND={engine} needs the engine packages ({exc.name} is missing): "
            "pip install -r requirements-engines.txt, or unset SCE_BACKEND to answer from memory."
        ) from None
    # A new snapshot version loads in the background while its Parquet files answer: no rerun waits for a load.
    return IbisStore(folder, engine, memory_limit=engine_memory(), background=True)


def engine(source: Source, backend: str):
    """The engine that reads ``source``'s shared snapshot (``source.read_only`` only)."""
    assert isinstance(source.store, SnapshotStore)
    return _engine(str(source.store.folder), backend)
