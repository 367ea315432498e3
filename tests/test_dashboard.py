import numpy as np
import pandas as pd
import pytest

from lib.dashboard import concentration, country_map, crosstab_percentages, spikes


def series(values):
    return pd.Series(values, index=pd.date_range("2026-01-01", periods=len(values), freq="D"))


def test_spikes_flag_a_burst_over_a_steady_baseline():
    values = [10, 12, 11, 9, 10, 11, 10, 12, 60, 11, 10]
    result = spikes(series(values), "day")
    assert result["spike"].tolist() == [False] * 8 + [True, False, False]
    assert result["baseline"].iloc[8] == 10.5  # median of the 7 days before (window 14, all there is)
    assert result["z"].iloc[8] == pytest.approx(0.6745 * (60 - 10.5) / 1.0)


def test_an_earlier_spike_does_not_hide_the_next_one():
    values = [10, 11, 10, 9, 10, 11, 10, 80, 10, 11, 10, 75, 10]
    assert spikes(series(values), "day")["spike"].tolist()[7:12] == [True, False, False, False, True]


def test_no_spike_without_history_or_volume():
    assert not spikes(series([1, 50, 3, 2, 1]), "week")["spike"].any()  # week: 4 buckets of history needed
    assert not spikes(series([0, 0, 0, 0, 0, 0, 0, 4]), "day")["spike"].any()  # under 5 mentions


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
