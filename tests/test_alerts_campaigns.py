"""The alert rule "a new campaign over a size": a file that brings a planted copy-paste campaign fires exactly one
alert (a local webhook and a local SMTP server with STARTTLS), never twice however the campaign grows, a cluster
below the size never; a cluster that grows past the size with a pull fires once; the link opens the campaign."""

from __future__ import annotations

import html
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest

from lib.alerts.campaign_rule import plain
from lib.alerts.rules import Alert, AlertsError, Rule, add_rule, load_rules, rules_path
from lib.alerts.run import model_queries, run_alerts, state_path
from lib.cli import EXIT_OK, main
from lib.queries.campaigns import members
from lib.queries.interface import Scope
from lib.queries.new_campaigns import campaign_of
from lib.store.local import Store
from tests.alert_receivers import Smtp

LAST = datetime(2026, 3, 20, 12, tzinfo=UTC)
CAMPAIGN = (
    "Sign the petition and demand your refund from Northwind before Friday, case {i} <!channel> "
    "https://evil.example/phish"
)
SMALL = "The lounge in Oslo has no working wifi again this week, please fix it {i}"
WORDS = [f"w{n}" for n in range(400)]  # background texts: random words, alike to no other


def row(key: str, when: datetime, text: str, author: str, service: str = "twitter", sentiment: str = "neutral"):
    return {
        "uniqueId": key,
        "datePublished": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "messageContent": text,
        "authorName": author,
        "sourceService": service,
        "messageSentiment": sentiment,
    }


def background() -> list[dict]:
    rng = np.random.default_rng(3)
    return [
        row(f"b{back}-{i}", LAST - timedelta(days=back, hours=i), " ".join(rng.choice(WORDS, 9)), f"u{back}{i}")
        for back in range(1, 21)
        for i in range(5)
    ]


def campaign(start: int, n: int, back_minutes: int = 0) -> list[dict]:
    """Copies ``start``..``start+n-1`` of the campaign on LAST's day: 5 authors, twitter and facebook, 3 of 4
    negative; copy i is i minutes later than the first (``back_minutes`` earlier still)."""
    first = LAST - timedelta(hours=6, minutes=back_minutes)
    return [
        row(
            f"c{i}",
            first + timedelta(minutes=i),
            CAMPAIGN.format(i=i),
            f"bot{i % 5}",
            "facebook" if i % 8 in (1, 4, 6) else "twitter",
            "positive" if i % 4 == 3 else "negative",
        )
        for i in range(start, start + n)
    ]


def small(start: int, n: int) -> list[dict]:
    return [
        row(f"s{i}", LAST - timedelta(hours=3, minutes=i), SMALL.format(i=i), f"lounge{i}")
        for i in range(start, start + n)
    ]


def write(path, rows: list[dict]):
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def imported(store: Store, path) -> None:
    assert main(["import", str(path), "--store", str(store.path)]) == EXIT_OK


@pytest.fixture(scope="module")
def background_store(tmp_path_factory) -> Path:
    """The background mentions imported once per module (an import costs ~0.4 s); each test gets a copy."""
    folder = tmp_path_factory.mktemp("background")
    imported(Store(folder / "m.duckdb"), write(folder / "background.csv", background()))
    return folder / "m.duckdb"


@pytest.fixture
def store(tmp_path, background_store) -> Store:
    shutil.copy(background_store, tmp_path / "m.duckdb")
    return Store(tmp_path / "m.duckdb")


def test_a_file_with_a_planted_campaign_alerts_once_by_webhook_and_email(store, hook, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCE_APP_URL", "https://sce.example.org")
    smtp = Smtp(tmp_path, "alerts@example.org", "pa55-w0rd-secret")
    try:
        for name, value in (("HOST", "127.0.0.1"), ("PORT", str(smtp.port)), ("USER", "alerts@example.org")):
            monkeypatch.setenv(f"SCE_SMTP_{name}", value)
        monkeypatch.setenv("SCE_SMTP_PASSWORD", "pa55-w0rd-secret")
        monkeypatch.setenv("SCE_SMTP_CAFILE", str(smtp.cert))
        add_rule(store.path, Rule("", "Campaigns", "campaign", threshold=5, webhook=hook.url, email=("t@example.org",)))
        assert main(["alerts", "run", "--store", str(store.path)]) == EXIT_OK
        assert hook.received == [] and smtp.messages == []  # no campaign in the background
        # A file brings 8 copies of a campaign and 3 of a smaller one (below the size).
        imported(store, write(tmp_path / "pull.csv", background()[:5] + campaign(0, 8) + small(0, 3)))
        capsys.readouterr()
        assert main(["alerts", "run", "--store", str(store.path)]) == EXIT_OK
        assert "Alerts: 1 new, 2 delivered." in capsys.readouterr().out
        ((message,),) = (hook.received,)
        title, text, link = message["text"].split("\n")
        assert title == "New campaign: 8 copies in all mentions"
        assert text.startswith(
            "8 near-identical mentions (8 in the newest data) by 5 authors, on twitter 5, facebook 3;"
        )
        assert "first seen 2026-03-20 06:00 (UTC); 75% negative." in text  # copy 0 is the first
        # The sample, as a chat client must show it: no channel ping, no link, one line.
        assert (
            "“Sign the petition and demand your refund from Northwind before Friday, case 0 &lt;!channel&gt; (link)”"
            in text
        )
        assert "evil.example" not in message["text"] and "<!channel>" not in message["text"]
        # Slack's escaping covers the whole message (the link's & too); the email is plain text, unescaped.
        title, text, link = (html.unescape(part) for part in (title, text, link))
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.path) == ("https", "sce.example.org", "/Text")
        query = parse_qs(parts.query)
        assert query["section"] == ["campaigns"] and query["campaign"] == ["c0"]
        assert query["from"] == query["to"] == ["2026-03-20"] and query["tz"] == ["UTC"]
        (email,) = smtp.messages
        body = email.get_payload(decode=True).decode()
        assert email["Subject"] == title and text in body and link in body and email["To"] == "t@example.org"
        # The link's key opens the campaign: its 8 copies.
        q = model_queries(store)
        cluster = campaign_of(q, "c0")
        assert cluster is not None and members(q, Scope(), cluster, 20)[0] == 8
        # The next run, and the next pull that re-sends the same mentions: nothing sent again.
        assert main(["alerts", "run", "--store", str(store.path)]) == EXIT_OK
        imported(store, tmp_path / "pull.csv")
        assert main(["alerts", "run", "--store", str(store.path)]) == EXIT_OK
        assert len(hook.received) == 1 and len(smtp.messages) == 1
    finally:
        smtp.stop()
    assert main(["alerts", "list", "--store", str(store.path)]) == EXIT_OK
    assert "a new campaign (near-duplicate copies) of at least a size (5 copies) per day" in capsys.readouterr().out


def test_a_campaign_alerts_once_however_it_grows_and_a_cluster_alerts_when_it_grows_past_the_size(store, hook):
    def run():
        return run_alerts(store.path, load_queries=lambda: model_queries(store))

    def ingest(rows):
        from lib.mentions.normalize import normalize

        frame, report = normalize(pd.DataFrame(rows))
        assert not report.rejected
        store.ingest([frame], kind="import", source="test")

    add_rule(store.path, Rule("", "Big ones", "campaign", threshold=5, webhook=hook.url))
    ingest(campaign(0, 6) + small(0, 4))  # 4 copies: below the size
    assert run().found == 1 and [m["text"].split("\n")[0] for m in hook.received] == [
        "New campaign: 6 copies in all mentions"
    ]
    # The campaign grows, with a copy earlier than its first (a new earliest key): still the same campaign.
    ingest([*campaign(6, 3), {**campaign(40, 1, back_minutes=90)[0], "uniqueId": "c-early"}])
    q = model_queries(store)
    assert campaign_of(q, "c-early") == campaign_of(q, "c0") is not None
    assert run().found == 0 and len(hook.received) == 1
    # The small cluster grows past the size with this pull: it fires, once.
    ingest(small(4, 1))
    outcome = run()
    assert outcome.found == 1 and hook.received[-1]["text"].startswith(
        "New campaign: 5 copies in all mentions\n5 near-identical mentions (5 in the newest data)"
    )
    assert run().found == 0 and len(hook.received) == 2
    assert "campaign" in state_path(store.path).read_text()


def test_a_cluster_that_reached_the_size_before_the_newest_data_is_not_new(store, hook):
    from lib.mentions.normalize import normalize

    old = [{**r, "datePublished": (LAST - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")} for r in campaign(0, 6)]
    frame, _ = normalize(pd.DataFrame(old + campaign(6, 2)))  # 6 copies five days ago, 2 more today
    store.ingest([frame], kind="import", source="test")
    add_rule(store.path, Rule("", "Big ones", "campaign", threshold=5, webhook=hook.url))
    add_rule(store.path, Rule("", "Huge ones", "campaign", threshold=9, webhook=hook.url))
    outcome = run_alerts(store.path, load_queries=lambda: model_queries(store))
    assert outcome.found == 0 and hook.received == []  # 6 before the newest days; 8 in all, below 9


@pytest.mark.parametrize(
    "threshold,why",
    [(0, "a whole number of copies from 2"), (-5, "from 2"), (1, "from 2"), (5.5, "whole number"), (1e12, "1,000,000")],
)
def test_a_campaign_rules_size_is_a_whole_number_from_2(store, threshold, why):
    with pytest.raises(AlertsError, match=why):
        add_rule(store.path, Rule("", "Bad", "campaign", threshold=threshold, webhook="https://hooks.example.com/x"))
    assert load_rules(store.path) == []


@pytest.mark.parametrize(
    "item",
    [
        {"kind": "campaign", "threshold": "many"},
        {"kind": "campaign", "threshold": None},
        {"kind": "campaign"},
        {"kind": "campaign", "threshold": -3},
        {"kind": "campaign", "threshold": [5]},
        {"kind": ["campaign"], "threshold": 5},
        {"kind": "campaign", "threshold": 5, "topic": ["x"]},
        {"kind": "campaign", "threshold": 5, "view": {"id": 1}},
        {"kind": "campaign", "threshold": 5, "name": 7},
        {"kind": "campaign", "threshold": 5, "email": "a@example.org"},
        {"kind": "campaign", "threshold": 5, "freq": None},
        {"kind": "volume", "threshold": 10**400},  # float() overflows
        {"kind": "volume", "threshold": float("inf")},
        {"kind": "campaign", "threshold": 5, "email": ["a@example.org\n"]},  # would end the mail's headers
        {"kind": "campaign", "threshold": 5, "id": "0a1b2c3d\n"},
    ],
)
def test_a_hand_edited_rule_with_garbage_is_reported_and_kept(store, hook, item):
    text = json.dumps({"rules": [{"id": "0a1b2c3d", "name": "x", "webhook": hook.url, **item}]})
    rules_path(store.path).write_text(text)
    with pytest.raises(AlertsError, match=r"cannot be read .* It is kept as it is"):
        load_rules(store.path)
    outcome = run_alerts(store.path, load_queries=lambda: model_queries(store))
    assert "cannot be read" in outcome.problem and hook.received == []
    assert rules_path(store.path).read_text() == text


def test_a_quoted_text_is_plain_for_a_chat_client():
    hostile = "Hi <!here> & <@U123|boss>\u202e\n\n*bold* <https://x.example|click> www.y.example/z " + "x" * 300
    quoted = plain(hostile)
    assert quoted.startswith("Hi <!here> & <@U123|boss> *bold* <(link) (link) xxx")  # one plain line
    assert "\n" not in quoted and "\u202e" not in quoted and len(quoted) < 220 and quoted.endswith("…")
    # The webhook's message escapes it all, the rule's name and view too: nothing pings, nothing links.
    alert = Alert(
        key="k", rule="r", title="In view “<!channel> [x](http://e.vil)”", text=quoted, link="https://a/?x=1&y=2"
    )
    message = alert.message()
    assert "Hi &lt;!here&gt; &amp; &lt;@U123|boss&gt;" in message and "&lt;!channel&gt;" in message
    assert "<" not in message and ">" not in message and message.endswith("https://a/?x=1&amp;y=2")


def test_the_alerts_link_opens_the_campaign_on_the_text_page(store, tmp_path, monkeypatch):
    import streamlit as st

    from tests.test_pages import param, run

    imported(store, write(tmp_path / "pull.csv", campaign(0, 8) + small(0, 3)))
    monkeypatch.setenv("SCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCE_STORE", str(store.path))
    st.cache_data.clear()
    st.cache_resource.clear()
    link = {"section": "campaigns", "campaign": "c3", "from": "2026-03-20", "to": "2026-03-20", "tz": "UTC"}
    at = run("pages/3_Text.py", link)
    assert not at.exception, at.exception
    assert any(m.value.startswith("**8 mentions** behind the campaign this link names") for m in at.markdown)
    at.button(key="campaign_named_close").click().run()
    assert param(at, "campaign") == [] and not any("this link names" in m.value for m in at.markdown)
    at = run("pages/3_Text.py", {**link, "campaign": "no-such-key<b>"})
    assert not at.exception and any("is not in this data" in i.value for i in at.info)


def test_a_pull_that_brings_a_campaign_alerts_once(fake, tmp_path, hook, monkeypatch):
    store = Store(tmp_path / "p.duckdb")
    add_rule(store.path, Rule("", "Campaigns", "campaign", threshold=5, webhook=hook.url))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", fake.token)
    args = ["pull", "--base-url", fake.url, "--dataset-id", "IDP_camp", "--store", str(store.path), "--quiet"]
    fake.add_rows("IDP_camp", background())
    assert main(args) == EXIT_OK and hook.received == []
    fake.add_rows("IDP_camp", campaign(0, 7) + small(0, 4))
    assert main(args) == EXIT_OK
    assert [m["text"].split("\n")[0] for m in hook.received] == ["New campaign: 7 copies in all mentions"]
    assert main(args) == EXIT_OK and len(hook.received) == 1  # the next pull: nothing new


def test_a_hand_edited_rule_says_what_is_wrong_and_never_its_webhook(store):
    rule = {"id": "0a1b2c3d", "name": "x", "kind": "campaign", "webhook": "https://hooks.example.com/x"}
    for item, why in (
        ({"threshold": -3}, "the rule 0a1b2c3d: A new-campaign alert needs a size: a whole number of copies from 2"),
        ({"threshold": 1e300}, "a whole number of copies from 2 to 1,000,000"),
        ({"threshold": 5, "webhook": "http://hooks.example.com/T0/SECRET"}, "must use https://"),
    ):
        rules_path(store.path).write_text(json.dumps({"rules": [{**rule, **item}]}))
        with pytest.raises(AlertsError, match=why) as caught:
            load_rules(store.path)
        assert "SECRET" not in str(caught.value)
