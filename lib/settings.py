"""Small settings files beside the store (tag recode, stopwords, text topics): JSON, written atomically."""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
SHORT_ID = re.compile(r"^[0-9a-f]{8}\Z")  # a saved view's or an alert rule's id: secrets.token_hex(4)


def settings_path(store_path: Path, name: str) -> Path:
    """``<store file>.<name>.json``, in the store's folder, so every app replica and the CLI see the same."""
    store_path = Path(store_path)
    return store_path.with_name(f"{store_path.name}.{name}.json")


def load_setting(store_path: Path, name: str, parse: Callable[[str], T], default: T) -> T:
    """The store's setting ``name``, read by ``parse`` (which raises the setting's own error with a remedy for a
    bad file); ``default`` while no one has saved it."""
    try:
        text = settings_path(store_path, name).read_text()
    except FileNotFoundError:
        return default
    return parse(text)


def read_list(path: Path, key: str, max_bytes: int) -> list[object]:
    """The list under ``key`` in the JSON file ``path`` (``{"<key>": [...]}``: saved views, alert rules); [] while
    there is no file. A file larger than ``max_bytes``, not UTF-8, not JSON or of another shape raises ValueError
    whose text is the reason, for the caller's error that says what to do."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return []
    if size > max_bytes:
        raise ValueError(f"larger than {max_bytes / 1_000_000:g} MB, not read")
    data = json.loads(path.read_text(encoding="utf-8"))  # a UnicodeDecodeError or JSONDecodeError is a ValueError
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ValueError(f'expected {{"{key}": [...]}}')
    return data[key]


def write_atomically(path: Path, data: object) -> None:
    """Write JSON to a temporary file and rename it over ``path``: readers see the old or the new, never half."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    os.replace(tmp, path)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold ``<path>.lock`` (an advisory lock, waited for) around a read-modify-write of ``path``, so two
    processes that change one settings file (two app replicas, the app and the CLI) never lose a change."""
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
