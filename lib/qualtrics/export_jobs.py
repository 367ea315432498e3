"""The asynchronous export flows of Qualtrics, behind one interface: start → poll → download.

Two documented flows (see docs/qualtrics-api.md in the shared docs):

- imported data projects / datasets: ``POST imported-data-projects/{id}/exports`` → ``jobId``;
- surveys: ``POST surveys/{SV_…}/export-responses`` → ``progressId`` (ids that start with ``SV_``).

Whether the dataset that the Social Connect workflow writes to (``POST /API/v3/datasets`` in the help
page) is exported through the first path is not documented anywhere public; it is the default, and
the paths live in ``FLOWS`` so that a tenant that differs is served by configuration
(``--flow`` / ``QUALTRICS_EXPORT_FLOW``), not by code changes.

Polling reads ``status`` (``inProgress`` → ``complete`` | ``failed``), never ``percentComplete``: a
failed export also says 100. ``fileId`` is absent until complete. A 404 while polling stops, and so does any
other status (no document lists more than these three; polling on would wait out the deadline for nothing):
the message names it. Spellings are compared without case, ``_`` or ``-`` (``in_progress`` is ``inProgress``).

Starting an export is a POST, and a 5xx reply does not say whether the export started. It is sent again only
where a second export is harmless: one without a continuation token is a read-only job, and the job whose id
we never got is simply not used. One *with* a token is never sent twice: whether starting an export spends
the token is not documented; the pull then asks by date instead (lib/qualtrics/pull.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lib.qualtrics.client import ExportFailed, QualtricsClient, QualtricsError, UnknownExportStatus

Progress = Callable[[str, float], None]  # (phase, fraction 0..1)


@dataclass(frozen=True)
class ExportFlow:
    name: str
    start: str  # path templates under /API/v3, with {id}, {job} and {file}
    progress: str
    file: str
    job_key: str
    formats: tuple[str, ...]


FLOWS: dict[str, ExportFlow] = {
    "dataset": ExportFlow(
        "dataset",
        "imported-data-projects/{id}/exports",
        "imported-data-projects/{id}/exports/{job}",
        "imported-data-projects/{id}/exports/{file}/file",
        "jobId",
        ("csv", "tsv"),  # JSON is not among the documented formats of this flow
    ),
    "survey": ExportFlow(
        "survey",
        "surveys/{id}/export-responses",
        "surveys/{id}/export-responses/{job}",
        "surveys/{id}/export-responses/{file}/file",
        "progressId",
        ("csv", "tsv", "json", "ndjson"),
    ),
}


def flow_for(dataset_id: str, override: str = "") -> ExportFlow:
    """The survey flow for ``SV_`` ids, the dataset flow otherwise, unless configured."""
    if override:
        if override not in FLOWS:
            raise QualtricsError(f"Unknown export flow {override!r}: use one of {', '.join(FLOWS)}.")
        return FLOWS[override]
    return FLOWS["survey" if dataset_id.startswith("SV_") else "dataset"]


@dataclass(frozen=True)
class ExportRequest:
    """What to ask for: everything, what follows a continuation token, or what was recorded since a time.

    ``want_token`` with ``since``: also ask for a continuation token (``allowContinuation``). The spec says
    continuation cannot be combined with *a filter*; whether a start date counts as one is not documented, so the
    pull tries, and asks again by date alone when Qualtrics refuses the pair (lib/qualtrics/pull.py)."""

    continuation_token: str = ""
    since: datetime | None = None
    want_token: bool = False

    def body(self, flow: ExportFlow) -> dict:
        body: dict = {"format": "csv", "compress": True} if flow.name == "dataset" else {"format": "csv"}
        if self.continuation_token:
            body["continuationToken"] = self.continuation_token
        elif self.since is not None:
            body["startDate"] = self.since.strftime("%Y-%m-%dT%H:%M:%SZ")
            if self.want_token:
                body["allowContinuation"] = True
        else:
            body["allowContinuation"] = True
        return body


@dataclass(frozen=True)
class ExportResult:
    data: bytes
    continuation_token: str
    job_id: str


def start_export(client: QualtricsClient, flow: ExportFlow, dataset_id: str, request: ExportRequest) -> str:
    # Sent again after a 5xx only without a token: see the module's docstring.
    replay = not request.continuation_token
    result = client.request_json("POST", flow.start.format(id=dataset_id), json=request.body(flow), replay=replay)
    job = result.get(flow.job_key) or result.get("jobId") or result.get("progressId")
    if not job:
        raise QualtricsError(f"Qualtrics started an export but returned no {flow.job_key}; try again.")
    return str(job)


def wait_for_export(
    client: QualtricsClient,
    flow: ExportFlow,
    dataset_id: str,
    job_id: str,
    on_progress: Progress | None = None,
    first_interval: float = 0.5,
    max_interval: float = 8.0,
) -> dict:
    """Poll until ``complete`` (returns the progress result with ``fileId``) or raise on ``failed``."""
    interval = first_interval
    while True:
        result = client.request_json("GET", flow.progress.format(id=dataset_id, job=job_id))
        status = _status(result.get("status"))
        if on_progress:
            on_progress("exporting", _fraction(result.get("percentComplete")))
        if status == "complete":
            if not result.get("fileId"):
                raise QualtricsError("Qualtrics says the export is complete but gave no fileId; try again.")
            return result
        if status == "failed":
            raise ExportFailed(
                f"Qualtrics reports the export of {dataset_id} as failed. Try again; if it keeps failing, export "
                "fewer fields or a shorter period, or ask your Brand Administrator to check the dataset."
            )
        if status != "inprogress":
            raise UnknownExportStatus(
                f"Qualtrics answered the export's progress with the status {_shown(result.get('status'))}, which "
                "is none of inProgress, complete or failed, so the app stopped waiting. Try again later; if it "
                "persists, report that status (the README lists what the app assumes of the API)."
            )
        client.sleep(interval)
        interval = min(interval * 1.5, max_interval)


def _status(value: object) -> str:
    """A status compared without case, ``_``, ``-`` or spaces: ``inprogress``, ``complete``, ``failed``, or other."""
    return re.sub(r"[\s_-]", "", value).lower() if isinstance(value, str) else ""


def _shown(value: object) -> str:
    """A status from the server, shown safely: a short word, else what kind of value it was."""
    if value is None:
        return "(none)"
    if value == "":
        return "'' (empty)"
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9 _-]{1,40}", value):
        return repr(value)
    return f"(an unreadable {type(value).__name__})"


def _fraction(percent: object) -> float:
    """``percentComplete`` as 0..1 (it is only shown; an odd value shows as 0)."""
    try:
        value = float(percent or 0) / 100  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.0


def download_export(
    client: QualtricsClient, flow: ExportFlow, dataset_id: str, file_id: str, on_progress: Progress | None = None
) -> bytes:
    def bytes_seen(n: int) -> None:
        if on_progress:
            on_progress("downloading", n)

    return client.download(flow.file.format(id=dataset_id, file=file_id), on_bytes=bytes_seen)


def export_dataset(
    client: QualtricsClient,
    dataset_id: str,
    request: ExportRequest,
    *,
    flow: ExportFlow | None = None,
    on_progress: Progress | None = None,
) -> ExportResult:
    """Start an export, wait for it, download it (zip or raw bytes, as Qualtrics sends them)."""
    flow = flow or flow_for(dataset_id)
    if on_progress:
        on_progress("starting", 0.0)
    job = start_export(client, flow, dataset_id, request)
    done = wait_for_export(client, flow, dataset_id, job, on_progress)
    data = download_export(client, flow, dataset_id, str(done["fileId"]), on_progress)
    return ExportResult(data, str(done.get("continuationToken") or ""), job)
