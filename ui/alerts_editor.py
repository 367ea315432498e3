"""The Data page's *Alerts after each pull*: make a rule, send a test, edit or delete it, run the rules now, read
the log.

A typed webhook URL is a secret (Slack's and Teams' hold their token): it is typed into a password field,
saved beside the store, and shown afterwards by its scheme and host only (lib/alerts/deliver.shown_url).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.alerts.campaign_rule import MAX_SIZE, MIN_SIZE
from lib.alerts.deliver import configured_webhook, shown_url, smtp_settings
from lib.alerts.rules import FREQS, KINDS, AlertsError, Rule, add_rule, delete_rule, edit_rule, load_rules
from lib.alerts.run import channels, read_log, run_alerts, send_test
from lib.errors import ExplorerError
from lib.queries.interface import Queries
from lib.queries.saved_views import ViewsError, load_views
from lib.store.local import Store
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


NEW, EDIT = "w_alert", "w_alert_edit"  # the widget keys' prefixes of the New alert form and of the edit form
EDITING_KEY = "sce_alert_editing"  # the id of the rule whose edit form is open
SEEDED_KEY = "sce_alert_edit_seeded"  # (threshold as the form showed it, as the rule holds it) when it opened


def _threshold_shown(rule: Rule) -> int:
    """A rule's threshold as its form's number field holds it (whole mentions, % negative, copies), in bounds."""
    if rule.kind == "negative":
        return min(max(round(rule.threshold * 100), 1), 100)
    if rule.kind == "campaign":
        return min(max(round(rule.threshold), MIN_SIZE), MAX_SIZE)
    return max(round(rule.threshold), 1) if rule.kind == "volume" else 0


def _rule_from(prefix: str, rule_id: str = "", old: Rule | None = None) -> Rule:
    """The rule the form with widget keys ``prefix`` describes (not checked yet: ``Rule.check`` says what is
    wrong). Editing ``old``: its webhook is kept unless the form replaces or removes it, and its threshold is
    kept as it is unless the field was changed (a hand-made 0.555 is not rounded by an edit of the name)."""
    s = st.session_state
    webhook = s.get(f"{prefix}_webhook", "").strip()
    if not webhook and old is not None and old.webhook not in ("", "configured") and s.get(f"{prefix}_keep_hook"):
        webhook = old.webhook
    if s.get(f"{prefix}_team_hook"):
        webhook = "configured"
    emails = tuple(a.strip() for a in s.get(f"{prefix}_email", "").replace(";", ",").split(",") if a.strip())
    kind = s.get(f"{prefix}_kind", "spike")
    try:
        shown = s.get(f"{prefix}_threshold_{kind}", 0) or 0
        threshold = float(shown) if kind != "spike" else 0.0
    except (TypeError, ValueError):
        shown, threshold = None, float("nan")  # Rule.check says what a threshold must be
    if kind == "negative":
        threshold /= 100
    seeded = s.get(SEEDED_KEY)
    if old is not None and kind == old.kind and seeded and seeded[0] == shown:
        threshold = seeded[1]
    return Rule(
        id=rule_id,
        name=s.get(f"{prefix}_name", ""),
        kind=kind,
        view=s.get(f"{prefix}_view") or "",
        topic=s.get(f"{prefix}_topic") or "",
        threshold=threshold,
        freq=s.get(f"{prefix}_freq", "day"),
        webhook=webhook,
        email=emails,
    )


def _add(store_path: Path) -> None:
    try:
        saved = add_rule(store_path, _rule_from(NEW))
    except (ExplorerError, OSError) as exc:
        _say(str(exc), ok=False)  # messages never echo a webhook URL
        return
    st.session_state[f"{NEW}_webhook"] = ""
    _say(f"Saved the alert “{saved.name}”: every pull now evaluates it.")


def _open_edit(rule: Rule) -> None:
    """Open the edit form of ``rule``, its fields holding the rule as saved."""
    s = st.session_state
    s[EDITING_KEY] = rule.id
    s[SEEDED_KEY] = (_threshold_shown(rule), rule.threshold)
    values = {
        "name": rule.name,
        "kind": rule.kind,
        "view": rule.view,
        "topic": rule.topic,
        "freq": rule.freq,
        f"threshold_{rule.kind}": _threshold_shown(rule),
        "team_hook": rule.webhook == "configured",
        "keep_hook": rule.webhook not in ("", "configured"),
        "webhook": "",
        "email": ", ".join(rule.email),
    }
    for field, value in values.items():
        s[f"{EDIT}_{field}"] = value


def _close_edit() -> None:
    st.session_state.pop(EDITING_KEY, None)
    st.session_state.pop(SEEDED_KEY, None)


def _edit(store_path: Path, old: Rule) -> None:
    try:
        saved, kept = edit_rule(store_path, old.id, _rule_from(EDIT, old.id, old))
    except (ExplorerError, OSError) as exc:
        _say(str(exc), ok=False)  # the form stays open with what was typed; never a webhook URL
        return
    _close_edit()
    st.session_state[f"{EDIT}_webhook"] = ""
    if saved == old:
        _say(f"Nothing changed in the alert “{old.name}”.")
    elif kept:
        _say(f"Saved the alert “{saved.name}”. What it has sent already is not sent again.")
    else:
        _say(
            f"Saved the alert “{saved.name}”. It now looks at other data (its kind, view, topic or hours/days "
            "changed), so the next pull alerts afresh on what it finds in the newest data."
        )


def _delete(store_path: Path, rule: Rule) -> None:
    try:
        delete_rule(store_path, rule.id)
    except (ExplorerError, OSError) as exc:
        _say(str(exc), ok=False)
        return
    _say(f"Deleted the alert “{rule.name}”.")


def _evaluate_now(store_path: Path, q: Queries | None) -> None:
    """*Evaluate now* on the store the rules belong to; when the page shows other data (the demo), the button is
    off and one line says why and what to do. A run that finds nothing says what it looked at."""
    hint = "What a pull does after it, on the data now."
    if q is None:
        st.button("Evaluate now", icon=":material/play_arrow:", help=hint, disabled=True)
        if Store(store_path).version():
            why = (
                "The page shows the demo data: turn off *Show the demo data instead of your store* above to evaluate "
                "the alerts on your store."
            )
        else:
            why = (
                "Alerts look at the newest pull into your store, and it is empty (the page shows the demo data): "
                "pull from Qualtrics or import a file, and that pull evaluates them."
            )
        st.caption(f":material/info: {why}")
        return
    if not st.button("Evaluate now", icon=":material/play_arrow:", help=hint):
        return
    outcome = run_alerts(store_path, q)
    (st.error if outcome.problem or outcome.failed else st.success)(md(outcome.summary()))
    if not (outcome.problem or outcome.found or outcome.failed):
        newest = q.date_bounds("UTC")[1] if q.n else None
        st.caption(
            ":material/info: Nothing new: "
            + (
                f"no rule's condition is met in the newest data (the day of the newest mention, {newest:%Y-%m-%d} "
                "UTC, and the day before, or their hours), or what it found was sent already. The next pull "
                "evaluates the rules again on what it brings."
                if newest
                else "your store holds no mentions yet. Pull from Qualtrics or import a file first."
            )
        )


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
            editing = writable and st.session_state.get(EDITING_KEY) == rule.id
            with st.container(horizontal=True, gap="small"):
                st.button("Send a test", key=f"w_alert_test_{rule.id}", on_click=_test, args=(rule,))
                st.button(
                    "Edit",
                    key=f"w_alert_open_{rule.id}",
                    on_click=_open_edit,
                    args=(rule,),
                    disabled=not writable or editing,
                )
                st.button(
                    "Delete",
                    key=f"w_alert_del_{rule.id}",
                    on_click=_delete,
                    args=(store_path, rule),
                    disabled=not writable,
                )
            if editing:
                _fields(EDIT, views, topics, rule)
                with st.container(horizontal=True, gap="small"):
                    st.button(
                        "Save changes",
                        key=f"w_alert_save_{rule.id}",
                        on_click=_edit,
                        args=(store_path, rule),
                        type="primary",
                        icon=":material/save:",
                    )
                    st.button("Cancel", key=f"w_alert_cancel_{rule.id}", on_click=_close_edit)
    if not writable:
        return
    with st.expander("New alert", icon=":material/add_alert:", expanded=not rules):
        _fields(NEW, views, topics)
        st.button("Save the alert", on_click=_add, args=(store_path,), type="primary", icon=":material/save:")
    if rules:
        _evaluate_now(store_path, q)
        log = read_log(store_path, 12)
        if log:
            with st.expander("Alerts log (newest last)"):
                st.markdown("  \n".join(code(line) for line in log))


def _fields(prefix: str, views: dict[str, str], topics: list[str], old: Rule | None = None) -> None:
    """A rule's fields (the New alert form, or the edit form of ``old``), their widget keys under ``prefix``.
    Defaults are seeded into the session state, never passed to the widgets (which would warn beside a seed)."""
    s = st.session_state
    for field, value in (("name", ""), ("kind", "spike"), ("view", ""), ("topic", ""), ("freq", "day")):
        s.setdefault(f"{prefix}_{field}", value)
    for field, value in (("volume", 100), ("negative", 50), ("campaign", 10)):
        s.setdefault(f"{prefix}_threshold_{field}", value)
    view_ids = ["", *views] + ([old.view] if old and old.view and old.view not in views else [])
    topic_names = ["", *topics] + ([old.topic] if old and old.topic and old.topic not in topics else [])

    def view_name(i: str) -> str:
        if not i:
            return "all mentions"
        return f"saved view “{views[i]}”" if i in views else "a deleted view (pick another)"

    left, right = st.columns(2)
    left.text_input("Name", key=f"{prefix}_name", max_chars=100, placeholder="e.g. Baggage spike")
    kind = right.selectbox("When", tuple(KINDS), format_func=KINDS.get, key=f"{prefix}_kind")
    left.selectbox(
        "In the mentions of",
        view_ids,
        format_func=view_name,
        key=f"{prefix}_view",
        help="A saved view's filters (not its dates: an alert always looks at the newest data).",
    )
    right.selectbox("Text topic", topic_names, format_func=lambda t: t or "any", key=f"{prefix}_topic")
    left.selectbox("Per", FREQS, key=f"{prefix}_freq")
    if kind == "volume":
        right.number_input("Threshold (mentions)", min_value=1, step=10, key=f"{prefix}_threshold_volume")
    elif kind == "negative":
        right.number_input("Threshold (% negative)", min_value=1, max_value=100, key=f"{prefix}_threshold_negative")
    elif kind == "campaign":
        right.number_input(
            "Size (copies)",
            min_value=MIN_SIZE,
            max_value=MAX_SIZE,
            step=5,
            key=f"{prefix}_threshold_campaign",
            help="A group of near-identical mentions (a copy-paste campaign, a retweet storm: the Text page's "
            "Campaigns) that reaches this many copies with a pull, because its first copy or the copies that "
            "take it past the size came with it. Each campaign alerts once.",
        )
    team = configured_webhook()
    if team:
        st.checkbox(f"Send to the team webhook ({shown_url(team)})", key=f"{prefix}_team_hook")
    if old is not None and old.webhook not in ("", "configured"):
        st.checkbox(
            f"Keep the webhook {md(shown_url(old.webhook))}",  # text, not a link
            key=f"{prefix}_keep_hook",
            help="Untick to stop sending there; a URL typed below replaces it.",
        )
    st.text_input(
        'Webhook URL (Slack, Teams or any that takes {"text": …})' if old is None else "New webhook URL",
        key=f"{prefix}_webhook",
        type="password",
        placeholder="https://hooks.slack.com/services/…",
        help="Kept beside the data and never shown again in full: it holds the channel's token.",
    )
    relay = smtp_settings()
    st.text_input(
        "Email to (comma separated)",
        key=f"{prefix}_email",
        placeholder="team@example.org",
        help=f"Sent through {relay.host}:{relay.port} with STARTTLS."
        if relay
        else "Configure an SMTP relay first (SCE_SMTP_HOST…; README, Alerts).",
    )
