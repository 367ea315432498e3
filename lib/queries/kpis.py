"""The Overview's numbers: KPIs now and over the previous period of equal length, and their changes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lib.queries.interface import Queries, Scope


@dataclass(frozen=True)
class Kpi:
    name: str
    value: str
    delta: str | None  # change vs the previous period, None when there is nothing to compare with
    inverse: bool = False  # a rise is bad news (negative share)
    help: str = ""

    @property
    def steady(self) -> bool:
        """No change at the precision shown (``0.0%``, ``0.0 pp``): no arrow, no colour, as neither rise nor fall."""
        return self.delta is not None and self.delta[:1] not in "+-"  # ``_signed`` drops the sign of no change


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.1%}"


def _relative(now: float, before: float) -> str | None:
    if before == 0:
        return None
    return _signed(f"{(now - before) / before:+.1%}")


def _points(now: float, before: float) -> str | None:
    if math.isnan(now) or math.isnan(before):
        return None
    return _signed(f"{(now - before) * 100:+.1f} pp")


def _signed(delta: str) -> str:
    """A change as shown, without a sign where it rounds to none (``-0.0 pp`` is ``0.0 pp``)."""
    return delta[1:] if delta.lstrip("+-").startswith("0.0") and not delta.lstrip("+-0.").strip("% p") else delta


def kpi_cards(q: Queries, scope: Scope) -> list[Kpi]:
    """The four cards: mentions, unique authors, % positive, % negative, each with its change."""
    now = q.kpis(scope)
    previous = scope.filters.previous_period()
    before = q.kpis(Scope(previous, scope.tz)) if previous else None
    if previous and previous.start and previous.end:
        days = (previous.end - previous.start).days + 1
        span = f"vs {previous.start:%d %b %Y} – {previous.end:%d %b %Y}, the {days} days before"
    else:
        span = "Pick a date range to compare with the period before it."
    share_note = "Share of all matching mentions, unset sentiment included in the denominator."
    return [
        Kpi(
            "Mentions",
            f"{now['mentions']:,}",
            None if before is None else _relative(now["mentions"], before["mentions"]),
            help=span,
        ),
        Kpi(
            "Unique authors",
            f"{now['authors']:,}",
            None if before is None else _relative(now["authors"], before["authors"]),
            help=span,
        ),
        Kpi(
            "Positive",
            _pct(now["positive"]),
            None if before is None else _points(now["positive"], before["positive"]),
            help=f"{share_note} {span}",
        ),
        Kpi(
            "Negative",
            _pct(now["negative"]),
            None if before is None else _points(now["negative"], before["negative"]),
            inverse=True,
            help=f"{share_note} {span}",
        ),
    ]
