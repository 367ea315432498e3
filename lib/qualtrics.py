"""A small client for the Qualtrics REST API v3: base URL, authentication, retries, typed errors.

Every call goes through ``QualtricsClient._request``:

- **Timeouts** on every call (connect, read), and an **overall deadline** for the whole operation.
- **Retries** with exponential backoff and full jitter on 429, 500/502/503/504 and connection errors,
  honouring ``Retry-After`` when the server sends it. Whether Qualtrics sends it is not documented, so
  both cases are handled. Other 4xx are never retried.
- **OAuth client credentials**: a token from ``/oauth2/token`` (HTTP Basic client authentication),
  refreshed 60 s before ``expires_in`` runs out and once more after a 401.
- **Errors** are typed and say what to do. Qualtrics answers a missing auth header with 400 ``ATP_2``
  and a bad token with 401 ``DCD_7``, so errors are classified by ``errorCode`` as well as status.
  No message ever contains the token or the client secret (they are scrubbed from anything the server
  echoes back).
"""

from __future__ import annotations

import base64
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from lib.errors import ExplorerError

DEFAULT_TIMEOUT = (10.0, 120.0)  # (connect, read) seconds
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_LABEL = re.compile(r"^[A-Za-z0-9-]+$")


class QualtricsError(ExplorerError):
    """A Qualtrics call failed; the message says what to do."""

    def __init__(self, message: str, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.status, self.code = status, code


class AuthError(QualtricsError):
    """Missing or wrong credentials."""


class PermissionDenied(QualtricsError):
    """Valid credentials without the right to do this."""


class NotFound(QualtricsError):
    """No such dataset, survey or export."""


class BadRequest(QualtricsError):
    """Qualtrics refused the request as malformed."""


class RateLimited(QualtricsError):
    """Still rate limited after the retries."""


class ServerError(QualtricsError):
    """Qualtrics kept failing (5xx) after the retries."""


class ConnectionFailed(QualtricsError):
    """The host could not be reached."""


class DeadlineExceeded(QualtricsError):
    """The operation took longer than its deadline."""


class ExportFailed(QualtricsError):
    """Qualtrics reported the export as failed."""


def base_url(where: str) -> str:
    """``https://…`` from a datacenter id (``iad1``), ``org.datacenter``, a brand host or a full URL."""
    value = where.strip().rstrip("/")
    if not value:
        raise QualtricsError("Give a datacenter id (like iad1) or a base URL (like https://iad1.qualtrics.com).")
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise QualtricsError(f"{where!r} is not an http(s) URL.")
        path = re.sub(r"/API/v3$", "", parts.path.rstrip("/"), flags=re.IGNORECASE)
        return f"{parts.scheme}://{parts.netloc}{path}"
    host = value[: -len(".qualtrics.com")] if value.lower().endswith(".qualtrics.com") else value
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels) or len(labels) > 2:
        raise QualtricsError(
            f"{where!r} is not a datacenter id (iad1), org.datacenter (myorg.iad1), a brand host "
            "(mybrand.qualtrics.com) or a URL."
        )
    return f"https://{host.lower()}.qualtrics.com"


@dataclass(frozen=True)
class Credentials:
    """An API token, or OAuth client credentials. ``repr`` never shows a secret."""

    api_token: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    scope: str = "read:imported_data_projects read:survey_responses read:users"

    @property
    def kind(self) -> str:
        if self.api_token:
            return "token"
        if self.client_id and self.client_secret:
            return "oauth"
        return ""

    def secrets(self) -> list[str]:
        return [s for s in (self.api_token, self.client_secret) if s]


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

    # -- plumbing --------------------------------------------------------------------------------
    def restart_deadline(self, seconds: float | None = None) -> None:
        """Start the overall deadline again (one pull = one deadline)."""
        self._deadline = self.clock() + (seconds or self.deadline_s)

    def _scrub(self, text: str) -> str:
        for secret in self.credentials.secrets() + ([self._token] if self._token else []):
            text = text.replace(secret, "***")
        return text

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    def _auth_headers(self) -> dict[str, str]:
        if self.credentials.kind == "token":
            return {"X-API-TOKEN": self.credentials.api_token}
        if not self._token or self.clock() >= self._token_expires:
            self._fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    def _fetch_token(self) -> None:
        pair = f"{self.credentials.client_id}:{self.credentials.client_secret}".encode()
        response = self._send(
            "POST",
            f"{self.base}/oauth2/token",
            headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
            data={"grant_type": "client_credentials", "scope": self.credentials.scope},
            authenticated=False,
        )
        body = response.json()
        self._token = body["access_token"]
        # Honour expires_in (an hour is usual, a day has been seen), refreshing a minute early.
        self._token_expires = self.clock() + max(float(body.get("expires_in", 3600)) - 60, 0)

    def _retry_after(self, response: requests.Response | None, attempt: int) -> float:
        if response is not None and (value := response.headers.get("Retry-After")):
            try:
                return max(float(value), 0.0)
            except ValueError:
                try:
                    return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
                except (TypeError, ValueError):
                    pass
        # Full jitter: spread retries of many clients over the whole window.
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))

    def _send(
        self, method: str, url: str, *, authenticated: bool = True, headers: dict | None = None, **kwargs
    ) -> requests.Response:
        refreshed = False
        attempt = 0
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
                response = self.session.request(method, url, headers=sent, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.max_retries:
                    raise ConnectionFailed(
                        f"Could not reach {self.host} ({type(exc).__name__}). Check the datacenter id or base URL "
                        "(Account Settings → Qualtrics IDs shows your datacenter) and your network."
                    ) from None
                self._wait(None, attempt)
                attempt += 1
                continue
            if response.status_code == 401 and authenticated and self.credentials.kind == "oauth" and not refreshed:
                self._token, refreshed = "", True  # expired early or revoked: one fresh token, one retry
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.max_retries:
                self._wait(response, attempt)
                attempt += 1
                continue
            if response.status_code >= 400:
                raise self._error(response)
            return response

    def _wait(self, response: requests.Response | None, attempt: int) -> None:
        delay = self._retry_after(response, attempt)
        if self.clock() + delay > self._deadline:
            raise DeadlineExceeded(
                f"Qualtrics at {self.host} asked us to wait {delay:.0f} s, past the deadline. Try again later."
            )
        self.sleep(delay)

    def _error(self, response: requests.Response) -> QualtricsError:
        status, code, text = response.status_code, "", ""
        try:
            error = response.json().get("meta", {}).get("error", {}) or {}
            code, text = str(error.get("errorCode", "")), str(error.get("errorMessage", ""))
        except ValueError:
            text = response.text[:200]
        said = self._scrub(f" Qualtrics said: {code + ': ' if code else ''}{text}".rstrip(": ")) if text or code else ""
        where = f"{self.host}"
        if code == "ATP_2" or (status == 400 and "authorization" in text.lower()):
            return AuthError(f"Qualtrics got no credentials (400 ATP_2). Set QUALTRICS_API_TOKEN.{said}", status, code)
        if status == 401:
            hint = (
                "The API token is wrong or was regenerated: copy it again from Account Settings → Qualtrics IDs, "
                "and check that it belongs to this datacenter."
                if self.credentials.kind == "token"
                else "The OAuth client id or secret is wrong, or the client was deleted."
            )
            return AuthError(
                f"Qualtrics at {where} rejected the credentials (401 {code or ''}). {hint}{said}", status, code
            )
        if status == 403:
            return PermissionDenied(
                "Qualtrics refused access (403): the account or OAuth client lacks the permission or scope for "
                f"this call (read:imported_data_projects, read:survey_responses).{said}",
                status,
                code,
            )
        if status == 404:
            return NotFound(
                f"Qualtrics at {where} has no such resource (404): check the dataset id and that it lives in this "
                f"datacenter.{said}",
                status,
                code,
            )
        if status == 429:
            return RateLimited(
                f"Qualtrics kept rate limiting the requests (429). Wait a minute and try again.{said}", status, code
            )
        if status >= 500:
            return ServerError(f"Qualtrics at {where} kept failing ({status}). Try again later.{said}", status, code)
        return BadRequest(f"Qualtrics refused the request ({status}).{said}", status, code)

    # -- calls -----------------------------------------------------------------------------------
    def request_json(self, method: str, path: str, **kwargs) -> dict:
        """A call to ``/API/v3/{path}``; returns the envelope's ``result``."""
        response = self._send(method, f"{self.base}/API/v3/{path.lstrip('/')}", **kwargs)
        try:
            return response.json().get("result", {})
        except ValueError:
            raise ServerError(f"Qualtrics at {self.host} answered {path} with something that is not JSON.") from None

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
            stream=True,
            headers={"Accept": "application/octet-stream, application/json"},
        )
        parts, size = [], 0
        for chunk in response.iter_content(chunk_bytes):
            size += len(chunk)
            if size > max_bytes:
                response.close()
                raise QualtricsError(f"The export is larger than {max_bytes / 1024**3:.0f} GB; export fewer fields.")
            parts.append(chunk)
            if on_bytes:
                on_bytes(size)
        return b"".join(parts)

    def whoami(self) -> dict:
        """Who the credentials belong to (also the cheapest way to test them)."""
        return self.request_json("GET", "whoami")
