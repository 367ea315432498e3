"""The connection check: before any pull, what holds and what to do, step by step.

``python -m lib check`` prints the steps and the Data page's *Test connection* shows them; a pull runs the same
lookups first (``preflight``) and fails fast with the same words. Steps, each ``ok``, ``warn`` or ``fail`` with a
message in plain words:

1. **Base URL**: what was typed (a datacenter id, ``org.datacenter``, a brand host or a URL, ``…/API`` and
   ``…/API/v3`` cut off) and what it names.
2. **Credentials**: ``GET whoami``; the account, its brand and datacenter (a datacenter other than the host's is a
   warning that says which to use).
3. **OAuth scopes** (OAuth only): what the token was granted, against what reading this id needs.
4. **Dataset**: the id looked up (lib/qualtrics/dataset_ids.py): an imported data project or a survey, its fields
   against the mention schema; not found, the two ids explained.

A failing step stops the check where the next steps could only fail the same way. Nothing here writes, starts
an export or prints a credential: every message comes from the client, which scrubs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.mentions.schema import FIELDS
from lib.qualtrics import scopes
from lib.qualtrics.client import (
    AuthError,
    Credentials,
    NotFound,
    PermissionDenied,
    QualtricsClient,
    QualtricsError,
)
from lib.qualtrics.dataset_ids import Target, clean_id, resolve
from lib.qualtrics.export_jobs import ExportFlow, flow_for
from lib.qualtrics.hosts import describe
from lib.qualtrics.scrub import scrubbed_line

OK, WARN, FAIL = "ok", "warn", "fail"
# Exit codes of `python -m lib check` per failing step (as `pull`'s: 2 configuration, 3 credentials, 4 not found).
EXIT_CONFIG, EXIT_FAILED, EXIT_AUTH, EXIT_NOT_FOUND = 2, 1, 3, 4


@dataclass(frozen=True)
class Step:
    name: str
    status: str  # ok, warn, fail
    message: str
    exit_code: int = 0  # for a failing step: the command's exit code


def _fail(name: str, exc: QualtricsError) -> Step:
    if isinstance(exc, AuthError | PermissionDenied):
        code = EXIT_AUTH
    elif isinstance(exc, NotFound):
        code = EXIT_NOT_FOUND
    else:
        code = EXIT_FAILED
    return Step(name, FAIL, str(exc), code)


def check(
    where: str,
    dataset_id: str,
    credentials: Credentials,
    *,
    flow: str = "",
    client: Callable[[str, Credentials], QualtricsClient] | None = None,
) -> list[Step]:
    """Every step, in order, up to the first that fails. ``client`` makes the client (tests pass a fast one)."""
    steps: list[Step] = []
    try:
        place = describe(where)
    except QualtricsError as exc:
        return [Step("Base URL", FAIL, str(exc), EXIT_CONFIG)]
    steps.append(_base_step(where, place))

    make = client or (lambda base, creds: QualtricsClient(base, creds, max_retries=2, deadline=30))
    try:
        qc = make(place.base, credentials)
    except QualtricsError as exc:  # no credentials, or ones that cannot be sent
        return [*steps, Step("Credentials", FAIL, str(exc), EXIT_AUTH)]
    steps.append(_credentials_step(qc, place.datacenter if place.kind != "brand" else ""))
    if steps[-1].status == FAIL:
        return steps

    try:
        export_flow = flow_for(dataset_id.strip(), flow)
        given = clean_id(dataset_id)
    except QualtricsError as exc:
        return [*steps, Step("Dataset", FAIL, str(exc), EXIT_CONFIG)]
    if credentials.kind == "oauth":
        steps.append(_scope_step(qc, export_flow))
    steps.append(_dataset_step(qc, given, export_flow))
    return steps


def preflight(client: QualtricsClient, dataset_id: str, flow: ExportFlow | None = None) -> Target:
    """What a pull checks first, cheaply (one or two lookups): the credentials work, the id names something
    exportable. Raises the errors whose words the check's steps show."""
    return resolve(client, dataset_id, flow)


def _base_step(where: str, place) -> Step:
    cut = " (what followed the host was left out: the app adds /API/v3 itself)" if "/api" in where.lower() else ""
    if place.kind == "datacenter":
        text = f"{place.base}: datacenter {place.datacenter}{cut}."
    elif place.kind == "org.datacenter":
        org = place.base.split("//", 1)[1].split(".", 1)[0]
        text = f"{place.base}: organization {org} in datacenter {place.datacenter}{cut}."
    elif place.kind == "brand":
        return Step(
            "Base URL",
            WARN,
            f"{place.base}: a brand host{cut}. The help page writes it, but no API document shows the API answering "
            "there; if a step below fails, give your datacenter id instead (Account Settings → Qualtrics IDs), or "
            "org.datacenter.",
        )
    else:
        text = f"{place.base}: not a Qualtrics host (a proxy or a test server){cut}."
    return Step("Base URL", OK, text)


def _credentials_step(qc: QualtricsClient, datacenter: str) -> Step:
    kind = "OAuth client" if qc.credentials.kind == "oauth" else "API token"  # "with an …"
    try:
        me = qc.whoami()
    except PermissionDenied as exc:
        if qc.credentials.kind != "oauth":
            return _fail("Credentials", exc)
        # The token was issued (the secret is right); reading who it belongs to needs read:users, which a pull
        # does not need: a warning, and the dataset step says whether reading works.
        return Step(
            "Credentials",
            WARN,
            f"The OAuth client got a token, but may not read who it belongs to ({scopes.READ_USERS}); the check "
            "goes on without it.",
        )
    except QualtricsError as exc:
        return _fail("Credentials", exc)

    def said(key: str) -> str:
        return scrubbed_line(qc.scrub, str(me.get(key) or "?"), 80)

    text = f"Connected as {said('userName')} with an {kind} (brand {said('brandId')}, datacenter {said('datacenter')})."
    home = said("datacenter").lower()
    if datacenter and home not in ("?", datacenter.lower()):
        return Step(
            "Credentials",
            WARN,
            f"{text} The account is in datacenter {home}, the base URL names {datacenter}: use {home} (or "
            f"org.{home}), or the pull may fail or reach the wrong data.",
        )
    return Step("Credentials", OK, text)


def _scope_step(qc: QualtricsClient, flow: ExportFlow) -> Step:
    need = scopes.READ_SURVEYS if flow.name == "survey" else scopes.READ_IDP
    granted = qc.granted
    has = scopes.covers(granted, need)
    if has is None:
        return Step(
            "OAuth scopes",
            OK,
            f"Qualtrics did not say which scopes the token has; reading needs {need}, and the next step tries it.",
        )
    shown = scrubbed_line(qc.scrub, " ".join(sorted(granted or ())), 300) or "none"
    if has:
        return Step("OAuth scopes", OK, f"Granted: {shown}. Reading needs {need}: granted.")
    return Step(
        "OAuth scopes",
        WARN,
        f"Granted: {shown}. Reading needs {need} (or manage:all), which is not among them: add it to the OAuth "
        "client (Account Settings → OAuth clients), or the pull will be refused (403).",
    )


def _dataset_step(qc: QualtricsClient, given: str, flow: ExportFlow) -> Step:
    try:
        target = resolve(qc, given, flow)
    except QualtricsError as exc:
        return _fail("Dataset", exc)
    if not target.looked_up:
        return Step("Dataset", WARN, f"Could not look {given} up: {target.note} A pull will try the export anyway.")
    name = f" {target.name!r}" if target.name else ""
    if target.kind == "survey":
        text = f"Survey{name} ({given}), exported through surveys/{given}/export-responses."
    else:
        text = (
            f"Imported data project{name} ({target.export_id}), key field {target.key_field or 'not said'}, "
            f"{len(target.mention_fields)} of the {len(FIELDS)} mention fields; exported through "
            f"imported-data-projects/{target.export_id}/exports."
        )
    if target.note:
        return Step("Dataset", WARN, f"{text} {target.note}")
    return Step("Dataset", OK, text)
