"""The streaming export (lib/export/stream.py and the writer): the same file as the export made from the in-memory
model before it, CSV lines quoted as ``csv.writer`` quotes them, memory that stays flat as the mentions grow, and
the command's bad inputs (an unwritable path, a full disk, an interruption, hostile filter values)."""

from __future__ import annotations

import csv
import io
import resource
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from bench.import_memory import measure_command
from bench.stream import replicate
from lib.export.csv_writer import RAW_TAGS, _lines, csv_bytes, export_columns, neutralise
from lib.export.stream import EXPORT_MEMORY_MB
from lib.mentions.schema import TIMESTAMP_FIELDS
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope
from lib.queries.tags import TagRecode, recode_tags, tag_index, tag_names
from lib.store.local import Store
from lib.text.boolean_query import evaluate, parse, scan
from lib.text.topics import Topic, TopicSet, topic_mask
from tests.cli_kit import run_cli, terminal_ctrl_c

ROOT = Path(__file__).resolve().parent.parent
TOPICS = TopicSet((Topic("Delays", 'delay* OR "late flight"'), Topic("Service"), Topic("Food", "meal*", "Service")))
RECODE = TagRecode(rename={"Pricing": "Money", "Summer Sale": "Money"}, exclude=("Competitor",))


def model_path_export(store: Store, q: ModelQueries, scope: Scope, topics: TopicSet, recode: TagRecode) -> bytes:
    """The export as it was made before it streamed: the model picks the keys, the rows are read by key, and
    every cell is made in Python, row by row (the reference the streamed file must equal byte for byte)."""
    header = export_columns(None, scope.tz)
    fields = [c for c in header if not c.endswith(f"({scope.tz})") and c != RAW_TAGS]
    keys = q.keys(scope, q.count(scope))
    frame = store.query("SELECT * FROM mentions").set_index("uniqueId", drop=False).loc[keys]
    names = tag_names(q.raw_tags(), recode)
    columns = []
    for name in fields:
        values = frame[name]
        if name in TIMESTAMP_FIELDS:
            utc = pd.to_datetime(values).dt.tz_localize("UTC")
            columns.append([v.strftime("%Y-%m-%dT%H:%M:%SZ") if not pd.isna(v) else "" for v in utc])
            columns.append(
                [v.strftime("%Y-%m-%d %H:%M:%S") if not pd.isna(v) else "" for v in utc.dt.tz_convert(scope.tz)]
            )
        elif name == "tags":
            columns.append([neutralise(",".join(recode_tags(t, names))) if t is not None else "" for t in values])
            columns.append([neutralise(v) if isinstance(v, str) else "" for v in frame["tagsRaw"]])
        else:
            columns.append(["" if v is None or v is pd.NA else neutralise(str(v)) for v in values])
    text = pa.array(frame["messageContent"].tolist(), pa.string())

    def search(query: str) -> np.ndarray:
        return evaluate(parse(query), lambda node: scan(text, node))

    for topic in topics.topics:
        columns.append(np.where(topic_mask(topics, topic.name, search, len(text)), "1", "0").tolist())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header + [f"topic: {t.name}" for t in topics.topics])
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue().encode()


@pytest.mark.parametrize(
    "scope",
    [
        Scope(tz="America/New_York"),
        Scope(Filters(sentiments=("negative",), tags=("Money",), start=date(2026, 2, 1)), tz="Asia/Kolkata"),
        Scope(Filters(text_topics=("Service", "Delays"))).narrowed("sourceService", ("twitter", "facebook")),
    ],
    ids=["all", "filters", "topics"],
)
def test_the_streamed_export_is_byte_for_byte_the_model_paths(demo_data_dir, demo_model, scope):
    store = Store(demo_data_dir / "demo.duckdb")
    q = ModelQueries(demo_model, tag_index(demo_model, RECODE), TOPICS)
    expected = model_path_export(store, q, scope, TOPICS, RECODE)
    data, manifest = csv_bytes(store, scope, topics=TOPICS, recode=RECODE)
    assert manifest.rows == manifest.rows_matching == q.count(scope) > 0
    assert manifest.store_version == q.version
    assert data == expected


def test_the_row_cap_keeps_the_newest(demo_data_dir, demo_model):
    store = Store(demo_data_dir / "demo.duckdb")
    scope = Scope(Filters(sentiments=("positive",)))
    capped, manifest = csv_bytes(store, scope, row_cap=777, columns=["uniqueId"])
    keys = [row[0] for row in csv.reader(io.StringIO(capped.decode(), newline=""))][1:]
    assert keys == ModelQueries(demo_model).keys(scope, 777) and manifest.notes


@pytest.mark.parametrize("width", [1, 3])
def test_csv_lines_are_quoted_as_csv_writer_quotes(width):
    cells = ["", "plain", "a,b", 'say "hi"', "two\nlines", "cr\ronly", "crlf\r\n", " spaced ", "Ünï ✈️", '"', ",", "'=1"]
    columns = [pa.array(np.roll(cells, shift).tolist(), pa.string()) for shift in range(width)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(zip(*[c.to_pylist() for c in columns], strict=True))
    assert _lines(columns) == out.getvalue()


@pytest.mark.timeout(900)  # two stores made and exported, on a machine that may be busy
@pytest.mark.slow
def test_export_peak_memory_stays_flat_as_the_mentions_grow(demo_data_dir, tmp_path):
    """Each export in a process of its own (its VmHWM); four times the mentions, about the same peak.

    DuckDB keeps blocks of the store it has read up to its limit (EXPORT_MEMORY_MB), so a small store's export
    peaks lower (60,000 mentions: 335 MB here, 240,000: 411 MB); from some 250,000 mentions on the cache is full
    and the peak stays put (960,000: 440 MB). Those two sizes are measured: an export that held the rows would add
    hundreds of bytes for each of the 720,000 more mentions."""
    peaks = {}
    for copies in (12, 48):
        store = Store(tmp_path / f"s{copies}" / "store.duckdb")
        store.path.parent.mkdir()
        shutil.copy(demo_data_dir / "demo.duckdb", store.path)
        rows = 20_000 * copies  # the demo data holds 20,000 mentions, whatever their content
        replicate(store, rows)
        result = measure_command(["export", "--store", str(store.path), "--out", str(tmp_path / f"{copies}.csv")])
        assert result["summary"].startswith(f"Wrote {rows:,} mentions"), result
        peaks[rows] = result["maxrss_mb"]
        (tmp_path / f"{copies}.csv").unlink()
    small, large = peaks.values()
    assert large - small <= 60, peaks
    assert large <= 500, peaks  # the export's target at any size (455 MB here alone, 497 MB beside another run)


@pytest.fixture
def small_store(demo_data_dir, tmp_path) -> Store:
    store = Store(tmp_path / "data" / "store.duckdb")
    store.path.parent.mkdir()
    shutil.copy(demo_data_dir / "demo.duckdb", store.path)
    return store


def export(store: Store, out: Path, *options: str, limit_bytes: int | None = None, **popen) -> subprocess.Popen:
    def cap() -> None:
        terminal_ctrl_c()
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.Popen(
        [sys.executable, "-m", "lib", "export", "--store", str(store.path), "--out", str(out), *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=cap,
        **popen,
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


def test_an_unwritable_path_and_a_full_disk_leave_no_file_and_say_so(small_store, tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "x.csv"
    done = run_cli("export", "--store", str(small_store.path), "--out", str(missing))
    assert done.returncode == 1 and "Traceback" not in done.stderr and "No such file" in done.stderr, done.stderr
    out = tmp_path / "full.csv"  # the file size limit is the process's own: this export runs in a process of its own
    out.write_bytes(b"an earlier export\r\n")
    proc = export(small_store, out, limit_bytes=200_000)  # the file may not grow past 200 kB: a full disk
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in err and "ile too large" in err, err
    assert out.read_bytes() == b"an earlier export\r\n" and not leftovers(tmp_path)
    assert not out.with_name("full.csv.manifest.json").exists()


def test_an_interrupted_export_leaves_no_file(demo_data_dir, tmp_path):
    # Eight times the demo: the export of the demo alone now ends before a signal sent as it begins lands.
    from bench.replicate import replicate

    bigger = Store(tmp_path / "data" / "bigger.duckdb")
    bigger.path.parent.mkdir()
    replicate(demo_data_dir / "demo.duckdb", 8, bigger.path, memory_mb=512)
    out = tmp_path / "x.csv"
    proc = export(bigger, out)
    deadline = time.monotonic() + 120
    while not leftovers(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # the export has begun once its partial file is there
    assert proc.poll() is None, "the export ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "no file was written" in err and "Traceback" not in err, err
    assert not out.exists() and not leftovers(tmp_path)


@pytest.mark.parametrize(
    "options,message",
    [
        (["--filter", "author=x'); DROP TABLE mentions; --"], "Wrote 0 mentions"),
        (["--filter", 'q="delay OR ((', "--filter", "lang=de"], "cannot be read"),
        (["--filter", "from=2026-13-45", "--filter", "sent=negative\\'"], "left out from="),
        (["--link", "http://x/Mentions?q=%2A%2A%29%5B%5C&tz=Europe%2FBerlin"], "cannot be read"),
        (["--tz", "Mars/Olympus"], "unknown timezone"),
        (["--columns", "uniqueId,'; DROP TABLE x"], "Unknown columns"),
    ],
)
def test_hostile_filter_values_are_values(small_store, tmp_path, options, message):
    before = small_store.count()
    out = tmp_path / "h.csv"
    done = run_cli("export", "--store", str(small_store.path), "--out", str(out), *options)
    assert "Traceback" not in done.stderr and message in done.stdout + done.stderr, done
    assert small_store.count() == before and not leftovers(tmp_path)
    assert out.exists() == (done.returncode == 0)


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_time_cells_are_strftimes_cells(tz):
    """The fast way of writing the time cells (a cast, pandas' zone conversion) gives ``strftime``'s cells: across
    daylight-saving changes, a missing time, fractions of a second, years of other than four digits and beyond the
    zone files' last listed change (2037)."""
    from datetime import datetime

    from lib.export.csv_writer import _time_pair, _times

    common = [
        datetime(2026, 3, 8, 6, 59, 59, 999_999),
        datetime(2026, 3, 8, 7, 0, 0),
        datetime(2026, 11, 1, 5, 30, 0, 1),
        None,
        datetime(1970, 1, 1),
        datetime(1900, 1, 1, 0, 0, 1),
        datetime(2036, 12, 31, 23, 59, 59),
    ]
    for values in (common, [*common, datetime(999, 12, 31, 23, 0)], [*common, datetime(2100, 6, 30, 23, 59, 59)]):
        array = pa.array(values, pa.timestamp("us"))
        utc, local = _time_pair(array, tz)
        assert utc.to_pylist() == _times(array, "UTC", "%Y-%m-%dT%H:%M:%SZ").to_pylist()
        assert local.to_pylist() == _times(array, tz, "%Y-%m-%d %H:%M:%S").to_pylist()
    empty = pa.array([None, None], pa.timestamp("us"))
    assert [c.to_pylist() for c in _time_pair(empty, tz)] == [["", ""], ["", ""]]


def test_the_exports_raw_tag_counts_are_the_engines(demo_data_dir):
    """The export counts raw tags in its own lighter query (the engine's ran out of the export's memory at 1M
    realistic mentions): the same values, counts and order."""
    from lib.export.stream import _raw_tags, _StoreEngine

    with Store(demo_data_dir / "demo.duckdb").bulk_reader(EXPORT_MEMORY_MB) as read:
        ours = _raw_tags(read.con)
        engines = _StoreEngine(read.con, read.version).queries(TagRecode(), TopicSet()).raw_tags()
    assert len(ours) > 5
    pd.testing.assert_frame_equal(ours, engines)


@pytest.mark.slow
@pytest.mark.parametrize("where,memory_mb", [("store", 16), ("snapshot", 40)])
def test_counting_copies_once_exports_within_a_memory_a_join_of_every_copy_does_not_fit(
    demo_data_dir, tmp_path, monkeypatch, where, memory_mb
):
    # 100,000 mentions (the demo five times), most of them later copies, in 16 MB (a snapshot's Parquet row
    # groups need some 32 MB to be read at all): the export joined every later copy's key to the rows in one
    # hash table, which did not fit (nor at 1M mentions in the app's 96 MB).
    from bench.replicate import replicate
    from lib.export import stream
    from lib.mentions.schema import FIELD_NAMES
    from lib.queries.model import MentionModel
    from lib.store.snapshot import SnapshotStore, publish

    store = Store(tmp_path / "data" / "big.duckdb")
    store.path.parent.mkdir()
    replicate(demo_data_dir / "demo.duckdb", 5, store.path, memory_mb=512)
    source = store
    if where == "snapshot":
        publish(store, tmp_path / "shared")
        source = SnapshotStore(tmp_path / "shared")
    monkeypatch.setattr(stream, "COPY_KEYS_PER_JOIN", 20_000)  # the keys in five shares of 20,000
    once = Scope(Filters(copies_once=True, sentiments=("negative", "neutral")), tz="Europe/Berlin")
    expected = ModelQueries(MentionModel.from_store(store)).keys(once, 100_000)
    assert 0 < len(expected) < store.count() // 5  # most mentions are later copies
    with stream.select(source, once, list(FIELD_NAMES), memory_mb=memory_mb) as chosen:
        keys = [k for batch in chosen.batches() for k in batch.column("uniqueId").to_pylist()]
        assert chosen.matching == chosen.rows == len(expected)
    assert keys == expected  # the first copies, in the Mentions page's order
