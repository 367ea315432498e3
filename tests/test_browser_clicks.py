"""Every selectable chart of every page and Text section, clicked in Chromium as an analyst clicks it.

After each click: no exception on the page, and the drill-down panel under the chart counts exactly the
mentions the clicked bar, point or country says (its bar length, line height, map value, or the mentions a
100% bar segment stands for). One server for the module; each page is loaded once and its charts clicked in
turn (a selection stays while the next chart is clicked, as it does for a user).
"""

from __future__ import annotations

import re

import pytest

from lib.queries.breakdowns import DASHBOARD_BREAKDOWNS
from tests.browser_kit import (
    WAIT_MS,
    click,
    click_point,
    cut_buttons,
    drill_count,
    exceptions,
    open_page,
    points,
    prepare,
    rerun_same_view,
)

pytestmark = pytest.mark.browser


def value_of(point: dict, measure: str) -> int:
    """What a clicked point says it counts: ``x`` (horizontal bars), ``y`` (volume bars, trend points), ``z``
    (map), ``share`` (a 100% bar segment: its customdata carries the mentions), ``label`` (PMI bars: the
    mentions after the "·" of the label)."""
    if measure == "share":
        return int(point["customdata"][2])
    if measure == "label":
        return int(point["text"].split("·")[1].strip().replace(",", ""))
    return int(point[measure])


def pick(candidates: list[dict], measure: str, rule: str = "largest") -> dict:
    """A point to click: the largest of its chart (a big target, a real number), the middle one, or the largest
    of the "Other" series."""
    usable = [p for p in candidates if value_of(p, measure) > 0 and p["box"]["width"] > 2 and p["box"]["height"] > 2]
    if rule == "other":  # a volume bar of the "Other" series: every value beyond the chart's top ones
        usable = [p for p in usable if p["customdata"][1] == "Other"]
    assert usable, "no point to click"
    if rule == "middle":
        return sorted(usable, key=lambda p: p["n"])[len(usable) // 2]
    return max(usable, key=lambda p: value_of(p, measure))


def check_clicks(browser, url: str, charts: list[tuple[str, str, str]]) -> list[str]:
    """Open ``url``, click one point of each chart (key, measure, rule), compare; return what was clicked."""
    page = open_page(browser, url)
    clicked = []
    try:
        for key, measure, rule in charts:
            point = pick(points(page, key), measure, rule)
            expected = value_of(point, measure)
            click_point(page, key, point)
            assert not exceptions(page), f"{url} {key}: {exceptions(page)}"
            assert drill_count(page, key) == expected, f"{url} {key}: clicked {point}"
            clicked.append(f"{key}={point['customdata']}:{expected}")
        assert not cut_buttons(page), f"{url}: buttons cut short: {cut_buttons(page)}"
    finally:
        page.context.close()
    return clicked


def test_overview_volume_split_and_unsplit_and_its_bars(browser, demo_server):
    check_clicks(
        browser,
        f"{demo_server.url}/?tz=UTC",
        [("volume", "y", "largest"), ("sourceService", "x", "middle"), ("messageLanguage", "x", "largest")],
    )
    check_clicks(browser, f"{demo_server.url}/?tz=UTC&split=none&freq=day", [("volume", "y", "middle")])


def test_dashboard_every_chart(browser, demo_server):
    # Split by source: the volume's "Other" series (every source beyond the top 8) drills too.
    check_clicks(
        browser,
        f"{demo_server.url}/Dashboard?tz=UTC&split=sourceService&freq=month&open=countries&open=authors&open=entities",
        [
            ("volume", "y", "other"),
            *((key, "x", "middle") for key, _ in DASHBOARD_BREAKDOWNS),
            ("map", "z", "largest"),
            ("locationCountry", "x", "middle"),  # the countries ranked beside the map
            ("authors", "x", "largest"),
            ("hashtags", "x", "middle"),
            ("handles", "x", "largest"),
            ("linkDomains", "x", "largest"),
        ],
    )
    # Unsplit, by hour over three days (a date filter) in a timezone half an hour off UTC.
    check_clicks(
        browser,
        f"{demo_server.url}/Dashboard?tz=Asia/Kolkata&from=2026-09-02&to=2026-09-04&split=none&freq=hour",
        [("volume", "y", "largest")],
    )


def test_tags_page(browser, demo_server):
    check_clicks(
        browser,
        f"{demo_server.url}/Tags?tz=UTC",
        [("tag_frequency", "x", "middle"), ("tag_sentiment", "share", "middle"), ("tag_trends", "y", "largest")],
    )


def test_text_sections(browser, demo_server):
    base = f"{demo_server.url}/Text?tz=UTC"
    # Terms: a word's bar counts the mentions with that word; its panel finds them by a text search, which also
    # finds a word inside a link ("northwind" in northwind.example/…), so the middle bar is clicked, not the
    # top one (see the report: the search should match words as the term index does).
    check_clicks(browser, f"{base}&section=terms", [("top_terms", "x", "middle"), ("term_trends", "y", "largest")])
    check_clicks(browser, f"{base}&section=phrases&rank=mentions", [("phrases", "x", "middle")])
    check_clicks(browser, f"{base}&section=phrases", [("phrases", "label", "middle")])
    check_clicks(browser, f"{base}&section=topics", [("topic_counts", "x", "middle"), ("topic_trends", "y", "largest")])
    # Distinctive terms: a bar is a z-score, not a count; the click must open the word's mentions in context.
    page = open_page(browser, f"{base}&section=distinctive&cmp=day&from=2026-09-03&to=2026-09-03")
    try:
        point = points(page, "distinctive")[0]
        click_point(page, "distinctive", point)
        assert not exceptions(page)
        assert drill_count(page, "distinctive") > 0
        assert "against the 28 days before it, 06 August to 02 September 2026" in page.inner_text("body")
    finally:
        page.context.close()


def test_mentions_export_offers_the_csv_and_its_manifest_at_once(browser, demo_server):
    import csv
    import io
    import json

    page = open_page(browser, f"{demo_server.url}/Mentions?tz=UTC&sent=negative&lang=de&once=1")
    try:
        prepare_button = page.get_by_role("button", name="Prepare the CSV")
        csv_button = page.get_by_role("button", name=re.compile(r"Download [\d,]+ mentions \(CSV\)"))
        prepare(page, prepare_button, csv_button)
        with page.expect_download(timeout=WAIT_MS) as got:
            csv_button.click()
        rows = list(csv.DictReader(io.StringIO(got.value.path().read_text(encoding="utf-8"), newline="")))
        assert rows and "tags (raw)" in rows[0] and {r["messageSentiment"] for r in rows} == {"negative"}
        # The manifest is still offered after the CSV was downloaded (a rerun used to take it away).
        manifest_button = page.get_by_role("button", name="Download the manifest (JSON)")
        assert manifest_button.is_visible()
        with page.expect_download(timeout=WAIT_MS) as got:
            manifest_button.click()
        manifest = json.loads(got.value.path().read_text(encoding="utf-8"))
        assert manifest["rows"] == len(rows) and manifest["formula_safe"] is True
        assert manifest["tag_recode"] == {"case_fold": True, "exclude": [], "rename": {}}
        assert csv_button.is_visible() and not exceptions(page) and not cut_buttons(page)
        rerun_same_view(page)  # the same view: the prepared file is still offered
        assert csv_button.is_visible() and manifest_button.is_visible() and not prepare_button.is_visible()
        click(page, page.get_by_text("For Excel (UTF-8 with BOM)"))  # another file: prepared again on request
        assert prepare_button.is_visible() and not csv_button.is_visible()
    finally:
        page.context.close()


def test_a_box_over_every_series_of_the_volume_chart_filters_the_dates_alone(browser, demo_server):
    # A box drawn over a few weeks of the volume stacked by sentiment catches every sentiment's bars: the panel
    # counts those weeks' mentions, and *Filter to this* sets the dates, not a sentiment filter of every value
    # (which would also drop the mentions without a sentiment).
    from tests.browser_kit import chart, count_of, rerun_done, watch_rerun

    page = open_page(browser, f"{demo_server.url}/?tz=UTC&freq=week")
    try:
        bars = [p for p in points(page, "volume") if p["box"]["width"] > 2 and p["box"]["height"] > 0]
        weeks = sorted({p["x"] for p in bars})[3:6]
        chosen = [p for p in bars if p["x"] in weeks]
        assert len({p["customdata"][1] for p in chosen}) >= 3, chosen  # several sentiments in those weeks
        chart(page, "volume").scroll_into_view_if_needed()
        chart(page, "volume").hover()  # the tool bar shows over a hovered chart: its box tool, as a user picks it
        chart(page, "volume").locator('.modebar-btn[data-val="select"]').first.click()
        plot = chart(page, "volume").locator(".nsewdrag").first.bounding_box()
        bars = [p for p in points(page, "volume") if p["x"] in weeks and p["box"]["width"] > 2]
        left = min(p["box"]["x"] for p in bars) - 1
        right = max(p["box"]["x"] + p["box"]["width"] for p in bars) + 1
        watch_rerun(page)
        page.mouse.move(left, plot["y"] + 2)
        page.mouse.down()
        page.mouse.move((left + right) / 2, plot["y"] + plot["height"] / 2, steps=5)
        page.mouse.move(right, plot["y"] + plot["height"] - 2, steps=5)
        page.mouse.up()
        rerun_done(page)
        assert not exceptions(page)
        expected = sum(int(p["y"]) for p in bars)
        assert drill_count(page, "volume") == expected
        watch_rerun(page)
        page.get_by_role("button", name="Filter to this").first.click()
        rerun_done(page)
        page.wait_for_url(re.compile(r"from="), timeout=WAIT_MS)
        assert "sent=" not in page.url and "from=" in page.url and "to=" in page.url
        assert count_of(page)[0] == expected  # whole weeks are whole days
    finally:
        page.context.close()
