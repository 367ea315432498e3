"""Postings of the term index: for every vocabulary id, the rows (mentions) that have it.

The term matrix (lib/text/terms.py) is mentions x vocabulary ids, stored by mention (CSR): right for "the
terms of these mentions", wrong for "the mentions of this term", which needs a product over every entry
(~22 million at a million realistic mentions, 60-75 ms). Its transpose (CSC: ``indptr`` and ``indices``, one
row number per entry) answers a word with a slice per matching id: a few milliseconds.

Rows here are positions in whatever order the postings were built in: the caller maps them to model rows (the
side files of lib/queries/search_files.py keep them in the store's order, which a reload does not change).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp


class Postings:
    """``indices[indptr[i]:indptr[i + 1]]``: the rows that have vocabulary id ``i``. In memory (``of``), or on
    disk (``load``): then ``indptr`` is read whole and each word's rows are read from the file when asked."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray | _IndexFile):
        self.indptr, self.indices = indptr, indices

    @classmethod
    def of(cls, matrix: sp.csr_matrix, rows: np.ndarray | None = None) -> Postings:
        """The postings of a mentions x ids matrix; with ``rows``, each mention's row number is ``rows[mention]``."""
        csc = matrix.tocsc()
        indices = csc.indices if rows is None else rows[csc.indices]
        return cls(np.asarray(csc.indptr, dtype=np.int64), np.asarray(indices, dtype=np.int32))

    @property
    def size(self) -> int:
        return len(self.indptr) - 1

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Every row that has any of ``ids`` (a row may come more than once)."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros(0, dtype=np.int32)
        ranges = [(int(self.indptr[i]), int(self.indptr[i + 1])) for i in ids]
        if isinstance(self.indices, _IndexFile):
            return self.indices.read(ranges)
        return np.concatenate([np.asarray(self.indices[start:stop]) for start, stop in ranges])

    # Raw arrays, their type in the name, rather than ``.npy``: numpy reads an ``.npy`` header with
    # ``ast.literal_eval``, and on Python 3.11 the ast module's depth counter is shared between threads, so a
    # load in the background beside a page being parsed (Streamlit's magic) failed that page with
    # "SystemError: AST constructor recursion depth mismatch".
    FILES = (("indptr", np.int64), ("indices", np.int32))

    def save(self, folder: Path) -> None:
        for name, dtype in self.FILES:
            np.asarray(getattr(self, name), dtype=dtype).tofile(folder / f"postings-{name}.{np.dtype(dtype).name}")

    @classmethod
    def load(cls, folder: Path) -> Postings:
        """``indptr`` read whole (checked: it must point inside the rows file, in order); the rows file read a
        word at a time. Not memory-mapped: a mapped file cut short under a running server kills it (SIGBUS)."""
        indptr = np.fromfile(folder / "postings-indptr.int64", dtype=np.int64)
        indices = _IndexFile(folder / "postings-indices.int32")
        if not len(indptr) or indptr[0] != 0 or indptr[-1] != indices.length or (np.diff(indptr) < 0).any():
            raise ValueError("the postings do not fit their rows file")
        return cls(indptr, indices)


class _IndexFile:
    """The rows file of loaded postings, read by range; a file changed since it was opened (size or time) is an
    ``OSError``, never an answer."""

    def __init__(self, path: Path):
        self.path = path
        stat = path.stat()
        if stat.st_size % 4:
            raise ValueError(f"{path.name} is not whole int32 values")
        self.length, self._seen = stat.st_size // 4, (stat.st_size, stat.st_mtime_ns)

    def read(self, ranges: list[tuple[int, int]]) -> np.ndarray:
        """The rows of each ``(start, stop)`` range, one after the other: the file opened once, checked once."""
        with open(self.path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            if (stat.st_size, stat.st_mtime_ns) != self._seen:
                raise OSError(f"{self.path.name} changed since it was opened")
            parts = [os.pread(handle.fileno(), 4 * (stop - start), 4 * start) for start, stop in ranges if stop > start]
        data = b"".join(parts)
        if len(data) != 4 * sum(stop - start for start, stop in ranges if stop > start):
            raise OSError(f"{self.path.name} is shorter than when it was opened")
        return np.frombuffer(data, dtype=np.int32).copy() if data else np.zeros(0, dtype=np.int32)
