"""One set of questions, asked of every backend: the in-memory model, DuckDB over the shared Parquet snapshot,
and Spark (marked ``spark``). Every backend must give the same answers as a plain pandas reading of the store.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.queries.engine import IbisStore, spark_session
from lib.queries.filters import FACETS, Filters
from lib.queries.interface import ModelQueries, Scope, clauses, series_volume, topic_counts, untagged
from lib.queries.model import MODEL_COLUMNS
from lib.queries.tags import TagRecode, tag_index
from lib.store.local import Store, StoreError
from lib.store.snapshot import CURRENT, publish
from lib.text.topics import Topic, TopicSet
from tests.text_corpus import corpus_frame

TOPICS = TopicSet(
    (
        Topic("Delays", 'delay* OR "late flight"'),
        Topic("Staff", '"cabin crew" OR staff'),
        Topic("Service"),
        Topic("Food", "meal* OR food", parent="Service"),
    )
)
RECODE = TagRecode(rename={"Pricing": "Money", "Summer Sale": "Money"}, exclude=("Competitor",))
SCOPES = [
    Scope(),
    Scope(Filters(sentiments=("negative",), services=("twitter", "facebook"))),
    Scope(Filters(start=date(2026, 3, 1), end=date(2026, 3, 31), languages=("de", "fr")), tz="America/New_York"),
    Scope(Filters(countries=("NA", "US"), tags=("Baggage", "Complaint"), tag_mode="all")),
    Scope(Filters(tags=("Money",), text='price* OR "cheap flights" -#travel')),
    Scope(Filters(text_topics=("Service", "Delays"), end=date(2026, 2, 14)), tz="Asia/Kolkata"),
    Scope(Filters(sentiments=("positive",))).narrowed("hashtags", ("travel",)).narrowed("tags", ("Money",)),
    Scope(tz="Asia/Kathmandu").in_buckets(["2026-03-02", "2026-03-16"], "week"),
    Scope(Filters(copies_once=True, languages=("en", "de")), tz="Europe/Berlin").narrowed("hashtags", ("travel",)),
]
IDS = ["all", "facets", "dates-ny", "tags-all", "text", "topics-kolkata", "drill", "buckets-kathmandu", "once"]


@pytest.fixture(scope="module")
def shared(demo_snapshot):
    return demo_snapshot


@pytest.fixture(scope="module")
def spark():
    if not shutil.which("java"):
        message = "Spark needs Java 17 (apt-get install openjdk-17-jre-headless)."
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    session = spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="module", params=["model", "duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend(request, shared, demo_model):
    if request.param == "model":
        return ModelQueries(demo_model, tag_index(demo_model, RECODE), TOPICS)
    spark = request.getfixturevalue("spark") if request.param == "spark" else None
    return IbisStore(shared, request.param, spark=spark).queries(RECODE, TOPICS)


@pytest.fixture(scope="module")
def table(demo_data_dir) -> pd.DataFrame:
    """The store's mentions as plain pandas, with each mention's time and its recoded tags."""
    frame = Store(demo_data_dir / "demo.duckdb").read_model((*MODEL_COLUMNS, "messageContent"))[0].to_pandas()
    frame["ts"] = frame["datePublished"].fillna(frame["dateAdded"])
    # *Count copies once*: the first mention of each near-duplicate cluster, as the store keeps them.
    frame["first_copy"] = frame["copyItem"] == frame["copyCluster"]
    counts = pd.Series([t for tags in frame["tags"] for t in tags]).value_counts()
    from lib.queries.tags import shown_names

    names = dict(zip(counts.index, shown_names(list(counts.index), counts.to_numpy(), RECODE), strict=True))
    frame["shown_tags"] = [sorted({names[t] for t in tags if names[t] is not None}) for tags in frame["tags"]]
    return frame


def _contains(texts: pd.Series, query: str) -> pd.Series:
    """The query language, for the few queries above, read with pandas' own regexes."""
    from lib.text.boolean_query import evaluate, parse, pattern

    def scan(node) -> np.ndarray:
        search = re.compile(pattern(node), re.IGNORECASE).search
        return texts.map(lambda text: search(text) is not None).to_numpy()

    return pd.Series(evaluate(parse(query), scan))


def reference(frame: pd.DataFrame, scope: Scope) -> pd.Series:
    """Which mentions are in ``scope``, computed row by row with pandas."""
    f, keep = scope.filters, pd.Series(True, index=frame.index)
    wall = frame["ts"].dt.tz_localize("UTC").dt.tz_convert(scope.tz).dt.tz_localize(None)
    if f.start:
        keep &= wall >= pd.Timestamp(f.start)
    if f.end:
        keep &= wall < pd.Timestamp(f.end) + pd.Timedelta(days=1)
    for attr, (column, _, _) in FACETS.items():
        if values := getattr(f, attr):
            keep &= frame[column].isin(values)
    if f.tags:
        has = frame["shown_tags"].map(lambda tags: [t in tags for t in f.tags])
        keep &= has.map(any if f.tag_mode == "any" else all)
    if f.text:
        keep &= _contains(frame["messageContent"], f.text).to_numpy()
    if f.copies_once:
        keep &= frame["first_copy"]
    if f.text_topics:
        queries = [t.query for name in f.text_topics for t in (TOPICS.get(name), *TOPICS.children(name)) if t.query]
        keep &= np.logical_or.reduce([_contains(frame["messageContent"], q).to_numpy() for q in queries])
    for column, values in scope.within:
        lists = frame["shown_tags" if column == "tags" else column]
        keep &= lists.map(lambda items, values=values: any(v in list(items) for v in values))
    if scope.buckets:
        from lib.queries.buckets import bucket_end

        keep &= np.logical_or.reduce(
            [(wall >= start) & (wall < bucket_end(start, freq)) for start, freq in scope.buckets]
        )
    return keep.fillna(False).astype(bool)


@pytest.fixture(scope="module")
def keep_of(table):
    """``reference`` of the store's mentions, worked out once per scope: every backend is compared with it."""
    return functools.cache(lambda scope: reference(table, scope))


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(value=frame["value"].astype(object), mentions=frame["mentions"].astype("int64"))
    return frame.sort_values(["mentions", "value"], ascending=[False, True], ignore_index=True)


@pytest.mark.parametrize("scope", SCOPES, ids=IDS)
def test_counts_and_kpis_match_a_plain_reading_of_the_store(backend, table, keep_of, scope):
    keep = keep_of(scope)
    selected = table[keep]
    assert 0 < keep.sum() < len(table) or scope == Scope()
    assert backend.count(scope) == int(keep.sum())
    for column in ("messageSentiment", "sourceService", "locationCountry"):
        expected = selected[column].value_counts().rename_axis("value").reset_index(name="mentions")
        pd.testing.assert_frame_equal(ordered(backend.counts(scope, column)), ordered(expected))
    tags = selected["shown_tags"].explode().dropna().value_counts().rename_axis("value").reset_index(name="mentions")
    pd.testing.assert_frame_equal(ordered(backend.counts(scope, "tags")), ordered(tags))
    hashtags = selected["hashtags"].map(lambda h: sorted(set(h))).explode().dropna().value_counts()
    pd.testing.assert_frame_equal(
        ordered(backend.counts(scope, "hashtags")), ordered(hashtags.rename_axis("value").reset_index(name="mentions"))
    )
    many = backend.counts_many(scope, ["sourceService", "messageLanguage", "hashtags"], top=5)
    for column, counts in many.items():  # one question, the same answers as one per column
        pd.testing.assert_frame_equal(counts, backend.counts(scope, column, top=5))
    kpis = backend.kpis(scope)
    n = len(selected)
    assert kpis["mentions"] == n
    assert kpis["authors"] == selected.loc[selected["authorName"] != "", "authorName"].nunique()
    assert kpis["negative"] == pytest.approx((selected["messageSentiment"] == "negative").sum() / n)
    per_author = selected.loc[selected["authorName"] != "", "authorName"].value_counts()
    assert sorted(backend.author_counts(scope).tolist()) == sorted(per_author.tolist())
    keys = backend.keys(scope, 25)
    assert len(keys) == min(25, n) and set(keys) <= set(selected["uniqueId"])
    newest = selected["ts"].sort_values(ascending=False, na_position="last").head(len(keys))
    assert table.set_index("uniqueId").loc[keys, "ts"].tolist() == newest.tolist()  # newest first


@pytest.mark.parametrize("scope", SCOPES, ids=IDS)
@pytest.mark.parametrize("freq,split", [("day", "messageSentiment"), ("week", "sourceService"), ("hour", None)])
def test_volume_per_bucket_in_the_display_timezone(backend, table, keep_of, scope, freq, split):
    selected = table[keep_of(scope) & table["ts"].notna()]
    got = backend.volume(scope, freq, split)
    assert got["mentions"].sum() == len(selected)
    wall = selected["ts"].dt.tz_localize("UTC").dt.tz_convert(scope.tz).dt.tz_localize(None)
    start = {"hour": wall.dt.floor("h"), "day": wall.dt.floor("D")}.get(freq)
    if freq == "week":
        start = wall.dt.floor("D") - pd.to_timedelta(wall.dt.day_of_week, unit="D")
    expected = start.value_counts().sort_index()
    per_bucket = got.groupby("bucket")["mentions"].sum()
    per_bucket = per_bucket[per_bucket > 0]
    assert per_bucket.to_dict() == expected.to_dict()
    if split == "messageSentiment":
        series = got.groupby("series")["mentions"].sum()
        assert series.to_dict() == selected["messageSentiment"].value_counts().to_dict()


@pytest.mark.parametrize("scope", SCOPES[:4], ids=IDS[:4])
def test_crosstab_and_filter_options(backend, table, keep_of, scope):
    selected = table[keep_of(scope)]
    grid = backend.crosstab(scope, "sourceService", "messageSentiment", top=3)

    def folded(column: str) -> tuple[pd.Series, list[str]]:
        counts = selected[column].value_counts()
        assert len(counts) <= 3 or counts.iloc[2] > counts.iloc[3]  # no tie at the cut: the kept three are certain
        kept = list(counts.index[:3]) + (["Other"] if len(counts) > 3 else [])
        return selected[column].where(selected[column].isin(counts.index[:3]), "Other"), kept

    (rows, row_names), (cols, col_names) = folded("sourceService"), folded("messageSentiment")
    assert list(grid.index) == row_names and sorted(grid.columns) == sorted(col_names)
    expected = pd.crosstab(rows, cols).loc[grid.index, grid.columns]
    assert grid.to_numpy().tolist() == expected.to_numpy().tolist()
    assert set(backend.facet_values("sourceService")) == set(table["sourceService"])
    assert backend.top_values("authorName", 5) == table["authorName"].value_counts().index[:5].tolist()
    assert "Money" in backend.tag_options() and "Pricing" not in backend.tag_options()
    assert "Competitor" not in backend.tag_options()
    assert backend.date_bounds("UTC") == (table["ts"].min().date(), table["ts"].max().date())


def test_a_new_snapshot_is_seen_without_reconnecting(shared, demo_data_dir, tmp_path):
    folder = tmp_path / "s"
    shutil.copytree(shared, folder)
    store = IbisStore(folder, "duckdb")  # one connection, as an app process keeps it
    before = store.queries().count(Scope())
    writer = Store(tmp_path / "w.duckdb")
    shutil.copy(demo_data_dir / "demo.duckdb", writer.path)
    from tests.text_corpus import corpus_frame

    writer.ingest([corpus_frame()], kind="import", source="more")
    publish(writer, folder)
    engine = store.queries()  # the next rerun
    assert engine.count(Scope()) == before + 8
    assert IbisStore(folder, "duckdb").queries().n == before + 8


@pytest.mark.parametrize(
    "scope", [SCOPES[1], SCOPES[3], SCOPES[5], SCOPES[-1]], ids=["facets", "tags-all", "topics-kolkata", "once"]
)
def test_the_csv_export_is_the_same_file_on_every_backend(backend, demo_data_dir, shared, scope):
    """The app exports from its data: the store file under the model, the shared snapshot under an engine. The
    rows are chosen by DuckDB either way (lib/export/stream.py), with the filters read as the backend reads them."""
    import csv
    import io

    from lib.export.csv_writer import csv_bytes
    from lib.store.snapshot import SnapshotStore

    store = Store(demo_data_dir / "demo.duckdb")
    source = store if backend.backend == "model" else SnapshotStore(shared)
    expected, _ = csv_bytes(store, scope, topics=TOPICS, recode=RECODE, row_cap=300)
    data, manifest = csv_bytes(source, scope, topics=TOPICS, recode=RECODE, row_cap=300)
    assert data == expected  # byte for byte, mentions of the same second in the same order too
    matching = backend.count(scope)
    assert manifest.rows == min(300, matching) and manifest.rows_matching == matching
    lines = data.decode().splitlines()
    assert lines[0].endswith("topic: Delays,topic: Staff,topic: Service,topic: Food")
    if scope not in (SCOPES[3], SCOPES[-1]):
        assert any(line.endswith(",1") for line in lines[1:])  # Food matches some of them
    keys = [row["uniqueId"] for row in csv.DictReader(io.StringIO(data.decode(), newline=""))]
    if backend.backend == "model":
        assert keys == backend.keys(scope, 300)  # the Mentions page's order
    else:  # the engines order mentions of the same second by key
        assert sorted(keys) == sorted(backend.keys(scope, 300))


@pytest.mark.parametrize("scope", SCOPES[:4], ids=IDS[:4])
def test_the_tags_pages_questions(backend, table, keep_of, scope):
    selected = table[keep_of(scope)]
    tags = ["Complaint", "Money", "Baggage", "Competitor"]  # Competitor is excluded by the recode: no mentions
    pairs = selected[["uniqueId", "messageSentiment", "shown_tags"]].explode("shown_tags").dropna()
    grid = backend.tag_crosstab(scope, tags, "messageSentiment")
    present = [t for t in tags if t in set(table["shown_tags"].explode())]  # every tag shown anywhere gets a row
    expected = pd.crosstab(pairs["shown_tags"], pairs["messageSentiment"]).reindex(present, fill_value=0)
    assert list(grid.index) == present and "Competitor" not in grid.index
    columns = sorted(expected.columns)
    assert grid[columns].to_numpy().tolist() == expected.loc[present, columns].to_numpy().tolist()
    both = backend.cooccurrence(scope, tags)
    for a in tags:
        for b in tags:
            expected_both = selected["shown_tags"].map(lambda t, a=a, b=b: a in t and b in t).sum()
            assert both.loc[a, b] == expected_both, (a, b)
    assert untagged(backend, scope) == int((selected["shown_tags"].map(len) == 0).sum())
    raw = backend.raw_tags()
    assert dict(zip(raw["value"], raw["mentions"], strict=True)) == (
        table["tags"].map(lambda t: sorted(set(t))).explode().dropna().value_counts().to_dict()
    )
    trends = series_volume(backend, {t: scope.narrowed("tags", (t,)) for t in tags[:2]}, "week")
    dated = selected.loc[selected["ts"].notna(), "shown_tags"]
    expected_trends = {t: int(dated.map(lambda s, t=t: t in s).sum()) for t in tags[:2]}
    assert trends.groupby("series")["mentions"].sum().to_dict() == {t: n for t, n in expected_trends.items() if n}


@pytest.fixture(scope="module")
def enrichment(demo_data_dir) -> pd.DataFrame:
    """Each mention's term ids, phrase ids and VADER score, as stored."""
    return Store(demo_data_dir / "demo.duckdb").query("SELECT * FROM enrichment").set_index("uniqueId")


@pytest.mark.parametrize("scope", [SCOPES[0], SCOPES[2], SCOPES[4], SCOPES[5]], ids=[IDS[0], IDS[2], IDS[4], IDS[5]])
def test_the_text_pages_questions(backend, table, keep_of, enrichment, scope):
    selected = table[keep_of(scope)]
    rows = enrichment.loc[selected["uniqueId"]]
    vocabulary = backend.vocabulary()
    for which, column in (("terms", "termIds"), ("phrases", "phraseIds")):
        expected = np.bincount(
            np.concatenate([np.asarray(ids, dtype=np.int64) for ids in rows[column]] + [[]]).astype(np.int64),
            minlength=vocabulary.size,
        )
        assert backend.term_counts(scope, which).tolist() == expected.tolist()
    top = vocabulary.top_terms_of(backend.term_counts(scope), len(selected), top=10)
    assert len(top) == 10 and top["mentions"].is_monotonic_decreasing
    # The sentiment check: Social Connect's reading beside VADER's five levels.
    grid = backend.sentiment_grid(scope)
    vader = rows["vaderCompound"].to_numpy(dtype=float)
    assert int(grid["unsupported"].sum()) == int(np.isnan(vader).sum())
    assert int(grid["very positive"].sum()) == int((vader >= 0.6).sum())
    assert grid.loc["negative"].sum() == (selected["messageSentiment"] == "negative").sum()
    sample = backend.disagreeing(scope, 5, seed=1)
    theirs = selected["messageSentiment"].to_numpy()
    ours = np.where(vader >= 0.05, "positive", np.where(vader <= -0.05, "negative", "neutral"))
    differ = ~np.isnan(vader) & np.isin(theirs, ["positive", "neutral", "negative"]) & (theirs != ours)
    assert len(sample) == min(5, int(differ.sum()))
    for sentiment, score in zip(sample["sentiment"], sample["vader"], strict=True):
        ours = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
        assert sentiment in ("positive", "neutral", "negative") and sentiment != ours
    assert backend.disagreeing(scope, 5, seed=1).equals(sample)  # repeatable per seed
    # Keyword in context reads the newest texts of a scope; a seed draws a repeatable sample instead.
    texts = backend.texts(scope.searching("delay*"), 20)
    assert all(re.search(r"\bdelay", text, re.IGNORECASE) for _, text in texts)
    assert [k for k, _ in texts] == backend.keys(scope.searching("delay*"), 20)
    sampled = backend.texts(scope, 20, seed=3)
    assert sampled == backend.texts(scope, 20, seed=3) and len(sampled) == min(20, len(selected))


def test_topics_and_the_clause_debugger(backend, table, keep_of):
    scope = SCOPES[1]
    keep = keep_of(scope)
    counts = topic_counts(backend, scope, TOPICS).set_index("topic")
    for topic in TOPICS.topics:
        with_topic = Scope(replace(scope.filters, text_topics=(topic.name,)), scope.tz)
        assert counts.loc[topic.name, "mentions"] == int((keep & keep_of(with_topic)).sum())
    assert counts.loc["Service", "mentions"] == counts.loc["Food", "mentions"] > 0  # a parent: its child's
    either = clauses(backend, scope, 'delay* OR "late flight" OR staff').set_index("clause")
    text = table.loc[keep, "messageContent"]
    found = {c: _contains(text, c).to_numpy() for c in ("delay*", '"late flight"', "staff")}
    assert either.attrs["total"] == int(np.logical_or.reduce(list(found.values())).sum())
    assert either.loc["staff", "alone"] == int(found["staff"].sum())
    assert either.loc["staff", "mentions"] == int((found["staff"] & ~found["delay*"] & ~found['"late flight"']).sum())
    both = clauses(backend, scope, "delay* AND NOT staff").set_index("clause")
    assert both.loc["delay*", "effect"] == "removes"
    assert both.loc["delay*", "mentions"] == int((~found["staff"] & ~found["delay*"]).sum())


def test_counting_copies_once_leaves_out_the_later_copies_on_every_backend(backend, table):
    """Every backend reads the clusters the store keeps: the same first copies, so the same counts."""
    once = SCOPES[-1]
    every = Scope(replace(once.filters, copies_once=False), once.tz, once.within)
    first = table.loc[reference(table, once), "uniqueId"]
    assert 0 < backend.count(once) == len(first) < backend.count(every)
    assert set(backend.keys(once, 10_000)) == set(first)
    # The refund petition's 80 bot copies are one cluster: one mention counted.
    refund = Scope(Filters(text="#RefundNorthwind", copies_once=True))
    assert backend.count(refund) == 1 < backend.count(Scope(Filters(text="#RefundNorthwind")))


def test_a_damaged_new_snapshot_keeps_the_last_good_one_answering(shared, demo_data_dir, tmp_path):
    """A newer version with a half-copied Parquet file: the replica keeps answering from the version it read,
    and a replica that has none says what to do (never DuckDB's traceback)."""
    folder = tmp_path / "s"
    shutil.copytree(shared, folder)
    for engine in ("duckdb", "duckdb-parquet"):
        store = IbisStore(folder, "duckdb", load=engine == "duckdb")
        before = store.queries().count(Scope())
        writer = Store(tmp_path / f"w-{engine}.duckdb")
        shutil.copy(demo_data_dir / "demo.duckdb", writer.path)
        writer.ingest([corpus_frame()], kind="import", source="more")
        publish(writer, folder)
        current = folder / (folder / CURRENT).read_text().strip()
        damaged = current / "mentions.parquet"
        damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
        assert store.queries().count(Scope()) == before  # the last good version answers
        with pytest.raises(StoreError, match="cannot be read: one of its files is damaged"):
            IbisStore(folder, "duckdb", load=engine == "duckdb").queries()
        publish(writer, folder)  # published again: read at once
        assert store.queries().count(Scope()) == before + 8
        shutil.rmtree(folder)
        shutil.copytree(shared, folder)
