"""In Chromium: the Data page's Test connection shows the connection check's steps (lib/qualtrics/check.py),
passing on a good configuration and failing, in words that say what to do, on an id that names no project."""

from __future__ import annotations

import pytest

from tests.browser_kit import WAIT_MS, rerun_done, settled, watch_rerun
from tests.fake_qualtrics import demo_rows
from tests.streamlit_server import Server

pytestmark = pytest.mark.browser


def test_test_connection_shows_each_step_and_what_to_do(browser, fake, demo_data_dir, tmp_path):
    fake.add_rows("IDP_social", demo_rows(10))
    env = {
        "QUALTRICS_BASE_URL": fake.url + "/API",  # pasted with a suffix: cut back to the host
        "QUALTRICS_API_TOKEN": fake.token,
        "QUALTRICS_DATASET_ID": "IDP_social",
    }
    server = Server(demo_data_dir, tmp_path / "streamlit.log", env=env)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{server.url}/Data")
        settled(page)

        def test_connection(expect: str) -> str:
            watch_rerun(page)
            page.get_by_role("button", name="Test connection").click()
            rerun_done(page)
            alert = page.locator("[data-testid=stAlert]").filter(has_text=expect)
            alert.wait_for(timeout=WAIT_MS)
            return alert.inner_text()

        good = test_connection("Ready to pull")
        assert "Base URL" in good and "Connected as analyst" in good and "imported-data-projects/IDP_social" in good

        box = page.get_by_role("textbox", name="Dataset id", exact=True)
        watch_rerun(page)
        box.fill("dcf04acc768f4ea5")
        box.press("Enter")
        rerun_done(page)
        bad = test_connection("The check failed at: Dataset")
        assert "two ids" in bad and "idpSourceId" in bad
        assert fake.token not in page.locator("body").inner_text()
        page.close()
    finally:
        server.stop()
