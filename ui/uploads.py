"""File uploads only from sessions the gate let in.

Streamlit accepts ``PUT /_stcore/upload_file/<session>/<file>`` from any open session, before the gate runs:
a visitor who never typed the password could otherwise put ``server.maxUploadSize`` into the server's memory,
as many times as they like. Streamlit checks every upload with ``Runtime.is_active_session`` (its only
caller in Streamlit 1.67, before reading the body); with a gate configured, ``guard`` makes that check also
require a session the gate let in, so anyone else's upload is refused (400) before a byte is read.
tests/test_uploads.py checks this over HTTP against a running server, so a Streamlit that changes the check
fails a test rather than letting uploads through. The proxy rule in deploy/ bounds them as well.
"""

from __future__ import annotations

import threading

from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

_admitted: set[str] = set()
_lock = threading.Lock()
MAX_SESSIONS = 100_000  # ids of sessions let in, kept for the process's life (a few MB at most)


def admit() -> None:
    """Let this session upload (called by the gate once it let the visitor in)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with _lock:
        if len(_admitted) >= MAX_SESSIONS:
            _admitted.clear()  # the open ones are admitted again on their next rerun
        _admitted.add(ctx.session_id)


def guard() -> None:
    """Refuse uploads from sessions the gate did not let in (once per server process)."""
    if not Runtime.exists():  # AppTest, bare mode: no server, no uploads
        return
    runtime = Runtime.instance()
    check = runtime.is_active_session
    if getattr(check, "sce_gated", False):
        return

    def gated(session_id: str) -> bool:
        with _lock:
            admitted = session_id in _admitted
        return admitted and check(session_id)

    gated.sce_gated = True  # type: ignore[attr-defined]
    runtime.is_active_session = gated  # type: ignore[method-assign]
