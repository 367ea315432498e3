"""Pull a dataset from Qualtrics into the store, incrementally.

First the same lookups as the connection check (lib/qualtrics/check.py ``preflight``): a wrong token, a
missing scope or an id that names nothing fails at once, in the check's words, before any export starts. The
id the lookup found to work (an imported data project's id, possibly behind a given datasetId) is what the
export uses and what the store's log records as ``dataset_id``: its continuation token belongs to it.

Incremental, in order of preference (see docs/qualtrics-api.md, "Incremental pulls"):

1. the continuation token the last successful pull got back: only what is new since;
2. else the start time of the last successful pull minus an overlap, as a ``startDate`` filter (it
   filters on Qualtrics' recorded date, not on ``datePublished``, hence the overlap), asking for a fresh
   continuation token too (``allowContinuation``); where Qualtrics refuses that pair (the spec says
   continuation does not combine with a filter, and a start date may count as one), by date alone;
3. else everything, asking for a continuation token for next time.

A token that lapses (they expire after a week; any 4xx on it but 401, 403 and 429, a 5xx, which is not sent
again, or an export with it that fails) falls back to 2, and 2 asks for a new token, so later pulls are cheap
again. Re-sent mentions are upserted by ``uniqueId``, never duplicated. The store's folder must be writable
before anything is asked for; the file is then read and staged a batch at a time and written in one
transaction: a pull that fails or is interrupted at any step leaves the mentions as they were; the log
records the attempt.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pandas as pd

from lib.errors import ExplorerError
from lib.qualtrics.check import preflight
from lib.qualtrics.client import (
    BadRequest,
    ConnectionFailed,
    ExportFailed,
    QualtricsClient,
    QualtricsError,
    ServerError,
)
from lib.qualtrics.dataset_ids import Target
from lib.qualtrics.export_jobs import ExportFlow, ExportRequest, ExportResult, Progress, export_dataset
from lib.sources.ingest import IngestOutcome, import_file
from lib.store.local import Store

OVERLAP = timedelta(hours=24)


@dataclass
class PullOutcome:
    ingest: IngestOutcome
    mode: str  # "full", "continuation", "since <time>", with what happened to the token
    export_id: str = ""  # the id the export used (the given one, or the project behind a datasetId)


def plan(store: Store, dataset_id: str, use_token: bool = True) -> ExportRequest:
    """What to ask Qualtrics for, from the store's log of this dataset's pulls (by date, without the token,
    when ``use_token`` is false)."""
    last = store.last_success(dataset_id)
    if last is None:
        return ExportRequest()
    token = last.get("continuation_token")
    if use_token and isinstance(token, str) and token:
        return ExportRequest(continuation_token=token)
    started = pd.Timestamp(last["started_at"]).tz_localize("UTC").to_pydatetime()
    return ExportRequest(since=started - OVERLAP, want_token=True)


def _mode(request: ExportRequest, result: ExportResult, lapsed: bool) -> str:
    if request.continuation_token:
        return "continuation"
    if not request.since:
        return "full"
    mode = f"since {request.since:%Y-%m-%d %H:%M} UTC"
    if lapsed:
        mode += ", the continuation token had lapsed"
    if result.continuation_token:
        mode += ", new continuation token" if lapsed else ", continuation token regained"
    return mode


def _lapsed(exc: QualtricsError) -> bool:
    """Whether an export started with a continuation token failed in a way that asking by date can mend: any 4xx
    but 401/403 (credentials, which a date would not mend) and 429 (retried already); a 5xx or a broken-off
    start (not sent again, since a token may be spent by it); or an export that Qualtrics reports as failed."""
    if isinstance(exc, ExportFailed | ServerError | ConnectionFailed):
        return True
    return exc.status is not None and 400 <= exc.status < 500 and exc.status not in (401, 403, 429)


def _export(
    store: Store, client: QualtricsClient, target: Target, on_progress: Progress | None
) -> tuple[ExportRequest, ExportResult, bool]:
    """The export of what is new: by token, else by date (asking for a fresh token), else everything."""
    request = plan(store, target.export_id)
    lapsed = False
    if request.continuation_token:
        try:
            result = export_dataset(client, target.export_id, request, flow=target.flow, on_progress=on_progress)
            return request, result, False
        except QualtricsError as exc:
            if not _lapsed(exc):
                raise
        lapsed = True
        request = plan(store, target.export_id, use_token=False)
    try:
        result = export_dataset(client, target.export_id, request, flow=target.flow, on_progress=on_progress)
    except BadRequest:
        if not request.want_token:
            raise
        # Qualtrics refuses a start date together with allowContinuation: ask by date alone. The next pull asks
        # for the pair again (cheap: a refusal costs no export).
        request = replace(request, want_token=False)
        result = export_dataset(client, target.export_id, request, flow=target.flow, on_progress=on_progress)
    return request, result, lapsed


def pull(
    store: Store,
    client: QualtricsClient,
    dataset_id: str,
    *,
    flow: ExportFlow | None = None,
    tag_delimiter: str | None = None,
    on_progress: Progress | None = None,
) -> PullOutcome:
    """Export ``dataset_id`` (only what is new, where possible) and upsert it into ``store``."""
    store.check_writable()  # a read-only data folder is refused before anything is downloaded
    started = datetime.now(UTC)
    source = f"qualtrics {client.host} {dataset_id}"
    log_id = dataset_id
    client.restart_deadline()
    try:
        target = preflight(client, dataset_id, flow)  # fails fast, in the words of the connection check
        log_id = target.export_id
        if target.export_id != target.given:
            source = f"qualtrics {client.host} {target.export_id} (given as {target.given})"
        request, result, lapsed = _export(store, client, target, on_progress)
        if on_progress:
            on_progress("storing", 1.0)
        outcome = import_file(
            store,
            io.BytesIO(result.data),
            f"{target.export_id} export",
            tag_delimiter,
            "pull",
            source=source,
            dataset_id=log_id,
            continuation_token=result.continuation_token or None,
            started=started,
            log_failure=False,  # logged below, once, with the credentials scrubbed out of the message
        )
    except BaseException as exc:
        if isinstance(exc, ExplorerError):
            # A message may quote what the server sent (a column name of its file): never a credential.
            exc.args = (client.scrub(str(exc)),)
        store.record_failure(kind="pull", source=source, dataset_id=log_id, started=started, exc=exc)
        raise
    return PullOutcome(outcome, _mode(request, result, lapsed), target.export_id)
