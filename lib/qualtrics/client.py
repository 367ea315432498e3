"""A small client for the Qualtrics REST API v3: base URL, authentication, retries, typed errors.

Every call goes through ``QualtricsClient._request``:

- **Timeouts** on every call (connect, read), and an **overall deadline** for the whole operation.
- **Retries** with exponential backoff and full jitter on 429, 500/502/503/504 and connection errors,
  honouring ``Retry-After`` when the server sends it. Whether Qualtrics sends it is not documented, so
  both cases are handled. Other 4xx are never retried.
- **OAuth client credentials**: a token from ``/oauth2/token`` (HTTP Basic client authentication),
  refreshed 60 s before ``expires_in`` runs out and once more after a 401.
- **Errors** are typed and say what to do, on one line. Qualtrics answers a missing auth header with
  400 ``ATP_2`` and a bad token with 401 ``DCD_7``, so errors are classified by ``errorCode`` as well as
  status. Of a reply body only the error code and, from a host on Qualtrics' domain, a short message
  are ever shown or stored, scrubbed of every form of the credentials first (lib/qualtrics/scrub.py); an odd
  reply (not JSON, too deep, too large, a list, an OAuth answer without a token) is a message too,
  never a traceback. Replies are read up to a size cap, so a hostile host cannot fill the memory.
- **Where credentials go**: only to the client's own host (the host rules are lib/qualtrics/hosts.py; the error
  classes and what an error reply means, lib/qualtrics/errors.py; OAuth scopes per call, lib/qualtrics/scopes.py;
  their names are importable from here too). Redirects are not followed to another
  host (``requests`` would carry the ``X-API-TOKEN`` header along). Which host may receive the
  *configured* credentials is ``may_receive_configured``: the configured one, or Qualtrics' own.
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests

from lib.qualtrics import scopes
from lib.qualtrics.errors import (
    AuthError,
    BadRequest,
    ConnectionFailed,
    DeadlineExceeded,
    ExportFailed,
    NotFound,
    PermissionDenied,
    QualtricsError,
    RateLimited,
    ServerError,
    UnknownExportStatus,
    from_reply,
)
from lib.qualtrics.hosts import base_url, is_qualtrics_host, may_receive_configured, origin, same_host
from lib.qualtrics.scrub import Scrubber

DEFAULT_TIMEOUT = (10.0, 120.0)  # (connect, read) seconds
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
JSON_LIMIT = 16 * 1024**2  # an API answer (export progress, whoami) is a few hundred bytes
ERROR_LIMIT = 64 * 1024  # of an error reply, only the envelope's code and message are read
MAX_REDIRECTS = 5
__all__ = [  # the errors and host rules live in their own modules; importing them from here keeps working
    "AuthError",
    "BadRequest",
    "ConnectionFailed",
    "Credentials",
    "DeadlineExceeded",
    "ExportFailed",
    "NotFound",
    "PermissionDenied",
    "QualtricsClient",
    "QualtricsError",
    "RateLimited",
    "ServerError",
    "UnknownExportStatus",
    "base_url",
    "is_qualtrics_host",
    "may_receive_configured",
    "same_host",
]


@dataclass(frozen=True)
class Credentials:
    """An API token, or OAuth client credentials. ``repr`` never shows a secret."""

    api_token: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    scope: str = scopes.READ  # what the OAuth token is asked for (lib/qualtrics/scopes.py)

    @property
    def kind(self) -> str:
        if self.api_token:
            return "token"
        if self.client_id and self.client_secret:
            return "oauth"
        return ""

    def secrets(self) -> list[str]:
        return [s for s in (self.api_token, self.client_secret) if s]

    def scrubber(self, *more: str) -> Scrubber:
        """Masks these credentials (and ``more``, an OAuth access token) in any form (lib/qualtrics/scrub.py)."""
        return Scrubber([*self.secrets(), *more], [(self.client_id, self.client_secret)])

    def problem(self) -> str:
        """Why these credentials cannot be sent at all (spaces, line breaks), or ""."""
        for name, value in (("API token", self.api_token), ("client id", self.client_id)):
            if not value.isascii() or any(c.isspace() or not c.isprintable() for c in value):
                return f"The {name} has characters that a {name} cannot have (spaces, line breaks): copy it again."
        if self.client_secret and any(c in "\r\n" for c in self.client_secret):
            return "The client secret has a line break: copy it again."
        return ""


class QualtricsClient:
    """Talks to one Qualtrics host. ``session`` is injectable (tests pass one, or none)."""

    def __init__(
        self,
        base: str,
        credentials: Credentials,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        deadline: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not credentials.kind:
            raise AuthError(
                "No credentials: set QUALTRICS_API_TOKEN, or QUALTRICS_CLIENT_ID and QUALTRICS_CLIENT_SECRET "
                "(environment or secrets.toml)."
            )
        if problem := credentials.problem():
            raise AuthError(problem)
        self.base = base_url(base)
        self.credentials = credentials
        self.session = session or requests.Session()
        self.timeout, self.max_retries = timeout, max_retries
        self.backoff, self.max_backoff = backoff, max_backoff
        self.sleep, self.clock = sleep, clock
        self.deadline_s = deadline
        self._deadline = clock() + deadline
        self._token: str = ""
        self._token_expires = 0.0
        self._scrubber = credentials.scrubber()
        # The scopes the last OAuth token was granted, if its answer said (lib/qualtrics/scopes.py); None: unknown.
        self.granted: frozenset[str] | None = None

    # -- plumbing --------------------------------------------------------------------------------
    def restart_deadline(self, seconds: float | None = None) -> None:
        """Start the overall deadline again (one pull = one deadline)."""
        self._deadline = self.clock() + (seconds or self.deadline_s)

    def scrub(self, text: str) -> str:
        """``text`` without the credentials or the OAuth access token, in any form they could be echoed in."""
        return self._scrubber(text)

    @property
    def trusted(self) -> bool:
        """Whether the host is Qualtrics' own: only then is a server's error message worth showing."""
        return is_qualtrics_host(self.base)

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    def _auth_headers(self) -> dict[str, str]:
        if self.credentials.kind == "token":
            return {"X-API-TOKEN": self.credentials.api_token}
        if not self._token or self.clock() >= self._token_expires:
            self._fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    def add_scopes(self, *more: str) -> None:
        """Ask the OAuth token for these scopes too (creating a dataset needs a write scope); a token already
        held without them is dropped, so the next call fetches one that has them."""
        wanted = scopes.with_scopes(self.credentials.scope, *more)
        if wanted != self.credentials.scope:
            self.credentials = replace(self.credentials, scope=wanted)
            self._token = ""

    def _fetch_token(self) -> None:
        pair = f"{self.credentials.client_id}:{self.credentials.client_secret}".encode()
        form = {"grant_type": "client_credentials", "scope": self.credentials.scope}
        try:
            response = self._token_request(pair, form)
        except AuthError as exc:
            if exc.code != "invalid_scope":
                raise
            # The OAuth client was not granted every scope asked for: ask with none, take its defaults; a call
            # that needs a missing one then gets a 403 that names it.
            response = self._token_request(pair, {"grant_type": "client_credentials"})
        body = self._json(response, "the OAuth token request")
        self.granted = scopes.parse(body.get("scope"))
        token = body.get("access_token")
        if not isinstance(token, str) or not token or not token.isprintable() or len(token) > 4096:
            raise AuthError(
                f"{self.host} answered the OAuth token request without an access token. Check the client id, "
                "the secret and the scope (Qualtrics: Account Settings → OAuth clients), then try again."
            )
        self._token = token
        self._scrubber = self.credentials.scrubber(token)
        # Honour expires_in (an hour is usual, a day has been seen), refreshing a minute early.
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        lifetime = lifetime if math.isfinite(lifetime) else 3600.0
        self._token_expires = self.clock() + min(max(lifetime - 60, 0), 86400)

    def _token_request(self, pair: bytes, form: dict[str, str]) -> requests.Response:
        return self._send(
            "POST",
            f"{self.base}/oauth2/token",
            headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
            data=form,
            authenticated=False,
        )

    def _retry_after(self, response: requests.Response | None, attempt: int) -> float:
        if response is not None and (value := response.headers.get("Retry-After")):
            try:
                seconds = float(value)
            except ValueError:
                try:
                    seconds = parsedate_to_datetime(value).timestamp() - time.time()
                except (TypeError, ValueError, OverflowError):
                    seconds = math.nan
            if math.isfinite(seconds):
                return max(seconds, 0.0)
        # Full jitter: spread retries of many clients over the whole window.
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))

    def _send(
        self,
        method: str,
        url: str,
        *,
        authenticated: bool = True,
        headers: dict | None = None,
        replay: bool = True,
        **kwargs,
    ) -> requests.Response:
        """One call, with retries. ``replay=False`` is for a request that must not run twice (it creates
        something, or spends something): then it is sent again only when the server surely did not act on it
        (a 429, a connection that was never made), never after a 5xx or a reply that broke off."""
        refreshed = False
        attempt = redirects = 0
        while True:
            if self.clock() > self._deadline:
                raise DeadlineExceeded(
                    f"Qualtrics at {self.host} did not finish within {self.deadline_s:.0f} s. Try again later, or "
                    "raise the deadline (--deadline)."
                )
            sent = dict(headers or {})
            if authenticated:
                sent.update(self._auth_headers())
            try:
                response = self.session.request(
                    method, url, headers=sent, timeout=self.timeout, allow_redirects=False, stream=True, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.max_retries:
                    raise self._unreachable(exc) from None
                if not replay and not _never_sent(exc):
                    raise ConnectionFailed(
                        f"The connection to {self.host} broke off before it answered ({type(exc).__name__}); the "
                        "request may have been carried out, so it was not sent again. Check in Qualtrics before "
                        "you try again."
                    ) from None
                self._wait(None, attempt, exc)
                attempt += 1
                continue
            except (requests.RequestException, ValueError, UnicodeError) as exc:
                # An address requests cannot use, a header it refuses: never retried, never a traceback.
                raise QualtricsError(
                    f"The request to {self.host} could not be made ({type(exc).__name__}). Check the base URL."
                ) from None
            if 300 <= response.status_code < 400 and response.headers.get("Location"):
                url = self._redirected(url, response.headers["Location"], redirects)
                response.close()
                redirects += 1
                continue
            if response.status_code == 401 and authenticated and self.credentials.kind == "oauth" and not refreshed:
                response.close()
                self._token, refreshed = "", True  # expired early or revoked: one fresh token, one retry
                continue
            retry = response.status_code in RETRY_STATUSES and (replay or response.status_code == 429)
            if retry and attempt < self.max_retries:
                response.close()
                self._wait(response, attempt)
                attempt += 1
                continue
            if response.status_code >= 300:
                raise self._error(response, method, url)
            return response

    def _unreachable(self, exc: Exception) -> ConnectionFailed:
        return ConnectionFailed(
            f"Could not reach {self.host} ({type(exc).__name__}). Check the datacenter id or base URL "
            "(Account Settings → Qualtrics IDs shows your datacenter) and your network."
        )

    def _redirected(self, url: str, location: str, redirects: int) -> str:
        """Where a redirect points, if it stays on this host; credentials never follow it elsewhere."""
        try:
            target = urljoin(url, location)
            elsewhere = origin(target) != origin(self.base)
        except ValueError:
            elsewhere = True
        if redirects >= MAX_REDIRECTS or elsewhere:
            raise QualtricsError(
                f"{self.host} redirected the request to another address, where the credentials are not sent. "
                "Check the base URL: use the datacenter's own (https://<datacenter>.qualtrics.com)."
            )
        return target

    def _wait(self, response: requests.Response | None, attempt: int, failure: Exception | None = None) -> None:
        delay = self._retry_after(response, attempt)
        if self.clock() + delay > self._deadline:
            if failure is not None:  # nothing was said: the host could not be reached
                raise self._unreachable(failure)
            raise DeadlineExceeded(
                f"Qualtrics at {self.host} asked us to wait {delay:.0f} s, past the deadline. Try again later."
            )
        self.sleep(delay)

    def _read(self, response: requests.Response, limit: int) -> bytes | None:
        """The body, up to ``limit`` bytes (None beyond it, or when it broke off)."""
        data = bytearray()
        try:
            for chunk in response.iter_content(65536):
                data += chunk
                if len(data) > limit:
                    return None
        except (requests.RequestException, OSError):
            return None
        finally:
            response.close()
        return bytes(data)

    def _json(self, response: requests.Response, what: str) -> dict:
        """The reply's JSON object, or a one-line error that says what was odd about it."""
        data = self._read(response, JSON_LIMIT)
        if data is None:
            raise ServerError(
                f"{self.host} answered {what} with more than {JSON_LIMIT // 1024**2} MB or broke off. Try again; "
                "if it persists, check the base URL."
            )
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise ServerError(
                f"{self.host} answered {what} with something that is not a JSON object. Check the base URL "
                "(it should be your datacenter's, like https://iad1.qualtrics.com)."
            )
        return body

    def _said(self, response: requests.Response) -> tuple[str, str]:
        """The error's code and message, read from at most ERROR_LIMIT bytes; ("", "") if none. Qualtrics puts
        them in its envelope's ``meta.error``; an OAuth token endpoint answers ``{"error": "invalid_scope"}``."""
        data = self._read(response, ERROR_LIMIT)
        try:
            body = json.loads(data) if data else None
        except (ValueError, RecursionError):
            body = None
        meta = body.get("meta") if isinstance(body, dict) else None
        error = meta.get("error") if isinstance(meta, dict) else None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            error = {"errorCode": body["error"], "errorMessage": body.get("error_description")}
        if not isinstance(error, dict):
            return "", ""
        code, text = error.get("errorCode"), error.get("errorMessage")
        code = code if isinstance(code, str) and _ERROR_CODE.match(code) and self.scrub(code) == code else ""
        return code, text if isinstance(text, str) else ""

    def _error(self, response: requests.Response, method: str, url: str) -> QualtricsError:
        code, text = self._said(response)
        path = url.split("/API/v3/", 1)[1] if "/API/v3/" in url else ""
        error = from_reply(
            response.status_code,
            code,
            text,
            host=self.host,
            trusted=self.trusted,
            oauth=self.credentials.kind == "oauth",
            scrub=self.scrub,
            need=scopes.needed(method, path) if path else None,
            granted=self.granted,
        )
        error.args = (self.scrub(str(error)),)  # the granted scopes are the server's words too
        return error

    # -- calls -----------------------------------------------------------------------------------
    def request_json(self, method: str, path: str, **kwargs) -> dict:
        """A call to ``/API/v3/{path}``; returns the envelope's ``result`` (a dict, else an error). ``replay=False``:
        see ``_send``."""
        response = self._send(method, f"{self.base}/API/v3/{path.lstrip('/')}", **kwargs)
        result = self._json(response, path.split("/")[0] or path).get("result", {})
        if not isinstance(result, dict):
            raise ServerError(f"{self.host} answered {path.split('/')[0]} without a result object. Try again.")
        return result

    def download(
        self,
        path: str,
        *,
        chunk_bytes: int = 1 << 20,
        max_bytes: int = 2 * 1024**3,
        on_bytes: Callable[[int], None] | None = None,
    ) -> bytes:
        """The bytes of ``/API/v3/{path}``, streamed."""
        response = self._send(
            "GET",
            f"{self.base}/API/v3/{path.lstrip('/')}",
            headers={"Accept": "application/octet-stream, application/json"},
        )
        parts, size = [], 0
        # The overall deadline holds inside the download too: a server that trickles a byte now and then never
        # trips the per-read timeout, so a timer closes the response when the deadline passes (the blocking
        # read then fails, and says why below).
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            response.close()

        watchdog = threading.Timer(max(self._deadline - self.clock(), 5.0), expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            for chunk in response.iter_content(chunk_bytes):
                size += len(chunk)
                if size > max_bytes:
                    raise QualtricsError(
                        f"The export is larger than {max_bytes / 1024**3:.0f} GB; export fewer fields."
                    )
                parts.append(chunk)
                if on_bytes:
                    on_bytes(size)
        except (requests.RequestException, OSError, AttributeError, ValueError) as exc:
            if expired.is_set():
                raise DeadlineExceeded(
                    f"The download from {self.host} did not finish within {self.deadline_s:.0f} s "
                    f"({size / 1e6:,.1f} MB arrived). Try again later, or raise the deadline (--deadline)."
                ) from None
            raise ConnectionFailed(
                f"The download from {self.host} broke off after {size / 1e6:,.1f} MB ({type(exc).__name__}). "
                "Try again: nothing was stored."
            ) from None
        finally:
            watchdog.cancel()
            response.close()
        if expired.is_set():  # closed by the watchdog: what arrived is not the whole file
            raise DeadlineExceeded(
                f"The download from {self.host} did not finish within {self.deadline_s:.0f} s. Try again later, "
                "or raise the deadline (--deadline)."
            )
        return b"".join(parts)

    def whoami(self) -> dict:
        """Who the credentials belong to (also the cheapest way to test them)."""
        return self.request_json("GET", "whoami")


def _never_sent(exc: Exception) -> bool:
    """Whether a connection error happened before the request left (refused, no route, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen, cause = 0, exc.args[0] if exc.args else None
    while cause is not None and seen < 5:
        if type(cause).__name__ in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"):
            return True
        cause, seen = getattr(cause, "reason", None), seen + 1
    return False
