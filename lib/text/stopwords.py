"""Stopwords: each language's list from ``stopwordsiso`` plus the team's own changes, saved beside the store.

They are applied at query time as a mask over the term index (lib/text/terms.py), so an edit shows at once
and every token stays in the store.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from lib.errors import ExplorerError
from lib.settings import load_setting, settings_path, write_atomically
from lib.text.terms import Stoplist


class StoplistError(ExplorerError):
    """A stopword file could not be read."""


@cache
def language_stopwords(language: str) -> frozenset[str]:
    """The ``stopwordsiso`` list of an ISO 639-1 language (empty for a language it does not have)."""
    import stopwordsiso

    if not language or not stopwordsiso.has_lang(language):
        return frozenset()
    return frozenset(w.lower().replace("’", "'") for w in stopwordsiso.stopwords(language))


def _words(values) -> frozenset[str]:
    return frozenset(w.strip().lower() for w in values if isinstance(w, str) and w.strip())


def parse_words(text: str) -> frozenset[str]:
    """Words typed one per line or separated by commas."""
    return _words(text.replace(",", "\n").splitlines())


def stoplist_path(store_path: Path) -> Path:
    return settings_path(store_path, "stopwords")


def parse_stoplist(text: str) -> Stoplist:
    try:
        data = json.loads(text)
        return Stoplist(add=_words(data.get("add", [])), keep=_words(data.get("keep", [])))
    except (ValueError, AttributeError) as exc:
        raise StoplistError(f"The stopword file beside the store is not valid ({exc}); fix or delete it.") from exc


def load_stoplist(store_path: Path) -> Stoplist:
    return load_setting(store_path, "stopwords", parse_stoplist, Stoplist())


def save_stoplist(store_path: Path, stoplist: Stoplist) -> None:
    write_atomically(stoplist_path(store_path), {"add": sorted(stoplist.add), "keep": sorted(stoplist.keep)})
