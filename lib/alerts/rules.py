"""Alert rules and what they find in the data: a spike in a saved view or text topic (the Dashboard's spike
method, lib/queries/breakdowns.spikes), volume over a threshold, a negative share over a threshold, a new
campaign over a size (lib/alerts/campaign_rule.py).

Rules are made in the app (Data page) or by hand, and live beside the store in ``<store>.alerts.json``
(``{"rules": [...]}``; JSON written atomically under a lock). A rule looks at the newest buckets of the data
(the bucket that holds the newest mention and the one before it, in the rule's view's timezone): the data a
pull has just brought. Each finding has a key (rule, kind, bucket; a campaign: rule and its earliest copy) and
maybe aliases (other keys that mean the same finding); lib/alerts/run.py never sends a key or an alias twice.

Package order: alerts come after export and before the CLI (they read queries and saved views, and the CLI's
pull runs them).
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Container
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from lib.alerts.campaign_rule import MAX_SIZE, MIN_SIZE, campaign_alerts, plain
from lib.errors import ExplorerError
from lib.queries.breakdowns import BASELINE, spikes
from lib.queries.campaigns import NotOnThisBackend
from lib.queries.filters import Filters
from lib.queries.interface import Queries, Scope
from lib.queries.saved_views import MAX_NAME, SavedView, clean_name, find
from lib.settings import SHORT_ID, locked, read_list, settings_path, write_atomically

KINDS = {
    "spike": "a spike (the Dashboard's method)",
    "volume": "mentions per bucket at or over a threshold",
    "negative": "negative share at or over a threshold",
    "campaign": "a new campaign (near-duplicate copies) of at least a size",
}
FREQS = ("hour", "day")
RECENT = 2  # buckets looked at: the one holding the newest mention and the one before it
MIN_FOR_SHARE = 20  # a negative share is only read from a bucket with at least this many mentions
MAX_RULES = 200
MAX_FILE_BYTES = 2_000_000
_EMAIL = re.compile(r"[^@\s<>,;\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")  # fullmatch: no trailing newline


class AlertsError(ExplorerError):
    """Alert rules that cannot be read or saved as asked; the message says what to do and holds no secret."""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    kind: str  # KINDS
    view: str = ""  # a saved view's id: its filters (not its dates) are the rule's mentions; "" = all
    topic: str = ""  # a text topic's name, narrowing them further; "" = none
    threshold: float = 0.0  # volume: mentions per bucket; negative: a share, 0-1; campaign: copies, 2 or more
    freq: str = "day"  # FREQS
    webhook: str = ""  # a webhook URL typed in the app (a secret: never shown whole), or "configured"
    email: tuple[str, ...] = ()

    def check(self) -> Rule:
        try:
            name = clean_name(self.name)
        except ExplorerError:  # its text speaks of a view
            raise AlertsError(f"Give the alert a name: one line of 1 to {MAX_NAME} characters.") from None
        if self.kind not in KINDS:
            raise AlertsError(f"An alert is one of: {', '.join(KINDS)}.")
        if self.freq not in FREQS:
            raise AlertsError(f"An alert looks at hours or days, not {self.freq[:20]!r}.")
        if self.kind == "volume" and not 1 <= self.threshold <= 1e9:
            raise AlertsError("A volume alert needs a threshold from 1 to 1,000,000,000 mentions.")
        if self.kind == "negative" and not 0 < self.threshold <= 1:
            raise AlertsError("A negative share alert needs a threshold between 0 and 100%.")
        if self.kind == "campaign" and not (
            MIN_SIZE <= self.threshold <= MAX_SIZE and float(self.threshold).is_integer()
        ):
            raise AlertsError(
                f"A new-campaign alert needs a size: a whole number of copies from {MIN_SIZE} to {MAX_SIZE:,}."
            )
        bad = [a for a in self.email if not _EMAIL.fullmatch(a)]
        if bad:
            raise AlertsError(f"Not an email address: {bad[0][:60]!r}.")
        if len(self.email) > 20:
            raise AlertsError("An alert goes to at most 20 addresses.")
        if self.webhook and self.webhook != "configured":
            from lib.alerts.deliver import check_webhook_url

            check_webhook_url(self.webhook)
        if not self.webhook and not self.email:
            raise AlertsError("Say where the alert goes: a webhook URL, email addresses, or both.")
        return replace(self, name=name, topic=self.topic[:200])


@dataclass(frozen=True)
class Alert:
    key: str  # never sent twice
    rule: str  # the rule's id
    title: str
    text: str
    link: str
    bucket: str = ""  # ISO start of the bucket it is about
    found: dict = field(default_factory=dict)  # the numbers behind it
    aliases: tuple[str, ...] = ()  # other keys of the same finding, remembered with its key

    def message(self) -> str:
        """The webhook's text: Slack's and Teams' markup characters ``& < >`` escaped in all of it (names and
        samples come from users and data; a raw ``<!channel>`` would ping a channel)."""
        return slack_escaped(f"{self.title}\n{self.text}\n{self.link}")


def slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rules_path(store_path: Path) -> Path:
    return settings_path(Path(store_path), "alerts")


def load_rules(store_path: Path) -> list[Rule]:
    path = rules_path(store_path)
    try:
        rules = []
        for item in read_list(path, "rules", MAX_FILE_BYTES):
            if not isinstance(item, dict) or not SHORT_ID.match(str(item.get("id", ""))):
                raise ValueError("a rule without a proper id")
            known = {k: item[k] for k in Rule.__dataclass_fields__ if k in item}
            texts = ("name", "kind", "view", "topic", "freq", "webhook")
            if any(not isinstance(known.get(k, ""), str) for k in texts) or not isinstance(
                known.get("email", []), list
            ):
                raise ValueError("a rule's name, kind, view, topic, freq and webhook are text, its email a list")
            known["email"] = tuple(str(a) for a in known.get("email", ()))
            known["threshold"] = float(known.get("threshold", 0))  # a 400-digit number: OverflowError
            if not math.isfinite(known["threshold"]):
                raise ValueError("a rule's threshold is not a finite number")
            try:
                rules.append(Rule(**known).check())
            except ExplorerError as exc:  # its message says what is wrong, never a webhook URL
                raise ValueError(f"the rule {item['id']}: {str(exc).rstrip('.')}") from None
        return rules
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, ExplorerError) as exc:
        reason = str(exc)[:160] if not isinstance(exc, ExplorerError) else "a rule is not valid"
        raise AlertsError(
            f"The alerts file {path} cannot be read ({reason}). It is kept as it is: fix it or move it away; "
            "until then no alert is evaluated."
        ) from None


def _write(store_path: Path, rules: list[Rule]) -> None:
    write_atomically(rules_path(store_path), {"rules": [asdict(r) for r in rules]})


def add_rule(store_path: Path, rule: Rule) -> Rule:
    rule = replace(rule, id=rule.id or secrets.token_hex(4)).check()
    with locked(rules_path(store_path)):
        rules = load_rules(store_path)
        same = next((r for r in rules if replace(r, id=rule.id) == rule), None)
        if same is not None:
            return same  # saved already (a click that reached the app twice): one rule, not two
        if len(rules) >= MAX_RULES:
            raise AlertsError(f"There are {MAX_RULES} alerts already: delete some first.")
        _write(store_path, [*[r for r in rules if r.id != rule.id], rule])
    return rule


# What a rule looks at: a finding's key holds the rule's id, its kind and its bucket (hour or day).
SCOPE_FIELDS = ("kind", "view", "topic", "freq")


def edit_rule(store_path: Path, rule_id: str, edited: Rule) -> tuple[Rule, bool]:
    """Replace the rule ``rule_id`` by ``edited`` (its id is decided here), checked as a new rule is; return the
    rule saved and whether it kept its id. Atomic write under the rules file's lock, in its place in the list.

    What a rule has sent stays sent: findings are remembered by keys that hold the rule's id
    (lib/alerts/run.py). An edit that keeps what the rule looks at (``SCOPE_FIELDS``: its kind, saved view,
    text topic, hours or days) keeps the id, so a finding sent before is never sent again: a new name, other
    channels or another threshold (a lower volume threshold over a day already alerted) re-send nothing. An
    edit that changes what it looks at makes it another rule: a new id, so what it finds on the newest data is
    new (and an hourly bucket is never taken for the daily one of the same start); the old rule's undelivered
    retries go with the old id. An edit that changes nothing writes nothing."""
    checked = replace(edited, id=rule_id).check()
    with locked(rules_path(store_path)):
        rules = load_rules(store_path)
        at = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
        if at is None:
            raise AlertsError("That alert is no longer there (deleted meanwhile, here or elsewhere): make it again.")
        old = rules[at]
        if checked == old:
            return old, True
        kept = all(getattr(old, f) == getattr(checked, f) for f in SCOPE_FIELDS)
        if not kept:
            taken = {r.id for r in rules}
            new_id = secrets.token_hex(4)
            while new_id in taken:
                new_id = secrets.token_hex(4)
            checked = replace(checked, id=new_id)
        _write(store_path, [*rules[:at], checked, *rules[at + 1 :]])
    return checked, kept


def delete_rule(store_path: Path, rule_id: str) -> None:
    with locked(rules_path(store_path)):
        _write(store_path, [r for r in load_rules(store_path) if r.id != rule_id])


# -- what a rule finds ------------------------------------------------------------------------------------
def rule_scope(rule: Rule, views: list[SavedView]) -> tuple[Scope, SavedView | None]:
    """The rule's mentions: its saved view's filters without their dates (the rule looks at the newest
    buckets, whatever dates the view shows), in the view's timezone, narrowed to its text topic."""
    view = find(views, rule.view) if rule.view else None
    params = view.params if view else {}
    filters = Filters.from_params(lambda key: params.get(key, []))
    filters = replace(filters, start=None, end=None)
    if rule.topic:
        filters = replace(filters, text_topics=(rule.topic,))
    tz = (params.get("tz") or ["UTC"])[-1]
    return Scope(filters, tz), view


def _link(app_url: str, scope: Scope, bucket: pd.Timestamp, freq: str) -> str:
    """The Dashboard showing the bucket with the baseline before it, under the rule's filters."""
    params = scope.filters.to_params()
    before = pd.Timedelta(days=BASELINE["day"]) if freq == "day" else pd.Timedelta(days=1)
    params.update({"from": (bucket - before).date().isoformat(), "to": bucket.date().isoformat()})
    params.update({"tz": scope.tz, "freq": freq})
    return f"{app_url.rstrip('/')}/Dashboard?{urlencode(params, doseq=True)}"


def _n(count: int) -> str:
    return f"{count:,} mention" + ("" if count == 1 else "s")


def _when(bucket: pd.Timestamp, freq: str, tz: str) -> str:
    return f"{bucket:%Y-%m-%d %H:00} ({tz})" if freq == "hour" else f"{bucket:%Y-%m-%d} ({tz})"


def evaluate(
    q: Queries, rules: list[Rule], views: list[SavedView], app_url: str, seen: Container[str] = ()
) -> list[Alert]:
    """What each rule finds in the newest buckets of the data. ``seen``: keys already found, which a campaign
    rule leaves out itself (a campaign's key changes as it grows; lib/alerts/campaign_rule.py)."""
    found: list[Alert] = []
    for rule in rules:
        scope, view = rule_scope(rule, views)
        if rule.view and view is None:
            continue  # its view was deleted: nothing to look at (the Data page says so)
        try:
            newest = q.volume(Scope(tz=scope.tz), rule.freq, None)
        except (ValueError, KeyError):
            continue
        if newest.empty:
            continue
        last = pd.Timestamp(newest["bucket"].max())
        step = pd.Timedelta(hours=1) if rule.freq == "hour" else pd.Timedelta(days=1)
        recent = [last - step * i for i in range(RECENT)]
        name = plain(rule.name, 120)  # names come from users: one plain line in the message
        where = (f"view “{plain(view.name, 120)}”" if view else "all mentions") + (
            f", topic “{plain(rule.topic, 120)}”" if rule.topic else ""
        )
        if rule.kind == "campaign":
            # Copies are what the rule counts: "count copies once" in its view does not apply.
            scope = replace(scope, filters=replace(scope.filters, copies_once=False))
            # The engines hold no near-duplicate clusters (yet): nothing found there; the CLI's pull asks the model.
            with suppress(NotOnThisBackend):
                found.extend(campaign_alerts(q, rule, scope, recent, where, app_url, seen))
            continue
        volume = q.volume(scope, rule.freq, None)
        totals = volume.groupby("bucket", sort=True)["mentions"].sum()
        if rule.kind == "spike":
            flagged = spikes(totals, rule.freq)
            for bucket in recent:
                if bucket in flagged.index and flagged.loc[bucket, "spike"]:
                    row = flagged.loc[bucket]
                    found.append(
                        Alert(
                            key=f"{rule.id}:spike:{bucket.isoformat()}",
                            rule=rule.id,
                            title=f"Spike: {int(row['mentions']):,} mentions in {where}",
                            text=f"{_when(bucket, rule.freq, scope.tz)}: {int(row['mentions']):,} mentions, "
                            f"{row['ratio']:.1f}× the expected {row['expected']:.0f} (p < 0.001). Alert “{name}”.",
                            link=_link(app_url, scope, bucket, rule.freq),
                            bucket=bucket.isoformat(),
                            found={"mentions": int(row["mentions"]), "expected": float(row["expected"])},
                        )
                    )
        elif rule.kind == "volume":
            for bucket in recent:
                mentions = int(totals.get(bucket, 0))
                if mentions >= rule.threshold:
                    found.append(
                        Alert(
                            key=f"{rule.id}:volume:{bucket.isoformat()}",
                            rule=rule.id,
                            title=f"Volume: {_n(mentions)} in {where}",
                            text=f"{_when(bucket, rule.freq, scope.tz)}: {_n(mentions)}, at or over the "
                            f"threshold of {rule.threshold:,.0f}. Alert “{name}”.",
                            link=_link(app_url, scope, bucket, rule.freq),
                            bucket=bucket.isoformat(),
                            found={"mentions": mentions},
                        )
                    )
        else:
            for bucket in recent:
                if int(totals.get(bucket, 0)) < MIN_FOR_SHARE:
                    continue
                kpis = q.kpis(scope.in_buckets([bucket], rule.freq))
                share = float(kpis["negative"])
                if share >= rule.threshold:
                    found.append(
                        Alert(
                            key=f"{rule.id}:negative:{bucket.isoformat()}",
                            rule=rule.id,
                            title=f"Negative share: {share:.0%} of {int(kpis['mentions']):,} mentions in {where}",
                            text=f"{_when(bucket, rule.freq, scope.tz)}: {share:.0%} negative, at or over the "
                            f"threshold of {rule.threshold:.0%}. Alert “{name}”.",
                            link=_link(app_url, scope, bucket, rule.freq),
                            bucket=bucket.isoformat(),
                            found={"share": share, "mentions": int(kpis["mentions"])},
                        )
                    )
    return found
