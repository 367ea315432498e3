"""The answers an engine replica keeps: the least recently used dropped first.

A Dashboard rerun asks the same few queries about one scope, and analysts on a team come back to the same
views; a DuckDB replica (lib/queries/engine_sql.py) keeps each answer per snapshot version and per exact SQL
and parameters, so a scope asked again costs no query, and two different scopes never share an answer.
"""

from __future__ import annotations

from collections import OrderedDict

CACHED_ANSWERS = 512  # per process: a few hundred small frames (a scope's per-author counts is the largest)


class AnswerCache:
    """Answers per (snapshot version, SQL, parameters), the least recently used dropped first. Thread-safe
    under the store's lock (every call is made holding it)."""

    def __init__(self, size: int = CACHED_ANSWERS):
        self.size = size
        self.items: OrderedDict[object, object] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key, compute):
        if key in self.items:
            self.items.move_to_end(key)
            self.hits += 1
            return self.items[key]
        self.misses += 1
        value = self.items[key] = compute()
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        self.items.clear()
