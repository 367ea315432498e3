"""The Dashboard's analyses beyond plain counts: spikes, author concentration, cross-tabs, the map."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats

from lib.mentions.labels import country_alpha3

SPIKE_P = 0.001  # a bucket this unlikely under its baseline is a spike
SPIKE_MIN = 10  # fewer mentions than this are never a spike, whatever the baseline
BASELINE = {"hour": 24, "day": 14, "week": 8, "month": 6}  # buckets in the trailing baseline
MAX_BUCKETS = 500  # more bars than this cannot be read (or clicked) on a chart: a coarser bucket is used
# The Dashboard's grid of breakdowns, in its order: (column, title). Tags, a list column, are counted on their own.
DASHBOARD_BREAKDOWNS = (
    ("messageSentiment", "Sentiment"),
    ("sourceService", "Source service"),
    ("sourceCategory", "Source category"),
    ("sourceType", "Source type"),
    ("messageLanguage", "Language"),
    ("messageType", "Message type"),
    ("topicName", "Monitored topic"),
    ("status", "Status"),
    ("tags", "Tags"),
)
_COARSER = {"hour": "day", "day": "week", "week": "month"}
_BUCKET_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30.44}

SPIKE_METHOD = (
    "Each {freq} is compared with the {window} {freq}s before it. Their median is the expected volume, and the "
    "spread around it (the median absolute deviation, so an earlier spike does not hide the next one) says how "
    "much volume usually varies. A {freq} is a spike when a count that high would happen by chance less than "
    "once in 1,000 {freq}s: the tail probability of a negative binomial distribution with that mean and spread "
    "(a Poisson distribution when the volume varies no more than chance alone would make it), and it has at "
    "least 10 mentions. Counts are treated as counts: 15 mentions over an expected 5 are far more surprising "
    "than 150 over an expected 140, and a quiet baseline does not make a handful of mentions a spike. The first "
    "{freq}s, without enough history, are never flagged. z is the same surprise on the familiar scale of "
    "standard deviations (z = 3.1 is p = 0.001)."
)


def spikes(totals: pd.Series, freq: str) -> pd.DataFrame:
    """Per bucket: mentions, the expected volume (median of the trailing baseline), the ratio to it, the
    tail probability ``p`` of a count at least that high, its equivalent ``z`` and whether it is a spike.

    ``totals`` is indexed by bucket start in time order. A bucket needs a baseline of at least half the
    window (3 buckets at least) before it can be a spike. The baseline's spread is its median absolute
    deviation (robust to earlier spikes) scaled to a standard deviation; when that is wider than Poisson's
    (variance = mean), the count is read against a negative binomial of the same mean and variance.
    """
    window = BASELINE.get(freq, 14)
    values = totals.to_numpy(dtype=float)
    n = len(values)
    expected = np.full(n, np.nan)
    spread = np.full(n, np.nan)
    if n:
        # Row i holds the ``window`` buckets before bucket i (NaN before the first one).
        padded = np.concatenate([np.full(window, np.nan), values[:-1]])
        past = sliding_window_view(padded, window)
        history = np.count_nonzero(~np.isnan(past), axis=1)
        enough = history >= max(3, window // 2)
        if enough.any():
            median = np.nanmedian(past[enough], axis=1)
            mad = np.nanmedian(np.abs(past[enough] - median[:, None]), axis=1)
            expected[enough], spread[enough] = median, 1.4826 * mad
    mean = np.maximum(expected, 0.5)  # an empty baseline still expects a little
    variance = np.maximum(mean, spread**2)
    p = np.full(n, np.nan)
    known = ~np.isnan(expected)
    over = known & (variance > mean * 1.000001)
    poisson = known & ~over
    p[poisson] = stats.poisson.sf(values[poisson] - 1, mean[poisson])
    size = mean[over] ** 2 / (variance[over] - mean[over])
    p[over] = stats.nbinom.sf(values[over] - 1, size, mean[over] / variance[over])
    z = stats.norm.isf(np.clip(p, 1e-300, 1.0))
    return pd.DataFrame(
        {
            "mentions": values.astype(int),
            "expected": expected,
            "ratio": values / mean,
            "p": p,
            "z": z,
            "spike": known & (p < SPIKE_P) & (values >= SPIKE_MIN) & (values > expected),
        },
        index=totals.index,
    )


def bucket_count(freq: str, start: date, end: date) -> int:
    """About how many buckets of ``freq`` the days ``start``..``end`` (inclusive) make."""
    return int(np.ceil(((end - start).days + 1) / _BUCKET_DAYS[freq]))


def drawable_bucket(freq: str, start: date, end: date) -> tuple[str, str]:
    """``freq``, or the first coarser bucket that gives at most MAX_BUCKETS bars over the dates, and a note
    saying so (empty when ``freq`` is kept)."""
    wanted = freq
    while freq in _COARSER and bucket_count(freq, start, end) > MAX_BUCKETS:
        freq = _COARSER[freq]
    if freq == wanted:
        return freq, ""
    days = (end - start).days + 1
    fits = int(MAX_BUCKETS * _BUCKET_DAYS[wanted])
    return freq, (
        f"{bucket_count(wanted, start, end):,} {wanted}s over these {days:,} days are too many bars to read: "
        f"showing {freq}s. Narrow the dates to {fits:,} days or fewer to see {wanted}s."
    )


def concentration(counts: np.ndarray) -> dict[str, float]:
    """Share of mentions from the most active 1% and 10% of authors (at least one author each).

    ``counts`` holds mentions per author (zeros are authors without a matching mention and are ignored).
    """
    counts = counts[counts > 0]
    total = counts.sum()
    if not total:
        return {"authors": 0, "top 1%": np.nan, "top 10%": np.nan}
    share = {}
    for pct in (1, 10):
        k = max(1, int(np.ceil(len(counts) * pct / 100)))
        share[f"top {pct}%"] = np.partition(counts, len(counts) - k)[-k:].sum() / total
    return {"authors": len(counts), **share}


def crosstab_percentages(table: pd.DataFrame, how: str) -> pd.DataFrame:
    """The cross-tab with totals, as counts or as row or column percentages (each row/column sums to 100%)."""
    with_totals = table.copy()
    with_totals["Total"] = with_totals.sum(axis=1)
    with_totals.loc["Total"] = with_totals.sum(axis=0)
    if how == "row %":
        return with_totals.div(with_totals["Total"].replace(0, np.nan), axis=0)
    if how == "column %":
        return with_totals.div(with_totals.loc["Total"].replace(0, np.nan), axis=1)
    return with_totals


def country_map(counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Countries with ISO alpha-3 codes for the map, and the codes the map cannot place (blank included)."""
    alpha3 = [country_alpha3(c) for c in counts["value"]]
    placed = counts.assign(alpha3=alpha3)
    known = placed[placed["alpha3"].notna()].reset_index(drop=True)
    unknown = placed[placed["alpha3"].isna()].drop(columns="alpha3").reset_index(drop=True)
    return known, unknown
