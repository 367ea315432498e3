"""The access gate: decided by configuration; a password keeps every page's data out of sight."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import fresh_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh(app_env):
    fresh_app()


def test_no_gate_without_configuration():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert at.metric and not any(t.label == "Password" for t in at.text_input)


@pytest.mark.parametrize("page", ["app.py", "pages/1_Dashboard.py", "pages/4_Mentions.py", "pages/6_Setup.py"])
def test_a_password_gates_every_page(monkeypatch, page):
    monkeypatch.setenv("SCE_PASSWORD", "correct horse")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if page != "app.py":
        at.switch_page(page)
    at.run()
    assert not at.metric and not at.dataframe and not at.sidebar.markdown
    at.text_input[0].input("wrong")  # a form: the value goes with the submit, in one run
    at.button[0].click().run()
    assert "not the password" in at.error[0].value and not at.metric
    at.text_input[0].input("correct horse")
    at.button[0].click().run()
    assert not at.exception
    assert any("mentions match" in m.value for m in at.sidebar.markdown)
    assert "correct horse" not in str(at.markdown) + str(at.caption) + str(at.code)


@pytest.fixture
def clock(monkeypatch):
    """Time for the gate's brake, moved by the test instead of slept."""
    from ui import brake

    now = [1000.0]
    monkeypatch.setattr(brake, "clock", lambda: now[0])
    monkeypatch.setenv("SCE_PASSWORD", "correct horse")
    return now


def attempt(at: AppTest, password: str) -> str:
    at.text_input[0].input(password)
    at.button[0].click().run()
    return " ".join(e.value for e in at.error)


def gate() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def test_wrong_passwords_in_one_session_slow_down(clock):
    at = gate()
    for _ in range(3):
        assert "not the password" in attempt(at, "wrong")
    # From the fourth on, each try waits 1, 2, 4 … s after the last failure: sooner, not even the right password
    # is compared.
    assert "Wait 1 s" in attempt(at, "correct horse") and not at.metric
    clock[0] += 1.1
    assert "not the password" in attempt(at, "wrong")
    clock[0] += 1.1
    assert "Wait 1 s" in attempt(at, "wrong")  # 2 s after the fourth failure
    refused = sum("Wait" in attempt(at, "wrong") for _ in range(300))
    assert refused == 300  # the 300 tries on one socket: none reaches the password
    clock[0] += 2
    assert attempt(at, "correct horse") == "" and at.metric


def test_new_sessions_share_the_servers_budget(clock):
    from ui.brake import SERVER_LIMIT, WINDOW

    for _ in range(SERVER_LIMIT):  # an attacker who opens a new session for every guess
        assert "not the password" in attempt(gate(), "wrong")
    late = gate()
    assert "on this server" in attempt(late, "correct horse") and not late.metric
    clock[0] += WINDOW + 1
    assert attempt(late, "correct horse") == "" and late.metric


def test_a_clients_own_failures_are_counted_apart():
    from ui.brake import FailureWindow

    window = FailureWindow(limit=3, window=60)
    for second in range(3):
        window.record("203.0.113.9", 100 + second)
    assert window.wait("203.0.113.9", 110) == 50  # until its first failure is a minute old
    assert window.wait("198.51.100.1", 110) == 0
    assert window.wait("203.0.113.9", 161) == 0
