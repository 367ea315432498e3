"""One writer, many readers: a CLI write while the app is open shows up on the next rerun, without a restart."""

import subprocess
import sys
from pathlib import Path

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
