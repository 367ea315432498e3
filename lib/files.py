"""Reading export files: CSV/TSV (one header row or Qualtrics' three), JSON, NDJSON; zip'd, gzip'd or plain.

Loaders take bytes or a binary file object, never only a path, so the same code serves uploads, the
API's downloads and tests. Every value is read as a string: no column gets default NA parsing (the
string ``NA`` is North America or Namibia, not a missing value). Rows that cannot be read are
reported with their line, never dropped silently.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

import pandas as pd

from lib.errors import ExplorerError

MAX_FILE_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200  # text compresses ~10x; a zip that claims 200x is a bomb, not an export
_BAD_LINE = re.compile(r"Skipping line (\d+): (.*)")


class FileFormatError(ExplorerError):
    """A file could not be read as an export."""


@dataclass
class RawFile:
    frame: pd.DataFrame  # every column a string column, as in the file
    header_rows: int  # 1, or 3 for a Qualtrics CSV export (names, descriptions, ImportIds); 0 for JSON
    first_data_line: int  # the file line (or record number) of the frame's first row, for messages
    format: str  # csv, tsv, json, ndjson
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (line, why) of rows not read
    row_numbers: list[int] | None = None  # the line of each row, when rows were skipped in between


def _unzip(raw: bytes, name: str) -> tuple[bytes, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise FileFormatError(f"{name} looks like a zip file but cannot be opened; download it again.") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) != 1:
        raise FileFormatError(
            f"{name} holds {len(members)} files; an export zip holds exactly one. Unzip it and import the CSV."
        )
    member = members[0]
    if member.filename.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", member.filename):
        raise FileFormatError(f"{name} contains a file with an unsafe path ({member.filename!r}); refusing it.")
    if member.file_size > MAX_FILE_BYTES or member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
        raise FileFormatError(
            f"{name} would unpack to {member.file_size / 1e6:,.0f} MB from {member.compress_size / 1e6:,.1f} MB: "
            "that is a zip bomb, not an export. Refusing it."
        )
    with archive.open(member) as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > member.file_size:  # the header lied about the size
        raise FileFormatError(f"{name} unpacks to more than it declares; refusing it.")
    return data, member.filename


def _as_bytes(data: bytes | BinaryIO, name: str) -> tuple[bytes, str]:
    raw = data if isinstance(data, bytes) else data.read()
    if raw[:4] == b"PK\x03\x04":
        raw, name = _unzip(raw, name)
    if raw[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            raw = gz.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise FileFormatError(f"{name} is larger than {MAX_FILE_BYTES // 1024**3} GB; split it, or pull from the API.")
    return raw, name


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"{name} is not UTF-8 text (byte {exc.start} cannot be read). Export it again as CSV (UTF-8)."
        ) from None


def _is_import_id_row(row: pd.Series) -> bool:
    cells = [c for c in row.tolist() if c]
    return bool(cells) and all(c.startswith('{"ImportId"') for c in cells)


def read_delimited(data: bytes | BinaryIO, name: str = "file") -> RawFile:
    """A CSV/TSV export as strings; the three header rows of Qualtrics exports are detected and dropped."""
    raw, name = _as_bytes(data, name)
    return _read_delimited_text(_decode(raw, name), name)


def _read_delimited_text(text: str, name: str) -> RawFile:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    kind = "tsv" if delimiter == "\t" else "csv"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                quoting=csv.QUOTE_MINIMAL,
                engine="c",
                on_bad_lines="warn",
            )
        except pd.errors.EmptyDataError:
            raise FileFormatError(f"{name} is empty.") from None
        except pd.errors.ParserError as exc:
            raise FileFormatError(f"{name} could not be read as {kind.upper()}: {exc}") from None
    bad = [
        (int(m.group(1)), m.group(2).strip())
        for w in caught
        for line in str(w.message).splitlines()
        if (m := _BAD_LINE.search(line))
    ]
    header_rows, first_line_no = 1, 2
    if len(frame) >= 2 and _is_import_id_row(frame.iloc[1]):
        frame = frame.iloc[2:].reset_index(drop=True)
        header_rows, first_line_no = 3, 4
    row_numbers = None
    if bad:
        # Rows after a skipped line sit one line further down than their position says.
        skipped = sorted(line for line, _ in bad)
        row_numbers, line, k = [], first_line_no, 0
        for _ in range(len(frame)):
            while k < len(skipped) and skipped[k] <= line:
                line, k = line + 1, k + 1
            row_numbers.append(line)
            line += 1
    return RawFile(frame, header_rows, first_line_no, kind, bad, row_numbers)


def flatten(obj: dict, prefix: str = "") -> dict[str, str]:
    """Nested mention objects -> dotted keys (``author.name``); lists kept as JSON (``tags``)."""
    out: dict[str, str] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        elif value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value)
    return out


def _record(obj: object) -> dict[str, str] | None:
    """One row from a JSON record: a Qualtrics response ({values, labels}) or a mention object."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("values"), dict):
        # Qualtrics JSON exports key values by ImportId; the response id rides along as responseId.
        row = flatten(obj["values"])
        if "responseId" in obj:
            row.setdefault("responseId", str(obj["responseId"]))
        return row
    return flatten(obj)


def read_json(data: bytes | BinaryIO, name: str = "file") -> RawFile:
    """JSON: ``{"responses": [...]}`` (Qualtrics export), a list of mention objects, or one per line."""
    raw, name = _as_bytes(data, name)
    text = _decode(raw, name)
    rows: list[dict[str, str]] = []
    bad: list[tuple[int, str]] = []
    numbers: list[int] = []
    kind, document = "ndjson", None
    if text.lstrip()[:1] in ("{", "["):
        with contextlib.suppress(json.JSONDecodeError):  # else: several JSON values, one per line
            document, kind = json.loads(text), "json"
    if kind == "json":
        records = document.get("responses") if isinstance(document, dict) and "responses" in document else document
        records = records if isinstance(records, list) else [records]
        for number, obj in enumerate(records, start=1):
            row = _record(obj)
            if row is None:
                bad.append((number, "not a JSON object"))
            else:
                rows.append(row)
                numbers.append(number)
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = _record(json.loads(line))
            except json.JSONDecodeError as exc:
                bad.append((number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
                continue
            if row is None:
                bad.append((number, "not a JSON object"))
            else:
                rows.append(row)
                numbers.append(number)
    if not rows and not bad:
        raise FileFormatError(f"{name} holds no records.")
    frame = pd.DataFrame(rows, dtype=object).fillna("").astype(str) if rows else pd.DataFrame()
    return RawFile(frame, 0, numbers[0] if numbers else 1, kind, bad, numbers)


def read_export(data: bytes | BinaryIO, name: str = "file") -> RawFile:
    """Any supported export file, by its content (not its name): zip/gzip, then JSON/NDJSON or CSV/TSV."""
    raw, inner = _as_bytes(data, name)
    head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return read_json(raw, inner)
    return _read_delimited_text(_decode(raw, inner), inner)
