"""Postings of the term index: for every vocabulary id, the rows (mentions) that have it.

The term matrix (lib/text/terms.py) is mentions x vocabulary ids, stored by mention (CSR): right for "the
terms of these mentions", wrong for "the mentions of this term", which needs a product over every entry
(~22 million at a million realistic mentions, 60-75 ms). Its transpose (CSC: ``indptr`` and ``indices``, one
row number per entry) answers a word with a slice per matching id: a few milliseconds.

Rows here are positions in whatever order the postings were built in: the caller maps them to model rows (the
side files of lib/queries/search_files.py keep them in the store's order, which a reload does not change).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp


class Postings:
    """``indices[indptr[i]:indptr[i + 1]]``: the rows that have vocabulary id ``i``."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray):
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
        if len(ids) == 1:
            return np.asarray(self.indices[self.indptr[ids[0]] : self.indptr[ids[0] + 1]])
        return np.concatenate([self.indices[self.indptr[i] : self.indptr[i + 1]] for i in ids])

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
        """Memory-mapped: only the slices of the words searched are read from disk."""
        arrays = []
        for name, dtype in cls.FILES:
            path = folder / f"postings-{name}.{np.dtype(dtype).name}"
            size = path.stat().st_size  # a missing file raises here, as np.load did
            if size % np.dtype(dtype).itemsize:
                raise ValueError(f"{path.name} is not whole {np.dtype(dtype).name} values")
            arrays.append(np.memmap(path, dtype=dtype, mode="r") if size else np.zeros(0, dtype=dtype))
        return cls(*arrays)
