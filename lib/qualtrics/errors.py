"""The errors of the Qualtrics client, and what an HTTP error reply means, in words that say what to do.

Qualtrics answers a missing auth header with 400 ``ATP_2`` and a bad token with 401 ``DCD_7``, so replies are
classified by ``errorCode`` as well as status. A server's own message is shown only from Qualtrics' hosts, scrubbed
of every form of the credentials before it is cut (lib/qualtrics/scrub.py); from any other host only its code.
"""

from __future__ import annotations

from collections.abc import Callable

from lib.errors import ExplorerError
from lib.qualtrics.scopes import Need, covers
from lib.qualtrics.scrub import one_line

MESSAGE_CHARS = 160  # the most of a server's error message ever shown or stored


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


class UnknownExportStatus(QualtricsError):
    """An export's progress said a status that is none of the documented three."""


def from_reply(
    status: int,
    code: str,
    text: str,
    *,
    host: str,
    trusted: bool,
    oauth: bool,
    scrub: Callable[[str], str],
    need: Need | None = None,
    granted: frozenset[str] | None = None,
) -> QualtricsError:
    """The error an HTTP error reply (``status``, envelope ``code`` and message ``text``) stands for."""
    # A message only from Qualtrics' own hosts, scrubbed before it is cut; from any other host the code.
    message = one_line(scrub(text), MESSAGE_CHARS) if trusted and text else ""
    said = f" Qualtrics said: {code + ': ' if code and message else code}{message}" if code or message else ""
    if 300 <= status < 400:
        return QualtricsError(f"{host} answered with a redirect ({status}) and no address. Check the base URL.", status)
    if code == "ATP_2" or (status == 400 and "authorization" in text.lower()):
        return AuthError(f"Qualtrics got no credentials (400 ATP_2). Set QUALTRICS_API_TOKEN.{said}", status, code)
    if code == "invalid_scope":
        return AuthError(
            f"{host} refused the OAuth scopes asked for ({status} invalid_scope). Grant the OAuth client the scopes "
            "listed in the README (Account Settings → OAuth clients), or set QUALTRICS_SCOPE to what it has.",
            status,
            code,
        )
    if status == 401:
        hint = (
            "The OAuth client id or secret is wrong, or the client was deleted."
            if oauth
            else "The API token is wrong or was regenerated: copy it again from Account Settings → Qualtrics IDs, "
            "and check that it belongs to this datacenter."
        )
        return AuthError(
            f"Qualtrics at {host} rejected the credentials (401{' ' + code if code else ''}). {hint}{said}",
            status,
            code,
        )
    if status == 403:
        return PermissionDenied(_forbidden(oauth, need, granted) + said, status, code)
    if status == 404:
        return NotFound(
            f"Qualtrics at {host} has no such resource (404): check the dataset id and that it lives in this "
            f"datacenter.{said}",
            status,
            code,
        )
    if status == 429:
        return RateLimited(
            f"Qualtrics kept rate limiting the requests (429). Wait a minute and try again.{said}", status, code
        )
    if status >= 500:
        return ServerError(f"Qualtrics at {host} kept failing ({status}). Try again later.{said}", status, code)
    return BadRequest(f"Qualtrics refused the request ({status}).{said}", status, code)


def _forbidden(oauth: bool, need: Need | None, granted: frozenset[str] | None) -> str:
    """A 403 in words: for OAuth, the scope the call needs (and whether the token has it)."""
    if not oauth:
        what = need.what if need else "do this"
        return (
            f"Qualtrics refused access (403): the account of this API token may not {what}. Ask your Brand "
            "Administrator for API access and for access to this dataset (shared with you, or yours)."
        )
    if need is None:
        return "Qualtrics refused access (403): the OAuth client lacks a scope or permission for this call."
    has = covers(granted, need.scope)
    known = (
        "; the token was granted: " + (" ".join(sorted(granted)) or "nothing")
        if granted is not None and has is False
        else ""
    )
    return (
        f"Qualtrics refused access (403): the OAuth client may not {need.what}. It needs the scope {need.scope} "
        f"(or manage:all){known}. Add it to the client in Account Settings → OAuth clients."
    )
