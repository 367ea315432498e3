import os
from pathlib import Path

import pytest

from lib.queries.model import MentionModel
from lib.sources.ingest import ensure_demo_store
from lib.store.local import Store
from tests.fake_qualtrics import FakeQualtrics, FakeServer

pytest_plugins = ["tests.text_corpus"]  # the text tests' corpus, store and model fixtures


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """A data folder whose demo store was built once for the whole test run."""
    folder = tmp_path_factory.mktemp("data")
    ensure_demo_store(Store(folder / "demo.duckdb"))
    return folder


@pytest.fixture(scope="session")
def demo_model(demo_data_dir) -> MentionModel:
    return MentionModel.from_store(Store(demo_data_dir / "demo.duckdb"))


@pytest.fixture
def app_env(demo_data_dir, monkeypatch):
    """Point the app at the prepared demo data, and at an empty store of its own."""
    monkeypatch.setenv("SCE_DATA_DIR", str(demo_data_dir))
    monkeypatch.setenv("SCE_STORE", str(demo_data_dir / f"empty-{os.getpid()}.duckdb"))
    return demo_data_dir


@pytest.fixture
def fake():
    """A fake Qualtrics on 127.0.0.1 with one valid API token (``fake.url``, ``fake.token``)."""
    state = FakeQualtrics()
    with FakeServer(state) as server:
        state.url = server.url
        state.token = state.add_token()
        yield state
