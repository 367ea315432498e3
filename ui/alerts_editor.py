"""The Data page's *Alerts after each pull*: make a rule, send a test, delete it, run the rules now, read the log.

A typed webhook URL is a secret (Slack's and Teams' hold their token): it is typed into a password field,
saved beside the store, and shown afterwards by its scheme and host only (lib/alerts/deliver.shown_url).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.alerts.campaign_rule import MAX_SIZE, MIN_SIZE
from lib.alerts.deliver import configured_webhook, shown_url, smtp_settings
from lib.alerts.rules import FREQS, KINDS, AlertsError, Rule, add_rule, delete_rule, load_rules
from lib.alerts.run import channels, read_log, run_alerts, send_test
from lib.errors import ExplorerError
from lib.queries.interface import Queries
from lib.queries.saved_views import ViewsError, load_views
from ui.escape import code, md

MESSAGE_KEY = "sce_alerts_message"


def _say(text: str, ok: bool = True) -> None:
    st.session_state[MESSAGE_KEY] = ("" if ok else "!") + text


def _where(rule: Rule) -> str:
    parts = []
    for kind, address in channels(rule):
        if kind == "webhook":
            parts.append("the team webhook" if rule.webhook == "configured" else f"webhook {shown_url(address)}")
        else:
            parts.append(f"email to {address}")
    return "; ".join(parts)


def _describe(rule: Rule, views: dict[str, str]) -> str:
    what = {
        "spike": "a spike",
        "volume": f"{rule.threshold:,.0f}+ mentions",
        "negative": f"{rule.threshold:.0%}+ negative",
        "campaign": f"a new campaign of {rule.threshold:,.0f}+ copies",
    }[rule.kind]
    scope = f"view “{views[rule.view]}”" if rule.view in views else "all mentions"
    if rule.view and rule.view not in views:
        scope = "a deleted view (this alert finds nothing until it is changed)"
    if rule.topic:
        scope += f", text topic “{rule.topic}”"
    return f"{what} per {rule.freq} in {scope} → {_where(rule)}"


def _add(store_path: Path) -> None:
    s = st.session_state
    webhook = s.get("w_alert_webhook", "").strip()
    if s.get("w_alert_team_hook"):
        webhook = "configured"
    emails = tuple(a.strip() for a in s.get("w_alert_email", "").replace(";", ",").split(",") if a.strip())
    kind = s.get("w_alert_kind", "spike")
    try:
        threshold = float(s.get(f"w_alert_threshold_{kind}", 0) or 0) if kind != "spike" else 0.0
    except (TypeError, ValueError):
        threshold = float("nan")  # Rule.check says what a threshold must be
    if kind == "negative":
        threshold /= 100
    rule = Rule(
        id="",
        name=s.get("w_alert_name", ""),
        kind=kind,
        view=s.get("w_alert_view") or "",
        topic=s.get("w_alert_topic") or "",
        threshold=threshold,
        freq=s.get("w_alert_freq", "day"),
        webhook=webhook,
        email=emails,
    )
    try:
        saved = add_rule(store_path, rule)
    except (ExplorerError, OSError) as exc:
        _say(str(exc), ok=False)  # messages never echo a webhook URL
        return
    s["w_alert_webhook"] = ""
    _say(f"Saved the alert “{saved.name}”: every pull now evaluates it.")


def _delete(store_path: Path, rule: Rule) -> None:
    try:
        delete_rule(store_path, rule.id)
    except (ExplorerError, OSError) as exc:
        _say(str(exc), ok=False)
        return
    _say(f"Deleted the alert “{rule.name}”.")


def _test(rule: Rule) -> None:
    results = send_test(rule)
    failed = [f"{channel}: {result}" for channel, result in results if result != "ok"]
    if failed:
        _say("Test not delivered: " + "; ".join(failed), ok=False)
    else:
        _say(f"Test sent to {', '.join(channel for channel, _ in results)}.")


def section(store_path: Path, q: Queries | None, topics: list[str], writable: bool) -> None:
    """The rules of the store at ``store_path``; ``q`` answers "Evaluate now" when the page shows that store."""
    st.subheader("Alerts after each pull")
    st.caption(
        "Rules are evaluated after every pull (Pull now, the command line and cron) on the newest data: the hour "
        "or day that holds the newest mention and the one before it. Each finding is sent once, with a link to "
        "the Dashboard (for a campaign, the Text page's Campaigns) that shows it; a delivery that fails is retried "
        "on the next pull and never fails it."
    )
    message = st.session_state.pop(MESSAGE_KEY, "")
    if message:
        (st.error if message.startswith("!") else st.success)(md(message.removeprefix("!")))
    try:
        rules = load_rules(store_path)
    except AlertsError as exc:
        st.error(md(exc), icon=":material/notifications_off:")
        return
    try:
        views = {v.id: v.name for v in load_views(store_path)}
    except ViewsError as exc:
        st.warning(md(exc))
        views = {}
    for rule in rules:
        with st.container(border=True, key=f"alert_{rule.id}"):
            st.markdown(f"**{md(rule.name)}** · {md(_describe(rule, views))}")
            with st.container(horizontal=True, gap="small"):
                st.button("Send a test", key=f"w_alert_test_{rule.id}", on_click=_test, args=(rule,))
                st.button(
                    "Delete",
                    key=f"w_alert_del_{rule.id}",
                    on_click=_delete,
                    args=(store_path, rule),
                    disabled=not writable,
                )
    if not writable:
        return
    with st.expander("New alert", icon=":material/add_alert:", expanded=not rules):
        left, right = st.columns(2)
        left.text_input("Name", key="w_alert_name", max_chars=100, placeholder="e.g. Baggage spike")
        kind = right.selectbox("When", tuple(KINDS), format_func=KINDS.get, key="w_alert_kind")
        left.selectbox(
            "In the mentions of",
            ["", *views],
            format_func=lambda i: f"saved view “{views[i]}”" if i else "all mentions",
            key="w_alert_view",
            help="A saved view's filters (not its dates: an alert always looks at the newest data).",
        )
        right.selectbox("Text topic", ["", *topics], format_func=lambda t: t or "any", key="w_alert_topic")
        left.selectbox("Per", FREQS, index=1, key="w_alert_freq")
        if kind == "volume":
            right.number_input("Threshold (mentions)", min_value=1, value=100, step=10, key="w_alert_threshold_volume")
        elif kind == "negative":
            right.number_input(
                "Threshold (% negative)", min_value=1, max_value=100, value=50, key="w_alert_threshold_negative"
            )
        elif kind == "campaign":
            right.number_input(
                "Size (copies)",
                min_value=MIN_SIZE,
                max_value=MAX_SIZE,
                value=10,
                step=5,
                key="w_alert_threshold_campaign",
                help="A group of near-identical mentions (a copy-paste campaign, a retweet storm: the Text page's "
                "Campaigns) that reaches this many copies with a pull, because its first copy or the copies that "
                "take it past the size came with it. Each campaign alerts once.",
            )
        team = configured_webhook()
        if team:
            st.checkbox(f"Send to the team webhook ({shown_url(team)})", key="w_alert_team_hook")
        st.text_input(
            'Webhook URL (Slack, Teams or any that takes {"text": …})',
            key="w_alert_webhook",
            type="password",
            placeholder="https://hooks.slack.com/services/…",
            help="Kept beside the data and never shown again in full: it holds the channel's token.",
        )
        relay = smtp_settings()
        st.text_input(
            "Email to (comma separated)",
            key="w_alert_email",
            placeholder="team@example.org",
            help=f"Sent through {relay.host}:{relay.port} with STARTTLS."
            if relay
            else "Configure an SMTP relay first (SCE_SMTP_HOST…; README, Alerts).",
        )
        st.button("Save the alert", on_click=_add, args=(store_path,), type="primary", icon=":material/save:")
    hint = "What a pull does after it, on the data now."
    if rules and q is not None and st.button("Evaluate now", icon=":material/play_arrow:", help=hint):
        outcome = run_alerts(store_path, q)
        (st.error if outcome.problem or outcome.failed else st.success)(md(outcome.summary()))
    if rules:
        log = read_log(store_path, 12)
        if log:
            with st.expander("Alerts log (newest last)"):
                st.markdown("  \n".join(code(line) for line in log))
