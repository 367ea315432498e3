"""Campaigns that are new in the newest data, and a campaign named by one of its mentions.

``new_campaigns`` answers the alert rule "a new campaign over a size" (lib/alerts/rules.py): the near-duplicate
clusters (lib/queries/clusters.py) that reach a size with the mentions of the newest buckets, because their
first copy came in with them or because those copies took them past the size. ``campaign_of`` turns the mention
key an alert's link carries into the cluster the Campaigns section shows: a cluster's id is a row of the
in-memory model, which is not stable from one store version to the next, while a mention's key is.

Like lib/queries/campaigns.py, these are answered by the in-memory model only (``NotOnThisBackend`` otherwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.queries.campaigns import _model
from lib.queries.clusters import clusters_of
from lib.queries.interface import Queries, Scope
from lib.queries.model import NAT

COLUMNS = ("cluster", "mentions", "before", "authors", "sources", "first", "negative", "sample", "key", "members")


def new_campaigns(q: Queries, scope: Scope, newest: Scope, size: int, limit: int = 20) -> pd.DataFrame:
    """Clusters with at least ``size`` mentions in ``scope`` of which fewer than ``size`` are outside ``newest``
    (the mentions of the newest buckets) and at least one is in it: a campaign whose first copy came with the
    newest data, or which those copies took past the size. Largest first, at most ``limit``.

    Columns: ``cluster`` (this model's id), ``mentions`` (in ``scope``), ``before`` (of them, outside
    ``newest``), ``authors`` (distinct), ``sources`` (the four services with most, ties by name), ``first``
    (the earliest copy's time, UTC), ``negative`` (share), ``sample`` (the earliest copy's text), ``key`` (its
    uniqueId: how a link names the campaign) and ``members`` (the uniqueId of every copy in ``scope``)."""
    model = _model(q)
    labels = clusters_of(model)
    size = max(int(size), 2)
    in_scope = q.mask(scope)  # type: ignore[attr-defined]
    rows = np.flatnonzero(in_scope)
    fresh_rows = np.flatnonzero(in_scope & q.mask(newest))  # type: ignore[attr-defined]
    total = np.bincount(labels[rows], minlength=model.n)
    fresh = np.bincount(labels[fresh_rows], minlength=model.n)
    chosen = np.flatnonzero((total >= size) & (total - fresh < size) & (fresh > 0))
    chosen = chosen[np.lexsort((chosen, -total[chosen]))][:limit]  # largest first, then by id
    author, service, sentiment = (model.columns[c] for c in ("authorName", "sourceService", "messageSentiment"))
    records = []
    for cluster in chosen:
        members = rows[labels[rows] == cluster]
        ts = model.ts[members]
        when = np.where(ts == NAT, np.iinfo(np.int64).max, ts)
        earliest = int(members[np.lexsort((members, when))[0]])  # the earliest copy (undated ones last)
        counts = pd.Series(service.values[service.codes[members]]).value_counts().sort_index()
        counts = counts.sort_values(ascending=False, kind="stable")
        keys = model.keys.take(pa.array(members, pa.int64())).to_pylist()
        records.append(
            {
                "cluster": int(cluster),
                "mentions": int(total[cluster]),
                "before": int(total[cluster] - fresh[cluster]),
                "authors": len(np.unique(author.codes[members])),
                "sources": ", ".join(f"{name} {count:,}" for name, count in counts.head(4).items()),
                "first": pd.Timestamp(int(model.ts[earliest]), unit="ns", tz="UTC")
                if model.ts[earliest] != NAT
                else pd.NaT,
                "negative": float(np.mean(sentiment.values[sentiment.codes[members]] == "negative")),
                "sample": model.text_of(np.array([earliest]))[0] or "",
                "key": model.keys[earliest].as_py(),
                "members": keys,
            }
        )
    return pd.DataFrame(records, columns=list(COLUMNS))


def campaign_of(q: Queries, key: str) -> int | None:
    """The cluster of the mention ``key`` (None when no mention has that key, or it is alike to no other)."""
    model = _model(q)
    if not key or len(key) > 1000:
        return None
    found = pc.index(model.keys, pa.scalar(key, pa.string())).as_py()
    if found is None or found < 0:
        return None
    labels = clusters_of(model)
    cluster = int(labels[found])
    return cluster if np.count_nonzero(labels == cluster) >= 2 else None
