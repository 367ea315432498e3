"""Whole mention rows for a page of keys, fetched from the store (the model holds only what views need)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.mentions.labels import label
from lib.queries.tags import recode_tags
from lib.store.local import Store

TABLE_COLUMNS = (
    "datePublished",
    "authorName",
    "messageContent",
    "messageSentiment",
    "sourceService",
    "messageLanguage",
    "locationCountry",
    "tags",
    "topicName",
    "sourceUrl",
    "permalink",
    "uniqueId",
)


def mention_rows(
    store: Store, keys: np.ndarray, tz: str, tag_names: dict[str, str | None] | None = None
) -> pd.DataFrame:
    """The rows for ``keys``, in the order of ``keys``, with the publication time shown in ``tz`` and the tags
    under the recode that ``tag_names`` says (lib/tags.tag_names; None: as stored)."""
    if not len(keys):
        return pd.DataFrame(columns=["published", *TABLE_COLUMNS[1:]])
    names = ", ".join(f'"{c}"' for c in TABLE_COLUMNS)
    rows = store.query(f'SELECT {names} FROM mentions WHERE "uniqueId" IN (SELECT unnest(?::VARCHAR[]))', [list(keys)])
    rows = rows.set_index("uniqueId").reindex(list(keys)).reset_index()
    published = pd.to_datetime(rows.pop("datePublished")).dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
    rows.insert(0, "published", published)
    rows["tags"] = [
        ", ".join(t if tag_names is None else recode_tags(t, tag_names)) if t is not None else "" for t in rows["tags"]
    ]
    for column in ("messageSentiment", "sourceService", "messageLanguage", "locationCountry"):
        rows[column] = [label(column, v) for v in rows[column]]
    return rows[["published", *TABLE_COLUMNS[1:-1], "uniqueId"]]


def mention(store: Store, unique_id: str) -> dict | None:
    """Every stored field of one mention, or None."""
    rows = store.query('SELECT * FROM mentions WHERE "uniqueId" = ?', [unique_id])
    return None if rows.empty else rows.iloc[0].to_dict()
