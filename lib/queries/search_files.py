"""Side files of text search, one folder per store version beside the store: texts, link pieces, postings.

A phrase or a wildcard used to be one DuckDB RE2 scan of every text in the store (~0.9 s at a million realistic
mentions on a quiet machine), and the first word search waited for a scan that gathered the pieces of links
(6 s). Both need the texts in a form that can be read by row, fast, without holding them in the server's memory:

- ``texts.arrow``: an uncompressed Arrow IPC file of every mention's DuckDB key hash (``h``), text (``t``) and
  link pieces (``links``: its whitespace-separated pieces with a "/" or "www.", joined by spaces; null when
  none), in the order the store streamed them. It is memory-mapped: a phrase reads the texts of its candidate
  rows only (the rows that have every word of the phrase, from the postings), and the pages the kernel keeps
  are page cache, dropped under pressure, not the process's own memory;
- ``postings-*.npy``: the term index transposed (lib/text/postings.py), rows in the file's order, memory-mapped.

The folder is written once per store version (by the first model of that version, in the background after the
first page), to a temporary name and renamed when complete, so a crash leaves no half folder and two servers
may race; older versions' folders are removed then. A store that changed since the model loaded, a folder
that cannot be written, or two keys with one hash: no files, and text search keeps its earlier paths (a scan
of the store).
"""

from __future__ import annotations

import contextlib
import mmap
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
BATCH_ROWS = 50_000  # rows per streamed batch: bounded memory while the file is written
DONE = "complete"
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)  # Linux
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
    (-1: a key the model does not know), ``file_rows`` a model row to its file row."""

    folder: Path
    mapped: mmap.mmap
    table: pa.Table
    model_rows: np.ndarray
    file_rows: np.ndarray
    postings: Postings

    def texts(self, rows: np.ndarray) -> pa.Array:
        """The texts of model ``rows`` (read from the mapped file, in the order given). Taken batch by batch:
        Arrow's take over a chunked column would first copy the whole column into memory."""
        wanted = self.file_rows[rows]
        order = np.argsort(wanted, kind="stable")
        ordered = wanted[order]
        column = self.table["t"]
        starts = np.cumsum([0] + [len(chunk) for chunk in column.chunks])
        bounds = np.searchsorted(ordered, starts)
        parts = [
            chunk.take(pa.array(ordered[lo:hi] - start, type=pa.int64()))
            for chunk, start, lo, hi in zip(column.chunks, starts[:-1], bounds[:-1], bounds[1:], strict=True)
            if hi > lo
        ]
        if not parts:
            return pa.array([], pa.string())
        taken = pa.concat_arrays(parts)
        back = np.empty(len(order), dtype=np.int64)
        back[order] = np.arange(len(order))
        return taken if bool((order == np.arange(len(order))).all()) else taken.take(pa.array(back))

    def matches(self, rows: np.ndarray, match: Callable[[pa.Array], np.ndarray]) -> np.ndarray:
        """``match`` (a boolean per text) over the texts of model ``rows``: read front to back in the file, in as
        many parts as there are cores (Arrow's RE2 lets go of the GIL)."""
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
        links = self.table["links"]
        present = pc.is_valid(links)
        at = np.flatnonzero(present.to_numpy(zero_copy_only=False))
        rows = self.model_rows[at]
        known = rows >= 0
        pieces = links.filter(present).combine_chunks().filter(pa.array(known))
        return rows[known].astype(np.int64), pieces

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Model rows that have any of vocabulary ``ids``."""
        return self.model_rows[self.postings.rows(ids)]


def folder_of(path: Path, version: str) -> Path:
    safe = "".join(c if c.isalnum() else "-" for c in version)
    return Path(str(path) + SUFFIX) / safe


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
    if not (folder / DONE).exists() and not _write(store, version, folder, rows_of_hashes, n, terms):
        return None
    try:
        return _open(folder, rows_of_hashes, n)
    except (OSError, pa.ArrowInvalid, ValueError):
        return None


def _open(folder: Path, rows_of_hashes, n: int) -> SearchFiles:
    # Mapped with its pages in place (MAP_POPULATE, in the background warm-up): a page first touched by a query
    # costs a fault each, seconds for a phrase whose candidates are spread over the whole file. The pages are the
    # kernel's page cache (shared by every server process on the store, dropped under memory pressure), counted
    # in RSS as RssFile, not as the process's own (anonymous) memory.
    with open(folder / "texts.arrow", "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, flags=mmap.MAP_SHARED | _POPULATE, prot=mmap.PROT_READ)
    table = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(mapped))).read_all()
    rows, known = rows_of_hashes(table["h"].to_numpy())
    model_rows = np.full(table.num_rows, -1, dtype=np.int32)
    model_rows[np.flatnonzero(known)] = rows
    file_rows = np.full(n, -1, dtype=np.int64)
    file_rows[rows] = np.flatnonzero(known)
    if (file_rows < 0).any():
        raise ValueError("the side files miss mentions of the model")
    return SearchFiles(folder, mapped, table, model_rows, file_rows, Postings.load(folder))


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
            with (
                pa.OSFile(str(temporary / "texts.arrow"), "wb") as sink,
                pa.ipc.new_file(sink, batches.schema) as writer,
            ):
                for batch in batches:
                    writer.write_batch(batch)
                    hashes.append(batch.column(0).to_numpy())
        every = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        rows, known = rows_of_hashes(every)
        file_rows = np.full(n, -1, dtype=np.int64)
        file_rows[rows] = np.flatnonzero(known)
        if (file_rows < 0).any():
            return False
        Postings.of(terms, rows=file_rows.astype(np.int32)).save(temporary)
        (temporary / DONE).write_text(version)
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
