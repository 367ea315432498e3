"""The hot questions of a DuckDB replica as parameterised SQL, a few queries per scope, answers cached.

``EngineQueries`` (lib/queries/engine.py) builds each question as an Ibis expression: 20-120 ms of compiling
per question, about 20 questions per Dashboard rerun. Here the questions a Dashboard or Text rerun asks are
plain SQL with the scope's values bound as parameters (no compile), and they are asked together:

- one GROUPING SETS query per scope counts every categorical field (authors included) and the total, which
  answers ``count``, ``kpis``, ``counts``/``counts_many`` of those fields and ``author_counts``;
- one query per scope counts the list fields (hashtags, handles, link domains, and tags under the recode);
- the volume, a cross-tab, the newest keys, the term and phrase counts and the sentiment grid are one query each.

The data is in DuckDB's own storage (``IbisStore`` loads each snapshot version once), so nothing re-reads
Parquet. Answers are cached per snapshot version and per exact SQL and parameters: the scope's every filter
is in them (tag names resolved to raw tags, text topics to their regular expressions), so two different
scopes never share an answer. What is rarely asked (texts, the tags page's grids, the disagreeing sample)
stays on the Ibis form, on the same loaded table. tests/test_backends.py holds this path to the same answers
as the model, Ibis on Spark, and a plain pandas reading of the store.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from lib.mentions.schema import SENTIMENT_ORDER
from lib.queries.buckets import VOLUME_SERIES, bucket_end
from lib.queries.engine import QUARTER_S, EngineQueries, _utc, fold_crosstab, volume_frame
from lib.queries.engine_load import CATEGORY_IDS, COLUMN_IDS, ListCodes
from lib.queries.filters import FACETS
from lib.queries.interface import TEXT, Scope
from lib.queries.model import CATEGORICAL, LIST_COLUMNS
from lib.queries.sentiment_check import EDGE, STRONG, level_grid
from lib.store.sql import identifier as quoted
from lib.text.boolean_query import And, AnyOf, Node, Not, Or, Phrase, Term, grouped, parse, pattern
from lib.text.topics import topic_query

ENTITIES = ("hashtags", "handles", "linkDomains")  # the list columns besides tags


def coded(column: str) -> str:
    """The loaded table's column of ``column``'s codes (lib/queries/engine_load.py)."""
    return quoted("#" + column)


class Where:
    """A scope as a SQL condition and its parameters (values are always bound, never spliced in)."""

    def __init__(self, queries: DuckDBQueries):
        self.q = queries
        self.parts: list[str] = []
        self.params: list = []

    def add(self, sql: str, *params) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(f"({p})" for p in self.parts) if self.parts else "TRUE"

    def any_of(self, column: str, values) -> str:
        """The condition 'has any of ``values``' on ``column`` (a list column, tags under the recode, or text)."""
        if column == TEXT:
            return self.text(grouped(parse(values[0])))
        if column == "tags" or column in LIST_COLUMNS:
            # The list fields as codes (lib/queries/engine_load.py); one list_contains per code (DuckDB's
            # list_has_any builds a hash set per row: 8 times slower here).
            if column == "tags":
                values = [r for v in values for r in self.q.tag_names.get(v, [])]
            codes = self.q.list_codes.of(column, values)
            self.params.extend(codes)
            listed = "tk" if column == "tags" else "lk"
            return " OR ".join(f"list_contains({listed}, ?)" for _ in codes) or "FALSE"
        if column in CATEGORY_IDS:  # the loaded table's codes of the field
            codes = self.q.list_codes.of(column, values)
            self.params.extend(codes)
            return f"{coded(column)} IN ({', '.join('?' for _ in codes)})" if codes else "FALSE"
        if not values:
            return "FALSE"
        self.params.append(list(values))
        return f"list_contains(?::VARCHAR[], {quoted(column)})"

    def text(self, node: Node) -> str:
        """The query language (lib/text/boolean_query.py) as RE2 regular expressions, as the Ibis form does."""
        if isinstance(node, Term | Phrase | AnyOf):
            self.params.append("(?i)" + pattern(node))
            return "coalesce(regexp_matches(messageContent, ?), FALSE)"
        if isinstance(node, Not):
            return f"NOT ({self.text(node.child)})"
        assert isinstance(node, And | Or)
        joiner = " AND " if isinstance(node, And) else " OR "
        return joiner.join(f"({self.text(child)})" for child in node.children)

    @classmethod
    def of(cls, queries: DuckDBQueries, scope: Scope) -> Where:
        w, f, tz = cls(queries), scope.filters, scope.tz
        if f.start:
            w.add("ts >= ?", _utc(pd.Timestamp(f.start), tz))
        if f.end:
            w.add("ts < ?", _utc(pd.Timestamp(f.end) + pd.Timedelta(days=1), tz))
        for attr, (column, _, _) in FACETS.items():
            if values := getattr(f, attr):
                w.parts.append(w.any_of(column, values))
        if f.tags:
            if f.tag_mode == "any":
                w.parts.append(w.any_of("tags", f.tags))
            else:
                w.parts.extend(w.any_of("tags", (tag,)) for tag in f.tags)
        if f.text:
            w.parts.append(w.text(grouped(parse(f.text))))
        if f.text_topics:
            topics = []
            for name in f.text_topics:
                query = topic_query(queries.topics, name)
                topics.append(w.text(grouped(parse(query))) if query else "FALSE")
            w.parts.append(" OR ".join(f"({t})" for t in topics))
        if f.copies_once:  # one mention per near-duplicate cluster: its first
            w.add("firstCopy")
        for column, values in scope.within:
            w.parts.append(w.any_of(column, values))
        if scope.buckets:
            spans = []
            for start, freq in scope.buckets:
                spans.append("(ts >= ? AND ts < ?)")
                w.params.extend([_utc(start, tz), _utc(bucket_end(start, freq), tz)])
            w.parts.append(" OR ".join(spans))
        return w


def split(result, parts: tuple[str, ...]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A result of (which, value code, n) rows ordered by which into the codes (-1 for NULL) and counts of each
    part."""
    out = result.fetchnumpy()
    which, n, codes = np.asarray(out["which"]), np.asarray(out["n"], dtype=np.int64), as_codes(out["value"])
    bounds = np.searchsorted(which, np.arange(len(parts) + 1), side="left")
    return {part: (codes[lo:hi], n[lo:hi]) for part, lo, hi in zip(parts, bounds[:-1], bounds[1:], strict=True)}


def as_codes(column) -> np.ndarray:
    """A result's column of codes as int64, -1 for NULL."""
    if np.ma.isMaskedArray(column):
        return np.ma.filled(column.astype(np.int64), -1)
    return pd.Series(column).fillna(-1).to_numpy(dtype=np.int64)


def ranked(values: np.ndarray, mentions: np.ndarray) -> pd.DataFrame:
    """Mentions per value, largest first, ties by value (as every backend ranks)."""
    frame = pd.DataFrame({"value": values.astype(object), "mentions": np.asarray(mentions, dtype=np.int64)})
    return frame.sort_values(["mentions", "value"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _top(frame: pd.DataFrame, top: int | None) -> pd.DataFrame:
    return (frame.head(top) if top else frame).reset_index(drop=True).copy()


class DuckDBQueries(EngineQueries):
    """``EngineQueries`` with the Dashboard's and the Text page's questions as parameterised SQL on the
    snapshot's table in DuckDB's own storage (``IbisStore`` with ``engine="duckdb"``)."""

    @property
    def table(self) -> str:
        return quoted(self.snap.table)

    def _answer(self, sql: str, params: list, convert):
        """``convert(result)`` of the query, once per snapshot version, SQL and parameters."""
        key = (self.snap.version, sql, repr(params))
        store = self.store

        def compute():
            con = store.con.con
            try:
                return convert(con.execute(sql, params))
            finally:  # a result read in part (one row) would keep the connection busy for Ibis's next query
                con.abort()

        with store._lock:
            return store.answers.get(key, compute)

    @property
    def tag_names(self) -> dict[str, list[str]]:
        return self._tag_names

    # -- one query per scope: every categorical field and the total ------------------------------------
    def _facets(self, scope: Scope) -> dict[str, pd.DataFrame]:
        w = self._where_sql(scope)
        columns = [coded(c) for c in CATEGORICAL]
        sets = ", ".join(f"({c})" for c in columns)
        value = " ".join(f"WHEN {i} THEN {c}" for i, c in enumerate(columns))
        # GROUPING_ID has one bit per column, the first column the highest: 0 for the column grouped alone.
        which = " ".join(
            f"WHEN {((1 << len(columns)) - 1) ^ (1 << (len(columns) - 1 - i))} THEN {i}" for i in range(len(columns))
        )
        # The total is the last part (which = number of columns), so that an empty scope still has its row.
        sql = (
            f"SELECT which, CASE which {value} END AS value, n FROM ("
            f"SELECT CASE GROUPING_ID({', '.join(columns)}) {which} ELSE {len(columns)} END AS which, "
            f"{', '.join(columns)}, count(*) AS n FROM {self.table} WHERE {w.sql()} "
            f"GROUP BY GROUPING SETS ({sets}, ())) ORDER BY which"
        )
        return self._answer(sql, w.params, lambda result: self._decoded(split(result, (*CATEGORICAL, ""))))

    def _decoded(self, parts: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, pd.DataFrame]:
        """Each field's mentions per code as mentions per value, largest first, ties by value: codes are
        numbered in value order (lib/queries/engine_load.py), so ranking by code is ranking by value; NULL last."""
        out = {}
        for column, (codes, n) in parts.items():
            order = np.lexsort((np.where(codes < 0, np.iinfo(np.int64).max, codes), -n))
            out[column] = pd.DataFrame({"value": self._decode(codes[order]), "mentions": n[order]})
        return out

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        """Codes (-1 for NULL) as their values (None)."""
        values = np.empty(len(codes), dtype=object)
        known = codes >= 0
        values[known] = self.list_codes.value[codes[known]]
        return values

    def _where_sql(self, scope: Scope) -> Where:
        """The scope's condition, made once per rerun (every question of a rerun asks about the same few)."""
        if scope not in self._wheres:
            self._wheres[scope] = Where.of(self, scope)
        return self._wheres[scope]

    @cached_property
    def _wheres(self) -> dict[Scope, Where]:
        return {}

    @property
    def list_codes(self) -> ListCodes:
        return self._cached("list codes", lambda: ListCodes.read(self.store.con.con, self.snap.table))

    @cached_property
    def _tag_basis(self) -> tuple[str, dict[str, list[int]]]:
        """The coded tag column the recode counts on (the folded spellings when it folds case, else the raw
        tags) and each shown name's codes in it."""
        codes, fold = self.list_codes, self.recode.case_fold
        basis: dict[str, list[int]] = {}
        for name, raws in self._tag_names.items():
            raw = codes.of("tags", raws)
            basis[name] = sorted({int(codes.folded[k]) for k in raw} if fold else set(raw))
        return ("fk" if fold else "tk"), basis

    def _lists(self, scope: Scope) -> dict[str, pd.DataFrame]:
        """Mentions per value of each list column (each value is once in a mention's codes), tags per shown
        name under the recode: one query that unnests the scope's integer codes. A name the recode gives
        several codes (a rename that merges tags) is counted by a second query, over the mentions that have
        any of them."""
        w = self._where_sql(scope)
        column, basis = self._tag_basis
        sql = (
            f"SELECT k, count(*) AS n FROM (SELECT unnest(list_concat(lk, {column})) AS k FROM {self.table} "
            f"WHERE {w.sql()}) GROUP BY k"
        )
        out = self._answer(sql, w.params, lambda r: r.fetchnumpy())
        per_code = np.zeros(len(self.list_codes.value), dtype=np.int64)
        per_code[np.asarray(out["k"], dtype=np.int64)] = np.asarray(out["n"], dtype=np.int64)
        merged = [(name, ks) for name, ks in basis.items() if len(ks) > 1]
        if merged:
            counts = ", ".join(
                f"count(*) FILTER (WHERE {' OR '.join(f'list_contains({column}, ?)' for _ in ks)})" for _, ks in merged
            )
            params = [k for _, ks in merged for k in ks]
            row = self._answer(
                f"SELECT {counts} FROM {self.table} WHERE {w.sql()}", [*params, *w.params], lambda r: r.fetchone()
            )
            several = {name: int(n) for (name, _), n in zip(merged, row, strict=True)}
        else:
            several = {}
        codes = self.list_codes
        parts = {}
        for entity in ENTITIES:
            ks = np.flatnonzero((codes.column == COLUMN_IDS[entity]) & (per_code > 0))  # in value order
            ks = ks[np.argsort(-per_code[ks], kind="stable")]
            parts[entity] = pd.DataFrame({"value": codes.value[ks], "mentions": per_code[ks]})
        names = list(basis)
        tagged = [several[n] if n in several else (int(per_code[basis[n][0]]) if basis[n] else 0) for n in names]
        keep = [i for i, n in enumerate(tagged) if n > 0]
        shown = np.asarray([names[i] for i in keep], dtype=object)
        parts["tags"] = ranked(shown, np.asarray([tagged[i] for i in keep], dtype=np.int64))
        return parts

    # -- answers ---------------------------------------------------------------------------------
    def count(self, scope: Scope) -> int:
        total = self._facets(scope)[""]["mentions"]
        return int(total.iloc[0]) if len(total) else 0

    def kpis(self, scope: Scope) -> dict[str, float | int]:
        parts = self._facets(scope)
        n = self.count(scope)
        sentiment = dict(zip(parts["messageSentiment"]["value"], parts["messageSentiment"]["mentions"], strict=True))
        share = {k: (int(sentiment.get(k, 0)) / n if n else float("nan")) for k in ("positive", "negative", "unset")}
        authors = parts["authorName"]
        return {"mentions": n, "authors": int((authors["value"].fillna("") != "").sum()), **share}

    def counts(self, scope: Scope, column: str, top: int | None = None) -> pd.DataFrame:
        if column in CATEGORICAL:
            return _top(self._facets(scope)[column], top)
        if column in LIST_COLUMNS:
            return _top(self._lists(scope)[column], top)
        return super().counts(scope, column, top)

    def counts_many(self, scope: Scope, columns: list[str], top: int | None = None) -> dict[str, pd.DataFrame]:
        return {column: self.counts(scope, column, top) for column in columns}

    def author_counts(self, scope: Scope) -> np.ndarray:
        authors = self._facets(scope)["authorName"]
        return authors.loc[authors["value"].fillna("") != "", "mentions"].to_numpy(dtype=np.int64)

    def crosstab(self, scope: Scope, rows: str, columns: str, top: int = 12) -> pd.DataFrame:
        if rows not in CATEGORICAL or columns not in CATEGORICAL:
            return super().crosstab(scope, rows, columns, top)
        w = self._where_sql(scope)
        sql = (
            f"SELECT {coded(rows)} AS a, {coded(columns)} AS b, count(*) AS mentions "
            f"FROM {self.table} WHERE {w.sql()} GROUP BY ALL"
        )
        out = self._answer(sql, w.params, lambda r: r.fetchnumpy())
        pairs = pd.DataFrame(
            {
                "a": self._decode(as_codes(out["a"])),
                "b": self._decode(as_codes(out["b"])),
                "mentions": np.asarray(out["mentions"], dtype=np.int64),
            }
        )
        return fold_crosstab(pairs, top)

    def volume(self, scope: Scope, freq: str, split: str | None, top: int = VOLUME_SERIES) -> pd.DataFrame:
        if split is not None and split not in CATEGORICAL:
            return super().volume(scope, freq, split, top)
        w = self._where_sql(scope)
        value = coded(split) if split else "NULL::INTEGER"
        sql = (
            f"SELECT floor(epoch(ts) / {QUARTER_S})::BIGINT AS unit, {value} AS value, count(*) AS mentions "
            f"FROM {self.table} WHERE ts IS NOT NULL AND {w.sql()} GROUP BY ALL"
        )
        out = self._answer(sql, w.params, lambda r: r.fetchnumpy())
        frame = pd.DataFrame(
            {
                "unit": np.asarray(out["unit"], dtype=np.int64),
                "value": self._decode(as_codes(out["value"])) if split else "Mentions",
                "mentions": np.asarray(out["mentions"], dtype=np.int64),
            }
        )
        return volume_frame(frame, scope.tz, freq, split, top)

    def keys(self, scope: Scope, limit: int) -> list[str]:
        w = self._where_sql(scope)
        sql = f"SELECT uniqueId FROM {self.table} WHERE {w.sql()} ORDER BY ts DESC NULLS LAST, uniqueId LIMIT ?"
        return list(self._answer(sql, [*w.params, int(limit)], lambda r: [k for (k,) in r.fetchall()]))

    def term_counts(self, scope: Scope, which: str = "terms") -> np.ndarray:
        w = self._where_sql(scope)
        column = "termIds" if which == "terms" else "phraseIds"
        sql = (
            f"SELECT id, count(*) AS n FROM (SELECT unnest({column}) AS id FROM {self.table} WHERE {w.sql()}) "
            "GROUP BY id"
        )
        out = self._answer(sql, w.params, lambda r: r.fetchnumpy())
        counts = np.zeros(self.vocabulary().size, dtype=np.int64)
        ids, n = np.asarray(out["id"], dtype=np.int64), np.asarray(out["n"], dtype=np.int64)
        known = (ids >= 0) & (ids < len(counts))  # ids newer than the vocabulary read: none
        counts[ids[known]] = n[known]
        return counts

    def sentiment_grid(self, scope: Scope) -> pd.DataFrame:
        w = self._where_sql(scope)
        social = " ".join(f"WHEN messageSentiment = '{v}' THEN {i}" for i, v in enumerate(SENTIMENT_ORDER))
        level = (
            f"CASE WHEN vaderCompound IS NULL THEN 5 WHEN vaderCompound <= -{STRONG} THEN 0 "
            f"WHEN vaderCompound <= -{EDGE} THEN 1 WHEN vaderCompound >= {STRONG} THEN 4 "
            f"WHEN vaderCompound >= {EDGE} THEN 3 ELSE 2 END"
        )
        sql = (
            f"SELECT CASE {social} ELSE 3 END AS social, {level} AS level, count(*) AS n "
            f"FROM {self.table} WHERE {w.sql()} GROUP BY ALL"
        )
        out = self._answer(sql, w.params, lambda r: r.fetchnumpy())
        n = np.asarray(out["n"], dtype=np.int64)
        return level_grid(
            np.repeat(np.asarray(out["social"], dtype=np.int64), n), np.repeat(np.asarray(out["level"], np.int64), n)
        )
