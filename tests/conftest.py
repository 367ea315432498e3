import os
import sys
from pathlib import Path

import pyarrow.compute as pc
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.queries.model import MentionModel  # noqa: E402
from lib.sources.ingest import ensure_demo_store  # noqa: E402
from lib.store.local import Store  # noqa: E402
from tests.fake_qualtrics import FakeQualtrics, FakeServer  # noqa: E402


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """A data folder whose demo store was built once for the whole test run."""
    folder = tmp_path_factory.mktemp("data")
    ensure_demo_store(Store(folder / "demo.duckdb"))
    return folder


@pytest.fixture(scope="session")
def demo_model(demo_data_dir) -> MentionModel:
    return MentionModel.from_store(Store(demo_data_dir / "demo.duckdb"))


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


@pytest.fixture
def fake():
    """A fake Qualtrics on 127.0.0.1 with one valid API token (``fake.url``, ``fake.token``)."""
    state = FakeQualtrics()
    with FakeServer(state) as server:
        state.url = server.url
        state.token = state.add_token()
        yield state
