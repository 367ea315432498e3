"""The query interface the dashboards ask, and its in-memory answer.

A page asks questions about a ``Scope`` (the global filters, the display timezone, and what a drill-down
narrows them to) and gets small answers back: a count, counts per value, a cross-tab, volume per time
bucket, a page of keys. Two implementations answer the same questions (three backends, chosen by
``SCE_BACKEND``):

- ``ModelQueries`` (here, the default): the in-memory model (lib/queries/model.py), a few ms per answer, at the cost
  of holding every mention's columns, indexes and term matrix in each app process (not the texts: they stay in
  the store, lib/queries/text_search.py).
- ``EngineQueries`` (lib/queries/engine.py): DuckDB over the shared Parquet snapshot, or Spark, through Ibis;
  each answer is a query, and the app process holds only the answers.

tests/test_backends.py runs one set of questions on every backend and expects the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

import numpy as np
import pandas as pd

from lib.queries.buckets import VOLUME_SERIES
from lib.queries.clusters import first_copies
from lib.queries.filters import Filters
from lib.queries.model import ListIndex, MentionModel, top_order
from lib.queries.sentiment_check import disagreements, five_level_codes, level_grid, social_codes
from lib.queries.tags import by_column, cooccurrence, raw_counts
from lib.text.kwic import sample_rows
from lib.text.terms import TermIndex
from lib.text.topics import TopicSet, clause_queries, topic_query

BACKENDS = ("model", "duckdb", "spark")
TEXT = "text"  # a pseudo-column of Scope.within: the mentions that satisfy a text query


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

    def searching(self, query: str) -> Scope:
        """Only the mentions whose text satisfies ``query`` (the query language of lib/text/boolean_query.py)."""
        return self.narrowed(TEXT, (query,))

    def in_buckets(self, starts: list, freq: str) -> Scope:
        return replace(self, buckets=tuple((pd.Timestamp(s), freq) for s in starts))


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
    def counts_many(self, scope: Scope, columns: list[str], top: int | None = None) -> dict[str, pd.DataFrame]: ...
    def crosstab(self, scope: Scope, rows: str, columns: str, top: int = 12) -> pd.DataFrame: ...
    def author_counts(self, scope: Scope) -> np.ndarray: ...
    def volume(self, scope: Scope, freq: str, split: str | None, top: int = VOLUME_SERIES) -> pd.DataFrame: ...
    def keys(self, scope: Scope, limit: int) -> list[str]: ...
    def raw_tags(self) -> pd.DataFrame: ...
    def tag_crosstab(self, scope: Scope, tags: list[str], column: str) -> pd.DataFrame: ...
    def cooccurrence(self, scope: Scope, tags: list[str]) -> pd.DataFrame: ...
    def vocabulary(self) -> TermIndex: ...
    def term_counts(self, scope: Scope, which: str = "terms") -> np.ndarray: ...
    def texts(self, scope: Scope, limit: int, seed: int | None = None) -> list[tuple[str, str]]: ...
    def sentiment_grid(self, scope: Scope) -> pd.DataFrame: ...
    def disagreeing(self, scope: Scope, size: int, seed: int) -> pd.DataFrame: ...


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


def topic_scopes(scope: Scope, topics: TopicSet) -> dict[str, Scope]:
    """Each topic's mentions within ``scope`` (a parent's: its own query's or any child's), by name."""
    scopes = {}
    for topic in topics.topics:
        query = topic_query(topics, topic.name)
        scopes[topic.name] = scope.searching(query) if query else scope.narrowed("messageSentiment", ())  # none
    return scopes


def topic_counts(q: Queries, scope: Scope, topics: TopicSet) -> pd.DataFrame:
    """Per topic: parent, query, mentions within ``scope`` and their share of it."""
    selected = q.count(scope)
    rows = []
    for topic, narrowed in zip(topics.topics, topic_scopes(scope, topics).values(), strict=True):
        hits = q.count(narrowed)
        share = hits / selected if selected else float("nan")
        rows.append(
            {"topic": topic.name, "parent": topic.parent, "query": topic.query, "mentions": hits, "share": share}
        )
    return pd.DataFrame(rows, columns=["topic", "parent", "query", "mentions", "share"])


def clauses(q: Queries, scope: Scope, query: str) -> pd.DataFrame:
    """The per-clause debugger (lib/topics.clause_queries), counted within ``scope``; ``attrs["total"]`` is
    what the whole query matches."""
    rows = [
        {
            "clause": clause,
            "alone": q.count(scope.searching(clause)),
            "effect": meaning,
            "mentions": q.count(scope.searching(change)) if change else 0,
        }
        for clause, change, meaning in clause_queries(query)
    ]
    frame = pd.DataFrame(rows, columns=["clause", "alone", "effect", "mentions"])
    frame.attrs["total"] = q.count(scope.searching(query))
    return frame


class ModelQueries:
    """The answers of the in-memory model. ``tags`` is the recoded tag index the views use, ``topics`` the
    saved text topics that ``Filters.text_topics`` names."""

    backend = "model"

    def __init__(self, model: MentionModel, tags: ListIndex | None = None, topics: TopicSet | None = None):
        self.model, self.tags, self.topics = model, tags or model.tags, topics or TopicSet()
        self.n, self.version = model.n, model.version
        self._last: tuple[Scope, np.ndarray] | None = None
        self._base: tuple[Scope, np.ndarray] | None = None

    def mask(self, scope: Scope) -> np.ndarray:
        """The mentions of ``scope`` as a boolean mask. The last one is kept (a page asks many questions of one
        scope, and the model caches its selection per mask object), and so is the last filters' mask that
        drill-downs, terms and topics narrow."""
        if self._last is not None and self._last[0] == scope:
            return self._last[1]
        m = self.model
        base = Scope(scope.filters, scope.tz)
        if self._base is None or self._base[0] != base:
            self._base = (base, m.mask(scope.filters, scope.tz, self.tags, self.topics))
            if scope.filters.copies_once:  # one mention per near-duplicate cluster: its first
                self._base = (base, self._base[1] & first_copies(m))
        keep = self._base[1]
        for column, values in scope.within:
            if column == TEXT:
                keep = keep & m.search(values[0])
            else:
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
        return [str(v) for v in self.tags.values.values[top_order(self.tags.counts(None), None)]]

    def count(self, scope: Scope) -> int:
        return int(np.count_nonzero(self.mask(scope)))

    def kpis(self, scope: Scope) -> dict[str, float | int]:
        return self.model.kpis(self.mask(scope))

    def counts(self, scope: Scope, column: str, top: int | None = None) -> pd.DataFrame:
        if column != "tags":
            return self.model.counts(column, self.mask(scope), top)
        counts = self.tags.counts(self.model.selection(self.mask(scope)))
        order = top_order(counts, top)
        return pd.DataFrame({"value": self.tags.values.values[order], "mentions": counts[order]})

    def counts_many(self, scope: Scope, columns: list[str], top: int | None = None) -> dict[str, pd.DataFrame]:
        """``counts`` of several columns (no tags): one question to an engine, a loop here."""
        return {column: self.counts(scope, column, top) for column in columns}

    def crosstab(self, scope: Scope, rows: str, columns: str, top: int = 12) -> pd.DataFrame:
        return self.model.crosstab(rows, columns, self.mask(scope), top)

    def author_counts(self, scope: Scope) -> np.ndarray:
        per_author, names = self.model.value_counts("authorName", self.mask(scope))
        return per_author[(names != "") & (per_author > 0)]

    def volume(self, scope: Scope, freq: str, split: str | None, top: int = VOLUME_SERIES) -> pd.DataFrame:
        return self.model.volume(self.mask(scope), freq, split, scope.tz, top)

    def keys(self, scope: Scope, limit: int) -> list[str]:
        return self.model.page(self.mask(scope), limit=limit).tolist()

    def raw_tags(self) -> pd.DataFrame:
        return raw_counts(self.model.tags)

    def tag_crosstab(self, scope: Scope, tags: list[str], column: str) -> pd.DataFrame:
        return by_column(self.tags, self.model, column, self.mask(scope), tags)

    def cooccurrence(self, scope: Scope, tags: list[str]) -> pd.DataFrame:
        return cooccurrence(self.tags, self.mask(scope), tags)

    def vocabulary(self) -> TermIndex:
        return self.model.text

    def term_counts(self, scope: Scope, which: str = "terms") -> np.ndarray:
        return self.model.text.counts(self.mask(scope), which)

    def texts(self, scope: Scope, limit: int, seed: int | None = None) -> list[tuple[str, str]]:
        mask = self.mask(scope)
        rows = self.model.page_rows(mask, limit) if seed is None else sample_rows(mask, limit, seed)
        keys = self.model.keys.take(rows).to_pylist()
        return [(key, text or "") for key, text in zip(keys, self.model.text_of(rows), strict=True)]

    def sentiment_grid(self, scope: Scope) -> pd.DataFrame:
        mask = self.mask(scope)
        return level_grid(social_codes(self.model)[mask], five_level_codes(self.model.vader[mask]))

    def disagreeing(self, scope: Scope, size: int, seed: int) -> pd.DataFrame:
        rows = disagreements(self.model, self.mask(scope), size, seed)
        social = self.model.columns["messageSentiment"]
        return pd.DataFrame(
            {
                "sentiment": social.values[social.codes[rows]],
                "vader": self.model.vader[rows].astype(float),
                "text": self.model.text_of(rows),
            }
        )
