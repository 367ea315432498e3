"""Where the data lives. One door for settings: environment first, then ``st.secrets``, then defaults."""

from __future__ import annotations

import os
import re
from pathlib import Path

import streamlit as st

from lib.paths import default_data_dir


def setting(name: str, default: str = "") -> str:
    """A non-secret setting from the environment or ``secrets.toml`` (``[explorer]`` table)."""
    if value := os.environ.get(name):
        return value
    try:
        section = st.secrets.get("explorer", {})
    except FileNotFoundError:  # no secrets.toml at all: fine for a laptop
        section = {}
    return str(section.get(name.lower().removeprefix("sce_"), default))


def data_dir() -> Path:
    """The data folder (``SCE_DATA_DIR``; default ``data/`` in the project, git-ignored)."""
    return Path(setting("SCE_DATA_DIR", str(default_data_dir()))).expanduser()


def store_path() -> Path:
    """The store that pulls and imports write (``SCE_STORE``; default ``<data dir>/mentions.duckdb``)."""
    return Path(setting("SCE_STORE", str(data_dir() / "mentions.duckdb"))).expanduser()


def demo_store_path() -> Path:
    """The demo store, built from the shipped demo file on first use; kept apart from real data."""
    return data_dir() / "demo.duckdb"


def shared_dir() -> Path | None:
    """``SCE_SHARED_DIR``: on app replicas, the folder of Parquet snapshots the scheduled writer publishes."""
    value = setting("SCE_SHARED_DIR")
    return Path(value).expanduser() if value else None


def replica_name() -> str:
    """``SCE_REPLICA``: a name for this app process, shown in the sidebar when several serve one site."""
    return setting("SCE_REPLICA")


def backend() -> str:
    """``SCE_BACKEND``: what answers the dashboards' questions on a replica that reads a shared snapshot.

    ``model`` (default) loads every mention into this process; ``duckdb`` and ``spark`` ask the engine
    through Ibis and hold only the answers (lib/queries/interface.py). Anything else is refused with the choices.
    """
    from lib.queries.interface import BACKENDS

    value = setting("SCE_BACKEND", "model").strip().lower()
    if value not in BACKENDS:
        raise ValueError(f"SCE_BACKEND={value!r} is not a backend; use one of {', '.join(BACKENDS)}.")
    return value


def engine_memory() -> str:
    """``SCE_ENGINE_MEMORY``: DuckDB's memory limit on a ``duckdb`` replica (default 1GB); the snapshot it loads
    stays on the replica's disk beyond it. A size as DuckDB reads it: ``512MB``, ``2GB``."""
    from lib.queries.engine import MEMORY_LIMIT

    value = setting("SCE_ENGINE_MEMORY", MEMORY_LIMIT).strip().replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d+)?[KMGT]i?B", value, re.IGNORECASE):
        raise ValueError(f"SCE_ENGINE_MEMORY={value!r} is not a size; write it as 512MB or 2GB.")
    return value
