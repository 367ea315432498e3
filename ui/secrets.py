"""One door for credentials: the environment first, then ``st.secrets`` (``[qualtrics]`` table).

Values are handed to ``lib`` as plain arguments; ``lib`` reads no secrets itself (the CLI's own
environment reading aside). Secret values are never put into a widget, so they never reach a browser.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from lib.qualtrics.client import Credentials
from lib.qualtrics.hosts import may_receive_configured
from ui.escape import md


@dataclass(frozen=True)
class Connection:
    where: str  # datacenter id, org.datacenter, brand host or base URL
    dataset_id: str
    credentials: Credentials
    source: str  # where the credentials came from, for the UI ("environment", "secrets.toml", "")


def _secret_table() -> dict:
    try:
        return dict(st.secrets.get("qualtrics", {}))
    except FileNotFoundError:
        return {}


def configured() -> Connection:
    """What the deployment configured (never shown to the user beyond 'configured')."""
    table = _secret_table()

    def get(name: str) -> str:
        return os.environ.get(f"QUALTRICS_{name.upper()}") or str(table.get(name, ""))

    creds = Credentials(api_token=get("api_token"), client_id=get("client_id"), client_secret=get("client_secret"))
    in_env = any(os.environ.get(f"QUALTRICS_{n}") for n in ("API_TOKEN", "CLIENT_SECRET"))
    source = "environment" if in_env else "secrets.toml" if creds.kind else ""
    return Connection(get("base_url") or get("datacenter"), get("dataset_id"), creds, source)


def credentials_for(where: str, preset: Connection, typed: Credentials) -> tuple[Credentials, str]:
    """The credentials to send to ``where``, and a note when the configured ones may not go there.

    What was typed in is sent where it was typed for. The configured credentials go only to the configured
    host or to Qualtrics' own hosts (lib.qualtrics.hosts.may_receive_configured): anyone signed in may type a
    base URL, and the server's token must not follow it to a host they run."""
    configured = preset.credentials
    if typed.kind:
        return typed, ""
    if typed.client_id and typed.client_id != configured.client_id:
        return typed, ""  # another OAuth client: its secret has to be typed too
    if not configured.kind:
        return typed, ""
    if not where or may_receive_configured(where, preset.where):
        return configured, ""
    home = md(preset.where) if preset.where else "nowhere else"
    return typed, (
        f"The credentials configured in {preset.source} are sent only to {home} and to Qualtrics' own hosts "
        "(https://….qualtrics.com). Type the credentials for this host to use it."
    )
