"""A view as a Jupyter notebook: one zip with the view's mentions as CSV (the one CSV writer, raw values for
code), its manifest, and ``view.ipynb``, which loads the CSV with pandas, states the view's filters as pandas
code (and checks them against the rows), and redraws the view's main charts with plotly.

The notebook needs pandas and plotly only, and nothing from this app: it travels. Its last cell prints the
counts it drew as JSON; tests/test_notebook.py executes it offline (nbclient) and compares them with the app's.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lib.export.csv_writer import csv_bytes
from lib.queries.buckets import VOLUME_SERIES
from lib.queries.filters import FACETS, Filters
from lib.queries.interface import Scope
from lib.queries.tags import TagRecode
from lib.store.local import Store
from lib.text.topics import TopicSet

CSV_NAME, MANIFEST_NAME, NOTEBOOK_NAME = "mentions.csv", "mentions.manifest.json", "view.ipynb"
BREAKDOWNS = (("messageSentiment", "Sentiment"), ("sourceService", "Source service"), ("messageLanguage", "Language"))
SPLIT = "messageSentiment"  # the volume chart's split unless the view chose another
# How the app's buckets start, in pandas: weeks on Monday, months on the 1st.
BUCKET_CODE = {
    "hour": 'local.dt.floor("h")',
    "day": 'local.dt.floor("D")',
    "week": 'local.dt.floor("D") - pd.to_timedelta(local.dt.day_of_week, unit="D")',
    "month": 'local.dt.to_period("M").dt.start_time',
}


def _filter_code(filters: Filters, delimiter: str, topic_columns: list[str]) -> list[str]:
    """The view's filters as pandas expressions over the exported columns (``local`` is each mention's time in
    the view's timezone); the text search and text topics are said in comments (the app's query language)."""
    lines = ["keep = pd.Series(True, index=df.index)"]
    if filters.start:
        lines.append(f'keep &= local >= pd.Timestamp("{filters.start.isoformat()}")')
    if filters.end:
        lines.append(f'keep &= local < pd.Timestamp("{filters.end.isoformat()}") + pd.Timedelta(days=1)')
    for attr, (column, _, _) in FACETS.items():
        if values := getattr(filters, attr):
            lines.append(f"keep &= df[{column!r}].isin({list(values)!r})")
    if filters.tags:
        how = "any" if filters.tag_mode == "any" else "all"
        lines.append(f"wanted = {list(filters.tags)!r}")
        lines.append(f"keep &= df['tags'].map(lambda t: {how}(tag in str(t).split({delimiter!r}) for tag in wanted))")
    if filters.text:
        lines.append(f"# text search {filters.text!r}: applied by the app (Text iQ's query language)")
    if filters.text_topics and topic_columns:
        columns = topic_columns
        lines.append(f"# text topics {list(filters.text_topics)!r}: each has a 0/1 column")
        lines.append(f"keep &= (df[{columns!r}] == '1').any(axis=1)")
    return lines


def notebook(
    scope: Scope, freq: str, title: str, link: str, manifest: dict, delimiter: str, split: str | None = SPLIT
) -> nbformat.NotebookNode:
    """The notebook of a view; ``freq`` is the bucket of the view's volume chart and ``split`` the column its
    bars are stacked by (None: not split)."""
    tz = scope.tz
    active = scope.filters.active()
    topics = [t for t in scope.filters.text_topics if f"topic: {t}" in manifest.get("columns", [])]
    shown = {k: ", ".join(map(str, v)) if isinstance(v, tuple) else str(v) for k, v in active.items()}
    stated = "\n".join(f"- **{k}**: `{v}`" for k, v in shown.items()) or "- none: every mention"
    intro = (
        f"# {title}\n\nA view of **Social Connect Explorer**, exported {manifest['exported_at']} from store version "
        f"`{manifest['store_version']}`: {manifest['rows']:,} mentions"
        + (f" (capped: {manifest['rows_matching']:,} match)" if manifest["rows"] < manifest["rows_matching"] else "")
        + f", times in {tz}.\n\nOpen it in the app: {link or '(the app address was not known)'}\n\nFilters:\n"
        + stated
        + f"\n\nThe files beside this notebook: `{CSV_NAME}` (text as stored, not for spreadsheets) and "
        f"`{MANIFEST_NAME}` (filters, text topics' queries, tag recode)."
    )
    load = f"""import json

import pandas as pd
import plotly.express as px
import plotly.io as pio

pio.renderers.default = "plotly_mimetype+notebook_connected"
TZ = {tz!r}
# keep_default_na=False: "NA" is a value (Namibia, North America), only empty cells are missing.
df = pd.read_csv({CSV_NAME!r}, dtype=str, keep_default_na=False, na_values=[""])
local = pd.to_datetime(df[f"datePublished ({{TZ}})"].fillna(df[f"dateAdded ({{TZ}})"]))
len(df)"""
    filters = "\n".join(
        [
            "# The view's filters, as pandas code over the exported columns: the rows already satisfy them.",
            *_filter_code(scope.filters, delimiter, [f"topic: {t}" for t in topics]),
            'print(f"The filters keep {int(keep.sum()):,} of {len(df):,} rows")',
            "df, local = df[keep], local[keep]",
        ]
    )
    keys = ["bucket", split] if split else ["bucket"]
    fold = (
        f"""# As the app draws it: the {VOLUME_SERIES} largest values of {split}, the others as "Other".
largest = df[{split!r}].value_counts().sort_index().sort_values(ascending=False, kind="stable").index[:{VOLUME_SERIES}]
series = df[{split!r}].where(df[{split!r}].isin(largest) | df[{split!r}].isna(), "Other")
"""
        if split
        else ""
    )
    assign = f"bucket=bucket, **{{{split!r}: series}}" if split else "bucket=bucket"
    volume = f"""bucket = {BUCKET_CODE[freq]}
{fold}volume = (
    df.assign({assign})
    .groupby({keys!r}, dropna=True)
    .size()
    .rename("mentions")
    .reset_index()
)
px.bar(volume, x="bucket", y="mentions", color={split!r}, title="Mentions per {freq} ({{}})".format(TZ))"""
    breakdowns = [
        f"""counts = df[{column!r}].value_counts().rename_axis("value").reset_index(name="mentions")
px.bar(counts.head(10).iloc[::-1], x="mentions", y="value", orientation="h", title={title!r})"""
        for column, title in BREAKDOWNS
    ]
    tags = f"""# A tag listed twice on one mention counts once, as in the app.
tags = df["tags"].dropna().str.split({delimiter!r}).map(lambda t: sorted(set(t))).explode()
tag_counts = tags[tags != ""].value_counts().rename_axis("tag").reset_index(name="mentions")
px.bar(tag_counts.head(15).iloc[::-1], x="mentions", y="tag", orientation="h", title="Tags (after the recode)")"""
    summary = """# The numbers drawn above, as JSON (the app's test compares them with the app's own counts).
summary = {
    "mentions": len(df),
    **{column: df[column].value_counts().to_dict() for column in %r},
    "tags": tags[tags != ""].value_counts().to_dict(),
    "volume": {str(k): int(v) for k, v in volume.groupby("bucket")["mentions"].sum().items()},
}
print(json.dumps(summary, sort_keys=True))""" % [c for c, _ in BREAKDOWNS]
    cells = [
        new_markdown_cell(intro),
        new_code_cell(load),
        new_code_cell(filters),
        new_markdown_cell(f"## Volume per {freq}"),
        new_code_cell(volume),
        new_markdown_cell("## Breakdowns"),
        *[new_code_cell(code) for code in breakdowns],
        new_code_cell(tags),
    ]
    if topics:
        cells.append(
            new_code_cell(f"topic_counts = (df[{[f'topic: {t}' for t in topics]!r}] == '1').sum()\ntopic_counts")
        )
    cells.append(new_code_cell(summary))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def notebook_zip(
    store: Store,
    scope: Scope,
    *,
    freq: str,
    split: str | None = SPLIT,
    title: str,
    link: str = "",
    topics: TopicSet | None = None,
    recode: TagRecode | None = None,
    row_cap: int | None = None,
) -> tuple[bytes, int]:
    """The zip (CSV, manifest, notebook) of the view ``scope``, and how many mentions it holds."""
    data, manifest = csv_bytes(
        store, scope, topics=topics, topic_columns=topics is not None, recode=recode, row_cap=row_cap, safe=False
    )
    meta = json.loads(manifest.to_json())
    nb = notebook(scope, freq, title, link, meta, manifest.tag_delimiter, split)
    nbformat.validate(nb)
    buffer = io.BytesIO()
    stamp = datetime.now(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in (
            (CSV_NAME, data),
            (MANIFEST_NAME, manifest.to_json().encode()),
            (NOTEBOOK_NAME, nbformat.writes(nb).encode()),
        ):
            zf.writestr(zipfile.ZipInfo(name, date_time=stamp), content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), manifest.rows
