from datetime import date

import pytest

from lib.queries.filters import Filters, matching_preset, preset_range


def get_all_from(params: dict):
    return lambda key: (
        [v for v in (params.get(key) or [])]
        if isinstance(params.get(key), list)
        else ([params[key]] if key in params else [])
    )


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(start=date(2026, 1, 1), end=date(2026, 1, 31), sentiments=("negative",)),
        Filters(countries=("NA", "US"), languages=("en",), tags=("A, B", "C"), tag_mode="all", text="wifi"),
        Filters(services=("twitter",), authors=("someone",), topics=("Brand",), statuses=("new",)),
    ],
)
def test_url_round_trip(filters):
    assert Filters.from_params(get_all_from(filters.to_params())) == filters


def test_bad_url_values_are_ignored_or_repaired():
    got = Filters.from_params(get_all_from({"from": "2026-13-45", "to": "2026-01-01", "tagmode": "most"}))
    assert got == Filters(end=date(2026, 1, 1))
    swapped = Filters.from_params(get_all_from({"from": "2026-02-01", "to": "2026-01-01"}))
    assert (swapped.start, swapped.end) == (date(2026, 1, 1), date(2026, 2, 1))


def test_previous_period_has_equal_length_just_before():
    f = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31), sentiments=("positive",))
    prev = f.previous_period()
    assert (prev.start, prev.end) == (date(2026, 1, 29), date(2026, 2, 28))
    assert prev.sentiments == ("positive",)
    assert Filters().previous_period() is None


def test_presets_count_back_from_the_newest_mention():
    newest, oldest = date(2026, 10, 31), date(2025, 11, 1)
    assert preset_range("Last 7 days", newest, oldest) == (date(2026, 10, 25), newest)
    assert preset_range("Last 12 months", newest, oldest) == (oldest, newest)
    assert preset_range("All time", newest, oldest) == (None, None)
    assert matching_preset(date(2026, 10, 2), newest, newest, oldest) == "Last 30 days"
    assert matching_preset(date(2026, 10, 3), newest, newest, oldest) is None


def test_calendar_presets_beside_the_rolling_ones():
    newest, oldest = date(2026, 11, 14), date(2025, 11, 1)
    assert preset_range("This month", newest, oldest) == (date(2026, 11, 1), newest)
    assert preset_range("Last month", newest, oldest) == (date(2026, 10, 1), date(2026, 10, 31))
    assert preset_range("This quarter", newest, oldest) == (date(2026, 10, 1), newest)
    assert preset_range("Last quarter", newest, oldest) == (date(2026, 7, 1), date(2026, 9, 30))
    assert preset_range("Last quarter", date(2026, 2, 3), oldest) == (date(2025, 11, 1), date(2025, 12, 31))
    assert preset_range("Last month", date(2026, 1, 9), oldest) == (date(2025, 12, 1), date(2025, 12, 31))
    assert matching_preset(date(2026, 7, 1), date(2026, 9, 30), newest, oldest) == "Last quarter"
    # Clamped to the data; a period wholly before it stays empty rather than becoming the first day.
    assert preset_range("Last quarter", date(2026, 1, 20), date(2025, 11, 5)) == (date(2025, 11, 5), date(2025, 12, 31))
    assert preset_range("Last quarter", date(2025, 11, 20), date(2025, 11, 1)) == (date(2025, 7, 1), date(2025, 9, 30))
