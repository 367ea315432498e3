"""Near-duplicate clusters of mention texts: copy-paste campaigns, retweet storms, one review on several sites.

Each text is normalised (lower case; markup, links and a leading "RT @author:" taken out) and read as the set
of its words. Texts with the same normalised form are one text. Each distinct text gets a MinHash signature
of ``NUM_PERM`` values (datasketch's ``affine32`` scheme: MurmurHash3's finaliser, then ``a * h + b`` modulo
2^32 with datasketch's own permutations; computed here for every text at once with numpy, and equal to
``datasketch.MinHash`` value for value: tests/test_near_duplicates.py checks it). Signatures are cut into bands
(datasketch's ``MinHashLSH`` choice of bands and rows for ``THRESHOLD``); two texts that agree on a whole band
are candidates, and a candidate pair is kept when its signatures agree on at least ``THRESHOLD`` of their
values (the estimated Jaccard similarity of their word sets). Clusters are the connected components of the
kept pairs.

``NearDuplicates.add`` is incremental: new texts are banded against the ones already added, and only pairs
that involve a new text are checked. Texts of fewer than ``MIN_WORDS`` words ("thanks!") are never clustered:
short texts are alike without being copies.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

NUM_PERM = 32
THRESHOLD = 0.5
MIN_WORDS = 6
SEED = 1
CHUNK = 50_000  # distinct texts per signature block: 50k texts x ~40 words x 32 values x 4 bytes, ~250 MB at most
_STRIP = (
    (r"<[^>]*>", " "),  # markup
    (r"&[a-z]+;|&#[0-9]+;", " "),  # entities
    (r"(https?://|www\.)\S+", " "),  # links
    (r"^\s*rt\s+@[\pL\pN_]+:?", " "),  # the retweet prefix
)
_SPLIT = r"[^\pL\pN#@_']+"


@cache
def bands() -> tuple[int, int]:
    """(bands, rows per band) for ``THRESHOLD`` and ``NUM_PERM``: datasketch's optimum for equal weights of
    false positives and false negatives."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    return int(lsh.b), int(lsh.r)


@cache
def permutations() -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    a, b = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32").permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (what datasketch applies to every hash before its permutations)."""
    h = h.astype(np.uint32, copy=True)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def normalised(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Texts as compared: lower case, without markup, links or a retweet prefix, spaces collapsed."""
    out = pc.utf8_lower(pc.fill_null(texts, ""))
    for pattern, replacement in _STRIP:
        out = pc.replace_substring_regex(out, pattern, replacement)
    out = pc.utf8_trim_whitespace(pc.replace_substring_regex(out, r"\s+", " "))
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def word_hashes(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The distinct words of each text as 32-bit hashes: (text index, hash) pairs, sorted by text."""
    words = pc.split_pattern_regex(texts, _SPLIT)
    parent = pc.list_parent_indices(words).to_numpy()
    flat = pc.list_flatten(words)
    keep = pc.greater(pc.utf8_length(flat), 0).to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(flat.filter(pa.array(keep)))
    vocabulary = pd.util.hash_array(np.asarray(encoded.dictionary.to_pylist(), dtype=object))
    folded = (vocabulary ^ (vocabulary >> np.uint64(32))).astype(np.uint32)
    hashes = folded[encoded.indices.to_numpy()]
    pairs = _sorted_unique((parent[keep].astype(np.int64) << 32) | hashes.astype(np.int64))  # sorted by text
    return pairs >> 32, (pairs & 0xFFFFFFFF).astype(np.uint32)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a comparison: numpy's hash-based unique is several times slower
    on millions of int64)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def signatures(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of the word sets of ``texts`` (rows: texts, ``NUM_PERM`` uint32 values each), and
    whether each text has enough words to be clustered."""
    a, b = permutations()
    out = np.full((len(texts), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    long_enough = np.zeros(len(texts), dtype=bool)
    for start in range(0, len(texts), CHUNK):
        part = texts.slice(start, CHUNK)
        doc, h = word_hashes(part)
        if not len(doc):
            continue
        counts = np.bincount(doc, minlength=len(part))
        long_enough[start : start + len(part)] = counts >= MIN_WORDS
        mixed = fmix32(h)
        starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
        values = mixed[:, None] * a[None, :] + b[None, :]  # uint32 arithmetic wraps, as datasketch's does
        out[start + doc[starts]] = np.minimum.reduceat(values, starts, axis=0)
    return out, long_enough


def form_hashes(forms: pa.Array) -> np.ndarray:
    """A 64-bit hash of each normalised text: what the store matches texts by (two different texts share one with
    a chance of about 1 in 10^19 per pair; the one-shot ``NearDuplicates`` compares the texts themselves)."""
    values = np.asarray(forms.to_pylist(), dtype=object)
    return pd.util.hash_array(values, categorize=True) if len(values) else np.zeros(0, dtype=np.uint64)


def band_keys(sig: np.ndarray) -> np.ndarray:
    """One 64-bit key per band of each signature (rows x bands)."""
    n_bands, rows = bands()
    keys = np.zeros((len(sig), n_bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(n_bands):
            key = np.full(len(sig), 1469598103934665603, dtype=np.uint64)
            for value in sig[:, band * rows : (band + 1) * rows].T:
                key = (key ^ value.astype(np.uint64)) * np.uint64(1099511628211)
            keys[:, band] = key
    return keys


class NearDuplicates:
    """Near-duplicate clusters of a growing list of texts (``add`` in parts or at once)."""

    def __init__(self) -> None:
        self.n = 0
        self._text_of = np.zeros(0, dtype=np.int64)  # per text added, its distinct text
        self._distinct: dict[str, int] = {}
        self._sig = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._keys = np.zeros((0, bands()[0]), dtype=np.uint64)
        self._usable = np.zeros(0, dtype=bool)
        self._edges: list[np.ndarray] = []  # pairs of distinct texts found alike

    def add(self, texts: pa.Array | pa.ChunkedArray | list[str]) -> None:
        """Cluster ``texts`` (appended after the ones added before) against every text added so far."""
        texts = pa.array(texts, pa.string()) if isinstance(texts, list) else texts
        forms = normalised(texts)
        encoded = pc.dictionary_encode(forms)
        unique = encoded.dictionary.to_pylist()
        ids = np.empty(len(unique), dtype=np.int64)
        fresh = []
        for position, form in enumerate(unique):
            found = self._distinct.get(form)
            if found is None:
                found = self._distinct[form] = len(self._distinct)
                fresh.append(position)
            ids[position] = found
        old = len(self._sig)
        sig, usable = signatures(encoded.dictionary.take(pa.array(fresh, pa.int64())))
        self._sig = np.concatenate([self._sig, sig])
        self._usable = np.concatenate([self._usable, usable])
        self._keys = np.concatenate([self._keys, band_keys(sig)])
        self._text_of = np.concatenate([self._text_of, ids[encoded.indices.to_numpy()]])
        self.n += len(texts)
        self._edges.append(self._candidates(old))

    def _candidates(self, first_new: int) -> np.ndarray:
        """Pairs of distinct texts (at least one new) that share a band and agree on THRESHOLD of the values."""
        rows = np.flatnonzero(self._usable)
        found = []
        for band in range(self._keys.shape[1]):
            key = self._keys[rows, band]
            order = np.lexsort((rows, key))
            same = key[order][1:] == key[order][:-1]
            left, right = rows[order][:-1][same], rows[order][1:][same]
            involved = (left >= first_new) | (right >= first_new)
            found.append(np.stack([left[involved], right[involved]], axis=1))
        every = np.concatenate(found)
        if not len(every):
            return every
        size = len(self._sig)
        unique = _sorted_unique(every[:, 0] * size + every[:, 1])
        pairs = np.stack([unique // size, unique % size], axis=1)
        agree = np.zeros(len(pairs))
        for start in range(0, len(pairs), 200_000):
            part = pairs[start : start + 200_000]
            agree[start : start + len(part)] = (self._sig[part[:, 0]] == self._sig[part[:, 1]]).mean(axis=1)
        return pairs[agree >= THRESHOLD]

    def labels(self) -> np.ndarray:
        """Per text added, its cluster: the position of the cluster's first text (a text alike to no other is
        its own cluster)."""
        size = len(self._sig)
        edges = np.concatenate([*self._edges, np.zeros((0, 2), dtype=np.int64)])
        graph = sp.coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(size, size))
        _, component = connected_components(graph, directed=False)
        # Every text of a component gets the position of the first text added that belongs to it; a short
        # text is a cluster of its own, even when it is written the same as others.
        positions = np.arange(self.n)
        per_text = np.where(self._usable[self._text_of], component[self._text_of], size + positions)
        first = np.full(size + self.n, self.n, dtype=np.int64)
        np.minimum.at(first, per_text, positions)
        return first[per_text]


def clusters(texts: pa.Array | pa.ChunkedArray | list[str]) -> np.ndarray:
    """Each text's near-duplicate cluster (the position of its first member), all texts at once."""
    index = NearDuplicates()
    index.add(texts)
    return index.labels()
