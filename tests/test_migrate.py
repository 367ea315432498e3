"""Schema migrations (lib/store/migrate.py): a store of the oldest schema the app migrates from (version 1), migrated
by a process killed midway, is left as it was and openable, and odd rows migrate. (Its peak memory is measured by
``python -m bench.stream --steps migrate``; it is not yet flat below a DuckDB row group, see issue 23.)"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from bench.stream import V1_COLUMNS, _migrate_code, old_copy, replicate
from lib.mentions.normalize import entities
from lib.store.local import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parent.parent
BATCH = 500  # the migration's batch in these tests (READ_ROWS), so that both sizes hold many batches


def old_store(demo_data_dir: Path, folder: Path, rows: int) -> Path:
    """A version 1 store of ``rows`` demo mentions, their texts cut to 60 characters and without a language (the
    enrichment of long texts takes seconds here) and their HTML made 16 times longer (a blog's page, about 8 kB:
    what a whole-table read would hold)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = Store(folder / "source.duckdb")
    shutil.copy(demo_data_dir / "demo.duckdb", source.path)
    if rows > source.count():
        replicate(source, rows)
    path = folder / "old.duckdb"
    old_copy(source, path, rows)
    con = duckdb.connect(str(path))
    con.execute(
        'UPDATE mentions SET "messageContent" = left("messageContent", 60), "messageLanguage" = NULL, '
        '"messageContentHtml" = repeat("messageContentHtml", 16)'
    )
    con.close()
    for leftover in folder.glob("source.duckdb*"):
        leftover.unlink()
    return path


def contents(path: Path) -> dict:
    """Everything a store holds, read-only: its tables, its meta and its mentions in key order."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
        meta = sorted(con.execute("SELECT * FROM meta").fetchall())
        mentions = con.execute('SELECT * FROM mentions ORDER BY "uniqueId"').df()
        return {"tables": tables, "meta": meta, "mentions": mentions}
    finally:
        con.close()


def migrate_code(path: Path, batch: int = BATCH) -> str:
    return f"import lib.store.migrate as m; m.READ_ROWS = {batch}; " + _migrate_code(path)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_migration_killed_midway_leaves_the_store_as_it_was(demo_data_dir, tmp_path):
    path = old_store(demo_data_dir, tmp_path, 3_000)
    before = contents(path)
    proc = subprocess.Popen([sys.executable, "-c", migrate_code(path, 500)], cwd=ROOT)
    deadline = time.monotonic() + 300
    staged: list[Path] = []
    while proc.poll() is None and time.monotonic() < deadline:
        # The mentions are rebuilt and the enrichment has begun once its staged rows are on disk.
        staged = [p for p in tmp_path.glob(".old.duckdb.staging-migrate-*/enrichment.arrows") if p.stat().st_size]
        if staged:
            break
        time.sleep(0.01)
    assert staged and proc.poll() is None, "the migration ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)

    after = contents(path)
    assert after["tables"] == before["tables"] == ["ingest_log", "mentions", "meta"]  # no new table either
    assert after["meta"] == before["meta"]
    pd.testing.assert_frame_equal(after["mentions"], before["mentions"])
    # Still openable: the next writer migrates it, and removes what the killed one staged.
    store = Store(path)
    table, _ = store.read_table(["uniqueId", "hashtags"])
    assert table.num_rows == 3_000 and store.schema_version() == SCHEMA_VERSION
    assert not list(tmp_path.glob(".old.duckdb.staging-*"))


def test_odd_rows_migrate(tmp_path):
    path = tmp_path / "odd.duckdb"
    con = duckdb.connect(str(path))
    types = {"tags": "VARCHAR[]", "dateAdded": "TIMESTAMP", "datePublished": "TIMESTAMP"}
    con.execute(
        "CREATE TABLE mentions ("
        + ", ".join(f'"{c}" {types.get(c, "VARCHAR")}' for c in V1_COLUMNS)
        + ', PRIMARY KEY ("uniqueId"))'
    )
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('store_id', 'odd'), ('version', '7')")
    odd = {  # uniqueId: (text, HTML, language)
        "no-text": (None, None, None),
        "blank": ("", "", ""),
        "bad-link": ("see http://[::1 and #", "<a href=\"http://[broken\">x</a><a href='javascript:alert(1)'>", "en"),
        "odd-language": ("Delayed #Flight @Crew ✈️ again #flight", "", "x:y"),
        "huge": ("word " * 200_000 + "#end", "<p>" + "a" * 500_000 + "</p>", "de"),
        "control": ("\x00\x1f tab\tnew\nline 'q\" ;DROP TABLE mentions;--", '<a href="https://www.ex.com/p">', "fr"),
    }
    for key, (text, html, language) in odd.items():
        values = {c: None for c in V1_COLUMNS} | {
            "uniqueId": key,
            "messageContent": text,
            "messageContentHtml": html,
            "messageLanguage": language,
        }
        names = ", ".join(f'"{c}"' for c in V1_COLUMNS)
        con.execute(
            f"INSERT INTO mentions ({names}) VALUES ({', '.join('?' for _ in V1_COLUMNS)})",
            [values[c] for c in V1_COLUMNS],
        )
    con.close()

    store = Store(path)
    table, version = store.read_table(["uniqueId", "hashtags", "handles", "linkDomains", "termIds"])
    assert version == "odd:9" and store.schema_version() == SCHEMA_VERSION  # migrated, then clusters backfilled
    rows = {r["uniqueId"]: r for r in table.to_pylist()}
    assert set(rows) == set(odd)
    for key, (text, html, _) in odd.items():
        hashtags, handles, domains = entities(text or "", html or "")
        assert (rows[key]["hashtags"], rows[key]["handles"], rows[key]["linkDomains"]) == (hashtags, handles, domains)
        assert rows[key]["termIds"] is not None  # every mention has its enrichment row
    assert rows["odd-language"]["hashtags"] == ["flight"] and rows["control"]["linkDomains"] == ["ex.com"]
