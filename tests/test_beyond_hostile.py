"""Hostile texts in the Rising, Campaigns and Suggested topics sections, and hostile values of their URL keys:
no payload reaches Markdown as Markdown, none reaches a chart label as markup, bad settings are left out with
a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.charts.campaigns import campaign_figure, label_of
from lib.sources.ingest import import_file
from tests.conftest import fresh_app
from tests.hostile import LEAK_HOST, PAYLOADS, build
from tests.test_hostile_values import assert_only_text, open_store, run
from tests.test_url_values import notes

SECTIONS = ("rising", "campaigns", "suggest")


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile-beyond") / "hostile.duckdb"
    store = build(path, copies=6)  # 48 mentions, enough to suggest topics
    # And copy-paste campaigns of each payload, long enough to be clustered.
    rows = ["uniqueId,messageContent,datePublished,messageLanguage"]
    for i, payload in enumerate(PAYLOADS):
        text = f"{payload} this exact sentence was copied by many accounts today number {i}"
        rows += [f'copy{i}-{k},"{text.replace(chr(34), chr(34) * 2)}",{1780000000 + k * 3600},en' for k in range(4)]
    import_file(store, "\n".join(rows).encode(), "copies.csv")
    return path


@pytest.fixture
def env(hostile_store, demo_data_dir, monkeypatch):
    open_store(hostile_store, demo_data_dir, monkeypatch)


@pytest.mark.parametrize("section", SECTIONS)
def test_hostile_texts_reach_markdown_only_as_text(env, section):
    at = run(f"/Text?section={section}&cmin=2&rmin=3&rper=month&once=1")
    assert not at.exception, at.exception
    assert_only_text(at)
    if section == "campaigns":  # the payloads' copies are campaigns here: their texts are shown, as text
        assert len(at.dataframe) >= 1 and any(LEAK_HOST in str(v) for v in at.dataframe[0].value["sample"])


def test_a_campaign_label_is_text_not_markup():
    hostile = '<a href="http://leak.example/x">click</a><br><b>bold</b>'
    assert "<" not in label_of(hostile, 1) and "&lt;a href" in label_of(hostile, 1)
    # Quotes are not markup: plotly would show an escaped one as "&#x27;" (it was, on the demo's French texts).
    assert label_of('Quelqu\'un a dit "oui"', 8) == '8. Quelqu\'un a dit "oui"'
    import pandas as pd

    figure = campaign_figure(pd.DataFrame({"cluster": [3], "mentions": [5], "negative": [0.2], "sample": [hostile]}))
    assert all("<" not in str(y) for y in figure.data[0].y)


@pytest.mark.parametrize(
    ("params", "note"),
    [
        ({"section": "rising", "rper": "fortnight", "rkind": "![x](http://leak.example/a.png)"}, "rper='fortnight'"),
        ({"section": "rising", "rbase": "1e309", "rmin": "-1"}, "rbase='1e309'"),
        ({"section": "campaigns", "corder": "x" * 5000, "cmin": "0"}, "cmin='0'"),
        ({"section": "suggest", "sk": "1000"}, "sk='1000'"),
        ({"section": "suggest", "once": "yes please"}, "once='yes please'"),
    ],
)
def test_bad_settings_in_a_link_are_left_out_with_a_note(app_env, params, note):
    fresh_app()
    at = run("/Text?" + "&".join(f"{k}={v}" for k, v in params.items()))
    assert not at.exception, at.exception
    assert note in notes(at)
