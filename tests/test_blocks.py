"""What a chart selection says, read as the pages read it (ui/blocks.py): a selection comes from the browser."""

import pandas as pd

from ui.blocks import bucket_picks, scalars


def test_volume_and_trend_selections_give_buckets_and_series():
    picked = [
        ("2026-03-09T00:00:00", "negative"),
        ("2026-03-02T00:00:00", "negative"),
        ("2026-03-09T00:00:00", "Other"),
    ]
    buckets, series = bucket_picks(picked)
    assert buckets == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-09")]
    assert series == ["negative", "Other"]


def test_a_selection_that_is_not_a_bucket_is_ignored():
    # What crashed the page: a series name where the bucket belongs; and what a hostile client could send.
    picked = ["negative", ("negative", "x"), (None, "x"), ("9999-12-31", "x"), ("0001-01-01", "x"), ("2026-01-05",)]
    assert bucket_picks(picked) == ([], [])
    assert scalars(["Praise", ("2026-01-05T00:00:00", "Praise"), 3]) == ["Praise", 3]
