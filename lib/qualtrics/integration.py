"""The integration steps of the Qualtrics help page that can be done for the user: 1, 3 and 4.

Step 1: the Social Connect webhook's ``Authorization`` header, ``Basic base64(username:API token)``.
Step 3: the Qualtrics dataset, created through ``POST /API/v3/datasets`` as the help page shows, with
``uniqueId`` as key and every field of the *Common Social Connect Fields* table. No other public source
documents that call; a tenant that answers 404 gets the documented Imported Data Project create
(``POST /API/v3/imported-data-projects`` with ``uniqueField``) instead. Whether either call takes a field list
beyond the key is not documented (the help page sends the key alone and adds the rest in the UI): a 400 is
answered by the help page's exact body, and the user is told to add the other fields in Qualtrics. A create is
never sent twice after a 5xx (a second dataset is not harmless). The id returned is checked by the connection
check (lib/qualtrics/dataset_ids.py), which also accepts a datasetId that differs from its project's id.
Step 4: the workflow's WebService task: URL, token endpoint, headers and the JSON body that maps every
dataset field to its piped text: ``POST /API/v3/datasets/{id}/data`` with the fields (the help page), or, when the
dataset was created as an imported data project, the documented IDP write ``POST
/API/v3/imported-data-projects/{id}/records`` with ``{"records": [ {fields} ]}``. And a check of a sample JSON event
against that mapping.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from lib.mentions.schema import FIELDS, canonical_name
from lib.qualtrics import scopes
from lib.qualtrics.client import BadRequest, NotFound, QualtricsClient, QualtricsError, ServerError
from lib.sources.files import flatten

KEY_FIELD = "uniqueId"
# The help page creates the key as "string" and recommends open text for the fields added afterwards.
KEY_TYPE, FIELD_TYPE = "string", "open-text"
TOKEN_PLACEHOLDER = "~{piped text: your QSC account's access token}"


def auth_header(username: str, token: str) -> str:
    """``Basic base64(username:token)``, exactly of what was typed (an SSO username keeps its ``#`` part)."""
    if not username or not token:
        raise QualtricsError("Both the Qualtrics username and the API token are needed for the header.")
    if ":" in username:
        raise QualtricsError("A Qualtrics username cannot contain ':' (it separates username and token).")
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode("ascii")


def dataset_fields(field_type: str = FIELD_TYPE) -> list[dict[str, str]]:
    """Every field of the seed's table, the key first."""
    return [{"name": f.name, "type": KEY_TYPE if f.name == KEY_FIELD else field_type} for f in FIELDS]


def dataset_request(name: str, field_type: str = FIELD_TYPE) -> dict:
    """The body of the help page's ``POST /API/v3/datasets``."""
    if not name.strip():
        raise QualtricsError("Give the dataset a name.")
    return {"name": name.strip(), "primaryKey": KEY_FIELD, "createProject": True, "fields": dataset_fields(field_type)}


DATASETS, IDP = "datasets", "imported-data-projects"


@dataclass(frozen=True)
class CreatedDataset:
    dataset_id: str
    api: str  # DATASETS (the help page's call) or IDP (the documented fallback)
    result: dict
    key_only: bool = False  # created with the key field alone: add the other fields in Qualtrics

    @property
    def note(self) -> str:
        """What the user still has to do, or ""."""
        if not self.key_only:
            return ""
        return (
            f"Qualtrics refused the list of fields, so the dataset was created with its key field {KEY_FIELD} "
            "alone, as the help page does. Add the other fields in Qualtrics: open the project (Projects), Data & "
            "Analysis → field editor, one per row of the Setup page's mapping, as open text."
        )


def create_dataset(client: QualtricsClient, name: str, field_type: str = FIELD_TYPE) -> CreatedDataset:
    """Create the dataset; fall back to the Imported Data Project API where ``/datasets`` is not there, and to
    the key field alone where the field list is refused (see the module's docstring)."""
    body = dataset_request(name, field_type)
    client.add_scopes(scopes.WRITE_IDP)  # creating needs a write scope (OAuth); reading ones are asked anyway
    try:
        return _create(client, DATASETS, body)
    except NotFound:
        fallback = {"name": body["name"], "uniqueField": KEY_FIELD, "fields": body["fields"]}
        return _create(client, IDP, fallback)


def _create(client: QualtricsClient, api: str, body: dict) -> CreatedDataset:
    key_only = False
    try:
        result = _post(client, api, body)
    except BadRequest:
        # The help page's exact body: the key field alone (the other fields are added in the UI).
        body = {**body, "fields": [{"name": KEY_FIELD, "type": KEY_TYPE}]}
        result, key_only = _post(client, api, body), True
    id_key = "datasetId" if api == DATASETS else "idpSourceId"
    found = result.get(id_key) or result.get("datasetId") or result.get("idpSourceId") or result.get("id")
    if not isinstance(found, str | int) or not str(found).strip():
        raise QualtricsError(
            f"Qualtrics created the dataset but its answer has no {id_key}: find the project under Projects in "
            "Qualtrics, and its id as the Data page's Test connection explains."
        )
    return CreatedDataset(str(found).strip(), api, result, key_only)


def _post(client: QualtricsClient, api: str, body: dict) -> dict:
    try:
        return client.request_json("POST", api, json=body, replay=False)  # never twice: a second dataset
    except ServerError as exc:
        raise ServerError(
            f"{exc} The dataset may have been created anyway: look under Projects in Qualtrics before you try "
            "again, so that you do not end up with two.",
            exc.status,
            exc.code,
        ) from None


def mapping_body() -> dict[str, str]:
    """The WebService task's JSON body: every dataset field mapped to its piped text."""
    return {f.name: f.piped_text for f in FIELDS}


def workflow_task(brand_id: str, datacenter_id: str, dataset_id: str, api: str = DATASETS) -> dict:
    """Everything the help page's step 4 asks to type in, for the WebService task. ``api``: how the dataset was
    created; a dataset created as an imported data project is written through its documented records call."""
    for value, what in ((brand_id, "brand id"), (datacenter_id, "datacenter id"), (dataset_id, "dataset id")):
        if not value.strip() or any(c in value for c in "/?#@ "):
            raise QualtricsError(f"The {what} {value!r} is not valid (Account Settings → Qualtrics IDs shows it).")
    if api not in (DATASETS, IDP):
        raise QualtricsError(f"Unknown dataset API {api!r}: use {DATASETS} or {IDP}.")
    if api == IDP:
        url = f"https://{brand_id}.{datacenter_id}.qualtrics.com/API/v3/imported-data-projects/{dataset_id}/records"
        body: dict = {"records": [mapping_body()]}
    else:
        url, body = f"https://{brand_id}.qualtrics.com/API/v3/datasets/{dataset_id}/data", mapping_body()
    return {
        "task": "WebService, authenticated (OAuth, client credentials)",
        "token_endpoint": f"https://{brand_id}.{datacenter_id}.qualtrics.com/oauth2/token",
        "method": "POST",
        "url": url,
        "headers": {"Authorization": f"Bearer {TOKEN_PLACEHOLDER}", "Content-Type": "application/json"},
        "body": body,
    }


@dataclass(frozen=True)
class FieldCheck:
    field: str
    piped_text: str
    status: str  # "found", "other spelling", "missing"
    value: str
    note: str = ""


def check_event(event: dict | list | str) -> list[FieldCheck]:
    """How a sample JSON event (one mention as the workflow captured it) fills each dataset field."""
    if isinstance(event, str):
        try:
            event = json.loads(event)
        except ValueError as exc:
            raise QualtricsError(f"The sample is not valid JSON: {exc}") from None
    if isinstance(event, list):
        event = event[0] if event else {}
    if not isinstance(event, dict):
        raise QualtricsError("The sample must be one JSON object: a mention as the workflow's JSON event shows it.")
    flat = flatten(event)
    checks = []
    for field in FIELDS:
        if field.path in flat:
            value, status, note = flat[field.path], "found", ""
        else:
            other = next((k for k in flat if canonical_name(k) == field.name and k != field.path), None)
            if other is not None:
                value, status = flat[other], "other spelling"
                note = f"sent as {other}: map ~{{aed://{other}}} instead of {field.piped_text}"
            else:
                value, status, note = "", "missing", ""
        if field.name == "tags" and status == "missing":
            note = (
                "Smart tags are not in webhook payloads: they need an API call, with the automation's Delay "
                "set to at least 10 minutes so that the tags are attached first."
            )
        checks.append(FieldCheck(field.name, field.piped_text, status, value[:200], note))
    return checks
