"""Compare with the previous period: every breakdown's counts now and over the period of equal length just
before the chosen dates, with the change.

The previous period is ``Filters.previous_period`` (the KPI cards use the same one): every other filter and
drill-down narrowing applies to both. Counts are asked of whichever backend answers (``Queries.counts``), the
whole breakdown each time, so a value that fell to nothing still shows its previous count and its change.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from lib.queries.interface import Queries, Scope, topic_counts
from lib.text.topics import TopicSet

SORTS = ("mentions", "change")
COLUMNS = ["value", "mentions", "previous", "change", "change %"]


def previous_scope(scope: Scope) -> Scope | None:
    """``scope`` over the previous period of equal length (None without a start and an end date)."""
    previous = scope.filters.previous_period()
    if previous is None:
        return None
    return replace(scope, filters=previous, buckets=())


def period_label(scope: Scope) -> str:
    """The dates of a scope as people write them: ``2026-09-01 – 2026-09-30``."""
    f = scope.filters
    return f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}" if f.start and f.end else "all dates"


def compared(now: pd.DataFrame, before: pd.DataFrame, top: int | None = None, sort: str = "mentions") -> pd.DataFrame:
    """Two count tables (value, mentions) side by side: value, mentions, previous, change, change % (a percent
    of the previous count, rounded to one decimal: -23.0 is 23% fewer; empty when it was 0, a value new now).
    A percent, not a fraction, because the column is read in a chart's CSV by people. Sorted by mentions now
    (then the previous count, then the value) or, with ``sort="change"``, by the size of the change, rises and
    falls alike; the first ``top`` rows."""
    if sort not in SORTS:
        raise ValueError(f"sort by one of {', '.join(SORTS)}")
    a = now.set_index(now["value"].astype(str))["mentions"].groupby(level=0).sum()
    b = before.set_index(before["value"].astype(str))["mentions"].groupby(level=0).sum()
    values = list(dict.fromkeys([*a.index, *b.index]))
    table = pd.DataFrame(
        {
            "value": values,
            "mentions": a.reindex(values, fill_value=0).to_numpy(dtype=np.int64),
            "previous": b.reindex(values, fill_value=0).to_numpy(dtype=np.int64),
        }
    )
    table["change"] = table["mentions"] - table["previous"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(table["previous"] > 0, table["change"] / table["previous"] * 100, np.nan)
    table["change %"] = np.round(pct, 1)
    if sort == "change":
        table = table.assign(size=table["change"].abs()).sort_values(
            ["size", "mentions", "value"], ascending=[False, False, True], kind="stable"
        )
        table = table.drop(columns="size")
    else:
        table = table.sort_values(["mentions", "previous", "value"], ascending=[False, False, True], kind="stable")
    table = table[(table["mentions"] > 0) | (table["previous"] > 0)].reset_index(drop=True)
    return table.head(top).reset_index(drop=True) if top else table


def compare_counts(q: Queries, scope: Scope, column: str, top: int | None = None, sort: str = "mentions"):
    """``compared`` for the counts of ``column`` in ``scope`` and in its previous period (None without dates)."""
    previous = previous_scope(scope)
    if previous is None:
        return None
    return compared(q.counts(scope, column), q.counts(previous, column), top, sort)


def compare_topics(q: Queries, scope: Scope, topics: TopicSet, sort: str = "mentions"):
    """``compared`` for the mentions of each text topic now and in the previous period (None without dates)."""
    previous = previous_scope(scope)
    if previous is None:
        return None

    def counts(of: Scope) -> pd.DataFrame:
        return topic_counts(q, of, topics).rename(columns={"topic": "value"})[["value", "mentions"]]

    return compared(counts(scope), counts(previous), None, sort)


def with_periods(table: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The table as a chart's CSV carries it: both periods' counts, the change, and each period's dates."""
    previous = previous_scope(scope)
    return table.assign(period=period_label(scope), **{"previous period": period_label(previous) if previous else ""})
