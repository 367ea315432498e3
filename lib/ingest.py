"""From raw rows to the store: normalise in batches and upsert, all in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import pandas as pd

from lib.demo import DEMO_FILE, DEMO_TOPICS
from lib.errors import ExplorerError
from lib.files import RawFile, read_export
from lib.normalize import Report, map_columns, normalize
from lib.store import IngestResult, Store
from lib.topics import TopicSet, save_topics, topics_path

BATCH_ROWS = 100_000


class NoMentionFields(ExplorerError):
    """A file holds none of the mention fields."""


@dataclass
class IngestOutcome:
    result: IngestResult
    report: Report


def ingest_frame(
    store: Store,
    raw: pd.DataFrame,
    *,
    kind: str,
    source: str,
    dataset_id: str = "",
    first_row_number: int = 1,
    row_numbers: list[int] | None = None,
    bad_rows: list[tuple[int, str]] | None = None,
    tag_delimiter: str = ",",
    continuation_token: str | None = None,
    started: datetime | None = None,
) -> IngestOutcome:
    """Normalise ``raw`` and upsert it; the report says which rows were rejected and why.

    ``bad_rows`` are rows the parser could not read at all; they are reported with the rest.
    """
    report = Report(rows_in=len(raw) + len(bad_rows or []), rejected=list(bad_rows or []))
    numbers = row_numbers if row_numbers is not None else list(range(first_row_number, first_row_number + len(raw)))

    def batches() -> Iterator[pd.DataFrame]:
        for start in range(0, len(raw), BATCH_ROWS):
            part, part_report = normalize(
                raw.iloc[start : start + BATCH_ROWS], tag_delimiter, row_numbers=numbers[start : start + BATCH_ROWS]
            )
            report.rejected += part_report.rejected
            report.warnings += part_report.warnings
            report.unknown_columns = part_report.unknown_columns
            yield part

    result = store.ingest(
        batches(),
        kind=kind,
        source=source,
        dataset_id=dataset_id,
        continuation_token=continuation_token,
        rows_rejected=lambda: len(report.rejected),
        started=started,
    )
    report.rejected.sort()
    return IngestOutcome(result, report)


def check_mention_columns(raw: RawFile, name: str) -> None:
    """Refuse a file that cannot hold mentions (no key column), saying what it does hold."""
    mapping, _ = map_columns(raw.frame)
    fields = set(mapping)
    if "uniqueId" not in fields and not {"topicId", "id"} <= fields:
        columns = list(raw.frame.columns)
        shown = ", ".join(columns[:8]) + ("…" if len(columns) > 8 else "")
        raise NoMentionFields(
            f"{name} has none of the Social Connect mention fields needed to identify a mention (uniqueId, or "
            f"topicId and id); its columns are: {shown or 'none'}. Export the dataset that the Social Connect "
            "workflow writes to, or rename its key column to uniqueId."
        )


def ingest_raw(
    store: Store, raw: RawFile, name: str, *, kind: str = "import", tag_delimiter: str | None = None, **log
) -> IngestOutcome:
    """Upsert a parsed export file, reporting unreadable rows by line. Tags are split by ``tag_delimiter``,
    or by the store's own setting (comma by default)."""
    check_mention_columns(raw, name)
    tag_delimiter = tag_delimiter or store.setting("tag_delimiter", ",")
    return ingest_frame(
        store,
        raw.frame,
        kind=kind,
        source=name,
        first_row_number=raw.first_data_line,
        row_numbers=raw.row_numbers,
        bad_rows=raw.bad_rows,
        tag_delimiter=tag_delimiter,
        **log,
    )


def import_file(
    store: Store, data: bytes | BinaryIO, name: str, tag_delimiter: str | None = None, kind: str = "import"
) -> IngestOutcome:
    """Import an export file (CSV/TSV/JSON/NDJSON, zip'd or gzip'd) or webhook mention JSON into the store."""
    return ingest_raw(store, read_export(data, name), name, kind=kind, tag_delimiter=tag_delimiter)


def ensure_demo_store(store: Store) -> Store:
    """Fill ``store`` from the shipped demo file, once, with the demo's example text topics."""
    if store.version():
        return store
    import_file(store, DEMO_FILE.read_bytes(), DEMO_FILE.name, kind="demo")
    if not topics_path(store.path).exists():
        save_topics(store.path, TopicSet.from_json(DEMO_TOPICS.read_text()))
    return store
