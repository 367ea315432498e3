"""What is rising: terms, hashtags and phrases whose share of mentions grew most in the last period.

The last period (a day, week or month) is set against the periods just before it, pooled. Each term's share
of the mentions (the mentions that use it, over all mentions of the period) is compared by the two-proportion
z-test with a pooled variance, and a term needs ``min_count`` mentions in the last period: a word that went
from 1 to 3 mentions is noise, not news. Each term is tested on its own mentions, so one term's rise does not
make the others fall, as it would in a comparison of word frequencies. Shares, not counts, are compared, so a
last period still in progress (fewer mentions so far) or a busy day does not make every term "rise".

Input is the mentions per vocabulary id of each period, however they were counted (the model or an engine,
through the query interface: ``lib/queries/rising.py``); output is a small frame with each term's share per
period for its sparkline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from lib.text.terms import Stoplist, TermIndex

KINDS = {"word": ("word",), "hashtag": ("hashtag",), "phrase": ("phrase",)}
Z_RISING = 1.96  # a rise this unlikely by chance (two-sided 5%) or more
COLUMNS = ("term", "z", "last", "before", "share_last", "share_before", "growth", "trend")

NO_STOPLIST = Stoplist()  # the language lists alone


def rising_terms(
    index: TermIndex,
    period_counts: list[np.ndarray],
    sizes: list[int],
    kind: str = "word",
    stoplist: Stoplist = NO_STOPLIST,
    top: int = 20,
    min_count: int = 5,
) -> pd.DataFrame:
    """The ``top`` rising terms of ``kind`` (word, hashtag or phrase), most significant first.

    ``period_counts`` are the mentions per vocabulary id of each period, oldest first, the last period last
    (for phrases: counts of the phrase matrix); ``sizes`` the mentions of each period. Columns: ``term``,
    ``z`` (two-proportion z of the last period's share against the periods before), ``last`` (mentions in
    the last period), ``before`` (in the periods before), ``share_last``, ``share_before`` (of the period's mentions),
    ``growth`` (share_last / share_before; inf for a term new in the last period) and ``trend`` (the share per
    period, oldest first, for a sparkline). Only terms with ``z`` ≥ 1.96 and at least ``min_count`` mentions
    in the last period are listed.
    """
    if len(period_counts) < 2 or len(period_counts) != len(sizes) or not sizes[-1] or not sum(sizes[:-1]):
        return pd.DataFrame(columns=list(COLUMNS))
    surface = index.surface()
    keep = index.of_kind(KINDS[kind]) & ~index.stopwords(stoplist)
    groups = int(surface.max()) + 1 if len(surface) else 0
    per_period = np.stack(
        [np.bincount(surface, weights=counts * keep, minlength=groups) for counts in period_counts]
    )  # periods x written forms
    last, before = per_period[-1], per_period[:-1].sum(axis=0)
    size_last, size_before = sizes[-1], sum(sizes[:-1])
    z = proportion_z(last, size_last, before, size_before)
    candidates = np.flatnonzero((last >= max(min_count, 1)) & (z >= Z_RISING))
    if not len(candidates):
        return pd.DataFrame(columns=list(COLUMNS))
    chosen = candidates[np.argsort(-z[candidates], kind="stable")[:top]]
    # A label per written form: the first id with that surface code.
    first_id = np.full(groups, -1, dtype=np.int64)
    first_id[surface[::-1]] = np.arange(len(surface))[::-1]
    labels = index.term.take(pa.array(first_id[chosen])).to_pylist()
    share_last, share_before = last[chosen] / size_last, before[chosen] / size_before
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(share_before > 0, share_last / np.where(share_before > 0, share_before, 1), np.inf)
    shares = per_period[:, chosen] / np.maximum(np.asarray(sizes, dtype=float), 1)[:, None]
    return pd.DataFrame(
        {
            "term": labels,
            "z": z[chosen],
            "last": last[chosen].astype(np.int64),
            "before": before[chosen].astype(np.int64),
            "share_last": share_last,
            "share_before": share_before,
            "growth": growth,
            "trend": [shares[:, i].tolist() for i in range(len(chosen))],
        }
    )


def proportion_z(hits_a: np.ndarray, size_a: int, hits_b: np.ndarray, size_b: int) -> np.ndarray:
    """The two-proportion z statistic of hits_a / size_a against hits_b / size_b (pooled variance; 0 where
    neither has any)."""
    pooled = (hits_a + hits_b) / (size_a + size_b)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / size_a + 1 / size_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (hits_a / size_a - hits_b / size_b) / spread
    return np.where(spread > 0, z, 0.0)
