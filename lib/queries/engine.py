"""The query interface (lib/queries/interface.py) on an existing engine, through Ibis: DuckDB over the shared Parquet
snapshot, or Spark.

Where the in-memory model (lib/queries/model.py) loads every mention into each app process, this backend sends each
question to an engine and gets a small answer back. One Ibis expression compiles to both engines, so the
answers are the same (tests/test_backends.py asks every backend the same questions):

- ``duckdb``: DuckDB reads the snapshot's Parquet files in place (the folder the writer publishes).
- ``spark``: PySpark in ``local[2]`` mode here; on a cluster, the same code with the cluster's session.

Times are stored in UTC. A date filter in the display timezone becomes a pair of UTC instants; volume is
counted per UTC quarter hour (every timezone's offset is a whole number of quarter hours) and the few
thousand quarter hours are moved to wall-clock time and folded into buckets here, as the model does. Text
search compiles the query language (lib/text/boolean_query.py) to case-insensitive regular expressions that RE2
(DuckDB) and Java (Spark) read alike. The tag recode is applied on the distinct tag values: the engine
gets the raw tags behind each shown name.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from lib.mentions.schema import SENTIMENT_ORDER
from lib.queries.answers import AnswerCache
from lib.queries.buckets import DAY_NS, HOUR_NS, VOLUME_SERIES, bucket_end
from lib.queries.engine_load import Loader, drop_tables, load_table, table_name
from lib.queries.filters import FACETS
from lib.queries.interface import TEXT, Scope
from lib.queries.model import LIST_COLUMNS, Codes, volume_table
from lib.queries.sentiment_check import EDGE, STRONG, level_grid
from lib.queries.tags import TagRecode, shown_names
from lib.store.local import StoreError
from lib.store.snapshot import CURRENT
from lib.text.boolean_query import And, AnyOf, Node, Not, Or, Phrase, Term, grouped, parse, pattern
from lib.text.terms import TermIndex
from lib.text.topics import TopicSet, topic_query

ENGINES = ("duckdb", "spark")
QUARTER_S = 900
MEMORY_LIMIT = "1GB"  # DuckDB's buffer pool per replica: data beyond it stays on disk (spilled, read back)


def spark_session(cores: int = 2):
    """A local Spark session (UI off, UTC, quiet logs)."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("social-connect-explorer")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")  # loopback only
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


_log = logging.getLogger(__name__)


@dataclass
class Snapshot:
    """One published snapshot as the engine reads it, and what was computed from it that no filter changes
    (the filter options, the date span, the raw tag counts, the vocabulary). ``table`` names the snapshot's
    table in DuckDB's own storage (empty on Spark, which reads the Parquet files)."""

    version: str
    folder: Path
    mentions: ibis.Table
    cache: dict[str, object] = field(default_factory=dict)
    table: str = ""


class IbisStore:
    """The newest snapshot in ``folder`` on ``engine`` (``duckdb`` or ``spark``): one per app process.

    Each rerun takes the newest snapshot once (``queries``), so all its answers come from one version; a
    snapshot the writer publishes later is read by the next rerun.
    """

    def __init__(
        self,
        folder: str | Path,
        engine: str = "duckdb",
        spark=None,
        memory_limit: str = MEMORY_LIMIT,
        workdir: str | Path | None = None,
        load: bool = True,
        sql: bool = True,
        background: bool = False,
    ):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
        self.folder, self.engine = Path(folder), engine
        # DuckDB: ``load`` each snapshot into its own storage (else read the Parquet files in place), and ask the
        # hot questions as ``sql`` (else every question through Ibis). Both off is how this backend began; the
        # bench (bench/backends.py) measures each way.
        self.load, self.sql = engine == "duckdb" and load, engine == "duckdb" and load and sql
        if engine == "duckdb":
            # The replica's own DuckDB database file (a temporary folder unless given): each snapshot version is
            # loaded into it once; DuckDB keeps what it uses within memory_limit and spills the rest to disk.
            self._workdir = None if workdir else tempfile.TemporaryDirectory(prefix="sce-engine-")
            where = Path(workdir) if workdir else Path(self._workdir.name)  # type: ignore[union-attr]
            where.mkdir(parents=True, exist_ok=True)
            self.con = ibis.duckdb.connect(
                str(where / "replica.duckdb"), memory_limit=memory_limit, temp_directory=str(where / "spill")
            )
        else:
            self.con = ibis.pyspark.connect(spark or spark_session())
        self._snapshot: Snapshot | None = None
        # ``background``: a new version is loaded in a thread while its Parquet files answer (as an app replica
        # runs); else the first ``snapshot()`` of a version waits for its load (tests, benchmarks).
        self.loader = Loader(lambda: self.con.con.cursor()) if self.load and background else None
        self.answers = AnswerCache()
        # Every session of the app process shares this store; a DuckDB connection takes one query at a time
        # (each query uses every core), and Spark's driver queues them anyway.
        self._lock = threading.RLock()

    def snapshot(self) -> Snapshot:
        """The newest snapshot (two small file reads to know which), opened again only when it changed."""
        with self._lock:
            current = self.folder / (self.folder / CURRENT).read_text().strip()
            version = (current / "VERSION").read_text().strip()
            snap = self._snapshot
            if snap is not None and snap.version == version and (snap.table or not self.load):
                return snap
            published = (version, str(current), (current / "VERSION").stat().st_mtime_ns)
            if snap is not None and published == self._unreadable:
                return snap  # a version that could not be read: the last good one answers until the next publish
            try:
                if self.loader is not None:
                    self._snapshot = self._loaded_or_parquet(current, version)
                elif self.load:
                    self._snapshot = load_snapshot(self.con, current, version, keep=self._table)
                else:
                    self._snapshot = self._parquet(current, version)
            except Exception as exc:  # a damaged or half-copied Parquet file (DuckDB, Arrow, Spark, the OS)
                if isinstance(exc, StoreError):
                    raise
                self._unreadable = published
                _log.warning("snapshot version %s cannot be read (%s)", version, type(exc).__name__)
                if snap is not None:
                    return snap
                raise StoreError(
                    f"The shared snapshot (version {version}) cannot be read: one of its files is damaged or "
                    "incomplete. Publish the store again (the next pull or import with --publish does); "
                    "this page reads the new version as soon as it is there."
                ) from None
            self._table = self._snapshot.table or self._table
            return self._snapshot

    _unreadable: tuple = ()  # the publish that could not be read, not tried again until the next one

    _table = ""  # the table of the last loaded version read (kept when the next one is loaded)

    def _parquet(self, current: Path, version: str) -> Snapshot:
        """The snapshot read from its Parquet files in place."""
        table = self.con.read_parquet(str(current / "mentions.parquet"))
        table = table.mutate(ts=table.datePublished.fill_null(table.dateAdded))
        return Snapshot(version, current, with_first_copies(self.con, table, current))

    def _loaded_or_parquet(self, current: Path, version: str) -> Snapshot:
        """The version's loaded table if it is ready (in the database already, or the background load ended),
        else its Parquet files, with its load started in the background."""
        assert self.loader is not None
        name = self.loader.ready(version)
        if not name:
            present = {r[0] for r in self.con.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if {table_name(version), f"{table_name(version)}_values"} <= present:
                name = table_name(version)
        if name:
            drop_tables(self.con.con, {name, self._table})
            return Snapshot(version, current, self.con.table(name), table=name)
        self.loader.start(current, version)
        snap = self._snapshot
        return snap if snap is not None and snap.version == version else self._parquet(current, version)

    def loading(self) -> bool:
        """Whether answers come from the Parquet files while the newest version loads (not after its load
        failed: then they do for good)."""
        snap = self._snapshot
        return (
            self.loader is not None and snap is not None and not snap.table and snap.version not in self.loader.errors
        )

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Wait for a background load to end; the next ``snapshot()`` then reads the loaded table."""
        return self.loader.wait(timeout) if self.loader is not None else True

    def fetch(self, expr) -> pd.DataFrame:
        """Run ``expr`` on the engine; the answer as a DataFrame."""
        with self._lock:
            return expr.to_pandas()

    def scalar(self, expr):
        with self._lock:
            return expr.to_pyarrow().as_py()

    def cached(self, snapshot: Snapshot, key: str, compute):
        """``compute()``, once per snapshot."""
        with self._lock:
            if key not in snapshot.cache:
                snapshot.cache[key] = compute()
            return snapshot.cache[key]

    def queries(self, recode: TagRecode | None = None, topics: TopicSet | None = None) -> EngineQueries:
        """The questions of one rerun, about the newest snapshot: on DuckDB, the hot ones as parameterised SQL
        (lib/queries/engine_sql.py)."""
        snapshot = self.snapshot()
        if self.sql and snapshot.table:  # not while the version loads in the background: Ibis over Parquet
            from lib.queries.engine_sql import DuckDBQueries

            return DuckDBQueries(self, snapshot, recode or TagRecode(), topics or TopicSet())
        return EngineQueries(self, snapshot, recode or TagRecode(), topics or TopicSet())


class EngineQueries:
    """The questions of lib/queries/interface.py, asked of one snapshot of an ``IbisStore`` under a tag recode and text
    topics."""

    def __init__(self, store: IbisStore, snapshot: Snapshot, recode: TagRecode, topics: TopicSet):
        self.store, self.snap, self.recode, self.topics = store, snapshot, recode, topics
        self.backend, self.version = store.engine, snapshot.version
        # Answered from the Parquet files while the replica's own copy of this version loads (``background``).
        self.loading = store.loading()
        self.n = int(self._cached("n", lambda: store.scalar(snapshot.mentions.count())))

    def _cached(self, key: str, compute):
        return self.store.cached(self.snap, key, compute)

    # -- what does not depend on the filters ------------------------------------------------------
    def date_bounds(self, tz: str) -> tuple[date, date]:
        t = self.snap.mentions
        lo, hi = self._cached("span", lambda: store_row(self.store, t.aggregate(lo=t.ts.min(), hi=t.ts.max())))
        if pd.isna(lo):
            today = pd.Timestamp.now(tz=tz).date()
            return today, today
        return tuple(pd.Timestamp(v).tz_localize("UTC").tz_convert(tz).date() for v in (lo, hi))

    def _all_counts(self, column: str) -> pd.DataFrame:
        return self._cached(f"counts:{column}", lambda: self._group(self.snap.mentions, column))

    def facet_values(self, column: str) -> list[str]:
        return self._all_counts(column)["value"].tolist()

    def top_values(self, column: str, top: int) -> list[str]:
        return self._all_counts(column)["value"].head(top).tolist()

    @cached_property
    def _tag_names(self) -> dict[str, list[str]]:
        """Each shown tag name (after the recode) and the raw tag values behind it."""
        raw = self._all_counts("tags")
        names = shown_names(raw["value"].tolist(), raw["mentions"].to_numpy(), self.recode)
        behind: dict[str, list[str]] = {}
        for value, name in zip(raw["value"], names, strict=True):
            if name is not None:
                behind.setdefault(name, []).append(value)
        return behind

    def tag_options(self) -> list[str]:
        return self.counts(Scope(), "tags")["value"].tolist()

    # -- the scope as a filter -----------------------------------------------------------------
    def _has_any(self, t, column: str, values) -> ibis.Expr:
        if column == TEXT:
            return self._text(t, grouped(parse(values[0])))
        if column == "tags":
            behind = self._tag_names
            raw = [r for v in values for r in behind.get(v, [])]
            return ibis.or_(*[t.tags.contains(r) for r in raw]) if raw else ibis.literal(False)
        if column in LIST_COLUMNS:
            return ibis.or_(*[t[column].contains(v) for v in values]) if values else ibis.literal(False)
        return t[column].isin(list(values))

    def _where(self, scope: Scope):
        t, f, tz = self.snap.mentions, scope.filters, scope.tz
        conditions = []
        if f.start:
            conditions.append(t.ts >= _utc(pd.Timestamp(f.start), tz))
        if f.end:
            conditions.append(t.ts < _utc(pd.Timestamp(f.end) + pd.Timedelta(days=1), tz))
        for attr, (column, _, _) in FACETS.items():
            if values := getattr(f, attr):
                conditions.append(t[column].isin(list(values)))
        if f.tags:
            if f.tag_mode == "any":
                conditions.append(self._has_any(t, "tags", f.tags))
            else:
                conditions.extend(self._has_any(t, "tags", (tag,)) for tag in f.tags)
        if f.text:
            conditions.append(self._text(t, grouped(parse(f.text))))
        if f.text_topics:
            conditions.append(ibis.or_(ibis.literal(False), *[self._topic(t, name) for name in f.text_topics]))
        if f.copies_once:  # one mention per near-duplicate cluster: its first (lib/store/near_duplicates.py)
            conditions.append(t.firstCopy)
        for column, values in scope.within:
            conditions.append(self._has_any(t, column, values))
        if scope.buckets:
            spans = [
                (t.ts >= _utc(start, tz)) & (t.ts < _utc(bucket_end(start, freq), tz)) for start, freq in scope.buckets
            ]
            conditions.append(ibis.or_(*spans))
        return t.filter(*conditions) if conditions else t

    def selected(self, scope: Scope) -> ibis.Table:
        """The mentions of ``scope``, every column and ``ts``, as an expression: what the streaming export
        (lib/export/stream.py) orders and reads in batches."""
        return self._where(scope)

    def _text(self, t, node: Node):
        if isinstance(node, Term | Phrase | AnyOf):
            return t.messageContent.re_search("(?i)" + pattern(node)).fill_null(False)
        if isinstance(node, Not):
            return ~self._text(t, node.child)
        parts = [self._text(t, child) for child in node.children]
        assert isinstance(node, And | Or)
        return ibis.and_(*parts) if isinstance(node, And) else ibis.or_(*parts)

    def _topic(self, t, name: str):
        """A text topic's mentions (lib/topics.topic_query); a name no longer saved matches nothing."""
        query = topic_query(self.topics, name)
        return self._text(t, grouped(parse(query))) if query else ibis.literal(False)

    # -- answers --------------------------------------------------------------------------------
    def count(self, scope: Scope) -> int:
        return int(self.store.scalar(self._where(scope).count()))

    def kpis(self, scope: Scope) -> dict[str, float | int]:
        f = self._where(scope)
        sentiment = f.messageSentiment
        row = store_row(
            self.store,
            f.aggregate(
                mentions=f.count(),
                authors=f.authorName.nullif("").nunique(),
                positive=(sentiment == "positive").sum(),
                negative=(sentiment == "negative").sum(),
                unset=(sentiment == "unset").sum(),
            ),
        )
        n = int(row["mentions"])
        share = {k: (int(row[k] or 0) / n if n else float("nan")) for k in ("positive", "negative", "unset")}
        return {"mentions": n, "authors": int(row["authors"] or 0), **share}

    def _grouped(self, f, column: str, top: int | None = None):
        """Mentions per value of a categorical or list column (a value listed twice counts once), largest
        first, ties by value: the expression."""
        if column in LIST_COLUMNS:
            f = f.select(f.uniqueId, value=f[column].unnest()).distinct()
        else:
            f = f.select(value=f[column])
        grouped = f.group_by("value").aggregate(mentions=f.count()).order_by([ibis.desc("mentions"), "value"])
        return grouped.limit(top) if top else grouped

    def _group(self, f, column: str, top: int | None = None) -> pd.DataFrame:
        return _typed(self.store.fetch(self._grouped(f, column, top)))

    def counts_many(self, scope: Scope, columns: list[str], top: int | None = None) -> dict[str, pd.DataFrame]:
        """``counts`` of several columns in one query: the engine filters the mentions once (a CTE that
        DuckDB materialises) instead of once per column, which matters most for a text search."""
        if "tags" in columns:  # tags are counted per shown name under the recode: their own question
            rest = self.counts_many(scope, [c for c in columns if c != "tags"], top)
            return {c: rest[c] if c != "tags" else self.counts(scope, "tags", top) for c in columns}
        f = self._where(scope)
        parts = [self._grouped(f, c, top).mutate(column=ibis.literal(c)) for c in columns]
        out = self.store.fetch(ibis.union(*parts)) if parts else pd.DataFrame(columns=["value", "mentions", "column"])
        out = out.sort_values(["mentions", "value"], ascending=[False, True])  # a union keeps no order
        return {c: _typed(out[out["column"] == c].drop(columns="column")) for c in columns}

    def counts(self, scope: Scope, column: str, top: int | None = None) -> pd.DataFrame:
        if column != "tags":
            return self._group(self._where(scope), column, top)
        # Tags: counted per raw value here, then per shown name over the distinct (mention, name) pairs.
        joined = self._tag_pairs(self._where(scope)).rename(value="name")
        grouped = joined.group_by("value").aggregate(mentions=joined.count())
        grouped = grouped.order_by([ibis.desc("mentions"), "value"])
        return _typed(self.store.fetch(grouped.limit(top) if top else grouped))

    def _tag_pairs(self, f, tags: list[str] | None = None, *columns: str):
        """The distinct (mention, shown tag name) pairs of the mentions ``f``, with ``columns`` of the mention;
        only the names in ``tags`` when given."""
        behind = self._tag_names
        mapping = pd.DataFrame(
            [(raw, name) for name, raws in behind.items() if tags is None or name in tags for raw in raws],
            columns=["raw", "name"],
            dtype=object,
        )
        if mapping.empty:
            mapping = pd.DataFrame({"raw": ["\x00"], "name": ["\x00"]})  # nothing will match
        names = ibis.memtable(mapping)
        pairs = f.select(f.uniqueId, *columns, raw=f.tags.unnest())
        return pairs.join(names, "raw").select("uniqueId", *columns, name=names.name).distinct()

    def raw_tags(self) -> pd.DataFrame:
        return self._all_counts("tags")[["value", "mentions"]]

    def tag_crosstab(self, scope: Scope, tags: list[str], column: str) -> pd.DataFrame:
        pairs = self._tag_pairs(self._where(scope), tags, column)
        out = self.store.fetch(pairs.group_by("name", column).aggregate(mentions=pairs.count()))
        table = out.pivot_table(index="name", columns=column, values="mentions", aggfunc="sum", fill_value=0)
        values = self.facet_values(column)
        known = self._tag_names  # every tag shown anywhere gets a row, zeros included (as the model does)
        return table.reindex(index=[t for t in tags if t in known], columns=values, fill_value=0).astype("int64")

    def cooccurrence(self, scope: Scope, tags: list[str]) -> pd.DataFrame:
        pairs = self._tag_pairs(self._where(scope), tags)
        other = pairs.rename(uid="uniqueId", other="name")
        both = pairs.join(other, pairs.uniqueId == other.uid)
        out = self.store.fetch(both.group_by("name", "other").aggregate(mentions=both.count()))
        table = out.pivot_table(index="name", columns="other", values="mentions", aggfunc="sum", fill_value=0)
        table = table.reindex(index=tags, columns=tags, fill_value=0).astype("int64")
        return table.rename_axis(index=None, columns=None)

    def crosstab(self, scope: Scope, rows: str, columns: str, top: int = 12) -> pd.DataFrame:
        f = self._where(scope)
        return fold_crosstab(self.store.fetch(f.group_by(a=f[rows], b=f[columns]).aggregate(mentions=f.count())), top)

    def author_counts(self, scope: Scope) -> np.ndarray:
        f = self._where(scope)
        f = f.filter(f.authorName != "")
        out = self.store.fetch(f.group_by("authorName").aggregate(mentions=f.count()))
        return out["mentions"].to_numpy(dtype=np.int64)

    def volume(self, scope: Scope, freq: str, split: str | None, top: int = VOLUME_SERIES) -> pd.DataFrame:
        f = self._where(scope)
        f = f.filter(f.ts.notnull())
        unit = (f.ts.epoch_seconds() // QUARTER_S).cast("int64")
        keys = {"unit": unit, "value": f[split]} if split else {"unit": unit}
        out = self.store.fetch(f.group_by(**keys).aggregate(mentions=f.count()))
        if not split:
            out["value"] = "Mentions"
        return volume_frame(out, scope.tz, freq, split, top)

    def keys(self, scope: Scope, limit: int) -> list[str]:
        f = self._where(scope)
        rows = self.store.fetch(f.order_by([ibis.desc("ts"), "uniqueId"]).select("uniqueId").limit(limit))
        return rows["uniqueId"].tolist()

    # -- text ------------------------------------------------------------------------------------
    def vocabulary(self) -> TermIndex:
        """The snapshot's term vocabulary (ids, terms, languages, stems; no per-mention matrix)."""

        def read() -> TermIndex:
            return TermIndex(None, None, pq.read_table(self.snap.folder / "vocab.parquet").sort_by("id"), 0)

        return self._cached("vocab", read)

    def _enriched(self, scope: Scope):
        if self.snap.table:  # loaded into DuckDB with the enrichment beside each mention
            return self._where(scope)
        f = self._where(scope).select("uniqueId", "messageSentiment", "messageContent")
        e = self._cached(
            "enrichment", lambda: self.store.con.read_parquet(str(self.snap.folder / "enrichment.parquet"))
        )
        return f.join(e, f.uniqueId == e.uniqueId).select(
            f.uniqueId, f.messageSentiment, f.messageContent, e.termIds, e.phraseIds, e.vaderCompound
        )

    def term_counts(self, scope: Scope, which: str = "terms") -> np.ndarray:
        """Mentions per vocabulary id (the enrichment holds each id once per mention)."""
        f = self._enriched(scope)
        ids = f.select(id=f["termIds" if which == "terms" else "phraseIds"].unnest())
        out = self.store.fetch(ids.group_by("id").aggregate(mentions=ids.count()))
        counts = np.zeros(self.vocabulary().size, dtype=np.int64)
        known = out["id"].to_numpy(dtype=np.int64) < len(counts)  # ids newer than the vocabulary read: none
        counts[out["id"].to_numpy(dtype=np.int64)[known]] = out["mentions"].to_numpy(dtype=np.int64)[known]
        return counts

    def _sample_order(self, f, seed: int | None):
        """Newest first, or a repeatable pseudo-random order per seed."""
        if seed is None:
            return f.order_by([ibis.desc("ts"), "uniqueId"])
        return f.order_by([(f.uniqueId + f"#{seed}").hash(), "uniqueId"])

    def texts(self, scope: Scope, limit: int, seed: int | None = None) -> list[tuple[str, str]]:
        f = self._where(scope)
        out = self.store.fetch(self._sample_order(f, seed).select("uniqueId", "messageContent").limit(limit))
        return list(zip(out["uniqueId"], out["messageContent"], strict=True))

    def _levels(self, f):
        """Social Connect's sentiment code and the five-level VADER code of each mention, as in
        lib/queries/sentiment_check.py (social_codes, five_level_codes)."""
        social = ibis.cases(*[(f.messageSentiment == v, i) for i, v in enumerate(SENTIMENT_ORDER)], else_=3)
        v = f.vaderCompound
        level = ibis.cases(
            (v.isnull(), 5), (v <= -STRONG, 0), (v <= -EDGE, 1), (v >= STRONG, 4), (v >= EDGE, 3), else_=2
        )
        return social, level

    def sentiment_grid(self, scope: Scope) -> pd.DataFrame:
        f = self._enriched(scope)
        social, level = self._levels(f)
        out = self.store.fetch(f.group_by(social=social, level=level).aggregate(mentions=f.count()))
        return level_grid(
            np.repeat(out["social"].to_numpy(dtype=np.int64), out["mentions"].to_numpy(dtype=np.int64)),
            np.repeat(out["level"].to_numpy(dtype=np.int64), out["mentions"].to_numpy(dtype=np.int64)),
        )

    def disagreeing(self, scope: Scope, size: int, seed: int) -> pd.DataFrame:
        f = self._enriched(scope)
        social, level = self._levels(f)
        three = ibis.cases((level == 5, 3), (level >= 3, 0), (level == 2, 1), else_=2)  # VADER's three labels
        f = f.mutate(social=social, three=three)
        f = f.filter(f.social < 3, f.three < 3, f.social != f.three)
        # The model's order (lib/queries/sentiment_check.sample_order): MD5 of "<key>#<seed>", then the key.
        out = self.store.fetch(f.order_by([(f.uniqueId + f"#{seed}").hexdigest("md5"), "uniqueId"]).limit(size))
        return pd.DataFrame(
            {
                "sentiment": out["messageSentiment"].astype(object),
                "vader": out["vaderCompound"].astype(float),
                "text": out["messageContent"].astype(object),
            }
        )


def fold_crosstab(pairs: pd.DataFrame, top: int) -> pd.DataFrame:
    """Mentions per pair of values (columns a, b, mentions) as a grid of the ``top`` values of each, the rest
    as "Other"."""
    mentions = pairs["mentions"].to_numpy(dtype=np.int64)

    def kept(values: pd.Series) -> tuple[list[str], np.ndarray]:
        names, codes = np.unique(values.astype(str).to_numpy(dtype=object), return_inverse=True)
        totals = np.bincount(codes, weights=mentions, minlength=len(names))
        order = np.argsort(-totals, kind="stable")  # names are sorted: ties rank by value
        position = np.full(len(names), min(top, len(names)), dtype=np.int64)
        position[order[:top]] = np.arange(min(top, len(names)))
        return [str(v) for v in names[order[:top]]] + (["Other"] if len(names) > top else []), position[codes]

    a_names, a = kept(pairs["a"])
    b_names, b = kept(pairs["b"])
    grid = np.zeros((len(a_names), len(b_names)), dtype=np.int64)
    np.add.at(grid, (a, b), mentions)
    return pd.DataFrame(grid, index=a_names, columns=b_names)


def volume_frame(out: pd.DataFrame, tz: str, freq: str, split: str | None, top: int) -> pd.DataFrame:
    """The volume frame from mentions per UTC quarter hour (columns unit, value, mentions): quarter hours to
    wall-clock hours or days in ``tz``, with the offset of each quarter hour, folded into buckets."""
    values = np.asarray(sorted(out["value"].astype(str).unique()), dtype=object)
    width = max(len(values), 1)
    utc = pd.to_datetime(out["unit"].to_numpy(dtype=np.int64) * QUARTER_S, unit="s", utc=True)
    wall = utc.tz_convert(tz).tz_localize(None).as_unit("ns").asi8
    size = HOUR_NS if freq == "hour" else DAY_NS
    local = wall // size
    first = int(local.min()) if len(local) else 0
    span = int(local.max()) - first + 1 if len(local) else 0
    code = np.searchsorted(values, out["value"].astype(str).to_numpy())
    grid = np.zeros(span * width, dtype=np.int64)
    np.add.at(grid, (local - first) * width + code, out["mentions"].to_numpy(dtype=np.int64))
    codes = Codes(np.zeros(0, dtype=np.int32), values) if split else None
    return volume_table(first, grid.reshape(span, width), codes, split, freq, top)


def with_first_copies(con, table: ibis.Table, current: Path) -> ibis.Table:
    """The snapshot's mentions with ``firstCopy``: is the mention the first of its near-duplicate cluster (as the
    store keeps them, lib/store/near_duplicates.py)? Every mention is, in a snapshot published without them."""
    path = current / "near_duplicates.parquet"
    return first_copies_of(table, con.read_parquet(str(path)) if path.exists() else None)


def first_copies_of(table: ibis.Table, clusters: ibis.Table | None) -> ibis.Table:
    """``table`` with ``firstCopy`` from the stored ``clusters`` (``near_duplicates``; None: every mention is)."""
    if clusters is None:
        return table.mutate(firstCopy=ibis.literal(True))
    clusters = clusters.select(copyKey=clusters.uniqueId, copyFirst=clusters.item == clusters.cluster)
    joined = table.left_join(clusters, table.uniqueId == clusters.copyKey)
    return joined.mutate(firstCopy=joined.copyFirst.fill_null(True)).drop("copyKey", "copyFirst")


def load_snapshot(con, current: Path, version: str, keep: str = "") -> Snapshot:
    """The snapshot's mentions loaded into DuckDB's own storage once (lib/queries/engine_load.py); the tables of
    older versions are dropped, but ``keep`` (the previous one: a rerun may still be reading it)."""
    name = load_table(con.con, current, version)
    drop_tables(con.con, {name, keep})
    return Snapshot(version, current, con.table(name), table=name)


def _utc(wall: pd.Timestamp, tz: str):
    """A wall-clock time in ``tz`` as a naive UTC datetime (a time skipped by a DST change moves on)."""
    stamp = pd.Timestamp(wall).tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    return stamp.tz_convert("UTC").tz_localize(None).to_pydatetime()


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    out["mentions"] = out["mentions"].astype("int64")
    out["value"] = out["value"].astype(object)
    return out.reset_index(drop=True)


def store_row(store: IbisStore, expr) -> pd.Series:
    """The one row of an aggregate."""
    return store.fetch(expr).iloc[0]
