"""The small hand-made corpus the text tests share, and its store and model as fixtures."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.mentions.normalize import normalize
from lib.queries.model import MentionModel
from lib.store.local import Store

CORPUS = [
    # uniqueId, language, sentiment, text
    ("1", "en", "negative", "The flight was delayed. Cabin crew were rude!"),
    ("2", "en", "negative", "Delayed again, cabin crew lost my bag #delayed"),
    ("3", "en", "positive", "Great cabin crew and a great flight 😀"),
    ("4", "en", "positive", "Lovely crew, lovely food, on time"),
    ("5", "de", "negative", "Der Flug hatte auch Verspätung und die Crew war unfreundlich"),
    ("6", "de", "positive", "Die Crew war super und auch das Essen"),
    ("7", "en", "neutral", "Flights to Lisbon: see https://ex.com/x and @NorthwindAir"),
    ("8", "en", "negative", "Terrible delays, terrible food, auch"),
]


def corpus_frame(rows=CORPUS):
    raw = pd.DataFrame(rows, columns=["uniqueId", "language", "sentiment", "content"])
    raw["datePublished"] = [f"2026-03-{int(r[0]):02d}T12:00:00Z" for r in rows]
    frame, report = normalize(raw)
    assert not report.rejected
    return frame


@pytest.fixture(scope="session")
def corpus_template(tmp_path_factory) -> Path:
    """The corpus imported once per test process; each test gets a copy of its files (an import is ~0.3 s)."""
    store = Store(tmp_path_factory.mktemp("corpus") / "t.duckdb")
    store.ingest([corpus_frame()], kind="import", source="corpus")
    return store.path


@pytest.fixture
def corpus_store(tmp_path, corpus_template):
    """A store of the corpus of the test's own: it may write to it."""
    for source in corpus_template.parent.glob(corpus_template.name + "*"):
        shutil.copy(source, tmp_path / source.name)
    return Store(tmp_path / corpus_template.name)


@pytest.fixture
def corpus_model(corpus_store):
    return MentionModel.from_store(corpus_store)


def mask_of(model, ids):
    wanted = set(ids)
    return np.array([k in wanted for k in model.keys.to_pylist()])
