import fcntl
import functools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.compute as pc
import pytest
from streamlit import config as st_config
from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import app_test, local_script_runner

from lib.queries.model import MentionModel
from lib.sources.ingest import ensure_demo_store
from lib.store.local import Store
from lib.store.snapshot import publish
from tests.fake_qualtrics import FakeQualtrics, FakeServer

pytest_plugins = [
    "tests.text_corpus",  # the text tests' corpus, store and model fixtures
    "tests.browser_kit",  # browser and demo_server, for the browser tests
]


# Every AppTest scans the installed packages' metadata for Streamlit components (about 400 packages here: over
# half of what a page run costs). The packages do not change during a test run, so each process scans once; the
# app uses no such components.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


class SharedScriptCache(ScriptCache):
    """Every AppTest compiles its page scripts afresh (a ScriptCache of its own: the AST walk of Streamlit's
    "magic" and the compile, about a tenth of a page run's CPU). A server compiles each once for all its sessions;
    so does this, keyed by the file's path, modification time and size (a script written anew is compiled)."""

    compiled: ClassVar[dict[tuple, Any]] = {}

    def get_bytecode(self, script_path: str) -> Any:
        path = os.path.abspath(script_path)
        stat = os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size, st_config.get_option("runner.magicEnabled"))
        if key not in self.compiled:
            self.compiled[key] = ScriptCache().get_bytecode(path)
        return self.compiled[key]


app_test.ScriptCache = SharedScriptCache  # type: ignore[misc]
local_script_runner.ScriptCache = SharedScriptCache  # type: ignore[misc]


ROOT = Path(__file__).resolve().parent.parent
# The texts are analysed in this one process, not in enrichment workers (which would each start an interpreter and
# load nltk and the lexicons, ~1.5 s of CPU in all): the store is the same (tests/test_enrich.py).
BUILD_DEMO = (
    "import sys; import lib.store.staging; lib.store.staging.ENRICH_MIN_TEXTS = 10**12; "
    "from lib.sources.ingest import ensure_demo_store; from lib.store.local import Store; "
    "ensure_demo_store(Store(sys.argv[1]))"
)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """With xdist, the controller starts building the demo store at once, in a process of its own that holds the
    store's lock (``demo_data_dir``), while the workers start and collect: they wait for it only for what is left
    (it took ~7 s, every worker waiting, from the first test that needed it). Should it fail, the first worker to
    take the lock builds the store itself."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not getattr(config.option, "numprocesses", None):
        return
    root = config._tmp_path_factory.getbasetemp()  # the run's folder: each worker's is inside it
    (root / "demo-data").mkdir(exist_ok=True)
    with open(root / "demo-data.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held by the builder (it shares this open file) until it exits
        config.demo_builder = subprocess.Popen(
            [sys.executable, "-c", BUILD_DEMO, str(root / "demo-data" / "demo.duckdb")],
            cwd=ROOT,
            pass_fds=(lock.fileno(),),
            stdout=subprocess.DEVNULL,
        )


def pytest_unconfigure(config):
    builder = getattr(config, "demo_builder", None)
    if builder is not None:
        builder.wait()


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """A data folder whose demo store was built once for the whole test run: by the first xdist worker to get
    here, under a lock, in the folder the workers share; the others wait and use it. Tests read it only (a
    test that writes gets a folder of its own: ``own_data_dir``)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    folder = root / "demo-data"
    folder.mkdir(exist_ok=True)
    with open(root / "demo-data.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ensure_demo_store(Store(folder / "demo.duckdb"))
    return folder


@pytest.fixture(scope="session")
def demo_model(demo_data_dir) -> MentionModel:
    return MentionModel.from_store(Store(demo_data_dir / "demo.duckdb"))


@pytest.fixture(scope="session")
def demo_snapshot(demo_data_dir, tmp_path_factory) -> Path:
    """The demo store published once per worker as a shared snapshot (what app replicas and the engines read).
    Read it only; a test that writes beside a snapshot publishes one of its own."""
    folder = tmp_path_factory.mktemp("demo-snapshot")
    publish(Store(demo_data_dir / "demo.duckdb"), folder)
    return folder


@pytest.fixture(scope="session")
def demo_texts(demo_data_dir, demo_model):
    """Every demo text in ``demo_model``'s order, as the earlier model held them: the reference of text search."""
    earlier = MentionModel.from_store(Store(demo_data_dir / "demo.duckdb"), texts_in_memory=True)
    return earlier.texts.content.take(pc.index_in(demo_model.keys, value_set=earlier.keys))


@pytest.fixture
def app_env(demo_data_dir, monkeypatch):
    """Point the app at the prepared demo data, and at an empty store of its own."""
    monkeypatch.setenv("SCE_DATA_DIR", str(demo_data_dir))
    monkeypatch.setenv("SCE_STORE", str(demo_data_dir / f"empty-{os.getpid()}.duckdb"))
    return demo_data_dir


def fresh_app(*kept) -> None:
    """Start the next AppTest as a new server process would, but for the models already loaded: every
    ``st.cache_data`` and ``st.cache_resource`` cleared except the demo store and the models (ui/data.py). A
    model is keyed by its store's path and version, so a test with a store of its own gets a model of its own,
    and a store that changed gets a new one; a model answers every session alike, as on a server. Loading the
    demo model once per worker instead of once per test is most of what makes the page tests quick.
    ``kept``: the ``st.cache_resource`` functions to keep instead (ui/data.py's), e.g. an engine replica's."""
    import streamlit as st
    from streamlit.runtime.caching.cache_resource_api import _resource_caches

    from ui import data

    st.cache_data.clear()
    keep = {function._function_key for function in (kept or (data._model, data._demo_store))}
    for key, cache in list(_resource_caches._function_caches.get(None, {}).items()):
        if key not in keep:
            cache.clear()


def own_data_dir(demo_data_dir: Path, tmp_path: Path, monkeypatch) -> Path:
    """A data folder of the test's own that shows the prepared demo store (linked, not copied) and no store of
    the user's yet; the app's caches cleared, so a page test starts as a fresh server would."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    data = tmp_path / "data"
    data.mkdir()
    (data / "demo.duckdb").symlink_to(demo_data_dir / "demo.duckdb")
    (data / "demo.duckdb.version").symlink_to(demo_data_dir / "demo.duckdb.version")
    monkeypatch.setenv("SCE_DATA_DIR", str(data))
    monkeypatch.delenv("SCE_STORE", raising=False)
    return data


def configured_data_dir(fake, demo_data_dir: Path, tmp_path: Path, monkeypatch) -> Path:
    """``own_data_dir``, with the app configured for the fake Qualtrics (its token in the environment, as an
    operator would set it) and its dataset IDP_social."""
    data = own_data_dir(demo_data_dir, tmp_path, monkeypatch)
    monkeypatch.setenv("QUALTRICS_BASE_URL", fake.url)
    monkeypatch.setenv("QUALTRICS_API_TOKEN", fake.token)
    monkeypatch.setenv("QUALTRICS_DATASET_ID", "IDP_social")
    return data


@pytest.fixture
def fake():
    """A fake Qualtrics on 127.0.0.1 with one valid API token (``fake.url``, ``fake.token``)."""
    state = FakeQualtrics()
    with FakeServer(state) as server:
        state.url = server.url
        state.token = state.add_token()
        yield state


# Scale, fault, subprocess and concurrency runs (memory peaks, whole scripts, kills, races, the bad-file corpus
# through a page): in `make test` (and CI), left out of `make test-fast`, the loop while coding.
SLOW = (
    "test_import_memory.py::",
    "test_export_stream.py::test_export_peak_memory_stays_flat",
    "test_bench_script.py::",
    "test_bench_beyond.py::",
    "test_load_script.py::",
    "test_bad_inputs.py::test_the_corpus_through_the_data_page",
    "test_pull.py::test_killing_a_pull",
    "test_one_writer.py::test_a_cli_import",
    # The whole demo imported again in three parts and compared with the one-shot import: the ingest path at
    # full size (issue 20's clusters); the smaller tests of test_near_duplicates.py stay in the quick loop.
    "test_near_duplicates.py::test_an_import_in_parts_keeps_the_clusters_of_a_one_shot_run",
    # Kills, interrupts, full disks, read-only folders and retries with more memory: the fault runs.
    "test_store_faults.py::",
    "test_export_stream.py::test_an_interrupted_export_leaves_no_file",
    "test_export_stream.py::test_an_unwritable_path_and_a_full_disk",
    "test_bad_inputs.py::test_a_bad_file_through_the_cli[gzip-bomb",
    "test_near_duplicates.py::test_clusters_that_do_not_fit_the_first_memory_limit",
    "test_near_duplicates.py::test_a_failed_write_leaves_mentions_and_clusters",
    # Whole commands and scripts in processes of their own, the whole demo made again, the notebook.
    "test_one_writer.py::",
    "test_pull.py::test_cli_pull",
    "test_alerts.py::test_the_cli_pull_evaluates_alerts",
    "test_notebook.py::",
    "test_demo.py::test_shipped_demo_file_is_what_the_generator_makes",
    "test_credentials_host.py::test_test_connection_and_pull_to_another_host",
    "test_uploads.py::test_the_proxy_rule_bounds_uploads",
    # Stores rewritten whole (migrations, backfills, replication) and long or many texts.
    "test_replicate.py::",
    "test_bench_stream.py::",
    "test_near_duplicates.py::test_an_older_store_gets_its_clusters_by_a_resumable_backfill",
    "test_near_duplicates.py::test_a_store_with_an_older_rules_clusters",
    "test_engine_sql.py::test_a_snapshot_of_long_texts",
    "test_snapshot.py::test_long_texts_are_published",
    "test_enrich.py::test_large_batches",
    "test_sentiment.py::test_the_shipped_demo_and_realistic_texts_score",
    "test_export_stream.py::test_the_streamed_export_is_byte_for_byte_the_model_paths[all]",
    # Concurrency and timing: writes, pulls and snapshot loads racing readers, threads hammering the model, the
    # password gate's deliberate slowdown.
    "test_engine_sql.py::test_a_new_version_answers_from_its_parquet_files_while_it_loads",
    "test_engine_sql.py::test_each_snapshot_version_is_loaded_once",
    "test_backends.py::test_a_damaged_new_snapshot_keeps",
    "test_backends.py::test_a_new_snapshot_is_seen_without_reconnecting",
    "test_data_page.py::test_a_second_pull_while_one_runs_is_refused",
    "test_store.py::test_a_read_during_a_write_in_the_same_process_waits",
    "test_thread_safety.py::",
    "test_gate.py::test_wrong_passwords_in_one_session_slow_down",
    "test_uploads.py::test_an_upload_needs_the_password_first",
)


# The DuckDB engine's runs (the replica path of issue 19): each backend test once on the engine, and the pages and
# SQL of the engine. The quick loop keeps their in-memory model runs, the reference every engine is held to.
ENGINE = ("test_engine_pages.py::", "test_engine_sql.py::")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(part in item.nodeid for part in SLOW):
            item.add_marker(pytest.mark.slow)
        callspec = getattr(item, "callspec", None)
        on_engine = "test_backends.py::" in item.nodeid and callspec is not None and "duckdb" in callspec.id.split("-")
        if on_engine or any(part in item.nodeid for part in ENGINE):
            item.add_marker(pytest.mark.engine)


@pytest.fixture
def hook():
    """A local webhook receiver on 127.0.0.1 (tests/alert_receivers.py), stopped after the test."""
    from tests.alert_receivers import Webhook

    receiver = Webhook()
    yield receiver
    receiver.stop()
