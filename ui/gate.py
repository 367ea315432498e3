"""The access gate for shared deployments, decided by configuration, never by the client's address
(behind a reverse proxy every request comes from 127.0.0.1):

- an ``[auth]`` section in ``secrets.toml`` (OIDC) → Streamlit's ``st.login``;
- else a password in ``SCE_PASSWORD`` or ``[explorer] password`` → a password form;
- else no gate (a laptop).
"""

from __future__ import annotations

import hmac
import os
from urllib.parse import quote

import streamlit as st

from ui import brake, uploads

GATE_KEY = "sce_gate_ok"


def _secrets() -> dict:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except FileNotFoundError:
        return {}


def _password() -> str:
    return os.environ.get("SCE_PASSWORD") or str(_secrets().get("explorer", {}).get("password", ""))


def require_access() -> None:
    """Stop the page unless the visitor is let in. With a gate, only sessions let in may upload files
    (ui/uploads.py), and wrong passwords are braked (ui/brake.py)."""
    if "auth" in _secrets():
        uploads.guard()
        if not st.user.is_logged_in:
            st.title("Social Connect Explorer")
            st.write("Sign in to see your team's mentions.")
            st.button("Sign in", on_click=st.login, type="primary")
            st.stop()
        uploads.admit()
        return
    password = _password()
    if not password:
        return
    uploads.guard()
    if st.session_state.get(GATE_KEY):
        uploads.admit()
        return
    st.title("Social Connect Explorer")
    with st.form("gate"):
        typed = st.text_input("Password", type="password", help="Ask whoever runs this deployment.")
        if st.form_submit_button("Open", type="primary"):
            seconds, why = brake.wait()
            if seconds > 0:
                st.error(brake.message(seconds, why))  # refused before the password is even compared
            elif hmac.compare_digest(typed.encode(), password.encode()):
                brake.succeeded()
                st.session_state[GATE_KEY] = True
                st.rerun()
            else:
                brake.failed()
                st.error("That is not the password.")
    st.stop()


def share_link() -> str | None:
    """The address of this view (page, filters, timezone) for a colleague, or None when unknown."""
    base = st.context.url
    if not base:
        return None
    query = "&".join(f"{quote(k)}={quote(v)}" for k in st.query_params for v in st.query_params.get_all(k))
    return f"{base}?{query}" if query else base
