"""Local sentiment (VADER, English only) beside Social Connect's ``messageSentiment``.

VADER's score is computed at ingest (lib/text/enrich.py). This module compares the two: an agreement matrix,
the agreement rate where both have a reading, a sample of the mentions where they disagree, and the
five-level scale shown as an approximation of Text iQ's. Other languages are counted as unsupported,
never guessed.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from lib.mentions.schema import SENTIMENT_ORDER
from lib.queries.model import MentionModel

VADER_LABELS = ("positive", "neutral", "negative")
# A five-level scale in the spirit of Text iQ's (-2 … +2): VADER's compound cut at ±0.05 and ±0.6.
FIVE_LEVELS = ("very negative", "negative", "neutral", "positive", "very positive")
READINGS = ("positive", "neutral", "negative")  # Social Connect's values that VADER can agree with
EDGE = 0.05  # VADER's own cut between neutral and positive or negative
STRONG = 0.6  # the cut to "very" on the five-level scale


def vader_codes(compound: np.ndarray) -> np.ndarray:
    """Per mention: 0 positive, 1 neutral, 2 negative (VADER's ±0.05 reading), 3 unsupported."""
    codes = np.full(len(compound), 3, dtype=np.int8)
    scored = ~np.isnan(compound)
    codes[scored & (compound >= EDGE)] = 0
    codes[scored & (compound > -EDGE) & (compound < EDGE)] = 1
    codes[scored & (compound <= -EDGE)] = 2
    return codes


def social_codes(model: MentionModel) -> np.ndarray:
    """Per mention, Social Connect's sentiment as its position in SENTIMENT_ORDER (0 positive, 1 neutral,
    2 negative, 3 unset or anything else): the same codes as ``vader_codes`` where both have a reading."""
    social = model.columns["messageSentiment"]
    if not len(social.values):
        return np.full(model.n, 3, dtype=np.int64)
    position = {value: i for i, value in enumerate(SENTIMENT_ORDER)}
    return np.array([position.get(v, 3) for v in social.values], dtype=np.int64)[social.codes]


def level_grid(social: np.ndarray, levels: np.ndarray) -> pd.DataFrame:
    """Mentions per (Social Connect sentiment code, five-level code): rows SENTIMENT_ORDER, columns FIVE_LEVELS
    and ``unsupported``. Every view of this section derives from it, whichever backend counted it."""
    grid = np.bincount(social.astype(np.int64) * 6 + levels, minlength=len(SENTIMENT_ORDER) * 6)
    return pd.DataFrame(
        grid.reshape(len(SENTIMENT_ORDER), 6), index=list(SENTIMENT_ORDER), columns=[*FIVE_LEVELS, "unsupported"]
    )


def agreement(grid: pd.DataFrame) -> pd.DataFrame:
    """Mentions per (Social Connect sentiment, VADER label) from a ``level_grid``: rows in SENTIMENT_ORDER,
    columns the VADER labels and ``unsupported`` (VADER's three labels are the five levels folded)."""
    return pd.DataFrame(
        {
            "positive": grid["positive"] + grid["very positive"],
            "neutral": grid["neutral"],
            "negative": grid["negative"] + grid["very negative"],
            "unsupported": grid["unsupported"],
        }
    )


def five_level_counts(grid: pd.DataFrame) -> pd.DataFrame:
    """Selected mentions per level of the five-level scale (VADER's compound cut at ±0.05 and ±0.6)."""
    return pd.DataFrame({"level": list(grid.columns), "mentions": grid.sum(axis=0).astype(int).tolist()})


def agreement_rate(matrix: pd.DataFrame) -> tuple[float, int]:
    """The share of mentions with both readings where they agree, and how many have both."""
    both = matrix.loc[list(READINGS), list(VADER_LABELS)]
    total = int(both.to_numpy().sum())
    agreed = int(sum(both.loc[v, v] for v in READINGS))
    return (agreed / total if total else float("nan")), total


def disagreements(model: MentionModel, mask: np.ndarray, size: int = 10, seed: int = 0) -> np.ndarray:
    """Row indexes of a sample of selected mentions where VADER and Social Connect read differently (both having
    a reading), in the sample's order. A seed makes the sample repeatable, and the same on every backend; another
    seed draws another sample."""
    theirs = social_codes(model)
    ours = vader_codes(model.vader)
    differ = np.flatnonzero(mask & (theirs < 3) & (ours < 3) & (theirs != ours))
    return differ[sample_order(model.keys.take(differ).to_pylist(), seed)[:size]]


def sample_order(keys: list[str], seed: int) -> np.ndarray:
    """A repeatable pseudo-random order of ``keys`` per ``seed`` that every backend draws alike: by the MD5 of
    "<key>#<seed>" (an engine sorts by its own MD5 of the same string, lib/queries/engine.py), then the key."""
    digests = [hashlib.md5(f"{key}#{seed}".encode()).hexdigest() for key in keys]
    return np.asarray(sorted(range(len(keys)), key=lambda i: (digests[i], keys[i])), dtype=np.int64)


def five_level_codes(compound: np.ndarray) -> np.ndarray:
    """0 very negative (≤ -0.6) … 2 neutral … 4 very positive (≥ 0.6); 5 unsupported. The ±0.05 edges are
    VADER's own, as in ``vader_codes``."""
    codes = np.full(len(compound), 2, dtype=np.int64)
    codes[compound <= -EDGE] = 1
    codes[compound <= -STRONG] = 0
    codes[compound >= EDGE] = 3
    codes[compound >= STRONG] = 4
    codes[np.isnan(compound)] = 5
    return codes
