"""In Chromium: every page, the password page included, on a store of hostile mentions and with hostile URL values,
makes no request to any host but the app's own (markdown images, HTML, TeX, the page icon's font CDN)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.hostile import LEAK_HOST, PAYLOADS, build, hostile_urls
from tests.streamlit_server import Server

pytestmark = pytest.mark.browser


class Watch:
    """Routes every request of a browser context: the app's own go on, anything else is recorded and aborted
    (so nothing leaves this machine even when a test fails)."""

    def __init__(self, context, origin: str):
        self.origin, self.elsewhere = origin, []
        context.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort()


SETTLED = """() => document.readyState === 'complete'
    && !!document.querySelector('[data-testid=stMain] h1')
    && !document.querySelector('[data-testid=stStatusWidget]')
    && !document.querySelector('[data-stale="true"]')
    && !document.querySelector('[data-testid=stSkeleton], [data-testid=stSkeletonElement], [data-testid=stAppSkeleton]')
    && Array.from(document.images).every(i => i.complete)"""


def settled(page) -> None:
    """The app has finished running: the page's title drawn, no status widget, nothing stale or still a
    placeholder, every image decided."""
    page.wait_for_function(SETTLED, timeout=120_000)


def off_origin_images(page, origin: str) -> list[str]:
    return page.evaluate(
        "(origin) => Array.from(document.querySelectorAll('img, image, source')).map(e => e.src || e.href?.baseVal"
        " || '').filter(s => s && !s.startsWith(origin) && !s.startsWith('data:') && !s.startsWith('blob:'))",
        origin,
    )


@pytest.fixture(scope="module")
def hostile_server(demo_data_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-browser")
    store = folder / "hostile.duckdb"
    build(store)
    server = Server(demo_data_dir, folder / "streamlit.log", store=store)
    yield server
    server.stop()


def test_no_page_fetches_from_another_host_with_hostile_values(browser, hostile_server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, timezone_id="UTC")
    watch = Watch(context, hostile_server.url)
    page = context.new_page()
    shown = 0
    for path in hostile_urls():
        page.goto(hostile_server.url + path)
        settled(page)
        page.get_by_text(re.compile(r"mentions match")).first.wait_for(timeout=60_000)
        assert page.get_by_test_id("stException").count() == 0, path
        assert off_origin_images(page, hostile_server.url) == [], path
        assert watch.elsewhere == [], (path, watch.elsewhere)
        shown += page.get_by_text(LEAK_HOST, exact=False).count()
    assert shown > 10  # the payloads were on the pages, as text

    # A drill-down heading: the hostile source service's bar, clicked.
    page.goto(f"{hostile_server.url}/Dashboard?tz=UTC")
    settled(page)
    bars = page.get_by_test_id("stPlotlyChart").nth(2).locator("g.point path")  # volume, sentiment, source service
    bars.first.wait_for(timeout=60_000)
    bars.first.click(force=True)
    heading = page.get_by_text(re.compile(r"^[\d,]+ mentions behind")).first
    heading.wait_for(timeout=60_000)
    settled(page)
    shown = heading.inner_text().replace("\u2060", "")  # the word joiner that keeps addresses text
    assert any(p.split("\n")[0] in shown for p in PAYLOADS)  # shown as it is, as text
    assert off_origin_images(page, hostile_server.url) == [] and watch.elsewhere == []
    context.close()


def test_the_password_page_fetches_nothing_from_another_host(browser, demo_data_dir, tmp_path):
    server = Server(demo_data_dir, tmp_path / "streamlit.log", env={"SCE_PASSWORD": "correct horse"})
    try:
        context = browser.new_context()
        watch = Watch(context, server.url)
        page = context.new_page()
        page.goto(server.url + "/Dashboard")
        page.get_by_text("Password").first.wait_for(timeout=60_000)
        settled(page)
        icon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\")?.href || ''")
        assert not icon.startswith("http") or icon.startswith(server.url), icon
        page.get_by_test_id("stTextInputField").fill("correct horse")
        page.get_by_role("button", name="Open").click()
        page.get_by_text(re.compile(r"mentions match")).first.wait_for(timeout=60_000)
        settled(page)
        assert watch.elsewhere == []
        context.close()
    finally:
        server.stop()
