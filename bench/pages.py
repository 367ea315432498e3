"""Server memory after every page has been opened, and the first page's time, in a real browser.

    python -m bench.pages --store /tmp/b/bench-realistic-1000000.duckdb --repeat 3

Starts the app (``streamlit run``, model backend) on the store, opens in Debian's Chromium the Overview, then
every page and every Text section in turn, waiting each time until Streamlit has finished and nothing is stale,
and reads the server's resident memory (VmRSS) after each. The first Overview's time, from the request to the
page settled, includes loading the model: it is the cold start an analyst sees. Prints the median over
``--repeat`` fresh servers, and the server's peak (VmHWM).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from tests.streamlit_server import Server

SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
                  && !document.querySelector('[data-stale="true"]')"""
PAGES = (
    ("Overview", "/?tz=UTC"),
    ("Dashboard", "/Dashboard?tz=UTC"),
    ("Tags", "/Tags?tz=UTC"),
    ("Text: terms", "/Text?tz=UTC&section=terms"),
    ("Text: phrases", "/Text?tz=UTC&section=phrases"),
    ("Text: topics", "/Text?tz=UTC&section=topics"),
    ("Text: keyword in context", "/Text?tz=UTC&section=context&kw=delay*%20OR%20%22cabin%20crew%22"),
    ("Text: sentiment", "/Text?tz=UTC&section=sentiment"),
    ("Text: distinctive", "/Text?tz=UTC&section=distinctive"),
    ("Mentions, a phrase searched", "/Mentions?tz=UTC&q=%22cabin%20crew%22"),
    ("Mentions, a word and a wildcard searched", "/Mentions?tz=UTC&q=wifi%20OR%20bagag*"),
    ("Data", "/Data?tz=UTC"),
    ("Setup", "/Setup?tz=UTC"),
)


def vm(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024


def one_run(store: Path, workdir: Path, browser) -> dict[str, float]:
    server = Server(store.parent, workdir / "pages-server.log", store=store)
    try:
        figures: dict[str, float] = {}
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for name, path in PAGES:
            start = time.perf_counter()
            page.goto(server.url + path)
            page.wait_for_selector('[data-testid="stSidebar"]', timeout=300_000)
            page.wait_for_function(SETTLED, timeout=300_000)
            seconds = time.perf_counter() - start
            if name == "Overview":
                figures["first Overview (cold start in the browser)"] = seconds
            figures[f"RSS after {name}"] = vm(server.proc.pid, "VmRSS")
            print(f"  {name}: {seconds:.2f} s, RSS {figures[f'RSS after {name}']:,.0f} MB", file=sys.stderr, flush=True)
        figures["peak (VmHWM)"] = vm(server.proc.pid, "VmHWM")
        # The text search's side files are mapped (lib/queries/search_files.py): their pages are page cache,
        # counted in RSS as file pages; the process's own memory is the anonymous part.
        figures["RSS at the end: anonymous"] = vm(server.proc.pid, "RssAnon")
        figures["RSS at the end: file pages"] = vm(server.proc.pid, "RssFile")
        page.close()
        return figures
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3, help="fresh servers to take the median over")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"), help="where the server's log goes")
    args = parser.parse_args(argv)
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for _ in range(args.repeat):
            runs.append(one_run(args.store, args.workdir, browser))
        browser.close()
    print(f"| what ({args.store.name}, median of {len(runs)}) | value | all runs |")
    print("|---|---|---|")
    for key in runs[0]:
        values = [r[key] for r in runs]
        unit = " s" if "Overview (" in key else " MB"
        digits = 2 if unit == " s" else 0
        shown = ", ".join(f"{v:,.{digits}f}" for v in values)
        print(f"| {key} | {statistics.median(values):,.{digits}f}{unit} | {shown} |")


if __name__ == "__main__":
    main()
