"""The answers an engine replica keeps: the least recently used dropped first.

A Dashboard rerun asks the same few queries about one scope, and analysts on a team come back to the same
views; a DuckDB replica (lib/queries/engine_sql.py) keeps each answer per snapshot version and per exact SQL
and parameters, so a scope asked again costs no query, and two different scopes never share an answer.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from lib.cache import LockedLRU

CACHED_ANSWERS = 512  # per process: a few hundred small frames (a scope's per-author counts is the largest)


class AnswerCache(LockedLRU[Hashable, Any]):
    """Answers per (snapshot version, SQL, parameters), the least recently used dropped first, behind the lock
    of lib/cache.py like the model's caches (``hits`` and ``misses`` count look-ups)."""

    def __init__(self, size: int = CACHED_ANSWERS):
        super().__init__(size)
