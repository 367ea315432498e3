"""Compare with the previous period for the Text page's terms (words, hashtags, handles, emoji) and phrases: the
mentions that use each term now and in the period of equal length before (lib/queries/compare.py), from the
term index's counts of both periods.

A term is a group of vocabulary ids (one written form across languages, or one stem with *Group word forms*);
its label is the member with the most mentions over both periods together, so that the two periods name a group
alike (ranked alone, each period could label a stem by another of its forms). The rows are the ``top`` terms by
mentions now (or, sorted by change, by the size of the change), ties at the cut included, so the table is the
one ``compared`` would make from every term's counts.

A bar's mentions are the ones the term index counted (``term_mentions``), not a text search for the label: a
search for a word also finds it in links, and a search for a stem's label misses its other forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.queries.compare import SORTS, compared, previous_scope
from lib.queries.interface import ModelQueries, Queries, Scope
from lib.text.boolean_query import as_query
from lib.text.terms import Stoplist, TermIndex

MAX_TIED = 5000  # rows tied at the cut that are kept (a cut among thousands of terms used once)


def _kept(index: TermIndex, which: str, kinds: tuple[str, ...], stoplist: Stoplist | None) -> np.ndarray:
    """The vocabulary ids counted: terms of ``kinds`` (or phrases) that are no stopword."""
    kind = index.of_kind(kinds) if which == "terms" else index.kind == "phrase"
    return kind & ~index.stopwords(stoplist or Stoplist())


def _cut(a: np.ndarray, b: np.ndarray, top: int, sort: str) -> np.ndarray:
    """Groups (indexes of ``a`` and ``b``) that can be among the ``top`` rows of ``compared``: the first ``top``
    by its order (but the label, not known yet) and every group tied with the last of them."""
    if sort not in SORTS:
        raise ValueError(f"sort by one of {', '.join(SORTS)}")
    used = np.flatnonzero((a > 0) | (b > 0))
    first, second = (np.abs(a - b), a) if sort == "change" else (a, b)
    order = used[np.lexsort((-second[used], -first[used]))]
    if len(order) <= top:
        return order
    last = order[top - 1]
    tied = order[top:][(first[order[top:]] == first[last]) & (second[order[top:]] == second[last])]
    return np.concatenate([order[:top], tied[:MAX_TIED]])


def _labels(index: TermIndex, group: np.ndarray, weight: np.ndarray, groups: np.ndarray) -> list[str]:
    """Each group's label: its member with the largest ``weight``."""
    members = np.lexsort((-weight, group))
    first = members[np.searchsorted(group[members], groups)]
    return index.term.take(pa.array(first, type=pa.int64())).to_pylist()


@dataclass(frozen=True)
class ComparedTerms:
    """The compared table of the top terms, and the terms the page's trend lines are picked from."""

    table: pd.DataFrame  # compared's columns, in the order asked (by mentions now, or by the size of the change)
    largest: list[str]  # the top terms by mentions now (at least one), most first, labelled as in ``table``,
    # whatever the sort: sorting by change reorders the chart, never the terms whose trends are drawn


def _compared(
    index: TermIndex,
    group: np.ndarray,
    now: np.ndarray,
    before: np.ndarray,
    top: int,
    sort: str,
    least: int = 1,
) -> ComparedTerms:
    size = int(group.max()) + 1 if len(group) else 0
    a = np.bincount(group, weights=now, minlength=size).astype(np.int64)
    b = np.bincount(group, weights=before, minlength=size).astype(np.int64)
    if least > 1:  # only groups in at least ``least`` mentions of one period or the other
        small = (a < least) & (b < least)
        a, b = np.where(small, 0, a), np.where(small, 0, b)

    def table(by: str) -> pd.DataFrame:
        chosen = _cut(a, b, top, by)
        labels = _labels(index, group, now + before, chosen)
        return compared(
            pd.DataFrame({"value": labels, "mentions": a[chosen]}),
            pd.DataFrame({"value": labels, "mentions": b[chosen]}),
            top,
            by,
        )

    shown = table(sort)
    by_mentions = shown if sort == "mentions" else table("mentions")
    largest = by_mentions.loc[by_mentions["mentions"] > 0, "value"].astype(str).tolist()
    return ComparedTerms(shown, largest)


def compared_terms(
    q: Queries,
    scope: Scope,
    kinds: tuple[str, ...] = ("word",),
    top: int = 20,
    stoplist: Stoplist | None = None,
    by_stem: bool = False,
    sort: str = "mentions",
) -> ComparedTerms | None:
    """``compare_terms``'s table and the largest terms by mentions now (``ComparedTerms``), from one count of
    each period (None without dates)."""
    previous = previous_scope(scope)
    if previous is None:
        return None
    index = q.vocabulary()
    keep = _kept(index, "terms", kinds, stoplist)
    now, before = q.term_counts(scope) * keep, q.term_counts(previous) * keep
    return _compared(index, index.stems() if by_stem else index.surface(), now, before, top, sort)


def compare_terms(q: Queries, scope: Scope, *args: Any, **options: Any) -> pd.DataFrame | None:
    """The ``top`` terms of ``kinds`` now and in the previous period (None without dates): ``compared``'s
    columns (value, mentions, previous, change, change %), with ``compared_terms``'s options. Stopwords are
    left out, as in the top terms."""
    found = compared_terms(q, scope, *args, **options)
    return None if found is None else found.table


def compare_phrases(
    q: Queries,
    scope: Scope,
    top: int = 20,
    min_count: int = 5,
    stoplist: Stoplist | None = None,
    sort: str = "mentions",
) -> pd.DataFrame | None:
    """The ``top`` phrases (pairs of adjacent words, no stopword) in at least ``min_count`` mentions of either
    period, now and in the previous period (None without dates): ``compared``'s columns."""
    previous = previous_scope(scope)
    if previous is None:
        return None
    index = q.vocabulary()
    keep = _kept(index, "phrases", (), stoplist)
    now, before = q.term_counts(scope, "phrases") * keep, q.term_counts(previous, "phrases") * keep
    return _compared(index, index.surface(), now, before, top, sort, max(min_count, 1)).table


def term_mentions(
    q: Queries,
    scope: Scope,
    label: str,
    which: str = "terms",
    kinds: tuple[str, ...] = ("word",),
    stoplist: Stoplist | None = None,
    by_stem: bool = False,
    limit: int = 200,
) -> tuple[int, list[str]]:
    """The mentions of ``scope`` behind the bar of ``label`` (``which``: terms or phrases, counted with
    ``kinds``, ``stoplist`` and ``by_stem`` as the chart was): how many, and the keys of the newest ``limit``.
    An engine holds no term matrix: there, the mentions a text search for the label finds."""
    if not isinstance(q, ModelQueries):
        searched = scope.searching(as_query(label))
        return q.count(searched), q.keys(searched, limit)
    index = q.vocabulary()
    keep = _kept(index, which, kinds, stoplist)
    group = index.stems() if by_stem and which == "terms" else index.surface()
    named = pc.fill_null(pc.equal(index.term, pa.scalar(label, pa.string())), False).to_numpy(zero_copy_only=False)
    ids = np.isin(group, group[named & keep]) & keep
    matrix = index.terms if which == "terms" else index.phrases
    has = np.asarray(matrix @ ids.astype(np.int32)).ravel() > 0
    mask = q.mask(scope) & has
    return int(np.count_nonzero(mask)), q.model.page(mask, limit).tolist()
