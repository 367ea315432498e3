"""From an export file to the store: read, normalise, enrich and stage a batch at a time, then apply it all in
one transaction (``lib/store/staging.py``). Memory follows the batch size, never the size of the file.

Every row is accounted for: the rows stored plus the rows rejected (each with its line) are the rows of the
file. Every import reports the columns no field takes and the fields no column fills; a mapping
(``{"publishedDate": "datePublished"}``) puts a column under a field explicitly. An import that fails, for
whatever reason, leaves the store as it was and is logged as a failed attempt.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from lib.errors import ExplorerError
from lib.mentions.normalize import Report, check_mapping, map_columns, normalize
from lib.sources.column_maps import saved_mapping
from lib.sources.demo import DEMO_FILE, DEMO_TOPICS
from lib.sources.files import Limits, RawFile, open_export
from lib.sources.unpack import Caps, Source
from lib.store.local import IngestResult, Store
from lib.store.staging import MIN_MEMORY_MB, memory_cap_mb
from lib.text.topics import TopicSet, save_topics, topics_path

BATCH_ROWS = 50_000


class NoMentionFields(ExplorerError):
    """A file holds none of the mention fields."""


@dataclass
class IngestOutcome:
    result: IngestResult
    report: Report


def limits(memory_mb: int | None = None) -> Limits:
    """Batch sizes that keep an import within ``memory_mb`` (``SCE_IMPORT_MEMORY_MB``, default 1 GB): a
    sixty-fourth of it in raw text per batch (Python holds a row's strings several times over while it works,
    and two batches are in flight: one being read, one being enriched), a sixteenth for DuckDB
    (lib/store/staging.py), the rest for the interpreter, the libraries and the enrichment workers."""
    cap = max(memory_mb or memory_cap_mb(), MIN_MEMORY_MB)
    batch_bytes = cap * 1024**2 // 64
    return Limits(
        record_bytes=min(16 * 1024**2, batch_bytes),
        batch_rows=min(BATCH_ROWS, cap * 40),
        batch_bytes=batch_bytes,
        caps=Caps(),
    )


def check_mention_columns(columns: Iterable[str], name: str, mapping: Mapping[str, str] | None = None) -> None:
    """Refuse a file that cannot hold mentions (no key column), saying what it does hold."""
    columns = list(map(str, columns))
    fields = set(map_columns(columns, mapping)[0])
    if "uniqueId" not in fields and not {"topicId", "id"} <= fields:
        shown = ", ".join(columns[:8]) + ("…" if len(columns) > 8 else "")
        raise NoMentionFields(
            f"{name} has none of the Social Connect mention fields needed to identify a mention (uniqueId, or "
            f"topicId and id); its columns are: {shown or 'none'}. Export the dataset that the Social Connect "
            "workflow writes to, or map its key column to uniqueId."
        )


def import_file(
    store: Store,
    data: Source,
    name: str,
    tag_delimiter: str | None = None,
    kind: str = "import",
    *,
    mapping: Mapping[str, str] | None = None,
    use_saved_mapping: bool = False,
    source: str = "",
    dataset_id: str = "",
    continuation_token: str | None = None,
    started: datetime | None = None,
    memory_mb: int | None = None,
    log_failure: bool = True,
) -> IngestOutcome:
    """Import an export file (CSV/TSV/JSON/NDJSON, zip'd or gzip'd; bytes, a path or a binary file) or webhook
    mention JSON into the store, streamed. Tags are split by ``tag_delimiter``, or by the store's own setting.
    ``mapping`` puts columns under fields explicitly; ``use_saved_mapping`` starts from the one saved for the
    file's header set (``lib/sources/column_maps.py``). ``source`` names the file in the log (default: ``name``).
    A failure is logged unless ``log_failure`` is False (a pull logs its own, with credentials scrubbed)."""
    started = started or datetime.now(UTC)
    source = source or name
    try:
        store.check_writable()  # before reading a byte: a read-only folder fails now, not after the work
        with open_export(data, name, limits(memory_mb)) as reader:
            if use_saved_mapping:
                mapping = {**saved_mapping(store.path, reader.columns), **(mapping or {})}
            if mapping:
                check_mapping(reader.columns, mapping)
            check_mention_columns(reader.columns, name, mapping)
            delimiter = tag_delimiter or store.setting("tag_delimiter", ",")
            report = Report(mapping=dict(mapping or {}))
            with store.writing(kind=kind, source=source, dataset_id=dataset_id, started=started) as write:
                for batch in reader.batches():
                    frame, part = normalize(batch.frame, delimiter, row_numbers=batch.lines, mapping=mapping)
                    report.merge(part)
                    write.add(frame)
                    del batch, frame  # not held while the next batch is read
                report.rows_in += reader.n_bad
                for line, why in reader.bad_rows:
                    report.reject(line, why)
                report.n_rejected += reader.n_bad - len(reader.bad_rows)
                report.notes[:0] = reader.warnings
                result = write.commit(
                    kind=kind,
                    source=source,
                    dataset_id=dataset_id,
                    started=write.started,
                    rows_rejected=report.n_rejected,
                    continuation_token=continuation_token,
                    message="",
                    wait=30.0,
                )
    except BaseException as exc:
        if log_failure:
            store.record_failure(kind=kind, source=source, dataset_id=dataset_id, started=started, exc=exc)
        raise
    if report.missing_fields is None:
        report.missing_fields = []
    report.rejected.sort()
    return IngestOutcome(result, report)


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
    mapping: Mapping[str, str] | None = None,
) -> IngestOutcome:
    """Normalise raw rows already in memory and upsert them; the report says which rows were rejected and why.
    ``bad_rows`` are rows the parser could not read at all; they are reported with the rest."""
    report = Report()
    numbers = row_numbers if row_numbers is not None else list(range(first_row_number, first_row_number + len(raw)))

    def batches() -> Iterator[pd.DataFrame]:
        for start in range(0, len(raw), BATCH_ROWS):
            part, part_report = normalize(
                raw.iloc[start : start + BATCH_ROWS],
                tag_delimiter,
                row_numbers=numbers[start : start + BATCH_ROWS],
                mapping=mapping,
            )
            report.merge(part_report)
            yield part

    for line, why in bad_rows or []:
        report.reject(line, why)
    report.rows_in += len(bad_rows or [])
    result = store.ingest(
        batches(),
        kind=kind,
        source=source,
        dataset_id=dataset_id,
        continuation_token=continuation_token,
        rows_rejected=lambda: report.n_rejected,
        started=started,
    )
    report.rejected.sort()
    return IngestOutcome(result, report)


def ingest_raw(
    store: Store, raw: RawFile, name: str, *, kind: str = "import", tag_delimiter: str | None = None, **log
) -> IngestOutcome:
    """Upsert a parsed export file held in memory, reporting unreadable rows by line."""
    check_mention_columns(raw.frame.columns, name)
    return ingest_frame(
        store,
        raw.frame,
        kind=kind,
        source=name,
        first_row_number=raw.first_data_line,
        row_numbers=raw.row_numbers,
        bad_rows=raw.bad_rows,
        tag_delimiter=tag_delimiter or store.setting("tag_delimiter", ","),
        **log,
    )


def ensure_demo_store(store: Store) -> Store:
    """Fill ``store`` from the shipped demo file, once, with the demo's example text topics."""
    if store.version():
        return store
    import_file(store, DEMO_FILE, DEMO_FILE.name, kind="demo")
    if not topics_path(store.path).exists():
        save_topics(store.path, TopicSet.from_json(DEMO_TOPICS.read_text()))
    return store
