"""An import's peak memory does not grow with the file: measured at two sizes, each in a process of its own
(its VmHWM: the high-water mark of its own memory, which ru_maxrss is not after a fork from a large test run),
with the memory cap that the setting gives. Not a timing test."""

from __future__ import annotations

import pytest

from bench.import_memory import measure, write_csv
from lib.store.parts import PART_ROWS_ENV

CAP_MB = 768


# In one transaction, and in parts of 10,000 mentions applied to a copy of the store (lib/store/parts.py: how a
# write too large for one transaction's key indexes goes in, 10M mentions at the default cap).
@pytest.mark.parametrize("part_rows", ["", "10000"], ids=["one-transaction", "in-parts"])
def test_import_peak_memory_stays_flat_as_the_file_grows(tmp_path, monkeypatch, part_rows):
    monkeypatch.setenv(PART_ROWS_ENV, part_rows)
    peaks = {}
    for rows in (30_000, 120_000):
        csv = tmp_path / f"{rows}.csv"
        write_csv(rows, csv)
        result = measure(csv, tmp_path / f"{rows}.duckdb", memory_mb=CAP_MB)
        assert f"{rows:,} rows: {rows:,} stored" in result["summary"]
        peaks[rows] = result["maxrss_mb"]
        assert result["tree_mb"] <= CAP_MB, result  # with its enrichment workers too
    small, large = peaks[30_000], peaks[120_000]
    assert large <= small * 1.2 + 40, peaks  # four times the rows, about the same peak
    assert large <= CAP_MB, peaks  # within the configured cap
