"""Open this view as a notebook: the zip's notebook runs offline (nbclient, the venv's kernel) on the CSV beside
it, and the counts it draws equal the app's for the same view."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date

import nbformat
import pytest

from lib.export.notebook import CSV_NAME, MANIFEST_NAME, NOTEBOOK_NAME, notebook_zip
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope
from lib.queries.tags import TagRecode, tag_index
from lib.store.local import Store
from lib.text.topics import Topic, TopicSet

TOPICS = TopicSet((Topic("Delays", 'delay* OR "late flight"'), Topic("Staff", '"cabin crew" OR staff')))
RECODE = TagRecode(rename={"Pricing": "Money", "Summer Sale": "Money"})
SCOPE = Scope(
    Filters(
        start=date(2026, 8, 1),
        end=date(2026, 9, 30),
        sentiments=("negative", "neutral"),
        countries=("NA", "US", "DE", "GB"),
        tags=("Complaint", "Money"),
        text_topics=("Delays",),
    ),
    tz="Europe/Berlin",
)


@pytest.mark.timeout(240)
def test_the_notebook_runs_offline_and_counts_what_the_app_counts(demo_data_dir, demo_model, tmp_path):
    from nbclient import NotebookClient

    store = Store(demo_data_dir / "demo.duckdb")
    q = ModelQueries(demo_model, tag_index(demo_model, RECODE), TOPICS)
    data, rows = notebook_zip(
        store, SCOPE, freq="week", title="Negative <b>and</b> [neutral](x)", topics=TOPICS, recode=RECODE
    )
    assert rows == q.count(SCOPE) > 20
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == sorted([CSV_NAME, MANIFEST_NAME, NOTEBOOK_NAME])
        zf.extractall(tmp_path)
    nb = nbformat.read(tmp_path / NOTEBOOK_NAME, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "df['messageSentiment'].isin(['negative', 'neutral'])" in code  # the filters, as code
    assert 'keep &= local >= pd.Timestamp("2026-08-01")' in code
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = [o.text for o in outputs if o.output_type == "stream"]
    assert printed[0].startswith(f"The filters keep {rows:,} of {rows:,} rows")  # the code states the app's filters
    summary = json.loads(printed[-1])
    assert summary["mentions"] == q.count(SCOPE)
    for column in ("messageSentiment", "sourceService", "messageLanguage"):
        expected = q.counts(SCOPE, column)
        assert summary[column] == dict(zip(expected["value"], expected["mentions"].tolist(), strict=True))
    tags = q.counts(SCOPE, "tags")
    assert summary["tags"] == dict(zip(tags["value"], tags["mentions"].tolist(), strict=True))
    volume = q.volume(SCOPE, "week", None)
    expected = {str(b): int(m) for b, m in zip(volume["bucket"], volume["mentions"], strict=True) if m}
    assert summary["volume"] == expected
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 5  # volume, three breakdowns, tags


def test_the_notebooks_volume_stacks_the_series_the_app_stacks(demo_data_dir, demo_model, tmp_path):
    """Split by source service: the notebook's volume has the app's 8 largest services and "Other", with the
    app's counts (its code run here on the zip's CSV, without a kernel)."""
    store = Store(demo_data_dir / "demo.duckdb")
    scope = Scope(Filters(), tz="UTC")
    app = ModelQueries(demo_model).volume(scope, "month", "sourceService")
    data, _ = notebook_zip(store, scope, freq="month", split="sourceService", title="t")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    nb = nbformat.read(tmp_path / NOTEBOOK_NAME, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code").split("px.bar(volume")[0]
    code = code.replace('pio.renderers.default = "plotly_mimetype+notebook_connected"', "")
    cwd = os.getcwd()
    os.chdir(tmp_path)  # the notebook reads its CSV beside it
    try:
        names: dict = {}
        exec(code, names)
    finally:
        os.chdir(cwd)
    drawn = names["volume"].groupby("sourceService")["mentions"].sum().to_dict()
    assert "Other" in drawn and len(drawn) == 9
    assert drawn == app.groupby("series")["mentions"].sum().to_dict()
