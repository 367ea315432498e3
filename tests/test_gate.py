"""The access gate: decided by configuration; a password keeps every page's data out of sight."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh(app_env):
    st.cache_data.clear()
    st.cache_resource.clear()


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
