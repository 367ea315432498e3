"""Export flows, incremental pulls and the command line, against the fake Qualtrics over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from lib.qualtrics.client import Credentials, ExportFailed, NotFound, QualtricsClient
from lib.qualtrics.export_jobs import FLOWS, ExportRequest, export_dataset, flow_for
from lib.qualtrics.pull import pull
from lib.sources.files import read_export
from lib.store.local import Store
from tests.cli_kit import Ran, run_cli, terminal_ctrl_c
from tests.fake_qualtrics import demo_rows
from tests.test_qualtrics import Clock

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake(fake):
    """The fake with 300 demo mentions in dataset IDP_social and 50 in survey SV_3gbwq8aJgqPwQDP."""
    fake.add_rows("IDP_social", demo_rows(300))
    fake.add_rows("SV_3gbwq8aJgqPwQDP", demo_rows(50, seed=5))
    return fake


def make_client(fake, clock: Clock | None = None) -> QualtricsClient:
    clock = clock or Clock()
    return QualtricsClient(fake.url, Credentials(api_token=fake.token), sleep=clock.sleep, clock=clock)


@pytest.mark.parametrize(
    "dataset_id,flow,job_key", [("IDP_social", "dataset", "jobId"), ("SV_3gbwq8aJgqPwQDP", "survey", "progressId")]
)
@pytest.mark.parametrize("zipped,header_rows", [(True, 3), (False, 1), (True, 1), (False, 3)])
def test_both_flows_end_to_end(fake, dataset_id, flow, job_key, zipped, header_rows):
    fake.faults.zip_files, fake.faults.header_rows, fake.faults.polls_per_export = zipped, header_rows, 3
    assert flow_for(dataset_id) is FLOWS[flow]
    phases = []
    clock = Clock()
    result = export_dataset(
        make_client(fake, clock), dataset_id, ExportRequest(), on_progress=lambda phase, value: phases.append(phase)
    )
    raw = read_export(result.data, "x")
    assert raw.header_rows == header_rows
    assert len(raw.frame) == len(fake.datasets[dataset_id].rows)
    assert phases[0] == "starting" and phases.count("exporting") == 4 and phases[-1] == "downloading"
    assert len(clock.sleeps) == 3  # one sleep between polls, growing
    assert clock.sleeps == sorted(clock.sleeps)
    assert result.continuation_token.startswith("ct-")
    start_path = f"/API/v3/{FLOWS[flow].start.format(id=dataset_id)}"
    assert any(r[0] == "POST" and r[1] == start_path for r in fake.requests)


def test_a_failed_export_is_an_error(fake):
    fake.faults.fail_exports = 1
    with pytest.raises(ExportFailed, match="failed"):
        export_dataset(make_client(fake), "IDP_social", ExportRequest())


def test_an_unknown_export_stops_polling(fake):
    c = make_client(fake)
    with pytest.raises(NotFound):
        c.request_json("GET", "imported-data-projects/IDP_social/exports/ES_gone")
    assert len(fake.requests) == 1


def count(store: Store) -> int:
    return store.count()


def test_incremental_pulls_ask_only_for_what_is_new(fake, tmp_path):
    store = Store(tmp_path / "m.duckdb")
    first = pull(store, make_client(fake), "IDP_social")
    assert (first.mode, first.ingest.result.rows_new, count(store)) == ("full", 300, 300)
    assert fake.export_bodies[-1]["allowContinuation"] is True and "startDate" not in fake.export_bodies[-1]

    fake.add_rows("IDP_social", demo_rows(40, seed=99))
    second = pull(store, make_client(fake), "IDP_social")
    assert second.mode == "continuation"
    assert fake.export_bodies[-1]["continuationToken"] == "ct-300"
    assert (second.ingest.result.rows_in, second.ingest.result.rows_new, count(store)) == (40, 40, 340)

    third = pull(store, make_client(fake), "IDP_social")
    assert (third.ingest.result.rows_in, count(store)) == (0, 340)
    assert store.log()["outcome"].tolist() == ["ok", "ok", "ok"]


def test_an_expired_token_falls_back_to_a_start_date_and_duplicates_nothing(fake, tmp_path):
    store = Store(tmp_path / "m.duckdb")
    pull(store, make_client(fake), "IDP_social")
    fake.faults.reject_tokens = True
    again = pull(store, make_client(fake), "IDP_social")
    assert again.mode.startswith("since ")
    assert "continuationToken" in fake.export_bodies[-2] and "startDate" in fake.export_bodies[-1]
    assert again.ingest.result.rows_new == 0 and again.ingest.result.rows_updated == 300  # re-sent, upserted
    assert count(store) == 300


def test_a_failed_pull_changes_no_mention_and_is_logged(fake, tmp_path):
    store = Store(tmp_path / "m.duckdb")
    pull(store, make_client(fake), "IDP_social")
    before, version = store.query('SELECT * FROM mentions ORDER BY "uniqueId"'), store.version()
    fake.add_rows("IDP_social", demo_rows(10, seed=3))
    fake.faults.fail_exports = 2  # the export by token, then the one by date it falls back to
    with pytest.raises(ExportFailed):
        pull(store, make_client(fake), "IDP_social")
    pd.testing.assert_frame_equal(store.query('SELECT * FROM mentions ORDER BY "uniqueId"'), before)
    assert store.version() == version
    assert store.log()["outcome"].tolist()[0] == "failed"
    assert fake.token not in " ".join(store.log()["message"].astype(str))


# -- the command line talking HTTP to the fake: as a separate process where the process itself is tested ------
def cli(fake, store: Path, *args: str, env_extra: dict | None = None, **popen) -> subprocess.Popen:
    env = {
        **os.environ,
        "QUALTRICS_BASE_URL": fake.url,
        "QUALTRICS_API_TOKEN": fake.token,
        "QUALTRICS_DATASET_ID": "IDP_social",
        **(env_extra or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "lib", *args, "--store", str(store)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def cli_here(fake, store: Path, *args: str, env_extra: dict | None = None) -> Ran:
    """``cli``'s command and environment, run in this process (tests/cli_kit.py)."""
    env = {"QUALTRICS_BASE_URL": fake.url, "QUALTRICS_API_TOKEN": fake.token, "QUALTRICS_DATASET_ID": "IDP_social"}
    return run_cli(*args, "--store", str(store), env={**env, **(env_extra or {})})


def test_cli_pull_fills_a_store_and_keeps_the_token_off_the_command_line(fake, tmp_path):
    store = tmp_path / "m.duckdb"
    proc = cli(fake, store, "pull")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "300 new" in out and Store(store).count() == 300
    assert fake.token not in out + err


def test_a_quiet_pull_says_nothing_on_success_and_publishes_for_replicas(fake, tmp_path):
    from lib.store.snapshot import SnapshotStore

    store = tmp_path / "m.duckdb"
    done = cli_here(fake, store, "pull", "--quiet", env_extra={"SCE_SHARED_DIR": str(tmp_path / "shared")})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""  # cron mails output: a quiet success has none
    assert SnapshotStore(tmp_path / "shared").count() == Store(store).count() == 300


@pytest.mark.parametrize(
    "env_extra,code,message",
    [
        ({"QUALTRICS_API_TOKEN": "not-a-real-token-value"}, 3, "Account Settings"),
        ({"QUALTRICS_DATASET_ID": "IDP_missing"}, 4, "dataset id"),
        ({"QUALTRICS_BASE_URL": ""}, 2, "--datacenter or --base-url"),
    ],
)
def test_cli_exit_codes_tell_failures_apart(fake, tmp_path, env_extra, code, message):
    done = cli_here(fake, tmp_path / "m.duckdb", "pull", env_extra=env_extra)
    assert done.returncode == code
    assert message in done.stderr
    assert "not-a-real-token-value" not in done.stdout + done.stderr


def test_cli_import(tmp_path):
    data = tmp_path / "export.csv"
    data.write_text("uniqueId,messageContent\n1_1,hello\n,no key\n")
    proc = run_cli("import", str(data), "--store", str(tmp_path / "m.duckdb"))
    assert proc.returncode == 65  # imported, but a row was rejected
    assert "2 rows: 1 stored (1 new" in proc.stdout and "line 3: no uniqueId" in proc.stdout


@pytest.mark.parametrize("sig,expected_code", [(signal.SIGINT, 130), (signal.SIGKILL, -9)])
def test_killing_a_pull_mid_download_leaves_the_store_as_it_was(fake, tmp_path, sig, expected_code):
    store_path = tmp_path / "m.duckdb"
    first = cli(fake, store_path, "pull")
    assert first.wait(timeout=120) == 0
    store = Store(store_path)
    before, version = store.query('SELECT * FROM mentions ORDER BY "uniqueId"'), store.version()

    fake.add_rows("IDP_social", demo_rows(3000, seed=8))
    fake.faults.zip_files, fake.faults.download_delay = False, 0.5  # a slow, raw download
    progress = tmp_path / "progress.json"
    proc = cli(fake, store_path, "pull", "--progress-file", str(progress), preexec_fn=terminal_ctrl_c)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if progress.exists() and json.loads(progress.read_text() or "{}").get("phase") == "downloading":
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the pull never started downloading")
    seen = progress.read_text()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == expected_code, (seen, progress.read_text(), out, err[-2000:])
    pd.testing.assert_frame_equal(store.query('SELECT * FROM mentions ORDER BY "uniqueId"'), before)
    assert store.version() == version
