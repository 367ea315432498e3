"""The query interface on an existing engine, through Ibis: DuckDB over the shared Parquet snapshot, or Spark.

Where the in-memory model (lib/model.py) loads every mention into each app process, this interface sends
each question to an engine and gets a small answer back: counts by field for a ``Filters`` value, tag
counts, volume per day, a page of keys. One Ibis expression compiles to both engines, so the answers are
the same (tests/test_ibis_store.py checks both against the in-memory model):

- ``duckdb``: DuckDB reads the snapshot's Parquet files in place (the folder the writer publishes).
- ``spark``: PySpark in ``local[2]`` mode here; on a cluster, the same code with a cluster's session.

Dates are compared in UTC. Text search compiles the query language (lib/query.py) to case-insensitive
regular expressions that RE2 (DuckDB) and Java (Spark) read alike.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd

from lib.filters import FACETS, Filters
from lib.query import And, Node, Not, Or, Phrase, Term, parse, pattern
from lib.snapshot import CURRENT

ENGINES = ("duckdb", "spark")


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


class IbisStore:
    """The newest snapshot in ``folder``, queried on ``engine`` (``duckdb`` or ``spark``)."""

    def __init__(self, folder: str | Path, engine: str = "duckdb", spark=None):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
        self.folder, self.engine = Path(folder), engine
        self.con = ibis.duckdb.connect() if engine == "duckdb" else ibis.pyspark.connect(spark or spark_session())
        self._version, self._table = "", None

    def version(self) -> str:
        current = self.folder / (self.folder / CURRENT).read_text().strip()
        return (current / "VERSION").read_text().strip()

    @property
    def mentions(self):
        """The mentions table of the newest snapshot, re-read when the writer publishes a new one."""
        version = self.version()
        if version != self._version:
            current = self.folder / (self.folder / CURRENT).read_text().strip()
            table = self.con.read_parquet(str(current / "mentions.parquet"))
            self._table = table.mutate(ts=table.datePublished.fill_null(table.dateAdded))
            self._version = version
        return self._table

    # -- filters --------------------------------------------------------------------------------
    def _where(self, filters: Filters):
        t = self.mentions
        conditions = []
        if filters.start:
            conditions.append(t.ts >= pd.Timestamp(filters.start).to_pydatetime())
        if filters.end:
            conditions.append(t.ts < (pd.Timestamp(filters.end) + pd.Timedelta(days=1)).to_pydatetime())
        for attr, (column, _, _) in FACETS.items():
            if values := getattr(filters, attr):
                conditions.append(t[column].isin(list(values)))
        if filters.tags:
            has = [t.tags.contains(tag) for tag in filters.tags]
            conditions.append(ibis.or_(*has) if filters.tag_mode == "any" else ibis.and_(*has))
        if filters.text:
            conditions.append(self._text(parse(filters.text)))
        return t.filter(*conditions) if conditions else t

    def _text(self, node: Node):
        t = self.mentions
        if isinstance(node, Term | Phrase):
            return t.messageContent.re_search("(?i)" + pattern(node)).fill_null(False)
        if isinstance(node, Not):
            return ~self._text(node.child)
        parts = [self._text(child) for child in node.children]
        assert isinstance(node, And | Or)
        return ibis.and_(*parts) if isinstance(node, And) else ibis.or_(*parts)

    # -- answers --------------------------------------------------------------------------------
    def count(self, filters: Filters) -> int:
        return int(self._where(filters).count().to_pyarrow().as_py())

    def counts(self, column: str, filters: Filters) -> pd.DataFrame:
        """Mentions per value of a field, largest first (ties by value): columns value, mentions."""
        f = self._where(filters)
        out = f.group_by(value=f[column]).aggregate(mentions=f.count()).to_pandas()
        return _ordered(out)

    def tag_counts(self, filters: Filters) -> pd.DataFrame:
        """Mentions per tag (a tag listed twice in one mention counts once): columns value, mentions."""
        f = self._where(filters)
        pairs = f.select(f.uniqueId, value=f.tags.unnest()).distinct()
        return _ordered(pairs.group_by("value").aggregate(mentions=pairs.count()).to_pandas())

    def volume(self, filters: Filters) -> pd.DataFrame:
        """Mentions per UTC day and sentiment: columns day, series, mentions."""
        f = self._where(filters)
        f = f.filter(f.ts.notnull())
        out = f.group_by(day=f.ts.truncate("D"), series=f.messageSentiment).aggregate(mentions=f.count())
        out = out.to_pandas()
        out["day"] = pd.to_datetime(out["day"]).dt.tz_localize(None).astype("datetime64[ns]")
        return out.sort_values(["day", "series"], ignore_index=True)

    def page(self, filters: Filters, limit: int = 200) -> list[str]:
        """The keys of up to ``limit`` matching mentions, newest first."""
        f = self._where(filters)
        rows = f.order_by([ibis.desc("ts"), "uniqueId"]).select("uniqueId").limit(limit).to_pandas()
        return rows["uniqueId"].tolist()


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    frame["mentions"] = frame["mentions"].astype("int64")
    frame["value"] = frame["value"].astype(object)
    return frame.sort_values(["mentions", "value"], ascending=[False, True], ignore_index=True)
