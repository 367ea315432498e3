"""Each mention's near-duplicate cluster in the in-memory model (lib/text/near_duplicates.py), computed once
per model and shared by every question that needs it: the Campaigns section, and *Count copies once*.

The model holds no texts (they stay in the store): clustering reads every text once, when a session first
asks, and keeps only the cluster of each mention."""

from __future__ import annotations

import threading

import numpy as np
import pyarrow as pa

from lib.queries.model import MentionModel
from lib.text.near_duplicates import clusters

_LOCK = threading.Lock()  # one clustering per model, whichever session asks first; the others wait for it


def _cluster(model: MentionModel) -> np.ndarray:
    return clusters(pa.array(model.text_of(np.arange(model.n)), pa.string()))


def clusters_of(model: MentionModel) -> np.ndarray:
    """Each mention's near-duplicate cluster (the row of its first member)."""
    with _LOCK:
        return model.derived.get("near_duplicates", lambda: _cluster(model))


def first_copies(model: MentionModel) -> np.ndarray:
    """A boolean per mention: is it the first of its cluster? (Every mention alike to no other is.)"""
    labels = clusters_of(model)
    return model.derived.get("first_copies", lambda: labels == np.arange(len(labels)))
