"""The alert rule "a new campaign over a size": a near-duplicate cluster (a copy-paste campaign, a retweet storm)
that reaches the rule's size with the newest data, because its first copy came in with it or because it grew
past the size with it (lib/queries/new_campaigns.py).

A campaign alerts once per rule, however it grows later: its key is its earliest copy's uniqueId, and the
uniqueIds of a few of its copies are remembered beside it (``Alert.aliases``). A cluster only ever grows or
merges with another as mentions come in, so a copy once seen stays in it; a cluster holding any remembered copy
has alerted already, even when a later pull brings an earlier copy (a new earliest key) or joins it to another.

The message quotes a mention's text, which anyone on the network could have written: it is made plain
(``plain``) so that a chat client shows it as written, without pinging a channel, a link or markup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pandas as pd

from lib.queries.interface import Queries, Scope
from lib.queries.new_campaigns import new_campaigns

if TYPE_CHECKING:
    from lib.alerts.rules import Alert, Rule

MIN_SIZE = 2
MAX_SIZE = 1_000_000
FOUND_PER_RUN = 200  # clusters looked at per rule and run (largest first)
REMEMBERED = 5  # copies remembered per campaign alerted
SAMPLE_CHARS = 200
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


def plain(text: str, limit: int = SAMPLE_CHARS) -> str:
    """A mention's text as an alert may quote it: one line of at most ``limit`` characters, without control or
    format characters (bidirectional overrides), links replaced by "(link)". The webhook's message escapes
    ``& < >`` of the whole alert (``Alert.message``), so ``<!channel>`` or ``<@U123>`` are shown, never acted on."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in str(text))
    text = " ".join(_LINK.sub("(link)", text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def alias(rule_id: str, key: str) -> str:
    return f"{rule_id}:campaign:{key}"


def link(app_url: str, scope: Scope, key: str, first: pd.Timestamp, newest: pd.Timestamp) -> str:
    """The Text page's Campaigns section over the campaign's days, with the campaign opened (``campaign``: the
    key of one of its copies) under the rule's filters."""
    params = scope.filters.to_params()
    start = first.tz_convert(scope.tz).date() if not pd.isna(first) else newest.date()
    params.update({"from": min(start, newest.date()).isoformat(), "to": newest.date().isoformat()})
    params.update({"tz": scope.tz, "section": "campaigns", "campaign": key})
    return f"{app_url.rstrip('/')}/Text?{urlencode(params, doseq=True)}"


def campaign_alerts(
    q: Queries,
    rule: Rule,
    scope: Scope,
    recent: list[pd.Timestamp],
    where: str,
    app_url: str,
    seen: Container[str] = (),
) -> list[Alert]:
    """The campaigns of ``scope`` that reached ``rule.threshold`` copies in the ``recent`` buckets and have not
    alerted for this rule (no copy's alias in ``seen``)."""
    from lib.alerts.rules import Alert

    size = int(rule.threshold)
    newest = Scope(scope.filters, scope.tz).in_buckets(recent, rule.freq)
    table = new_campaigns(q, scope, newest, size, FOUND_PER_RUN)
    found = []
    for row in table.itertuples(index=False):
        if any(alias(rule.id, member) in seen for member in row.members):
            continue
        others = [m for m in row.members if m != row.key][: REMEMBERED - 1]
        first = pd.Timestamp(row.first)
        when = f"{first.tz_convert(scope.tz):%Y-%m-%d %H:%M} ({scope.tz})" if not pd.isna(first) else "undated"
        fresh = row.mentions - row.before
        text = (
            f"{row.mentions:,} near-identical mentions ({fresh:,} in the newest data) by {row.authors:,} "
            f"author{'' if row.authors == 1 else 's'}, on {plain(row.sources, 120)}; first seen {when}; "
            f"{row.negative:.0%} negative. “{plain(row.sample)}” Alert “{plain(rule.name, 120)}” ({size:,}+ copies)."
        )
        found.append(
            Alert(
                key=alias(rule.id, row.key),
                rule=rule.id,
                title=f"New campaign: {row.mentions:,} copies in {where}",
                text=text,
                link=link(app_url, scope, row.key, first, max(recent)),
                bucket=max(recent).isoformat(),
                found={
                    "mentions": int(row.mentions),
                    "before": int(row.before),
                    "authors": int(row.authors),
                    "negative": float(row.negative),
                    "first": first.isoformat() if not pd.isna(first) else "",
                },
                aliases=tuple(alias(rule.id, m) for m in others),
            )
        )
    return found
