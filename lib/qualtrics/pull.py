"""Pull a dataset from Qualtrics into the store, incrementally.

Incremental, in order of preference (see docs/qualtrics-api.md, "Incremental pulls"):

1. the continuation token the last successful pull got back: only what is new since;
2. else the start time of the last successful pull minus an overlap, as a ``startDate`` filter (it
   filters on Qualtrics' recorded date, not on ``datePublished``, hence the overlap);
3. else everything, asking for a continuation token for next time.

A rejected token (they expire after a week) falls back to 2. Re-sent mentions are upserted by
``uniqueId``, never duplicated. The store's folder must be writable before anything is asked for; the
file is then read and staged a batch at a time and written in one transaction: a pull that fails or is
interrupted at any step leaves the mentions as they were; the log records the attempt.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd

from lib.errors import ExplorerError
from lib.qualtrics.client import BadRequest, QualtricsClient
from lib.qualtrics.export_jobs import ExportFlow, ExportRequest, Progress, export_dataset, flow_for
from lib.sources.ingest import IngestOutcome, import_file
from lib.store.local import Store

OVERLAP = timedelta(hours=24)


@dataclass
class PullOutcome:
    ingest: IngestOutcome
    mode: str  # "full", "continuation", "since <time>"


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
    return ExportRequest(since=started - OVERLAP)


def _mode(request: ExportRequest) -> str:
    if request.continuation_token:
        return "continuation"
    return f"since {request.since:%Y-%m-%d %H:%M} UTC" if request.since else "full"


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
    flow = flow or flow_for(dataset_id)
    store.check_writable()  # a read-only data folder is refused before anything is downloaded
    request = plan(store, dataset_id)
    started = datetime.now(UTC)
    source = f"qualtrics {client.host} {dataset_id}"
    client.restart_deadline()
    try:
        try:
            result = export_dataset(client, dataset_id, request, flow=flow, on_progress=on_progress)
        except BadRequest:
            if not request.continuation_token:
                raise
            # The token expired (a week) or was refused: ask by date instead.
            request = plan(store, dataset_id, use_token=False)
            result = export_dataset(client, dataset_id, request, flow=flow, on_progress=on_progress)
        if on_progress:
            on_progress("storing", 1.0)
        outcome = import_file(
            store,
            io.BytesIO(result.data),
            f"{dataset_id} export",
            tag_delimiter,
            "pull",
            source=source,
            dataset_id=dataset_id,
            continuation_token=result.continuation_token or None,
            started=started,
            log_failure=False,  # logged below, once, with the credentials scrubbed out of the message
        )
    except BaseException as exc:
        if isinstance(exc, ExplorerError):
            # A message may quote what the server sent (a column name of its file): never a credential.
            exc.args = (client.scrub(str(exc)),)
        store.record_failure(kind="pull", source=source, dataset_id=dataset_id, started=started, exc=exc)
        raise
    return PullOutcome(outcome, _mode(request))
