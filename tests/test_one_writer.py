"""One writer, many readers: a CLI write while the app is open shows up on the next rerun, without a restart."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.mentions.normalize import normalize
from lib.store.local import Store

ROOT = Path(__file__).resolve().parent.parent


def rows(prefix: str, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"uniqueId": [f"{prefix}_{i}" for i in range(n)], "messageContent": "hello", "datePublished": "1700000000"}
    )


def matched(at: AppTest) -> str:
    return next(m.value for m in at.sidebar.markdown if "mentions match" in m.value)


def test_a_cli_import_while_the_app_is_open_appears_on_the_next_rerun(app_env, tmp_path, monkeypatch):
    st.cache_resource.clear()
    store = Store(tmp_path / "mentions.duckdb")
    store.ingest([normalize(rows("a", 30))[0]], kind="import", source="first")
    monkeypatch.setenv("SCE_STORE", str(store.path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert matched(at) == "**30** of 30 mentions match"

    extra = tmp_path / "more.csv"
    rows("b", 20).assign(tags="").to_csv(extra, index=False)
    rows("a", 5).to_csv(tmp_path / "again.csv", index=False)  # re-sent mentions: upserted, not duplicated
    for path in (extra, tmp_path / "again.csv"):
        done = subprocess.run(
            [sys.executable, "-m", "lib", "import", str(path), "--store", str(store.path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    at.run()
    assert not at.exception
    assert matched(at) == "**50** of 50 mentions match"


def test_a_write_waits_for_a_reader_of_this_process_at_every_attach(tmp_path):
    """An app session that opens the store as a write begins holds the file a moment: DuckDB refuses a second
    handle on it ("Unique file handle conflict"), and every step of the write that attaches the store waits
    for the reader instead of failing the import (under load in CI, the clusters' step did)."""
    store = Store(tmp_path / "mentions.duckdb")
    store.ingest([normalize(rows("a", 30))[0]], kind="import", source="first")

    def held(seconds: float) -> threading.Thread:
        reader = duckdb.connect(str(store.path), read_only=True)
        release = threading.Thread(target=lambda: (time.sleep(seconds), reader.close()))
        release.start()
        return release

    release = held(0.5)
    assert store.fill_clusters() == 0  # attached once the reader let go, instead of raising
    release.join()
    release = held(0.5)
    result = store.ingest([normalize(rows("b", 20))[0]], kind="import", source="second")
    release.join()
    assert result.rows_new == 20 and store.count() == 50
