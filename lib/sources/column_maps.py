"""Column-to-field mappings remembered per header set: a file with the same columns is read the same way.

Saved beside the store (``<store>.column-maps.json``), shared by everyone who imports into it: the Data
page saves the mapping an import used; the CLI applies the saved one (and ``--map`` over it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from lib.mentions.schema import FIELD_NAMES
from lib.settings import settings_path, write_atomically


def header_key(columns: Iterable[str]) -> str:
    """The header set: the same columns in any order."""
    return hashlib.sha1("\n".join(sorted(set(map(str, columns)))).encode()).hexdigest()[:16]


def _path(store_path: Path) -> Path:
    return settings_path(store_path, "column-maps")


def _all(store_path: Path) -> dict:
    try:
        data = json.loads(_path(store_path).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def saved_mapping(store_path: Path, columns: Iterable[str]) -> dict[str, str]:
    """The mapping saved for this header set (only columns it has, to fields that exist)."""
    columns = list(map(str, columns))
    entry = _all(store_path).get(header_key(columns), {})
    mapping = entry.get("mapping", {}) if isinstance(entry, dict) else {}
    return {c: f for c, f in mapping.items() if c in columns and f in FIELD_NAMES}


def save_mapping(store_path: Path, columns: Iterable[str], mapping: Mapping[str, str]) -> None:
    """Remember ``mapping`` for this header set (an empty mapping forgets it)."""
    columns = list(map(str, columns))
    data = _all(store_path)
    key = header_key(columns)
    if mapping:
        data[key] = {"columns": sorted(set(columns)), "mapping": dict(mapping)}
    else:
        data.pop(key, None)
    write_atomically(_path(store_path), data)
