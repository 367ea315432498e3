"""The Ibis query interface over the shared snapshot gives the in-memory model's answers, on DuckDB and Spark."""

from __future__ import annotations

import os
import shutil
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.filters import Filters
from lib.ibis_store import IbisStore, spark_session
from lib.snapshot import publish
from lib.store import Store

FILTERS = [
    Filters(),
    Filters(sentiments=("negative",), services=("twitter", "facebook")),
    Filters(start=date(2026, 3, 1), end=date(2026, 3, 31), languages=("de", "fr")),
    Filters(countries=("NA", "US"), tags=("Baggage", "Complaint"), tag_mode="all"),
    Filters(tags=("Pricing",), text='delay* OR "cabin crew" -#travel'),
]


@pytest.fixture(scope="module")
def shared(demo_data_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shared")
    publish(Store(demo_data_dir / "demo.duckdb"), folder)
    return folder


@pytest.fixture(scope="module")
def spark():
    if not shutil.which("java"):
        message = "Spark needs Java 17 (apt-get install openjdk-17-jre-headless)."
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    session = spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request, shared):
    if request.param == "spark":
        return IbisStore(shared, "spark", spark=request.getfixturevalue("spark"))
    return IbisStore(shared, "duckdb")


def expected_counts(model, column, mask):
    frame = model.counts(column, mask)
    frame["value"] = frame["value"].astype(object)
    frame["mentions"] = frame["mentions"].astype("int64")
    return frame.sort_values(["mentions", "value"], ascending=[False, True], ignore_index=True)


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_counts_tags_volume_and_pages_match_the_model(engine, demo_model, filters):
    mask = demo_model.mask(filters, "UTC")
    assert engine.count(filters) == int(mask.sum())
    for column in ("messageSentiment", "sourceService", "locationCountry"):
        got = engine.counts(column, filters)
        pd.testing.assert_frame_equal(got, expected_counts(demo_model, column, mask), check_dtype=False)
    pd.testing.assert_frame_equal(engine.tag_counts(filters), expected_counts(demo_model, "tags", mask))
    volume = demo_model.volume(mask, "day", "messageSentiment", "UTC")
    volume = volume[volume["mentions"] > 0].rename(columns={"bucket": "day"})
    volume = volume.sort_values(["day", "series"], ignore_index=True)
    got = engine.volume(filters)
    pd.testing.assert_frame_equal(got[["day", "series", "mentions"]], volume, check_dtype=False)
    keys = engine.page(filters, limit=50)
    assert set(keys) <= set(np.asarray(demo_model.keys)[mask]) and len(keys) == min(50, int(mask.sum()))
    newest = demo_model.ts[mask].max() if mask.any() else None
    if keys:
        first = np.flatnonzero(np.asarray(demo_model.keys) == keys[0])[0]
        assert demo_model.ts[first] == newest


def test_a_new_snapshot_is_seen_without_reconnecting(shared, demo_data_dir, tmp_path):
    folder = tmp_path / "s"
    shutil.copytree(shared, folder)
    engine = IbisStore(folder, "duckdb")
    before = engine.count(Filters())
    writer = Store(tmp_path / "w.duckdb")
    shutil.copy(demo_data_dir / "demo.duckdb", writer.path)
    from tests.test_text import corpus_frame

    writer.ingest([corpus_frame()], kind="import", source="more")
    publish(writer, folder)
    assert engine.count(Filters()) == before + 8
