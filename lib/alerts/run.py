"""After each pull: evaluate the alert rules on the new data, deliver what they find, retry what failed.

Run by ``python -m lib pull`` once its write is committed (so by cron and by the app's Pull now, which runs
that command too), and by ``python -m lib alerts run``. It never fails the pull: every problem is logged and
reported, and a delivery that fails stays pending and is retried on the next run.

State beside the store, ``<store>.alerts-state.json``: the keys already found (a spike is found once, so it
never alerts twice, even when a later pull re-sends the same mentions) and the pending deliveries. The log,
``<store>.alerts.log``, has one line per delivery or failure, with channels named by host only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lib.alerts.campaign_rule import plain
from lib.alerts.deliver import (
    DeliveryError,
    app_url,
    configured_webhook,
    post_webhook,
    send_email,
    shown_url,
    smtp_settings,
)
from lib.alerts.rules import Alert, AlertsError, Rule, evaluate, load_rules
from lib.errors import ExplorerError
from lib.queries.interface import ModelQueries, Queries
from lib.queries.saved_views import load_views
from lib.settings import locked, settings_path, write_atomically

MAX_PENDING = 200  # the newest undelivered alerts kept for retries
MAX_TRIES = 48  # a delivery is given up after this many runs (a day of half-hourly pulls)
MAX_FOUND = 5000  # keys remembered


@dataclass
class Outcome:
    found: int = 0  # new findings this run
    sent: int = 0  # deliveries that went through (retries included)
    failed: list[str] = field(default_factory=list)  # one line per failed delivery (no secret)
    pending: int = 0  # deliveries left for the next run
    problem: str = ""  # rules or state that could not be read: nothing evaluated

    def summary(self) -> str:
        if self.problem:
            return f"Alerts not evaluated: {self.problem}"
        text = f"Alerts: {self.found} new, {self.sent} delivered"
        if self.failed:
            text += f", {len(self.failed)} failed (retried on the next pull): " + "; ".join(self.failed[:5])
        if self.pending:
            text += f"; {self.pending} pending"
        return text + "."


def state_path(store_path: Path) -> Path:
    return settings_path(Path(store_path), "alerts-state")


def log_path(store_path: Path) -> Path:
    return Path(store_path).with_name(Path(store_path).name + ".alerts.log")


def _load_state(store_path: Path) -> dict:
    path = state_path(store_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"found": {}, "pending": []}
    except (ValueError, UnicodeDecodeError, OSError):
        raise AlertsError(
            f"The alerts state {path} cannot be read; it is kept as it is. Move it away to start afresh (alerts "
            "already sent may then be sent once more)."
        ) from None
    shaped = isinstance(data, dict) and isinstance(data.get("found"), dict) and isinstance(data.get("pending"), list)
    if not shaped:
        raise AlertsError(f"The alerts state {path} is not what this app writes; it is kept as it is. Move it away.")
    return data


def _log(store_path: Path, line: str) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with open(log_path(store_path), "a", encoding="utf-8") as handle:
        handle.write(f"{stamp} {line}\n")


def read_log(store_path: Path, lines: int = 30) -> list[str]:
    try:
        with open(log_path(store_path), encoding="utf-8", errors="replace") as handle:
            return handle.read()[-200_000:].splitlines()[-lines:]
    except FileNotFoundError:
        return []


def channels(rule: Rule) -> list[tuple[str, str]]:
    """(kind, address) per channel of a rule: ("webhook", url) and ("email", addresses)."""
    out = []
    if rule.webhook:
        out.append(("webhook", configured_webhook() if rule.webhook == "configured" else rule.webhook))
    if rule.email:
        out.append(("email", ",".join(rule.email)))
    return out


def channel_name(kind: str, address: str) -> str:
    if kind == "webhook":
        return f"webhook {shown_url(address)}" if address else "the configured webhook (none is configured)"
    return f"email to {address}"


def deliver(kind: str, address: str, alert: Alert) -> None:
    if kind == "webhook":
        if not address:
            raise DeliveryError("No team webhook is configured (SCE_ALERT_WEBHOOK_URL).")
        post_webhook(address, alert.message())
    else:
        send_email(smtp_settings(), tuple(address.split(",")), alert.title, f"{alert.text}\n\n{alert.link}\n")


def _attempt(store_path: Path, rule_id: str, kind: str, address: str, alert: Alert, outcome: Outcome) -> bool:
    try:
        deliver(kind, address, alert)
    except ExplorerError as exc:
        line = f"{channel_name(kind, address)}: {exc}"
        outcome.failed.append(line)
        _log(store_path, f"FAILED {alert.key} {line}")
        return False
    outcome.sent += 1
    _log(store_path, f"sent {alert.key} to {channel_name(kind, address)}")
    return True


def run_alerts(store_path: Path, q: Queries | None = None, load_queries=None, shared: Path | None = None) -> Outcome:
    """Retry pending deliveries, evaluate every rule, deliver what is new. Never raises for a rule, a channel
    or a bad file: the outcome says what happened. ``q`` (or ``load_queries()``, called only when there are
    rules) answers the questions. ``shared``: the snapshot folder the writer publishes to, whose saved views
    (the replicas' team views) rules may name too."""
    outcome = Outcome()
    try:
        rules = load_rules(store_path)
        views = load_views(store_path) + (load_views(shared) if shared and Path(shared).is_dir() else [])
    except ExplorerError as exc:
        outcome.problem = str(exc)
        return outcome
    if not rules:
        return outcome
    with locked(state_path(store_path)):
        try:
            state = _load_state(store_path)
        except AlertsError as exc:
            outcome.problem = str(exc)
            return outcome
        by_id = {r.id: r for r in rules}
        pending = []
        for item in state["pending"][-MAX_PENDING:]:
            try:
                alert, kind, tries = Alert(**item["alert"]), item["kind"], int(item["tries"])
            except (KeyError, TypeError, ValueError):
                continue
            rule = by_id.get(alert.rule)
            address = dict(channels(rule)).get(kind) if rule else None
            if address is None:
                continue  # the rule or the channel was deleted: nothing to retry
            if not _attempt(store_path, alert.rule, kind, address, alert, outcome) and tries + 1 < MAX_TRIES:
                pending.append({**item, "tries": tries + 1})
        q = q if q is not None else load_queries()
        for alert in evaluate(q, rules, views, app_url(), state["found"]):
            if alert.key in state["found"]:
                continue
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for key in (alert.key, *alert.aliases):
                state["found"][key] = now
            outcome.found += 1
            for kind, address in channels(by_id[alert.rule]):
                if not _attempt(store_path, alert.rule, kind, address, alert, outcome):
                    pending.append({"alert": asdict(alert), "kind": kind, "tries": 1})
        found = state["found"]
        state["found"] = dict(sorted(found.items(), key=lambda kv: kv[1])[-MAX_FOUND:])
        state["pending"] = pending[-MAX_PENDING:]
        outcome.pending = len(state["pending"])
        write_atomically(state_path(store_path), state)
    return outcome


def send_test(rule: Rule) -> list[tuple[str, str]]:
    """Send a test message through each channel of ``rule``: (channel, "ok" or why not) for each."""
    alert = Alert(
        key="test",
        rule=rule.id,
        title=f"Test of the alert “{plain(rule.name, 120)}”",
        text="Social Connect Explorer can reach this channel. Real alerts say what was found and link to it.",
        link=app_url(),
    )
    results = []
    for kind, address in channels(rule):
        try:
            deliver(kind, address, alert)
            results.append((channel_name(kind, address), "ok"))
        except ExplorerError as exc:
            results.append((channel_name(kind, address), str(exc)))
    return results


def model_queries(store) -> ModelQueries:
    """The questions about a store as the app asks them (its tag recode and text topics)."""
    from lib.queries.model import MentionModel
    from lib.queries.tags import load_recode, tag_index
    from lib.text.topics import load_topics

    model = MentionModel.from_store(store)
    return ModelQueries(model, tag_index(model, load_recode(store.path)), load_topics(store.path))
