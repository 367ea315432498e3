"""The Data page's file import: the upload, its columns mapped to fields, the import, and what it did.

What an import did is kept in the session and shown after a rerun, so that the page's status, the sidebar
and the log above and beside it show the store as it is after the import, not as it was before.
"""

from __future__ import annotations

import streamlit as st

from lib.errors import ExplorerError
from lib.mentions.normalize import map_columns
from lib.mentions.schema import FIELD_NAMES, canonical_name
from lib.sources.column_maps import header_key, save_mapping, saved_mapping
from lib.sources.files import open_export
from lib.sources.ingest import import_file, limits
from lib.store.local import Store
from ui.escape import md

RESULT = "sce_import_result"
KEEP = "(keep as an extra column)"
FILE_TYPES = ["csv", "tsv", "txt", "gz", "zip", "json", "ndjson", "jsonl"]


def import_section(store: Store) -> None:
    st.subheader("Import a file")
    st.caption(
        "A Qualtrics export (CSV/TSV with one or three header rows, JSON, NDJSON; zip'd or gzip'd) or Social "
        "Connect webhook mentions (JSON array or NDJSON). Mentions are upserted by uniqueId; a file with fewer "
        "columns changes only the fields it has."
    )
    upload = st.file_uploader("Export file", type=FILE_TYPES, key="sce_upload")
    if upload is not None:
        columns = _columns(upload)
        mapping = mapping_form(store, columns) if columns else {}
        if st.button("Import into your store", type="primary", key="sce_import"):
            _import(store, upload, columns, mapping)
    show_result(upload)


def _columns(upload) -> list[str] | None:
    """The file's columns (None if they cannot be read: the import then says why, and logs it)."""
    try:
        upload.seek(0)
        with open_export(upload, upload.name, limits()) as reader:
            return list(reader.columns)
    except ExplorerError:
        return None
    finally:
        upload.seek(0)


def mapping_form(store: Store, columns: list[str]) -> dict[str, str]:
    """A field for each column no field takes (or that a saved mapping put under one); the mapping saved for
    this header set is the default."""
    saved = saved_mapping(store.path, columns)
    choices = [c for c in columns if c in saved or canonical_name(c) is None]
    if not choices:
        st.caption("Every column of this file is a mention field.")
        return {}
    key = header_key(columns)
    # What each column is read as now: the user's choice of this run (its widget's state), else the saved one,
    # so that the summary above the choices says what the import will do.
    mapping = {}
    for column in choices:
        picked = st.session_state.get(f"sce_map_{key}_{column}", saved.get(column, KEEP))
        if picked != KEEP:
            mapping[column] = picked
    fields, unknown = map_columns(columns, mapping)
    missing = [f for f in FIELD_NAMES if f not in fields]
    open_fields = [f for f in FIELD_NAMES if f not in map_columns(columns, {})[0]]
    label = f"{_count(len(unknown), 'column')} without a field, {_count(len(missing), 'field')} without a column"
    with st.expander(f"Columns and fields: {label}", expanded=True, icon=":material/view_column:"):
        st.caption(
            "A column without a field is kept as an extra column of its mentions (shown in a mention's detail). "
            "Choose a field to read it as that field, e.g. a date column as datePublished; the choice is "
            "remembered for files with these columns."
        )
        for column in choices:
            current = saved.get(column)
            options = [KEEP, *[f for f in open_fields if f == current or f == mapping.get(column) or f in missing]]
            name, field = st.columns([1, 2], vertical_alignment="center")
            name.text(column)  # the file's column name as plain text; the (hidden) label is for screen readers
            field.selectbox(
                column,
                options,
                index=options.index(current) if current in options else 0,
                key=f"sce_map_{key}_{column}",
                label_visibility="collapsed",
            )
        if missing:
            st.caption("Fields no column fills: " + md(", ".join(missing)))
    return mapping


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _import(store: Store, upload, columns: list[str] | None, mapping: dict[str, str]) -> None:
    upload.seek(0)
    try:
        with st.spinner(f"Importing {md(upload.name)}…"):
            outcome = import_file(store, upload, upload.name, mapping=mapping)
    except ExplorerError as exc:
        st.session_state[RESULT] = {
            "name": upload.name,
            "upload": (getattr(upload, "file_id", ""), upload.name),
            "error": str(exc),
        }
    else:
        if columns is not None:
            save_mapping(store.path, columns, mapping)
        result, report = outcome.result, outcome.report
        st.session_state[RESULT] = {
            "name": upload.name,
            "upload": (getattr(upload, "file_id", ""), upload.name),
            "rows": report.rows_in,
            "new": result.rows_new,
            "updated": result.rows_updated,
            "rejected": report.n_rejected,
            "lines": report.rejected,
            "unmapped": report.unmapped_columns,
            "missing": report.missing_fields or [],
            "mapping": report.mapping,
            "warnings": report.warnings,
        }
    st.rerun()  # the page, the sidebar and the log then show the store after the import


def show_result(upload) -> None:
    """What the last import of this session did: kept until another file is chosen (its result would read as
    the new file's)."""
    result = st.session_state.get(RESULT)
    if not result:
        return
    if upload is not None and (getattr(upload, "file_id", ""), upload.name) != result.get("upload"):
        st.session_state.pop(RESULT, None)
        return
    name = md(result["name"])
    if "error" in result:
        st.error(
            f"{name} was not imported: {md(result['error'])} Nothing was changed; the attempt is in the log.",
            icon=":material/error:",
        )
        return
    stored = result["rows"] - result["rejected"]
    st.success(
        f"{name}: {result['rows']:,} rows, {stored:,} stored ({result['new']:,} new, {result['updated']:,} "
        f"updated), {result['rejected']:,} rejected.",
        icon=":material/check_circle:",
    )
    if result["rejected"]:
        shown = len(result["lines"])
        st.warning(
            f"{result['rejected']:,} rows were not imported"
            + (f" (the first {shown:,} are listed)" if shown < result["rejected"] else "")
            + ": fix them in the file and import it again; the rows already stored are updated, not duplicated."
        )
        st.dataframe(
            {"line": [line for line, _ in result["lines"]], "why": [why for _, why in result["lines"]]},
            hide_index=True,
            width="stretch",
        )
    if result["mapping"]:
        st.caption("Columns read as fields: " + md(", ".join(f"{c} → {f}" for c, f in result["mapping"].items())))
    if result["unmapped"]:
        st.info(
            "Columns no field takes (kept as extra columns): "
            + md(", ".join(result["unmapped"]))
            + ". To read one as a field, choose the field above and import the file again.",
            icon=":material/view_column:",
        )
    if result["missing"]:
        kept = (
            f" The {result['updated']:,} updated mentions keep what they had in these fields; only the columns of "
            "the file changed."
            if result["updated"]
            else ""
        )
        st.caption("Fields no column fills: " + md(", ".join(result["missing"])) + "." + kept)
    for warning in result["warnings"]:
        st.warning(md(warning))
