"""Time in a real browser from a filter change to the charts settled, on the Overview, Dashboard and Text pages.

    python -m bench.browser --sizes 100000 1000000

For each size: a store of generated mentions, `streamlit run` on 127.0.0.1, Debian's Chromium through
Playwright. Each measurement selects or clears one sidebar filter value and waits until Streamlit has
stopped running and no element of the page is stale; the figure is the median over the changes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lib.sources.demo import generate
from lib.sources.ingest import import_file
from lib.store.local import Store
from tests.streamlit_server import Server

ROOT = Path(__file__).resolve().parent.parent
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
                  && !document.querySelector('[data-stale="true"]')"""
CHANGES = [("Sentiment", "Negative"), ("Language", "German (de)"), ("Source service", "Facebook")]
PAGES = (("/?tz=UTC", "Overview"), ("/Dashboard?tz=UTC", "Dashboard"), ("/Text?tz=UTC", "Text (terms)"))


def build_store(n: int, folder: Path) -> Path:
    path = folder / f"browser-{n}.duckdb"
    if not Store(path).version():
        import_file(Store(path), generate(n).to_csv(index=False).encode(), "bench.csv")
    return path


def measure(url: str, page_path: str, browser) -> list[float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url + page_path)
    page.get_by_text("mentions match").first.wait_for(timeout=180_000)
    page.wait_for_function(SETTLED, timeout=180_000)
    times = []
    sidebar = page.get_by_test_id("stSidebar")
    for label, value in CHANGES:
        box = sidebar.get_by_test_id("stMultiSelect").filter(has_text=label)
        for action in ("select", "clear"):
            if action == "select":
                box.locator("input").click()
                page.keyboard.type(value)  # typing is the user's time, not the app's: the clock starts at Enter
                start = time.perf_counter()
                page.keyboard.press("Enter")
                page.keyboard.press("Escape")
            else:
                start = time.perf_counter()
                box.get_by_role("button", name=f"Remove {value}").first.click()
            page.wait_for_function(
                "() => !!document.querySelector('[data-stale=\"true\"]') || "
                "!!document.querySelector('[data-testid=\"stStatusWidget\"]')",
                timeout=10_000,
            )
            page.wait_for_function(SETTLED, timeout=60_000)
            times.append(time.perf_counter() - start)
            print(f"  {page_path} {action} {label}: {times[-1] * 1e3:,.0f} ms", file=sys.stderr, flush=True)
    page.close()
    return times


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workdir", type=Path, default=None, help="keep stores here between runs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print("| mentions | page | filter change → charts settled, median | slowest | changes |")
        print("|---|---|---|---|---|")
        for n in args.sizes:
            store = build_store(n, workdir)
            server = Server(workdir, workdir / f"streamlit-{n}.log", store=store, wait=300)
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(
                        executable_path="/usr/bin/chromium",
                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                    )
                    for page_path, name in PAGES:
                        times = measure(server.url, page_path, browser)
                        print(
                            f"| {n:,} | {name} | {statistics.median(times) * 1e3:,.0f} ms | "
                            f"{max(times) * 1e3:,.0f} ms | {len(times)} |",
                            flush=True,
                        )
                    browser.close()
            finally:
                server.stop()


if __name__ == "__main__":
    main()
