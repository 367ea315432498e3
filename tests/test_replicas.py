"""Two app replicas behind nginx, sharing one dataset that a single CLI writer publishes.

Everything runs on 127.0.0.1 and is started and stopped here: the writer (python -m lib import --publish),
two `streamlit run` replicas reading the shared Parquet snapshot folder (one answers from its in-memory model,
the other asks DuckDB over the snapshot: SCE_BACKEND), nginx with deploy/nginx-replicas.conf, and Chromium as
the analyst. Killing the replica that serves the analyst sends them to the other one: the browser reconnects,
and their next interaction runs there in a fresh session, with the same view (the filters are in the URL) and
the same numbers, no data lost; a new snapshot from the writer shows up without a restart.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lib.sources.demo import DEMO_FILE
from tests.browser_kit import COUNT
from tests.streamlit_server import ROOT, Server, free_port, wait_healthy

pytestmark = pytest.mark.browser
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REPLICA = re.compile(r"Served by replica (\w+)")


def _require_nginx() -> None:
    if Path(NGINX).exists():
        return
    message = "Debian's nginx is not installed (apt-get install nginx); .ci/run installs it."
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def writer(*args: str) -> str:
    """The single writer: the CLI, as cron would run it."""
    proc = subprocess.run([sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


class Nginx:
    def __init__(self, prefix: Path, upstream_ports: list[int]):
        self.port = free_port()
        prefix.mkdir(parents=True, exist_ok=True)
        conf = (ROOT / "deploy" / "nginx-replicas.conf").read_text()
        upstreams = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstream_ports)
        conf = conf.replace("@PREFIX@", str(prefix)).replace("@UPSTREAMS@", upstreams)
        conf = conf.replace("@LISTEN@", f"127.0.0.1:{self.port}")
        (prefix / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(prefix / "stderr.log").open("w"),
        )
        self.url = f"http://127.0.0.1:{self.port}"
        if not wait_healthy(self.url, 30):
            self.stop()
            raise RuntimeError(f"nginx did not start; see {prefix}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def shown(page) -> tuple[str, str, str]:
    """(replica, matching, total) as the sidebar says, once the page has settled."""
    page.wait_for_function(
        "() => /Served by replica/.test(document.body.innerText) && /mentions match/.test(document.body.innerText)",
        timeout=60_000,
    )
    page.wait_for_timeout(500)
    body = page.inner_text("section[data-testid='stSidebar']")
    return REPLICA.search(body).group(1), *COUNT.search(body).groups()


def test_killing_a_replica_moves_its_analyst_to_the_other_with_the_same_view(browser, tmp_path):
    _require_nginx()
    shared = tmp_path / "shared"
    writer("import", str(DEMO_FILE), "--store", str(tmp_path / "writer.duckdb"), "--publish", str(shared))
    env = {"SCE_SHARED_DIR": str(shared), "STREAMLIT_SERVER_COOKIE_SECRET": "one-secret-for-every-replica"}
    # Replica a answers from its in-memory model, b asks DuckDB over the snapshot (SCE_BACKEND): an analyst moved
    # from one to the other sees the same numbers.
    backends = {"a": "model", "b": "duckdb"}
    replicas = {
        name: Server(
            tmp_path / name, tmp_path / f"{name}.log", env={**env, "SCE_REPLICA": name, "SCE_BACKEND": backend}
        )
        for name, backend in backends.items()
    }
    proxy = Nginx(tmp_path / "nginx", [r.port for r in replicas.values()])
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{proxy.url}/Dashboard?sent=negative", wait_until="domcontentloaded")
        first, matching, total = shown(page)
        assert total == "20,000" and int(matching.replace(",", "")) < 20_000
        assert "sce_route" in {c["name"] for c in page.context.cookies()}
        page.reload(wait_until="domcontentloaded")
        assert shown(page)[0] == first  # the cookie keeps an analyst on one replica

        replicas[first].stop()  # the replica dies
        other = "b" if first == "a" else "a"
        # The browser reconnects through nginx, which now routes this visitor to the other replica; the page
        # reruns there by itself (the frame's timed fragment makes Streamlit rerun on reconnect), in a fresh
        # session built from the URL. The analyst does nothing.
        page.wait_for_function(
            f"() => document.body.innerText.includes('Served by replica {other}')", timeout=90_000, polling=1000
        )
        assert shown(page) == (other, matching, total)  # the same view, nothing lost
        assert ("Answered by DuckDB" in page.inner_text("body")) == (backends[other] == "duckdb")
        assert "sent=negative" in page.url

        # The writer pulls (here: imports) more mentions and publishes; the replica shows them without a restart.
        more = pd.read_csv(DEMO_FILE, dtype=str, keep_default_na=False).head(50)
        more["uniqueId"] = [f"new_{i}" for i in range(len(more))]
        more.to_csv(tmp_path / "more.csv", index=False)
        assert "Published snapshot" in writer(
            "import", str(tmp_path / "more.csv"), "--store", str(tmp_path / "writer.duckdb"), "--publish", str(shared)
        )
        # Within the freshness check's 30 s, the open page says so; "Show them" shows them.
        page.get_by_text("New mentions are in.").wait_for(timeout=60_000)
        page.get_by_role("button", name="Show them").click()
        page.wait_for_function("() => /of 20,050 mentions match/.test(document.body.innerText)")
        assert shown(page)[2] == "20,050"
        page.get_by_role("button", name="Reset filters").click()
        page.wait_for_function("() => document.body.innerText.includes('20,050 of 20,050 mentions match')")
        assert shown(page) == (other, "20,050", "20,050")
    finally:
        proxy.stop()
        for replica in replicas.values():
            if replica.proc.poll() is None:
                replica.stop()
