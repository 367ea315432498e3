"""An import's peak memory does not grow with the file: measured at two sizes, each in a process of its own
(its VmHWM: the high-water mark of its own memory, which ru_maxrss is not after a fork from a large test run),
with the memory cap that the setting gives. Not a timing test."""

from __future__ import annotations

from bench.import_memory import measure, write_csv

CAP_MB = 768


def test_import_peak_memory_stays_flat_as_the_file_grows(tmp_path):
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
