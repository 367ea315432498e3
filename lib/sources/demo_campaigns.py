"""Copy-paste campaigns planted in the demo mentions, with known members.

Three kinds, as they show up in Social Connect data: a retweet storm (one tweet copied by many accounts within
hours, "RT @author: …", some cut short), bots that post one complaint or one praise with small edits (a
number, a synonym, an emoji, a hashtag more or less) over a few days, and the same review posted by one
reviewer on several review sites. The refund bots post in the demo's last days, so *What is rising* has
something to find.

``plant`` overwrites the text, type, sentiment, tags and time (for reviews, the author) of chosen English rows of a
generated frame; ``planted`` says which rows (by ``uniqueId``) belong to which campaign, and
tests/test_near_duplicates.py measures the near-duplicate clusters against it. Rows are chosen among those that
no spike of the generator tagged, by a seed of their own, so the generator's other rows keep every value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.sources.demo_text import BRAND, BRAND_HANDLE

DAY_S = 86_400


@dataclass(frozen=True)
class Campaign:
    name: str
    kind: str  # retweet, bots or review
    share: float  # of all mentions (reviews: reviewers per 10,000 mentions)
    day: int  # day offset from the demo's start (negative: from its end)
    hours: float  # how long it lasts
    sentiment: str
    text: str
    services: tuple[str, ...]
    tags: str = ""  # as the enrichment tags the copies (a review campaign: REVIEW_TAGS, one per review text)


STORM = (
    f"Disgusting: {BRAND} cancelled our flight to Lisbon with four hours notice and left a wheelchair user stranded "
    "at the gate overnight, no hotel, no food, no help. Shameful treatment of disabled passengers. Retweet until "
    "they answer #NorthwindFail"
)
REFUND = (
    "I have been waiting {weeks} weeks for my refund from {brand} after they cancelled flight NW{flight}. "
    "{support} keeps closing my case without an answer. Sign the petition and demand your money back "
    "#RefundNorthwind. This is a disgrace{extra}"
)
PRAISE = (
    "Just booked my {season} holiday with {brand} and the new premium economy seats are really worth every "
    "penny, best value airline in Europe right now, highly recommend to every family {ending}"
)
REVIEWS = (
    "Flew Northwind Air from Oslo to Rome in October. Boarding was chaotic because two gates were swapped without "
    "an announcement, but the crew made up for it with real warmth and the legroom in row twelve was generous. "
    "Coffee was cold. Three stars, would fly again if the price is right.",
    "Our family of five travelled to Barcelona and the check in desk in Hamburg charged us twice for the same "
    "suitcase. Getting the money back took eleven emails. The flight itself was on time and clean but the billing "
    "mess spoils everything. Avoid the airport desk and pay online.",
    "Premium economy upgrade on the Dublin route is a wonderful hidden gem: wide leather seats, a proper meal with "
    "real cutlery and priority baggage that actually came out first. For thirty euros more it beats every budget "
    "carrier I have tried this year. Five stars from a frequent commuter.",
    "Lost connection in Frankfurt after a ninety minute delay and the transfer desk sent us to three different "
    "counters before anyone booked a new flight. We slept on the floor of terminal B. The compensation form online "
    "keeps rejecting my booking reference. One star and a formal complaint filed.",
)
REVIEW_SENTIMENTS = ("positive", "negative", "positive", "negative")  # one per review text, as VADER reads it
REVIEW_TAGS = (
    "Staff Friendliness, Praise",
    "Pricing, Complaint",
    "Seat Comfort, Praise",
    "Delays & Cancellations, Complaint",
)
REVIEW_SITES = ("tripadvisor", "yelp_business", "gominga_locations", "gominga_shops", "foursquare_venue")
CAMPAIGNS = (
    Campaign(
        "Retweet storm: stranded wheelchair user",
        "retweet",
        0.006,
        140,
        10,
        "negative",
        STORM,
        ("twitter",),
        "Delays & Cancellations, Complaint",
    ),
    Campaign(
        "Bots: refund petition",
        "bots",
        0.004,
        -4,
        80,
        "negative",
        REFUND,
        ("twitter", "facebook", "instagram"),
        "Delays & Cancellations, Pricing, Complaint",
    ),
    Campaign(
        "Bots: premium economy praise",
        "bots",
        0.003,
        200,
        60,
        "positive",
        PRAISE,
        ("twitter", "facebook"),
        "Seat Comfort, Praise",
    ),
    Campaign("Same review on several sites", "review", 2.0, 60, 48, "", "", REVIEW_SITES),
)
SPIKE_TAGS = ("Outage", "Summer Sale", "Strike")
# The small edits of bot copies (besides the brand as name or handle, a number of weeks, a flight number and an
# emoji more or less): a synonym, a season, an emoji or a hashtag. Bots that rewrite half of each text are not
# copy-paste, and no near-duplicate rule tells them from people who write about the same thing.
EDITS = {
    "support": ("Customer service", "Customer support", "Their support team"),
    "season": ("summer", "spring", "autumn"),
    "ending": ("", "😍", "#FlyNorthwind", "✈️ #FlyNorthwind"),
}


def _members(frame: pd.DataFrame, seed: int) -> dict[Campaign, list[np.ndarray]]:
    """Per campaign, the row positions of its members (a review campaign: one group of rows per reviewer).
    Members are English rows of the campaign's services that no spike tagged: planting changes neither."""
    rng = np.random.default_rng(seed + 20)
    spike = frame["tags"].astype(str).str.contains("|".join(SPIKE_TAGS), case=False, regex=True).to_numpy()
    free = ~spike & (frame["messageLanguage"] == "en").to_numpy()
    service = frame["sourceService"].to_numpy()
    out: dict[Campaign, list[np.ndarray]] = {}
    for campaign in CAMPAIGNS:
        if campaign.kind == "review":
            groups = []
            for r in range(max(1, round(campaign.share * len(frame) / 10_000))):
                picked: list[int] = []
                for site in campaign.services[: 3 + r % 3]:  # on 3 to 5 sites
                    candidates = np.flatnonzero(free & (service == site))
                    if len(candidates):
                        picked.append(int(rng.choice(candidates)))
                        free[picked[-1]] = False
                if len(picked) >= 2:
                    groups.append(np.asarray(picked))
            out[campaign] = groups
        else:
            candidates = np.flatnonzero(free & np.isin(service, campaign.services))
            size = min(max(4, int(campaign.share * len(frame))), len(candidates))
            rows = np.sort(rng.choice(candidates, size=size, replace=False))
            free[rows] = False
            out[campaign] = [rows] if len(rows) >= 2 else []  # a small frame may have no room for it
    return out


def planted(frame: pd.DataFrame, seed: int = 7) -> dict[str, list[str]]:
    """The planted campaigns of a generated frame: name -> the uniqueIds of its members (a review campaign
    gives one entry per reviewer, "<name> #<n>")."""
    out = {}
    for campaign, groups in _members(frame, seed).items():
        for number, rows in enumerate(groups, 1):
            name = campaign.name if len(groups) == 1 else f"{campaign.name} #{number}"
            out[name] = frame["uniqueId"].iloc[rows].tolist()
    return out


def _bot_text(template: str, rng: np.random.Generator) -> str:
    choice = {k: v[rng.integers(len(v))] for k, v in EDITS.items()}
    text = template.format(
        brand=BRAND_HANDLE if rng.random() < 0.3 else BRAND,
        weeks=int(rng.integers(3, 10)),
        flight=int(rng.integers(100, 2999)),
        extra=" 😡" if rng.random() < 0.3 else "",
        **choice,
    )
    return " ".join(text.split())


def plant(frame: pd.DataFrame, seed: int = 7, start_s: int = 0, days: int = 365) -> pd.DataFrame:
    """``frame`` (the generator's rows, every value a string) with the campaigns written over chosen rows.
    ``start_s`` is the demo's first second (UNIX), ``days`` its length."""
    rng = np.random.default_rng(seed + 21)
    out = frame.copy()
    columns = {c: out.columns.get_loc(c) for c in out.columns}
    values = out.to_numpy(dtype=object, copy=True)
    for campaign, groups in _members(frame, seed).items():
        day = campaign.day if campaign.day >= 0 else days + campaign.day
        for number, rows in enumerate(groups):
            begin = start_s + day * DAY_S + int(rng.integers(8, 14)) * 3600 + number * 3 * DAY_S
            when = begin + np.sort(rng.exponential(campaign.hours * 3600 / 4, size=len(rows))).astype(np.int64)
            when = np.minimum(when, begin + int(campaign.hours * 3600))
            author = rows[0]  # a review campaign: one reviewer, the first member's author
            for position, (row, at) in enumerate(zip(rows, when, strict=True)):
                service = values[row, columns["sourceService"]]
                if campaign.kind == "retweet":
                    text = f"RT @{values[rows[0], columns['authorName']]}: {campaign.text}"
                    if rng.random() < 0.2:  # clients cut long retweets short
                        text = " ".join(text.split()[: -int(rng.integers(2, 4))]) + "…"
                    kind = "retweet" if position else "user_tweet"
                    if not position:
                        text = campaign.text
                elif campaign.kind == "bots":
                    text, kind = _bot_text(campaign.text, rng), ("user_tweet" if service == "twitter" else "post")
                else:
                    text, kind = REVIEWS[number % len(REVIEWS)], "review"
                    if number >= len(REVIEWS):  # more reviewers than texts: a reviewer of their own words
                        text = f"Trip {number}: " + " ".join(reversed(text.split(". ")))
                    for column in ("authorName", "authorFullname", "authorId"):
                        values[row, columns[column]] = values[author, columns[column]]
                values[row, columns["messageContent"]] = text
                values[row, columns["messageType"]] = kind
                values[row, columns["datePublished"]] = str(int(at))
                values[row, columns["dateAdded"]] = str(int(at) + 60 + position % 600)
                sentiment = campaign.sentiment or REVIEW_SENTIMENTS[number % len(REVIEW_SENTIMENTS)]
                values[row, columns["messageSentiment"]] = sentiment
                values[row, columns["tags"]] = campaign.tags or REVIEW_TAGS[number % len(REVIEW_TAGS)]
    return pd.DataFrame(values, columns=out.columns, index=out.index)
