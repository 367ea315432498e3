"""Near-duplicate clusters of mention texts: copy-paste campaigns, retweet storms, one review on several sites.

Each text is normalised (lower case; markup, links and a leading "RT @author:" taken out) and read as the set
of its word shingles: each pair of consecutive words. Pairs, not single words: texts about one thing written
by different people share most of their words ("flying to Boston tomorrow, checking the app info first" and
"… Seattle … seat …", or two long posts about the same airline), and a set of words made one cluster of such
texts; a copy keeps the words' order, so it keeps their pairs. (Longer shingles lose copies with small edits:
each word changed breaks ``k`` shingles; with triples a bot's five edits in 45 words fell below the threshold.)
Texts with the same normalised form are one text. Each distinct text gets a MinHash signature of ``NUM_PERM``
values: every word hashed once (pandas' stable SipHash of its UTF-8), folded to 32 bits, each pair of those
mixed into one 32-bit value (SplitMix64's finaliser), and each of ``NUM_PERM`` hash functions
``(a * x + b) >> 32`` (64-bit arithmetic, ``a`` and ``b`` drawn once by SplitMix64 from ``SEED``) keeps its
smallest value over the text's pairs: all pairs of a batch at once in numpy, in blocks that stay in the
processor's cache (``sketch``; the import computes it in the enrichment worker processes, lib/text/enrich.py).
Two signatures agree on a value with the probability of the Jaccard similarity of the two sets of pairs; texts
of fewer than ``MIN_SHINGLES`` distinct pairs (about six words: "thanks!") are never clustered: short texts are
alike without being copies.

Clusters have a representative, their first text, and a text joins a cluster only when its signature agrees with
the representative's on at least ``THRESHOLD`` of the values: no chain A~B~C puts A and C together when they are
not alike themselves (single-link chaining made one cluster of 858 unrelated demo sentences). Texts are taken in
the order they came; each one joins the earliest representative it is alike to, or becomes a representative
itself. Candidates are found by LSH: signatures cut into ``bands()`` (datasketch's ``MinHashLSH`` choice of
bands and rows for ``THRESHOLD``), and a text is compared with the representatives that share a whole band with
it, at most ``REPS_PER_BUCKET`` per band bucket (the first ones: a bucket of many dissimilar texts cannot make
the comparisons grow with the data).

The rule reads only what came before a text, so adding texts in parts gives the clusters of adding them at once
(``NearDuplicates.add``; the store keeps the same index, lib/store/near_duplicates.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NUM_PERM = 32
THRESHOLD = 0.5
AGREE = int(np.ceil(THRESHOLD * NUM_PERM))  # values two signatures must share
MIN_SHINGLES = 5  # distinct word pairs a text needs to be clustered (six words or so)
SEED = 20
REPS_PER_BUCKET = 16
HITS_PER_SLICE = 65_536  # (new text, representative) pairs compared at a time: 16 MB of signatures
BLOCK = 1 << 15  # shingles hashed at a time: 32k values of 8 bytes stay in a core's cache for every hash function
_STRIP = (
    (r"<[^>]*>|&[a-z]+;|&#[0-9]+;|(https?://|www\.)\S+", " "),  # markup, entities, links
    (r"^\s*rt\s+@[\pL\pN_]+:?", " "),  # the retweet prefix
)
_SPLIT = r"[^\pL\pN#@_']+"
_MAX = np.iinfo(np.uint32).max


# (bands, rows per band) for THRESHOLD and NUM_PERM: datasketch's MinHashLSH optimum for equal weights of false
# positives and false negatives. Written out because working it out imports scipy and integrates numerically (a
# quarter of a second at every start of the CLI); tests/test_near_duplicates.py checks it against datasketch.
BANDS, ROWS_PER_BAND = 8, 4


def bands() -> tuple[int, int]:
    """(bands, rows per band) of the LSH index."""
    return BANDS, ROWS_PER_BAND


def _splitmix64(seed: int, n: int) -> np.ndarray:
    """``n`` values of SplitMix64 from ``seed``: fixed by this code, not by a library's random stream."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


@cache
def permutations() -> tuple[np.ndarray, np.ndarray]:
    """The ``NUM_PERM`` hash functions' (a, b): ``a`` odd."""
    return _splitmix64(SEED, NUM_PERM) | np.uint64(1), _splitmix64(SEED + 1, NUM_PERM)


def normalised(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Texts as compared: lower case, without markup, links or a retweet prefix. (Spaces are not collapsed: that
    pass cost a third of the normalising, and texts that differ only in spaces have the same words, so the same
    signature and cluster.)"""
    out = pc.utf8_lower(pc.fill_null(texts, ""))
    for pattern, replacement in _STRIP:
        out = pc.replace_substring_regex(out, pattern, replacement)
    out = pc.utf8_trim_whitespace(out)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser of uint64 ``values``, folded to 32 bits (as uint64)."""
    with np.errstate(over="ignore"):
        z = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z ^ (z >> np.uint64(32))) & np.uint64(0xFFFFFFFF)


def shingle_hashes(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The distinct word pairs of each normalised text as 32-bit hashes: (text index, hash) pairs, sorted by text
    (a long text says its pairs many times over: each is hashed by the ``NUM_PERM`` functions once). A text of
    one word has no pair, so no shingle."""
    words = pc.split_pattern_regex(texts, _SPLIT)
    parent = pc.list_parent_indices(words).to_numpy()
    flat = pc.list_flatten(words)
    keep = pc.greater(pc.utf8_length(flat), 0)
    encoded = pc.dictionary_encode(flat.filter(keep))
    vocabulary = pd.util.hash_array(np.asarray(encoded.dictionary.to_pylist(), dtype=object), categorize=False)
    folded = (vocabulary ^ (vocabulary >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    hashes = folded[encoded.indices.to_numpy()]
    doc = parent[keep.to_numpy(zero_copy_only=False)].astype(np.int64)
    pair = np.flatnonzero(doc[1:] == doc[:-1])  # word i and i + 1 of one text
    mixed = _mix((hashes[pair] << np.uint64(32)) | hashes[pair + 1]).astype(np.int64)
    pairs = _sorted_unique((doc[pair] << 32) | mixed)
    return pairs >> 32, (pairs & 0xFFFFFFFF).astype(np.uint64)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a comparison: numpy's hash-based unique is several times slower
    on millions of int64)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def minhash(doc: np.ndarray, hashes: np.ndarray, n: int) -> np.ndarray:
    """The signature of each of ``n`` texts from its shingles' 32-bit ``hashes`` (``doc``: each shingle's text, in
    order): ``NUM_PERM`` minima, the largest value for a text without shingles."""
    a, b = permutations()
    out = np.full((NUM_PERM, n), _MAX, dtype=np.uint32)
    if not len(doc):
        return out.T.copy()
    starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
    # Blocks of whole texts of about BLOCK shingles: each hash function runs over a block while it is in cache.
    cuts = np.unique(np.r_[starts[np.searchsorted(starts, np.arange(0, len(doc), BLOCK), side="right") - 1], len(doc)])
    buffer = np.empty(min(len(doc), max(BLOCK, int(np.diff(cuts).max()))), dtype=np.uint64)
    x = hashes.astype(np.uint64)
    shift = np.uint64(32)
    for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        first, last = np.searchsorted(starts, [lo, hi])
        local = starts[first:last] - lo
        rows = doc[starts[first:last]]
        part, work = x[lo:hi], buffer[: hi - lo]
        for k in range(NUM_PERM):
            np.multiply(part, a[k], out=work)
            np.add(work, b[k], out=work)
            np.right_shift(work, shift, out=work)
            out[k, rows] = np.minimum.reduceat(work, local)
    return out.T.copy()


@dataclass
class Sketch:
    """What the clustering needs of each text: a 64-bit hash of its normalised form (what texts are matched by;
    two different texts share one with a chance of about 1 in 10^19 per pair), its signature, and whether it
    has enough word pairs to be clustered."""

    form: np.ndarray  # uint64 per text
    sig: np.ndarray  # uint32, texts x NUM_PERM
    usable: np.ndarray  # bool per text

    def take(self, rows: np.ndarray) -> Sketch:
        return Sketch(self.form[rows], self.sig[rows], self.usable[rows])

    def astuple(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.form, self.sig, self.usable

    @staticmethod
    def concat(parts: list[Sketch]) -> Sketch:
        return Sketch(
            np.concatenate([p.form for p in parts]),
            np.concatenate([p.sig for p in parts]),
            np.concatenate([p.usable for p in parts]),
        )


def form_hashes(forms: pa.Array) -> np.ndarray:
    """A 64-bit hash of each normalised text."""
    values = np.asarray(forms.to_pylist(), dtype=object)
    return pd.util.hash_array(values, categorize=True) if len(values) else np.zeros(0, dtype=np.uint64)


def signatures(forms: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of normalised texts (rows: texts, ``NUM_PERM`` uint32 values each), and whether each
    has enough distinct word pairs to be clustered."""
    doc, hashes = shingle_hashes(forms)
    return minhash(doc, hashes, len(forms)), np.bincount(doc, minlength=len(forms)) >= MIN_SHINGLES


def sketch(texts: pa.Array | pa.ChunkedArray | list[str]) -> Sketch:
    """The ``Sketch`` of each text (a text repeated is sketched once)."""
    texts = pa.array(texts, pa.string()) if isinstance(texts, list) else texts
    encoded = pc.dictionary_encode(normalised(texts))
    forms = encoded.dictionary
    sig, usable = signatures(forms)
    index = encoded.indices.to_numpy(zero_copy_only=False)
    return Sketch(form_hashes(forms), sig, usable).take(index)


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


def alike(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row: do signatures ``a`` and ``b`` agree on at least ``THRESHOLD`` of their values?"""
    return (a == b).sum(axis=1) >= AGREE


def _alike_hits(sig: np.ndarray, pos: np.ndarray, rep_sig: np.ndarray, rep_row: np.ndarray) -> np.ndarray:
    """``alike`` for each hit (new text ``pos``, representative row ``rep_row``), a slice of hits at a time: a part
    of 50,000 texts whose buckets are full has 6.4M hits, and their two signatures side by side took 1.6 GB."""
    ok = np.zeros(len(pos), dtype=bool)
    for start in range(0, len(pos), HITS_PER_SLICE):
        end = start + HITS_PER_SLICE
        ok[start:end] = alike(sig[pos[start:end]], rep_sig[rep_row[start:end]])
    return ok


def assign(
    first: int,
    sig: np.ndarray,
    keys: np.ndarray,
    usable: np.ndarray,
    hits: tuple[np.ndarray, np.ndarray, np.ndarray],
    known: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The clusters of new texts ``first``, ``first + 1``, … (in the order they came) against the clusters before.

    ``hits`` (position of a new text, band, representative): the clusters that the index lists in each band bucket
    of each usable new text; ``known`` (ids, signatures): those representatives' signatures, ids sorted. A text is
    compared with the representatives of every cluster listed in its buckets (a cluster is listed in a bucket when
    any of its texts has that band key, up to ``REPS_PER_BUCKET`` clusters per bucket: so a text meets a campaign
    through whichever copy it resembles most, but joins it only if alike to its first text). Returns each text's
    cluster (its representative's id; its own for a new representative and for a text too short to cluster), and
    the index rows the new texts add: (position, band, representative).
    """
    n, n_bands = keys.shape
    cluster = np.arange(first, first + n, dtype=np.int64)
    pos, band, rep = hits
    rep_ids, rep_sig = known
    ok = _alike_hits(sig, pos, rep_sig, np.searchsorted(rep_ids, rep))
    # Band buckets that two or more new texts share: there the order within the batch decides, one text at a time.
    rows = np.flatnonzero(usable)
    bucket = np.full((n, n_bands), -1, dtype=np.int64)
    offset = 0
    for b in range(n_bands):
        _, of, counts = np.unique(keys[rows, b], return_inverse=True, return_counts=True)
        shared = counts[of] >= 2
        bucket[rows[shared], b] = of[shared] + offset
        offset += len(counts)
    contested = np.asarray((bucket >= 0).any(axis=1), dtype=bool)
    # The earliest alike representative listed in each text's own buckets (a bucket lists the same stored
    # clusters for every text that has its key): the others at once, their cluster, else their own.
    earliest = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(earliest, pos[ok], rep[ok])
    calm = usable & ~contested & (earliest < first)
    cluster[calm] = earliest[calm]
    fill = np.zeros((n, n_bands), dtype=np.int64)
    np.add.at(fill, (pos, band), 1)
    out = []
    if contested.any():
        out.append(_in_order(first, sig, np.flatnonzero(contested), bucket, hits, fill, earliest, known, cluster))
    # Each text's cluster listed in its buckets that no other new text shares, where it is not listed yet.
    present = np.zeros((n, n_bands), dtype=bool)
    mine = rep == cluster[pos]
    present[pos[mine], band[mine]] = True
    add_pos, add_band = np.nonzero(usable[:, None] & (bucket < 0) & ~present & (fill < REPS_PER_BUCKET))
    out.append((add_pos, add_band, cluster[add_pos]))
    return cluster, tuple(np.concatenate(part) for part in zip(*out, strict=True))  # type: ignore[return-value]


def _in_order(
    first: int,
    sig: np.ndarray,
    texts: np.ndarray,
    bucket: np.ndarray,
    hits: tuple[np.ndarray, np.ndarray, np.ndarray],
    fill: np.ndarray,
    earliest: np.ndarray,
    known: tuple[np.ndarray, np.ndarray],
    cluster: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``assign`` for the texts that share a band bucket with another new text, one at a time in their order:
    each shared bucket's list of clusters grows as they are assigned. A text's candidates are the clusters listed
    in its buckets: the stored ones (``earliest``: the first alike among them) and those that the texts before it
    added to its shared buckets, compared with it here. Fills ``cluster``; returns the shared buckets' index rows
    added (the caller adds those of the text's other buckets)."""
    pos, band, rep = hits
    rep_ids, rep_sig = known
    # Each shared bucket's stored clusters and their number (the same for every text that has its key).
    of_hit = bucket[pos, band]
    # (bucket, cluster) once each (every text of a bucket lists them): bucket numbers and text ids < 2^31.
    pairs = _sorted_unique((of_hit[of_hit >= 0] << 32) | rep[of_hit >= 0])
    bucket_of, rep_in = (pairs >> 32).tolist(), (pairs & 0xFFFFFFFF).tolist()
    listed: dict[int, set[int]] = {}
    for bk, r in zip(bucket_of, rep_in, strict=True):
        listed.setdefault(bk, set()).add(r)
    size = dict(zip(bucket[texts].ravel().tolist(), fill[texts].ravel().tolist(), strict=True))
    appended: dict[int, list[int]] = {}  # the clusters the batch's texts added to a shared bucket, in order
    added: list[tuple[int, int, int]] = []
    none = int(np.iinfo(np.int64).max)
    for text, own_buckets, best in zip(texts.tolist(), bucket[texts].tolist(), earliest[texts].tolist(), strict=True):
        shared = [(b, bk) for b, bk in enumerate(own_buckets) if bk >= 0]
        later = {r for _, bk in shared for r in appended.get(bk, ()) if r < best}
        for r in sorted(later):  # the earliest first: stop at the first alike
            other = sig[r - first] if r >= first else rep_sig[np.searchsorted(rep_ids, r)]
            if int(np.count_nonzero(other == sig[text])) >= AGREE:
                best = r
                break
        own = best if best != none else first + text
        cluster[text] = own
        for b, bk in shared:
            members = listed.setdefault(bk, set())
            if size[bk] < REPS_PER_BUCKET and own not in members:
                members.add(own)
                appended.setdefault(bk, []).append(own)
                size[bk] += 1
                added.append((text, b, own))
    if not added:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    table = np.asarray(added, dtype=np.int64)
    return table[:, 0], table[:, 1], table[:, 2]


def lookup(
    index: tuple[np.ndarray, np.ndarray, np.ndarray], keys: np.ndarray, usable: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The clusters listed in ``index`` (band, key, representative: sorted by band and key) in each band bucket of
    each usable text of ``keys``: (position, band, representative)."""
    band_of, key_of, rep_of = index
    empty = np.zeros(0, dtype=np.int64)
    found_pos, found_band, found_rep = [empty], [empty], [empty]
    rows = np.flatnonzero(usable)
    lo_band = np.searchsorted(band_of, np.arange(keys.shape[1] + 1))
    for b in range(keys.shape[1]):
        lo, hi = lo_band[b], lo_band[b + 1]
        listed = key_of[lo:hi]
        left = np.searchsorted(listed, keys[rows, b], side="left")
        sizes = np.searchsorted(listed, keys[rows, b], side="right") - left
        if not sizes.any():
            continue
        found_pos.append(np.repeat(rows, sizes))
        found_band.append(np.full(int(sizes.sum()), b, dtype=np.int64))
        starts = np.repeat(left - np.cumsum(sizes) + sizes, sizes)
        found_rep.append(rep_of[lo:hi][starts + np.arange(sizes.sum())])
    return np.concatenate(found_pos), np.concatenate(found_band), np.concatenate(found_rep)


class NearDuplicates:
    """Near-duplicate clusters of a growing list of texts (``add`` in parts or at once)."""

    def __init__(self) -> None:
        self.n = 0
        self._text_of: list[np.ndarray] = []  # per text added, its distinct text
        self._distinct: dict[int, int] = {}  # form hash: distinct text
        self._sig = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._cluster = np.zeros(0, dtype=np.int64)
        self._usable = np.zeros(0, dtype=bool)
        self._index = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))

    def add(self, texts: pa.Array | pa.ChunkedArray | list[str]) -> None:
        """Cluster ``texts`` (appended after the ones added before) against every text added so far."""
        found = sketch(texts)
        forms, first_at, inverse = np.unique(found.form, return_index=True, return_inverse=True)
        ids = np.empty(len(forms), dtype=np.int64)
        fresh = []
        for position in np.argsort(first_at, kind="stable").tolist():  # new texts numbered in the order they came
            form = int(forms[position])
            known = self._distinct.get(form)
            if known is None:
                known = self._distinct[form] = len(self._distinct)
                fresh.append(position)
            ids[position] = known
        new = found.take(first_at[np.asarray(fresh, dtype=np.int64)])
        keys = band_keys(new.sig)
        hits = lookup(self._index, keys, new.usable)
        first = len(self._sig)
        cluster, (pos, band, rep) = assign(first, new.sig, keys, new.usable, hits, (np.arange(first), self._sig))
        self._sig = np.concatenate([self._sig, new.sig])
        self._usable = np.concatenate([self._usable, new.usable])
        self._cluster = np.concatenate([self._cluster, cluster])
        band_of = np.concatenate([self._index[0], band])
        key_of = np.concatenate([self._index[1], keys[pos, band]])
        rep_of = np.concatenate([self._index[2], rep])
        order = np.lexsort((key_of, band_of))  # stable: within a bucket, in the order the clusters were listed
        self._index = (band_of[order], key_of[order], rep_of[order])
        self._text_of.append(ids[inverse.reshape(-1)])
        self.n += len(found.form)

    def labels(self) -> np.ndarray:
        """Per text added, its cluster: the position of the cluster's first text (a text alike to no other is
        its own cluster)."""
        text_of = np.concatenate([*self._text_of, np.zeros(0, dtype=np.int64)])
        size = len(self._sig)
        # A short text is a cluster of its own, even when it is written the same as others.
        positions = np.arange(self.n)
        per_text = np.where(self._usable[text_of], self._cluster[text_of], size + positions)
        first = np.full(size + self.n, self.n, dtype=np.int64)
        np.minimum.at(first, per_text, positions)
        return first[per_text]


def clusters(texts: pa.Array | pa.ChunkedArray | list[str]) -> np.ndarray:
    """Each text's near-duplicate cluster (the position of its first member), all texts at once."""
    index = NearDuplicates()
    index.add(texts)
    return index.labels()
