"""Where a Qualtrics account lives: a base URL from what the user typed, and which hosts may receive the
configured credentials.

What a user types is one of: a datacenter id (``iad1``), ``org.datacenter`` (``myorg.iad1``), a brand host
(``mybrand.qualtrics.com``, which the help page writes but no API document shows), or a full base URL, which is
also how tests point the client at a local fake. A pasted ``…/API``, ``…/API/v3`` or a whole endpoint URL is cut
back to the host: the client adds ``/API/v3`` itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lib.qualtrics.errors import QualtricsError

QUALTRICS_DOMAIN = "qualtrics.com"
_LABEL = re.compile(r"^[A-Za-z0-9-]+$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$|^[0-9A-Fa-f:.]+$")  # a name, an IPv4 or an IPv6 address
_API_PATH = re.compile(r"/api(?:/v3)?(?:/.*)?$", re.IGNORECASE)  # …/API, …/API/v3, …/API/v3/whoami
# Datacenter ids seen: iad1, fra1, ca1, co1, yul1, sjc1, syd1, gov1, au1, sg1, eu. Not a documented rule: used only
# to tell a datacenter from a brand in what the check says, never to refuse a value.
_DATACENTER = re.compile(r"^[a-z]{2,4}[0-9]{0,2}$", re.IGNORECASE)


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:59] + "…")


def base_url(where: str) -> str:
    """``https://…`` from a datacenter id (``iad1``), ``org.datacenter``, a brand host or a full URL."""
    value = where.strip().rstrip("/")
    shown = _shown(value)
    if not value:
        raise QualtricsError("Give a datacenter id (like iad1) or a base URL (like https://iad1.qualtrics.com).")
    if len(value) > 2000:
        raise QualtricsError(f"{shown} is not a base URL: it is {len(value):,} characters long.")
    if "://" not in value and "/" in value and value.split("/")[0].lower().endswith("." + QUALTRICS_DOMAIN):
        value = "https://" + value  # iad1.qualtrics.com/API/v3, pasted without its scheme
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise QualtricsError(f"{shown} is not an http(s) URL.")
        try:
            port = parts.port
        except ValueError:
            port = -1
        host = parts.hostname or ""
        if "@" in parts.netloc or not _HOST.match(host) or port == -1 or parts.query or not _host_length_ok(host):
            raise QualtricsError(
                f"{shown} is not a plain base URL: give https://host (no user name, password or query)."
            )
        if parts.scheme.lower() == "http" and not _loopback(host):
            raise QualtricsError(
                f"{shown} is plain http: the API token would cross the network unencrypted. Use https:// (plain "
                "http only to this machine, 127.0.0.1 or localhost, as a local proxy or test server is)."
            )
        path = _API_PATH.sub("", parts.path.rstrip("/"))
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"
    host = value[: -len(".qualtrics.com")] if value.lower().endswith(".qualtrics.com") else value
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels) or len(labels) > 2 or not _host_length_ok(host):
        raise QualtricsError(
            f"{shown} is not a datacenter id (iad1), org.datacenter (myorg.iad1), a brand host "
            "(mybrand.qualtrics.com) or a URL."
        )
    return f"https://{host.lower()}.qualtrics.com"


def _loopback(host: str) -> bool:
    """Whether ``host`` is this machine (a request to it never crosses a network)."""
    host = host.lower().strip("[]")
    return host in ("localhost", "::1") or (host.startswith("127.") and host.replace(".", "").isdigit())


def _host_length_ok(host: str) -> bool:
    """DNS limits: labels of at most 63 characters, 253 in all (beyond, requests fails with a parse error)."""
    return len(host) <= 253 and all(len(label) <= 63 for label in host.split("."))


@dataclass(frozen=True)
class Place:
    """What a base URL names: ``kind`` is datacenter, org.datacenter, brand, or other (a proxy, a test server)."""

    base: str
    kind: str
    datacenter: str = ""  # as far as the host tells it


def describe(where: str) -> Place:
    """The base URL of ``where`` and what kind of host it is (raises QualtricsError for what is not one)."""
    base = base_url(where)
    scheme, host, port = origin(base)
    if not (host.endswith("." + QUALTRICS_DOMAIN) and scheme == "https" and port == 443):
        return Place(base, "other")
    labels = host[: -len("." + QUALTRICS_DOMAIN)].split(".")
    if len(labels) == 2:
        return Place(base, "org.datacenter", labels[1])
    if _DATACENTER.match(labels[0]):
        return Place(base, "datacenter", labels[0])
    return Place(base, "brand")


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def is_qualtrics_host(where: str) -> bool:
    """Whether ``where`` is one of Qualtrics' own hosts: https on ``*.qualtrics.com``, the standard port."""
    try:
        scheme, host, port = origin(base_url(where))
    except QualtricsError:
        return False
    return scheme == "https" and port == 443 and host.endswith("." + QUALTRICS_DOMAIN)


def same_host(a: str, b: str) -> bool:
    """Whether two datacenters or base URLs name the same scheme, host and port."""
    try:
        return origin(base_url(a)) == origin(base_url(b))
    except QualtricsError:
        return False


def may_receive_configured(where: str, configured: str) -> bool:
    """Whether the credentials the deployment configured (for ``configured``) may be sent to ``where``: the
    configured host itself, or a host of Qualtrics' own domain. Any other host needs its own credentials,
    typed in by whoever points the app there (otherwise anyone signed in could make the server hand its
    token to a host they run)."""
    return is_qualtrics_host(where) or (bool(configured) and same_host(where, configured))
