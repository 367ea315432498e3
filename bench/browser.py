"""Time in a real browser from a filter change to the charts settled, on the Overview, Dashboard and Text pages.

    python -m bench.browser --sizes 100000 1000000
    python -m bench.browser --store STORE --backend duckdb --shared DIR --pages Dashboard   # an engine replica

For each size: a store of generated mentions, `streamlit run` on 127.0.0.1, Debian's Chromium through
Playwright. With ``--store`` and ``--backend``: the store is published into ``--shared`` (kept; a later run
reuses it) and the app runs as a replica on it (``SCE_SHARED_DIR``, ``SCE_BACKEND``); an engine replica is
measured once its own copy of the snapshot is loaded (the sidebar stops saying it loads).

Each measurement selects or clears one sidebar filter value and waits until Streamlit has
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
from tests.browser_kit import rerun_done, watch_rerun
from tests.streamlit_server import Server

ROOT = Path(__file__).resolve().parent.parent
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
                  && !document.querySelector('[data-stale="true"]')"""
CHANGES = [("Sentiment", "Negative"), ("Language", "German (de)"), ("Source service", "Facebook")]
LOADING = "its own copy loads"  # the sidebar of an engine replica whose copy of the snapshot is not loaded yet
PAGES = (("/?tz=UTC", "Overview"), ("/Dashboard?tz=UTC", "Dashboard"), ("/Text?tz=UTC", "Text (terms)"))


def build_store(n: int, folder: Path) -> Path:
    path = folder / f"browser-{n}.duckdb"
    if not Store(path).version():
        import_file(Store(path), generate(n).to_csv(index=False).encode(), "bench.csv")
    return path


def opened(page, url: str, seconds: float = 900) -> None:
    """``url`` open and settled, once an engine replica's own copy of the snapshot is loaded (its sidebar says
    while it loads: polled with a fresh page load every few seconds, up to ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url)
        page.get_by_text("mentions match").first.wait_for(timeout=180_000)
        page.wait_for_function(SETTLED, timeout=180_000)
        if not page.get_by_text(LOADING).count() or time.monotonic() > deadline:
            return
        time.sleep(5)  # not a synchronisation: the interval of a poll of the replica's state


def measure(url: str, page_path: str, browser) -> list[float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    opened(page, url + page_path)
    times = []
    sidebar = page.get_by_test_id("stSidebar")
    for label, value in CHANGES:
        box = sidebar.get_by_test_id("stMultiSelect").filter(has_text=label)
        for action in ("select", "clear"):
            watch_rerun(page)
            if action == "select":
                box.locator("input").click()
                page.keyboard.type(value)  # typing is the user's time, not the app's: the clock starts at Enter
                start = time.perf_counter()
                page.keyboard.press("Enter")
                page.keyboard.press("Escape")
            else:
                start = time.perf_counter()
                box.get_by_role("button", name=f"Remove {value}").first.click()
            rerun_done(page)  # the rerun it caused has ended, nothing is stale and every chart is drawn
            times.append(time.perf_counter() - start)
            print(f"  {page_path} {action} {label}: {times[-1] * 1e3:,.0f} ms", file=sys.stderr, flush=True)
    page.close()
    return times


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workdir", type=Path, default=None, help="keep stores here between runs")
    parser.add_argument("--store", type=Path, help="an existing store instead of generated ones")
    parser.add_argument("--backend", choices=("model", "duckdb", "spark"), help="run the app as a replica on it")
    parser.add_argument("--shared", type=Path, help="with --backend: the snapshot folder (kept)")
    parser.add_argument("--pages", nargs="+", choices=[name.split()[0] for _, name in PAGES], help="only these")
    args = parser.parse_args(argv)
    pages = [(path, name) for path, name in PAGES if not args.pages or name.split()[0] in args.pages]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print("| mentions | page | filter change → charts settled, median | slowest | changes |")
        print("|---|---|---|---|---|")
        for n in [0] if args.store else args.sizes:
            store = args.store or build_store(n, workdir)
            env = {}
            if args.backend:
                from lib.store.snapshot import publish

                shared = args.shared or workdir / "shared"
                publish(Store(store), shared)
                env = {"SCE_SHARED_DIR": str(shared), "SCE_BACKEND": args.backend}
                n = Store(store).count()
            server = Server(workdir, workdir / f"streamlit-{n}.log", store=store, wait=300, env=env)
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(
                        executable_path="/usr/bin/chromium",
                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                    )
                    for page_path, name in pages:
                        times = measure(server.url, page_path, browser)
                        print(
                            f"| {n:,}{f' ({args.backend})' if args.backend else ''} | {name} "
                            f"| {statistics.median(times) * 1e3:,.0f} ms | "
                            f"{max(times) * 1e3:,.0f} ms | {len(times)} |",
                            flush=True,
                        )
                    browser.close()
            finally:
                server.stop()


if __name__ == "__main__":
    main()
