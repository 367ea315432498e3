"""A small least-recently-used map behind a lock, for the values the shared model derives and keeps.

The in-memory model is one object for every session of a server (``st.cache_resource``), so concurrent reruns
read and fill its caches at once. A plain dict is not enough: evicting walks the keys while another thread
inserts. Here every look-up and insertion holds the lock, and a missing value is built *outside* it, so one slow
build (a text scan of a million mentions) never stalls the other sessions' hits; two threads that miss the same
key at once both build it and the first one stored wins, which is harmless for the pure values kept here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LockedLRU(Generic[K, V]):
    """At most ``size`` values, the least recently used evicted first."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError("an LRU keeps at least one value")
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0  # look-ups answered from the map, and values built

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The value of ``key``, built by ``build()`` if it is not kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = build()
        with self._lock:
            value = self._items.setdefault(key, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
