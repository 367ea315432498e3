"""The global filters: one frozen value shared by every page, and its URL form.

OR within a field, AND across fields, as in Qualtrics dashboards. The URL holds absolute dates, so a
shared link shows the same mentions tomorrow; presets are relative to the newest mention in the data.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any, cast

# Filter attribute -> (mentions column, URL key, label). The URL keys are part of shared links: keep them.
FACETS: dict[str, tuple[str, str, str]] = {
    "services": ("sourceService", "svc", "Source service"),
    "categories": ("sourceCategory", "cat", "Source category"),
    "source_types": ("sourceType", "stype", "Source type"),
    "sentiments": ("messageSentiment", "sent", "Sentiment"),
    "languages": ("messageLanguage", "lang", "Language"),
    "countries": ("locationCountry", "ctry", "Country"),
    "topics": ("topicName", "mtopic", "Monitored topic"),
    "statuses": ("status", "status", "Status"),
    "message_types": ("messageType", "mtype", "Message type"),
    "authors": ("authorName", "author", "Author"),
}
TAG_MODES = ("any", "all")
# What a URL may ask for: dates in this range (the period before it too stays within pandas' nanosecond times,
# 1677-2262), at most MAX_VALUES values of MAX_VALUE_CHARS per field.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2100, 12, 31)
MAX_VALUES, MAX_VALUE_CHARS = 200, 1000


@dataclass(frozen=True)
class Filters:
    start: date | None = None  # inclusive, in the display timezone
    end: date | None = None  # inclusive, in the display timezone
    services: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    source_types: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    message_types: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tag_mode: str = "any"
    text: str = ""
    text_topics: tuple[str, ...] = ()  # text topics (boolean queries from the Text page), not monitored topics
    copies_once: bool = False  # count each near-duplicate cluster as one mention (lib/queries/clusters.py)

    def is_empty(self) -> bool:
        return self == Filters()

    def active(self) -> dict[str, object]:
        """The fields that differ from 'no filter', for manifests and status lines."""
        empty = Filters()
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(empty, f.name)}

    def previous_period(self) -> Filters | None:
        """The same filters over the period of equal length just before this one (None without dates)."""
        if self.start is None or self.end is None:
            return None
        days = (self.end - self.start).days + 1
        return replace(self, start=self.start - timedelta(days=days), end=self.start - timedelta(days=1))

    # -- URL form -----------------------------------------------------------------------------
    def to_params(self) -> dict[str, str | list[str]]:
        params: dict[str, str | list[str]] = {}
        if self.start:
            params["from"] = self.start.isoformat()
        if self.end:
            params["to"] = self.end.isoformat()
        for attr, (_, key, _) in FACETS.items():
            if values := getattr(self, attr):
                params[key] = list(values)
        if self.tags:
            params["tag"] = list(self.tags)
        if self.tag_mode != "any":
            params["tagmode"] = self.tag_mode
        if self.text:
            params["q"] = self.text
        if self.text_topics:
            params["topic"] = list(self.text_topics)
        if self.copies_once:
            params["once"] = "1"
        return params

    @classmethod
    def from_params(cls, get_all, notes: list[str] | None = None) -> Filters:
        """From URL parameters; ``get_all(key)`` returns the list of values for a key.

        A value that cannot be used (a mangled or out-of-range date, an unknown tag mode, too many or too
        long values) is left out, never failing the page; ``notes`` gets one line per value left out, for
        the page to say so. The text query is checked by the page (lib/text/boolean_query.py says where it goes wrong).
        """
        said = notes if notes is not None else []

        def left_out(key: str, value: str, why: str) -> None:
            shown = value if len(value) <= 60 else value[:59] + "…"
            said.append(f"{key}={shown!r}: {why}")

        def one(key: str) -> str:
            values = get_all(key)
            return values[-1] if values else ""

        def day(key: str) -> date | None:
            value = one(key)
            if not value:
                return None
            try:
                found = date.fromisoformat(value)
            except ValueError:
                left_out(key, value, "not a date (YYYY-MM-DD)")
                return None
            if not FIRST_DAY <= found <= LAST_DAY:
                left_out(key, value, f"not between {FIRST_DAY} and {LAST_DAY}")
                return None
            return found

        def values(key: str) -> tuple[str, ...]:
            given = list(dict.fromkeys(get_all(key)))
            kept = tuple(v for v in given if len(v) <= MAX_VALUE_CHARS)
            if len(kept) < len(given):
                left_out(key, next(v for v in given if len(v) > MAX_VALUE_CHARS), f"longer than {MAX_VALUE_CHARS}")
            if len(kept) > MAX_VALUES:
                left_out(key, kept[MAX_VALUES], f"more than {MAX_VALUES} values; the first {MAX_VALUES} are used")
            return kept[:MAX_VALUES]

        start, end = day("from"), day("to")
        facets = {attr: values(key) for attr, (_, key, _) in FACETS.items()}
        tags = values("tag")
        mode = one("tagmode")
        if mode and mode not in TAG_MODES:
            left_out("tagmode", mode, f"use {' or '.join(TAG_MODES)}")
        text, topics = one("q").strip(), values("topic")
        once = one("once")
        if once not in ("", "0", "1"):
            left_out("once", once, "use 1 (count copies once) or 0")
        if start and end and start > end:
            start, end = end, start
        kept = cls(start, end, tags=tags, tag_mode=mode if mode in TAG_MODES else "any", text=text, text_topics=topics)
        kept = replace(kept, copies_once=once == "1")
        return replace(kept, **cast(dict[str, Any], facets))  # each facet's field is a tuple of values


# Date presets: label -> days back from the newest mention (None: all time), or a calendar period that holds
# the newest mention ("this month") or comes just before it ("last month").
PRESETS: dict[str, int | str | None] = {
    "Last 7 days": 7,
    "Last 30 days": 30,
    "Last 90 days": 90,
    "Last 12 months": 365,
    "This month": "this month",
    "Last month": "last month",
    "This quarter": "this quarter",
    "Last quarter": "last quarter",
    "All time": None,
}


def _period_start(day: date, months: int) -> date:
    """The first day of the calendar month (``months`` 1) or quarter (3) that holds ``day``."""
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def preset_range(label: str, newest: date, oldest: date) -> tuple[date | None, date | None]:
    """The absolute dates of a preset, relative to the newest mention (never before the oldest one)."""
    days = PRESETS[label]
    if days is None:
        return None, None
    if isinstance(days, int):
        return max(oldest, newest - timedelta(days=days - 1)), newest
    which, unit = days.split()
    months = 3 if unit == "quarter" else 1
    start = _period_start(newest, months)
    if which == "this":
        return max(oldest, start), newest
    previous = _period_start(start - timedelta(days=1), months)
    end = start - timedelta(days=1)
    # A period wholly before the data stays as it is (it has no mentions, and says so), not one clamped day.
    return (max(oldest, previous) if end >= oldest else previous), end


def matching_preset(start: date | None, end: date | None, newest: date, oldest: date) -> str | None:
    """The preset whose dates these are, if any (so a shared link shows 'Last 30 days', not 'Custom')."""
    for label in PRESETS:
        if preset_range(label, newest, oldest) == (start, end):
            return label
    return None
