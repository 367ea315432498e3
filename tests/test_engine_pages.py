"""A replica configured with SCE_BACKEND=duckdb shows what the in-memory model shows, page by page."""

from __future__ import annotations

import pytest
import streamlit as st

from lib.demo import DEMO_FILE
from lib.ingest import import_file
from lib.snapshot import publish
from lib.store import Store
from tests.test_pages import matched, run

DEEP_LINK = {"sent": "negative", "lang": ["en", "de"], "from": "2026-03-01", "to": "2026-05-31", "tz": "Asia/Kolkata"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """The demo mentions as a real store, published by the writer into a shared folder."""
    folder = tmp_path_factory.mktemp("engine")
    store = Store(folder / "writer.duckdb")
    import_file(store, DEMO_FILE.read_bytes(), DEMO_FILE.name)
    publish(store, folder / "shared")
    return folder / "shared"


def replica(script: str, monkeypatch, shared, backend: str, query: dict | None = None):
    monkeypatch.setenv("SCE_SHARED_DIR", str(shared))
    monkeypatch.setenv("SCE_BACKEND", backend)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = run(script, query)
    assert not at.exception, at.exception
    return at


def shown(at) -> dict:
    """Everything a page says in numbers: the sidebar count, the metrics, the captions."""
    return {
        "matched": matched(at),
        "metrics": [(m.label, m.value, m.delta) for m in at.metric],
        "captions": [c.value for c in at.main.caption if "mentions" in c.value],
    }


@pytest.mark.parametrize("script", ["app.py", "pages/1_Dashboard.py"])
def test_the_engine_shows_the_models_numbers(script, monkeypatch, shared, app_env):
    on_model = shown(replica(script, monkeypatch, shared, "model", DEEP_LINK))
    at = replica(script, monkeypatch, shared, "duckdb", DEEP_LINK)
    assert any("Answered by **DuckDB over the snapshot**" in c.value for c in at.sidebar.caption)
    assert shown(at) == on_model
    assert on_model["metrics"] and "of 20,000 mentions match" in on_model["matched"]
    assert on_model["matched"] != "**20,000** of 20,000 mentions match"  # the deep link's filters apply


def test_the_mentions_list_and_the_other_pages_on_the_engine(monkeypatch, shared, app_env):
    on_model = replica("pages/4_Mentions.py", monkeypatch, shared, "model", DEEP_LINK).dataframe[0].value
    at = replica("pages/4_Mentions.py", monkeypatch, shared, "duckdb", DEEP_LINK)
    listed = at.dataframe[0].value
    assert len(listed) == len(on_model) and set(listed["uniqueId"]) == set(on_model["uniqueId"])
    assert listed["published"].is_monotonic_decreasing  # newest first
    for script in ("pages/2_Tags.py", "pages/3_Text.py", "pages/5_Data.py"):  # these load the model when opened
        at = replica(script, monkeypatch, shared, "duckdb", DEEP_LINK)
        assert matched(at) == matched(replica(script, monkeypatch, shared, "model", DEEP_LINK))


def test_a_wrong_backend_setting_says_what_to_set(monkeypatch, shared, app_env):
    monkeypatch.setenv("SCE_SHARED_DIR", str(shared))
    monkeypatch.setenv("SCE_BACKEND", "oracle")
    st.cache_resource.clear()
    at = run("app.py")
    assert [e.value for e in at.error] == ["SCE_BACKEND='oracle' is not a backend; use one of model, duckdb, spark."]
