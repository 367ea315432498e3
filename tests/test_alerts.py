"""Alerts after each pull: rules evaluated on the newest data, delivered to a local webhook and a local SMTP
server with STARTTLS, never twice, retried after a failure, never failing the pull, never leaking a secret."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from lib.alerts.deliver import DeliveryError, check_webhook_url, shown_url
from lib.alerts.rules import AlertsError, Rule, add_rule, edit_rule, load_rules, rules_path
from lib.alerts.run import log_path, model_queries, run_alerts, send_test, state_path
from lib.mentions.normalize import normalize
from lib.queries.saved_views import save_view
from lib.store.local import Store
from tests.alert_receivers import Smtp

TOKEN = "T000/B000/XyZsecretTOKEN42"
LAST = datetime(2026, 3, 20, 12, tzinfo=UTC)


def mentions(day_counts: dict[int, tuple[int, int]]) -> pd.DataFrame:
    """Mentions per day before LAST (0 = LAST's day): (count, of them negative), twitter and facebook alike."""
    rows = []
    for back, (n, negative) in day_counts.items():
        for i in range(n):
            when = LAST - timedelta(days=back, minutes=i)
            rows.append(
                {
                    "uniqueId": f"d{back}-{i}",
                    "datePublished": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "messageSentiment": "negative" if i < negative else "positive",
                    "sourceService": "twitter" if i % 2 else "facebook",
                    "messageContent": "late again" if i % 3 == 0 else "nice crew",
                }
            )
    frame, report = normalize(pd.DataFrame(rows))
    assert not report.rejected
    return frame


QUIET = {back: (5 + back % 3, 1) for back in range(1, 21)}  # 5-7 a day, one negative


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path / "m.duckdb")
    store.ingest([mentions({**QUIET, 0: (60, 40)})], kind="import", source="test")  # today: a spike
    return store


def run(store: Store):
    return run_alerts(store.path, load_queries=lambda: model_queries(store))


def test_a_spike_alerts_once_with_a_link_to_the_view_that_shows_it(store, hook, monkeypatch):
    monkeypatch.setenv("SCE_APP_URL", "https://sce.example.org")
    view = save_view(store.path, "Twitter", "Dashboard", {"svc": ["twitter"]}, LAST.date(), LAST.date())
    add_rule(store.path, Rule("", "Twitter spike", "spike", view=view.id, webhook=f"{hook.url}/hook/{TOKEN}"))
    add_rule(store.path, Rule("", "Busy", "volume", threshold=50, webhook=f"{hook.url}/hook/{TOKEN}"))
    add_rule(store.path, Rule("", "Angry", "negative", threshold=0.5, webhook=f"{hook.url}/hook/{TOKEN}"))
    first = run(store)
    assert (first.found, first.sent, first.failed, first.pending) == (3, 3, [], 0)
    texts = [m["text"] for m in hook.received]
    spike = next(t for t in texts if t.startswith("Spike"))
    assert spike.startswith("Spike: 30 mentions in view “Twitter”")  # 60 today, half of them on twitter
    assert "2026-03-20 (UTC): 30 mentions" in spike
    link = spike.splitlines()[-1]
    assert link.startswith("https://sce.example.org/Dashboard?") and "svc=twitter" in link
    assert "from=2026-03-06" in link and "to=2026-03-20" in link and "freq=day" in link
    assert any(t.startswith("Volume: 60 mentions in all mentions") for t in texts)
    assert any(t.startswith("Negative share: 67% of 60 mentions") for t in texts)
    assert hook.paths == [f"/hook/{TOKEN}"] * 3
    # The next pull re-sends the same mentions: nothing new, nothing sent twice.
    store.ingest([mentions({0: (60, 40)})], kind="import", source="again")
    again = run(store)
    assert (again.found, again.sent) == (0, 0) and len(hook.received) == 3
    assert TOKEN not in log_path(store.path).read_text() and "sent" in log_path(store.path).read_text()


def test_a_failed_delivery_is_retried_on_the_next_run_and_a_dead_host_never_raises(store, hook, tmp_path):
    add_rule(store.path, Rule("", "Busy", "volume", threshold=50, webhook=f"{hook.url}/{TOKEN}"))
    hook.statuses = [500]
    failed = run(store)
    assert failed.found == 1 and failed.sent == 0 and failed.pending == 1
    assert failed.failed == [f"webhook {hook.url}/…: The webhook at {hook.url}/… answered HTTP 500."]
    retried = run(store)
    assert (retried.found, retried.sent, retried.pending) == (0, 1, 0)
    assert [m["text"].split("\n")[0] for m in hook.received] == ["Volume: 60 mentions in all mentions"]
    # A dead host: reported by host only, kept for the next run, nothing raised.
    from tests.streamlit_server import free_port

    dead = f"http://127.0.0.1:{free_port()}/services/{TOKEN}"
    add_rule(store.path, Rule("", "Dead", "volume", threshold=10, webhook=dead))
    outcome = run(store)
    assert outcome.found == 1 and outcome.pending == 1 and "could not be reached" in outcome.failed[0]
    assert TOKEN not in outcome.summary() and TOKEN not in log_path(store.path).read_text()
    assert TOKEN not in json.dumps([m for m in send_test(load_rules(store.path)[-1])])


def test_email_over_starttls_with_login_and_never_in_clear(store, tmp_path, monkeypatch):
    smtp = Smtp(tmp_path, "alerts@example.org", "pa55-w0rd-secret")
    try:
        monkeypatch.setenv("SCE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SCE_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("SCE_SMTP_USER", "alerts@example.org")
        monkeypatch.setenv("SCE_SMTP_PASSWORD", "pa55-w0rd-secret")
        monkeypatch.setenv("SCE_SMTP_CAFILE", str(smtp.cert))
        add_rule(store.path, Rule("", "Busy", "volume", threshold=50, email=("team@example.org",)))
        assert run(store).sent == 1
        (message,) = smtp.messages
        assert message["To"] == "team@example.org" and message["Subject"].startswith("Volume: 60 mentions")
        assert "/Dashboard?" in message.get_payload()
        monkeypatch.setenv("SCE_SMTP_PASSWORD", "wrong")
        ((_, result),) = send_test(load_rules(store.path)[0])
        assert result.endswith("refused the user name or password.") and "wrong" not in result
    finally:
        smtp.stop()
    clear = Smtp(tmp_path, "alerts@example.org", "pa55-w0rd-secret", tls=False)
    try:
        monkeypatch.setenv("SCE_SMTP_PORT", str(clear.port))
        ((_, result),) = send_test(load_rules(store.path)[0])
        assert "does not offer STARTTLS; nothing was sent" in result and clear.messages == []
    finally:
        clear.stop()


@pytest.mark.parametrize(
    "url,why",
    [
        ("ftp://hooks.example.com/x", "starts with https://"),
        ("http://hooks.example.com/T0/secret", "must use https://"),
        ("https://user:s3cr3t@hooks.example.com/x", "no user:password@"),
        ("https://hooks.example.com/a b", "no spaces"),
        ("https://hooks.example.com/" + "x" * 3000, "1 to 2,048 characters"),
        ("https://[::1/x", "not a URL"),
        ("javascript:alert(1)", "starts with https://"),
    ],
)
def test_a_webhook_url_is_user_input(url, why):
    with pytest.raises(DeliveryError, match=why) as caught:
        check_webhook_url(url)
    assert "secret" not in str(caught.value) and "s3cr3t" not in str(caught.value)
    assert (
        check_webhook_url("https://hooks.slack.com/services/T0/B0/x")
        and shown_url("https://hooks.slack.com/services/T0/B0/x") == "https://hooks.slack.com/…"
    )


def test_unreadable_rules_or_state_are_reported_kept_and_evaluate_nothing(store, hook):
    add_rule(store.path, Rule("", "Busy", "volume", threshold=50, webhook=hook.url))
    state_path(store.path).write_text("{not json")
    outcome = run(store)
    assert (
        "alerts state" in outcome.problem and hook.received == [] and state_path(store.path).read_text() == "{not json"
    )
    rules_path(store.path).write_text('{"rules": [{"id": "../../x"}]}')
    with pytest.raises(AlertsError, match="kept as it is"):
        load_rules(store.path)
    assert "cannot be read" in run(store).problem
    assert rules_path(store.path).read_text() == '{"rules": [{"id": "../../x"}]}'


def test_the_cli_pull_evaluates_alerts_and_a_dead_webhook_never_fails_it(fake, tmp_path, hook, monkeypatch, capsys):
    from lib.cli import EXIT_OK, main
    from tests.fake_qualtrics import demo_rows
    from tests.streamlit_server import free_port

    rows = demo_rows(120)
    fake.add_rows("IDP_alerts", rows)
    store = Store(tmp_path / "p.duckdb")
    add_rule(store.path, Rule("", "Any volume", "volume", threshold=1, webhook=f"{hook.url}/{TOKEN}"))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", fake.token)
    args = ["pull", "--base-url", fake.url, "--dataset-id", "IDP_alerts", "--store", str(store.path), "--quiet"]
    assert main(args) == EXIT_OK
    # The day of the newest mention and the day before it: each at or over 1 mention.
    assert [m["text"].split(" in ")[0] for m in hook.received] == ["Volume: 1 mention", "Volume: 1 mention"]
    assert main(["alerts", "run", "--store", str(store.path)]) == EXIT_OK  # nothing new: nothing sent
    assert len(hook.received) == 2
    add_rule(store.path, Rule("", "Dead", "volume", threshold=1, webhook=f"http://127.0.0.1:{free_port()}/{TOKEN}"))
    capsys.readouterr()
    assert main(args) == EXIT_OK  # the webhook is dead: the pull is still done
    err = capsys.readouterr().err
    assert "warning: Alerts: 2 new, 0 delivered, 2 failed" in err and TOKEN not in err
    assert main(["alerts", "list", "--store", str(store.path)]) == EXIT_OK
    listed = capsys.readouterr().out
    assert "Any volume" in listed and TOKEN not in listed and f"{hook.url}/…" in listed


def test_a_rule_may_name_a_view_the_replicas_saved_in_the_shared_folder(store, hook, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    view = save_view(shared, "Facebook (replicas)", "Dashboard", {"svc": ["facebook"]}, LAST.date(), LAST.date())
    add_rule(store.path, Rule("", "FB busy", "volume", view=view.id, threshold=30, webhook=hook.url))
    assert run_alerts(store.path, load_queries=lambda: model_queries(store)).found == 0  # not beside the store
    outcome = run_alerts(store.path, load_queries=lambda: model_queries(store), shared=shared)
    assert outcome.sent == 1 and hook.received[0]["text"].startswith("Volume: 30 mentions in view “Facebook")


def test_saving_the_same_rule_twice_keeps_one(store):
    rule = Rule("", "Busy", "volume", threshold=50, webhook="https://hooks.example.com/x")
    first, second = add_rule(store.path, rule), add_rule(store.path, rule)
    assert first.id == second.id and len(load_rules(store.path)) == 1


@pytest.mark.parametrize(
    "cafile,why",
    [("missing.pem", "does not exist"), (".", "is a folder"), ("damaged.pem", "holds no CA certificate")],
)
def test_a_bad_smtp_cafile_says_so_and_what_to_set(tmp_path, cafile, why):
    from lib.alerts.deliver import Smtp as Relay
    from lib.alerts.deliver import send_email
    from tests.streamlit_server import free_port

    (tmp_path / "damaged.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\n\x00\xff not base64\n")
    relay = Relay("127.0.0.1", free_port(), "u", "pa55-w0rd-secret", "u@example.org", str(tmp_path / cafile))
    with pytest.raises(DeliveryError, match=why) as caught:
        send_email(relay, ("team@example.org",), "s", "t")  # said before any connection: nothing listens there
    message = str(caught.value)
    assert "SCE_SMTP_CAFILE" in message and "Nothing was sent" in message and "could not be reached" not in message
    assert "pa55-w0rd-secret" not in message


def test_editing_a_rule_keeps_what_it_sent_unless_what_it_looks_at_changed(store, hook, capsys):
    rule = add_rule(store.path, Rule("", "Busy", "volume", threshold=50, webhook=f"{hook.url}/{TOKEN}"))
    assert run(store).sent == 1  # today: 60 mentions
    # A new name, a lower threshold, an email besides: the same rule (its id), so today is not sent again.
    edited, kept = edit_rule(
        store.path, rule.id, replace(rule, name="Busy <!channel>\nday", threshold=40, email=("a@example.org",))
    )
    assert kept and edited.id == rule.id and edited.name == "Busy <!channel> day"  # one line; escaped when sent
    assert load_rules(store.path) == [edited] and run(store).found == 0 and len(hook.received) == 1
    # Hours instead of days: another rule (a new id), which alerts afresh on the newest data.
    hourly, kept = edit_rule(store.path, rule.id, replace(edited, freq="hour", email=()))
    assert not kept and hourly.id != rule.id and [r.id for r in load_rules(store.path)] == [hourly.id]
    assert run(store).found >= 1 and "&lt;!channel&gt;" in hook.received[-1]["text"]
    assert "<!channel>" not in hook.received[-1]["text"]
    assert edit_rule(store.path, hourly.id, hourly) == (hourly, True)  # nothing changed: nothing written
    # Hostile values are reported, and the rules file is left as it was.
    saved = rules_path(store.path).read_bytes()
    for bad, why in [
        (replace(hourly, threshold=float("nan")), "threshold"),
        (replace(hourly, threshold=float("inf")), "threshold"),
        (replace(hourly, threshold=1e300), "threshold"),
        (replace(hourly, kind="negative", threshold=1.5), "between 0 and 100%"),
        (replace(hourly, name=" \n\t "), "Give the alert a name"),
        (replace(hourly, name="x" * 101), "Give the alert a name"),
        (replace(hourly, email=("a@example.org\nBcc: x@evil.org",)), "Not an email address"),
        (replace(hourly, webhook="http://hooks.example.com/" + TOKEN, email=()), "must use https://"),
        (replace(hourly, webhook="", email=()), "Say where the alert goes"),
    ]:
        with pytest.raises(AlertsError if why != "must use https://" else DeliveryError, match=why) as caught:
            edit_rule(store.path, hourly.id, bad)
        assert TOKEN not in str(caught.value)
    assert rules_path(store.path).read_bytes() == saved
    with pytest.raises(AlertsError, match="no longer there"):
        edit_rule(store.path, rule.id, edited)  # the old id: gone since it became another rule
    # The command line's edit: the same checks, the same file.
    from lib.cli import EXIT_OK, main

    args = ["alerts", "edit", "--rule", hourly.id, "--store", str(store.path)]
    assert main([*args, "--threshold", "nan"]) != EXIT_OK and "threshold" in capsys.readouterr().err
    assert main([*args, "--name", "From the CLI", "--threshold", "7"]) == EXIT_OK
    assert "what it sent is not sent again" in capsys.readouterr().out
    assert load_rules(store.path) == [replace(hourly, name="From the CLI", threshold=7.0)]
