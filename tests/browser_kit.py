"""Driving the app in Chromium: launch, wait for a rerun to finish, and click plotly points as a user does.

A plotly selection is its own code path (Streamlit's ``on_select``): the click goes to the chart, plotly picks
the point under the pointer, the page reruns with the selection. ``points`` reads what each clickable
element stands for from plotly's own data bound to it (trace, point index, x, y, z, customdata), so a test
can compare what was clicked with what the page then shows.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.streamlit_server import Server

CHROMIUM = "/usr/bin/chromium"
COUNT = re.compile(r"([\d,]+) of ([\d,]+) mentions match")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 120_000  # generous: the tests must pass while other processes keep the machine busy


def require_chromium() -> None:
    if shutil.which(CHROMIUM):
        return
    message = "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it."
    if os.environ.get("CI"):
        pytest.fail(message)  # in CI a missing browser is a failure, never a skip
    pytest.skip(message)


def settled(page) -> None:
    """Wait until the script has finished running, nothing on the page is stale and every chart is drawn."""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid=stApp]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-stale=true]')
                && !document.querySelector('[data-testid=stStatusWidget]')
                && !document.querySelector('[data-testid=stSkeleton]')
                && [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
                    .every(c => c.querySelector('.js-plotly-plot')?._fullData);
        }""",
        timeout=WAIT_MS,
    )


def watch_rerun(page) -> None:
    """Start noticing a rerun (the script state passing through 'running'), before the action that causes it."""
    page.evaluate(
        """() => {
            window.__sceRan = false;
            const app = document.querySelector('[data-testid=stApp]');
            if (window.__sceWatch) window.__sceWatch.disconnect();
            window.__sceWatch = new MutationObserver(records => {
                for (const r of records) {
                    if (r.oldValue === 'running' || app.getAttribute('data-test-script-state') === 'running')
                        window.__sceRan = true;
                }
            });
            window.__sceWatch.observe(app, {attributes: true, attributeOldValue: true,
                                            attributeFilter: ['data-test-script-state']});
        }"""
    )


def rerun_done(page) -> None:
    """After ``watch_rerun`` and an action: wait for the rerun it caused to finish."""
    page.wait_for_function("() => window.__sceRan", timeout=WAIT_MS)
    settled(page)


def open_page(browser, url: str, width: int = 1400, height: int = 1000):
    context = browser.new_context(viewport={"width": width, "height": height}, timezone_id="UTC")
    page = context.new_page()
    page.goto(url)
    page.get_by_text(COUNT).first.wait_for(timeout=WAIT_MS)
    settled(page)
    return page


@contextmanager
def opened(browser, url: str, width: int = 1400, height: int = 1000) -> Iterator:
    """``open_page``, its browser context closed when the block ends (whether or not it failed)."""
    page = open_page(browser, url, width, height)
    try:
        yield page
    finally:
        page.context.close()


def sidebar(page):
    return page.get_by_test_id("stSidebar")


def click(page, locator) -> None:
    """Click ``locator`` and wait for the rerun it causes to finish."""
    watch_rerun(page)
    locator.click()
    rerun_done(page)


def prepare(page, button, download) -> None:
    """Click ``button`` (a *Prepare* button) until ``download`` shows: a click that lands while a timer reruns a
    fragment can be lost."""
    for _ in range(3):
        click(page, button)
        try:
            download.wait_for(timeout=20_000)
            return
        except Exception:  # the next click retries
            continue
    download.wait_for(timeout=WAIT_MS)


def choose(page, where, label: str, option: str | re.Pattern) -> None:
    """Pick ``option`` (its whole name, or a pattern) in the selectbox labelled ``label`` inside ``where``, and
    wait for the rerun: a click that lands while the page redraws opens nothing, so it is clicked again."""
    choice = (
        page.get_by_role("option", name=option, exact=True)
        if isinstance(option, str)
        else page.get_by_role("option", name=option)
    )
    for _ in range(3):
        where.get_by_test_id("stSelectbox").filter(has_text=label).click()
        try:
            choice.wait_for(timeout=15_000)
            break
        except Exception:  # the next click retries
            page.keyboard.press("Escape")
    watch_rerun(page)
    choice.click()
    rerun_done(page)


def rerun_same_view(page) -> None:
    """Rerun the script without changing anything (Streamlit's "r" shortcut), and wait for it to finish."""
    page.evaluate("document.activeElement && document.activeElement.blur()")  # out of any input
    watch_rerun(page)
    page.keyboard.press("r")
    rerun_done(page)


def type_in(page, box, text: str) -> None:
    """Type ``text`` into ``box``, press Enter, and wait for the rerun it causes to finish."""
    box.fill(text)
    watch_rerun(page)
    box.press("Enter")
    rerun_done(page)


def count_of(page) -> tuple[int, int]:
    text = page.get_by_text(COUNT).first.inner_text(timeout=WAIT_MS)
    matched, total = COUNT.search(text).groups()
    return int(matched.replace(",", "")), int(total.replace(",", ""))


def exceptions(page) -> list[str]:
    shown = page.get_by_test_id("stException")
    return [shown.nth(i).inner_text() for i in range(shown.count())]


def chart(page, key: str):
    """The plotly chart rendered with ``key`` (Streamlit gives its element the class st-key-<key>)."""
    return page.locator(f".st-key-{key} .js-plotly-plot").first


def points(page, key: str) -> list[dict]:
    """Every clickable point of the chart ``key``: bars, line markers, map countries, with the data plotly
    bound to it. Each has ``n`` (its position among the chart's clickable elements), ``curve``, ``i``, ``name``,
    ``x``, ``y``, ``z``, ``customdata``, ``text`` and its box on the page (``box``: x, y, width, height)."""
    chart(page, key).locator("g.point, path.point, path.choroplethlocation").first.wait_for(
        state="attached", timeout=WAIT_MS
    )
    return chart(page, key).evaluate(
        """(plot) => {
            const out = [];
            plot.querySelectorAll('g.point, path.point, path.choroplethlocation').forEach((el, n) => {
                const d = el.__data__ || {};
                const group = el.closest('g.trace');
                const trace = el.classList.contains('choroplethlocation') ? plot._fullData[0]
                    : group && group.__data__ && group.__data__[0] && group.__data__[0].trace;
                if (!trace || d.i === undefined) return;
                const at = (a) => (a === undefined || a === null) ? null : a[d.i];
                const r = el.getBoundingClientRect();
                out.push({n, curve: trace.index ?? 0, i: d.i, name: trace.name ?? null,
                          x: at(trace.x), y: at(trace.y), z: at(trace.z), customdata: at(trace.customdata),
                          text: at(trace.text), box: {x: r.x, y: r.y, width: r.width, height: r.height}});
            });
            return out;
        }"""
    )


def click_point(page, key: str, point: dict) -> None:
    """Click one point as a user does (at its middle), and wait for the rerun its selection causes."""
    element = chart(page, key).locator("g.point, path.point, path.choroplethlocation").nth(point["n"])
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    watch_rerun(page)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    rerun_done(page)


DRILL = re.compile(r"([\d,]+) mentions")


def drill_count(page, key: str) -> int:
    """The number of mentions the drill-down panel under chart ``key`` says are behind the selection."""
    panel = page.locator(f".st-key-{key}_drill").first
    panel.wait_for(timeout=WAIT_MS)
    return int(DRILL.search(panel.inner_text()).group(1).replace(",", ""))


def cut_buttons(page) -> list[str]:
    """The visible buttons of the main area whose label does not fit (shown as "C" or "Filt…")."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stMain] button')]
            .filter(b => b.offsetParent && b.innerText.trim())
            .filter(b => {
                const label = b.querySelector('[data-testid=stMarkdownContainer]') || b;
                return label.scrollWidth > label.clientWidth + 1 || b.scrollWidth > b.clientWidth + 1;
            })
            .map(b => b.innerText.trim())"""
    )


# Fixtures for every browser test module (registered in conftest.py): one Chromium and one app on the demo data
# per module. A test that needs a server of its own (a first request, other settings) starts it itself.
@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def demo_server(demo_data_dir, tmp_path_factory):
    server = Server(demo_data_dir, tmp_path_factory.mktemp("app") / "streamlit.log")
    yield server
    server.stop()
