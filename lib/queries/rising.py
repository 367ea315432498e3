"""What is rising, asked of any backend: the periods, their term counts, and the rising terms of the last one.

Only the query interface's own questions are used (``volume`` for the periods' sizes, ``term_counts`` per
period), so the model, DuckDB and Spark all answer it (tests/test_rising.py asks the model and DuckDB). The
statistics are in lib/text/rising.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from lib.queries.interface import Queries, Scope
from lib.text.boolean_query import as_query
from lib.text.rising import COLUMNS, NO_STOPLIST, rising_terms
from lib.text.terms import Stoplist

PERIODS = {"day": 1, "week": 7, "month": 30}  # a period's length in days


@dataclass(frozen=True)
class Rising:
    """The rising terms (``table``, lib/text/rising.py's columns) of the last of ``spans`` (each period's first
    and last day, oldest first) against the ones before; ``sizes`` are the mentions of each period."""

    table: pd.DataFrame
    spans: tuple[tuple[date, date], ...]
    sizes: tuple[int, ...]
    period: str

    @property
    def last(self) -> tuple[date, date] | None:
        return self.spans[-1] if self.spans else None


def baseline_scope(scope: Scope) -> Scope:
    """The scope rising terms are computed in: every filter applies except the start date (the periods before
    the last one reach back as far as they need); the end date sets the last period."""
    return Scope(replace(scope.filters, start=None), scope.tz, scope.within)


def period_scope(scope: Scope, span: tuple[date, date]) -> Scope:
    return Scope(replace(scope.filters, start=span[0], end=span[1]), scope.tz, scope.within)


def rising(
    q: Queries,
    scope: Scope,
    period: str = "week",
    periods: int = 8,
    kind: str = "word",
    stoplist: Stoplist = NO_STOPLIST,
    top: int = 20,
    min_count: int = 5,
) -> Rising:
    """The terms of ``kind`` (word, hashtag, phrase) whose share grew most in the last ``period`` (the days up to
    the newest day with mentions in ``scope``, its end date included) against the ``periods - 1`` periods of the
    same length before it. Periods are rolling, not calendar ones: a month that has just begun is not compared
    with whole ones."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
    base = baseline_scope(scope)
    days = q.volume(base, "day", None)
    days = days[days["mentions"] > 0]
    if days.empty:
        return Rising(pd.DataFrame(columns=list(COLUMNS)), (), (), period)
    newest = pd.Timestamp(days["bucket"].max()).date()
    length = timedelta(days=PERIODS[period])
    spans = tuple(
        (newest - length * k + timedelta(days=1), newest - length * (k - 1)) for k in range(max(periods, 2), 0, -1)
    )
    scopes = [period_scope(base, span) for span in spans]
    sizes = tuple(q.count(s) for s in scopes)
    which = "phrases" if kind == "phrase" else "terms"
    counts = [q.term_counts(s, which) for s in scopes]
    table = rising_terms(q.vocabulary(), counts, list(sizes), kind, stoplist, top, min_count)
    return Rising(table, spans, sizes, period)


def term_scope(scope: Scope, result: Rising, term: str) -> Scope:
    """The mentions behind a rising term: those that use it, in the last period."""
    assert result.last is not None
    return period_scope(baseline_scope(scope), result.last).searching(as_query(term))
