"""Rising terms, campaigns and suggested topics, clicked in Chromium as an analyst does: a rising term's bar and a
campaign's bar open their mentions (as many as the bar says), *Filter to this* makes the rising term the
search, *Add as topic* saves a suggestion that the sidebar then offers, and *Count copies once* counts the
refund bots' 80 copies as one. The app runs on a copy of the demo data (a suggestion is saved)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.browser_kit import (
    WAIT_MS,
    chart,
    click,
    click_point,
    count_of,
    drill_count,
    exceptions,
    opened,
    points,
    rerun_done,
    watch_rerun,
)
from tests.streamlit_server import Server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(demo_data_dir, tmp_path_factory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("beyond-data")
    for path in demo_data_dir.iterdir():
        if path.is_file() and path.name.startswith("demo"):
            shutil.copy(path, data / path.name)
    s = Server(data, tmp_path_factory.mktemp("beyond") / "streamlit.log")
    yield s
    s.stop()


def click_bar(page, key: str, point: dict) -> None:
    """Click the middle of a bar itself (its label, drawn beside a short bar, is not the bar)."""
    bar = chart(page, key).locator("g.point").nth(point["n"]).locator("path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    watch_rerun(page)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    rerun_done(page)


def mentions_of(point: dict) -> int:
    """A rising bar's label is "z · mentions in the last period"; a campaign bar's length is its mentions."""
    if isinstance(point["text"], str) and "·" in point["text"] and "negative" not in point["text"]:
        return int(point["text"].split("·")[1].strip().replace(",", ""))
    return int(point["x"])


def test_a_rising_terms_click_opens_its_mentions_and_filters_to_them(browser, server):
    with opened(browser, f"{server.url}/Text?tz=UTC&section=rising&rkind=hashtag") as page:
        found = points(page, "rising")
        assert [p["customdata"] for p in found] == ["#refundnorthwind"]  # the planted refund bots
        expected = mentions_of(found[0])
        click_point(page, "rising", found[0])
        assert not exceptions(page)
        assert drill_count(page, "rising_terms") == expected
        click(page, page.locator(".st-key-rising_terms_drill").get_by_role("button", name="Filter to this"))
        assert count_of(page)[0] == expected and not exceptions(page)
        assert "q=%23refundnorthwind" in page.url and "from=" in page.url


def test_the_overviews_rising_list_clicks_to_its_mentions(browser, server):
    with opened(browser, f"{server.url}/?tz=UTC") as page:
        found = points(page, "rising_overview")
        assert 1 <= len(found) <= 5
        point = max(found, key=lambda p: p["x"])
        click_point(page, "rising_overview", point)
        assert not exceptions(page) and drill_count(page, "rising_overview_terms") == mentions_of(point)


def test_a_campaigns_click_opens_its_copies_and_copies_count_once(browser, server):
    with opened(browser, f"{server.url}/Text?tz=UTC&section=campaigns&corder=burst&cmin=50") as page:
        found = points(page, "campaigns")
        first = next(p for p in found if p["y"].startswith("1. "))
        assert "Northwind Air cancelled our flight" in first["y"]  # the retweet storm came together
        largest_other = max((p for p in found if p is not first), key=lambda p: p["x"])  # a click again deselects
        for point in (first, largest_other):
            click_bar(page, "campaigns", point)
            assert not exceptions(page) and drill_count(page, "campaigns") == mentions_of(point)
        # The selected campaign into the link: the panel it names replaces the selection's, and the link opens it.
        click(page, page.get_by_role("button", name="Keep it in the link"))
        assert "campaign=" in page.url and not exceptions(page)
        assert drill_count(page, "campaign_named") == mentions_of(largest_other)
        assert page.locator(".st-key-campaigns_drill").count() == 0
        link = page.url
    with opened(browser, link) as page:
        assert drill_count(page, "campaign_named") == mentions_of(largest_other) and not exceptions(page)
    with opened(browser, f"{server.url}/Mentions?tz=UTC&q=%23RefundNorthwind") as page:
        copies = count_of(page)[0]
        assert copies >= 2
        click(page, page.get_by_text("Count copies once"))
        assert count_of(page)[0] == 1 and "once=1" in page.url and not exceptions(page)


def test_a_suggested_topic_is_added_and_offered_as_a_filter(browser, server):
    with opened(browser, f"{server.url}/Text?tz=UTC&section=suggest&sk=8&lang=de") as page:
        first = page.locator(".st-key-suggestion_1")
        first.wait_for(timeout=WAIT_MS)
        title = re.search(r"1\. (.+) · (?:about )?[\d,]+ mentions", first.inner_text()).group(1)
        query = first.locator("code").first.inner_text().strip()
        click(page, first.get_by_role("button", name="Add as topic"))
        assert f"Saved as the text topic Suggested: {title}" in page.inner_text("body")
        assert not exceptions(page)
    with opened(browser, f"{server.url}/Mentions?tz=UTC&topic={quote('Suggested: ' + title)}") as page:
        with_topic = count_of(page)[0]
    with opened(browser, f"{server.url}/Mentions?tz=UTC&q={quote(query)}") as page:
        assert count_of(page)[0] == with_topic > 0
