"""*Share this view* reproduces the screen: every page setting changed in Chromium, the link read right after the
last change, opened in a fresh browser context (a colleague's session), and the same numbers, charts and
settings come back. One server for the module."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser_kit import (
    WAIT_MS,
    chart,
    click_point,
    count_of,
    drill_count,
    exceptions,
    open_page,
    points,
    settled,
)

pytestmark = pytest.mark.browser


# What the screen shows, to compare two sessions: the main area's text (titles, captions, metrics, the values
# the settings show) without charts and tables, and every chart's data as plotly holds it.
SNAPSHOT = """() => {
    const main = document.querySelector('[data-testid=stMain]').cloneNode(true);
    main.querySelectorAll('.js-plotly-plot, [data-testid=stDataFrame], [data-testid=stTooltipIcon]')
        .forEach(e => e.remove());
    const plain = v => (v && typeof v === 'object' && v.length !== undefined && typeof v !== 'string')
        ? Array.from(v, plain) : v;
    const charts = [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')].map(plot =>
        (plot._fullData || []).map(t => ({name: t.name, x: plain(t.x), y: plain(t.y), z: plain(t.z),
                                           text: plain(t.text)})));
    const selected = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stButtonGroup] button')]
        .filter(b => b.getAttribute('aria-checked') === 'true' || b.getAttribute('kind')?.includes('Active'))
        .map(b => b.innerText);
    return {text: main.textContent, charts, selected};
}"""


def snapshot(page) -> dict:
    return {"count": count_of(page), **page.evaluate(SNAPSHOT)}


def in_main(page):
    return page.get_by_test_id("stMain")


def url_says(page, key: str, check: str, value) -> None:
    """Wait until the page's own URL holds the setting (``check``: "is" one value, "has" among several, or
    "count" of values), then until the run is over: every page setting lives in the URL, so this is when the
    change has been applied, however many reruns the widget caused."""
    page.wait_for_function(
        """([key, check, value]) => {
            const got = new URL(location.href).searchParams.getAll(key);
            return check === 'is' ? got.length === 1 && got[0] === value
                 : check === 'has' ? got.includes(value) : got.length === value;
        }""",
        arg=[key, check, value],
        timeout=WAIT_MS,
    )
    settled(page)


def labelled(page, kind: str, label: str):
    return (
        in_main(page)
        .get_by_test_id(kind)
        .filter(has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True))
    )


def choose(page, label: str, option: str, key: str, value: str) -> None:
    """Pick ``option`` in the main area's selectbox labelled ``label``; the URL then says ``key``=``value``."""
    box = labelled(page, "stSelectbox", label)
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    url_says(page, key, "is", value)


def section_header(page, title: str):
    """The header of the main area's expander ``title`` (the sidebar's share link may hold the same words)."""
    return page.get_by_test_id("stMain").locator("summary", has_text=title).first


def open_section(page, title: str, name: str) -> None:
    """Open the Dashboard's section ``title`` (drawn only while open); the URL then has ``open``=``name``."""
    header = section_header(page, title)
    header.scroll_into_view_if_needed()
    header.click()
    url_says(page, "open", "has", name)


def add_to(page, label: str, option: str, key: str) -> None:
    """Add ``option`` to the main area's multiselect labelled ``label`` (URL ``key``)."""
    box = labelled(page, "stMultiSelect", label)
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    url_says(page, key, "has", option)


def drop_last(page, label: str, key: str, left: int) -> None:
    """Remove the last value of a multiselect; ``left`` values then stay in the URL."""
    labelled(page, "stMultiSelect", label).locator("input").click()
    page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    url_says(page, key, "count", left)


def toggle(page, label: str, key: str) -> None:
    in_main(page).get_by_test_id("stCheckbox").filter(has_text=label).locator("label").click()
    url_says(page, key, "is", "1")


def section(page, name: str, value: str) -> None:
    in_main(page).get_by_test_id("stButtonGroup").get_by_text(name, exact=True).click()
    url_says(page, "section", "is", value)


def type_into(page, label: str, text: str, key: str) -> None:
    field = in_main(page).get_by_label(label, exact=True)
    field.fill(text)
    field.press("Enter")
    url_says(page, key, "is", text)


def set_date(page, label: str, day: str, key: str) -> None:
    """Type ``day`` (YYYY-MM-DD) into a date field's year, month and day segments, then click elsewhere: the
    field takes a typed date when it loses the focus."""
    field = in_main(page).get_by_label(label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(day.replace("-", ""))
    in_main(page).get_by_role("heading").first.click()
    url_says(page, key, "is", day)


def sidebar_preset(page, preset: str, start: str) -> None:
    box = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stSelectbox")
        .filter(has=page.get_by_test_id("stWidgetLabel").get_by_text("Dates", exact=True))
    )
    box.click()
    page.get_by_role("option", name=preset, exact=True).click()
    url_says(page, "from", "is", start)


def share_link(page) -> str:
    sidebar = page.get_by_test_id("stSidebar")
    code = sidebar.get_by_test_id("stCode")
    if not code.first.is_visible():
        sidebar.get_by_text("Share this view").click()
    code.first.wait_for(timeout=WAIT_MS)
    return code.first.inner_text().strip()


def params(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def same_view_elsewhere(browser, page, expected: dict[str, list[str]]) -> None:
    """The link, read right after the last change, holds ``expected``; opened in a new context it shows what
    ``page`` shows."""
    assert not exceptions(page), exceptions(page)
    link = share_link(page)
    got = params(link)
    for key, values in expected.items():
        assert got.get(key) == values, f"{key}: {got.get(key)} in {link}"
    here = snapshot(page)
    copied = open_page(browser, link)
    try:
        assert not exceptions(copied), exceptions(copied)
        there = snapshot(copied)
        assert there["count"] == here["count"]
        assert there["selected"] == here["selected"]
        assert there["charts"] == here["charts"]
        assert there["text"] == here["text"]
    finally:
        copied.context.close()


def test_overview_and_dashboard_settings(browser, demo_server):
    page = open_page(browser, f"{demo_server.url}/?tz=UTC")
    try:
        sidebar_preset(page, "Last quarter", "2026-07-01")
        choose(page, "Bucket", "day", "freq", "day")
        choose(page, "Split by", "Source service", "split", "sourceService")
        same_view_elsewhere(browser, page, {"from": ["2026-07-01"], "freq": ["day"], "split": ["sourceService"]})
    finally:
        page.context.close()

    page = open_page(browser, f"{demo_server.url}/Dashboard?tz=UTC")
    try:
        choose(page, "Bucket", "month", "freq", "month")
        choose(page, "Split by", "No split", "split", "none")
        open_section(page, "Cross-tab", "crosstab")
        choose(page, "Rows", "Language", "xrows", "messageLanguage")
        choose(page, "Columns", "Source service", "xcols", "sourceService")
        choose(page, "Show", "row %", "xshow", "row %")  # the last change: a link one change behind misses it
        same_view_elsewhere(
            browser,
            page,
            {
                "freq": ["month"],
                "split": ["none"],
                "xrows": ["messageLanguage"],
                "xcols": ["sourceService"],
                "xshow": ["row %"],
                "open": ["crosstab"],
            },
        )
    finally:
        page.context.close()


def test_tags_settings(browser, demo_server):
    page = open_page(browser, f"{demo_server.url}/Tags?tz=UTC")
    try:
        drop_last(page, "Tags", "ttag", 4)  # of the five most used
        add_to(page, "Tags", "Wi-Fi", "ttag")
        choose(page, "Show", "lift: how much more often than chance", "cooc", "lift")
        got = params(share_link(page))
        assert "Wi-Fi" in got["ttag"] and len(got["ttag"]) == 5
        same_view_elsewhere(browser, page, {"cooc": ["lift"]})
    finally:
        page.context.close()


def test_text_sections_settings(browser, demo_server):
    page = open_page(browser, f"{demo_server.url}/Text?tz=UTC")
    try:
        choose(page, "Show", "#Hashtags", "kind", "hashtag")
        choose(page, "How many", "50", "top", "50")
        same_view_elsewhere(browser, page, {"kind": ["hashtag"], "top": ["50"]})

        section(page, "Phrases", "phrases")
        choose(page, "Rank by", "mentions", "rank", "mentions")
        choose(page, "In at least", "10 mentions", "min", "10")
        same_view_elsewhere(browser, page, {"section": ["phrases"], "rank": ["mentions"], "min": ["10"]})

        section(page, "Topics", "topics")
        drop_last(page, "Topics", "ttopic", 4)  # of the five largest
        choose(page, "Topic", "Baggage", "dbg", "Baggage")
        same_view_elsewhere(browser, page, {"section": ["topics"], "dbg": ["Baggage"]})

        section(page, "In context", "context")
        type_into(page, "Words, phrases or a query", "delay*", "kw")
        toggle(page, "Random sample", "sample")
        same_view_elsewhere(browser, page, {"section": ["context"], "kw": ["delay*"], "sample": ["1"]})

        section(page, "Distinctive terms", "distinctive")
        choose(page, "Compare", "one day vs the 28 days before", "cmp", "day")
        set_date(page, "Day", "2026-06-20", "day")
        same_view_elsewhere(browser, page, {"section": ["distinctive"], "cmp": ["day"], "day": ["2026-06-20"]})
        assert re.search(r"Saturday 20 June 2026 against the 28 days before it", page.inner_text("body"))
    finally:
        page.context.close()


def test_a_dashboard_section_opened_by_a_click_draws_its_chart_which_drills_down(browser, demo_server):
    page = open_page(browser, f"{demo_server.url}/Dashboard?tz=UTC")
    try:
        assert chart(page, "map").count() == 0  # closed: nothing asked, nothing drawn
        open_section(page, "Countries", "countries")
        countries = points(page, "map")
        largest = max(countries, key=lambda p: p["z"])
        click_point(page, "map", largest)
        assert drill_count(page, "map") == largest["z"] and not exceptions(page)
        link = share_link(page)
        assert params(link).get("open") == ["countries"], link
        section_header(page, "Countries").click()  # closed again: the link forgets it
        page.wait_for_function("() => !new URL(location.href).searchParams.has('open')", timeout=WAIT_MS)
        settled(page)
        assert chart(page, "map").count() == 0 and not exceptions(page)
    finally:
        page.context.close()


def test_a_search_that_does_not_parse_is_kept_across_pages_and_in_the_link(browser, demo_server):
    """Typed in the sidebar, shown with its error and not applied; a page link and the shared link keep it (a
    colleague sees the same search and error); a search that matches nothing says that it is the search."""
    page = open_page(browser, f"{demo_server.url}/Text?tz=UTC")
    try:
        every = count_of(page)
        field = page.get_by_test_id("stSidebar").get_by_label("Text search", exact=True)
        field.fill("(refund")
        field.press("Enter")
        url_says(page, "q", "is", "(refund")
        assert "not applied" in page.get_by_test_id("stSidebar").inner_text() and count_of(page) == every
        same_view_elsewhere(browser, page, {"q": ["(refund"]})
        page.get_by_test_id("stSidebar").get_by_role("link", name="Mentions").click()
        page.wait_for_url(re.compile(r"/Mentions\?"), timeout=WAIT_MS)
        url_says(page, "q", "is", "(refund")
        assert field.input_value() == "(refund" and not exceptions(page)
        field.fill("zzxqv")
        field.press("Enter")
        url_says(page, "q", "is", "zzxqv")
        page.get_by_text("No mention matches the search").wait_for(timeout=WAIT_MS)
        assert count_of(page)[0] == 0 and not exceptions(page)
    finally:
        page.context.close()
