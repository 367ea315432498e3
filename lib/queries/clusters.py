"""Each mention's near-duplicate cluster in the in-memory model (lib/text/near_duplicates.py), computed once
per model and shared by every question that needs it: the Campaigns section, and *Count copies once*."""

from __future__ import annotations

import threading

import numpy as np

from lib.queries.model import MentionModel
from lib.text.near_duplicates import clusters

_LOCK = threading.Lock()


def clusters_of(model: MentionModel) -> np.ndarray:
    """Each mention's near-duplicate cluster (the row of its first member)."""
    with _LOCK:  # one computation per model, whichever session asks first
        found = model.derived.get("near_duplicates")
        if found is None:
            found = model.derived["near_duplicates"] = clusters(model.content)
    return found  # type: ignore[return-value]


def first_copies(model: MentionModel) -> np.ndarray:
    """A boolean per mention: is it the first of its cluster? (Every mention alike to no other is.)"""
    with _LOCK:
        found = model.derived.get("first_copies")
    if found is None:
        labels = clusters_of(model)
        found = labels == np.arange(len(labels))
        with _LOCK:
            model.derived["first_copies"] = found
    return found  # type: ignore[return-value]
