"""The bad-input corpus (tests/badfiles.py) through the CLI and through the Data page: every file is refused with
a message that says what to do, or imported with every row accounted for; nothing already stored is lost, no
traceback, and every attempt is in the log."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.cli import EXIT_FAILED, EXIT_OK, EXIT_ROWS_REJECTED, main
from lib.mentions.normalize import normalize
from lib.store.local import Store
from tests.badfiles import CAP_MB, HEADER, Case, corpus, rows_csv
from tests.conftest import fresh_app

ROOT = Path(__file__).resolve().parent.parent
CASES = corpus()
SEED = 25  # mentions stored before each bad file: none may be lost or changed


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory) -> Path:
    """A store holding SEED mentions whose ids no case uses."""
    path = tmp_path_factory.mktemp("seed") / "mentions.duckdb"
    raw = pd.read_csv(io.StringIO(HEADER + "\n" + rows_csv(SEED, 0, "seed")), dtype=str)
    Store(path).ingest([normalize(raw)[0]], kind="import", source="seed")
    return path


def fresh_store(seed: Path, folder: Path) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    for source in seed.parent.glob(seed.name + "*"):
        shutil.copy(source, folder / source.name)
    return Store(folder / seed.name)


def seed_rows(store: Store) -> list[dict]:
    """The seed mentions and their enrichment, every value as text."""
    rows = store.query(
        'SELECT * FROM mentions JOIN enrichment USING ("uniqueId") WHERE "uniqueId" LIKE \'seed%\' ORDER BY 1'
    )
    assert len(rows) == SEED
    return rows.astype(str).to_dict("records")


def stored_ids(store: Store) -> int:
    return store.count() - SEED


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_file_through_the_cli(case: Case, seed_store, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SCE_IMPORT_MEMORY_MB", str(CAP_MB))
    store = fresh_store(seed_store, tmp_path / "data")
    before = seed_rows(store)
    path = tmp_path / case.name
    path.write_bytes(case.data)

    code = main(["import", str(path), "--store", str(store.path)])
    out, err = capsys.readouterr()

    assert "Traceback" not in out + err
    assert seed_rows(store) == before  # nothing already stored is lost or changed
    log = store.log().iloc[0]
    if case.refused:
        assert code == EXIT_FAILED, out + err
        assert err.startswith("error: ") and err.count("\n") == 1, err  # one line that says what to do
        assert re.search(case.message, err), err
        assert stored_ids(store) == 0
        assert log["outcome"] == "failed" and log["source"] == case.name and re.search(case.message, log["message"])
        return
    assert code == (EXIT_ROWS_REJECTED if case.rejected else EXIT_OK), out + err
    assert f"{case.rows:,} rows: {case.stored:,} stored" in out
    assert log["outcome"] == "ok" and log["rows_in"] == case.stored and log["rows_rejected"] == case.rejected
    distinct = store.query("SELECT count(*) AS n FROM mentions").iloc[0]["n"] - SEED
    assert distinct == log["rows_new"]  # every stored row is in the store (repeats of an id count once)
    if case.rejected:
        assert f"{case.rejected:,} rows rejected" in out
    for line in case.lines[:20]:
        assert f"\n  line {line}: " in out
    if case.message:
        assert re.search(case.message, out), out


def test_the_corpus_counts():
    """The figures the README quotes: inputs tried, and rows lost (stored + rejected = rows of the file)."""
    refused = [c for c in CASES if c.refused]
    imported = [c for c in CASES if not c.refused]
    assert len(CASES) >= 30 and len(refused) >= 15 and len(imported) >= 15
    assert sum(c.rows for c in imported) == sum(c.stored + c.rejected for c in imported)


@pytest.fixture
def data_page(app_env, seed_store, tmp_path, monkeypatch):
    fresh_app()
    monkeypatch.setenv("SCE_IMPORT_MEMORY_MB", str(CAP_MB))
    store = fresh_store(seed_store, tmp_path / "data")
    monkeypatch.setenv("SCE_STORE", str(store.path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/5_Data.py")
    return at.run(), store


def upload_name(case: Case) -> str:
    allowed = ("csv", "tsv", "txt", "gz", "zip", "json", "ndjson", "jsonl")
    return case.name if case.name.rsplit(".", 1)[-1] in allowed else case.name + ".txt"


def test_the_corpus_through_the_data_page(data_page):
    at, store = data_page
    before = seed_rows(store)
    for case in CASES:
        name = upload_name(case)
        at.file_uploader(key="sce_upload").set_value((name, case.data, "application/octet-stream"))
        at.run()
        next(b for b in at.button if b.label == "Import into your store").click().run()
        assert not at.exception, (case.name, at.exception)
        shown = " ".join(e.value for e in [*at.error, *at.success, *at.warning, *at.info])
        plain = shown.replace("\\", "")
        if case.refused:
            assert any(f"{name} was not imported" in e.value.replace("\\", "") for e in at.error), (case.name, shown)
            assert re.search(case.message, plain), (case.name, plain)
        else:
            assert f"{case.rows:,} rows, {case.stored:,} stored" in plain, (case.name, plain)
            assert f"{case.rejected:,} rejected" in plain
            if case.lines:
                table = next(d.value for d in at.dataframe if "why" in d.value.columns)
                assert table["line"].tolist()[: len(case.lines)] == list(case.lines), case.name
        log = store.log().iloc[0]
        assert log["source"] == name and log["outcome"] == ("failed" if case.refused else "ok"), case.name
        assert seed_rows(store) == before, case.name
