"""What a configured dataset id names, and the id the export uses: the one unknown that decides a first pull.

Qualtrics has two ids for the same data. The help page's step 3 (``POST /API/v3/datasets``) returns a
``datasetId``; the documented export API (``imported-data-projects/{id}/exports``) takes an imported data project's
source id (``idpSourceId``, 16 hex characters like ``dcf04acc768f4ea5``). No public source says whether the first is
accepted as the second. So both are accepted:

1. ``SV_…`` ids are surveys: ``GET surveys/{id}``.
2. Any other id is looked up as an imported data project: ``GET imported-data-projects/{id}``. Found: that id.
3. Not found: the id may be a ``datasetId`` that differs. ``GET datasets/{id}`` (the help page's API family, not
   documented) is asked, and if it answers with the project's id (``idpSourceId``, ``projectId`` or ``sourceId``),
   that id is looked up as in 2 and used. Every other answer, or none, ends in a message that explains the two ids
   and where to find the source id.

A lookup refused with 403 is not fatal (reading the definition may need another right than exporting): the
pull goes on and the export says what it says; unless an OAuth token's granted scopes are known and lack the
read scope that the export needs too. The pull logs the id that worked as the log's ``dataset_id``
(lib/qualtrics/pull.py), so its continuation token stays with the id it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from lib.mentions.schema import FIELDS, canonical_name
from lib.qualtrics import scopes
from lib.qualtrics.client import NotFound, PermissionDenied, QualtricsClient, QualtricsError
from lib.qualtrics.export_jobs import ExportFlow, flow_for
from lib.qualtrics.scrub import scrubbed_line

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_PROJECT_KEYS = ("idpSourceId", "projectId", "sourceId")  # where a dataset's answer might name its project
KEY = "uniqueId"


@dataclass(frozen=True)
class Target:
    """What the configured id names and how it is exported."""

    given: str  # as configured
    export_id: str  # the id the export uses
    flow: ExportFlow
    kind: str  # "imported data project", "survey"
    name: str = ""
    key_field: str = ""
    fields: tuple[str, ...] = ()
    looked_up: bool = True  # False: the lookup was refused (403), the export will tell
    note: str = ""  # what the lookup found worth saying (a warning)
    mention_fields: tuple[str, ...] = field(default=(), repr=False)  # the schema's fields the project has


def clean_id(value: str) -> str:
    """The id without surrounding space; a QualtricsError in plain words for what cannot be an id."""
    given = value.strip()
    if not given:
        raise QualtricsError(
            "Give the dataset id: the imported data project's id (like dcf04acc768f4ea5), the datasetId that "
            "creating the dataset returned, or a survey id SV_…"
        )
    if "/" in given or "://" in given:
        raise QualtricsError(
            "The dataset id looks like a URL or a path: give the id alone (like dcf04acc768f4ea5 or SV_…)."
        )
    if not _ID.match(given):
        shown = repr(given if len(given) <= 40 else given[:39] + "…")
        raise QualtricsError(
            f"{shown} is not a Qualtrics id: ids have at most 100 letters, digits, '_' or '-' "
            "(like dcf04acc768f4ea5 or SV_3gbwq8aJgqPwQDP). Copy it again."
        )
    return given


def two_ids(given: str, host: str) -> str:
    """The message for an id that names no imported data project: the two ids, and where to find the right one."""
    return (
        f"Qualtrics at {host} has no imported data project with the id {given!r} (404). Check the dataset id: "
        "Qualtrics has two ids here: the "
        "datasetId that creating the dataset returned (the help page's step 3), and the imported data project's "
        "source id (idpSourceId, 16 characters like dcf04acc768f4ea5), which the export takes; they may differ. "
        "Find the source id as Qualtrics' API documentation says (Imported Data Project API, 'Retrieve "
        "idpSourceId for an existing imported data project'), or create the dataset on the Setup page, which "
        "shows the id to use. Check too that the project is in this datacenter and shared with this account. For "
        "a survey, give its SV_ id."
    )


def resolve(client: QualtricsClient, dataset_id: str, flow: ExportFlow | None = None) -> Target:
    """The export target of ``dataset_id`` (see the module's docstring); raises NotFound in plain words."""
    given = clean_id(dataset_id)
    flow = flow or flow_for(given)
    if flow.name == "survey":
        return _survey(client, given, flow)
    try:
        return _project(client, given, given, flow)
    except NotFound:
        pass
    behind = _project_behind_dataset(client, given)
    if behind:
        try:
            found = _project(client, given, behind, flow)
        except NotFound:
            pass
        else:
            note = (
                f"{given} is a datasetId; its imported data project is {behind}, which the export uses "
                "(you can configure that id instead)."
            )
            return replace(found, note=(note + " " + found.note).strip())
    raise NotFound(two_ids(given, client.host), 404)


def _text(client: QualtricsClient, value: object, limit: int = 80) -> str:
    """A name the server sent, as one short line without any credential."""
    return scrubbed_line(client.scrub, value, limit) if isinstance(value, str) else ""


def _survey(client: QualtricsClient, given: str, flow: ExportFlow) -> Target:
    try:
        result = client.request_json("GET", f"surveys/{given}")
    except NotFound:
        raise NotFound(
            f"Qualtrics at {client.host} has no survey {given!r}: check the SV_ id (the survey's URL shows it) and "
            "that it is in this datacenter and shared with this account.",
            404,
        ) from None
    except PermissionDenied as exc:
        return Target(given, given, flow, "survey", looked_up=False, note=str(exc))
    return Target(given, given, flow, "survey", name=_text(client, result.get("name") or result.get("SurveyName")))


def _project(client: QualtricsClient, given: str, export_id: str, flow: ExportFlow) -> Target:
    try:
        result = client.request_json("GET", f"imported-data-projects/{export_id}")
    except PermissionDenied as exc:
        if client.credentials.kind == "oauth" and scopes.covers(client.granted, scopes.READ_IDP) is False:
            raise  # the token surely lacks the scope that the export needs too: fail now, naming it
        return Target(given, export_id, flow, "imported data project", looked_up=False, note=str(exc))
    raw = result.get("fields")
    names = tuple(
        _text(client, f.get("name"), 200) for f in (raw if isinstance(raw, list) else [])[:2000] if isinstance(f, dict)
    )
    key = _text(client, result.get("uniqueField"), 80)
    mention = tuple(sorted({c for n in names if (c := canonical_name(n))}))
    note = ""
    if names and KEY not in mention:
        note = (
            f"No field of this project is the mention key {KEY} (its key field is {key or 'not said'}): a pull "
            "would refuse every row. Is this the project the Social Connect workflow writes to?"
        )
    elif names and len(mention) < len(FIELDS) // 2:
        missing = [f.name for f in FIELDS if f.name not in mention]
        note = (
            f"The project has {len(mention)} of the {len(FIELDS)} mention fields (missing: {', '.join(missing[:8])}"
            f"{'…' if len(missing) > 8 else ''}); add them in Qualtrics (Data & Analysis → field editor) to see them."
        )
    return Target(
        given,
        export_id,
        flow,
        "imported data project",
        name=_text(client, result.get("name")),
        key_field=key,
        fields=names,
        note=note,
        mention_fields=mention,
    )


def _project_behind_dataset(client: QualtricsClient, given: str) -> str:
    """The project id a ``GET datasets/{id}`` answer names, if the tenant has that call and it names one."""
    try:
        result = client.request_json("GET", f"datasets/{given}")
    except (NotFound, PermissionDenied, QualtricsError):
        return ""  # no such call, or no such dataset: the two-ids message says the rest
    for key in _PROJECT_KEYS:
        value = result.get(key)
        if isinstance(value, str) and _ID.match(value) and value != given:
            return value
    return ""
