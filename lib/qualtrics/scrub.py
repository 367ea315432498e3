"""Secrets out of text: every form in which a server could echo a token or an OAuth secret back.

A server (or a proxy in front of it) can echo a credential in its error message: as sent, in another
case, URL-encoded, in base64 on its own or inside the base64 of ``client_id:secret`` or
``username:token`` (HTTP Basic), or cut short (its first or last characters, 8 or more). ``Scrubber``
replaces every such form by ``***``, case-insensitively, and is meant to run on the whole text *before*
anything cuts it: a cut made first could leave a fragment that no longer looks like the secret.

Base64 of a secret depends on where it starts within the encoded bytes (0, 1 or 2 bytes past a
3-byte boundary); for each of the three alignments the characters that depend only on the secret's
own bytes are searched for, so the secret is found inside any longer base64 text.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_FORM = 6  # shorter forms would mask ordinary words
MIN_PART = 8  # a secret cut short (by a server that echoes the first N characters) from this length on


def _base64_cores(secret: bytes) -> set[str]:
    """The alignment-independent base64 characters of ``secret``, in the standard and URL-safe alphabets."""
    cores: set[str] = set()
    n = len(secret)
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret).decode("ascii")
        first = -(-8 * shift // 6)  # the first character made only of the secret's bits
        last = (8 * (shift + n)) // 6  # one past the last such character
        core = encoded[first:last]
        cores.update((core, core.replace("+", "-").replace("/", "_")))
    return cores


def secret_forms(secrets: Iterable[str], pairs: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Every text form of ``secrets`` (and of ``user:secret`` ``pairs``) worth masking, longest first."""
    forms: set[str] = set()
    for secret in (s for s in secrets if s):
        forms.update((secret, quote(secret, safe=""), quote_plus(secret)))
        forms.update(_base64_cores(secret.encode()))
        # Cut short at either end: a prefix or a suffix of the secret.
        forms.update(secret[:n] for n in range(MIN_PART, len(secret)))
        forms.update(secret[-n:] for n in range(MIN_PART, len(secret)))
    for user, secret in pairs:
        if user and secret:
            whole = f"{user}:{secret}"
            forms.update((whole, base64.b64encode(whole.encode()).decode("ascii")))
            forms.update(_base64_cores(whole.encode()))
    return sorted((f for f in forms if len(f) >= MIN_FORM), key=len, reverse=True)


class Scrubber:
    """Masks the forms of some secrets in any text (case-insensitive)."""

    def __init__(self, secrets: Iterable[str] = (), pairs: Iterable[tuple[str, str]] = ()):
        forms = secret_forms(secrets, pairs)
        self._pattern = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE) if forms else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern else text


def one_line(text: str, limit: int) -> str:
    """``text`` on one line of printable characters, cut to ``limit`` (scrub first: this cuts)."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


WINDOW = 16_384  # longer than any form of a credential (an OAuth access token is capped at 4,096 characters)


def scrubbed_line(scrub, text: str, limit: int) -> str:
    """A server's ``text`` as one line of at most ``limit`` characters, without any credential: cut first to a
    window that holds any credential's form whole (so that a megabyte name costs no time), scrubbed, then cut."""
    return one_line(scrub(text[: limit + WINDOW]), limit)
