"""The global filters: one frozen value shared by every page, and its URL form.

OR within a field, AND across fields, as in Qualtrics dashboards. The URL holds absolute dates, so a
shared link shows the same mentions tomorrow; presets are relative to the newest mention in the data.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

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
        return params

    @classmethod
    def from_params(cls, get_all) -> Filters:
        """From URL parameters; ``get_all(key)`` returns the list of values for a key.

        Values that cannot be read (a mangled date) are ignored rather than failing the page.
        """

        def one(key: str) -> str:
            values = get_all(key)
            return values[-1] if values else ""

        def day(key: str) -> date | None:
            try:
                return date.fromisoformat(one(key))
            except ValueError:
                return None

        kwargs: dict[str, object] = {"start": day("from"), "end": day("to")}
        for attr, (_, key, _) in FACETS.items():
            kwargs[attr] = tuple(dict.fromkeys(get_all(key)))
        kwargs["tags"] = tuple(dict.fromkeys(get_all("tag")))
        mode = one("tagmode")
        kwargs["tag_mode"] = mode if mode in TAG_MODES else "any"
        kwargs["text"] = one("q").strip()
        kwargs["text_topics"] = tuple(dict.fromkeys(get_all("topic")))
        if kwargs["start"] and kwargs["end"] and kwargs["start"] > kwargs["end"]:
            kwargs["start"], kwargs["end"] = kwargs["end"], kwargs["start"]
        return cls(**kwargs)


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
