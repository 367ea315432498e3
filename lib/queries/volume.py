"""Volume over time: counts per (time bucket x series) folded into hours, days, weeks or months.

The model (lib/queries/model.py) and the engines (lib/queries/engine.py) both count per small time unit
and hand the grid here, so every backend draws the same buckets and series. Split from lib/queries/model.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.mentions.schema import SENTIMENT_ORDER
from lib.queries.buckets import DAY_NS, FREQUENCIES, HOUR_NS
from lib.queries.columns import Codes, top_order


def volume_table(first: int, grid: np.ndarray, codes: Codes | None, split: str | None, freq: str, top: int):
    """The volume frame (bucket, series, mentions) from a (time unit x split code) grid of counts whose first
    row is unit ``first`` (hours for ``freq`` hour, else days, since 1970-01-01 in wall-clock time)."""
    # Drop empty buckets at both ends (the data's span, not the filter's), keep empty ones inside.
    busy = np.flatnonzero(grid.sum(axis=1))
    if not len(busy):
        return pd.DataFrame({"bucket": pd.Series(dtype="datetime64[ns]"), "series": [], "mentions": []})
    grid, first = grid[busy[0] : busy[-1] + 1], first + int(busy[0])
    names, grid = _fold_series(grid, codes, split, top)
    starts, grid = _fold(first, grid, freq)
    return pd.DataFrame(
        {
            "bucket": np.repeat(starts, len(names)),
            "series": np.tile(np.asarray(names, dtype=object), len(starts)),
            "mentions": grid.ravel(),
        }
    )


def _fold_series(grid: np.ndarray, codes: Codes | None, split: str | None, top: int) -> tuple[list, np.ndarray]:
    """Columns of a (bucket x split code) grid folded into the series shown: sentiment in its fixed order,
    other splits as their ``top`` largest values plus "Other"."""
    if codes is None:
        return ["Mentions"], grid
    totals = grid.sum(axis=0)
    present = totals > 0
    if split == "messageSentiment":
        kept = [int(np.flatnonzero(codes.values == v)[0]) for v in SENTIMENT_ORDER if v in set(codes.values[present])]
    else:
        kept = [int(i) for i in top_order(totals, top)]
    columns = [grid[:, i] for i in kept]
    names = [str(codes.values[i]) for i in kept]
    rest = np.ones(len(totals), dtype=bool)
    rest[kept] = False
    if (rest & present).any():
        columns.append(grid[:, rest].sum(axis=1))
        names.append("Other")
    return names, np.stack(columns, axis=1)


def _fold(first: int, grid: np.ndarray, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """Bucket starts (datetime64[ns]) and counts, from counts per hour or per day starting at ``first``.

    Weeks start on Monday; days and hours are folded on arrays of a few hundred rows, not per mention.
    """
    span = np.arange(first, first + grid.shape[0], dtype=np.int64)
    if freq == "hour":
        return (span * HOUR_NS).view("datetime64[ns]"), grid
    if freq == "day":
        return (span * DAY_NS).view("datetime64[ns]"), grid
    if freq == "week":
        group = (span + 3) // 7  # 1970-01-01 was a Thursday: shift by 3 days so that weeks start on Monday
        starts = np.unique(group) * 7 - 3
    elif freq == "month":
        group = span.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        starts = np.unique(group).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    else:
        raise ValueError(f"unknown frequency {freq!r}; use one of {', '.join(FREQUENCIES)}")
    folded = np.zeros((len(starts), grid.shape[1]), dtype=grid.dtype)
    np.add.at(folded, group - group[0], grid)
    return (starts * DAY_NS).view("datetime64[ns]"), folded
