"""The Qualtrics client against odd and hostile servers (the fake's raw replies): one-line messages, never a
traceback, never a credential in any form, never a credential sent to another host."""

from __future__ import annotations

import base64
import json
import re
import socket
from urllib.parse import quote, unquote

import pytest

from lib.qualtrics.client import (
    AuthError,
    ConnectionFailed,
    Credentials,
    QualtricsClient,
    QualtricsError,
    ServerError,
    base_url,
    is_qualtrics_host,
    may_receive_configured,
)
from lib.qualtrics.scrub import Scrubber
from tests.fake_qualtrics import DROP, TRUNCATE, FakeQualtrics, FakeServer
from tests.test_qualtrics import Clock, client

JSON = {"Content-Type": "application/json"}


def envelope(status: int, code: str, message: str) -> bytes:
    return json.dumps(
        {"meta": {"httpStatus": str(status), "error": {"errorCode": code, "errorMessage": message}}}
    ).encode()


def echoes(token: str) -> dict[str, str]:
    """The forms a server could echo a token in."""
    basic = base64.b64encode(f"someone@example.com:{token}".encode()).decode()
    return {
        "exact": token,
        "upper": token.upper(),
        "base64": base64.b64encode(token.encode()).decode(),
        "basic header": f"Basic {basic}",
        "urlencoded": quote(f"x={token}"),
        "cut at 200": ("x" * 180 + token)[:200],
    }


def leaked(text: str, token: str) -> bool:
    """Whether a 12-character fragment of ``token`` is in ``text``: as is, in any case, URL-encoded, or inside
    any base64 run (at any alignment)."""
    fragment = token[:12].lower()
    if fragment in unquote(text).lower():
        return True
    for run in re.findall(r"[A-Za-z0-9+/_-]{8,}", text):
        for start in range(4):
            part = run[start:]
            try:
                decoded = base64.b64decode(part[: len(part) // 4 * 4].replace("-", "+").replace("_", "/"))
            except ValueError:
                continue
            if fragment.encode() in decoded.lower():
                return True
    return False


# -- odd replies: one line, says what to do ---------------------------------------------------------------
ODD = [
    ("not JSON", (200, {}, b"<html>hello</html>"), ServerError, "not a JSON object"),
    ("a JSON list", (200, JSON, b"[1, 2]"), ServerError, "not a JSON object"),
    ("a result that is a list", (200, JSON, b'{"result": [1]}'), ServerError, "without a result"),
    ("JSON 100,000 deep", (200, JSON, b"[" * 100_000), ServerError, "not a JSON object"),
    ("20 MB of JSON", (200, JSON, b'{"result": "' + b"x" * (20 * 1024**2) + b'"}'), ServerError, "more than"),
    ("a dropped connection", (DROP, {}, b""), ConnectionFailed, "Could not reach"),
    ("a body cut short", (TRUNCATE, JSON, b'{"result": {'), ServerError, "broke off"),
    ("a redirect without an address", (302, {}, b""), QualtricsError, "redirect"),
    ("an error code that is markup", (400, JSON, envelope(400, "<img src=x>", "m")), QualtricsError, "refused"),
    ("an envelope whose meta is a string", (500, JSON, b'{"meta": "x"}'), ServerError, "kept failing"),
    ("Retry-After: nan", (503, {"Retry-After": "nan"}, b""), ServerError, "kept failing"),
    ("Retry-After: inf", (503, {"Retry-After": "inf"}, b""), ServerError, "kept failing"),
    ("Retry-After: a date that is not one", (503, {"Retry-After": "Wed, 99 Foo 0000"}, b""), ServerError, "failing"),
]


@pytest.mark.parametrize("name,reply,error,says", ODD, ids=[o[0] for o in ODD])
def test_an_odd_reply_is_a_one_line_message(fake, name, reply, error, says):
    fake.faults.replies = [reply] * 3  # retried replies get the same
    with pytest.raises(error) as caught:
        client(fake, max_retries=2).whoami()
    message = str(caught.value)
    assert says in message and "\n" not in message and len(message) < 400
    assert "<img" not in message and "<html" not in message and fake.token not in message


def test_an_oauth_reply_without_an_access_token(fake):
    client_id, secret = fake.add_client()
    for body in (b'{"token_type": "Bearer"}', b'{"access_token": 12}', b'{"access_token": ""}'):
        fake.faults.replies = [(200, JSON, body)]
        with pytest.raises(AuthError, match="without an access token") as caught:
            client(fake, Credentials(client_id=client_id, client_secret=secret)).whoami()
        assert secret not in str(caught.value)
    fake.faults.replies = [(200, {}, b"not json")]
    with pytest.raises(ServerError, match="OAuth token request"):
        client(fake, Credentials(client_id=client_id, client_secret=secret)).whoami()


def test_an_odd_expires_in_is_taken_as_an_hour(fake):
    client_id, secret = fake.add_client()
    fake.faults.replies = [(200, JSON, json.dumps({"access_token": "abc123", "expires_in": "soon"}).encode())]
    clock = Clock()
    c = client(fake, Credentials(client_id=client_id, client_secret=secret), clock=clock)
    c._fetch_token()
    assert c._token_expires == clock.now + 3600 - 60
    assert c.whoami()["brandId"] == "fakebrand"  # abc123 is refused (401): one fresh token, one retry


def test_a_refused_connection_is_not_a_server_asking_to_wait():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = Clock()
    c = QualtricsClient(
        f"http://127.0.0.1:{port}", Credentials(api_token="x" * 40), sleep=clock.sleep, clock=clock, deadline=0.001
    )
    with pytest.raises(ConnectionFailed) as caught:
        c.whoami()
    assert "asked us to wait" not in str(caught.value) and "Could not reach" in str(caught.value)


def test_a_token_with_a_line_break_is_refused_before_anything_is_sent(fake):
    with pytest.raises(AuthError, match="copy it again") as caught:
        client(fake, Credentials(api_token=fake.token + "\n"))
    assert fake.token not in str(caught.value) and fake.requests == []


@pytest.mark.parametrize(
    "where", ["https://user:pw@iad1.qualtrics.com", "https://iad1.qualtrics.com?x=1", "http://a b"]
)
def test_a_base_url_with_credentials_or_a_query_is_refused(where):
    with pytest.raises(QualtricsError, match=r"plain base URL|not"):
        base_url(where)


@pytest.mark.parametrize("where", ["http://iad1.qualtrics.com", "http://proxy.example:8080", "HTTP://10.0.0.5"])
def test_plain_http_to_another_machine_is_refused_before_the_token_goes(where):
    """The token travels in a header: over plain http to another machine, anyone on the way reads it."""
    with pytest.raises(QualtricsError, match="plain http") as caught:
        QualtricsClient(where, Credentials(api_token="T" * 40))
    assert "T" * 10 not in str(caught.value)


@pytest.mark.parametrize("where", ["http://127.0.0.1:8123", "http://localhost:9", "http://[::1]:8080"])
def test_plain_http_to_this_machine_is_allowed(where):
    assert base_url(where).startswith("http://")


# -- redirects: the token never follows --------------------------------------------------------------------
def test_a_redirect_to_another_host_is_not_followed():
    other = FakeQualtrics()
    with FakeServer(other) as elsewhere, FakeServer() as home:
        token = home.state.add_token()
        home.state.faults.replies = [(302, {"Location": f"{elsewhere.url}/API/v3/whoami"}, b"")]
        with pytest.raises(QualtricsError, match="redirected") as caught:
            QualtricsClient(home.url, Credentials(api_token=token)).whoami()
        assert other.requests == [] and token not in str(caught.value)


def test_a_redirect_on_the_same_host_is_followed(fake):
    fake.faults.replies = [(307, {"Location": "/API/v3/whoami"}, b"")]
    assert client(fake).whoami()["brandId"] == "fakebrand"
    assert [r[1] for r in fake.requests] == ["/API/v3/whoami", "/API/v3/whoami"]


# -- which host may receive the configured credentials -----------------------------------------------------
@pytest.mark.parametrize(
    "where,configured,allowed",
    [
        ("iad1", "iad1", True),
        ("https://iad1.qualtrics.com/API/v3", "iad1", True),
        ("fra1", "iad1", True),  # Qualtrics' own domain
        ("myorg.ca1", "http://127.0.0.1:8765", True),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765", True),
        ("http://127.0.0.1:8766", "http://127.0.0.1:8765", False),
        ("https://evil.example", "iad1", False),
        ("http://iad1.qualtrics.com", "fra1", False),  # not https
        ("https://iad1.qualtrics.com:8443", "fra1", False),
        ("https://qualtrics.com.evil.example", "iad1", False),
        ("https://evil.example#.qualtrics.com", "iad1", False),
        ("https://iad1.qualtrics.com@evil.example", "iad1", False),
        ("https://evil.example", "", False),
        ("iad1", "", True),
    ],
)
def test_configured_credentials_go_to_the_configured_host_or_qualtrics_only(where, configured, allowed):
    assert may_receive_configured(where, configured) is allowed
    assert is_qualtrics_host("https://x.qualtrics.com") and not is_qualtrics_host("https://x.qualtrics.co")


# -- secrets echoed back in any form -------------------------------------------------------------------------
def test_the_scrubber_finds_every_form():
    token, client_id, secret = "d3adb33f" * 5, "client-1234", "s3cret-Value_xyz"
    scrub = Scrubber([token, secret], [(client_id, secret)])
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    for name, form in echoes(token).items():
        assert leaked(f"said: {form}!", token), name  # the detector sees each form
        assert not leaked(scrub(f"said: {form}!"), token), name
    for shift in range(4):  # the secret inside a longer base64 text, at every alignment
        text = base64.b64encode(b"p" * shift + f"{client_id}:{secret}".encode() + b"tail").decode()
        assert leaked(text, secret) and not leaked(scrub(text), secret), shift
    assert "***" in scrub(basic) and "***" in scrub(secret.upper())
    assert scrub("an ordinary message about tokens") == "an ordinary message about tokens"


@pytest.mark.parametrize("form", list(echoes("0" * 40)))
def test_an_echoed_token_is_never_in_the_message(fake, monkeypatch, form):
    # Trusted as Qualtrics' own host, so that its message is shown at all (from other hosts it never is).
    monkeypatch.setattr(QualtricsClient, "trusted", property(lambda self: True))
    fake.faults.replies = [(400, JSON, lambda h, f=form: envelope(400, "ECHO_1", echoes(h["X-API-TOKEN"])[f]))]
    with pytest.raises(QualtricsError) as caught:
        client(fake).whoami()
    message = str(caught.value)
    assert "ECHO_1" in message and not leaked(message, fake.token), message


def test_an_untrusted_host_shows_its_code_and_no_message(fake):
    fake.faults.replies = [(400, JSON, envelope(400, "X_1", "![x](http://198.51.100.7/leak.png) click here"))]
    with pytest.raises(QualtricsError) as caught:
        client(fake).whoami()
    assert "X_1" in str(caught.value) and "leak" not in str(caught.value)


# -- a background pull whose server echoes the credentials: nothing of them in the log, progress or store --
def test_a_pull_from_a_server_that_echoes_the_credentials_stores_none_of_them(tmp_path):
    from lib.qualtrics.background import start_pull
    from lib.store.local import Store
    from tests.test_data_page import wait_for

    state = FakeQualtrics()
    client_id, secret = state.add_client()
    with FakeServer(state) as server:
        # The export's columns are the secret in every form: the refusal ("its columns are: …") quotes them.
        forms = [f.replace(",", " ") for f in echoes(secret).values()] + [
            base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        ]
        state.add_rows("IDP_echo", [{form: "1" for form in forms}])
        creds = Credentials(client_id=client_id, client_secret=secret)
        job = start_pull(
            tmp_path, where=server.url, dataset_id="IDP_echo", store=tmp_path / "m.duckdb", credentials=creds
        )
        status = wait_for(job)
    assert "columns" in status["error"]
    stored = Store(tmp_path / "m.duckdb").log().to_string()
    for where, text in {
        "pull.log (the command's stderr)": (tmp_path / "pull.log").read_text(),
        "pull-progress.json": (tmp_path / "pull-progress.json").read_text(),
        "ingest_log": stored,
        "the status the page shows": status["error"],
    }.items():
        assert not leaked(text, secret), where
    assert "failed" in stored


@pytest.mark.parametrize("percent", ["abc", None, [1], "nan", "1e999", -5])
def test_an_odd_progress_figure_is_shown_as_zero(fake, percent):
    from lib.qualtrics.export_jobs import FLOWS, wait_for_export

    body = json.dumps({"result": {"status": "complete", "fileId": "f-1", "percentComplete": percent}}).encode()
    fake.faults.replies = [(200, JSON, body)]
    seen = []
    done = wait_for_export(client(fake), FLOWS["dataset"], "IDP_x", "job", lambda phase, v: seen.append(v))
    assert done["fileId"] == "f-1" and 0.0 <= seen[0] <= 1.0
