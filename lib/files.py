"""Reading export files: CSV or TSV with one header row or Qualtrics' three, BOM or not, gzip'd or not.

Loaders take bytes or a binary file object, never only a path, so the same code serves uploads, the
API's downloads and tests. Every value is read as a string: no column gets default NA parsing (the
string ``NA`` is North America or Namibia, not a missing value).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from typing import BinaryIO

import pandas as pd

from lib.errors import ExplorerError

MAX_FILE_BYTES = 2 * 1024**3


class FileFormatError(ExplorerError):
    """A file could not be read as an export."""


@dataclass
class RawFile:
    frame: pd.DataFrame  # every column a string column, as in the file
    header_rows: int  # 1, or 3 for a Qualtrics export (names, descriptions, ImportIds)
    first_data_line: int  # the file line of the frame's first row, for messages
    delimiter: str


def _as_bytes(data: bytes | BinaryIO) -> bytes:
    raw = data if isinstance(data, bytes) else data.read()
    if raw[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            raw = gz.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise FileFormatError(
            f"The file is larger than {MAX_FILE_BYTES // 1024**3} GB; split it, or pull from the API."
        )
    return raw


def _is_import_id_row(row: pd.Series) -> bool:
    cells = [c for c in row.tolist() if c]
    return bool(cells) and all(c.startswith('{"ImportId"') for c in cells)


def read_delimited(data: bytes | BinaryIO, name: str = "file") -> RawFile:
    """A CSV/TSV export as strings; the three header rows of Qualtrics exports are detected and dropped."""
    raw = _as_bytes(data)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"{name} is not UTF-8 text (byte {exc.start} cannot be read). Export it again as CSV (UTF-8)."
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise FileFormatError(f"{name} is empty.") from None
    except pd.errors.ParserError as exc:
        raise FileFormatError(f"{name} could not be read as {'TSV' if delimiter == chr(9) else 'CSV'}: {exc}") from None
    header_rows, first_line_no = 1, 2
    if len(frame) >= 2 and _is_import_id_row(frame.iloc[1]):
        frame = frame.iloc[2:].reset_index(drop=True)
        header_rows, first_line_no = 3, 4
    return RawFile(frame, header_rows, first_line_no, delimiter)
