"""The document-term matrix: top terms, phrases and distinctive terms of any filter, without tokenising.

Two sparse matrices (mentions x vocabulary ids, 1 where a mention has the term): one for terms
(words, hashtags, handles, emoji) and one for phrases (pairs of adjacent words). The terms of a filter
are a sum over the selected rows, done by scipy in C: a gather of the selected rows when few are
selected, a matrix-vector product otherwise, or the totals minus the unselected when nearly all are.
Counts are of mentions (a term said twice in one mention counts once), as in Text iQ.

Stopwords are a boolean mask over the vocabulary (per language, from ``stopwordsiso``, plus the team's
own list), applied when counting: editing them never touches the index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from lib.cache import LockedLRU

KINDS = ("word", "hashtag", "handle", "emoji")
FEW = 0.15  # below this share of mentions selected, sum the selected rows
MOST = 0.85  # above it, subtract the unselected rows from the totals


def _matrix(lists: pa.ChunkedArray | None, n: int, size: int) -> sp.csr_matrix:
    if lists is None:
        return sp.csr_matrix((n, size), dtype=np.int32)
    lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    indices = pc.list_flatten(lists).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    data = np.ones(len(indices), dtype=np.int8)  # a 1 per (mention, term): a byte, not four (sums upcast)
    return sp.csr_matrix((data, indices, offsets), shape=(n, size))


@dataclass(frozen=True)
class Stoplist:
    """The team's changes to the per-language stopwords: words to drop too, and words to keep."""

    add: frozenset[str] = frozenset()
    keep: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return "|".join(sorted(self.add)) + "||" + "|".join(sorted(self.keep))


class TermIndex:
    """Terms and phrases of every mention, as sparse rows over one vocabulary."""

    def __init__(self, term_ids, phrase_ids, vocab: pa.Table | None, n: int):
        vocab = vocab if vocab is not None and vocab.num_rows else None
        self.n = n
        self.size = vocab.num_rows if vocab is not None else 0
        if vocab is not None:
            self.term = vocab["term"].combine_chunks()  # Arrow strings: only shown terms become Python str
            self.lang = vocab["lang"].to_numpy(zero_copy_only=False).astype(object)
            self.kind = vocab["kind"].to_numpy(zero_copy_only=False).astype(object)
            self.first = vocab["first"].to_numpy()
            self.second = vocab["second"].to_numpy()
            self._stem = vocab["stem"]
        else:
            self.term = pa.array([], pa.string())
            self.lang = self.kind = np.zeros(0, dtype=object)
            self.first = self.second = np.zeros(0, dtype=np.int32)
            self._stem = pa.chunked_array([pa.array([], pa.string())])
        self.terms = _matrix(term_ids, n, self.size)
        self.phrases = _matrix(phrase_ids, n, self.size)
        # Shared by every session's reruns at once (the model is one object per server): locked (lib/cache.py).
        self._totals: LockedLRU[str, np.ndarray] = LockedLRU(2)
        self._cache: LockedLRU[str, np.ndarray] = LockedLRU(32)

    # -- counting ---------------------------------------------------------------------------
    def _total(self, which: str) -> np.ndarray:
        matrix = self.terms if which == "terms" else self.phrases
        return self._totals.get(which, lambda: np.bincount(matrix.indices, minlength=self.size).astype(np.int64))

    def counts(self, mask: np.ndarray | None, which: str = "terms") -> np.ndarray:
        """Mentions per vocabulary id under ``mask`` (all mentions when None)."""
        total = self._total(which)
        if mask is None:
            return total
        matrix = self.terms if which == "terms" else self.phrases
        selected = int(np.count_nonzero(mask))
        if selected == self.n:
            return total
        if selected <= FEW * self.n:
            return _row_sum(matrix, np.flatnonzero(mask), self.size)
        if selected >= MOST * self.n:
            return total - _row_sum(matrix, np.flatnonzero(~mask), self.size)
        return np.asarray(matrix.T @ mask.astype(np.int32), dtype=np.int64)

    # -- vocabulary masks -------------------------------------------------------------------
    def _derived(self, key: str, build) -> np.ndarray:
        return self._cache.get(key, build)

    def surface(self) -> np.ndarray:
        """Per id, a code shared by the same written term in every language."""
        return self._derived("surface", lambda: pc.dictionary_encode(self.term).indices.to_numpy())

    def stems(self) -> np.ndarray:
        """Per id, a code shared by the word forms of one Snowball stem (per language, then merged by stem)."""
        return self._derived(
            "stems", lambda: pc.dictionary_encode(self._stem.combine_chunks()).indices.to_numpy().astype(np.int64)
        )

    def stopwords(self, stoplist: Stoplist = Stoplist()) -> np.ndarray:
        """Per id, is it a stopword in its language (or on the team's list, and not kept)? Phrases are
        stopwords when either word is."""

        def build() -> np.ndarray:
            from lib.text.stopwords import language_stopwords

            stop = np.zeros(self.size, dtype=bool)
            words = np.flatnonzero(self.kind == "word")
            terms = self.term.take(pa.array(words)).to_pylist() if len(words) else []
            langs = self.lang[words]
            for position, (term, lang) in enumerate(zip(terms, langs, strict=True)):
                if term in stoplist.keep:
                    continue
                if term in stoplist.add or term in language_stopwords(lang):
                    stop[words[position]] = True
            phrases = np.flatnonzero(self.kind == "phrase")
            stop[phrases] = stop[self.first[phrases]] | stop[self.second[phrases]]
            return stop

        return self._derived(f"stop:{stoplist.key}", build)

    def of_kind(self, kinds: tuple[str, ...]) -> np.ndarray:
        return self._derived("kind:" + ",".join(kinds), lambda: np.isin(self.kind, np.asarray(kinds, dtype=object)))

    # -- answers ----------------------------------------------------------------------------
    def top_terms(
        self,
        mask: np.ndarray | None,
        kinds: tuple[str, ...] = ("word",),
        top: int = 30,
        stoplist: Stoplist = Stoplist(),
        by_stem: bool = False,
    ) -> pd.DataFrame:
        """The ``top`` terms of the selected mentions: ``term``, ``mentions``, ``share`` (of the selected)."""
        selected = self.n if mask is None else int(np.count_nonzero(mask))
        return self.top_terms_of(self.counts(mask), selected, kinds, top, stoplist, by_stem)

    def top_terms_of(
        self,
        counts: np.ndarray,
        selected: int,
        kinds: tuple[str, ...] = ("word",),
        top: int = 30,
        stoplist: Stoplist = Stoplist(),
        by_stem: bool = False,
    ) -> pd.DataFrame:
        """``top_terms`` from the mentions per vocabulary id (``counts``) of ``selected`` mentions, however they
        were counted (here, or by an engine)."""
        keep = self.of_kind(kinds) & ~self.stopwords(stoplist)
        group = self.stems() if by_stem else self.surface()
        return self._ranked(counts * keep, group, top, selected)

    def _ranked(self, counts: np.ndarray, group: np.ndarray, top: int, selected: int) -> pd.DataFrame:
        """Counts merged per group (one written form across languages, or one stem), labelled by the group's
        most frequent member."""
        if not len(counts):
            return pd.DataFrame({"term": [], "mentions": [], "share": []})
        merged = np.bincount(group, weights=counts, minlength=int(group.max()) + 1)
        order = np.argsort(-merged, kind="stable")[:top]
        order = order[merged[order] > 0]
        # The label of a group: its member with the most mentions here.
        members = np.lexsort((-counts, group))
        first_of_group = members[np.searchsorted(group[members], order)]
        labels = self.term.take(pa.array(first_of_group, type=pa.int64())).to_pylist()
        mentions = merged[order].astype(np.int64)
        return pd.DataFrame({"term": labels, "mentions": mentions, "share": mentions / max(selected, 1)})

    def phrases_of(
        self, mask: np.ndarray | None, top: int = 30, min_count: int = 5, stoplist: Stoplist = Stoplist(), rank="pmi"
    ) -> pd.DataFrame:
        """Collocations of the selected mentions: ``phrase``, ``mentions``, ``pmi`` (log2 of how much more often
        the two words meet than by chance, from mention counts), for phrases in at least ``min_count`` mentions
        and without a stopword. ``rank``: ``pmi`` or ``mentions``."""
        selected = self.n if mask is None else int(np.count_nonzero(mask))
        return self.phrases_of_counts(
            self.counts(mask), self.counts(mask, "phrases"), selected, top, min_count, stoplist, rank
        )

    def phrases_of_counts(
        self,
        term_counts: np.ndarray,
        phrase_counts: np.ndarray,
        selected: int,
        top: int = 30,
        min_count: int = 5,
        stoplist: Stoplist = Stoplist(),
        rank="pmi",
    ) -> pd.DataFrame:
        """``phrases_of`` from mentions per vocabulary id of words and of phrases, among ``selected`` mentions."""
        ids = np.flatnonzero((phrase_counts >= max(min_count, 1)) & ~self.stopwords(stoplist))
        ids = ids[self.kind[ids] == "phrase"]
        if not len(ids) or not selected:
            return pd.DataFrame({"phrase": [], "mentions": [], "pmi": []})
        joint = phrase_counts[ids].astype(float)
        pmi = np.log2(joint * selected / (term_counts[self.first[ids]] * term_counts[self.second[ids]]))
        frame = pd.DataFrame({"id": ids, "mentions": joint.astype(np.int64), "pmi": pmi})
        frame["phrase"] = self.term.take(pa.array(ids, type=pa.int64())).to_pylist()
        frame = frame.groupby("phrase", as_index=False).agg(mentions=("mentions", "sum"), pmi=("pmi", "max"))
        sort = ["pmi", "mentions"] if rank == "pmi" else ["mentions", "pmi"]
        return frame.sort_values(sort, ascending=False, kind="stable").head(top)[["phrase", "mentions", "pmi"]]

    def distinctive_of(
        self,
        counts_a: np.ndarray,
        counts_b: np.ndarray,
        sizes: tuple[int, int],
        top: int = 20,
        stoplist: Stoplist = Stoplist(),
        kinds: tuple[str, ...] = ("word", "hashtag"),
        prior: float = 1000.0,
        min_count: int = 3,
    ) -> pd.DataFrame:
        """Terms that set segment a apart from segment b and back: the log-odds ratio with an informative
        Dirichlet prior (Monroe, Colaresi & Quinn 2008), as a z-score. The prior is the two segments' pooled
        counts scaled to ``prior`` pseudo-mentions, so rare terms are not ranked on noise.

        ``counts_a`` and ``counts_b`` are the mentions per vocabulary id of each segment (counted here or by an
        engine), ``sizes`` the segments' mentions. Columns: ``term``, ``z`` (> 0: typical of a), ``in_a``,
        ``in_b`` (mentions), ``share_a``, ``share_b``.
        """
        surface = self.surface()
        keep = self.of_kind(kinds) & ~self.stopwords(stoplist)
        size = int(surface.max()) + 1 if len(surface) else 0
        y_a = np.bincount(surface, weights=counts_a * keep, minlength=size)
        y_b = np.bincount(surface, weights=counts_b * keep, minlength=size)
        pooled = y_a + y_b
        alpha = prior * pooled / max(pooled.sum(), 1.0) + 0.01
        alpha0 = alpha.sum()
        n_a, n_b = y_a.sum(), y_b.sum()
        delta = np.log((y_a + alpha) / (n_a + alpha0 - y_a - alpha)) - np.log(
            (y_b + alpha) / (n_b + alpha0 - y_b - alpha)
        )
        z = delta / np.sqrt(1.0 / (y_a + alpha) + 1.0 / (y_b + alpha))
        candidates = np.flatnonzero(pooled >= min_count)
        if not len(candidates):
            return pd.DataFrame({"term": [], "z": [], "in_a": [], "in_b": [], "share_a": [], "share_b": []})
        ranked = candidates[np.argsort(-z[candidates], kind="stable")]
        chosen = np.concatenate([ranked[:top], ranked[::-1][:top]])
        chosen = np.unique(chosen)[np.argsort(-z[np.unique(chosen)], kind="stable")]
        # A label per written form: the first id with that surface code.
        first_id = np.full(size, -1, dtype=np.int64)
        first_id[surface[::-1]] = np.arange(len(surface))[::-1]
        labels = self.term.take(pa.array(first_id[chosen])).to_pylist()
        count_a, count_b = sizes
        return pd.DataFrame(
            {
                "term": labels,
                "z": z[chosen],
                "in_a": y_a[chosen].astype(np.int64),
                "in_b": y_b[chosen].astype(np.int64),
                "share_a": y_a[chosen] / max(count_a, 1),
                "share_b": y_b[chosen] / max(count_b, 1),
            }
        )


def _row_sum(matrix: sp.csr_matrix, rows: np.ndarray, size: int) -> np.ndarray:
    if not len(rows):
        return np.zeros(size, dtype=np.int64)
    return np.bincount(matrix[rows].indices, minlength=size).astype(np.int64)


def pmi(joint: int, a: int, b: int, n: int) -> float:
    """Pointwise mutual information in bits, from mention counts (for tests and explanations)."""
    return math.log2(joint * n / (a * b))
