from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.queries.breakdowns import (
    MAX_BUCKETS,
    bucket_count,
    concentration,
    country_map,
    crosstab_percentages,
    drawable_bucket,
    spikes,
)


def series(values, freq="D"):
    return pd.Series(values, index=pd.date_range("2026-01-05", periods=len(values), freq=freq))


def test_spikes_flag_a_burst_over_a_steady_baseline():
    values = [10, 12, 11, 9, 10, 11, 10, 12, 60, 11, 10]
    result = spikes(series(values), "day")
    assert result["spike"].tolist() == [False] * 8 + [True, False, False]
    assert result["expected"].iloc[8] == 10.5  # median of the 8 days before (window 14, all there is)
    assert result["ratio"].iloc[8] == pytest.approx(60 / 10.5)
    assert result["p"].iloc[8] < 1e-6 and result["z"].iloc[8] > 5


def test_an_earlier_spike_does_not_hide_the_next_one():
    values = [10, 11, 10, 9, 10, 11, 10, 80, 10, 11, 10, 75, 10]
    assert spikes(series(values), "day")["spike"].tolist()[7:12] == [True, False, False, False, True]


def test_spikes_respect_counts_at_low_volume():
    # The weeks: over a steady baseline of 32, a week of 40 is chance (p ~ 0.1), one of 49 not yet
    # unlikely enough (p ~ 0.003); and whatever is flagged, any higher count is flagged too.
    base = [30, 33, 31, 34, 32, 30, 33, 32]
    flags = {x: bool(spikes(series([*base, x], "W-MON"), "week")["spike"].iloc[-1]) for x in range(33, 80)}
    assert not flags[40] and not flags[49] and flags[60]
    first = min(x for x, flagged in flags.items() if flagged)
    assert all(flags[x] for x in range(first, 80))
    p40 = spikes(series([*base, 40], "W-MON"), "week")["p"].iloc[-1]
    assert p40 == pytest.approx(0.0956, abs=1e-3)  # Poisson: P(X >= 40 | mean 32)


def test_a_baseline_that_varies_widely_needs_a_bigger_burst():
    # Poisson alone would call 60 over a median of 25 certain (p ~ 1e-9); these weeks swing 10 to 40.
    swinging = spikes(series([10, 40, 15, 35, 12, 38, 20, 30, 60], "W-MON"), "week").iloc[-1]
    assert not swinging["spike"] and 0.01 < swinging["p"] < 0.1
    assert spikes(series([10, 40, 15, 35, 12, 38, 20, 30, 200], "W-MON"), "week")["spike"].iloc[-1]


def test_no_spike_without_history_or_volume():
    assert not spikes(series([1, 50, 3, 2, 1]), "week")["spike"].any()  # week: 4 buckets of history needed
    assert not spikes(series([0, 1, 0, 0, 1, 0, 0, 1, 9]), "day")["spike"].any()  # under 10 mentions
    assert spikes(series([0, 1, 0, 0, 1, 0, 0, 1, 10]), "day")["spike"].iloc[-1]
    assert spikes(series([]), "day").empty


def test_too_many_buckets_fall_back_to_a_coarser_one_with_a_note():
    year = (date(2026, 1, 1), date(2026, 12, 31))
    freq, note = drawable_bucket("hour", *year)
    assert freq == "day"
    assert "8,760 hours" in note and "20 days or fewer" in note
    assert drawable_bucket("day", *year) == ("day", "")
    assert drawable_bucket("hour", date(2026, 1, 1), date(2026, 1, 20)) == ("hour", "")
    assert drawable_bucket("day", date(2020, 1, 1), date(2026, 12, 31))[0] == "week"
    assert drawable_bucket("month", date(1900, 1, 1), date(2026, 12, 31))[0] == "month"  # nothing coarser
    assert bucket_count("hour", *year) <= MAX_BUCKETS * 18


def test_concentration_of_authors():
    share = concentration(np.array([50] + [1] * 99 + [0, 0]))  # two authors with no matching mention
    assert share["authors"] == 100
    assert share["top 1%"] == pytest.approx(50 / 149)
    assert share["top 10%"] == pytest.approx(59 / 149)
    assert np.isnan(concentration(np.zeros(3, dtype=int))["top 1%"])


def test_crosstab_percentages():
    table = pd.DataFrame([[1, 3], [2, 2]], index=["a", "b"], columns=["x", "y"])
    counts = crosstab_percentages(table, "counts")
    assert counts.loc["Total"].tolist() == [3, 5, 8] and counts["Total"].tolist() == [4, 4, 8]
    rows = crosstab_percentages(table, "row %")
    assert rows.loc["a"].tolist() == [0.25, 0.75, 1.0]
    cols = crosstab_percentages(table, "column %")
    assert cols["x"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_country_map_places_alpha2_and_lists_what_it_cannot():
    counts = pd.DataFrame({"value": ["US", "NA", "", "XK", "ZZ"], "mentions": [5, 4, 3, 2, 1]})
    known, unknown = country_map(counts)
    assert known[["value", "alpha3"]].values.tolist() == [["US", "USA"], ["NA", "NAM"]]
    assert unknown["value"].tolist() == ["", "XK", "ZZ"] and unknown["mentions"].sum() == 6
