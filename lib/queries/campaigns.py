"""Copy-paste campaigns through the query interface: each mention's near-duplicate cluster, the largest
clusters of a scope, and the members of one.

The clusters are kept in the store, computed at ingest (lib/store/near_duplicates.py); the in-memory model reads
them with the mentions (``clusters_of``). The engines (DuckDB, Spark over the shared snapshot) read them too, and
count copies once (``firstCopy``), but do not list the campaigns yet: they raise ``NotOnThisBackend``, whose
message says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.errors import ExplorerError
from lib.mentions.labels import label
from lib.queries.clusters import clusters_of, first_copies
from lib.queries.interface import ModelQueries, Queries, Scope
from lib.queries.model import NAT, MentionModel

COLUMNS = ("cluster", "mentions", "authors", "sources", "first", "last", "days", "negative", "sample")


class NotOnThisBackend(ExplorerError):
    """A question this backend cannot answer (yet)."""


def _model(q: Queries) -> MentionModel:
    if isinstance(q, ModelQueries):
        return q.model
    raise NotOnThisBackend(
        f"The list of campaigns is drawn by the in-memory model; this app answers from {q.backend} over a shared "
        "snapshot, which counts copies once (the sidebar switch) but does not list them yet. Open the app "
        "without SCE_BACKEND (or with SCE_BACKEND=model) to see them."
    )


def supported(q: Queries) -> bool:
    return isinstance(q, ModelQueries)


def campaigns(q: Queries, scope: Scope, top: int = 50, order: str = "mentions") -> pd.DataFrame:
    """The ``top`` near-duplicate clusters with at least two mentions in ``scope``.

    Columns: ``cluster`` (its id), ``mentions`` (in the scope), ``authors`` (distinct), ``sources`` (the four
    services with most, ties by name), ``first`` and ``last`` (UTC), ``days`` (first to last), ``negative``
    (share of its mentions) and ``sample`` (the text of its first mention in the scope). ``order``:
    ``mentions`` (largest first) or ``burst`` (most mentions per day first: copies that came in together)."""
    model = _model(q)
    labels = clusters_of(model)
    rows = np.flatnonzero(q.mask(scope))  # type: ignore[attr-defined]
    if not len(rows):
        return pd.DataFrame(columns=list(COLUMNS))
    per_cluster = np.bincount(labels[rows], minlength=model.n)
    rows = rows[per_cluster[labels[rows]] >= 2]
    if not len(rows):
        return pd.DataFrame(columns=list(COLUMNS))
    author, service, sentiment = (model.columns[c] for c in ("authorName", "sourceService", "messageSentiment"))
    ts = model.ts[rows]
    frame = pd.DataFrame(
        {
            "cluster": labels[rows],
            "row": rows,
            "author": author.codes[rows],
            "negative": sentiment.values[sentiment.codes[rows]] == "negative",
            "ts": np.where(ts == NAT, np.nan, ts.astype(float)),
        }
    )
    grouped = frame.groupby("cluster", sort=False)
    table = grouped.agg(
        mentions=("row", "size"),
        authors=("author", "nunique"),
        negative=("negative", "mean"),
        first_ns=("ts", "min"),
        last_ns=("ts", "max"),
        sample_row=("row", "first"),
    ).reset_index()
    table["days"] = ((table["last_ns"] - table["first_ns"]) / 86_400e9).fillna(0.0)
    if order == "burst":
        table["rate"] = table["mentions"] / np.maximum(table["days"], 1.0)
        table = table.sort_values(["rate", "mentions", "cluster"], ascending=[False, False, True])
    else:
        table = table.sort_values(["mentions", "cluster"], ascending=[False, True])
    table = table.head(top).reset_index(drop=True)
    sources = []
    for cluster in table["cluster"]:
        members = frame["row"].to_numpy()[frame["cluster"].to_numpy() == cluster]
        counts = pd.Series(service.values[service.codes[members]]).value_counts().sort_index()
        counts = counts.sort_values(ascending=False, kind="stable")  # most first, ties by name
        sources.append(", ".join(f"{label('sourceService', name)} {count:,}" for name, count in counts.head(4).items()))
    table["sources"] = sources
    table["first"] = pd.to_datetime(table["first_ns"], unit="ns", utc=True)
    table["last"] = pd.to_datetime(table["last_ns"], unit="ns", utc=True)
    table["sample"] = model.text_of(table["sample_row"].to_numpy())
    return table[list(COLUMNS)]


def members(q: Queries, scope: Scope, cluster: int, limit: int) -> tuple[int, list[str]]:
    """How many mentions of ``scope`` are in ``cluster``, and the keys of the newest ``limit`` of them."""
    model = _model(q)
    mask = q.mask(scope) & (clusters_of(model) == cluster)  # type: ignore[attr-defined]
    return int(np.count_nonzero(mask)), model.page(mask, limit).tolist()


def copies_once(q: Queries) -> np.ndarray:
    """A boolean per mention: is it the first mention of its cluster (every mention alike to no other is)?"""
    return first_copies(_model(q))
