"""Faults injected into real imports and pulls (separate processes): a kill half way, a kill between the commit
and the version file, a full disk, a read-only data folder. Each leaves the store as it was (or as committed),
says what to do in one line, and never shows a traceback."""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import lib.store.staging
from lib.sources.ingest import import_file
from lib.store.local import Store
from lib.store.staging import StagedWrite
from tests.badfiles import HEADER, csv_file, rows_csv
from tests.fake_qualtrics import demo_rows
from tests.test_pull import cli

ROOT = Path(__file__).resolve().parent.parent


def python(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def wait_for_writer(store: Store, proc: subprocess.Popen, seconds: float = 120) -> bool:
    """Until ``proc`` holds the writers' lock (it is staging its batches)."""
    lock = store.path.with_name(store.path.name + ".lock")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        with open(lock, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
        time.sleep(0.02)
    return False


def snapshot(store: Store) -> pd.DataFrame:
    return store.query('SELECT * FROM mentions ORDER BY "uniqueId"').astype(str)


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "data" / "mentions.duckdb")
    import_file(s, csv_file(200), "first.csv")
    return s


def test_a_kill_half_way_through_an_import_leaves_the_store_as_it_was(store, tmp_path):
    before, version = snapshot(store), store.version()
    big = tmp_path / "big.csv"
    big.write_text(HEADER + "\n" + rows_csv(150_000, 1000))
    proc = python("-m", "lib", "import", str(big), "--store", str(store.path), env={"SCE_IMPORT_MEMORY_MB": "256"})
    assert wait_for_writer(store, proc), "the import never started writing"
    time.sleep(1.0)  # into reading and staging the batches
    assert proc.poll() is None, "the import finished before it could be killed; make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    pd.testing.assert_frame_equal(snapshot(store), before)
    assert store.version() == version
    outcome = import_file(store, csv_file(10), "after.csv")  # the next writer cleans up and works
    assert outcome.result.rows_updated == 10 and not list(store.path.parent.glob(".*staging*"))


def test_a_kill_between_the_commit_and_the_version_file_is_repaired_by_readers(store):
    """The version comes from the store itself when the sidecar is older than the store."""
    old = store.version()
    script = (
        "import os, sys; import lib.store.local as s; from lib.sources.ingest import import_file; "
        "s.Store._publish_version = lambda self, version: os._exit(9); "
        f"import_file(s.Store({str(store.path)!r}), b'uniqueId\\nlate1\\n', 'late.csv')"
    )
    proc = python("-c", script)
    proc.communicate(timeout=120)
    assert proc.returncode == 9  # killed after the commit, before the version file was written
    sidecar = store.path.with_name(store.path.name + ".version")
    assert sidecar.read_text() == old
    con = duckdb.connect(str(store.path), read_only=True)
    committed = dict(con.execute("SELECT key, value FROM meta").fetchall())
    con.close()
    fresh = Store(store.path).version()
    assert fresh == f"{committed['store_id']}:{committed['version']}" != old
    assert sidecar.read_text() == fresh  # repaired for the next reader


def test_a_copy_that_runs_out_of_memory_is_tried_once_more_with_room(store, monkeypatch):
    """The final copy's memory limit suits most stores; a larger store's key index gets a second try."""
    limits = []
    setup, copy = StagedWrite.__init__, StagedWrite._copy

    def small(self, *args, **kwargs):
        setup(self, *args, **kwargs)
        self.memory["commit"] = "1MB"

    def counted(self, *args):
        limits.append(self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return copy(self, *args)

    monkeypatch.setattr(StagedWrite, "__init__", small)
    monkeypatch.setattr(StagedWrite, "_copy", counted)
    monkeypatch.setattr(lib.store.staging, "INDEX_BYTES_PER_ROW", 0)  # a write this small starts without room
    outcome = import_file(store, csv_file(5000), "more.csv")
    assert (outcome.result.rows_new, outcome.result.rows_updated) == (4800, 200)
    assert len(limits) == 2 and limits[0] != limits[1]
    assert store.count() == 5000 and store.log()["outcome"].tolist() == ["ok", "ok"]


def test_a_large_copy_starts_with_room(store, monkeypatch):
    """A write whose key indexes would not fit the commit's limit is copied with room at once: at 1M mentions the
    first try ran out of memory after half a minute of work."""
    limits = []
    copy = StagedWrite._copy

    def counted(self, *args):
        limits.append(self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return copy(self, *args)

    monkeypatch.setattr(StagedWrite, "_copy", counted)
    # As if each row took a megabyte: 300 MB of keys, more than the commit's share of the cap and within the
    # retry's, so one transaction with room (beyond the retry's share, a write goes in parts: test_import_parts.py)
    monkeypatch.setattr(lib.store.staging, "INDEX_BYTES_PER_ROW", 1 << 20)
    import_file(store, csv_file(300), "large.csv")
    assert len(limits) == 1 and store.log()["outcome"].tolist()[-1] == "ok"
    retry = duckdb.connect()
    retry.execute(
        f"SET memory_limit = '{lib.store.staging.memory_cap_mb() // lib.store.staging.MEMORY_SHARES['retry']}MB'"
    )
    assert limits == [retry.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]]


def test_mentions_imported_again_are_merged_with_room(store, monkeypatch):
    """Merging a write with the stored mentions it updates joins the whole write to the store: a 100k file
    imported again into a store holding it ran out of staging's 64 MB. The merge now runs under the commit's
    limit, and once more with room when that is too small (here 1 MB)."""
    limits = []
    setup, merge = StagedWrite.__init__, StagedWrite._merge

    def small(self, *args, **kwargs):
        setup(self, *args, **kwargs)
        self.memory["commit"] = "1MB"

    def counted(self, *args):
        limits.append(self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return merge(self, *args)

    monkeypatch.setattr(StagedWrite, "__init__", small)
    monkeypatch.setattr(StagedWrite, "_merge", counted)
    outcome = import_file(store, csv_file(200), "again.csv")
    assert (outcome.result.rows_new, outcome.result.rows_updated) == (0, 200)
    assert len(limits) == 2 and limits[0] != limits[1]
    assert store.count() == 200 and store.log()["outcome"].tolist() == ["ok", "ok"]


def _full_disk(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_is_named_and_leaves_the_store_as_it_was(store, tmp_path):
    before, version = snapshot(store), store.version()
    big = tmp_path / "big.csv"
    big.write_text(HEADER + "\n" + rows_csv(20_000, 1000))
    limit = max(p.stat().st_size for p in store.path.parent.iterdir()) + 64 * 1024
    proc = python("-m", "lib", "import", str(big), "--store", str(store.path), preexec_fn=_full_disk(limit))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err and "rollback" not in err.lower()
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "disk" in err and "full" in err and "free some space" in err, err
    pd.testing.assert_frame_equal(snapshot(store), before)
    assert store.version() == version
    log = store.log()
    assert log["outcome"].tolist() == ["failed", "ok"] and "disk" in log.loc[0, "message"]


def test_a_full_disk_during_the_clusters_backfill_is_named_and_the_next_open_finishes_it(demo_data_dir, tmp_path):
    """A schema-5 store's clusters are computed again after the migration, a chunk per transaction. A disk full
    then is named as such, and the next open (a read too) finishes the backfill: it was left to the next write,
    and until then the copies counted as mentions of their own."""
    path = tmp_path / "v5.duckdb"
    shutil.copy(demo_data_dir / "demo.duckdb", path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    store = Store(path)
    count = store.count()
    limit = 1024 * 1024  # the WAL of the migration fits; that of the clusters of 20,000 mentions does not
    (tmp_path / "ten.csv").write_text(HEADER + "\n" + rows_csv(10, 1))
    proc = python("-m", "lib", "import", str(tmp_path / "ten.csv"), "--store", str(path), preexec_fn=_full_disk(limit))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err and "rollback" not in err.lower()
    assert "disk" in err and "full" in err, err
    store.ensure_schema()  # the next open, with room, finishes the backfill
    with duckdb.connect(str(path), read_only=True) as con:
        clustered = con.execute("SELECT count(*) FROM near_duplicates").fetchall()[0][0]
        pending = con.execute("SELECT count(*) FROM meta WHERE key = 'clusters_backfill_pending'").fetchall()[0][0]
    assert store.count() == count == clustered and pending == 0


def _without_root_powers(command: list[str]) -> list[str]:
    """Root ignores file permissions; without these two capabilities it does not."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]


@pytest.fixture
def read_only(store):
    folder = store.path.parent
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def test_a_read_only_data_folder_is_refused_before_the_file_is_read(store, read_only, tmp_path):
    before = snapshot(store)
    bomb = tmp_path / "never-read.csv"
    bomb.write_bytes(b"\x00\xff not even text")  # refused for the folder, not for its content: never opened
    command = [sys.executable, "-m", "lib", "import", str(bomb), "--store", str(store.path)]
    done = subprocess.run(_without_root_powers(command), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: Cannot write to {read_only}") and "writable" in done.stderr, done.stderr
    pd.testing.assert_frame_equal(snapshot(store), before)


def test_a_pull_into_a_read_only_folder_asks_qualtrics_nothing(store, read_only, fake):
    fake.add_rows("IDP_social", demo_rows(50))
    proc = cli(fake, store.path, "pull")
    proc.kill()  # only its environment is wanted: run it again without root's powers
    proc.communicate()
    env = {**os.environ, "QUALTRICS_BASE_URL": fake.url, "QUALTRICS_API_TOKEN": fake.token}
    command = [sys.executable, "-m", "lib", "pull", "--dataset-id", "IDP_social", "--store", str(store.path)]
    fake.requests.clear()
    done = subprocess.run(_without_root_powers(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Cannot write to" in done.stderr and "Traceback" not in done.stderr
    assert fake.requests == []  # nothing was exported or downloaded
