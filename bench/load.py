"""Load: N analysts at once, each a real Streamlit session over its websocket, changing filters on a page.

    python -m bench.load --store PATH --sessions 1 5 20 --changes 8
    python -m bench.load --store PATH --backend duckdb --replicas 2     # nginx in front of two replicas

Starts the app on ``--store`` (build one with ``python -m bench.bench --workdir DIR``, or
``python -m bench.load --mentions 1000000`` generates and imports one first), opens N sessions
that speak Streamlit's own protocol (the protobuf messages that ship in the streamlit wheel: a
``BackMsg`` asks for a rerun with new widget values, ``ForwardMsg``s come back until
``script_finished``), and times each filter change from the request to the end of the rerun,
every element received. Sessions change filters concurrently with a think time between changes.
Reports p50/p95 per N, and the server's resident memory with N sessions open and after they
closed. 20 real browsers on 2 cores would measure Chromium, not the server: with ``--browser``, one
Chromium tab changes filters (as ``bench/browser.py`` does) while the N sessions run, as a cross-check.

With ``--backend`` other than the model, or ``--replicas`` above 1, the store is published as a shared snapshot
and each replica reads it (``SCE_SHARED_DIR``, ``SCE_BACKEND``), as in the README's *Running for a team*; with
several replicas, nginx runs ``deploy/nginx-replicas.conf`` in front of them and the sessions connect through it
(each websocket lands on a replica by nginx's hash), and memory is the sum over the replicas.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.streamlit_server import Server

# The filter changes each session cycles through: (widget label, values as the widget shows them).
CHANGES = [
    ("Sentiment", ["Negative"]),
    ("Language", ["German", "French"]),
    ("Sentiment", ["Positive"]),
    ("Language", []),
    ("Source service", ["Twitter"]),
    ("Sentiment", []),
    ("Source service", ["Facebook", "Instagram"]),
    ("Source service", []),
]


@dataclass
class Session:
    """One analyst's browser tab, as far as the server can tell."""

    url: str
    page: str
    ws: object = None
    widgets: dict[str, str] = field(default_factory=dict)  # label -> widget id
    states: dict[str, list[str]] = field(default_factory=dict)  # widget id -> values sent
    times: list[float] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)  # the sidebar's "N of M mentions match" after each run
    title: str = ""

    async def open(self) -> float:
        self.ws = await websockets.connect(
            self.url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], max_size=2**26
        )
        return await self.rerun()

    async def rerun(self) -> float:
        message = BackMsg()
        state = message.rerun_script
        state.page_name = self.page
        for widget_id, values in self.states.items():
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            widget.string_array_value.data.extend(values)
        start = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await self.ws.recv())
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                if element.WhichOneof("type") == "multiselect":
                    self.widgets[element.multiselect.label] = element.multiselect.id
                elif element.WhichOneof("type") == "markdown" and "mentions match" in element.markdown.body:
                    self.matched.append(element.markdown.body.replace("*", ""))
                elif element.WhichOneof("type") == "heading" and not self.title:
                    self.title = element.heading.body
                elif element.WhichOneof("type") == "exception":
                    raise RuntimeError(f"the page raised: {element.exception.message}")
            elif kind == "script_finished":
                return time.perf_counter() - start

    async def change(self, label: str, values: list[str]) -> None:
        self.states[self.widgets[label]] = values
        self.times.append(await self.rerun())

    async def close(self) -> None:
        await self.ws.close()


def vm(pid: int, field_name: str) -> float:
    """A /proc/PID/status figure (VmRSS, VmHWM) in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split(f"{field_name}:")[1].split()[0]) / 1024


async def drive(url: str, n: int, changes: int, think: float, page: str, pid: int) -> dict:
    sessions = [Session(url, page) for _ in range(n)]
    first = await asyncio.gather(*(s.open() for s in sessions))
    rng = random.Random(n)

    async def analyst(session: Session, offset: int) -> None:
        for step in range(changes):
            await asyncio.sleep(rng.uniform(0, 2 * think))
            await session.change(*CHANGES[(offset + step) % len(CHANGES)])

    await asyncio.gather(*(analyst(s, i) for i, s in enumerate(sessions)))
    rss_open = vm(pid, "VmRSS")
    for session in sessions:
        await session.close()
    times = sorted(t for s in sessions for t in s.times)
    counts = {m for s in sessions for m in s.matched}
    if changes and len(counts) < 2:
        raise RuntimeError(f"the filter changes did not change what matched: {counts}")
    return {
        "title": sessions[0].title,
        "n": n,
        "first": statistics.median(first),
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
        "changes": len(times),
        "rss_open": rss_open,
    }


def browser_under_load(url: str, page: str, results: list) -> None:
    """The cross-check: one real Chromium tab changing filters (bench/browser.py's measure) while the
    websocket sessions run. Appends its times to ``results``; runs in its own thread."""
    from playwright.sync_api import sync_playwright

    from bench.browser import measure

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            results += measure(url, f"/{page}?tz=UTC", browser)
        finally:
            browser.close()


def wait_loaded(urls: list[str], page: str) -> None:
    """Until every engine replica at ``urls`` answers from its own loaded copy (bench/browser.py's ``opened``)."""
    from playwright.sync_api import sync_playwright

    from bench.browser import opened

    began = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            for url in urls:
                tab = browser.new_page()
                opened(tab, f"{url}/{page}?tz=UTC")
                tab.close()
        finally:
            browser.close()
    print(f"the replicas' own copies loaded in {time.perf_counter() - began:.0f} s", flush=True)


def build_store(mentions: int, folder: Path) -> Path:
    from lib.sources.demo import generate
    from lib.sources.ingest import import_file
    from lib.store.local import Store

    store = Store(folder / f"load-{mentions}.duckdb")
    if not store.version():
        print(f"importing {mentions:,} generated mentions…", flush=True)
        import_file(store, generate(mentions).to_csv(index=False).encode(), "load.csv")
    return store.path


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Replicas:
    """The app on ``store``: one process, or ``count`` replicas of ``backend`` on its published snapshot behind
    nginx. ``url`` is where analysts connect; ``pids`` the app processes."""

    def __init__(self, store: Path, workdir: Path, backend: str, count: int):
        extra = ["--server.disconnectedSessionTTL", "2"]
        self.proxy = None
        if backend == "model" and count == 1:
            self.servers = [Server(store.parent, workdir / "load-server.log", store=store, extra=extra)]
        else:
            from lib.store.local import Store
            from lib.store.snapshot import publish

            shared = workdir / "shared"
            publish(Store(store), shared)
            env = {"SCE_SHARED_DIR": str(shared), "SCE_BACKEND": backend, "STREAMLIT_SERVER_COOKIE_SECRET": "bench"}
            self.servers = []
            try:
                for i in range(count):
                    folder = workdir / f"replica-{i}"
                    folder.mkdir(parents=True, exist_ok=True)
                    log = workdir / f"replica-{i}.log"
                    self.servers.append(Server(folder, log, extra=extra, env={**env, "SCE_REPLICA": f"r{i}"}))
                if count > 1:
                    from tests.test_replicas import Nginx

                    self.proxy = Nginx(workdir / "nginx", [s.port for s in self.servers])
            except BaseException:
                self.stop()
                raise
        self.url = self.proxy.url if self.proxy else self.servers[0].url
        self.pids = [s.proc.pid for s in self.servers]

    def memory(self, field_name: str) -> float:
        return sum(vm(pid, field_name) for pid in self.pids)

    def stop(self) -> None:
        if self.proxy:
            self.proxy.stop()
        for server in self.servers:
            server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="the store to serve (default: generate --mentions)")
    parser.add_argument("--mentions", type=int, default=1_000_000, help="mentions to generate without --store")
    parser.add_argument("--workdir", type=Path, default=None, help="where a generated store is kept")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--changes", type=int, default=8, help="filter changes per session")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a session's changes")
    parser.add_argument("--page", default="Dashboard", help="the page the sessions use (Dashboard, Text, …)")
    parser.add_argument("--browser", action="store_true", help="also time one Chromium tab while the sessions run")
    parser.add_argument("--backend", default="model", choices=("model", "duckdb", "spark"), help="SCE_BACKEND")
    parser.add_argument("--replicas", type=int, default=1, help="replicas behind nginx (1: no proxy)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        store = (args.store or build_store(args.mentions, workdir)).resolve()
        app = Replicas(store, workdir, args.backend, args.replicas)
        try:
            if args.backend != "model":  # an engine replica loads its own copy in the background: wait for it
                wait_loaded([server.url for server in app.servers], args.page)
            for server in app.servers:  # each replica loads its data once (the model, or the engine's table)
                warm = asyncio.run(drive(server.url, 1, 1, 0, args.page, server.proc.pid))
            base = app.memory("VmRSS")
            print(
                f"{args.replicas} × {args.backend} up; page {warm['title']!r}; first page load {warm['first']:.2f} s; "
                f"resident memory {base:,.0f} MB; load average {load_average()}",
                flush=True,
            )
            print(
                "| sessions | changes | p50 | p95 | first load (median) | RSS, sessions open | RSS after they closed "
                "| a Chromium tab meanwhile (median) |"
            )
            print("|---|---|---|---|---|---|---|---|")
            for n in args.sessions:
                tab: list[float] = []
                thread = threading.Thread(target=browser_under_load, args=(app.url, args.page, tab))
                if args.browser:
                    thread.start()
                result = asyncio.run(drive(app.url, n, args.changes, args.think, args.page, app.pids[0]))
                result["rss_open"] = app.memory("VmRSS") if len(app.pids) > 1 else result["rss_open"]
                if args.browser:
                    thread.join()
                time.sleep(4)  # past disconnectedSessionTTL: the server drops the closed sessions
                after = app.memory("VmRSS")
                in_browser = f"{statistics.median(tab) * 1e3:,.0f} ms" if tab else "–"
                print(
                    f"| {n} | {result['changes']} | {result['p50'] * 1e3:,.0f} ms | {result['p95'] * 1e3:,.0f} ms "
                    f"| {result['first']:.2f} s | {result['rss_open']:,.0f} MB | {after:,.0f} MB | {in_browser} |",
                    flush=True,
                )
            print(f"peak resident memory of the server(s), summed: {app.memory('VmHWM'):,.0f} MB")
        finally:
            app.stop()


if __name__ == "__main__":
    main()
