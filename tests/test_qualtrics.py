"""The Qualtrics client against the fake server, over HTTP: base URLs, auth, retries, errors."""

from __future__ import annotations

import socket

import pytest
import requests

from lib.qualtrics.client import (
    AuthError,
    BadRequest,
    ConnectionFailed,
    Credentials,
    DeadlineExceeded,
    NotFound,
    PermissionDenied,
    QualtricsClient,
    QualtricsError,
    RateLimited,
    ServerError,
    base_url,
)


class Clock:
    """A fake clock and sleep: retries and polls take no real time, and their waits are recorded."""

    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client(fake, creds: Credentials | None = None, clock: Clock | None = None, **kw) -> QualtricsClient:
    clock = clock or Clock()
    return QualtricsClient(fake.url, creds or Credentials(api_token=fake.token), sleep=clock.sleep, clock=clock, **kw)


@pytest.mark.parametrize(
    "given,expected",
    [
        ("iad1", "https://iad1.qualtrics.com"),
        ("FRA1", "https://fra1.qualtrics.com"),
        ("myorg.iad1", "https://myorg.iad1.qualtrics.com"),
        ("mybrand.qualtrics.com", "https://mybrand.qualtrics.com"),
        ("https://co1.qualtrics.com/API/v3/", "https://co1.qualtrics.com"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ],
)
def test_base_url(given, expected):
    assert base_url(given) == expected


@pytest.mark.parametrize("bad", ["", "iad1/evil", "a.b.c", "ftp://x", "ia d1"])
def test_base_url_refuses_what_is_not_a_host(bad):
    with pytest.raises(QualtricsError, match=r"datacenter|URL"):
        base_url(bad)


def test_whoami_sends_the_token_header(fake):
    me = client(fake).whoami()
    assert me["userName"] == "analyst@example.com"
    assert fake.requests[-1][2]["X-API-TOKEN"] == fake.token


def test_no_credentials_at_all_says_which_variables_to_set(fake):
    with pytest.raises(AuthError, match="QUALTRICS_API_TOKEN"):
        QualtricsClient(fake.url, Credentials())


class DroppingSession(requests.Session):
    """A proxy that strips the auth header on its way: Qualtrics then answers 400 ATP_2."""

    def request(self, method, url, headers=None, **kw):
        headers = {k: v for k, v in (headers or {}).items() if k != "X-API-TOKEN"}
        return super().request(method, url, headers=headers, **kw)


def test_missing_header_is_an_auth_error_not_a_bad_request(fake):
    with pytest.raises(AuthError, match="ATP_2"):
        client(fake, session=DroppingSession()).whoami()


def test_bad_token_names_the_remedy_and_never_the_token(fake):
    secret = "WRONG" + fake.token[5:]
    with pytest.raises(AuthError) as caught:
        client(fake, Credentials(api_token=secret)).whoami()
    message = str(caught.value)
    assert "DCD_7" in message and "Account Settings" in message
    assert secret not in message and secret not in repr(caught.value)
    assert caught.value.status == 401


def test_forbidden_token(fake):
    fake.forbidden_tokens.add(fake.token)
    with pytest.raises(PermissionDenied, match="403"):
        client(fake).whoami()


def test_unknown_dataset(fake):
    with pytest.raises(NotFound, match="dataset id"):
        client(fake).request_json("POST", "imported-data-projects/IDP_nope/exports", json={"format": "csv"})


def test_429_honours_retry_after(fake):
    fake.faults.before = [(429, {"Retry-After": "7"}), (429, {"Retry-After": "2"})]
    clock = Clock()
    assert client(fake, clock=clock).whoami()["brandId"] == "fakebrand"
    assert clock.sleeps == [7.0, 2.0]


def test_429_without_retry_after_backs_off_with_jitter(fake):
    fake.faults.before = [(429, {}), (429, {}), (429, {})]
    clock = Clock()
    client(fake, clock=clock, backoff=1.0).whoami()
    assert len(clock.sleeps) == 3
    assert all(0 <= s <= 1.0 * 2**i for i, s in enumerate(clock.sleeps))


def test_503_is_retried_then_given_up(fake):
    fake.faults.before = [(503, {})] * 2
    assert client(fake).whoami()
    fake.faults.before = [(503, {})] * 10
    with pytest.raises(ServerError, match="kept failing"):
        client(fake, max_retries=3).whoami()


def test_rate_limited_for_good(fake):
    fake.faults.before = [(429, {"Retry-After": "1"})] * 10
    with pytest.raises(RateLimited):
        client(fake, max_retries=2).whoami()


def test_other_4xx_are_never_retried(fake):
    fake.faults.before = [(400, {}), (200, {})]
    with pytest.raises(BadRequest):
        client(fake).whoami()
    assert len(fake.requests) == 1


def test_a_wait_past_the_deadline_gives_up_at_once(fake):
    fake.faults.before = [(429, {"Retry-After": "3600"})]
    clock = Clock()
    with pytest.raises(DeadlineExceeded, match="past the deadline"):
        client(fake, clock=clock, deadline=60).whoami()
    assert clock.sleeps == []


def test_an_unreachable_host_hints_at_the_datacenter():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    clock = Clock()
    c = QualtricsClient(
        f"http://127.0.0.1:{port}", Credentials(api_token="x" * 40), sleep=clock.sleep, clock=clock, max_retries=2
    )
    with pytest.raises(ConnectionFailed, match="datacenter"):
        c.whoami()
    assert len(clock.sleeps) == 2


def test_oauth_client_credentials(fake):
    client_id, secret = fake.add_client()
    c = client(fake, Credentials(client_id=client_id, client_secret=secret, scope="read:users"))
    assert c.whoami()["datacenter"] == "fake1"
    token_call = next(r for r in fake.requests if r[1] == "/oauth2/token")
    assert token_call[2]["Authorization"].startswith("Basic ")
    assert fake.requests[-1][2]["Authorization"].startswith("Bearer ")


def test_oauth_token_is_refreshed_before_it_expires(fake):
    client_id, secret = fake.add_client()
    fake.token_lifetime = 120  # refreshed 60 s early
    clock = Clock()
    c = client(fake, Credentials(client_id=client_id, client_secret=secret), clock=clock)
    c.whoami()
    clock.now += 30
    c.whoami()
    clock.now += 40  # 70 s after issue: past expires_in - 60
    c.whoami()
    assert sum(r[1] == "/oauth2/token" for r in fake.requests) == 2


def test_oauth_401_gets_one_fresh_token_and_one_retry(fake):
    client_id, secret = fake.add_client()
    c = client(fake, Credentials(client_id=client_id, client_secret=secret))
    c.whoami()
    fake.bearer.clear()  # the server forgot (revoked) every token
    assert c.whoami()
    assert sum(r[1] == "/oauth2/token" for r in fake.requests) == 2


def test_wrong_oauth_secret(fake):
    client_id, _ = fake.add_client()
    with pytest.raises(AuthError) as caught:
        client(fake, Credentials(client_id=client_id, client_secret="not-the-secret")).whoami()
    assert "not-the-secret" not in str(caught.value)
