"""Store reads attach the store to one in-memory DuckDB database per process (lib/store/local.py
``shared_database``): many reads leave nothing attached or open behind them, two stores read at once from threads
each answer for their own file, and a write in the same process goes on between them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from lib.sources.demo import generate
from lib.sources.ingest import import_file
from lib.store.local import Store, StoreError, shared_database


def _attached() -> int:
    con = shared_database().cursor()
    try:
        return int(con.execute("SELECT count(*) FROM duckdb_databases() WHERE NOT internal").fetchall()[0][0])
    finally:
        con.close()


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_many_reads_of_two_stores_from_threads_leave_nothing_attached(tmp_path):
    a, b = Store(tmp_path / "a" / "m.duckdb"), Store(tmp_path / "b" / "m.duckdb")
    import_file(a, generate(300, seed=1).to_csv(index=False).encode(), "a.csv")
    import_file(b, generate(500, seed=2).to_csv(index=False).encode(), "b.csv")
    a.count(), b.count()  # the process's database made
    attached, fds = _attached(), _fds()
    errors: list[str] = []

    def read(store: Store, expected: set[int], times: int) -> None:
        try:
            for _ in range(times):
                assert store.count() in expected
                assert int(store.query("SELECT count(DISTINCT uniqueId) AS n FROM mentions")["n"][0]) in expected
        except Exception as exc:  # every failure is reported by the assertion below
            errors.append(repr(exc))

    def write() -> None:
        try:
            for j in range(3):
                import_file(a, generate(50, seed=100 + j).to_csv(index=False).encode(), f"more-{j}.csv")
        except Exception as exc:
            errors.append("writer: " + repr(exc))

    threads = [threading.Thread(target=read, args=(b, {500}, 60)) for _ in range(4)]
    threads += [threading.Thread(target=read, args=(a, {300, 350, 400, 450}, 60)) for _ in range(2)]
    threads.append(threading.Thread(target=write))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (a.count(), b.count()) == (450, 500)
    assert _attached() == attached, "a read left its store attached (it would keep every writer out)"
    assert _fds() <= fds + 2, "reads left files open"


def test_a_store_file_cut_short_between_reads_is_a_store_error_and_leaves_nothing_attached(tmp_path):
    a, b = Store(tmp_path / "a" / "m.duckdb"), Store(tmp_path / "b" / "m.duckdb")
    import_file(a, generate(300, seed=1).to_csv(index=False).encode(), "a.csv")
    import_file(b, generate(500, seed=2).to_csv(index=False).encode(), "b.csv")
    assert len(a.query("SELECT * FROM mentions")) == 300
    attached = _attached()
    data = a.path.read_bytes()
    a.path.write_bytes(data[: len(data) // 2])  # another program, a full disk, a half copy
    with pytest.raises(StoreError, match=r"Cannot read the store m\.duckdb.*put back a good copy"):
        a.query("SELECT * FROM mentions")
    assert _attached() == attached and b.count() == 500


def test_the_spill_folders_of_killed_processes_are_swept_by_the_next(tmp_path):
    """A process killed mid-read (SIGKILL, or a SIGTERM Python does not handle) leaves its spill folder; the next
    process's first read removes the folders of processes that are gone, and no other."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f"sce-spill-read-{gone.pid}-abc"
    (dead / "spill").mkdir(parents=True)
    (dead / "spill" / "duckdb_temp_block-1.block").write_bytes(b"x" * 4096)
    bulk = tmp_path / f"sce-spill-{gone.pid}-def"
    bulk.mkdir()
    living = tmp_path / f"sce-spill-read-{os.getpid()}-ghi"  # this process: alive
    living.mkdir()
    other = tmp_path / "sce-spill-notes"  # not a spill folder of ours
    other.mkdir()
    code = "from lib.store.local import shared_database; shared_database()"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert not dead.exists() and not bulk.exists()
    assert living.exists() and other.exists()
