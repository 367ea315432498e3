"""The in-memory model: the store's mentions as typed arrays, answering small per-filter questions.

Built once per server process and store version (the UI holds it with ``st.cache_resource``). Every
categorical column is a pair (int32 codes, value list), so a filter is a few table look-ups and a
breakdown is one ``np.bincount`` over the masked codes: no per-rerun copy of the table, no pandas
group-by. Only the columns the views need are held; whole rows are fetched from the store by key.
"""

from __future__ import annotations

import threading
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.cache import LockedLRU
from lib.queries.buckets import DAY_NS, HOUR_NS, VOLUME_SERIES, bucket_end
from lib.queries.columns import (  # noqa: F401  (re-exported: other modules import them from here)
    NAT,
    Codes,
    ListIndex,
    Selection,
    encode,
    masked_bincount,
    timestamps_ns,
    top_codes,
    top_order,
)
from lib.queries.filters import FACETS, Filters
from lib.queries.text_search import NARROW_ROWS, MemoryTexts, StoreTexts, Texts, TextSearch, indexed
from lib.queries.volume import volume_table
from lib.store.local import Store
from lib.text.boolean_query import AnyOf, Leaf, Node, Not, Or, Phrase, Term, grouped, parse
from lib.text.terms import TermIndex
from lib.text.topics import TopicSet, topics_mask
from lib.text.vocabulary import ENRICHMENT_COLUMNS

CATEGORICAL = tuple(column for column, _, _ in FACETS.values())
LIST_COLUMNS = ("tags", "hashtags", "handles", "linkDomains")
MODEL_COLUMNS = (
    "uniqueId",
    *CATEGORICAL,
    *LIST_COLUMNS,
    "dateAdded",
    "datePublished",
    *ENRICHMENT_COLUMNS,
    "copyCluster",  # the near-duplicate cluster kept in the store (lib/store/near_duplicates.py)
    "copyItem",
)
COPY_COLUMNS = ("copyCluster", "copyItem")
NARROW = 0.25  # texts in memory: an AND clause left with fewer mentions than this share scans only those


class MentionModel:
    """Mentions in memory, queried by ``Filters``. Results are small: counts, pages of keys."""

    def __init__(self, table: pa.Table, version: str = "", vocab: pa.Table | None = None, store: Store | None = None):
        self.version = version
        self.n = table.num_rows
        self.keys = table["uniqueId"].combine_chunks()  # Arrow strings: a million Python str would cost ~0.4 s
        self.columns = {name: encode(table[name]) for name in CATEGORICAL}
        published = timestamps_ns(table["datePublished"])
        added = timestamps_ns(table["dateAdded"])
        # The mention's time is when it was published; Social Connect's indexing time stands in for it.
        self.ts = np.where(published != NAT, published, added)
        self.lists = {name: ListIndex(table[name], self.n) for name in LIST_COLUMNS}
        self.tags = self.lists["tags"]
        names = table.column_names
        self.text = TermIndex(
            table["termIds"] if "termIds" in names else None,
            table["phraseIds"] if "phraseIds" in names else None,
            vocab,
            self.n,
        )
        # VADER's compound score; NaN where there is none (a language VADER does not read).
        self.vader = (
            pc.fill_null(table["vaderCompound"], np.nan).to_numpy().astype(np.float32)
            if "vaderCompound" in names
            else np.full(self.n, np.nan, dtype=np.float32)
        )
        # Each mention's near-duplicate cluster and arrival number, as the store keeps them (-1: none kept). A model
        # of a store reads them when first asked (``copies``): the first pages do not need them, and joining them
        # to the mentions added 0.9 s to a cold start at 1M.
        self._copies_lock = threading.Lock()
        self._copies_store = store if store is not None and "copyCluster" not in names else None
        self._copies: tuple[np.ndarray, np.ndarray] | None = None
        if "copyCluster" in names and "copyItem" in names:
            cluster, item = (pc.fill_null(table[c], -1).to_numpy().astype(np.int64) for c in COPY_COLUMNS)
            self._copies = (cluster, item)
        # The texts stay in the store (lib/queries/text_search.py); a table that carries them (tests, benches)
        # keeps them in memory, as every model did before.
        if "messageContent" in names or store is None:
            content = table["messageContent"].combine_chunks() if "messageContent" in names else None
            self.texts: Texts = MemoryTexts(content if content is not None else pa.nulls(self.n, pa.string()))
            self.narrow_rows = int(NARROW * self.n)
        else:
            self.texts = StoreTexts(store, self.keys, version)
            self.narrow_rows = min(NARROW_ROWS, int(NARROW * self.n))
        self.finder = TextSearch(self.text, self.texts, self.n)
        # Derived values, shared by every session's reruns at once: locked LRUs (lib/cache.py).
        self._local_ns: LockedLRU[str, np.ndarray] = LockedLRU(4)  # wall-clock times per timezone
        self._local_days: LockedLRU[str, np.ndarray] = LockedLRU(4)  # wall-clock days per timezone
        self._totals: LockedLRU[str, np.ndarray] = LockedLRU(32)  # counts over all mentions per column
        self._day_keys: LockedLRU[str, tuple[int, np.ndarray, np.ndarray]] = LockedLRU(6)  # per timezone, split
        self.tag_indexes: LockedLRU[str, ListIndex] = LockedLRU(4)  # per tag recode (lib/queries/tags.py)
        self.derived: LockedLRU[str, np.ndarray] = LockedLRU(8)  # once per model: near-duplicate clusters
        self._options: LockedLRU[tuple[str, int | None], tuple[str, ...]] = LockedLRU(32)  # filter options per column
        self._selection: Selection | None = None

    @classmethod
    def from_store(cls, store: Store, texts_in_memory: bool = False) -> MentionModel:
        """The model of ``store``'s mentions; with ``texts_in_memory`` it holds every text too (the earlier
        model, kept as a reference for tests and benches)."""
        columns = [c for c in MODEL_COLUMNS if c not in COPY_COLUMNS]  # read when first asked (``copies``)
        table, vocab, version = store.read_model((*columns, "messageContent") if texts_in_memory else columns)
        return cls(table, version, vocab, store)

    @property
    def copies(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Each mention's stored near-duplicate cluster and item (lib/store/near_duplicates.py), -1 where none is
        kept; None for a model of a table without them (lib/queries/clusters.py then clusters the texts).

        A model of a store reads them on the first call, by key. Should the store have been written since the
        model was read, the clusters are the newer ones for the same mentions: the model is replaced at the next
        rerun anyway (the UI keys it on the store's version)."""
        if self._copies_store is not None:
            with self._copies_lock:
                if self._copies_store is not None:
                    self._copies = self._copies_store.read_copies(self.keys)
                    self._copies_store = None
        return self._copies

    # -- dates ----------------------------------------------------------------------------------
    @cached_property
    def _dated(self) -> np.ndarray:
        return self.ts[self.ts != NAT]

    def date_bounds(self, tz: str = "UTC") -> tuple[date, date]:
        """The first and last day with mentions, in ``tz`` (today twice for an empty store)."""
        if not len(self._dated):
            today = pd.Timestamp.now(tz=tz).date()
            return today, today
        lo, hi = (pd.Timestamp(v, tz="UTC").tz_convert(tz).date() for v in (self._dated.min(), self._dated.max()))
        return lo, hi

    def local_ns(self, tz: str) -> np.ndarray:
        """Each mention's wall-clock time in ``tz`` as int64 ns (NaT stays NaT). Cached per timezone."""
        return self._local_ns.get(tz, lambda: self._to_local(tz))

    def _to_local(self, tz: str) -> np.ndarray:
        if tz == "UTC" or not len(self._dated):
            return self.ts
        # UTC offsets change only at transitions, which fall on hour boundaries: look the offset
        # up per hour of the data's span instead of converting a million timestamps.
        first = self._dated.min() // HOUR_NS * HOUR_NS
        hours = pd.date_range(pd.Timestamp(first, tz="UTC"), pd.Timestamp(self._dated.max(), tz="UTC"), freq="h")
        offsets = (hours.tz_convert(tz).tz_localize(None) - hours.tz_localize(None)).to_numpy().astype(np.int64)
        index = np.clip((self.ts - first) // HOUR_NS, 0, len(offsets) - 1)
        return np.where(self.ts == NAT, NAT, self.ts + offsets[index])

    def local_days(self, tz: str) -> np.ndarray:
        """Each mention's wall-clock day in ``tz`` as days since 1970-01-01 (int32; undated: -1). Cached."""

        def days() -> np.ndarray:
            local = self.local_ns(tz)
            return np.where(local == NAT, -1, local // DAY_NS).astype(np.int32)

        return self._local_days.get(tz, days)

    # -- filtering ------------------------------------------------------------------------------
    def search(self, text: str) -> np.ndarray:
        """Mentions whose plain text satisfies the query ``text`` (see lib/text/boolean_query.py: words,
        hashtags, @handles, quoted phrases, ``*``, AND/OR/NOT). Words, hashtags and handles come from the term
        index; the phrases and wildcards of each OR are scanned together, once, and cached (see
        lib/queries/text_search.py)."""
        return self._evaluate(grouped(parse(text)), None)

    def _evaluate(self, node: Node, within: np.ndarray | None) -> np.ndarray:
        """``node``'s mentions, right on the rows of ``within`` (all when None; elsewhere anything). An AND
        takes its indexed words first, then reads the texts of the few mentions left for each further clause
        (``narrow_rows``), so a long AND of phrases costs about one scan, not one per phrase; a leaf scanned
        over (nearly) everything is cached."""
        if isinstance(node, Term | Phrase | AnyOf):
            if within is None or _answered_by_index(node) or np.count_nonzero(within) > self.narrow_rows:
                return self.term_mask(node)
            rows = np.flatnonzero(within)
            found = np.zeros(self.n, dtype=bool)
            found[rows[self.finder.within(node, rows)]] = True
            return found
        if isinstance(node, Not):
            return ~self._evaluate(node.child, within)
        if isinstance(node, Or):
            return np.logical_or.reduce([self._evaluate(child, within) for child in node.children])
        keep = np.ones(self.n, dtype=bool) if within is None else within.copy()
        for child in sorted(
            node.children, key=lambda c: (not isinstance(c, Term | Phrase | AnyOf), not _answered_by_index(c))
        ):
            keep &= self._evaluate(child, keep)
            if not keep.any():
                break
        return keep

    def term_mask(self, node: Leaf) -> np.ndarray:
        """The mentions of one term, phrase or ``AnyOf``, over all mentions (cached)."""
        return self.finder.leaf(node)

    def text_of(self, rows: np.ndarray) -> list[str | None]:
        """The plain texts of ``rows`` (model row indexes), read for those rows only."""
        return self.texts.texts(np.asarray(rows, dtype=np.int64))

    def mask(
        self, filters: Filters, tz: str = "UTC", tags: ListIndex | None = None, topics: TopicSet | None = None
    ) -> np.ndarray:
        """A boolean per mention: does it pass ``filters``? ``tags`` is the (recoded) tag index to use,
        ``topics`` the text topics that ``filters.text_topics`` names."""
        keep = np.ones(self.n, dtype=bool)
        if filters.start or filters.end:
            local = self.local_ns(tz)
            dated = local != NAT
            if filters.start:
                dated &= local >= pd.Timestamp(filters.start).value
            if filters.end:
                dated &= local < pd.Timestamp(filters.end).value + DAY_NS
            keep &= dated
        for attr, (column, _, _) in FACETS.items():
            selected = getattr(filters, attr)
            if selected:
                codes = self.columns[column]
                keep &= codes.lookup(selected)[codes.codes]
        if filters.tags:
            keep &= (tags or self.tags).mask(filters.tags, filters.tag_mode)
        if filters.text:
            keep &= self.search(filters.text)
        if filters.text_topics:
            keep &= topics_mask(topics or TopicSet(), filters.text_topics, self.search, self.n)
        return keep

    # -- answers --------------------------------------------------------------------------------
    def count(self, filters: Filters, tz: str = "UTC") -> int:
        return int(self.mask(filters, tz).sum())

    def value_mask(self, column: str, values: tuple[str, ...]) -> np.ndarray:
        """Mentions whose ``column`` (categorical or list) has any of ``values``."""
        if column in self.lists:
            return self.lists[column].mask(values)
        codes = self.columns[column]
        return codes.lookup(values)[codes.codes]

    def bucket_mask(self, start: np.datetime64, freq: str, tz: str) -> np.ndarray:
        """Mentions in the time bucket that starts at ``start`` (wall-clock time in ``tz``)."""
        first = pd.Timestamp(start)
        last = bucket_end(first, freq)
        local = self.local_ns(tz)
        return (local >= first.value) & (local < last.value)

    def selection(self, mask: np.ndarray | None) -> Selection | None:
        """The selection of ``mask``, computed once for as long as the same mask object is in use."""
        if mask is None:
            return None
        cached = self._selection
        if cached is not None and cached.mask is mask:
            return cached
        # One slot: a rerun works on one mask at a time. Another session's rerun may replace it at any moment,
        # so the new selection is returned from here, never read back from the slot.
        selection = Selection(mask)
        self._selection = selection
        return selection

    def value_counts(self, column: str, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(counts per code, the code's values) of a categorical or list column under ``mask``."""
        selection = self.selection(mask)
        if column in self.lists:
            index = self.lists[column]
            return index.counts(selection), index.values.values
        codes = self.columns[column]
        total = self._totals.get(column, lambda: np.bincount(codes.codes, minlength=len(codes.values)))
        return masked_bincount(codes.codes, len(codes.values), selection, total), codes.values

    def counts(self, column: str, mask: np.ndarray | None = None, top: int | None = None) -> pd.DataFrame:
        """Mentions per value of ``column`` (categorical or list) under ``mask``, largest first, zeros left out;
        only the ``top`` largest when given."""
        counts, values = self.value_counts(column, mask)
        order = top_order(counts, top)
        return pd.DataFrame({"value": values[order], "mentions": counts[order]})

    def crosstab(self, rows: str, columns: str, mask: np.ndarray, top: int = 12) -> pd.DataFrame:
        """Mentions per pair of values of two categorical columns (the ``top`` values of each, the rest as
        "Other"), as a table with the row values as index."""
        a, b = self.columns[rows], self.columns[columns]
        a_codes, b_codes = a.codes[mask], b.codes[mask]
        a_keep, a_names = top_codes(a, a_codes, top)
        b_keep, b_names = top_codes(b, b_codes, top)
        grid = np.bincount(a_keep[a_codes] * len(b_names) + b_keep[b_codes], minlength=len(a_names) * len(b_names))
        return pd.DataFrame(grid.reshape(len(a_names), len(b_names)), index=a_names, columns=b_names)

    def facet_values(self, column: str) -> list[str]:
        """Every value of ``column`` (or ``tags``), most frequent first: the options of a filter (worked out once
        per model: every rerun of every session asks for them)."""
        return self.top_values(column, None)

    def top_values(self, column: str, top: int | None) -> list[str]:
        options = self._options.get((column, top), lambda: tuple(self.counts(column, top=top)["value"].tolist()))
        return list(options)  # a new list: callers add the selected values to it

    def kpis(self, mask: np.ndarray) -> dict[str, float | int]:
        """Mentions, unique authors and the positive and negative shares (of all mentions, unset included)."""
        n = int(np.count_nonzero(mask))
        per_author, authors = self.value_counts("authorName", mask)
        present = (per_author > 0) & (authors != "")
        per_sentiment, sentiments = self.value_counts("messageSentiment", mask)
        by_sentiment = dict(zip(sentiments, per_sentiment, strict=True))
        return {
            "mentions": n,
            "authors": int(present.sum()),
            "positive": by_sentiment.get("positive", 0) / n if n else float("nan"),
            "negative": by_sentiment.get("negative", 0) / n if n else float("nan"),
            "unset": by_sentiment.get("unset", 0) / n if n else float("nan"),
        }

    def volume(
        self,
        mask: np.ndarray,
        freq: str = "day",
        split: str | None = "messageSentiment",
        tz: str = "UTC",
        top: int = VOLUME_SERIES,
    ) -> pd.DataFrame:
        """Mentions per time bucket (wall-clock ``tz``) and per value of ``split``, empty buckets as 0.

        Columns: ``bucket`` (naive local start of the bucket), ``series``, ``mentions``. A split column
        with many values keeps its ``top`` largest and folds the rest into "Other".
        """
        codes = self.columns[split] if split else None
        width_codes = len(codes.values) if codes is not None else 1
        if freq == "hour":
            # Hourly buckets are for short ranges: work on the few selected timestamps directly.
            mask = mask & (self.ts != NAT)
            if not mask.any():
                return volume_table(0, np.zeros((0, width_codes), dtype=np.int64), codes, split, freq, top)
            unit = self.local_ns(tz)[mask] // HOUR_NS
            first, n_units = int(unit.min()), int(unit.max() - unit.min()) + 1
            code = codes.codes[mask] if codes is not None else 0
            grid = np.bincount((unit - first) * width_codes + code, minlength=n_units * width_codes)
        else:
            first, key, total = self._day_key(tz, split)
            n_units = (len(total) - 1) // width_codes
            grid = masked_bincount(key, len(total), self.selection(mask), total)[:-1]  # last bin: undated
        return volume_table(first, grid.reshape(-1, width_codes), codes, split, freq, top)

    def _day_key(self, tz: str, split: str | None) -> tuple[int, np.ndarray, np.ndarray]:
        """Per mention, (local day - first day) * values of ``split`` + its code, as one bincount key; undated
        mentions get the last key. Cached per timezone and split, with the counts over all mentions."""

        def build() -> tuple[int, np.ndarray, np.ndarray]:
            days = self.local_days(tz)
            dated = days >= 0
            first = int(days[dated].min()) if dated.any() else 0
            last = int(days[dated].max()) if dated.any() else 0
            width = len(self.columns[split].values) if split else 1
            code = self.columns[split].codes if split else 0
            key = ((days.astype(np.int64) - first) * width + code).astype(np.int32)
            size = (last - first + 1) * width + 1
            key[~dated] = size - 1
            return first, key, np.bincount(key, minlength=size)

        return self._day_keys.get(f"{tz}:{split}", build)

    def page_rows(self, mask: np.ndarray, limit: int = 200, newest_first: bool = True) -> np.ndarray:
        """The row indexes of up to ``limit`` matching mentions, newest (or oldest) first."""
        index = np.flatnonzero(mask)
        ts = self.ts[index]
        # Undated mentions (NaT, the smallest int64) go last either way.
        order = np.argsort(ts, kind="stable")[::-1] if newest_first else np.argsort(np.where(ts == NAT, -NAT - 1, ts))
        return index[order[:limit]]

    def page(self, mask: np.ndarray, limit: int = 200, newest_first: bool = True) -> np.ndarray:
        """The keys of up to ``limit`` matching mentions, newest (or oldest) first."""
        return np.asarray(self.keys.take(self.page_rows(mask, limit, newest_first)).to_pylist(), dtype=object)


def _answered_by_index(node: object) -> bool:
    """A term or ``AnyOf`` of terms that the term index answers without reading any text."""
    if isinstance(node, AnyOf):
        return all(indexed(leaf) for leaf in node.leaves)
    return isinstance(node, Term | Phrase) and indexed(node)
