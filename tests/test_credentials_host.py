"""The configured token goes only to the configured host (or Qualtrics' own): another base URL typed on the
Data or Setup page needs its own credentials, for Test connection, Pull now and Create the dataset."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.qualtrics.background import current_job
from tests.conftest import configured_data_dir
from tests.fake_qualtrics import FakeQualtrics, FakeServer, demo_rows
from tests.test_data_page import wait_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def elsewhere():
    """Another server, run by whoever is signed in: it must never see the configured token."""
    state = FakeQualtrics()
    with FakeServer(state) as server:
        state.url = server.url
        state.add_rows("IDP_social", demo_rows(20))
        yield state


@pytest.fixture
def env(fake, demo_data_dir, tmp_path, monkeypatch):
    return configured_data_dir(fake, demo_data_dir, tmp_path, monkeypatch)


def page(script: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(script)
    return at.run()


def tokens_seen(server: FakeQualtrics) -> set[str]:
    return {headers.get("X-API-TOKEN", "") for _, _, headers in server.requests} - {""}


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_test_connection_and_pull_to_another_host_need_their_own_token(env, fake, elsewhere):
    at = page("pages/5_Data.py")
    next(t for t in at.text_input if t.label == "Datacenter or base URL").input(elsewhere.url).run()
    assert any("sent only to" in w.value for w in at.warning)
    assert button(at, "Test connection").disabled and button(at, "Pull now").disabled
    assert elsewhere.requests == []  # nothing went there, least of all the configured token

    typed = elsewhere.add_token()
    next(t for t in at.text_input if t.label == "API token").input(typed).run()
    button(at, "Test connection").click().run()
    assert any("Connected as" in s.value for s in at.success)
    button(at, "Pull now").click().run()
    assert wait_for(current_job(env))["rows_new"] == 20
    assert tokens_seen(elsewhere) == {typed} and fake.token not in tokens_seen(elsewhere)


def test_the_configured_host_still_gets_the_configured_token(env, fake):
    fake.add_rows("IDP_social", demo_rows(5))  # Test connection looks the dataset up too
    at = page("pages/5_Data.py")
    assert not at.warning
    button(at, "Test connection").click().run()
    assert any("Connected as" in s.value for s in at.success)
    assert tokens_seen(fake) == {fake.token}


def test_create_the_dataset_on_another_host_needs_its_own_token(env, fake, elsewhere):
    at = page("pages/6_Setup.py")
    at.text_input(key="setup_where").input(elsewhere.url).run()
    assert any("sent only to" in w.value for w in at.warning)
    assert button(at, "Create the dataset").disabled
    assert elsewhere.requests == [] and elsewhere.created == []
    typed = elsewhere.add_token()
    at.text_input(key="setup_token").input(typed).run()
    button(at, "Create the dataset").click().run()
    assert any("Dataset id" in s.value for s in at.success)
    assert tokens_seen(elsewhere) == {typed}


BAD = [
    ("x" * 5000, "typed-token", "5,000 characters long"),
    ("x" * 100, "typed-token", "not a datacenter"),
    ("https://user:pw@iad1.qualtrics.com", "typed-token", "plain base URL"),
    ("http://[::1]:99999", "typed-token", "plain base URL"),
    ("ftp://x", "typed-token", "not an http"),
    ("http://127.0.0.1:1", "typed-token", "Could not reach"),
    ("http://127.0.0.1:1", "typed token", "copy it again"),
]


@pytest.mark.parametrize(
    "where,token,says", BAD, ids=["5,000 chars", "a 100-char label", "userinfo", "bad port", "ftp", "refused", "space"]
)
def test_a_bad_base_url_or_token_is_a_one_line_message(env, fake, where, token, says):
    at = page("pages/5_Data.py")
    next(t for t in at.text_input if t.label == "Datacenter or base URL").input(where).run()
    next(t for t in at.text_input if t.label == "API token").input(token).run()
    button(at, "Test connection").click().run()
    assert not at.exception and at.error
    # The check's steps, one line each (lib/qualtrics/check.py): the last one is the failure, in one line.
    steps = [line for line in at.error[0].value.split("\n") if line.startswith("- ")]
    assert steps and "cancel" in steps[-1] and says in steps[-1].replace("\\", "")
    assert fake.requests == []
