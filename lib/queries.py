"""The query interface the dashboards ask, and its in-memory answer.

A page asks questions about a ``Scope`` (the global filters, the display timezone, and what a drill-down
narrows them to) and gets small answers back: a count, counts per value, a cross-tab, volume per time
bucket, a page of keys. Two backends answer the same questions, chosen by ``SCE_BACKEND``:

- ``ModelQueries`` (here, the default): the in-memory model (lib/model.py), a few ms per answer, at the cost
  of holding every mention in each app process (about 0.85 GB per million mentions).
- ``EngineQueries`` (lib/ibis_store.py): DuckDB over the shared Parquet snapshot, or Spark, through Ibis;
  each answer is a query, and the app process holds only the answers.

tests/test_backends.py runs one set of questions on every backend and expects the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

import numpy as np
import pandas as pd

from lib.filters import Filters
from lib.model import ListIndex, MentionModel
from lib.tags import by_column, cooccurrence, raw_counts
from lib.topics import TopicSet

BACKENDS = ("model", "duckdb", "spark")


@dataclass(frozen=True)
class Scope:
    """The mentions a question is about: ``filters`` in ``tz``, narrowed by drill-downs.

    ``within`` holds (column, values) pairs, each keeping the mentions with any of the values (a list column
    such as ``tags`` or ``hashtags`` included); ``buckets`` holds time buckets (naive wall-clock start in
    ``tz``, frequency), keeping the mentions in any of them.
    """

    filters: Filters = Filters()  # noqa: RUF009  (frozen: one shared value is safe)
    tz: str = "UTC"
    within: tuple[tuple[str, tuple[str, ...]], ...] = ()
    buckets: tuple[tuple[pd.Timestamp, str], ...] = ()

    def narrowed(self, column: str, values: tuple[str, ...]) -> Scope:
        return replace(self, within=(*self.within, (column, tuple(values))))

    def in_buckets(self, starts: list, freq: str) -> Scope:
        return replace(self, buckets=tuple((pd.Timestamp(s), freq) for s in starts))


def bucket_end(start: pd.Timestamp, freq: str) -> pd.Timestamp:
    """The (exclusive) end of the time bucket that starts at ``start``."""
    if freq == "month":
        return start + pd.DateOffset(months=1)
    return start + pd.Timedelta({"hour": "1h", "day": "1D", "week": "7D"}[freq])


class Queries(Protocol):
    """What the dashboards ask. Counts are of mentions; ``counts`` and ``crosstab`` leave zeros out."""

    backend: str
    n: int  # every mention in the data
    version: str  # the store (or snapshot) version the answers are from

    def date_bounds(self, tz: str) -> tuple[date, date]: ...
    def facet_values(self, column: str) -> list[str]: ...
    def top_values(self, column: str, top: int) -> list[str]: ...
    def tag_options(self) -> list[str]: ...
    def count(self, scope: Scope) -> int: ...
    def kpis(self, scope: Scope) -> dict[str, float | int]: ...
    def counts(self, scope: Scope, column: str, top: int | None = None) -> pd.DataFrame: ...
    def crosstab(self, scope: Scope, rows: str, columns: str, top: int = 12) -> pd.DataFrame: ...
    def author_counts(self, scope: Scope) -> np.ndarray: ...
    def volume(self, scope: Scope, freq: str, split: str | None, top: int = 8) -> pd.DataFrame: ...
    def keys(self, scope: Scope, limit: int) -> list[str]: ...
    def raw_tags(self) -> pd.DataFrame: ...
    def tag_crosstab(self, scope: Scope, tags: list[str], column: str) -> pd.DataFrame: ...
    def cooccurrence(self, scope: Scope, tags: list[str]) -> pd.DataFrame: ...


def untagged(q: Queries, scope: Scope) -> int:
    """Mentions of ``scope`` without any tag (after the recode: an excluded tag is no tag)."""
    names = tuple(q.tag_options())
    return q.count(scope) - (q.count(scope.narrowed("tags", names)) if names else 0)


def series_volume(q: Queries, scopes: dict[str, Scope], freq: str) -> pd.DataFrame:
    """Mentions per time bucket for each named scope (a tag, a term, a topic): columns bucket, series, mentions."""
    frames = [q.volume(scope, freq, None).assign(series=name) for name, scope in scopes.items()]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["bucket", "series", "mentions"])
    return pd.concat(frames, ignore_index=True)


class ModelQueries:
    """The answers of the in-memory model. ``tags`` is the recoded tag index the views use, ``topics`` the
    saved text topics that ``Filters.text_topics`` names."""

    backend = "model"

    def __init__(self, model: MentionModel, tags: ListIndex | None = None, topics: TopicSet | None = None):
        self.model, self.tags, self.topics = model, tags or model.tags, topics or TopicSet()
        self.n, self.version = model.n, model.version
        self._last: tuple[Scope, np.ndarray] | None = None

    def mask(self, scope: Scope) -> np.ndarray:
        """The mentions of ``scope`` as a boolean mask. The last one is kept: a page asks many questions of
        one scope, and the model caches its selection per mask object."""
        if self._last is not None and self._last[0] == scope:
            return self._last[1]
        m = self.model
        keep = m.mask(scope.filters, scope.tz, self.tags, self.topics)
        for column, values in scope.within:
            keep = keep & (self.tags.mask(values) if column == "tags" else m.value_mask(column, values))
        if scope.buckets:
            any_bucket = np.zeros(m.n, dtype=bool)
            for start, freq in scope.buckets:
                any_bucket |= m.bucket_mask(np.datetime64(start), freq, scope.tz)
            keep = keep & any_bucket
        self._last = (scope, keep)
        return keep

    def date_bounds(self, tz: str) -> tuple[date, date]:
        return self.model.date_bounds(tz)

    def facet_values(self, column: str) -> list[str]:
        return self.model.facet_values(column)

    def top_values(self, column: str, top: int) -> list[str]:
        return self.model.top_values(column, top)

    def tag_options(self) -> list[str]:
        counts = self.tags.counts(None)
        return [str(v) for v in self.tags.values.values[np.argsort(-counts, kind="stable")]]

    def count(self, scope: Scope) -> int:
        return int(np.count_nonzero(self.mask(scope)))

    def kpis(self, scope: Scope) -> dict[str, float | int]:
        return self.model.kpis(self.mask(scope))

    def counts(self, scope: Scope, column: str, top: int | None = None) -> pd.DataFrame:
        if column != "tags":
            return self.model.counts(column, self.mask(scope), top)
        counts = self.tags.counts(self.model.selection(self.mask(scope)))
        order = np.argsort(-counts, kind="stable")
        order = order[counts[order] > 0][:top]
        return pd.DataFrame({"value": self.tags.values.values[order], "mentions": counts[order]})

    def crosstab(self, scope: Scope, rows: str, columns: str, top: int = 12) -> pd.DataFrame:
        return self.model.crosstab(rows, columns, self.mask(scope), top)

    def author_counts(self, scope: Scope) -> np.ndarray:
        per_author, names = self.model.value_counts("authorName", self.mask(scope))
        return per_author[(names != "") & (per_author > 0)]

    def volume(self, scope: Scope, freq: str, split: str | None, top: int = 8) -> pd.DataFrame:
        return self.model.volume(self.mask(scope), freq, split, scope.tz, top)

    def keys(self, scope: Scope, limit: int) -> list[str]:
        return self.model.page(self.mask(scope), limit=limit).tolist()

    def raw_tags(self) -> pd.DataFrame:
        return raw_counts(self.model.tags)

    def tag_crosstab(self, scope: Scope, tags: list[str], column: str) -> pd.DataFrame:
        return by_column(self.tags, self.model, column, self.mask(scope), tags)

    def cooccurrence(self, scope: Scope, tags: list[str]) -> pd.DataFrame:
        return cooccurrence(self.tags, self.mask(scope), tags)
