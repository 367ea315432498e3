"""Every CSV the app and the CLI write: the filtered mentions (streamed, with a manifest) and each chart's
data (``frame_csv``). One writer, so every download is safe to open in a spreadsheet.

- Columns: the seed's field names by default (any chosen subset, in the seed's order), plus one column
  per timestamp in the chosen display timezone beside the UTC one.
- Tags are the tag views' tags (the store's tag recode: renamed, merged, excluded) joined by the store's
  delimiter, with the tag string as received beside them (``tags (raw)``); the plain text of
  ``messageContent`` is exported (the HTML stays in the store).
- Spreadsheet formula injection: a text cell (a header or a chart's label included) that starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so Excel and Sheets show it as
  text instead of running it. Cells that are plain numbers (``-0.4``, ``+12``) are left alone: they cannot
  run anything. The mentions export can be written with raw values instead (``safe=False``), for analysts
  who read the file with code, never with a spreadsheet; the manifest says which.
- Rows are fetched from the store in chunks by key and written as they come: memory stays flat for any
  size (the CLI has no cap; the app caps what it builds and says so).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa

from lib.mentions.schema import FIELD_NAMES, TIMESTAMP_FIELDS
from lib.queries.interface import Queries, Scope
from lib.queries.tags import TagRecode, recode_tags, tag_names
from lib.store.local import Store
from lib.text.boolean_query import evaluate, parse, scan
from lib.text.topics import TopicSet, topic_mask

CHUNK = 50_000
RAW_TAGS = "tags (raw)"  # the export column of the tag string as received
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value: str) -> str:
    """A text cell made safe for spreadsheets (numbers untouched)."""
    if value and value.startswith(_DANGEROUS) and not _NUMBER.match(value):
        return "'" + value
    return value


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A small table (a chart's data) as UTF-8 CSV, every text cell and header neutralised; numbers as they
    are, missing values empty. Every chart's CSV button writes through this."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    columns = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            columns.append(["" if pd.isna(v) else v for v in values.tolist()])
        else:
            columns.append(
                [
                    "" if v is None or (not isinstance(v, list | tuple) and pd.isna(v)) else neutralise(str(v))
                    for v in values.tolist()
                ]
            )
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue().encode("utf-8")


@dataclass
class Manifest:
    rows: int
    columns: list[str]
    filters: dict
    timezone: str
    store_version: str
    exported_at: str
    row_cap: int | None = None
    rows_matching: int = 0
    tag_delimiter: str = ","
    tag_recode: dict | None = None  # the recode the tags column is under (None: tags as stored)
    formula_safe: bool = True  # text cells that a spreadsheet would run are prefixed with an apostrophe
    topics: dict[str, str] = field(default_factory=dict)  # text topic -> its query, one 0/1 column each
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str, ensure_ascii=False)


def export_columns(chosen: Iterable[str] | None, tz: str) -> list[str]:
    """The CSV header: chosen fields in the seed's order, each timestamp followed by its local-time twin."""
    wanted = set(chosen) if chosen else set(FIELD_NAMES)
    unknown = wanted - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"Unknown columns: {', '.join(sorted(unknown))}. Choose from the seed's field names.")
    header = []
    for name in FIELD_NAMES:
        if name in wanted:
            header.append(name)
            if name in TIMESTAMP_FIELDS:
                header.append(f"{name} ({tz})")
            elif name == "tags":
                header.append(RAW_TAGS)
    return header


def _chunks(
    store: Store,
    keys: list[str],
    fields: list[str],
    tz: str,
    delimiter: str,
    names_of_tags: dict[str, str | None] | None,
    safe: bool,
):
    """Per chunk of keys: the CSV cells (lists of rows) and the chunk's plain text, in key order."""
    cell = neutralise if safe else (lambda value: value)
    wanted = [*fields, "messageContent", *(["tagsRaw"] if "tags" in fields else [])]
    names = ", ".join(f'"{c}"' for c in dict.fromkeys(wanted))
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        frame = store.query(f'SELECT {names} FROM mentions WHERE "uniqueId" IN (SELECT unnest(?::VARCHAR[]))', [part])
        frame = frame.set_index("uniqueId", drop=False).reindex(part)
        columns = []
        for name in fields:
            values = frame[name]
            if name in TIMESTAMP_FIELDS:
                utc = pd.to_datetime(values).dt.tz_localize("UTC")
                columns.append([v.strftime("%Y-%m-%dT%H:%M:%SZ") if not pd.isna(v) else "" for v in utc])
                local = utc.dt.tz_convert(tz)
                columns.append([v.strftime("%Y-%m-%d %H:%M:%S") if not pd.isna(v) else "" for v in local])
            elif name == "tags":
                if names_of_tags is not None:
                    values = [recode_tags(t, names_of_tags) if t is not None else None for t in values]
                columns.append([cell(delimiter.join(t)) if t is not None else "" for t in values])
                columns.append([cell(v) if isinstance(v, str) else "" for v in frame["tagsRaw"]])
            else:
                columns.append(["" if v is None or v is pd.NA else cell(str(v)) for v in values])
        text = pa.array([v if isinstance(v, str) else None for v in frame["messageContent"]], type=pa.string())
        yield list(zip(*columns, strict=True)), text


def _topic_flags(topics: TopicSet, text: pa.Array) -> list[list[str]]:
    """Per topic, "1" or "0" for each text: the query language read as the model reads it
    (lib/text/boolean_query.py)."""

    def search(query: str) -> np.ndarray:
        return evaluate(parse(query), lambda node: scan(text, node))

    return [np.where(topic_mask(topics, t.name, search, len(text)), "1", "0").tolist() for t in topics.topics]


def _topic_rule(topics: TopicSet, topic) -> str:
    """What puts a mention under ``topic``, as the manifest states it: its query, and/or its children."""
    if not topics.children(topic.name):
        return topic.query
    return f"{topic.query} (or any topic under it)" if topic.query.strip() else "any topic under it"


def write_csv(
    store: Store,
    q: Queries,
    scope: Scope,
    out: TextIO,
    *,
    columns: Iterable[str] | None = None,
    row_cap: int | None = None,
    topics: TopicSet | None = None,
    tag_delimiter: str | None = None,
    recode: TagRecode | None = None,
    safe: bool = True,
) -> Manifest:
    """Write the mentions of ``scope`` (newest first), as ``q`` finds them, to ``out`` as CSV; return the
    manifest. Any backend of lib/queries/interface.py gives the same file.

    Each text topic of ``topics`` adds a column ``topic: <name>`` holding 1 or 0. Tags are under ``recode``
    (the store's tag recode, as the tag views show them; None: as stored), joined by ``tag_delimiter``
    (default: the store's), with the raw tag string beside them. ``safe=False`` writes text cells as they
    are (not for spreadsheets). ``out`` is a text stream; open files with ``newline=""`` and
    ``encoding="utf-8-sig"`` for Excel's BOM.
    """
    tz = scope.tz
    header = export_columns(columns, tz)
    fields = [c for c in header if not c.endswith(f"({tz})") and c != RAW_TAGS]
    if "uniqueId" not in fields:
        fields = [*fields, "uniqueId"]  # needed to keep the order; not written unless chosen
    matching = q.count(scope)
    keys = q.keys(scope, min(row_cap or matching, matching))
    delimiter = tag_delimiter or store.setting("tag_delimiter", ",")
    names_of_tags = tag_names(q.raw_tags(), recode) if recode is not None and "tags" in fields else None
    topics = topics or TopicSet()
    writer = csv.writer(out, lineterminator="\r\n")
    cell = neutralise if safe else (lambda value: value)
    topic_columns = [f"topic: {t.name}" for t in topics.topics]
    writer.writerow([cell(c) for c in header + topic_columns])
    keep_key = "uniqueId" in header
    n = 0
    for rows, text in _chunks(store, keys, fields, tz, delimiter, names_of_tags, safe):
        flags = _topic_flags(topics, text)
        for i, row in enumerate(rows):
            writer.writerow([*(row if keep_key else row[:-1]), *(column[i] for column in flags)])
        n += len(rows)
    notes = [] if not row_cap or matching <= row_cap else [f"Capped at {row_cap:,} of {matching:,} matching rows."]
    return Manifest(
        rows=n,
        columns=header + topic_columns,
        filters={k: v for k, v in scope.filters.active().items()},
        timezone=tz,
        store_version=q.version,
        exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        row_cap=row_cap,
        rows_matching=matching,
        tag_delimiter=delimiter,
        tag_recode=recode.to_dict() if recode is not None else None,
        formula_safe=safe,
        topics={t.name: _topic_rule(topics, t) for t in topics.topics},
        notes=notes,
    )


def csv_bytes(store: Store, q: Queries, scope: Scope, *, bom: bool = False, **kwargs) -> tuple[bytes, Manifest]:
    """The CSV as bytes (for a download button), UTF-8 with or without a BOM for Excel."""
    buffer = io.StringIO()
    manifest = write_csv(store, q, scope, buffer, **kwargs)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"), manifest
