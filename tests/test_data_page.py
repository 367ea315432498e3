"""The Data page against the fake Qualtrics: test the connection, pull in the background, show the store."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.qualtrics.background import PullRunning, current_job, job_status, start_pull
from lib.qualtrics.client import Credentials
from lib.store.local import Store
from tests.conftest import configured_data_dir
from tests.fake_qualtrics import demo_rows

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake(fake):
    fake.add_rows("IDP_social", demo_rows(500))
    return fake


@pytest.fixture
def env(fake, demo_data_dir, tmp_path, monkeypatch):
    return configured_data_dir(fake, demo_data_dir, tmp_path, monkeypatch)


def wait_for(job, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = job_status(job)
        if not status["running"]:
            return status
        time.sleep(0.1)
    raise AssertionError(f"the pull did not finish: {job_status(job)} {Path(job.log).read_text()[-2000:]}")


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/5_Data.py")
    return at.run()


def test_connection_pull_and_switch_from_demo_to_your_data(env, fake):
    at = data_page()
    assert "demo" in at.sidebar.caption[-1].value.lower()
    password = next(t for t in at.text_input if t.label == "API token")
    assert password.value == ""  # the configured token is never put into a widget
    assert "configured in environment" in password.placeholder

    next(b for b in at.button if b.label == "Test connection").click().run()
    assert any("Ready to pull" in s.value and r"Connected as analyst" in s.value for s in at.success)
    assert any(r"example\.com" in s.value for s in at.success)  # what the server says is shown as text

    next(b for b in at.button if b.label == "Pull now").click().run()
    status = wait_for(current_job(env))
    assert status["rows_new"] == 500 and status["mode"] == "full"
    at.run()
    assert not at.exception
    assert "500 of 500 mentions match" in next(m.value for m in at.sidebar.markdown if "match" in m.value).replace(
        "**", ""
    )
    assert any(r"Last pull of IDP\_social (full): 500 new" in s.value for s in at.success)
    log = Store(env / "mentions.duckdb").log()
    assert log.loc[0, "kind"] == "pull" and fake.token not in log.to_string()


def test_a_second_pull_while_one_runs_is_refused(env, fake, tmp_path):
    fake.faults.polls_per_export = 4  # a slow export: about 4 s of polling (0.5 s, growing)
    creds = Credentials(api_token=fake.token)
    job = start_pull(env, where=fake.url, dataset_id="IDP_social", store=env / "m.duckdb", credentials=creds)
    with pytest.raises(PullRunning, match="already running"):
        start_pull(env, where=fake.url, dataset_id="IDP_social", store=env / "m.duckdb", credentials=creds)
    assert wait_for(job)["rows_new"] == 500
    assert fake.token not in Path(job.log).read_text()
    assert "QUALTRICS" not in " ".join(json.loads((env / "pull-job.json").read_text()).keys())


def test_a_failed_background_pull_reports_its_error(env, fake):
    job = start_pull(
        env,
        where=fake.url,
        dataset_id="IDP_nope",
        store=env / "m.duckdb",
        credentials=Credentials(api_token=fake.token),
    )
    status = wait_for(job)
    assert "404" in status["error"] and "dataset id" in status["error"]


def test_evaluate_now_says_why_it_cannot_run_and_what_a_run_that_finds_nothing_looked_at(
    demo_data_dir, tmp_path, monkeypatch
):
    import pandas as pd

    from lib.alerts.rules import Rule, add_rule
    from lib.mentions.normalize import normalize
    from tests.conftest import own_data_dir

    data = own_data_dir(demo_data_dir, tmp_path, monkeypatch)
    mine = Store(data / "mentions.duckdb")
    add_rule(mine.path, Rule("", "Huge", "volume", threshold=1e9, webhook="https://hooks.example.com/x"))

    def evaluate_now(at: AppTest):
        return next(b for b in at.button if b.label == "Evaluate now")

    def said(at: AppTest) -> str:
        return " ".join(c.value for c in at.caption if ":material/info:" in c.value)

    at = data_page()  # the demo data: your store is empty
    assert evaluate_now(at).disabled and "your store, and it is empty" in said(at) and "import a file" in said(at)
    frame, _ = normalize(
        pd.DataFrame({"uniqueId": ["a", "b"], "messageContent": ["late", "lost bag"], "datePublished": "2026-09-30"})
    )
    mine.ingest([frame], kind="import", source="two.csv")
    at = data_page()  # your store now
    evaluate_now(at).click().run()
    assert "Alerts: 0 new, 0 delivered." in at.success[-1].value.replace("\\", "")  # Markdown escapes taken off
    assert "Nothing new: no rule's condition is met in the newest data (the day of the newest mention, 2026-09-30" in (
        said(at)
    )
    at.toggle(key="w_demo").set_value(True).run()  # the demo data instead of your store
    assert evaluate_now(at).disabled and "turn off *Show the demo data instead of your store*" in said(at)
    assert not at.exception
