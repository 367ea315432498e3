"""Side files of text search, one folder per store version beside the store: texts, link pieces, postings.

A phrase or a wildcard used to be one DuckDB RE2 scan of every text in the store (~0.9 s at a million realistic
mentions on a quiet machine), and the first word search waited for a scan that gathered the pieces of links
(6 s). Both need the texts in a form that can be read by row, fast, without holding them in the server's memory:

- ``texts.arrow``: an uncompressed Arrow IPC file of every mention's text (``t``), in the order the store
  streamed them, in batches of ``BATCH_ROWS``. A phrase reads the batches that hold its candidate rows (the rows
  that have every word of the phrase, from the postings), one at a time, and keeps only those rows' texts: the
  file stays in the kernel's page cache (shared by every server on the store, dropped under pressure), not in
  the server's memory. (A memory mapping was tried: its pages count in the server's RSS, ~0.5 GB at a million,
  and a phrase that first touches them pays seconds of page faults.);
- ``keys.arrow``: per row of ``texts.arrow``, the DuckDB hash of the mention's key (``h``, mapped to model rows
  when the folder is opened) and its link pieces (``links``: its whitespace-separated pieces with a "/" or
  "www.", joined by spaces; null when none);
- ``postings-indptr.int64``, ``postings-indices.int32``: the term index transposed (lib/text/postings.py), rows
  in the file's order, raw arrays: the first read whole, the second a word's range at a time (not mapped: a
  mapped file cut short under a running server kills it).

The folder is written once per store version (by the first model of that version, in the background after the
first page), to a temporary name and renamed when complete, so a crash leaves no half folder and two servers
may race; older versions' folders are removed then. A store that changed since the model loaded, a folder
that cannot be written, or two keys with one hash: no files, and text search keeps its earlier paths (a scan
of the store). ``complete`` records the version, the rows and a digest of every file; a folder whose files do
not match it when opened (a damaged disk, a half copy, files of another store) is removed and written again,
and a read that fails later (a file changed under a running server) makes the search scan the store instead
(lib/queries/text_search.py): damaged side files never give an answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from lib.store.local import StoreError
from lib.text.postings import Postings

SUFFIX = ".search"
DIGEST_CHUNK = 1 << 22  # bytes read at a time while a file's digest is taken
BATCH_ROWS = 50_000  # rows per streamed batch: bounded memory while the file is written
DONE = "complete"
# In the folder's name: a folder of another layout (v1: postings as .npy) is not read, and is removed with old
# versions.
LAYOUT = "v2"
THREADS = os.cpu_count() or 1  # parts a phrase's candidate texts are matched in, side by side
MIN_PART_ROWS = 5_000  # fewer candidates than this per part: one part
# The pieces of a text that hold a link: what string_split_regex + list_filter gave, in one regular expression.
_LINKS = (
    "CASE WHEN contains(\"messageContent\", '/') OR contains(lower(\"messageContent\"), 'www.') THEN "
    "array_to_string(regexp_extract_all(\"messageContent\", '\\S*(?:/|[wW][wW][wW]\\.)\\S*'), ' ') END"
)


@dataclass
class SearchFiles:
    """One store version's side files, opened for a model: ``model_rows`` maps a file row to its model row
    (-1: a key the model does not know), ``file_rows`` a model row to its file row, ``starts`` the first file row
    of each batch of ``texts.arrow`` (and the end)."""

    folder: Path
    starts: np.ndarray
    model_rows: np.ndarray
    file_rows: np.ndarray
    postings: Postings
    link_rows: np.ndarray
    link_pieces: pa.Array

    def texts(self, rows: np.ndarray) -> pa.Array:
        """The texts of model ``rows``, in the order given: only the batches of the file that hold some are read
        (a batch at a time, let go once its texts are taken), so the server holds no more than that."""
        wanted = self.file_rows[rows]
        order = np.argsort(wanted, kind="stable")
        ordered = wanted[order]
        bounds = np.searchsorted(ordered, self.starts)
        parts = []
        with pa.OSFile(str(self.folder / "texts.arrow")) as handle:
            reader = pa.ipc.open_file(handle)
            for i in np.flatnonzero(bounds[1:] > bounds[:-1]):
                batch = reader.get_batch(int(i))
                if batch.num_rows != self.starts[i + 1] - self.starts[i]:
                    raise ValueError("the side file of texts does not match its keys")
                offsets = ordered[bounds[i] : bounds[i + 1]] - self.starts[i]
                parts.append(batch.column(0).take(pa.array(offsets, type=pa.int64())))
        if not parts:
            return pa.array([], pa.string())
        taken = pa.concat_arrays(parts)
        if bool((order == np.arange(len(order))).all()):
            return taken
        back = np.empty(len(order), dtype=np.int64)
        back[order] = np.arange(len(order))
        return taken.take(pa.array(back))

    def matches(self, rows: np.ndarray, match: Callable[[pa.Array], np.ndarray]) -> np.ndarray:
        """``match`` (a boolean per text) over the texts of model ``rows``: read front to back in the file, in as
        many parts as there are cores (reading and Arrow's RE2 let go of the GIL)."""
        order = np.argsort(self.file_rows[rows], kind="stable")
        parts = np.array_split(order, max(1, min(THREADS, len(order) // MIN_PART_ROWS)))
        found = np.zeros(len(rows), dtype=bool)
        if len(parts) == 1:
            found[order] = match(self.texts(rows[order]))
            return found
        with ThreadPoolExecutor(len(parts)) as pool:
            for part, hit in zip(parts, pool.map(lambda p: match(self.texts(rows[p])), parts), strict=True):
                found[part] = hit
        return found

    def links(self) -> tuple[np.ndarray, pa.Array]:
        """Model rows with link pieces, and their pieces."""
        return self.link_rows, self.link_pieces

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Model rows that have any of vocabulary ``ids``; a row number outside the files (damaged) is a
        ``ValueError``, never an answer."""
        rows = self.postings.rows(ids)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self.model_rows)):
            raise ValueError("the postings name rows the side files do not have")
        return self.model_rows[rows]


def folder_of(path: Path, version: str) -> Path:
    safe = "".join(c if c.isalnum() else "-" for c in version)
    return Path(str(path) + SUFFIX) / f"{LAYOUT}-{safe}"


def open_files(
    store, version: str, rows_of_hashes: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], n: int, terms
) -> SearchFiles | None:
    """The side files of ``version`` for a model of ``n`` rows, written first if missing; None when they cannot be
    had (store changed, folder not writable): the caller scans the store instead. ``rows_of_hashes`` maps key
    hashes to (model rows, which hashes the model knows); ``terms`` is the model's term matrix."""
    path = getattr(store, "path", None)
    if not version or path is None:
        return None
    folder = folder_of(Path(path), version)
    for _ in range(2):  # a folder that fails its check is removed and written once more
        if not (folder / DONE).exists() and not _write(store, version, folder, rows_of_hashes, n, terms):
            return None
        try:
            if _intact(folder, version):
                return _open(folder, rows_of_hashes, n)
        except (OSError, pa.ArrowException, ValueError):
            pass
        shutil.rmtree(folder, ignore_errors=True)
    return None


def _digests(folder: Path) -> dict[str, str]:
    """A BLAKE2 digest of every file of ``folder`` but ``complete``."""
    found = {}
    for path in sorted(folder.iterdir()):
        if path.name == DONE or not path.is_file():
            continue
        digest = hashlib.blake2b(digest_size=16)
        with path.open("rb") as handle:
            while chunk := handle.read(DIGEST_CHUNK):
                digest.update(chunk)
        found[path.name] = digest.hexdigest()
    return found


def _intact(folder: Path, version: str) -> bool:
    """Whether ``folder``'s files are those written for ``version`` (the digests ``complete`` records)."""
    try:
        done = json.loads((folder / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(done, dict) and done.get("version") == version and done.get("files") == _digests(folder)


def _open(folder: Path, rows_of_hashes, n: int) -> SearchFiles:
    keys = pa.ipc.open_file(pa.OSFile(str(folder / "keys.arrow"))).read_all()
    starts = np.cumsum([0] + [len(chunk) for chunk in keys["h"].chunks]).astype(np.int64)
    rows, known = rows_of_hashes(keys["h"].to_numpy())
    model_rows = np.full(keys.num_rows, -1, dtype=np.int32)
    model_rows[np.flatnonzero(known)] = rows
    file_rows = np.full(n, -1, dtype=np.int64)
    file_rows[rows] = np.flatnonzero(known)
    if (file_rows < 0).any():
        raise ValueError("the side files miss mentions of the model")
    links = keys["links"]
    present = pc.is_valid(links).to_numpy(zero_copy_only=False)
    link_rows = model_rows[np.flatnonzero(present)]
    pieces = links.filter(pa.array(present)).combine_chunks().filter(pa.array(link_rows >= 0))
    link_rows = link_rows[link_rows >= 0].astype(np.int64)
    return SearchFiles(folder, starts, model_rows, file_rows, Postings.load(folder), link_rows, pieces)


def _write(store, version: str, folder: Path, rows_of_hashes, n: int, terms: sp.csr_matrix) -> bool:
    """Write ``folder`` from the store if it still holds ``version``; False if it does not or cannot."""
    temporary = folder.with_name(f".{folder.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        temporary.mkdir(parents=True, exist_ok=True)
        with store.bulk_reader() as read:
            if read.version != version:
                return False
            sql = f'SELECT hash("uniqueId") AS h, "messageContent" AS t, {_LINKS} AS links FROM mentions'
            batches = read.con.sql(sql).to_arrow_reader(BATCH_ROWS)
            hashes = []
            key_schema = pa.schema([batches.schema.field("h"), batches.schema.field("links")])
            with (
                pa.OSFile(str(temporary / "texts.arrow"), "wb") as texts_sink,
                pa.ipc.new_file(texts_sink, pa.schema([batches.schema.field("t")])) as texts,
                pa.OSFile(str(temporary / "keys.arrow"), "wb") as keys_sink,
                pa.ipc.new_file(keys_sink, key_schema) as keys,
            ):
                for batch in batches:  # the same batches in both files: a file row is the same row in each
                    texts.write_batch(pa.record_batch([batch.column(1)], names=["t"]))
                    keys.write_batch(pa.record_batch([batch.column(0), batch.column(2)], schema=key_schema))
                    hashes.append(batch.column(0).to_numpy())
        every = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        rows, known = rows_of_hashes(every)
        file_rows = np.full(n, -1, dtype=np.int64)
        file_rows[rows] = np.flatnonzero(known)
        if (file_rows < 0).any():
            return False
        Postings.of(terms, rows=file_rows.astype(np.int32)).save(temporary)
        done = {"version": version, "rows": len(every), "files": _digests(temporary)}
        (temporary / DONE).write_text(json.dumps(done))
        try:
            temporary.rename(folder)
        except OSError:  # another server wrote it meanwhile: theirs is the same
            if not (folder / DONE).exists():
                raise
        for other in folder.parent.iterdir():  # earlier versions (a server still using one keeps its mapping)
            if other.name != folder.name and not other.name.startswith("."):
                shutil.rmtree(other, ignore_errors=True)
        return True
    except (OSError, pa.ArrowException, duckdb.Error, StoreError):  # not writable, or the store went away
        return False
    finally:
        with contextlib.suppress(OSError):
            if temporary.exists():
                shutil.rmtree(temporary, ignore_errors=True)
