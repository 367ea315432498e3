"""The Dashboard's analyses beyond plain counts: spikes, author concentration, cross-tabs, the map."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.labels import country_alpha3

SPIKE_Z = 3.5  # the usual cut-off for the modified z-score (Iglewicz and Hoaglin)
SPIKE_MIN = 5  # fewer mentions than this are never a spike, whatever the baseline
BASELINE = {"hour": 24, "day": 14, "week": 8, "month": 6}  # buckets in the trailing baseline

SPIKE_METHOD = (
    "A bucket is a spike when its volume stands out from the buckets just before it: the modified z-score "
    "0.6745 × (volume − median) / MAD, over the previous {window} {freq}s (median absolute deviation; robust, so "
    "an earlier spike does not hide the next one), is above 3.5, and the bucket has at least 5 mentions. The "
    "first buckets, without enough history for a baseline, are never flagged."
)


def spikes(totals: pd.Series, freq: str) -> pd.DataFrame:
    """Per bucket: volume, baseline median, robust z-score and whether it is a spike.

    ``totals`` is indexed by bucket start in time order. A bucket needs a baseline of at least half the
    window (3 buckets at least) before it can be a spike, so a partial first week does not make the second
    one look like a spike; a flat baseline (MAD 0) uses a MAD of 1 mention so that one extra is not infinite.
    """
    window = BASELINE.get(freq, 14)
    values = totals.to_numpy(dtype=float)
    median = np.full(len(values), np.nan)
    mad = np.full(len(values), np.nan)
    for i in range(max(3, window // 2), len(values)):
        past = values[max(0, i - window) : i]
        median[i] = np.median(past)
        mad[i] = max(np.median(np.abs(past - median[i])), 1.0)
    z = 0.6745 * (values - median) / mad
    return pd.DataFrame(
        {"mentions": values.astype(int), "baseline": median, "z": z, "spike": (z > SPIKE_Z) & (values >= SPIKE_MIN)},
        index=totals.index,
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
