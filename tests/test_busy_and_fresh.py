"""Pages while a write holds the store (the last good version, with a note, never a traceback), and the Data
page right after an import (its status, the sidebar and the log show the store as it is now)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import lib.store.local
from lib.sources.ingest import import_file
from lib.store.local import Store
from tests.badfiles import csv_file
from tests.conftest import fresh_app

ROOT = Path(__file__).resolve().parent.parent


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if name != "app.py":
        at.switch_page(name)
    return at


def notes(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "is saving its mentions right now" in c.value]


@pytest.fixture
def env(app_env, tmp_path, monkeypatch):
    fresh_app()
    store = Store(tmp_path / "mentions.duckdb")
    monkeypatch.setenv("SCE_STORE", str(store.path))
    return store


@pytest.fixture
def held(env, monkeypatch):
    """A writer that holds the store open (as a pull's final copy does) until released."""
    monkeypatch.setattr(lib.store.local, "READ_RETRY_SECONDS", 0.3)
    release, holding = threading.Event(), threading.Event()

    def hold() -> None:
        with env._writer():
            holding.set()
            release.wait(120)

    def start() -> None:
        thread = threading.Thread(target=hold, daemon=True)
        thread.start()
        holding.wait(30)
        started.append(thread)

    started: list[threading.Thread] = []
    yield start
    release.set()
    for thread in started:
        thread.join(30)


@pytest.mark.parametrize("name", ["pages/4_Mentions.py", "pages/5_Data.py"])
def test_a_page_during_a_write_shows_the_last_good_version_with_a_note(env, held, name):
    import_file(env, csv_file(30), "first.csv")
    at = page(name).run()
    assert not at.exception and not notes(at)
    shown = [d.value for d in at.dataframe]

    held()
    at.run()
    assert not at.exception, at.exception
    assert notes(at)
    assert [len(d.value) for d in at.dataframe] == [len(d) for d in shown]  # the same tables as before the write
    if name.endswith("Data.py"):
        assert any("30 mentions" in m.value for m in at.markdown)


def test_the_data_page_shows_the_store_right_after_an_import(env):
    at = page("pages/5_Data.py").run()
    assert any("empty, so the app shows the demo data" in m.value for m in at.markdown)
    at.file_uploader[0].set_value(("five.csv", csv_file(5), "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Import into your store").click().run()
    assert not at.exception
    status = " ".join(m.value for m in at.markdown).replace("\\", "")  # values are Markdown-escaped
    assert "empty, so the app shows the demo data" not in status
    assert "Store mentions.duckdb · 5 mentions" in status and "· 5 mentions" in status.split("Your store:")[1]
    assert any("5 of 5 mentions match" in m.value.replace("**", "") for m in at.sidebar.markdown)
    assert any("5 rows, 5 stored (5 new, 0 updated), 0 rejected" in s.value for s in at.success)
    log = next(d.value for d in at.dataframe if "rows_new" in d.value.columns)
    assert log.iloc[0]["source"] == "five.csv" and log.iloc[0]["rows_new"] == 5
