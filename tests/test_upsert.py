"""A file with fewer columns changes only the fields it has: a column present but blank is a value, a column
absent is not. Derived columns (plain text, entities, enrichment; the tag list) follow their source field."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lib.sources.ingest import import_file
from lib.store.local import Store

FULL = (
    "uniqueId,messageContent,messageLanguage,messageSentiment,datePublished,tags,authorName,locationCountry,Custom\n"
    + "".join(
        f'm{i},"<p>Lost my bag #baggage @NorthwindAir https://ex.com/{i}</p>",en,negative,{1_700_000_000 + i},'
        f'"Bags,Delay",user{i},NA,c{i}\n'
        for i in range(100)
    )
)


def rows(store: Store) -> pd.DataFrame:
    return store.query('SELECT * FROM mentions LEFT JOIN enrichment USING ("uniqueId") ORDER BY "uniqueId"').set_index(
        "uniqueId"
    )


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(str)


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "m.duckdb")
    import_file(s, FULL.encode(), "full.csv")
    return s


def test_a_file_with_two_columns_updates_only_sentiment(store):
    before = as_text(rows(store))
    data = "uniqueId,messageSentiment\n" + "".join(f"m{i},positive\n" for i in range(100))
    outcome = import_file(store, data.encode(), "sentiment.csv")
    assert (outcome.result.rows_new, outcome.result.rows_updated) == (0, 100)
    after = as_text(rows(store))
    assert (after["messageSentiment"] == "positive").all()
    unchanged = [c for c in before.columns if c != "messageSentiment"]
    pd.testing.assert_frame_equal(after[unchanged], before[unchanged])  # text, dates, tags, authors, enrichment…
    assert outcome.report.missing_fields[:3] == ["id", "authorName", "authorFullname"]
    assert "messageContent" in outcome.report.missing_fields and not outcome.report.unmapped_columns


def test_a_column_present_but_blank_is_a_value(store):
    import_file(store, b"uniqueId,tags,datePublished,authorName\nm1,,,\n", "blanks.csv")
    row = rows(store).loc["m1"]
    assert list(row["tags"]) == [] and row["tagsRaw"] == "" and pd.isna(row["datePublished"])
    assert row["authorName"] == "" and row["messageContent"].startswith("Lost my bag")


def test_derived_columns_follow_their_source(store):
    import_file(store, b"uniqueId,messageContent\nm2,Smooth flight #happy @crew\n", "text.csv")
    row = rows(store).loc["m2"]
    assert row["messageContent"] == "Smooth flight #happy @crew" and row["messageContentHtml"] == row["messageContent"]
    assert list(row["hashtags"]) == ["happy"] and list(row["handles"]) == ["crew"] and list(row["linkDomains"]) == []
    assert row["vaderCompound"] > 0  # enriched again, with the stored language (en)
    assert list(row["tags"]) == ["Bags", "Delay"] and row["messageLanguage"] == "en"


def test_a_new_language_enriches_the_stored_text_again(store):
    before = rows(store).loc["m3"]
    assert before["vaderCompound"] < 0
    import_file(store, b"uniqueId,messageLanguage\nm3,fr\n", "language.csv")
    after = rows(store).loc["m3"]
    assert pd.isna(after["vaderCompound"])  # VADER reads English only
    assert after["messageContent"] == before["messageContent"]


def test_extra_columns_join_the_stored_ones(store):
    import_file(store, b"uniqueId,Other\nm4,o4\n", "other.csv")
    assert json.loads(rows(store).loc["m4"]["extra"]) == {"Custom": "c4", "Other": "o4"}


def test_json_records_change_only_the_keys_they_have(store):
    records = [
        {"uniqueId": "m5", "message": {"sentiment": "neutral"}},
        {"uniqueId": "m6", "tags": None},  # null: a blank value
        {"uniqueId": "new1", "message": {"content": "hello"}},
    ]
    outcome = import_file(store, json.dumps(records).encode(), "webhook.json")
    assert (outcome.result.rows_new, outcome.result.rows_updated) == (1, 2)
    found = rows(store)
    assert found.loc["m5", "messageSentiment"] == "neutral" and list(found.loc["m5", "tags"]) == ["Bags", "Delay"]
    assert list(found.loc["m6", "tags"]) == [] and found.loc["m6", "messageSentiment"] == "negative"
    assert found.loc["new1", "messageContent"] == "hello" and found.loc["new1", "authorName"] == ""


def test_a_partial_file_of_new_mentions_stores_blanks(tmp_path):
    store = Store(tmp_path / "m.duckdb")
    outcome = import_file(store, b"uniqueId,messageSentiment\nn1,positive\n", "new.csv")
    row = rows(store).loc["n1"]
    assert outcome.result.rows_new == 1 and row["messageSentiment"] == "positive"
    assert row["messageContent"] == "" and list(row["tags"]) == [] and list(row["termIds"]) == []


def test_a_first_hashtag_after_more_than_a_thousand_mentions_without_one_is_stored(tmp_path):
    """DuckDB guessed a batch's column types from its first 1,000 rows: a list column empty there (no hashtag,
    handle or link yet) became a list of NULLs, and the first hashtag after them failed the whole import."""
    rows = ["uniqueId,messageContent,datePublished"] + [f"1_{i},plain text number {i},1767225600" for i in range(1500)]
    rows[-1] = "1_1499,plain text number 1499 #late @someone https://x.example/a,1767225600"
    store = Store(tmp_path / "s.duckdb")
    assert import_file(store, "\n".join(rows).encode(), "late.csv").result.rows_new == 1500
    late = store.query('SELECT hashtags, handles, "linkDomains" FROM mentions WHERE "uniqueId" = \'1_1499\'')
    assert [list(late[c].iloc[0]) for c in late.columns] == [["late"], ["someone"], ["x.example"]]
