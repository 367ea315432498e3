"""The in-memory model: the store's mentions as typed arrays, answering small per-filter questions.

Built once per server process and store version (the UI holds it with ``st.cache_resource``). Every
categorical column is a pair (int32 codes, value list), so a filter is a few table look-ups and a
breakdown is one ``np.bincount`` over the masked codes: no per-rerun copy of the table, no pandas
group-by. Only the columns the views need are held; whole rows are fetched from the store by key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.cache import LockedLRU
from lib.mentions.schema import SENTIMENT_ORDER
from lib.queries.buckets import DAY_NS, FREQUENCIES, HOUR_NS, bucket_end
from lib.queries.filters import FACETS, Filters
from lib.store.local import Store
from lib.text.boolean_query import AnyOf, Leaf, Node, Not, Or, Phrase, Term, grouped, parse, pattern, scan
from lib.text.terms import TermIndex
from lib.text.topics import TopicSet, topics_mask
from lib.text.vocabulary import ENRICHMENT_COLUMNS

CATEGORICAL = tuple(column for column, _, _ in FACETS.values())
LIST_COLUMNS = ("tags", "hashtags", "handles", "linkDomains")
MODEL_COLUMNS = (
    "uniqueId",
    *CATEGORICAL,
    *LIST_COLUMNS,
    "messageContent",
    "dateAdded",
    "datePublished",
    *ENRICHMENT_COLUMNS,
)
NAT = np.iinfo(np.int64).min
NARROW = 0.25  # an AND clause left with fewer mentions than this share scans only those (uncached)


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
        self._index(row, _encode(pa.chunked_array([pc.list_flatten(lists)], type=pa.string())), n)

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


def _top_codes(codes: Codes, selected: np.ndarray, top: int) -> tuple[np.ndarray, list[str]]:
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


def _encode(column: pa.ChunkedArray) -> Codes:
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


def _timestamps_ns(column: pa.ChunkedArray) -> np.ndarray:
    values = column.cast(pa.timestamp("ns")).combine_chunks()
    return pc.fill_null(values.cast(pa.int64()), NAT).to_numpy()


class MentionModel:
    """Mentions in memory, queried by ``Filters``. Results are small: counts, pages of keys."""

    def __init__(self, table: pa.Table, version: str = "", vocab: pa.Table | None = None):
        self.version = version
        self.n = table.num_rows
        self.keys = table["uniqueId"].combine_chunks()  # Arrow strings: a million Python str would cost ~0.4 s
        self.columns = {name: _encode(table[name]) for name in CATEGORICAL}
        published = _timestamps_ns(table["datePublished"])
        added = _timestamps_ns(table["dateAdded"])
        # The mention's time is when it was published; Social Connect's indexing time stands in for it.
        self.ts = np.where(published != NAT, published, added)
        self.lists = {name: ListIndex(table[name], self.n) for name in LIST_COLUMNS}
        self.tags = self.lists["tags"]
        self.content = table["messageContent"].combine_chunks()
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
        # Derived values, shared by every session's reruns at once: locked LRUs (lib/cache.py).
        self._searches: LockedLRU[str, np.ndarray] = LockedLRU(64)  # a mask per word, phrase or wildcard
        self._local_ns: LockedLRU[str, np.ndarray] = LockedLRU(4)  # wall-clock times per timezone
        self._local_days: LockedLRU[str, np.ndarray] = LockedLRU(4)  # wall-clock days per timezone
        self._totals: LockedLRU[str, np.ndarray] = LockedLRU(32)  # counts over all mentions per column
        self._day_keys: LockedLRU[str, tuple[int, np.ndarray, np.ndarray]] = LockedLRU(6)  # per timezone, split
        self.tag_indexes: LockedLRU[str, ListIndex] = LockedLRU(4)  # per tag recode (lib/queries/tags.py)
        self._selection: Selection | None = None

    @classmethod
    def from_store(cls, store: Store) -> MentionModel:
        table, vocab, version = store.read_model(MODEL_COLUMNS)
        return cls(table, version, vocab)

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
        hashtags, @handles, quoted phrases, ``*``, AND/OR/NOT). The words and phrases of each OR are scanned
        together, once, and cached."""
        return self._evaluate(grouped(parse(text)), None)

    def _evaluate(self, node: Node, within: np.ndarray | None) -> np.ndarray:
        """``node``'s mentions, right on the rows of ``within`` (all when None; elsewhere anything). An AND
        scans each further clause only in the mentions its earlier clauses left, so a long AND of words costs
        about one scan of the texts, not one per word; a leaf scanned over (nearly) everything is cached."""
        if isinstance(node, Term | Phrase | AnyOf):
            if within is None or np.count_nonzero(within) > NARROW * self.n:
                return self.term_mask(node)
            rows = np.flatnonzero(within)
            found = np.zeros(self.n, dtype=bool)
            found[rows[scan(self.content.take(pa.array(rows)), node)]] = True
            return found
        if isinstance(node, Not):
            return ~self._evaluate(node.child, within)
        if isinstance(node, Or):
            return np.logical_or.reduce([self._evaluate(child, within) for child in node.children])
        keep = np.ones(self.n, dtype=bool) if within is None else within.copy()
        for child in sorted(node.children, key=lambda c: not isinstance(c, Term | Phrase | AnyOf)):
            keep &= self._evaluate(child, keep)
            if not keep.any():
                break
        return keep

    def term_mask(self, node: Leaf) -> np.ndarray:
        return self._searches.get(pattern(node), lambda: scan(self.content, node))

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
        a_keep, a_names = _top_codes(a, a_codes, top)
        b_keep, b_names = _top_codes(b, b_codes, top)
        grid = np.bincount(a_keep[a_codes] * len(b_names) + b_keep[b_codes], minlength=len(a_names) * len(b_names))
        return pd.DataFrame(grid.reshape(len(a_names), len(b_names)), index=a_names, columns=b_names)

    def facet_values(self, column: str) -> list[str]:
        """Every value of ``column`` (or ``tags``), most frequent first: the options of a filter."""
        return self.counts(column)["value"].tolist()

    def top_values(self, column: str, top: int) -> list[str]:
        return self.counts(column, top=top)["value"].tolist()

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
        self, mask: np.ndarray, freq: str = "day", split: str | None = "messageSentiment", tz: str = "UTC", top: int = 8
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


def volume_table(first: int, grid: np.ndarray, codes: Codes | None, split: str | None, freq: str, top: int):
    """The volume frame (bucket, series, mentions) from a (time unit x split code) grid of counts whose first
    row is unit ``first`` (hours for ``freq`` hour, else days, since 1970-01-01 in wall-clock time)."""
    # Drop empty buckets at both ends (the data's span, not the filter's), keep empty ones inside.
    busy = np.flatnonzero(grid.sum(axis=1))
    if not len(busy):
        return pd.DataFrame({"bucket": pd.Series(dtype="datetime64[ns]"), "series": [], "mentions": []})
    grid, first = grid[busy[0] : busy[-1] + 1], first + int(busy[0])
    names, grid = _fold_series(grid, codes, split, top)
    starts, grid = _fold(first, grid, freq)
    return pd.DataFrame(
        {
            "bucket": np.repeat(starts, len(names)),
            "series": np.tile(np.asarray(names, dtype=object), len(starts)),
            "mentions": grid.ravel(),
        }
    )


def _fold_series(grid: np.ndarray, codes: Codes | None, split: str | None, top: int) -> tuple[list, np.ndarray]:
    """Columns of a (bucket x split code) grid folded into the series shown: sentiment in its fixed order,
    other splits as their ``top`` largest values plus "Other"."""
    if codes is None:
        return ["Mentions"], grid
    totals = grid.sum(axis=0)
    present = totals > 0
    if split == "messageSentiment":
        kept = [int(np.flatnonzero(codes.values == v)[0]) for v in SENTIMENT_ORDER if v in set(codes.values[present])]
    else:
        kept = [int(i) for i in top_order(totals, top)]
    columns = [grid[:, i] for i in kept]
    names = [str(codes.values[i]) for i in kept]
    rest = np.ones(len(totals), dtype=bool)
    rest[kept] = False
    if (rest & present).any():
        columns.append(grid[:, rest].sum(axis=1))
        names.append("Other")
    return names, np.stack(columns, axis=1)


def _fold(first: int, grid: np.ndarray, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """Bucket starts (datetime64[ns]) and counts, from counts per hour or per day starting at ``first``.

    Weeks start on Monday; days and hours are folded on arrays of a few hundred rows, not per mention.
    """
    span = np.arange(first, first + grid.shape[0], dtype=np.int64)
    if freq == "hour":
        return (span * HOUR_NS).view("datetime64[ns]"), grid
    if freq == "day":
        return (span * DAY_NS).view("datetime64[ns]"), grid
    if freq == "week":
        group = (span + 3) // 7  # 1970-01-01 was a Thursday: shift by 3 days so that weeks start on Monday
        starts = np.unique(group) * 7 - 3
    elif freq == "month":
        group = span.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        starts = np.unique(group).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    else:
        raise ValueError(f"unknown frequency {freq!r}; use one of {', '.join(FREQUENCIES)}")
    folded = np.zeros((len(starts), grid.shape[1]), dtype=grid.dtype)
    np.add.at(folded, group - group[0], grid)
    return (starts * DAY_NS).view("datetime64[ns]"), folded
