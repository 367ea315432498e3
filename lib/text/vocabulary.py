"""From enriched text to the stored term index: a vocabulary of term ids and each mention's ids.

The store keeps, beside the mentions, a ``vocab`` table (one row per term or phrase key, append-only,
so ids never change) and an ``enrichment`` table (per mention: its distinct term ids, phrase ids and
VADER score). Both are derived data: they can be rebuilt from the mentions at any time. Loading them is
a read of integer lists, so the app's document-term matrix costs no tokenising at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pyarrow as pa

from lib.text.enrich import Encoded, analyse_all, kind

VOCAB_DDL = (
    "CREATE TABLE IF NOT EXISTS vocab (id INTEGER PRIMARY KEY, key VARCHAR, lang VARCHAR, term VARCHAR, "
    "kind VARCHAR, stem VARCHAR, first INTEGER, second INTEGER)"
)
ENRICHMENT_DDL = (
    'CREATE TABLE IF NOT EXISTS enrichment ("uniqueId" VARCHAR PRIMARY KEY, "termIds" INTEGER[], '
    '"phraseIds" INTEGER[], "vaderCompound" DOUBLE)'
)
ENRICHMENT_COLUMNS = ("termIds", "phraseIds", "vaderCompound")

# ISO 639-1 -> the Snowball stemmer nltk has for that language.
SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}


@cache
def _stemmer(language: str):
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(SNOWBALL[language]) if language in SNOWBALL else None


def stem(term: str, language: str) -> str:
    """The Snowball stem of a word where nltk has the language; the word itself elsewhere."""
    stemmer = _stemmer(language)
    return stemmer.stem(term) if stemmer else term


class Vocabulary:
    """Term and phrase keys -> ids, growing as new keys arrive; collects the new rows for the vocab table."""

    def __init__(self, keys: Sequence[str] = (), ids: Sequence[int] = (), next_id: int | None = None):
        self.ids = dict(zip(keys, ids, strict=True))
        self.next_id = max(ids, default=-1) + 1 if next_id is None else next_id
        self.new: list[tuple] = []

    def id_of(self, key: str) -> int:
        found = self.ids.get(key)
        if found is not None:
            return found
        new_id = self.ids[key] = self.next_id
        self.next_id += 1
        language, _, term = key.partition(":")
        if " " in term:
            left, right = term.split(" ", 1)
            first, second = self.id_of(f"{language}:{left}"), self.id_of(f"{language}:{right}")
            row: tuple[int, str, str, str, str, str, int, int]
            row = (new_id, key, language, term, "phrase", term, first, second)
        else:
            k = kind(term)
            row = (new_id, key, language, term, k, stem(term, language) if k == "word" else term, -1, -1)
        self.new.append(row)
        return new_id

    def new_rows(self) -> pa.Table:
        names = ("id", "key", "lang", "term", "kind", "stem", "first", "second")
        columns: list = list(zip(*self.new, strict=True)) if self.new else [[] for _ in names]
        types = (pa.int32(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(), pa.int32(), pa.int32())
        return pa.table([pa.array(c, type=t) for c, t in zip(columns, types, strict=True)], names=names)

    def encode(self, parts: list[tuple[list[str], np.ndarray, np.ndarray]]) -> pa.ListArray:
        """Encoded chunks (keys, indexes into them, offsets per text) as one list array of vocabulary ids.
        Each chunk's distinct keys are looked up once; the rest is array indexing."""
        ids, offsets, base = [], [np.zeros(1, dtype=np.int64)], 0
        for keys, index, chunk_offsets in parts:
            mapping = np.fromiter((self.id_of(k) for k in keys), dtype=np.int32, count=len(keys))
            ids.append(mapping[index] if len(index) else np.zeros(0, dtype=np.int32))
            offsets.append(chunk_offsets[1:] + base)
            base += len(index)
        flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)
        return pa.ListArray.from_arrays(pa.array(np.concatenate(offsets).astype(np.int32)), pa.array(flat))


def enrichment_rows(
    unique_ids: pa.Array, texts: Sequence[str], languages: Sequence[str], vocabulary: Vocabulary
) -> pa.Table:
    """The enrichment table's rows for these mentions; new keys are added to ``vocabulary``."""
    return encode_rows(unique_ids, analyse_all(texts, languages), vocabulary)


def chunk_keys(chunks: Sequence[Encoded]) -> list[str]:
    """Every vocabulary key that encoding ``chunks`` looks up: terms, phrases and the words of the phrases."""
    keys: set[str] = set()
    for chunk in chunks:
        keys.update(chunk.term_keys)
        keys.update(chunk.phrase_keys)
        for phrase in chunk.phrase_keys:
            language, _, pair = phrase.partition(":")
            left, _, right = pair.partition(" ")
            keys.update((f"{language}:{left}", f"{language}:{right}"))
    return sorted(keys)


def encode_rows(unique_ids: pa.Array, chunks: Sequence[Encoded], vocabulary: Vocabulary) -> pa.Table:
    """The enrichment table's rows from analysed texts (``analyse_all``); new keys are added to ``vocabulary``."""
    # Terms first: a phrase's words then already have ids.
    term_ids = vocabulary.encode([(c.term_keys, c.term_index, c.term_offsets) for c in chunks])
    phrase_ids = vocabulary.encode([(c.phrase_keys, c.phrase_index, c.phrase_offsets) for c in chunks])
    scores = np.concatenate([c.scores for c in chunks]) if chunks else np.zeros(0)
    return pa.table(
        {
            "uniqueId": unique_ids,
            "termIds": term_ids,
            "phraseIds": phrase_ids,
            "vaderCompound": pa.array(scores, type=pa.float64(), from_pandas=True),
        }
    )
