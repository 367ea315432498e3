"""Delivering an alert: to a webhook (Slack- and Teams-compatible JSON ``{"text": …}``) and by email (SMTP
with STARTTLS), with the settings and secrets read from the environment or ``.streamlit/secrets.toml``.

Secrets: the SMTP password, and a webhook URL (Slack's and Teams' carry their token in the path). None of them
appears in a message, log line, error or the UI: a webhook is named by its scheme and host only
(``shown_url``), and SMTP errors are reported by kind. A webhook URL is user input: only https (http to
this machine, for local receivers), no user:password@ part, at most 2,048 characters; redirects are not
followed (a redirect could carry the message elsewhere).

Settings (environment first, then the ``[alerts]`` table of secrets.toml, lower-case without ``SCE_``):
``SCE_APP_URL`` (the app's address, for the links in alerts; ``[explorer] app_url`` too), ``SCE_ALERT_WEBHOOK_URL``
(the team's webhook, for rules that say "configured"), ``SCE_SMTP_HOST``, ``SCE_SMTP_PORT`` (587),
``SCE_SMTP_USER``, ``SCE_SMTP_PASSWORD``, ``SCE_SMTP_FROM``, ``SCE_SMTP_CAFILE`` (a CA bundle for a relay with
its own certificate authority).
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
import tomllib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import requests

from lib.errors import ExplorerError
from lib.paths import PROJECT_ROOT

MAX_URL = 2048
TIMEOUT = 10.0
LOOPBACK_NAMES = ("localhost",)


class DeliveryError(ExplorerError):
    """A delivery that did not go through; the message names the channel by host only."""


def _secrets_table(name: str) -> dict:
    path = PROJECT_ROOT / ".streamlit" / "secrets.toml"
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle).get(name, {})
    except (FileNotFoundError, tomllib.TOMLDecodeError, OSError):
        return {}
    return table if isinstance(table, dict) else {}


def setting(name: str, default: str = "", table: str = "alerts") -> str:
    """``SCE_<NAME>`` from the environment, else ``<name>`` from secrets.toml's ``[alerts]`` (or ``table``)."""
    return os.environ.get(name) or str(_secrets_table(table).get(name.lower().removeprefix("sce_"), default))


def app_url() -> str:
    return setting("SCE_APP_URL", "", "alerts") or setting("SCE_APP_URL", "http://localhost:8501", "explorer")


def configured_webhook() -> str:
    return setting("SCE_ALERT_WEBHOOK_URL")


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str) -> str:
    """``url`` if it may receive alerts; else AlertsError-like DeliveryError saying why (without echoing it)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise DeliveryError(f"A webhook URL has 1 to {MAX_URL:,} characters.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise DeliveryError("A webhook URL has no spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DeliveryError("That is not a URL: a webhook URL looks like https://hooks.example.com/…") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise DeliveryError("A webhook URL starts with https:// and names a host.")
    if parts.scheme == "http" and not _is_loopback(host):
        raise DeliveryError("A webhook URL must use https:// (http:// only to this machine, for a local receiver).")
    if parts.username is not None or parts.password is not None:
        raise DeliveryError("A webhook URL has no user:password@ part; Slack and Teams put their token in the path.")
    del port
    return url


def shown_url(url: str) -> str:
    """A webhook as it may be shown: scheme and host, never the path or query (they hold the token)."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}/…"
    except ValueError:
        return "(not a URL)"


def post_webhook(url: str, text: str) -> None:
    """POST ``{"text": text}``; a reply other than 2xx, a redirect or no reply is a DeliveryError."""
    check_webhook_url(url)
    where = shown_url(url)
    try:
        reply = requests.post(url, json={"text": text}, timeout=TIMEOUT, allow_redirects=False)
    except requests.Timeout:
        raise DeliveryError(f"The webhook at {where} did not answer within {TIMEOUT:.0f} s.") from None
    except requests.RequestException:
        raise DeliveryError(
            f"The webhook at {where} could not be reached (connection refused or no such host)."
        ) from None
    if not 200 <= reply.status_code < 300:
        raise DeliveryError(f"The webhook at {where} answered HTTP {reply.status_code}.")


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    user: str
    password: str  # a secret: never in a message
    sender: str
    cafile: str = ""

    def __repr__(self) -> str:  # never the password, even in a traceback's locals
        return f"Smtp(host={self.host!r}, port={self.port}, user={self.user!r}, sender={self.sender!r})"


def smtp_settings() -> Smtp | None:
    """The SMTP relay the deployment configured, or None."""
    host = setting("SCE_SMTP_HOST")
    if not host:
        return None
    try:
        port = int(setting("SCE_SMTP_PORT", "587"))
    except ValueError:
        port = 587
    user = setting("SCE_SMTP_USER")
    return Smtp(
        host, port, user, setting("SCE_SMTP_PASSWORD"), setting("SCE_SMTP_FROM") or user, setting("SCE_SMTP_CAFILE")
    )


def tls_context(cafile: str) -> ssl.SSLContext:
    """The TLS context STARTTLS verifies the relay with: the system's authorities, or only those of the CA bundle
    ``cafile`` (SCE_SMTP_CAFILE). A bundle that is missing, a folder, unreadable or holds no PEM certificate is a
    DeliveryError that says so and what to set, before any connection (not "could not be reached")."""
    if not cafile:
        return ssl.create_default_context()
    named = f"SCE_SMTP_CAFILE ({cafile[:200]!r})"
    remedy = (
        "set SCE_SMTP_CAFILE (or smtp_cafile in secrets.toml) to the PEM file of the relay's certificate "
        "authority, or unset it to trust the system's authorities. Nothing was sent."
    )
    path = Path(cafile).expanduser()
    if path.is_dir():
        raise DeliveryError(f"{named} is a folder, not a CA bundle file: {remedy}")
    if not path.is_file():
        raise DeliveryError(f"{named} does not exist: {remedy}")
    try:
        return ssl.create_default_context(cafile=str(path))
    except ssl.SSLError:
        raise DeliveryError(f"{named} holds no CA certificate in PEM form: {remedy}") from None
    except (OSError, ValueError):  # unreadable for this user
        raise DeliveryError(f"{named} cannot be read by this user: make it readable, or {remedy}") from None


def send_email(smtp: Smtp | None, to: tuple[str, ...], subject: str, text: str) -> None:
    """Send ``text`` to ``to`` through the relay, always over STARTTLS: a relay that does not offer it is refused
    (the password would travel in clear)."""
    if smtp is None:
        raise DeliveryError("No SMTP relay is configured (SCE_SMTP_HOST, or [alerts] smtp_host in secrets.toml).")
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())[:200]
    message["From"] = smtp.sender or "social-connect-explorer@localhost"
    message["To"] = ", ".join(to)
    message.set_content(text)
    where = f"{smtp.host}:{smtp.port}"
    context = tls_context(smtp.cafile)  # a bad CA bundle is said as such, before any connection
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT) as server:
            server.ehlo()
            if not server.has_extn("starttls"):
                raise DeliveryError(f"The SMTP relay {where} does not offer STARTTLS; nothing was sent.")
            server.starttls(context=context)
            server.ehlo()
            if smtp.user:
                server.login(smtp.user, smtp.password)
            server.send_message(message)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(f"The SMTP relay {where} refused the user name or password.") from None
    except ssl.SSLError:
        raise DeliveryError(
            f"The SMTP relay {where}'s certificate could not be verified (SCE_SMTP_CAFILE for a private CA)."
        ) from None
    except smtplib.SMTPException as exc:  # before OSError: SMTPException is one
        raise DeliveryError(f"The SMTP relay {where} refused the message ({type(exc).__name__}).") from None
    except OSError:  # refused, no such host, timed out
        raise DeliveryError(f"The SMTP relay {where} could not be reached.") from None
