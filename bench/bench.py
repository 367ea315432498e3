"""Benchmark: ingest, cold start, a filter change and a text search at N mentions, each beside a naive baseline.

    python -m bench.bench --sizes 100000 1000000                      # both text mixes
    python -m bench.bench --sizes 1000000 --mix realistic --workdir /tmp/b   # a store left there is reused

Prints one table per size and mix. The mixes: ``short`` (one sentence per mention, ~89 characters, the figures of
earlier versions) and ``realistic`` (lengths per source category: reviews, blogs, forums and news too; see
lib/sources/demo_lengths.py). With ``--workdir``, a store ``bench-<mix>-<n>.duckdb`` found there is reused:
generation and ingest are then not timed (``bench.import_memory`` times an import on its own).

The "naive" columns do the same work the way a first prototype would:
pandas with object strings, ``df[mask]`` copies and a group-by per breakdown, plotly.express figures,
a pickled copy of the table per rerun (what ``st.cache_data`` of the table costs on every hit).
"""

from __future__ import annotations

import argparse
import gc
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import plotly.express as px
import plotly.io
import plotly.tools

from lib.charts.figures import bar_figure, heatmap_figure, map_figure, volume_figure
from lib.mentions.normalize import normalize
from lib.qualtrics.client import Credentials, QualtricsClient
from lib.qualtrics.pull import pull
from lib.queries.breakdowns import DASHBOARD_BREAKDOWNS, concentration, country_map, crosstab_percentages, spikes
from lib.queries.buckets import auto_frequency
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope
from lib.queries.kpis import kpi_cards
from lib.queries.model import MentionModel
from lib.queries.search_files import folder_of
from lib.queries.tags import TagRecode, tag_index
from lib.queries.text_search import StoreTexts
from lib.sources.demo import generate
from lib.sources.demo_lengths import MIXES
from lib.sources.ingest import import_file
from lib.store.local import Store
from lib.text.enrich import analyse, analyse_all, kind, tokens
from lib.text.stopwords import language_stopwords
from tests.fake_qualtrics import FakeQualtrics, FakeServer

TZ = "Europe/Berlin"
NAN = float("nan")


def rerun_rows(page: str, ours: list[float], naive: list[float]) -> list[tuple[str, str, str, str]]:
    """The median and the slowest rerun of ``page`` over a filter sequence, ours beside the naive app's."""
    ours_ms, naive_ms = statistics.median(ours) * 1e3, statistics.median(naive) * 1e3
    return [
        (
            f"filter change: whole {page} rerun, server side (median)",
            f"{ours_ms:.0f} ms",
            f"{naive_ms:,.0f} ms (pandas copies, cache_data copy, plotly.express)",
            f"{naive_ms / ours_ms:.0f}×",
        ),
        (
            f"filter change: {page}, slowest of the sequence",
            f"{max(ours) * 1e3:.0f} ms",
            f"{max(naive) * 1e3:,.0f} ms",
            "–",
        ),
    ]


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Median seconds of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def filter_sequence(model: MentionModel) -> list[Filters]:
    """The filter changes an analyst makes in a row: dates, then sentiment, a source, a language, a tag."""
    oldest, newest = model.date_bounds(TZ)
    month = date(newest.year, newest.month, 1)
    return [
        Filters(start=month, end=newest),
        Filters(start=month, end=newest, sentiments=("negative",)),
        Filters(sentiments=("negative",), services=("twitter", "facebook")),
        Filters(languages=("de", "fr"), countries=("DE", "FR", "NA")),
        Filters(tags=("Baggage",), start=oldest, end=newest),
        Filters(text="wifi"),
        Filters(),
    ]


def overview_rerun(model: MentionModel, filters: Filters) -> list:
    """Everything the Overview computes and draws for one filter value (server side), through the query
    interface as its page asks."""
    q, scope = ModelQueries(model), Scope(filters, TZ)
    oldest, newest = q.date_bounds(TZ)
    freq = auto_frequency(filters.start or oldest, filters.end or newest)
    n = q.count(scope)
    cards = kpi_cards(q, scope)
    counts = q.counts_many(scope, ["sourceService", "messageLanguage"])
    figures = [
        volume_figure(q.volume(scope, freq, "messageSentiment"), "messageSentiment", freq),
        *(bar_figure(counts[c], c, denominator=n) for c in ("sourceService", "messageLanguage")),
    ]
    return [cards, *(as_streamlit_sends(f) for f in figures)]


BREAKDOWNS = tuple(column for column, _ in DASHBOARD_BREAKDOWNS if column != "tags")


def dashboard_rerun(model: MentionModel, filters: Filters) -> list:
    """Everything the Dashboard computes and draws for one filter value (server side), as its page does."""
    q, scope = ModelQueries(model, tag_index(model, TagRecode())), Scope(filters, TZ)
    n = q.count(scope)
    oldest, newest = q.date_bounds(TZ)
    freq = auto_frequency(filters.start or oldest, filters.end or newest)
    volume = q.volume(scope, freq, "messageSentiment")
    figures = []
    if not volume.empty:
        flagged = spikes(volume.groupby("bucket", sort=True)["mentions"].sum(), freq)
        figures.append(volume_figure(volume, "messageSentiment", freq, flagged))
    counts = q.counts_many(scope, list(BREAKDOWNS))
    figures += [bar_figure(counts[c], c, denominator=n) for c in BREAKDOWNS]
    known, _ = country_map(q.counts(scope, "locationCountry"))
    figures.append(map_figure(known))
    table = crosstab_percentages(q.crosstab(scope, "sourceService", "messageSentiment"), "counts")
    figures.append(heatmap_figure(table))
    share = concentration(q.author_counts(scope))
    authors = q.counts(scope, "authorName", top=16)
    figures.append(bar_figure(authors[authors["value"] != ""], "authorName", top=15, denominator=n))
    lists = q.counts_many(scope, ["hashtags", "handles", "linkDomains"], top=10)
    figures += [bar_figure(counts, c, denominator=n) for c, counts in lists.items()]
    return [share, *(as_streamlit_sends(f) for f in figures)]


def as_streamlit_sends(fig) -> str:
    """What st.plotly_chart does with a figure before it goes over the wire."""
    return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True), validate=False)


# -- naive baseline -----------------------------------------------------------------------------
def naive_frame(store: Store) -> pd.DataFrame:
    frame = store.query("SELECT * FROM mentions")
    return frame.astype({c: object for c in frame.columns if frame[c].dtype != "datetime64[us]"})


def naive_select(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The rows ``f`` selects, the naive way: a copy per condition (``df[mask]``), a Python call per tag list."""
    out = df
    if f.start:
        out = out[out["when"].dt.date >= f.start]
    if f.end:
        out = out[out["when"].dt.date <= f.end]
    for attr, column in (
        ("sentiments", "messageSentiment"),
        ("services", "sourceService"),
        ("languages", "messageLanguage"),
        ("countries", "locationCountry"),
    ):
        if getattr(f, attr):
            out = out[out[column].isin(getattr(f, attr))]
    if f.tags:
        out = out[out["tags"].apply(lambda t: any(x in f.tags for x in t))]
    if f.text:
        out = out[out["messageContent"].str.contains(f.text, case=False, regex=False)]
    return out


def naive_rerun(pickled: bytes, filters: Filters) -> list:
    df = pickle.loads(pickled)  # a st.cache_data hit returns an unpickled copy of the table
    df["when"] = df["datePublished"].fillna(df["dateAdded"]).dt.tz_localize("UTC").dt.tz_convert(TZ)

    now = naive_select(df, filters)
    previous = filters.previous_period()
    before = naive_select(df, previous) if previous else None
    kpis = [len(now), now["authorName"].nunique(), (now["messageSentiment"] == "positive").mean()]
    if before is not None:
        kpis += [len(before), before["authorName"].nunique()]
    by_day = now.groupby([now["when"].dt.floor("D"), "messageSentiment"]).size().reset_index(name="n")
    figures = [
        px.bar(by_day, x="when", y="n", color="messageSentiment"),
        px.bar(now.groupby("sourceService").size().nlargest(10).reset_index(name="n"), x="n", y="sourceService"),
        px.bar(now.groupby("messageLanguage").size().nlargest(10).reset_index(name="n"), x="n", y="messageLanguage"),
    ]
    return [kpis, *(as_streamlit_sends(f) for f in figures)]


def naive_dashboard(pickled: bytes, filters: Filters) -> list:
    """The Dashboard the naive way: a copy of the table, df[mask] copies, a group-by per chart, express."""
    df = pickle.loads(pickled)
    df["when"] = df["datePublished"].fillna(df["dateAdded"]).dt.tz_localize("UTC").dt.tz_convert(TZ)
    df = naive_select(df, filters)
    week = df["when"].dt.tz_localize(None).dt.to_period("W").dt.start_time
    by_week = df.groupby([week, "messageSentiment"]).size().reset_index(name="n")
    figures = [px.bar(by_week, x="when", y="n", color="messageSentiment")]
    for column in BREAKDOWNS:
        figures.append(px.bar(df.groupby(column).size().nlargest(10).reset_index(name="n"), x="n", y=column))
    figures.append(
        px.choropleth(
            df.groupby("locationCountry").size().reset_index(name="n"), locations="locationCountry", color="n"
        )
    )
    figures.append(px.imshow(pd.crosstab(df["sourceService"], df["messageSentiment"], margins=True)))
    authors = df.groupby("authorName").size().sort_values(ascending=False)
    figures.append(px.bar(authors.head(15).reset_index(name="n"), x="n", y="authorName"))
    for column in ("hashtags", "handles", "linkDomains"):
        exploded = df[column].explode().dropna()
        figures.append(px.bar(exploded.value_counts().head(10).reset_index(), x="count", y=column))
    return [authors.head(max(1, len(authors) // 100)).sum(), *(as_streamlit_sends(f) for f in figures)]


def text_filters(model: MentionModel) -> list[Filters]:
    """Filters for the top-terms figure: everything, a sentiment, a language, a month, a source and a search."""
    _, newest = model.date_bounds(TZ)
    return [
        Filters(),
        Filters(sentiments=("negative",)),
        Filters(languages=("en",)),
        Filters(start=date(newest.year, newest.month, 1), end=newest),
        Filters(services=("twitter",), sentiments=("positive",)),
        Filters(text="wifi OR delay*"),
    ]


def naive_top_terms(model: MentionModel, mask: np.ndarray, top: int = 30) -> list:
    """Top terms the naive way: tokenise the selected texts on the fly, drop stopwords, count."""
    from collections import Counter

    texts = model.text_of(np.flatnonzero(mask))
    langs = model.columns["messageLanguage"]
    languages = langs.values[langs.codes[mask]]
    counts: Counter = Counter()
    for text, language in zip(texts, languages, strict=True):
        stop = language_stopwords(language)
        counts.update({t for t in tokens(text or "") if kind(t) == "word" and t not in stop})
    return counts.most_common(top)


def enrichment_row(texts: list[str], langs: list[str]) -> tuple[str, str, str, str]:
    """Enrichment alone: on every core, as ingest runs it, and on one core (a sample, scaled)."""
    n = len(texts)
    enrich_s, _ = timed(lambda: analyse_all(texts, langs))
    one = min(n, 50_000)
    one_s, _ = timed(lambda: analyse(texts[:one], langs[:one]))
    return (
        "  of which enrichment: tokens, phrases, VADER, on both cores",
        f"{enrich_s:.1f} s",
        f"{one_s * n / one:.0f} s on one core (scaled from {one:,})",
        f"{one_s * n / one / enrich_s:.1f}×",
    )


def naive_ingest(raw: pd.DataFrame, store: Store) -> None:
    """Normalise, then upsert one row at a time with INSERT OR REPLACE (the loop a first script writes)."""
    frame, _ = normalize(raw)
    store.ingest([frame.iloc[:0]], kind="import", source="naive")  # creates the tables
    con = duckdb.connect(str(store.path))
    columns = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'mentions'").fetchall()
    stored = {name for (name,) in columns}
    frame = frame[[c for c in frame.columns if c in stored]]  # the store's columns (the normaliser has a few more)
    marks = ", ".join("?" * len(frame.columns))
    names = ", ".join(f'"{c}"' for c in frame.columns)
    rows = [
        [None if isinstance(v, float) and np.isnan(v) else v for v in row]
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False)
    ]
    con.executemany(f"INSERT OR REPLACE INTO mentions ({names}) VALUES ({marks})", rows)
    con.close()


# The child reports VmHWM, its own high-water mark: ru_maxrss would include the parent's, which Linux
# carries across fork and exec.
SERVER_SCRIPT = """
import sys, streamlit, plotly
from lib.queries.model import MentionModel
from lib.store.local import Store
from bench.bench import dashboard_rerun, filter_sequence, overview_rerun
model = MentionModel.from_store(Store(sys.argv[1]))
for f in filter_sequence(model):
    overview_rerun(model, f)
    dashboard_rerun(model, f)
status = open("/proc/self/status").read()
print(int(status.split("VmHWM:")[1].split()[0]) / 1024)
"""


def server_peak_mb(store: Store) -> float:
    """Peak RSS of a fresh process doing the server's work: Streamlit imported, model loaded, filters run."""
    out = subprocess.run(
        [sys.executable, "-c", SERVER_SCRIPT, str(store.path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return float(out.stdout.strip().splitlines()[-1])


def model_megabytes(model: MentionModel) -> float:
    """What the model's arrays hold: columns, keys, list indexes, the term matrices (no text)."""
    arrays = [model.ts, model.vader, *(c.codes for c in model.columns.values())]
    arrays += [a for index in model.lists.values() for a in (index.row, index.rows, index.row_offsets, index.offsets)]
    arrays += [m for matrix in (model.text.terms, model.text.phrases) for m in (matrix.data, matrix.indices)]
    arrays += [matrix.indptr for matrix in (model.text.terms, model.text.phrases)]
    return (sum(a.nbytes for a in arrays) + model.keys.nbytes) / 1e6


SEARCHES = {
    "one word": ["wifi", "delay", "northwind", "crew", "#travel", "@northwindhelp"],
    "a phrase": ['"cabin crew"', '"two hours"', '"ticket price"', '"baggage service"'],
    "a wildcard": ["delay*", "bagag*", "refund*", "flight*"],
}


def search_rows(model: MentionModel) -> list[tuple[str, str, str, str]]:
    """The side files of text search (lib/queries/search_files.py: written once per store version, opened by every
    later model of it; in the app, in the background after the first page), then a new text search (nothing
    cached) of each kind, median of its queries; the first word search is the first figure of its row."""
    existed = isinstance(model.texts, StoreTexts) and folder_of(model.texts.store.path, model.version).exists()
    prepare_s, _ = timed(model.finder.prepare)
    rows = [
        (
            f"text search side files: {'opened' if existed else 'written (once per store version)'} after load",
            f"{prepare_s:.2f} s",
            "in the background after the first page; a search meanwhile waits for them",
            "–",
        )
    ]
    for what, queries in SEARCHES.items():
        times = []
        for query in queries:
            model.finder.clear()
            times.append(timed(lambda q=query: model.search(q))[0])
        rows.append(
            (
                f"a new text search: {what} (median of {len(queries)}, nothing cached)",
                f"{statistics.median(times) * 1e3:.0f} ms "
                f"(first {times[0] * 1e3:.0f} ms, slowest {max(times) * 1e3:.0f} ms)",
                "–",
                "–",
            )
        )
    return rows


def run(
    n: int, workdir: Path, naive_sample: int, mix: str = "realistic", naive: bool = True
) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    store = Store(workdir / f"bench-{mix}-{n}.duckdb")
    if store.exists():
        print(f"  reusing {store.path} ({store.count():,} mentions): generation and ingest not timed", flush=True)
        return rows + measure(store, n, None, naive)
    gen_s, raw = timed(lambda: generate(n, mix=mix))
    csv_bytes = raw.to_csv(index=False).encode()
    print(f"  generated {n:,} mentions in {gen_s:.1f} s ({len(csv_bytes) / 1e6:.0f} MB of CSV)", flush=True)
    ingest_s, _ = timed(lambda: import_file(store, csv_bytes, "bench.csv"))
    csv_bytes = b""  # free it before the baseline runs
    # Naive ingest is row by row; time a sample and scale, since at 1M it would take hours.
    sample = raw.iloc[:naive_sample]
    naive_s, _ = timed(lambda: naive_ingest(sample, Store(workdir / f"naive-{n}.duckdb")))
    naive_ingest_s = naive_s * n / len(sample)
    rows.append(
        (
            "ingest (parse CSV, normalise, enrich, store)",
            f"{ingest_s:.1f} s",
            f"{naive_ingest_s:,.0f} s (row-by-row upsert, scaled from {len(sample):,} rows)",
            f"{naive_ingest_s / ingest_s:.0f}×",
        )
    )
    rows.append(enrichment_row(raw["messageContent"].tolist(), raw["messageLanguage"].tolist()))
    del raw
    gc.collect()
    return rows + measure(store, n, ingest_s)


def cold_start_in_a_new_process(store: Store) -> float:
    """Seconds from the store to the model and the first Overview in a process of its own, its imports done
    first: what a server (re)start costs an analyst. The process that just ingested has its memory already
    touched once, which a starting server has not."""
    code = (
        "import sys, time\n"
        "from bench.bench import overview_rerun\n"
        "from lib.queries.interface import Filters\n"
        "from lib.queries.model import MentionModel\n"
        "from lib.store.local import Store\n"
        "start = time.perf_counter()\n"
        "overview_rerun(MentionModel.from_store(Store(sys.argv[1])), Filters())\n"
        "print(time.perf_counter() - start)\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code, str(store.path)], cwd=root, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def measure(store: Store, n: int, ingest_s: float | None, naive: bool = True) -> list[tuple[str, str, str, str]]:
    """Every figure but ingest, on a store of ``n`` mentions (without the naive baselines: "–" beside them)."""
    rows: list[tuple[str, str, str, str]] = []
    fresh_s = cold_start_in_a_new_process(store)
    cold_s, model = timed(lambda: MentionModel.from_store(store))
    first_s, _ = timed(lambda: overview_rerun(model, Filters()))
    held = model_megabytes(model)
    rows.append(
        (
            "cold start: store → model → first Overview, in a new process (as a server starts)",
            f"{fresh_s:.2f} s",
            f"reference: one pass over the model's {held:,.0f} MB at ~10 GB/s ≈ {held / 10:.0f} ms",
            "–",
        )
    )
    rows.append(
        (
            "the same in this process, after the ingest (its memory already used once)",
            f"{cold_s + first_s:.2f} s",
            "–",
            "–",
        )
    )

    sequence = filter_sequence(model)
    ours = []
    for f in sequence:
        model.finder.clear()  # the text search costs once per query; count it each time here
        seconds, _ = timed(lambda f=f: overview_rerun(model, f), repeat=3)
        ours.append(seconds)
    pickled = pickle.dumps(naive_frame(store), protocol=pickle.HIGHEST_PROTOCOL) if naive else b""
    naive_times = [timed(lambda f=f: naive_rerun(pickled, f))[0] for f in (sequence[:3] if naive else [])] or [NAN]
    pickled = b""
    rows += rerun_rows("Overview", ours, naive_times)
    dash = []
    model.tag_indexes.clear()  # the first Dashboard rerun builds the recoded tag index, once per model
    for f in sequence:
        model.finder.clear()
        seconds, _ = timed(lambda f=f: dashboard_rerun(model, f), repeat=3)
        dash.append(seconds)
    pickled = pickle.dumps(naive_frame(store), protocol=pickle.HIGHEST_PROTOCOL) if naive else b""
    naive_dash = [timed(lambda f=f: naive_dashboard(pickled, f))[0] for f in (sequence[:3] if naive else [])] or [NAN]
    pickled = b""
    rows += rerun_rows("Dashboard", dash, naive_dash)
    rows += search_rows(model)
    # Top terms and phrases of a filter: sums over the document-term matrix, against tokenising on the fly.
    model.finder.clear()
    masks = [model.mask(f, TZ) for f in text_filters(model)]
    term_times = [timed(lambda m=m: model.text.top_terms(m, top=30), repeat=5)[0] for m in masks]
    phrase_times = [timed(lambda m=m: model.text.phrases_of(m, top=30), repeat=5)[0] for m in masks]
    naive_terms = [timed(lambda m=m: naive_top_terms(model, m))[0] for m in (masks[1:3] if naive else [])] or [NAN]
    terms_ms, naive_terms_s = statistics.median(term_times) * 1e3, statistics.median(naive_terms)
    rows.append(
        (
            "top terms of a filter (median of 6 filters)",
            f"{terms_ms:.0f} ms (slowest {max(term_times) * 1e3:.0f} ms)",
            f"{naive_terms_s:,.1f} s (tokenising the filtered mentions on the fly)",
            f"{naive_terms_s * 1e3 / terms_ms:,.0f}×",
        )
    )
    rows.append(
        (
            "top phrases (PMI) of a filter (median of 6 filters)",
            f"{statistics.median(phrase_times) * 1e3:.0f} ms (slowest {max(phrase_times) * 1e3:.0f} ms)",
            "–",
            "–",
        )
    )
    if naive:  # the pull writes 10k mentions into the store: not into a reused one measured without baselines
        # An incremental pull: 10k new mentions through the fake Qualtrics on 127.0.0.1 (export, poll, download,
        # parse, upsert) into this store, against the naive way: importing everything again.
        fake = FakeQualtrics()
        token = fake.add_token()
        fake.add_rows("IDP_bench", generate(10_000, seed=99).to_dict("records"))
        with FakeServer(fake) as server:
            client = QualtricsClient(server.url, Credentials(api_token=token))
            # The log says a full pull happened before, so this one asks only for what is new.
            store.ingest([], kind="pull", source="bench", dataset_id="IDP_bench", continuation_token="ct-0")
            pull_s, outcome = timed(lambda: pull(store, client, "IDP_bench"))
        again = (
            f"{ingest_s * (n + 10_000) / n:.0f} s (import everything again, from the ingest figure)"
            if ingest_s
            else "–"
        )
        rows.append(
            (
                f"incremental pull of {outcome.ingest.result.rows_new:,} new mentions into the {n:,}-mention store",
                f"{pull_s:.1f} s",
                again,
                f"{ingest_s * (n + 10_000) / n / pull_s:.0f}×" if ingest_s else "–",
            )
        )
    peak = server_peak_mb(store)
    rows.append(
        (
            "peak memory of a server process (Streamlit + model + reruns)",
            f"{peak:,.0f} MB",
            f"reference: the model's arrays, {held:,.0f} MB",
            "–",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000], help="numbers of mentions")
    parser.add_argument("--naive-sample", type=int, default=500, help="rows for the row-by-row ingest baseline")
    parser.add_argument("--workdir", type=Path, default=None, help="where stores are written (default: a temp dir)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baselines of a reused store")
    parser.add_argument("--mix", choices=MIXES, nargs="+", default=list(MIXES), help="text mixes (default: both)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            for mix in args.mix:
                print(f"\n## {n:,} mentions, {mix} texts", flush=True)
                rows = run(n, workdir, args.naive_sample, mix, naive=not args.no_naive)
                width = max(len(r[0]) for r in rows)
                print(f"| {'what':<{width}} | ours ({mix}) | naive baseline | ratio |")
                print(f"|{'-' * (width + 2)}|------|----------------|-------|")
                for what, ours, naive, ratio in rows:
                    print(f"| {what:<{width}} | {ours} | {naive} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
