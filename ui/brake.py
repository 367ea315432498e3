"""A brake on password guessing at the gate (ui/gate.py).

Three limits, each refusing an attempt *without checking it* while it holds:

- per session: three tries, then a wait that doubles after each further failure (1 s, 2 s, 4 s … 60 s);
- per client address, when the app sees one that is not the machine's own (a server reached directly):
  ``CLIENT_LIMIT`` failures per ``WINDOW``;
- per server process: ``SERVER_LIMIT`` failures per ``WINDOW`` from everyone together. Behind a reverse proxy
  every client is 127.0.0.1 and a new tab is a new session, so this budget is what bounds an attacker who
  opens sessions in a loop: at most ``SERVER_LIMIT`` guesses per ``WINDOW``.

The price of the last one: someone who keeps guessing can keep the team waiting at the gate (a few minutes at
a time, never locked out for good). Where that matters, sign-in through OIDC (``[auth]``) or the proxy.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque

import streamlit as st

FREE_TRIES = 3
MAX_DELAY = 60.0
WINDOW = 300.0
SERVER_LIMIT = 20
CLIENT_LIMIT = 10
FAILURES_KEY, LAST_KEY = "sce_gate_failures", "sce_gate_last_failure"
clock = time.monotonic  # tests move time forward instead of sleeping


class FailureWindow:
    """Failure times per key over a sliding window; thread-safe, a bounded number of keys."""

    def __init__(self, limit: int, window: float, max_keys: int = 10_000):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self.times: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again (0: now)."""
        with self.lock:
            times = self.times.get(key)
            while times and times[0] <= now - self.window:
                times.popleft()
            if not times or len(times) < self.limit:
                return 0.0
            return times[0] + self.window - now

    def record(self, key: str, now: float) -> None:
        with self.lock:
            if key not in self.times and len(self.times) >= self.max_keys:
                self.times.pop(next(iter(self.times)))  # the oldest key goes
            self.times.setdefault(key, deque(maxlen=self.limit)).append(now)


@st.cache_resource
def _windows() -> tuple[FailureWindow, FailureWindow]:
    """Shared by every session of this server process: (the server's budget, the clients')."""
    return FailureWindow(SERVER_LIMIT, WINDOW), FailureWindow(CLIENT_LIMIT, WINDOW)


def _client() -> str | None:
    """The client's address, unless it is a loopback one (a proxy's: it tells no clients apart)."""
    try:
        address = st.context.ip_address
        return None if not address or ipaddress.ip_address(address).is_loopback else address
    except (ValueError, AttributeError):
        return None


def wait() -> tuple[float, str]:
    """How long before this session may try a password, and why ("" when it may now)."""
    now = clock()
    failures = st.session_state.get(FAILURES_KEY, 0)
    if failures >= FREE_TRIES:
        delay = min(2.0 ** (failures - FREE_TRIES), MAX_DELAY)
        if (left := st.session_state.get(LAST_KEY, now) + delay - now) > 0:
            return left, f"{failures} wrong passwords in a row"
    server, clients = _windows()
    if (client := _client()) and (left := clients.wait(client, now)) > 0:
        return left, "too many wrong passwords from your address"
    if (left := server.wait("*", now)) > 0:
        return left, "too many wrong passwords on this server lately"
    return 0.0, ""


def failed() -> None:
    now = clock()
    st.session_state[FAILURES_KEY] = st.session_state.get(FAILURES_KEY, 0) + 1
    st.session_state[LAST_KEY] = now
    server, clients = _windows()
    server.record("*", now)
    if client := _client():
        clients.record(client, now)


def succeeded() -> None:
    st.session_state.pop(FAILURES_KEY, None)
    st.session_state.pop(LAST_KEY, None)


def message(seconds: float, why: str) -> str:
    return f"Wait {math.ceil(seconds)} s before trying again: {why}."
