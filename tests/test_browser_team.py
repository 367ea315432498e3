"""The team workflows of issue 21 in Chromium: save, open, rename and delete a view; compare with the previous
period and click a compared bar of each period; download a view as a notebook; make an alert, send a test and
pull from the fake Qualtrics into a store whose alert reaches a local webhook. One server for the module, on a
store of its own (the alerts and views files live beside it)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Iterator

import pytest

from tests.alert_receivers import Webhook
from tests.browser_kit import (
    WAIT_MS,
    choose,
    click,
    click_point,
    count_of,
    drill_count,
    exceptions,
    opened,
    points,
    prepare,
    rerun_done,
    rerun_same_view,
    settled,
    sidebar,
    type_in,
    watch_rerun,
)
from tests.streamlit_server import Server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]  # many reruns; must pass on a busy machine
TOKEN = "T0/B0/hookSECRET"


@pytest.fixture(scope="module")
def folder(demo_data_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("team")
    shutil.copy(demo_data_dir / "demo.duckdb", data / "demo.duckdb")  # views and alerts of its own
    return data


@pytest.fixture(scope="module")
def server(folder) -> Iterator[Server]:
    s = Server(folder, folder / "streamlit.log", store=folder / "mine.duckdb")
    yield s
    s.stop()


def test_save_open_rename_delete_a_view(browser, server):
    with opened(browser, f"{server.url}/?tz=UTC&sent=negative") as page:
        sb = sidebar(page)
        watch_rerun(page)
        sb.get_by_test_id("stSelectbox").filter(has_text="Dates").click()
        page.get_by_role("option", name="Last 30 days").click()
        rerun_done(page)
        matched = count_of(page)[0]
        sb.get_by_text(re.compile(r"Saved views \(\d+\)")).click()
        hostile = "Mon <b>neg</b> [x](http://evil.example) ../../etc"
        type_in(page, sb.get_by_role("textbox", name="Name this view"), hostile)
        click(page, sb.get_by_role("button", name="Save this view"))
        shown = re.compile(r"^Mon <b>neg<\/b> \[x\]\(http:")  # as text, never markup (a joiner after ://)
        assert sb.get_by_role("link", name=shown).is_visible()
        page.goto(f"{server.url}/Mentions?tz=UTC")
        settled(page)
        sidebar(page).get_by_text("Saved views (1)").click()  # a new session: the panel starts closed
        click_link = sidebar(page).get_by_role("link", name=shown)
        click_link.click()
        page.wait_for_url(re.compile(r"/\?.*sent=negative"), timeout=WAIT_MS)
        settled(page)
        assert count_of(page)[0] == matched and not exceptions(page)
        sb = sidebar(page)
        dates = sb.get_by_test_id("stSelectbox").filter(has_text="Dates").locator("input")
        assert dates.input_value() == "Last 30 days"  # the preset, not two fixed dates
        type_in(page, sb.get_by_role("textbox", name="New name"), "Weekly negative")
        click(page, sb.get_by_role("button", name="Rename"))
        assert sb.get_by_role("link", name="Weekly negative").is_visible()
        link = sb.locator("[data-testid=stCode]").filter(has_text="?view=").first.inner_text().strip()
        assert re.fullmatch(rf"{re.escape(server.url)}/\?view=[0-9a-f]{{8}}", link)
        with opened(browser, link) as fresh:  # a colleague opens the view's link
            assert count_of(fresh)[0] == matched and "sent=negative" in fresh.url and not exceptions(fresh)
        sb.get_by_role("button", name="Delete").first.click()
        click(page, page.get_by_test_id("stPopoverBody").get_by_role("button", name="Delete"))
        assert sb.get_by_text("Saved views (0)").is_visible() and not exceptions(page)


def test_compare_with_the_previous_period_and_click_a_bar_of_each(browser, server):
    with opened(browser, f"{server.url}/Dashboard?tz=UTC&from=2026-09-01&to=2026-09-30&prev=1&prevsort=change") as page:
        compared = points(page, "sourceService")
        now = max((p for p in compared if p["customdata"][1] == "now"), key=lambda p: p["x"])
        before = max((p for p in compared if p["customdata"][1] == "previous"), key=lambda p: p["x"])
        assert "2026-08-02 – 2026-08-31" in page.get_by_test_id("stSidebar").inner_text()
        click_point(page, "sourceService", now)
        assert drill_count(page, "sourceService") == now["x"] and not exceptions(page)
        click_point(page, "sourceService", before)
        panel = page.locator(".st-key-sourceService_previous_drill").first
        panel.wait_for(timeout=WAIT_MS)
        assert re.search(r"([\d,]+) mentions", panel.inner_text()).group(1).replace(",", "") == str(before["x"])
        assert "previous period (2026-08-02 – 2026-08-31)" in panel.inner_text()
        csv_button = page.locator(".st-key-sourceService_csv button")
        with page.expect_download(timeout=WAIT_MS) as got:
            csv_button.click()
        rows = list(csv.DictReader(io.StringIO(got.value.path().read_text(encoding="utf-8"))))
        assert ",".join(rows[0]) == "value,mentions,previous,change,change %,label,period,previous period"
        for row in rows:  # change % is a percent of the previous count (-23.0), never a fraction (-0.23)
            previous, change = int(row["previous"]), int(row["change"])
            pct = change / previous * 100 if previous else None
            assert row["change %"] == "" if pct is None else abs(float(row["change %"]) - pct) < 0.051, row


def test_compare_terms_with_the_previous_period_and_click_a_bar_of_each(browser, server):
    with opened(browser, f"{server.url}/Text?tz=UTC&from=2026-09-01&to=2026-09-30&prev=1") as page:
        compared = points(page, "top_terms_prev")
        now = max((p for p in compared if p["customdata"][1] == "now"), key=lambda p: p["x"])
        before = max((p for p in compared if p["customdata"][1] == "previous"), key=lambda p: p["x"])
        click_point(page, "top_terms_prev", now)
        assert drill_count(page, "top_terms_prev") == now["x"] and not exceptions(page)
        click_point(page, "top_terms_prev", before)
        panel = page.locator(".st-key-top_terms_prev_drill").first
        assert drill_count(page, "top_terms_prev") == before["x"] and not exceptions(page)
        assert f"{before['customdata'][0]} in 2026-08-02 – 2026-08-31" in panel.inner_text()


def test_with_compare_on_every_page_opens_from_the_sidebar(browser, server):
    """The sidebar's compare switch writes the URL before this run's share link is drawn: it once wrote into the
    last page's element, and the browser's page broke ("Bad delta path index") on the next page."""
    with opened(browser, f"{server.url}/?tz=UTC&from=2026-09-01&to=2026-09-30&prev=1&prevsort=change") as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for title in ("Dashboard", "Tags", "Text", "Overview"):
            page.goto(page.url)  # a fresh document each time: errors are this page's
            settled(page)
            before = page.url.split("?")[0]
            sidebar(page).get_by_role("link", name=title).click()
            page.wait_for_url(lambda url, before=before: url.split("?")[0] != before, timeout=WAIT_MS)
            settled(page)
            page.get_by_role("heading", name=title).first.wait_for(timeout=WAIT_MS)
            assert not errors and not exceptions(page), (title, errors)
            assert "prev=1" in page.url and "from=2026-09-01" in page.url


def test_download_the_view_as_a_notebook(browser, server):
    with opened(browser, f"{server.url}/?tz=UTC&lang=de") as page:
        matched = count_of(page)[0]
        sb = sidebar(page)
        sb.get_by_text("Open as a notebook").click()
        download = sb.get_by_role("button", name=re.compile(r"Download \([\d,]+ mentions, zip\)"))
        prepare(page, sb.get_by_role("button", name="Prepare the notebook"), download)
        settled(page)
        assert sb.get_by_role("button", name="Prepare the notebook").count() == 0  # the download took its place
        rerun_same_view(page)
        assert download.is_visible()  # a rerun of the same view keeps the prepared zip
        with page.expect_download(timeout=WAIT_MS) as got:
            download.click()
        with zipfile.ZipFile(io.BytesIO(got.value.path().read_bytes())) as zf:
            assert sorted(zf.namelist()) == ["mentions.csv", "mentions.manifest.json", "view.ipynb"]
            assert len(zf.read("mentions.csv").decode().strip().splitlines()) == matched + 1
            assert "df['messageLanguage'].isin(['de'])" in zf.read("view.ipynb").decode()
        assert not exceptions(page)


def test_the_notebook_draws_the_volume_as_the_dashboard_does(browser, server):
    """The Dashboard's Bucket (changed in the page) and Split by (from the link) are the notebook's too."""
    with opened(browser, f"{server.url}/Dashboard?tz=UTC&split=sourceService") as page:
        choose(page, page.get_by_test_id("stMain"), "Bucket", "month")
        assert "freq=month" in page.url
        sb = sidebar(page)
        sb.get_by_text("Open as a notebook").click()
        download = sb.get_by_role("button", name=re.compile(r"Download \([\d,]+ mentions, zip\)"))
        prepare(page, sb.get_by_role("button", name="Prepare the notebook"), download)
        with page.expect_download(timeout=WAIT_MS) as got:
            download.click()
        with zipfile.ZipFile(io.BytesIO(got.value.path().read_bytes())) as zf:
            notebook = zf.read("view.ipynb").decode()
        assert "Volume per month" in notebook and "['bucket', 'sourceService']" in notebook
        assert "color='sourceService'" in notebook
        assert not exceptions(page)


def test_make_an_alert_test_it_and_pull_to_a_local_webhook(browser, server, fake, folder):
    from tests.fake_qualtrics import demo_rows

    fake.add_rows("IDP_team", demo_rows(150))
    hook = Webhook()
    with opened(browser, f"{server.url}/Data?tz=UTC") as page:
        main = page.get_by_test_id("stMain")
        type_in(page, main.get_by_role("textbox", name="Name", exact=True), "Any volume")
        choose(page, main, "When", re.compile("mentions per bucket"))
        threshold = main.get_by_role("spinbutton", name="Threshold (mentions)")
        type_in(page, threshold, "1")
        type_in(page, main.get_by_role("textbox", name=re.compile(r"^Webhook URL")), f"{hook.url}/{TOKEN}")
        click(page, main.get_by_role("button", name="Save the alert"))
        text = main.inner_text().replace("\u2060", "")  # the word joiner that keeps an address from becoming a link
        assert "Saved the alert “Any volume”" in text and f"webhook {hook.url}/…" in text and TOKEN not in text
        click(page, main.get_by_role("button", name="Send a test"))
        assert hook.received and hook.received[0]["text"].startswith("Test of the alert “Any volume”")
        # Pull from the fake Qualtrics through the Data page: the pull's own process evaluates the alert.
        type_in(page, main.get_by_role("textbox", name="Datacenter or base URL"), fake.url)
        type_in(page, main.get_by_role("textbox", name="Dataset id"), "IDP_team")
        type_in(page, main.get_by_role("textbox", name="API token"), fake.token)
        click(page, main.get_by_role("button", name="Pull now"))
        page.wait_for_function(
            "() => /Alerts: \\d+ new, \\d+ delivered/.test(document.querySelector('[data-testid=stMain]').innerText)",
            timeout=2 * WAIT_MS,  # the pull runs as its own process: export, store, then the alerts
        )
        text = main.inner_text()
        found, delivered = map(int, re.search(r"Alerts: (\d+) new, (\d+) delivered", text).groups())
        assert "150 new" in text and found == delivered >= 1  # the newest day (and the one before, if busy)
        alerts = [m["text"] for m in hook.received[1:]]
        assert len(alerts) == found and all(a.startswith("Volume:") and "/Dashboard?" in a for a in alerts)
        assert TOKEN not in (folder / "mine.duckdb.alerts.log").read_text()
        assert not exceptions(page)
        hook.stop()


def test_edit_an_alert_in_place_and_a_bad_value_is_said(browser, server, folder):
    from lib.alerts.rules import Rule, add_rule, load_rules

    store = folder / "mine.duckdb"
    rule = add_rule(store, Rule("", "Edit me", "volume", threshold=100, webhook=f"https://hooks.example.com/{TOKEN}"))
    with opened(browser, f"{server.url}/Data?tz=UTC") as page:
        main = page.get_by_test_id("stMain")
        box = page.locator(f".st-key-alert_{rule.id}")
        click(page, box.get_by_role("button", name="Edit", exact=True))
        type_in(page, box.get_by_role("textbox", name="Name", exact=True), "Edited <b>bold</b> *x*")
        type_in(page, box.get_by_role("spinbutton", name="Threshold (mentions)"), "5")
        click(page, box.get_by_role("button", name="Save changes"))
        text = main.inner_text()
        assert "Saved the alert “Edited <b>bold</b> *x*”. What it has sent already is not sent again." in text
        (saved,) = [r for r in load_rules(store) if r.name.startswith("Edited")]
        assert (saved.id, saved.threshold, saved.webhook) == (rule.id, 5, rule.webhook)  # the webhook kept
        box = page.locator(f".st-key-alert_{rule.id}")
        shown = box.inner_text().replace("\u2060", "")  # the word joiner that keeps an address from becoming a link
        assert "5+ mentions per day" in shown and "webhook https://hooks.example.com/…" in shown
        # A bad address is said, the form stays open with what was typed, and nothing is saved.
        click(page, box.get_by_role("button", name="Edit", exact=True))
        type_in(page, box.get_by_role("textbox", name="Email to (comma separated)"), "not an address")
        click(page, box.get_by_role("button", name="Save changes"))
        assert "Not an email address: 'not an address'." in main.inner_text()
        assert box.get_by_role("button", name="Save changes").is_visible()
        assert [r for r in load_rules(store) if r.id == rule.id] == [saved]
        click(page, box.get_by_role("button", name="Cancel"))
        assert not box.get_by_role("button", name="Save changes").count()
        assert TOKEN not in main.inner_text() and not exceptions(page)
