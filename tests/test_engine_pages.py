"""A replica configured with SCE_BACKEND=duckdb shows what the in-memory model shows, page by page."""

from __future__ import annotations

import json
import re

import pytest
import streamlit as st

from lib.queries.model import MentionModel
from lib.sources.demo import DEMO_TOPICS
from lib.store.local import Store
from lib.store.snapshot import publish
from lib.text.topics import TopicSet, save_topics
from tests.conftest import fresh_app
from tests.test_pages import matched, run
from ui import data

DEEP_LINK = {
    "sent": "negative",
    "lang": ["en", "de"],
    "from": "2026-03-01",
    "to": "2026-05-31",
    "tz": "Asia/Kolkata",
    "open": ["countries", "crosstab", "authors", "entities"],  # the Dashboard's sections drawn only while open
}


@pytest.fixture(scope="module")
def shared(demo_data_dir, tmp_path_factory):
    """The demo mentions as a real store (the run's demo store, imported once by conftest), published by the
    writer into a shared folder of this module's own, with the demo's text topics beside it."""
    folder = tmp_path_factory.mktemp("engine")
    publish(Store(demo_data_dir / "demo.duckdb"), folder / "shared")
    save_topics(folder / "shared", TopicSet.from_json(DEMO_TOPICS.read_text()))  # beside the snapshot, for all
    return folder / "shared"


def replica(script: str, monkeypatch, shared, backend: str, query: dict | None = None):
    """A new session on a replica of ``backend``. Every cache is cleared but the engine: a server keeps one
    engine (its DuckDB connection and the snapshot it loaded) for every session, and making it again costs about
    a second of CPU per page run. The model is cleared, so an engine replica that loaded one would load it anew."""
    monkeypatch.setenv("SCE_SHARED_DIR", str(shared))
    monkeypatch.setenv("SCE_BACKEND", backend)
    fresh_app(data._engine)
    with monkeypatch.context() as patch:
        if backend != "model":  # an engine replica must never load the dataset into its process
            patch.setattr(MentionModel, "from_store", classmethod(lambda cls, store: pytest.fail("model loaded")))
        at = run(script, query)
    assert not at.exception, at.exception
    return at


def shown(at) -> dict:
    """Everything a page says in numbers: the sidebar count, the metrics, the captions and markdown that count
    mentions, and the rows of its tables (as sets: mentions at the same second may come in another order)."""
    return {
        "matched": matched(at),
        "metrics": [(m.label, m.value, m.delta) for m in at.metric],
        "captions": [c.value for c in at.main.caption if "mentions" in c.value or "lines" in c.value],
        "markdown": [m.value for m in at.main.markdown if "mentions" in m.value],
        "tables": [sorted(map(str, d.value.itertuples(index=False))) for d in at.main.dataframe],
        "charts": [charted(c) for c in at.get("plotly_chart")],
    }


def charted(element) -> list:
    """What a Plotly chart plots (AppTest has no accessor for it: read the figure the element carries)."""
    figure = json.loads(element.proto.spec)
    return [
        (trace.get("name"), str(trace.get("x")), str(trace.get("y")), str(trace.get("z"))) for trace in figure["data"]
    ]


@pytest.mark.parametrize("script", ["app.py", "pages/1_Dashboard.py"])
def test_the_engine_shows_the_models_numbers(script, monkeypatch, shared, app_env):
    on_model = shown(replica(script, monkeypatch, shared, "model", DEEP_LINK))
    at = replica(script, monkeypatch, shared, "duckdb", DEEP_LINK)
    assert any("Answered by **DuckDB over the snapshot**" in c.value for c in at.sidebar.caption)
    assert shown(at) == on_model
    assert on_model["metrics"] and "of 20,000 mentions match" in on_model["matched"]
    assert on_model["matched"] != "**20,000** of 20,000 mentions match"  # the deep link's filters apply


@pytest.mark.parametrize("script", ["app.py", "pages/1_Dashboard.py", "pages/3_Text.py"])
def test_the_engine_counts_copies_once_as_the_model_does(script, monkeypatch, shared, app_env):
    """The clusters are in the snapshot: *Count copies once* is on, and counts alike, on an engine too."""
    link = {**DEEP_LINK, "once": "1"}
    on_model = shown(replica(script, monkeypatch, shared, "model", link))
    at = replica(script, monkeypatch, shared, "duckdb", link)
    switch = at.sidebar.toggle(key="w_once")
    assert switch.value and not switch.proto.disabled
    assert shown(at) == on_model
    assert shown(replica(script, monkeypatch, shared, "duckdb", DEEP_LINK))["matched"] != on_model["matched"]


SECTIONS = [
    ("pages/2_Tags.py", {}),
    ("pages/3_Text.py", {"section": "terms", "stem": "1"}),
    ("pages/3_Text.py", {"section": "phrases", "min": "3"}),
    ("pages/3_Text.py", {"section": "topics"}),
    ("pages/3_Text.py", {"section": "context", "kw": 'delay* OR "cabin crew"'}),
    ("pages/3_Text.py", {"section": "sentiment"}),
    ("pages/3_Text.py", {"section": "distinctive", "cmp": "rest"}),
    ("pages/3_Text.py", {"section": "distinctive", "cmp": "day"}),
    ("pages/5_Data.py", {}),
]


@pytest.mark.parametrize(
    "script,extra", SECTIONS, ids=[f"{s[6:-3]}-{e.get('section', '')}{e.get('cmp', '')}" for s, e in SECTIONS]
)
def test_the_tags_and_text_pages_on_the_engine(script, extra, monkeypatch, shared, app_env):
    link = {**DEEP_LINK, "lang": "en", **extra}
    on_model = shown(replica(script, monkeypatch, shared, "model", link))
    assert shown(replica(script, monkeypatch, shared, "duckdb", link)) == on_model
    assert on_model["charts"] or on_model["tables"]  # something was shown, and it was the same


def test_the_mentions_list_on_the_engine(monkeypatch, shared, app_env):
    on_model = replica("pages/4_Mentions.py", monkeypatch, shared, "model", DEEP_LINK).dataframe[0].value
    at = replica("pages/4_Mentions.py", monkeypatch, shared, "duckdb", DEEP_LINK)
    listed = at.dataframe[0].value
    assert len(listed) == len(on_model) and set(listed["uniqueId"]) == set(on_model["uniqueId"])
    assert listed["published"].is_monotonic_decreasing  # newest first


def test_a_wrong_backend_setting_says_what_to_set(monkeypatch, shared, app_env):
    monkeypatch.setenv("SCE_SHARED_DIR", str(shared))
    monkeypatch.setenv("SCE_BACKEND", "oracle")
    st.cache_resource.clear()
    at = run("app.py")
    shown = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # as Markdown shows the escaped message
    assert shown == ["SCE_BACKEND='oracle' is not a backend; use one of model, duckdb, spark."]
