"""Which mentions satisfy a text query, and the texts of chosen mentions, without holding every text in memory.

The in-memory model keeps codes, indexes and the term matrix, not the texts (at a million reviews, blogs
and news the texts alone are gigabytes). A query (lib/text/boolean_query.py) is answered leaf by leaf:

- a word, a #hashtag or an @handle, with or without a trailing ``*``, from the term index (lib/text/terms.py):
  the vocabulary terms that the word's regular expression matches (the word itself, and the compounds that hold
  it as a whole word, as "check-in" holds "check"), then the mentions that have any of them, from the postings
  (lib/text/postings.py: the term matrix transposed), no text read. The tokenizer keeps no links, so the words
  inside links ("status" in northwind.example/status/…) come from a compact side table: each mention's
  whitespace-separated pieces with a "/" or "www." in them, matched once per distinct piece with the same
  expression. Every letter of a text is in a term or in such a piece, so the answer is the scan's;
- a phrase: the candidates are the mentions that have every word of it that the index answers (a text with the
  phrase has each of its words, with the same boundaries); the texts of those rows only are read and matched
  with the phrase's RE2 expression. Postings, link pieces and texts are side files written once per store
  version (lib/queries/search_files.py) and memory-mapped;
- an emoji, a number, or anything the tokenizer would not keep as one term, and a phrase whose candidates are
  most mentions, by the same RE2 expression scanned by DuckDB over the store (or the shared snapshot) without
  loading the texts; the answer comes back as one 64-bit hash per matching key and is mapped to model rows by a
  sorted array of the model's key hashes. Without side files (a folder that cannot be written, a store changed
  since the model loaded) phrases are scanned so too, and words use a sparse product over the term matrix;
- keyword in context, the sentiment check and a long AND read the texts of the chosen rows only, by key (or
  from the side files).

A model built from a table that still carries ``messageContent`` (tests, benches) scans that column in
memory instead (``MemoryTexts``): the earlier path, kept as the reference the new one is compared with.

Where the term index and a text scan could still differ (words and wildcards; a phrase is always checked on its
text, and its candidates from the index are too many rather than too few, but for the case folding below): a word
glued to an underscore outside a handle
("delay_x" holds the term "delay" for the tokenizer, not for the expression), and letters whose lower case is
not what RE2's case folding says (Python's ``str.lower`` makes the terms). A quoted word (``"delay"``) is read
from the texts of the mentions the index gives for it.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lib.cache import LockedLRU
from lib.queries.search_files import SearchFiles, open_files
from lib.store.local import Store, shared_database
from lib.text.boolean_query import AnyOf, Leaf, Phrase, Term, pattern, scan
from lib.text.enrich import kind, tokens
from lib.text.terms import TermIndex

CACHE_SIZE = 32  # leaf answers kept (a boolean per mention each: 1 MB per million)
WARM_UP_DELAY = 2.0  # seconds after the model is loaded before the side tables of word search are built
NARROW_ROWS = 20_000  # an AND clause left with at most this many mentions reads their texts instead of scanning
SCAN_SHARE = 0.5  # a phrase whose candidates are more of the mentions than this is scanned by DuckDB (in parallel),
SCAN_MIN_ROWS = 100_000  # if they are more than this many too


class Texts(Protocol):
    """Where the mentions' texts are: a scan for a leaf, and the texts of some rows."""

    def scan(self, node: Leaf) -> np.ndarray: ...
    def texts(self, rows: np.ndarray) -> list[str | None]: ...


class _Collision(Exception):
    """Two model keys share a hash: the caller matches keys instead."""


class MemoryTexts:
    """Texts held in memory (a model built from a table with ``messageContent``): Arrow's RE2 scan."""

    def __init__(self, content: pa.Array):
        self.content = content

    def scan(self, node: Leaf) -> np.ndarray:
        return scan(self.content, node)

    def texts(self, rows: np.ndarray) -> list[str | None]:
        return self.content.take(pa.array(rows, type=pa.int64())).to_pylist()


class StoreTexts:
    """Texts left in the store: DuckDB scans them with the same RE2 expression, or reads those of some keys."""

    def __init__(self, store: Store, keys: pa.Array, version: str = ""):
        self.store, self.keys, self.version = store, keys, version
        self._hashes: tuple[np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()

    def _key_hashes(self) -> tuple[np.ndarray, np.ndarray] | None:
        """DuckDB's hash of every model key, sorted, and the model row of each (None if two keys collide)."""
        with self._lock:
            if self._hashes is None:
                con = shared_database().cursor()
                try:
                    con.register("model_keys", pa.table({"k": self.keys}))
                    hashes = con.execute("SELECT hash(k) AS h FROM model_keys").fetchnumpy()["h"]
                finally:
                    con.close()
                order = np.argsort(hashes, kind="stable")
                self._hashes = (np.asarray(hashes)[order], order)
            ordered, order = self._hashes
        return None if len(ordered) > 1 and bool((ordered[1:] == ordered[:-1]).any()) else (ordered, order)

    def scan(self, node: Leaf) -> np.ndarray:
        found = np.zeros(len(self.keys), dtype=bool)
        where = "regexp_matches(\"messageContent\", ?, 'i')"
        if self._key_hashes() is None:  # two keys share a hash (about 1 in 10^7 at a million): match the keys
            table = self.store.arrow(f'SELECT "uniqueId" FROM mentions WHERE {where}', [pattern(node)])
            rows = pc.drop_null(pc.index_in(table["uniqueId"], value_set=self.keys)).to_numpy(zero_copy_only=False)
            found[rows.astype(np.int64)] = True
            return found
        table = self.store.arrow(f'SELECT hash("uniqueId") AS h FROM mentions WHERE {where}', [pattern(node)])
        found[self._rows(table["h"].to_numpy())[0]] = True
        return found

    def links(self) -> tuple[np.ndarray, pa.Array]:
        """Model rows, and per row its text's pieces that hold a "/" or "www." (links), joined by spaces."""
        table = self.store.arrow(
            'SELECT hash("uniqueId") AS h, array_to_string(list_filter(string_split_regex("messageContent", '
            "'\\s+'), lambda x: contains(x, '/') OR contains(lower(x), 'www.')), ' ') AS links FROM mentions "
            "WHERE contains(\"messageContent\", '/') OR contains(lower(\"messageContent\"), 'www.')"
        )
        rows, known = self._rows(table["h"].to_numpy()) if table.num_rows else (np.zeros(0, np.int64), None)
        pieces = table["links"].combine_chunks() if table.num_rows else pa.array([], pa.string())
        if known is not None:
            pieces = pieces.filter(pa.array(known))
        return rows, pieces

    def _rows(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model rows of key hashes from a scan, and which of them the model knows."""
        hashed = self._key_hashes()
        if hashed is None:
            raise _Collision
        ordered, order = hashed
        at = np.clip(np.searchsorted(ordered, wanted), 0, max(len(ordered) - 1, 0))
        known = ordered[at] == wanted if len(ordered) else np.zeros(len(wanted), dtype=bool)  # keys new since load
        return order[at[known]], known

    def texts(self, rows: np.ndarray) -> list[str | None]:
        keys = self.keys.take(pa.array(rows, type=pa.int64())).to_pylist()
        if not keys:
            return []
        table = self.store.arrow(
            'SELECT "uniqueId", "messageContent" FROM mentions WHERE "uniqueId" IN (SELECT unnest(?::VARCHAR[]))',
            [keys],
        )
        by_key = dict(zip(table["uniqueId"].to_pylist(), table["messageContent"].to_pylist(), strict=True))
        return [by_key.get(key) for key in keys]


def indexed(node: Term | Phrase) -> bool:
    """Can the term index answer this leaf? A plain word, hashtag or handle that the tokenizer keeps whole, or
    such a word with a trailing ``*`` (the same expression, matched against the vocabulary and link pieces)."""
    if not isinstance(node, Term):
        return False
    return tokens(node.text) == [node.text] and kind(node.text) in ("word", "hashtag", "handle")


class TextSearch:
    """Leaf answers (a boolean per mention) from the term index or a text scan, cached per expression."""

    def __init__(self, index: TermIndex, texts: Texts, n: int):
        self.index, self.texts, self.n = index, texts, n
        self._cache: LockedLRU[str, np.ndarray] = LockedLRU(CACHE_SIZE)
        self._lock = threading.Lock()  # the side tables of word search
        self._terms: tuple[np.ndarray, pa.Array] | None = None
        self._links: tuple[np.ndarray, np.ndarray, pa.Array] | None = None
        self._files: SearchFiles | bool | None = False  # False: not opened yet; None: none to be had
        self._files_lock = threading.Lock()
        # Texts in memory are the earlier model: every leaf is scanned there, as before (the reference).
        self.uses_index = isinstance(texts, StoreTexts)

    def warm_up(self) -> None:
        """Build the side tables of word search (term texts, key hashes, link pieces) in a background thread,
        after a short pause so that the first page is drawn first; a search meanwhile waits for them."""
        if self.uses_index:
            # Not a daemon: a process that exits meanwhile waits for it (seconds), where a daemon thread stopped
            # inside DuckDB at exit aborts the whole process ("terminate called ... exception not rethrown").
            threading.Thread(target=self._prepare, name="text-search-warm-up", daemon=False).start()

    def _prepare(self) -> None:
        time.sleep(WARM_UP_DELAY)
        with contextlib.suppress(Exception):  # a store gone meanwhile: the next search says so itself
            self.prepare()

    def prepare(self) -> None:
        """Open (or write) the side files and build the side tables of word search: what the first search would
        otherwise wait for."""
        self.side_files()
        self._term_candidates()
        if self.uses_index:
            self._link_pieces()

    def clear(self) -> None:
        self._cache.clear()

    def leaf(self, node: Leaf) -> np.ndarray:
        """The mentions that have ``node`` (a term, a phrase, or several of them as one ``AnyOf``)."""
        return self._cache.get(pattern(node), lambda: self._find(node))

    def _find(self, node: Leaf) -> np.ndarray:
        leaves = node.leaves if isinstance(node, AnyOf) else (node,)
        words = [leaf for leaf in leaves if self.uses_index and indexed(leaf)]
        rest = tuple(leaf for leaf in leaves if not (self.uses_index and indexed(leaf)))
        found = self.words(words) if words else np.zeros(self.n, dtype=bool)
        if rest:
            found = found | self._scan(rest)
        return found

    def _term_candidates(self) -> tuple[np.ndarray, pa.Array]:
        """Vocabulary ids that can hold a word (every term that is not a phrase), and their texts."""
        with self._lock:
            if self._terms is None:
                ids = np.flatnonzero(self.index.kind != "phrase")
                self._terms = (ids, self.index.term.take(pa.array(ids)) if len(ids) else pa.array([], pa.string()))
            return self._terms

    def side_files(self) -> SearchFiles | None:
        """This store version's side files (lib/queries/search_files.py), written by the first caller if missing;
        None for texts in memory, or when they cannot be had."""
        with self._files_lock:
            if self._files is False:
                self._files = None
                texts = self.texts
                if self.uses_index and isinstance(texts, StoreTexts) and texts._key_hashes() is not None:
                    self._files = open_files(texts.store, texts.version, texts._rows, self.n, self.index.terms)
            return self._files if isinstance(self._files, SearchFiles) else None

    def _link_pieces(self) -> tuple[np.ndarray, np.ndarray, pa.Array]:
        """Every link piece once (links repeat: the same pages are shared again and again), and per occurrence
        its mention's row and the piece's code: a word is matched against the distinct pieces only."""
        files = self.side_files()
        with self._lock:
            if self._links is None:
                assert isinstance(self.texts, StoreTexts)
                rows, joined = files.links() if files is not None else self.texts.links()
                split = pc.split_pattern(joined, " ")
                parents = pc.list_parent_indices(split).to_numpy(zero_copy_only=False)
                encoded = pc.dictionary_encode(pc.list_flatten(split))
                self._links = (
                    rows[parents] if len(rows) else np.zeros(0, np.int64),
                    encoded.indices.to_numpy(zero_copy_only=False),
                    encoded.dictionary,
                )
            return self._links

    def _scan(self, leaves: tuple[Term | Phrase, ...]) -> np.ndarray:
        """The mentions whose text has any of ``leaves`` (phrases, wildcards, emoji, numbers): the texts of the
        candidate rows read from the side files (a phrase's candidates have each of its indexed words), or one
        scan of the store when there are no side files or the candidates are most mentions."""
        node = leaves[0] if len(leaves) == 1 else AnyOf(leaves)
        files = self.side_files()
        if files is None:
            return self.texts.scan(node)
        candidates = np.zeros(self.n, dtype=bool)
        for leaf in leaves:
            candidates |= self._candidates(leaf)
        rows = np.flatnonzero(candidates)
        if len(rows) > max(SCAN_SHARE * self.n, SCAN_MIN_ROWS):
            return self.texts.scan(node)
        found = np.zeros(self.n, dtype=bool)
        found[rows[self.within(node, rows)]] = True
        return found

    def _drop_files(self) -> None:
        """Stop reading side files that failed (removed, so that the next model writes them again)."""
        with self._files_lock:
            files, self._files = self._files, None
        if isinstance(files, SearchFiles):
            shutil.rmtree(files.folder, ignore_errors=True)

    def _candidates(self, leaf: Term | Phrase) -> np.ndarray:
        """The mentions that can have ``leaf``: those with every word of it that the term index answers (a text
        with the phrase has each of its words, as the same boundaries delimit them); all mentions if none."""
        words = [Term(word) for word in leaf.words] if isinstance(leaf, Phrase) else [leaf]
        words = [word for word in words if indexed(word)]
        if not words:
            return np.ones(self.n, dtype=bool)
        found = self.leaf(words[0]).copy()
        for word in words[1:]:
            found &= self.leaf(word)
        return found

    def words(self, words: list[Term | Phrase]) -> np.ndarray:
        """Mentions with a vocabulary term, or a piece of a link, that ``words``'s expression matches."""
        expression = pattern(AnyOf(tuple(words)))
        ids, terms = self._term_candidates()
        hit = pc.match_substring_regex(terms, expression, ignore_case=True)
        wanted = ids[pc.fill_null(hit, False).to_numpy(zero_copy_only=False)]
        found = np.zeros(self.n, dtype=bool)
        files = self.side_files()
        if len(wanted) and files is not None:
            try:
                found[files.rows_of(wanted)] = True
            except (OSError, ValueError, IndexError):  # a side file changed under this server: the index answers
                self._drop_files()
                files = None
        if len(wanted) and files is None:
            indicator = np.zeros(self.index.size, dtype=np.int32)
            indicator[wanted] = 1
            found = np.asarray(self.index.terms @ indicator) > 0
        try:
            rows, codes, pieces = self._link_pieces()
        except _Collision:  # two keys share a hash: scan the texts, as the model did before
            return found | self.texts.scan(AnyOf(tuple(words)))
        if len(rows):
            in_links = pc.fill_null(pc.match_substring_regex(pieces, expression, ignore_case=True), False)
            found[rows[in_links.to_numpy(zero_copy_only=False)[codes]]] = True
        return found

    def within(self, node: Leaf, rows: np.ndarray) -> np.ndarray:
        """A boolean per row of ``rows``: does its text have ``node``? Reads only those texts (from the side
        files when there are, in the files' order, else from the store by key)."""
        files = self.side_files() if self.uses_index else None
        if files is not None:
            try:
                return files.matches(rows, lambda texts: scan(texts, node))
            except (OSError, pa.ArrowException, ValueError, IndexError):  # a side file changed under this server
                self._drop_files()
        return scan(pa.array(self.texts.texts(rows), type=pa.string()), node)
