"""Each mention's near-duplicate cluster in the in-memory model, as the store keeps it (lib/store/near_duplicates.py:
computed at ingest, incrementally), shared by every question that needs it: the Campaigns section, and *Count
copies once*.

A model built from a table without the stored clusters (a bench's or a test's table of texts) clusters its texts
here, all at once (lib/text/near_duplicates.py), once per model."""

from __future__ import annotations

import threading

import numpy as np
import pyarrow as pa

from lib.queries.model import MentionModel
from lib.text.near_duplicates import clusters

_LOCK = threading.Lock()  # one clustering per model, whichever session asks first; the others wait for it


def _cluster(model: MentionModel) -> np.ndarray:
    if model.copies is not None:
        return stored_labels(*model.copies)
    return clusters(pa.array(model.text_of(np.arange(model.n)), pa.string()))


def stored_labels(cluster: np.ndarray, item: np.ndarray) -> np.ndarray:
    """The stored clusters as rows: each mention's label is the row of its cluster's first mention (the one whose
    item is the cluster), or of the cluster's first row should that mention be missing; a mention without a
    stored cluster (-1) is its own."""
    n = len(cluster)
    rows = np.arange(n, dtype=np.int64)
    kept = cluster >= 0
    ids, of = np.unique(cluster[kept], return_inverse=True)
    first = np.full(len(ids), n, dtype=np.int64)
    np.minimum.at(first, of, rows[kept])
    head = np.full(len(ids), n, dtype=np.int64)
    is_head = item[kept] == cluster[kept]
    np.minimum.at(head, of[is_head], rows[kept][is_head])
    labels = rows.copy()
    labels[kept] = np.where(head < n, head, first)[of]
    return labels


def clusters_of(model: MentionModel) -> np.ndarray:
    """Each mention's near-duplicate cluster (the row of its first member)."""
    with _LOCK:
        return model.derived.get("near_duplicates", lambda: _cluster(model))


def first_copies(model: MentionModel) -> np.ndarray:
    """A boolean per mention: is it the first of its cluster? (Every mention alike to no other is.)"""
    labels = clusters_of(model)
    return model.derived.get("first_copies", lambda: labels == np.arange(len(labels)))
