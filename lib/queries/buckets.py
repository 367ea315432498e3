"""Time buckets, one definition for every backend and view: the frequencies, a bucket's exclusive end, the
nanosecond lengths of an hour and a day, and the frequency a date span reads best in. Buckets are wall-clock
time in the view's timezone; weeks start on Monday."""

from __future__ import annotations

from datetime import date

import pandas as pd

FREQUENCIES = ("hour", "day", "week", "month")
VOLUME_SERIES = 8  # series the volume chart stacks: the largest values of its split, the rest as "Other"
HOUR_NS = 3_600_000_000_000
DAY_NS = 24 * HOUR_NS


def bucket_end(start: pd.Timestamp, freq: str) -> pd.Timestamp:
    """The (exclusive) end of the time bucket that starts at ``start``."""
    if freq == "month":
        return start + pd.DateOffset(months=1)
    if freq not in FREQUENCIES:
        raise ValueError(f"unknown frequency {freq!r}; use one of {', '.join(FREQUENCIES)}")
    return start + pd.Timedelta({"hour": "1h", "day": "1D", "week": "7D"}[freq])


def auto_frequency(start: date, end: date) -> str:
    """A bucket size that gives a readable number of bars for a date span."""
    days = (end - start).days + 1
    return "hour" if days <= 3 else "day" if days <= 120 else "week" if days <= 730 else "month"
