"""Columns to fields: common spellings of dates are recognised, every import names the columns it did not map
and the fields it found no column for, and a column can be mapped to a field (CLI ``--map``; the Data page,
remembered per header set)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.cli import EXIT_USAGE, main
from lib.sources.column_maps import save_mapping, saved_mapping
from lib.sources.ingest import import_file
from lib.store.local import Store
from tests.conftest import fresh_app

ROOT = Path(__file__).resolve().parent.parent


def published(store: Store) -> list[str]:
    rows = store.query('SELECT "uniqueId", "datePublished" FROM mentions ORDER BY 1')
    return [str(t) for t in rows["datePublished"]]


@pytest.mark.parametrize(
    "column,value",
    [
        ("publishedDate", "1700000000"),  # UNIX seconds
        ("published_at", "2023-11-14T22:13:20Z"),
        ("publishedAt", "1700000000000"),  # UNIX milliseconds
        ("created_at", "Tue Nov 14 22:13:20 +0000 2023"),  # Twitter's
        ("Date Published", "Tue, 14 Nov 2023 22:13:20 GMT"),  # RFC 2822 (RSS, e-mail)
        ("timestamp", "2023-11-14 23:13:20+01:00"),
    ],
)
def test_common_spellings_and_forms_of_dates_are_recognised(tmp_path, column, value):
    store = Store(tmp_path / "m.duckdb")
    outcome = import_file(store, f'uniqueId,"{column}"\nx1,"{value}"\n'.encode(), "dates.csv")
    assert published(store) == ["2023-11-14 22:13:20"]
    assert "datePublished" not in outcome.report.missing_fields and not outcome.report.unmapped_columns


FILE = "uniqueId,when_posted,messageContent,mood\nx1,1700000000,hello,fine\nx2,1700000060,hi,meh\n"


def test_every_import_names_unmapped_columns_and_fields_without_a_column(tmp_path, capsys):
    path = tmp_path / "posts.csv"
    path.write_text(FILE)
    store = tmp_path / "m.duckdb"
    assert main(["import", str(path), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "Columns no field takes (kept as extra columns): when_posted, mood. Map one with --map" in out
    assert "Fields no column fills: id, authorName," in out and "datePublished" in out
    assert published(Store(store)) == ["NaT", "NaT"]


def test_the_cli_maps_a_column_to_a_field(tmp_path, capsys):
    path = tmp_path / "posts.csv"
    path.write_text(FILE)
    store = tmp_path / "m.duckdb"
    assert main(["import", str(path), "--store", str(store), "--map", "when_posted=datePublished"]) == 0
    out = capsys.readouterr().out
    assert "Columns mapped to fields: when_posted → datePublished." in out and "datePublished," not in out
    assert published(Store(store)) == ["2023-11-14 22:13:20", "2023-11-14 22:14:20"]

    assert main(["import", str(path), "--store", str(store), "--map", "when_posted=postedOn"]) == EXIT_USAGE
    assert "'postedOn' is not a mention field; map 'when_posted' to one of: id, uniqueId" in capsys.readouterr().err
    assert main(["import", str(path), "--store", str(store), "--map", "posted=datePublished"]) == EXIT_USAGE
    assert "no column 'posted' to map; its columns are: uniqueId, when_posted" in capsys.readouterr().err
    assert main(["import", str(path), "--store", str(store), "--map", "when_posted"]) == EXIT_USAGE
    assert Store(store).log()["outcome"].tolist() == ["failed", "failed", "ok"]  # the usage error never got that far


def test_the_cli_uses_the_mapping_saved_on_the_data_page(tmp_path, capsys):
    path = tmp_path / "posts.csv"
    path.write_text(FILE)
    store = tmp_path / "m.duckdb"
    save_mapping(store, ["mood", "messageContent", "when_posted", "uniqueId"], {"when_posted": "datePublished"})
    assert main(["import", str(path), "--store", str(store)]) == 0
    assert "Columns mapped to fields: when_posted → datePublished." in capsys.readouterr().out
    assert published(Store(store))[0] == "2023-11-14 22:13:20"


@pytest.fixture
def data_page(app_env, tmp_path, monkeypatch):
    fresh_app()
    store = tmp_path / "mentions.duckdb"
    monkeypatch.setenv("SCE_STORE", str(store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/5_Data.py")
    return at.run(), Store(store)


def upload(at: AppTest, name: str, data: str) -> AppTest:
    at.file_uploader(key="sce_upload").set_value((name, data.encode(), "text/csv"))
    return at.run()


def test_the_data_page_maps_a_column_and_remembers_it_for_the_header_set(data_page):
    at, store = data_page
    upload(at, "posts.csv", FILE)
    assert not at.exception
    box = next(s for s in at.selectbox if s.label == "when_posted")
    assert box.value == "(keep as an extra column)" and "datePublished" in box.options
    box.select("datePublished").run()
    next(b for b in at.button if b.label == "Import into your store").click().run()
    assert not at.exception
    assert published(store) == ["2023-11-14 22:13:20", "2023-11-14 22:14:20"]
    assert saved_mapping(store.path, ["uniqueId", "when_posted", "messageContent", "mood"]) == {
        "when_posted": "datePublished"
    }
    assert any("when\\_posted → datePublished" in c.value for c in at.caption)

    # The same columns in another order: the saved mapping is the default. Other columns: it is not.
    upload(at, "more.csv", "mood,when_posted,uniqueId,messageContent\nok,1700000120,x3,hey\n")
    assert next(s for s in at.selectbox if s.label == "when_posted").value == "datePublished"
    upload(at, "other.csv", "uniqueId,when_posted\nx4,1700000180\n")
    assert next(s for s in at.selectbox if s.label == "when_posted").value == "(keep as an extra column)"
