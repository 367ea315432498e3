"""The real app in headless Chromium: what only a browser shows (deep links, URL state, the sidebar)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_kit import count_of, open_page
from tests.streamlit_server import Server

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.browser


@pytest.fixture
def server(demo_data_dir, tmp_path) -> Iterator[Server]:
    """A fresh server per test: its first request is the test's own."""
    s = Server(demo_data_dir, tmp_path / "streamlit.log")
    yield s
    s.stop()


def test_home_page_shows_the_demo_data(browser, server):
    page = open_page(browser, server.url)
    assert count_of(page) == (20_000, 20_000)
    # The cards are written one by one while the page runs: wait for the first to settle on its value.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stMetricValue]')?.innerText === '20,000'", timeout=30_000
    )
    assert page.get_by_test_id("stException").count() == 0


def test_a_deep_link_to_another_page_on_a_fresh_server(browser, server):
    page = open_page(browser, f"{server.url}/Mentions?sent=negative&lang=de&tz=UTC")
    assert page.get_by_role("heading", name="Mentions").is_visible()
    matched, total = count_of(page)
    assert 0 < matched < total == 20_000
    page.get_by_test_id("stDataFrame").wait_for(timeout=30_000)
    # Switching pages keeps the filters and puts them back in the URL.
    page.get_by_test_id("stSidebar").get_by_text("Overview").click()
    page.wait_for_url(re.compile(r"sent=negative"), timeout=30_000)
    assert count_of(page)[0] == matched


def test_a_sidebar_filter_changes_the_numbers_and_the_copied_url_reproduces_them(browser, server):
    page = open_page(browser, server.url)
    assert count_of(page)[0] == 20_000
    sentiment = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Sentiment")
    sentiment.locator("input").click()
    page.keyboard.type("Negative")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sent=negative"), timeout=30_000)
    page.wait_for_function("() => !document.body.innerText.includes('20,000 of 20,000 mentions match')")
    matched = count_of(page)[0]
    assert 0 < matched < 20_000
    kpi = page.get_by_test_id("stMetricValue").first.inner_text()
    assert int(kpi.replace(",", "")) == matched

    # The sidebar's "Share this view" gives the link to copy; a colleague opens it in a fresh session.
    page.get_by_test_id("stSidebar").get_by_text("Share this view").click()
    link = page.get_by_test_id("stSidebar").get_by_test_id("stCode").first.inner_text().strip()
    assert link.startswith(server.url) and "sent=negative" in link
    copied = open_page(browser, link)
    assert count_of(copied)[0] == matched
    assert copied.get_by_test_id("stMetricValue").first.inner_text() == kpi


def test_clicking_a_bar_shows_its_mentions_and_can_become_a_filter(browser, server):
    page = open_page(browser, f"{server.url}/Dashboard?tz=UTC")
    sentiment_chart = page.get_by_test_id("stPlotlyChart").nth(1)  # after the volume chart
    bars = sentiment_chart.locator("g.point path")
    bars.first.wait_for(timeout=60_000)
    bars.first.click(force=True)
    panel = page.get_by_text(re.compile(r"^[\d,]+ mentions behind")).first
    panel.wait_for(timeout=30_000)
    behind = int(re.match(r"([\d,]+)", panel.inner_text()).group(1).replace(",", ""))
    assert 0 < behind < 20_000
    page.get_by_role("button", name="Filter to this").first.click()
    page.wait_for_url(re.compile(r"sent="), timeout=30_000)
    page.wait_for_function("() => !document.body.innerText.includes('20,000 of 20,000 mentions match')")
    assert count_of(page)[0] == behind


HOSTILE_HTML = (
    "<p>&lt;script&gt;window.__pwned = 1&lt;/script&gt; and "
    "&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;</p>"
    '<img src=x onerror="window.__pwned = 3"><script>window.__pwned = 4</script>'
)


def test_hostile_mention_text_is_inert_in_the_browser(browser, demo_data_dir, tmp_path):
    from lib.sources.ingest import import_file
    from lib.store.local import Store

    store = tmp_path / "hostile.duckdb"
    data = "uniqueId,messageContent,authorName\n" + f'9_evil,"{HOSTILE_HTML.replace(chr(34), chr(34) * 2)}",mallory\n'
    import_file(Store(store), data.encode(), "hostile.csv")
    server = Server(demo_data_dir, tmp_path / "streamlit.log", store=store)
    try:
        page = open_page(browser, f"{server.url}/Mentions?mention=9_evil&tz=UTC")
        detail = page.locator(".st-key-mention_detail")
        detail.wait_for(timeout=60_000)
        text = detail.get_by_text("window.__pwned = 1", exact=False).first
        text.wait_for(timeout=30_000)
        assert "<script>window.__pwned = 1</script>" in text.inner_text()
        assert '<img src=x onerror="window.__pwned = 2">' in text.inner_text()
        page.wait_for_timeout(1000)
        assert page.evaluate("() => window.__pwned === undefined")
        assert page.locator("img[onerror]").count() == 0 and page.locator("script:has-text('__pwned')").count() == 0
    finally:
        server.stop()
