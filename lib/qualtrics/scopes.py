"""OAuth scopes per operation: which scope each call needs, what a token was granted, and what to ask for.

The scope names are those public client code uses (read:imported_data_projects, read:survey_responses,
read:users, write:imported_data_projects, manage:all); which scope Qualtrics checks for each endpoint is not
documented. So the client asks for what it needs; a token answer that says which scopes it granted is kept and
shown, one that does not is fine too; and a 403 names the scope the call needs. Where a request for scopes is
refused (``invalid_scope``), the client asks again without any and takes what the OAuth client has by default.
``/datasets`` (the help page's call) is assumed to need the imported data projects' scopes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

READ_IDP = "read:imported_data_projects"
WRITE_IDP = "write:imported_data_projects"
READ_SURVEYS = "read:survey_responses"
READ_SURVEY_DEFS = "read:surveys"
READ_USERS = "read:users"
MANAGE_ALL = "manage:all"  # grants every scope
READ = f"{READ_IDP} {READ_SURVEYS} {READ_SURVEY_DEFS} {READ_USERS}"  # pull and check
WRITE = f"{READ} {WRITE_IDP}"  # setup: create the dataset


@dataclass(frozen=True)
class Need:
    scope: str
    what: str  # "read the dataset", in a sentence: "may not read the dataset"


def needed(method: str, path: str) -> Need | None:
    """The scope a call to ``/API/v3/{path}`` needs, as far as known (None: no guess)."""
    parts = path.strip("/").split("/")
    first = parts[0]
    if first == "whoami":
        return Need(READ_USERS, "read who the credentials belong to")
    if first == "surveys" and len(parts) == 2 and method == "GET":
        return Need(READ_SURVEY_DEFS, "read the survey")
    if first == "surveys":
        return Need(READ_SURVEYS, "read the survey's responses")
    if first in ("imported-data-projects", "datasets"):
        if method == "POST" and "exports" not in parts:
            return Need(WRITE_IDP, "create the dataset or add records to it")
        return Need(READ_IDP, "read the dataset")
    return None


def parse(text: object) -> frozenset[str] | None:
    """The scopes of a token answer's ``scope`` (space or comma separated), None when it says none."""
    if not isinstance(text, str) or not text.strip():
        return None
    return frozenset(s for s in re.split(r"[\s,]+", text) if s and len(s) <= 100 and s.isprintable())


def covers(granted: frozenset[str] | None, scope: str) -> bool | None:
    """Whether ``granted`` includes ``scope`` (manage:all does); None when what was granted is unknown."""
    if granted is None:
        return None
    return scope in granted or MANAGE_ALL in granted


def with_scopes(requested: str, *more: str) -> str:
    """``requested`` plus ``more``, each once, in order."""
    scopes = requested.split()
    return " ".join(scopes + [s for s in more if s not in scopes])
