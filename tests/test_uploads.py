"""Uploads to a running server with a password: refused from a session that has not passed the gate, accepted
once it has; and never larger than server.maxUploadSize. Spoken as the browser does: Streamlit's websocket
protocol for the session (tests as bench/load.py), HTTP for the upload."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import tomllib
from pathlib import Path

import pytest
import requests
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.streamlit_server import Server, free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse"


class Visitor:
    """One browser tab: a websocket session, and the XSRF cookie its uploads carry."""

    def __init__(self, url: str):
        self.url, self.http = url, requests.Session()
        self.http.get(url + "/_stcore/health", timeout=30)  # sets the XSRF cookie, as the page does
        self.session_id, self.widgets, self.texts = "", {}, []

    async def run(self, widget_states: dict | None = None) -> None:
        """One rerun of the entry page with these widget values; reads until the script (and a rerun it
        asked for) finished."""
        message = BackMsg()
        message.rerun_script.page_name = ""
        for widget_id, (kind, value) in (widget_states or {}).items():
            state = message.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            setattr(state, kind, value)
        await self.ws.send(message.SerializeToString())
        finished = 0
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(self.ws.recv(), 60))
            kind = reply.WhichOneof("type")
            if kind == "new_session":
                self.session_id = reply.new_session.initialize.session_id
            elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                which = element.WhichOneof("type")
                if which in ("text_input", "button"):
                    self.widgets[getattr(element, which).label] = getattr(element, which).id
                elif which == "markdown":
                    self.texts.append(element.markdown.body)
            elif kind == "script_finished":
                finished += 1
                if reply.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN or finished > 3:
                    return

    def upload(self, size: int) -> int:
        xsrf = self.http.cookies.get("_streamlit_xsrf", "")
        response = self.http.put(
            f"{self.url}/_stcore/upload_file/{self.session_id}/file-1",
            files={"file": ("mentions.csv", b"x" * size, "text/csv")},
            headers={"X-Xsrftoken": xsrf},
            timeout=60,
        )
        return response.status_code


@pytest.fixture
def gated(demo_data_dir, tmp_path):
    server = Server(demo_data_dir, tmp_path / "streamlit.log", env={"SCE_PASSWORD": PASSWORD})
    yield server
    server.stop()


def test_an_upload_needs_the_password_first(gated):
    async def scenario() -> list[int]:
        visitor = Visitor(gated.url)
        async with websockets.connect(
            gated.url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], max_size=2**26
        ) as visitor.ws:
            await visitor.run()
            assert visitor.session_id and "Password" in visitor.widgets
            before = visitor.upload(1000)
            await visitor.run(
                {
                    visitor.widgets["Password"]: ("string_value", PASSWORD),
                    visitor.widgets["Open"]: ("trigger_value", True),
                }
            )
            await visitor.run()
            assert any("mentions match" in t for t in visitor.texts)  # let in
            return [before, visitor.upload(1000)]

    before, after = asyncio.run(scenario())
    assert before == 400  # refused before a byte of it was read
    assert after == 204


def test_the_upload_size_is_what_the_app_needs():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 200


def raw_status(port: int, request: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        return int(s.recv(4096).split(b" ", 2)[1])


def test_the_proxy_rule_bounds_uploads(gated, tmp_path):
    from tests.test_replicas import NGINX, _require_nginx

    _require_nginx()
    prefix, port = tmp_path / "nginx", free_port()
    prefix.mkdir()
    conf = (ROOT / "deploy" / "nginx-uploads.conf").read_text().replace("@PREFIX@", str(prefix))
    conf = conf.replace("@LISTEN@", f"127.0.0.1:{port}").replace("@UPSTREAM@", f"127.0.0.1:{gated.port}")
    (prefix / "nginx.conf").write_text(conf)
    proc = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(prefix / "stderr.log").open("w"),
    )
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}", 30)
        head = "PUT /_stcore/upload_file/s/f HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        # 250 MB announced: refused from the header, before a byte of the body.
        assert raw_status(port, (head + "Content-Length: 262144000\r\n\r\n").encode()) == 413
        small = (head + "Content-Length: 4\r\nConnection: close\r\n\r\n--b\n").encode()
        statuses = [raw_status(port, small) for _ in range(8)]
        assert statuses.count(429) >= 3 and 429 not in statuses[:3]  # a burst of 3, then limited
        assert statuses[0] in (400, 403)  # passed on: the app refuses it (no XSRF token, no such session)
    finally:
        proc.terminate()
        proc.wait(10)
