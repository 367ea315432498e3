"""Local receivers for alert tests and demos, on 127.0.0.1: a webhook (records each POSTed JSON, answers a
chosen status) and an SMTP server with STARTTLS and login (aiosmtpd, a throwaway self-signed certificate).

Run the webhook by hand: ``python -m tests.alert_receivers --port 8645`` (prints what it receives).
"""

from __future__ import annotations

import argparse
import json
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.streamlit_server import free_port


class Webhook:
    """``url`` takes POSTs; ``received`` holds their JSON bodies and paths; ``statuses`` are answered in turn
    (then 200)."""

    def __init__(self, port: int = 0, echo: bool = False):
        self.received: list[dict] = []
        self.paths: list[str] = []
        self.statuses: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = hook.statuses.pop(0) if hook.statuses else 200
                if status == 200:
                    hook.received.append(json.loads(body))
                    hook.paths.append(self.path)
                    if echo:
                        print(json.loads(body).get("text", ""), flush=True)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (openssl), valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Smtp:
    """An SMTP server on 127.0.0.1 with STARTTLS (required before login) and one user; ``messages`` holds what
    it received (``email.message.Message``). ``tls=False``: a relay without STARTTLS."""

    def __init__(self, folder: Path, user: str, password: str, tls: bool = True):
        from email import message_from_bytes

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.messages: list = []
        self.cert, key = self_signed(folder)
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                outer.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
                user.encode(),
                password.encode(),
            )
            return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

        context = None
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.cert), str(key))
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=free_port(),
            tls_context=context,
            require_starttls=tls,
            authenticator=authenticator,
            auth_require_tls=tls,
        )
        self.controller.start()
        self.port = self.controller.port

    def stop(self) -> None:
        self.controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="A local webhook receiver that prints each alert it gets.")
    parser.add_argument("--port", type=int, default=8645)
    args = parser.parse_args()
    hook = Webhook(args.port, echo=True)
    print(f"listening on {hook.url}", flush=True)
    try:
        hook.thread.join()
    except KeyboardInterrupt:
        hook.stop()


if __name__ == "__main__":
    main()
