"""The model's columns: categorical codes, list indexes (tags, hashtags…) and the counting over a selection.

Every categorical column is a pair (int32 codes, value list), so a filter is a few table look-ups and a
breakdown is one ``np.bincount`` over the masked codes: no per-rerun copy of the table, no pandas group-by.
A list column is a CSR index of (row, value code) pairs. Split from lib/queries/model.py, which assembles
these into the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NAT = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Codes:
    codes: np.ndarray  # int32, one per mention
    values: np.ndarray  # object array of str: values[code]

    def lookup(self, selected: tuple[str, ...]) -> np.ndarray:
        """A boolean per code: is it one of ``selected``?"""
        return np.isin(self.values, np.asarray(selected, dtype=object))


class ListIndex:
    """A list column (tags, hashtags…) as (row, value code) pairs plus the rows of each value, CSR style:
    the mentions with value code c are ``rows[offsets[c]:offsets[c + 1]]``."""

    def __init__(self, column: pa.ChunkedArray, n: int):
        lists = column.combine_chunks()
        row = pc.list_parent_indices(lists).to_numpy().astype(np.int32)
        self._index(row, encode(pa.chunked_array([pc.list_flatten(lists)], type=pa.string())), n)

    @classmethod
    def from_pairs(cls, row: np.ndarray, values: Codes, n: int) -> ListIndex:
        index = cls.__new__(cls)
        index._index(row, values, n)
        return index

    def _index(self, row: np.ndarray, values: Codes, n: int) -> None:
        self.n, self.row, self.values = n, row, values
        # Pairs come in row order: a row's pairs are pairs[row_offsets[r]:row_offsets[r + 1]].
        self.row_offsets = np.searchsorted(row, np.arange(n + 1))
        order = np.argsort(self.values.codes, kind="stable")
        self.rows = self.row[order]
        self.offsets = np.searchsorted(self.values.codes[order], np.arange(len(self.values.values) + 1))

    def rows_of(self, code: int | np.integer) -> np.ndarray:
        return self.rows[self.offsets[code] : self.offsets[code + 1]]

    def mask(self, wanted: tuple[str, ...], mode: str = "any") -> np.ndarray:
        """Mentions with any (or all) of ``wanted``."""
        codes = np.flatnonzero(self.values.lookup(wanted))
        if mode == "all" and len(codes) < len(set(wanted)):
            return np.zeros(self.n, dtype=bool)  # a wanted value that no mention has
        result = np.zeros(self.n, dtype=bool) if mode == "any" else np.ones(self.n, dtype=bool)
        for code in codes:
            if mode == "any":
                result[self.rows_of(code)] = True
            else:
                has = np.zeros(self.n, dtype=bool)
                has[self.rows_of(code)] = True
                result &= has
        return result

    def counts(self, selection: Selection | None) -> np.ndarray:
        """Mentions per value code (a value listed twice in one mention counts once)."""
        size = len(self.values.values)
        if not hasattr(self, "_total"):
            self._total = np.bincount(self.values.codes, minlength=size)
        if selection is None or selection.all:
            return self._total
        if selection.dense:
            return self._total - np.bincount(self.values.codes[~selection.mask[self.row]], minlength=size)
        picked = selection.index
        assert picked is not None  # a selection that is not dense keeps its rows
        starts = self.row_offsets[picked]
        lengths = self.row_offsets[picked + 1] - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(size, dtype=np.int64)
        # The pair positions of the selected rows: each row's run starts[i] .. starts[i] + lengths[i].
        runs = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        return np.bincount(self.values.codes[runs + np.arange(total)], minlength=size)


class Selection:
    """A mask and, when it selects under half of the mentions, the indexes of what it selects.

    Every breakdown of a rerun counts over the same mask: gathering a few hundred thousand codes by index
    is several times cheaper than scanning a million booleans for each of them.
    """

    def __init__(self, mask: np.ndarray):
        self.mask = mask
        self.count = int(np.count_nonzero(mask))
        self.all = self.count == len(mask)
        self.dense = self.count > len(mask) // 2
        self.index = None if self.dense else np.flatnonzero(mask)


def masked_bincount(codes: np.ndarray, size: int, selection: Selection | None, total: np.ndarray) -> np.ndarray:
    """``np.bincount(codes[mask])``, cheaply: ``total`` (the unmasked counts) when everything is selected,
    ``total`` minus the counts of the unselected when most is selected, else a gather by index."""
    if selection is None or selection.all:
        return total
    if selection.dense:
        return total - np.bincount(codes[~selection.mask], minlength=size)
    return np.bincount(codes[selection.index], minlength=size)


def top_order(counts: np.ndarray, top: int | None) -> np.ndarray:
    """Indexes of the ``top`` largest counts (all when None), largest first, zeros left out."""
    if top == 0:
        return np.zeros(0, dtype=np.int64)
    if top is not None and top < len(counts):
        # The top counts, and among counts equal to the last one kept, the lowest codes (ties rank by value).
        kth = np.partition(counts, len(counts) - top)[len(counts) - top]
        above = np.flatnonzero(counts > kth)
        part = np.concatenate([above, np.flatnonzero(counts == kth)[: top - len(above)]])
        part.sort()
        order = part[np.argsort(-counts[part], kind="stable")]
    else:
        order = np.argsort(-counts, kind="stable")
    return order[counts[order] > 0]


def top_codes(codes: Codes, selected: np.ndarray, top: int) -> tuple[np.ndarray, list[str]]:
    """Map every code to its position among the ``top`` most frequent selected values, the rest to "Other"."""
    totals = np.bincount(selected, minlength=len(codes.values))
    order = [int(i) for i in np.argsort(-totals, kind="stable") if totals[i] > 0]
    kept = order[:top]
    names = [str(codes.values[i]) for i in kept]
    position = np.full(len(codes.values), len(kept), dtype=np.int64)
    position[kept] = np.arange(len(kept))
    if len(order) > top:
        names.append("Other")
    return position, names


def encode(column: pa.ChunkedArray) -> Codes:
    """Codes numbered in the order of their values, so that equal counts rank by value (as the engines of
    lib/queries/engine.py rank them): every replica shows the same top 10, whichever backend answers."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    position = np.empty(len(order), dtype=np.int32)
    position[order] = np.arange(len(order), dtype=np.int32)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    return Codes(
        position[codes] if len(codes) else codes,
        np.asarray(encoded.dictionary.take(pa.array(order)).to_pylist(), dtype=object),
    )


def timestamps_ns(column: pa.ChunkedArray) -> np.ndarray:
    values = column.cast(pa.timestamp("ns")).combine_chunks()
    return pc.fill_null(values.cast(pa.int64()), NAT).to_numpy()
