"""Every CSV the app and the CLI write: the filtered mentions (streamed, with a manifest) and each chart's
data (``frame_csv``). One writer, so every download is safe to open in a spreadsheet.

- Columns: the seed's field names by default (any chosen subset, in the seed's order), plus one column
  per timestamp in the chosen display timezone beside the UTC one.
- Tags are the tag views' tags (the store's tag recode: renamed, merged, excluded) joined by the store's
  delimiter, with the tag string as received beside them (``tags (raw)``); the plain text of
  ``messageContent`` is exported (the HTML stays in the store).
- Spreadsheet formula injection: a text cell (a header or a chart's label included) that starts with ``=``,
  ``+``, ``-``, ``@`` (or their full-width forms), a tab or a carriage return gets a leading apostrophe, so
  Excel and Sheets show it as text instead of running it. Cells that are plain numbers (``-0.4``, ``+12``) are
  left alone: they cannot run anything. The mentions export can be written with raw values instead
  (``safe=False``), for analysts who read the file with code, never with a spreadsheet; the manifest says which.
- Rows are chosen by the store's own engine and read back in Arrow batches (lib/export/stream.py), written as
  they come: memory stays flat for any size (the CLI has no cap; the app caps what it builds and says so).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.export.stream import select
from lib.mentions.schema import FIELD_NAMES, TIMESTAMP_FIELDS
from lib.queries.interface import Scope
from lib.queries.tags import TagRecode, recode_tags, tag_names
from lib.store.local import Store
from lib.text.boolean_query import evaluate, grouped, parse, scan
from lib.text.topics import TopicSet, topic_mask

RAW_TAGS = "tags (raw)"  # the export column of the tag string as received
# Full-width forms too: a spreadsheet set up for CJK input may read "＝SUM(…)" as a formula.
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# The same characters at the start of a cell or after a semicolon, as a regular expression for a whole column: a
# spreadsheet whose locale lists with semicolons (German, French...) splits "hello;=1+1" into "hello" and a formula.
_DANGEROUS_AT = "(^|;)[=+\\-@\t\r＝＋－＠]"
_UNIT = "\x1f"  # the unit separator: joins a mention's tags into one key while the recode is worked out
_END = pa.scalar("\r\n")  # the end of a CSV line, as csv.writer ends them here
# Batches whose CSV lines are made at once. 1: at 1M realistic mentions two gave the same time at load 5 (30.8 s
# against 30.3 s: the other core was taken) and a peak 32 MB higher (514 MB against 482 MB), against the 500 MB cap.
WRITE_THREADS = 1
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value: str) -> str:
    """A text cell made safe for spreadsheets (numbers untouched): a cell that would start a formula gets a
    leading apostrophe, and so does each part after a semicolon, where a semicolon-list spreadsheet would start
    a cell of its own ("a;=1+1" → "a;'=1+1")."""
    if ";" in value:
        return ";".join(_neutralise_one(part) for part in value.split(";"))
    return _neutralise_one(value)


def _neutralise_one(value: str) -> str:
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


def _texts(values: pa.Array, safe: bool) -> pa.Array:
    """A text column's cells: missing values empty, neutralised when ``safe`` (only the few cells that start with
    a character a spreadsheet would run go through ``neutralise`` one by one)."""
    texts = pc.fill_null(values.cast(pa.string()), "")
    if not safe:
        return texts
    starts = np.flatnonzero(pc.match_substring_regex(texts, _DANGEROUS_AT).to_numpy(zero_copy_only=False))
    if not len(starts):
        return texts
    cells = texts.to_pylist()
    for i in starts:
        cells[i] = neutralise(cells[i])
    return pa.array(cells, pa.string())


def _times(values: pa.Array, tz: str, form: str) -> pa.Array:
    """Stored times (naive UTC) as wall-clock times in ``tz``, to the second; missing ones empty."""
    seconds = pc.floor_temporal(values, unit="second").cast(pa.timestamp("s"))
    local = pc.assume_timezone(seconds, "UTC").cast(pa.timestamp("s", tz=tz))
    return pc.fill_null(pc.strftime(local, format=form), "")


_EPOCH = datetime(1970, 1, 1)
# The stored times whose cells are made the fast way (seconds since 1970): from the year 1000 (four digits) to
# 2036. Beyond 2037 the zone files list no more changes: Arrow then keeps the last offset while pandas goes on with
# the zone's rule (New York's summer time in 2100), so such a time goes Arrow's way, as the files always had it.
_YEARS = (
    int((datetime(1000, 1, 1) - _EPOCH).total_seconds()),
    int((datetime(2037, 1, 1) - _EPOCH).total_seconds()) - 1,
)


def _time_pair(values: pa.Array, tz: str) -> tuple[pa.Array, pa.Array]:
    """A timestamp column's two cells: UTC as ``%Y-%m-%dT%H:%M:%SZ`` and wall-clock time in ``tz`` as
    ``%Y-%m-%d %H:%M:%S``. Arrow's cast of a timestamp to text writes ``%Y-%m-%d %H:%M:%S`` far faster than its
    ``strftime`` (which looks the zone up per value), and pandas moves the times into ``tz`` at once; a year out of
    ``_YEARS`` goes the ``strftime`` way."""
    seconds = pc.floor_temporal(values, unit="second").cast(pa.timestamp("s"))
    numbers = seconds.cast(pa.int64())
    bounds = pc.min_max(numbers)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is None or low < _YEARS[0] or high > _YEARS[1]:
        return _times(values, "UTC", "%Y-%m-%dT%H:%M:%SZ"), _times(values, tz, "%Y-%m-%d %H:%M:%S")
    text = seconds.cast(pa.string())
    utc = pc.binary_join_element_wise(pc.replace_substring(text, " ", "T", max_replacements=1), "Z", "")
    if tz == "UTC":
        local = text
    else:
        moved = pd.DatetimeIndex(seconds.to_numpy(zero_copy_only=False)).tz_localize("UTC").tz_convert(tz)
        local = pa.array(moved.tz_localize(None).to_numpy(), pa.timestamp("s"), from_pandas=True).cast(pa.string())
    return pc.fill_null(utc, ""), pc.fill_null(local, "")


def _tags(values: pa.Array, delimiter: str, names_of_tags: dict | None) -> pa.Array:
    """Each mention's tags joined by ``delimiter``, under the recode's names: worked out once per distinct tag
    list (a few thousand), not per mention."""
    if names_of_tags is None:
        return pc.binary_join(values, delimiter)
    lists = pc.dictionary_encode(pc.binary_join(values, _UNIT))  # a separator no tag holds
    shown = [
        None if key is None else delimiter.join(recode_tags(key.split(_UNIT) if key else [], names_of_tags))
        for key in lists.dictionary.to_pylist()
    ]
    return pa.array(shown, pa.string()).take(lists.indices)


def _cells(batch: pa.RecordBatch, fields: list[str], tz: str, delimiter: str, names_of_tags, safe) -> list[pa.Array]:
    """The CSV cells of a batch of rows, column by column (each timestamp twice, the tags twice)."""
    columns: list[pa.Array] = []
    for name in fields:
        values = batch.column(name)
        if name in TIMESTAMP_FIELDS:
            columns.extend(_time_pair(values, tz))
        elif name == "tags":
            columns.append(_texts(_tags(values, delimiter, names_of_tags), safe))
            columns.append(_texts(batch.column("tagsRaw"), safe))
        else:
            columns.append(_texts(values, safe))
    return columns


def _lines(columns: list[pa.Array]) -> str:
    """Rows of text cells as CSV lines, quoted exactly as ``csv.writer`` quotes (QUOTE_MINIMAL): a cell with a
    comma, a double quote or a line break is quoted and its quotes doubled; the one cell of a one-column row is
    quoted when empty. Column by column in Arrow, so that no Python object is made per cell."""
    return bytes(_line_bytes(columns)).decode("utf-8")


def _line_bytes(columns: list[pa.Array]) -> memoryview:
    """``_lines`` as the UTF-8 bytes of the lines, without a copy: the lines are made as one Arrow string array
    (each with its ``\r\n``), whose data buffer holds them end to end."""
    quoted = []
    for cells in columns:
        special = pc.match_substring_regex(cells, '[",\r\n]')
        if len(columns) == 1:
            special = pc.or_(special, pc.equal(pc.utf8_length(cells), 0))
        if not pc.any(special).as_py():  # most columns (keys, codes, times, numbers): nothing to quote
            quoted.append(cells)
            continue
        wrapped = pc.binary_join_element_wise('"', pc.replace_substring(cells, '"', '""'), '"', "")
        quoted.append(pc.if_else(special, wrapped, cells))
    quoted[-1] = pc.binary_join_element_wise(quoted[-1], _END, "")  # the line's end, on its last cell
    rows = pc.binary_join_element_wise(*quoted, ",") if len(quoted) > 1 else quoted[0]
    if not len(rows):
        return memoryview(b"")
    rows = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=rows.offset + len(rows) + 1, offset=0)
    start, end = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return memoryview(rows.buffers()[2])[start:end]


def _write(out: TextIO, data: memoryview) -> None:
    """Lines as bytes to ``out``: to the file underneath when it is UTF-8 (after what the text layer holds),
    else as text."""
    raw = getattr(out, "buffer", None)
    if raw is not None and codecs.lookup(getattr(out, "encoding", "") or "ascii").name in ("utf-8", "utf-8-sig"):
        out.flush()
        raw.write(data)
    else:
        out.write(bytes(data).decode("utf-8"))


def _in_order(work: Callable[[pa.RecordBatch], memoryview], batches: Iterable[pa.RecordBatch]) -> Iterator[memoryview]:
    """``work`` of each batch, in the batches' order, ``WRITE_THREADS`` batches at a time: Arrow's compute
    functions let go of the GIL, so the lines of the next batch are made on the other core while this one's are.
    At most ``WRITE_THREADS`` batches are in hand at once (and the one written)."""
    if WRITE_THREADS < 2:
        yield from map(work, batches)
        return
    with ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="sce-export") as pool:
        pending: deque[Future[memoryview]] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(work, batch))
                if len(pending) >= WRITE_THREADS:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _topic_flags(topics: TopicSet, text: pa.Array) -> list[pa.Array]:
    """Per topic, "1" or "0" for each text: the query language read as the model reads it
    (lib/text/boolean_query.py; the words of an OR looked for in one pass)."""

    def search(query: str) -> np.ndarray:
        return evaluate(grouped(parse(query)), lambda node: scan(text, node))

    return [pa.array(np.where(topic_mask(topics, t.name, search, len(text)), "1", "0")) for t in topics.topics]


def _topic_rule(topics: TopicSet, topic) -> str:
    """What puts a mention under ``topic``, as the manifest states it: its query, and/or its children."""
    if not topics.children(topic.name):
        return topic.query
    return f"{topic.query} (or any topic under it)" if topic.query.strip() else "any topic under it"


def write_csv(
    store: Store,
    scope: Scope,
    out: TextIO,
    *,
    columns: Iterable[str] | None = None,
    row_cap: int | None = None,
    topics: TopicSet | None = None,
    topic_columns: bool = True,
    tag_delimiter: str | None = None,
    recode: TagRecode | None = None,
    safe: bool = True,
) -> Manifest:
    """Write the mentions of ``scope`` in ``store`` (newest first, at most ``row_cap``) to ``out`` as CSV; return
    the manifest. The rows are chosen by the store's own engine and written a batch at a time
    (lib/export/stream.py): memory stays flat at any size, and a ``Store`` or its published ``SnapshotStore``
    give the same file.

    ``topics`` are the saved text topics: a topic filter of ``scope`` reads them, and (``topic_columns``) each
    adds a column ``topic: <name>`` holding 1 or 0. Tags are under ``recode`` (the store's tag recode, as the tag
    views show them and filter by them; None: as stored), joined by ``tag_delimiter`` (default: the store's), with
    the raw tag string beside them. ``safe=False`` writes text cells as they are (not for spreadsheets). ``out``
    is a text stream; open files with ``newline=""`` and ``encoding="utf-8-sig"`` for Excel's BOM.
    """
    tz = scope.tz
    header = export_columns(columns, tz)
    fields = [c for c in header if not c.endswith(f"({tz})") and c != RAW_TAGS]
    topics = topics or TopicSet()
    shown = topics if topic_columns else TopicSet()
    wanted = [*fields, *(["tagsRaw"] if "tags" in fields else [])]
    if shown.topics and "messageContent" not in wanted:
        wanted.append("messageContent")
    delimiter = tag_delimiter or store.setting("tag_delimiter", ",")
    cell = neutralise if safe else (lambda value: value)
    topic_headers = [f"topic: {t.name}" for t in shown.topics]
    with select(store, scope, wanted, limit=row_cap, recode=recode, topics=topics) as rows:
        names_of_tags = tag_names(rows.raw_tags, recode) if recode is not None and "tags" in fields else None
        csv.writer(out, lineterminator="\r\n").writerow([cell(c) for c in header + topic_headers])

        def lines(batch: pa.RecordBatch) -> memoryview:
            flags = _topic_flags(shown, batch.column("messageContent")) if shown.topics else []
            return _line_bytes([*_cells(batch, fields, tz, delimiter, names_of_tags, safe), *flags])

        for data in _in_order(lines, rows.batches()):
            _write(out, data)
    matching = rows.matching
    notes = [] if not row_cap or matching <= row_cap else [f"Capped at {row_cap:,} of {matching:,} matching rows."]
    return Manifest(
        rows=rows.rows,
        columns=header + topic_headers,
        filters={k: v for k, v in scope.filters.active().items()},
        timezone=tz,
        store_version=rows.version,
        exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        row_cap=row_cap,
        rows_matching=matching,
        tag_delimiter=delimiter,
        tag_recode=recode.to_dict() if recode is not None else None,
        formula_safe=safe,
        topics={t.name: _topic_rule(shown, t) for t in shown.topics},
        notes=notes,
    )


def csv_bytes(store: Store, scope: Scope, *, bom: bool = False, **kwargs) -> tuple[bytes, Manifest]:
    """The CSV as bytes (for a download button, within the app's row cap), UTF-8 with or without a BOM for Excel."""
    buffer = io.StringIO()
    manifest = write_csv(store, scope, buffer, **kwargs)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"), manifest
