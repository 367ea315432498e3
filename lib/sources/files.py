"""Reading export files a batch of rows at a time: CSV/TSV (one header row or Qualtrics' three), JSON, NDJSON.

Loaders take bytes, a path or a binary file object, so the same code serves uploads, the API's downloads
and tests; ``lib/sources/unpack.py`` unzips, gunzips and decodes on the way, streamed. Memory depends on the batch
size, never on the file's size. Every value is read as a string (the string ``NA`` is North America or
Namibia, not a missing value).

Every record is accounted for: the rows of the batches plus the rows reported bad, with their line, are
the records of the file. A CSV quote that is not closed where it should be (``r1,"unterminated``) would
swallow the lines after it into one field; the reader notices (the record's closing quote is not followed
by a separator, the record has the wrong number of fields, or it runs past the size of a record), reports
the line that opened the quote and reads the swallowed lines again as rows of their own.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

import pandas as pd

from lib.sources.unpack import Caps, FileFormatError, Source, open_text_bytes

__all__ = ["ExportReader", "FileFormatError", "Limits", "RawBatch", "RawFile", "open_export", "read_export"]

MAX_COMPRESSION_RATIO = Caps.max_ratio
MAX_REPORTED = 1000  # rejected rows reported one by one; beyond that, counted
MAX_COLUMNS = 2_000  # an export has a few dozen; beyond this it is not one (and would be slow to store)
MAX_DEPTH = 16  # nested JSON objects flattened this deep; deeper values are kept as JSON text
_SURROGATE = re.compile("[\ud800-\udfff]")
_RESPONSES = re.compile(r'\{\s*"responses"\s*:\s*\[')
_WS = " \t\r\n"


@dataclass(frozen=True)
class Limits:
    """How much of a file is held at once: the largest record, and the size of a batch of rows."""

    record_bytes: int = 16 * 1024**2
    batch_rows: int = 50_000
    batch_bytes: int = 16 * 1024**2
    caps: Caps = field(default_factory=Caps)


@dataclass
class RawBatch:
    frame: pd.DataFrame  # strings; NaN where a JSON record has no such key (absent, which is not blank)
    lines: list[int]  # the file line (CSV, NDJSON) or record number (JSON) of each row


@dataclass
class RawFile:
    """A whole (small) file read at once: what ``read_export`` returns."""

    frame: pd.DataFrame
    header_rows: int
    first_data_line: int
    format: str
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    row_numbers: list[int] | None = None
    warnings: list[str] = field(default_factory=list)


class _Runaway(Exception):
    """A CSV record grew past the size of a record: a quote was not closed."""


class ExportReader:
    """One export file, opened: its columns (from the header, or the first JSON records), then its rows in
    batches. ``bad_rows`` holds the first MAX_REPORTED rows that could not be read, ``n_bad`` counts all."""

    def __init__(self, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.format, self.header_rows, self.first_data_line = "csv", 1, 2
        self.columns: list[str] = []
        self.bad_rows: list[tuple[int, str]] = []
        self.n_bad = 0
        self.rows = 0
        self.warnings: list[str] = []
        self._batches: Iterator[RawBatch] = iter(())

    def reject(self, line: int, why: str) -> None:
        self.n_bad += 1
        if len(self.bad_rows) < MAX_REPORTED:
            self.bad_rows.append((line, why))

    def batches(self) -> Iterator[RawBatch]:
        for batch in self._batches:
            self.rows += len(batch.frame)
            yield batch


@contextmanager
def open_export(source: Source, name: str = "file", limits: Limits = Limits()) -> Iterator[ExportReader]:
    """Any supported export file, by its content (not its name): zip/gzip, then JSON/NDJSON or CSV/TSV."""
    with open_text_bytes(source, name, limits.caps) as opened:
        reader = ExportReader(opened.name, limits)
        reader.warnings += opened.notes
        head = opened.stream.peek(64)[:64].lstrip(b" \t\r\n")
        if not head:
            raise FileFormatError(f"{name} is empty.")
        if head[:1] in (b"{", b"["):
            _open_json(reader, opened.stream)
        else:
            _open_delimited(reader, opened.stream)
        yield reader


# -- lines --------------------------------------------------------------------------------------------------
def _lines(stream: BinaryIO, reader: ExportReader, first: int = 1) -> Iterator[tuple[int, str]]:
    """(line number, text with its line break) of UTF-8 ``stream``; a line longer than a record is reported
    and skipped without being held."""
    limit, number = reader.limits.record_bytes, first - 1
    while data := stream.readline(limit + 1):
        number += 1
        if len(data) > limit:
            while data and not data.endswith(b"\n"):
                data = stream.readline(1 << 20)
            reader.reject(number, f"longer than {limit // 1024**2} MB: not a row of an export")
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                f"{reader.name} is not UTF-8 text (line {number:,}, byte {exc.start + 1} of that line, cannot be "
                "read). Export it again as CSV (UTF-8)."
            ) from None
        yield number, text


class _Pushback:
    """The lines the csv module reads, remembered per record, and lines given back to be read again."""

    def __init__(self, lines: Iterator[tuple[int, str]], limit: int):
        self.lines, self.limit = lines, limit
        self.pending: deque[tuple[int, str]] = deque()
        self.span: list[tuple[int, str]] = []
        self.chars = 0

    def __iter__(self) -> _Pushback:
        return self

    def __next__(self) -> str:
        number, text = self.pending.popleft() if self.pending else next(self.lines)
        self.span.append((number, text))
        self.chars += len(text)
        if self.chars > self.limit and len(self.span) > 1:
            raise _Runaway
        return text

    def start(self) -> None:
        self.span, self.chars = [], 0

    def give_back(self, lines: list[tuple[int, str]]) -> None:
        self.pending.extendleft(reversed(lines))


# -- CSV / TSV ----------------------------------------------------------------------------------------------
def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if not count else f"{name}.{count}")
    return out


def _check_width(reader: ExportReader, columns: int) -> None:
    """An export has a few dozen columns (the mention fields and some embedded data): thousands are not one,
    and would cost minutes and memory per row to store as extra columns."""
    if columns > MAX_COLUMNS:
        raise FileFormatError(
            f"{reader.name} has {columns:,} columns; an export of mentions has a few dozen (at most {MAX_COLUMNS:,} "
            "are read). Export only the mention fields and import that file."
        )


def _is_import_id_row(fields: list[str]) -> bool:
    cells = [c for c in fields if c]
    return bool(cells) and all(c.startswith('{"ImportId"') for c in cells)


def _open_delimited(reader: ExportReader, stream: BinaryIO) -> None:
    lines = _lines(stream, reader)
    first = next(lines, None)
    if first is None:
        raise FileFormatError(f"{reader.name} is empty.")
    if "\r" in first[1].rstrip("\r\n"):
        raise FileFormatError(
            f"{reader.name} ends its lines with a lone carriage return (old Mac line endings), so it reads as one "
            "line. Save it again with Windows or Unix line endings (CSV UTF-8) and import it again."
        )
    delimiter = "\t" if first[1].count("\t") > first[1].count(",") else ","
    reader.format = "tsv" if delimiter == "\t" else "csv"
    source = _Pushback(lines, reader.limits.record_bytes)
    source.give_back([first])
    records = _records(reader, source, delimiter)
    header = next(records, None)
    if header is None or not any(h.strip() for h in header[1]):
        raise FileFormatError(f"{reader.name} has no header row (its first line is empty).")
    _check_width(reader, len(header[1]))
    reader.columns = _dedupe([h.strip() for h in header[1]])
    head = [next(records, None), next(records, None)]
    if head[1] is not None and _is_import_id_row(head[1][1]):
        reader.header_rows, reader.first_data_line, head = 3, 4, []
    reader._batches = _delimited_batches(reader, [r for r in head if r is not None], records)


def _records(reader: ExportReader, source: _Pushback, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of each record; records that cannot be read are reported, their swallowed lines
    read again."""
    csv.field_size_limit(max(csv.field_size_limit(), reader.limits.record_bytes))
    width = 0  # the header's number of fields, once read

    def parser():
        return csv.reader(source, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)

    rows = parser()
    while True:
        source.start()
        try:
            fields = next(rows)
            problem = ""
            if width and fields and len(fields) != width and not (len(fields) == 1 and not fields[0].strip()):
                problem = f"expected {width} fields, saw {len(fields)}"
        except StopIteration:
            return
        except csv.Error as exc:
            problem = _plain_csv_error(str(exc), delimiter)
        except _Runaway:
            rows = parser()  # the old one stopped half way through a record
            problem = f"longer than {reader.limits.record_bytes // 1024**2} MB"
        span = source.span
        if problem:
            if not span:
                return
            if len(span) > 1:  # the quote on the first line swallowed the others: read them again
                problem = (
                    f"a quote opened on this line is not closed where it should be (the row ran on over lines "
                    f"{span[0][0]:,}–{span[-1][0]:,}: {problem}); fix the quote and import the row again"
                )
                source.give_back(span[1:])
            reader.reject(span[0][0], problem)
            continue
        if not fields or (len(fields) == 1 and not fields[0].strip() and width != 1):
            continue  # a blank line is not a row
        if not width:
            width = len(fields)
        elif len(span) > 1:
            _check_swallowed(reader, span, fields, delimiter, width)
        yield span[0][0], fields


def _plain_csv_error(text: str, delimiter: str) -> str:
    """The csv module's complaint in words a user can act on."""
    separator = "a tab" if delimiter == "\t" else f"a {delimiter!r}"
    if "expected after" in text:
        return f"a closing quote is followed by more text instead of {separator}"
    if "unexpected end of data" in text:
        return "the file ends inside a quoted field"
    if "field larger than field limit" in text:
        return "a field is longer than a record may be"
    return text


def _check_swallowed(
    reader: ExportReader, span: list[tuple[int, str]], fields: list[str], delimiter: str, width: int
) -> None:
    """Warn about a multi-line field with a line in it that is a whole row of this file by itself."""
    if width < 3:
        return
    for value in fields:
        if value.count(delimiter) < width - 1 or "\n" not in value:
            continue  # no line of it can hold a whole row (most values: each line holds fewer separators)
        for offset, piece in enumerate(value.split("\n")[1:], start=1):
            if piece.count(delimiter) >= width - 1 and len(next(csv.reader([piece], delimiter=delimiter))) == width:
                if len(reader.warnings) < 20:
                    reader.warnings.append(
                        f"line {span[0][0]:,}: a field runs over lines {span[0][0]:,}–{span[-1][0]:,} and holds what "
                        f"looks like a whole row (line {span[0][0] + offset:,}). If a quote is missing on line "
                        f"{span[0][0]:,}, fix it and import the file again."
                    )
                return


def _delimited_batches(
    reader: ExportReader, first: list[tuple[int, list[str]]], records: Iterator[tuple[int, list[str]]]
) -> Iterator[RawBatch]:
    rows: list[list[str]] = []
    lines: list[int] = []
    size = 0
    limits = reader.limits
    for line, fields in _chain(first, records):
        rows.append(fields)
        lines.append(line)
        size += sum(map(len, fields))
        if len(rows) >= limits.batch_rows or size >= limits.batch_bytes:
            batch = RawBatch(_strings(pd.DataFrame(rows, columns=reader.columns, dtype=object)), lines)
            rows, lines, size = [], [], 0  # before the yield: the caller works on the batch, not on both
            yield batch
    if rows:
        yield RawBatch(_strings(pd.DataFrame(rows, columns=reader.columns, dtype=object)), lines)


def _strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Arrow-backed string columns (NaN stays missing): what normalisation works on fastest."""
    return frame.astype("str")


def _chain(first, rest):
    yield from first
    yield from rest


# -- JSON / NDJSON ------------------------------------------------------------------------------------------
_DECODER = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)  # numbers stay as written


def _text(value: str, fixed: list[int]) -> str:
    if _SURROGATE.search(value):
        fixed[0] += 1
        return _SURROGATE.sub("\ufffd", value)
    return value


def flatten(obj: dict, prefix: str = "", fixed: list[int] | None = None, depth: int = 0) -> dict[str, str]:
    """Nested mention objects -> dotted keys (``author.name``); lists kept as JSON (``tags``). Lone surrogates
    (invalid in UTF-8) become U+FFFD and are counted in ``fixed``."""
    fixed = fixed if fixed is not None else [0]
    out: dict[str, str] = {}
    for key, value in obj.items():
        name = _text(f"{prefix}{key}", fixed)
        if isinstance(value, dict) and depth < MAX_DEPTH:
            out.update(flatten(value, f"{name}.", fixed, depth + 1))
        elif isinstance(value, dict | list):
            out[name] = _text(json.dumps(value, ensure_ascii=False), fixed)
        elif value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = _text(str(value), fixed)
    return out


def _record(obj: object, fixed: list[int]) -> dict[str, str] | None:
    """One row from a JSON record: a Qualtrics response ({values, labels}) or a mention object."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("values"), dict):
        # Qualtrics JSON exports key values by ImportId; the response id rides along as responseId.
        row = flatten(obj["values"], fixed=fixed)
        if "responseId" in obj:
            row.setdefault("responseId", str(obj["responseId"]))
        return row
    return flatten(obj, fixed=fixed)


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, rest: BinaryIO):
        self.prefix, self.rest = prefix, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.prefix:
            size = min(len(buffer), len(self.prefix))
            buffer[:size], self.prefix = self.prefix[:size], self.prefix[size:]
            return size
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _open_json(reader: ExportReader, stream: BinaryIO) -> None:
    head = stream.peek(4096)[:4096].lstrip(b" \t\r\n").decode("utf-8", "replace")  # type: ignore[attr-defined]
    if head.startswith("[") or _RESPONSES.match(head):
        reader.format, reader.header_rows, reader.first_data_line = "json", 0, 1
        records = _array_records(reader, stream)
    else:
        records = _object_records(reader, stream)
    batches = _json_batches(reader, records)
    first = next(batches, None)
    reader.columns = list(first.frame.columns) if first is not None else []
    _check_width(reader, len(reader.columns))
    reader._batches = _chain([first] if first is not None else [], batches)


def _decodes(data: bytes) -> object | None:
    try:
        return _DECODER.decode(data.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None


def _object_records(reader: ExportReader, stream: BinaryIO) -> Iterator[tuple[int, object]]:
    """One JSON object per line (NDJSON), or one (pretty-printed) object for the whole file."""
    limit = reader.limits.record_bytes
    first = stream.readline(limit + 1)
    if _decodes(first) is None:  # not one object per line: perhaps one object over several lines
        first += stream.read(limit + 1 - len(first))
        document = _decodes(first) if len(first) <= limit else None
        if document is not None:
            reader.format, reader.header_rows, reader.first_data_line = "json", 0, 1
            items = document.get("responses") if isinstance(document, dict) and "responses" in document else document
            yield from enumerate(items if isinstance(items, list) else [items], start=1)
            return
    reader.format, reader.header_rows, reader.first_data_line = "ndjson", 0, 1
    for number, line in _lines(io.BufferedReader(_Prefixed(first, stream), 1 << 16), reader):
        if not line.strip():
            continue
        try:
            yield number, _DECODER.decode(line)
        except json.JSONDecodeError as exc:
            reader.reject(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
        except RecursionError:
            reader.reject(number, "nested too deeply to be a mention")


def _array_records(reader: ExportReader, stream: BinaryIO) -> Iterator[tuple[int, object]]:
    """The items of a JSON array (or of Qualtrics' ``{"responses": [...]}``), one at a time."""
    decoder = io.TextIOWrapper(stream, encoding="utf-8", errors="strict")
    limit, buffer, pos, eof, number = reader.limits.record_bytes, "", 0, False, 0

    def more() -> bool:
        nonlocal buffer, pos, eof
        try:
            chunk = decoder.read(1 << 20)
        except UnicodeDecodeError:
            raise FileFormatError(
                f"{reader.name} is not UTF-8 text (after record {number:,}). Export it again as UTF-8."
            ) from None
        buffer, pos = buffer[pos:] + chunk, 0
        eof = not chunk
        return bool(chunk)

    def skip_space() -> str:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in _WS:
                pos += 1
            if pos < len(buffer) or not more():
                return buffer[pos] if pos < len(buffer) else ""

    more()
    start = _RESPONSES.match(buffer.lstrip(_WS))
    pos = len(buffer) - len(buffer.lstrip(_WS)) + (start.end() if start else 1)
    while True:
        char = skip_space()
        if char == "]":
            return
        if number:
            if char != ",":
                raise FileFormatError(
                    f"{reader.name} is not valid JSON after record {number:,} (found {char or 'the end'!r} where a "
                    "comma or ] belongs); the file may be cut short. Export it again."
                )
            pos += 1
            skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                if not eof and len(buffer) - pos <= limit and more():
                    continue
                if len(buffer) - pos > limit:
                    raise FileFormatError(
                        f"{reader.name}: record {number + 1:,} is larger than {limit // 1024**2} MB; that is not a "
                        "mention."
                    ) from None
                raise FileFormatError(
                    f"{reader.name} is not valid JSON in record {number + 1:,} ({exc.msg}); the file may be cut short. "
                    "Export it again."
                ) from None
            except RecursionError:
                raise FileFormatError(
                    f"{reader.name}: record {number + 1:,} is nested too deeply to be a mention; refusing the file."
                ) from None
            if end == len(buffer) and not eof and more():
                continue  # a value that ends with the buffer may go on (a number): decode it again
            break
        number += 1
        pos = end
        yield number, value


def _json_batches(reader: ExportReader, records: Iterator[tuple[int, object]]) -> Iterator[RawBatch]:
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    size, fixed = 0, [0]
    limits = reader.limits

    def batch() -> RawBatch:
        return RawBatch(_strings(pd.DataFrame(rows, dtype=object)), lines)

    for number, obj in records:
        try:
            row = _record(obj, fixed)
        except RecursionError:
            reader.reject(number, "nested too deeply to be a mention")
            continue
        if row is None:
            reader.reject(number, "not a JSON object")
            continue
        rows.append(row)
        lines.append(number)
        size += sum(map(len, row.values()))
        if len(rows) >= limits.batch_rows or size >= limits.batch_bytes:
            done = batch()
            rows, lines, size = [], [], 0
            yield done
    if rows:
        yield batch()
    if fixed[0]:
        reader.warnings.append(
            f"{fixed[0]:,} values held half of a UTF-16 surrogate pair (not a character); it is shown as \ufffd."
        )


# -- whole files (small ones: tests, the demo) --------------------------------------------------------------
def read_export(data: Source, name: str = "file", limits: Limits = Limits()) -> RawFile:
    """A whole export file at once, for small files; imports stream through ``open_export``."""
    with open_export(data, name, limits) as reader:
        batches = list(reader.batches())
    frames = [b.frame for b in batches]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=reader.columns)
    frame = frame.fillna("")
    lines = [line for b in batches for line in b.lines]
    return RawFile(
        frame,
        reader.header_rows,
        lines[0] if lines else reader.first_data_line,
        reader.format,
        reader.bad_rows,
        lines,
        reader.warnings,
    )


def read_delimited(data: Source, name: str = "file") -> RawFile:
    """A CSV/TSV export as strings; the three header rows of Qualtrics exports are detected and dropped."""
    return read_export(data, name)


def read_json(data: Source, name: str = "file") -> RawFile:
    """JSON: ``{"responses": [...]}`` (Qualtrics export), a list of mention objects, or one per line."""
    return read_export(data, name)
