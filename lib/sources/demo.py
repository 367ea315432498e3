"""A deterministic generator of realistic Social Connect mentions, and the shipped demo file.

The same seed gives the same mentions, byte for byte, so the shipped demo file can be rebuilt and
checked (``python -m lib.sources.demo --rows 20000 --out lib/sources/demo_data/mentions-demo.csv.gz``), and the
benchmark's 100k and 1M sets come from the same code. The rows look like a Qualtrics dataset export
written by the help page's workflow: seed field names, every value a string, dates as UNIX seconds,
``messageContent`` as HTML, tags comma separated as XM Discover enrichments arrive.
"""

from __future__ import annotations

import argparse
import gzip
import io
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from lib.mentions.schema import FIELD_NAMES, SOURCE_SERVICES
from lib.sources.demo_campaigns import plant
from lib.sources.demo_lengths import LENGTHS, MIXES, Composer, target_lengths
from lib.sources.demo_text import ASIDES, ASPECTS, BRAND, BRAND_HANDLE, COUNTRIES, EMOJI, HANDLES, LANGUAGES, LINKS

DEMO_FILE = Path(__file__).with_name("demo_data") / "mentions-demo.csv.gz"
DEMO_TOPICS = DEMO_FILE.with_name("topics-demo.json")  # example text topics for the demo data
DEMO_ROWS = 20_000
START = datetime(2025, 11, 1, tzinfo=UTC)
DAYS = 365

# service -> (weight, [(category, weight)], source type, [(message type, weight)], url pattern)
_SOCIAL = [("social", 1.0)]
SERVICES: dict[str, tuple] = {
    "twitter": (
        28,
        [("microblogs", 1)],
        "SearchProviderTwitter",
        [("user_tweet", 0.45), ("retweet", 0.25), ("reply", 0.2), ("quote", 0.05), ("user_mention", 0.05)],
        "https://twitter.com/{handle}/status/{sid}",
    ),
    "facebook": (
        14,
        _SOCIAL,
        "SearchProviderFacebook",
        [("post", 0.3), ("comment", 0.6), ("reply", 0.1)],
        "https://www.facebook.com/{sid}",
    ),
    "instagram": (
        10,
        [("social_photos", 1)],
        "SearchProviderInstagram",
        [("photo", 0.4), ("comment", 0.5), ("video", 0.1)],
        "https://www.instagram.com/p/{sid}/",
    ),
    "youtube": (
        5,
        [("social_videos", 1)],
        "SearchProviderYoutube",
        [("video", 0.2), ("comment", 0.8)],
        "https://www.youtube.com/watch?v={sid}",
    ),
    "keywordsearch": (
        5,
        [("news_national", 0.3), ("news_local", 0.2), ("forums", 0.25), ("blogs", 0.25)],
        "SearchProviderTrendiction",
        [("post", 0.7), ("comment", 0.3)],
        "https://news.example.com/{sid}",
    ),
    "tripadvisor": (
        4,
        [("reviews", 1)],
        "SearchProviderTripadvisor",
        [("review", 1)],
        "https://www.tripadvisor.com/ShowUserReviews-{sid}",
    ),
    "rss": (
        4,
        [("news", 0.4), ("news_trade", 0.2), ("news_presswire", 0.1), ("blogs", 0.3)],
        "SearchProviderRss",
        [("post", 0.6), ("link", 0.4)],
        "https://travelnews.example.org/{sid}",
    ),
    "web": (
        3,
        [("news_consumer", 0.4), ("blogs", 0.3), ("forums", 0.3)],
        "SearchProviderWeb",
        [("post", 0.6), ("comment", 0.4)],
        "https://blog.example.net/{sid}",
    ),
    "linkedin_company": (
        2,
        _SOCIAL,
        "SearchProviderLinkedInCompanies",
        [("post", 0.5), ("comment", 0.5)],
        "https://www.linkedin.com/feed/update/{sid}",
    ),
    "linkedin_company_v2": (
        1.5,
        _SOCIAL,
        "SearchProviderLinkedInCompaniesV2",
        [("post", 0.5), ("comment", 0.5)],
        "https://www.linkedin.com/feed/update/{sid}",
    ),
    "facebook_ads": (1.5, _SOCIAL, "SearchProviderFacebookAds", [("comment", 1)], "https://www.facebook.com/{sid}"),
    "instagram_hashtag": (
        1.5,
        [("social_photos", 1)],
        "SearchProviderInstagramHashtags",
        [("photo", 1)],
        "https://www.instagram.com/p/{sid}/",
    ),
    "instagram_business_profile": (
        1.5,
        [("social_photos", 1)],
        "SearchProviderInstagramBusinessProfile",
        [("comment", 0.7), ("photo", 0.3)],
        "https://www.instagram.com/p/{sid}/",
    ),
    "instagram_business_profile_hashtag": (
        0.8,
        [("social_photos", 1)],
        "SearchProviderInstagramHashtags",
        [("photo", 1)],
        "https://www.instagram.com/p/{sid}/",
    ),
    "instagram_ads": (
        0.8,
        [("social_photos", 1)],
        "SearchProviderInstagramAds",
        [("comment", 1)],
        "https://www.instagram.com/p/{sid}/",
    ),
    "ios": (1.5, [("apps", 1)], "SearchProviderIos", [("review", 1)], "https://apps.apple.com/app/id{sid}"),
    "android": (
        1.5,
        [("apps", 1)],
        "SearchProviderAndroid",
        [("review", 1)],
        "https://play.google.com/store/apps/details?id={sid}",
    ),
    "gominga_apps": (0.6, [("apps", 1)], "SearchProviderGomingaApps", [("review", 1)], ""),
    "gominga_locations": (0.6, [("locations", 1)], "SearchProviderGomingaLocations", [("review", 1)], ""),
    "gominga_products": (0.3, [("products", 1)], "SearchProviderGomingaProducts", [("review", 1)], ""),
    "gominga_shops": (0.3, [("shops", 1)], "SearchProviderGomingaShops", [("review", 1)], ""),
    "yelp_business": (1, [("reviews", 1)], "SearchProviderYelp", [("review", 1)], "https://www.yelp.com/biz/{sid}"),
    "foursquare_venue": (
        0.4,
        [("locations", 1)],
        "SearchProviderFoursquare",
        [("checkin", 0.6), ("tips", 0.4)],
        "https://foursquare.com/v/{sid}",
    ),
    "whatsapp": (1.2, _SOCIAL, "SearchProviderWhatsApp", [("chat", 0.7), ("privatemessage", 0.3)], ""),
    "apple_business_chat": (0.4, _SOCIAL, "SearchProviderAppleBusinessChat", [("chat", 1)], ""),
    "telegram_bot": (0.3, _SOCIAL, "SearchProviderTelegramBot", [("chat", 1)], ""),
    "viber": (0.3, _SOCIAL, "SearchProviderViber", [("chat", 1)], ""),
    "wechat": (0.3, _SOCIAL, "SearchProviderWeChat", [("chat", 1)], ""),
    "twilio": (0.4, _SOCIAL, "SearchProviderTwilio", [("text", 0.8), ("chat", 0.2)], ""),
    "email_mailbox": (1, [("email", 1)], "SearchProviderEmail", [("email", 1)], ""),
    "mailservice": (0.4, [("email", 1)], "SearchProviderEmail", [("email", 1)], ""),
    "social_case": (0.5, [("case", 1)], "SearchProviderCase", [("case", 1)], ""),
    "social_document": (0.2, [("case", 1)], "SearchProviderDocument", [("document", 1)], ""),
    "pinterest": (
        0.6,
        [("social_photos", 1)],
        "SearchProviderPinterest",
        [("repin", 0.6), ("photo", 0.4)],
        "https://www.pinterest.com/pin/{sid}/",
    ),
    "tumblr_blog": (
        0.4,
        [("blogs", 1)],
        "SearchProviderTumblr",
        [("reblog", 0.5), ("text", 0.5)],
        "https://www.tumblr.com/{handle}/{sid}",
    ),
    "lithium": (
        0.4,
        [("forums", 1)],
        "SearchProviderLithium",
        [("question", 0.5), ("answer", 0.5)],
        "https://community.example.com/t5/{sid}",
    ),
    "telligent_forum": (
        0.3,
        [("forums", 1)],
        "SearchProviderTelligent",
        [("question", 0.5), ("answer", 0.5)],
        "https://forum.example.com/{sid}",
    ),
    "linkedin_group": (
        0.3,
        _SOCIAL,
        "SearchProviderLinkedInGroups",
        [("post", 1)],
        "https://www.linkedin.com/groups/{sid}",
    ),
    "vimeo": (
        0.3,
        [("social_videos", 1)],
        "SearchProviderVimeo",
        [("video", 0.5), ("comment", 0.5)],
        "https://vimeo.com/{sid}",
    ),
    "soundcloud": (
        0.2,
        [("podcasts", 1)],
        "SearchProviderSoundCloud",
        [("audio", 0.5), ("comment", 0.5)],
        "https://soundcloud.com/{handle}/{sid}",
    ),
    "mixcloud": (0.1, [("podcasts", 1)], "SearchProviderMixCloud", [("audio", 1)], "https://www.mixcloud.com/{sid}/"),
    "googleplus": (0.1, _SOCIAL, "SearchProviderGooglePlus", [("post", 1)], ""),
    "ditto_brand": (0.2, [("social_photos", 1)], "SearchProviderApi", [("photo", 1)], ""),
    "custom": (0.3, [("social", 0.5), ("forums", 0.5)], "SearchProviderCustom", [("other", 0.5), ("normal", 0.5)], ""),
}
assert set(SERVICES) == set(SOURCE_SERVICES), "every service of the seed's list is in the demo"

TOPICS = [("101", "Northwind Air brand", 0.7), ("102", "Competitors", 0.18), ("103", "Customer care", 0.12)]
# (day offset from START, aspect, sentiment, share of all mentions, tag) of the spikes in the year.
SPIKES = [
    (105, "app", "negative", 0.025, "Outage"),
    (231, "price", "positive", 0.02, "Summer Sale"),
    (306, "delay", "negative", 0.025, "Strike"),
]
SENTIMENT_SHARE = {"positive": 0.31, "negative": 0.30, "neutral": 0.29, "unset": 0.10}
STATUS_SHARE = {"new": 0.45, "pending": 0.2, "done": 0.35}
PRIORITY_SHARE = {"": 0.7, "low": 0.12, "medium": 0.1, "high": 0.06, "critical": 0.02}


def _choice(rng: np.random.Generator, items, weights, size):
    p = np.asarray(weights, dtype=float)
    return np.asarray(items, dtype=object)[rng.choice(len(items), size=size, p=p / p.sum())]


def _pick(rng: np.random.Generator, pairs, size):
    return _choice(rng, [k for k, _ in pairs], [w for _, w in pairs], size)


def _authors(rng: np.random.Generator, n_authors: int) -> pd.DataFrame:
    langs = list(LANGUAGES)
    lang = _choice(rng, langs, [LANGUAGES[x]["weight"] for x in langs], n_authors)
    rows = []
    for i, code in enumerate(lang):
        words = LANGUAGES[code]
        first = words["first"][rng.integers(len(words["first"]))]
        last = words["last"][rng.integers(len(words["last"]))]
        countries = COUNTRIES[code]
        c = countries[rng.choice(len(countries), p=np.array([x[1] for x in countries]) / sum(x[1] for x in countries))]
        city = c[4][rng.integers(len(c[4]))]
        located = rng.random() > 0.08
        plain = unicodedata.normalize("NFKD", f"{first}{last}").encode("ascii", "ignore").decode()
        handle = plain.lower().replace(" ", "").replace("'", "") + str(rng.integers(10, 9999))
        rows.append(
            (
                f"{2_000_000 + i * 7919}",
                handle,
                f"{first} {last}",
                code,
                c[0] if located else "",
                c[2] if located else "",
                city if located else "",
                c[3],
            )
        )
    return pd.DataFrame(
        rows, columns=["authorId", "authorName", "authorFullname", "lang", "country", "continent", "city", "offset"]
    )


def _times(rng: np.random.Generator, n: int, offsets: np.ndarray) -> np.ndarray:
    """UNIX seconds over a year: weekday and diurnal rhythms in local time, and a slow rise."""
    days = np.arange(DAYS)
    weekday = (START.weekday() + days) % 7
    weight = np.where(weekday < 5, 1.0, 0.8) * (1 + 0.5 * days / DAYS)
    day = rng.choice(DAYS, size=n, p=weight / weight.sum())
    hours = np.arange(24)
    diurnal = 0.25 + np.exp(-((hours - 13) ** 2) / 30) + 0.6 * np.exp(-((hours - 20) ** 2) / 8)
    hour = rng.choice(24, size=n, p=diurnal / diurnal.sum())
    local = day * 86400 + hour * 3600 + rng.integers(0, 3600, size=n)
    return int(START.timestamp()) + local - (offsets * 3600).astype(np.int64)


def generate(n: int, seed: int = 7, mix: str = "realistic") -> pd.DataFrame:
    """``n`` mentions as a raw export would hold them (every value a string).

    ``mix`` "realistic" draws each text's length from its source category (lib/sources/demo_lengths.py) and
    authors as a platform has them (about 40 × √n: tens of thousands at a million); "short" makes the one
    sentence per mention and the 0.3 × n authors of earlier versions, for benchmark figures beside them.
    """
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r}; use one of {', '.join(MIXES)}")
    rng = np.random.default_rng(seed)
    n_authors = max(50, int(n * 0.3) if mix == "short" else min(int(n * 0.3), int(40 * n**0.5)))
    authors = _authors(rng, n_authors)
    # A long tail: a Zipf-like popularity, so a few accounts post a lot and most post once.
    popularity = 1.0 / np.arange(1, n_authors + 1) ** 0.8
    who = rng.choice(n_authors, size=n, p=popularity / popularity.sum())
    a = authors.iloc[who].reset_index(drop=True)

    sentiment = _choice(rng, list(SENTIMENT_SHARE), list(SENTIMENT_SHARE.values()), n)
    aspect = _choice(rng, list(ASPECTS), [3, 3, 2, 1.5, 1, 1.5, 1.5, 1.2, 1.2, 0.8], n)
    published = _times(rng, n, a["offset"].to_numpy())
    spike_tag = np.full(n, "", dtype=object)
    start = 0
    for day, spike_aspect, spike_sentiment, share, tag in SPIKES:
        k = int(n * share)
        idx = np.arange(start, start + k)
        start += k
        # Most of a spike falls on its day, the rest decays over the next two.
        delay = rng.exponential(0.5, size=k) * 86400
        published[idx] = int(START.timestamp()) + day * 86400 + 6 * 3600 + delay.astype(np.int64)
        aspect[idx] = spike_aspect
        sentiment[idx] = np.where(rng.random(k) < 0.8, spike_sentiment, sentiment[idx])
        spike_tag[idx] = tag
    order = np.argsort(published, kind="stable")

    services = list(SERVICES)
    service = _choice(rng, services, [SERVICES[s][0] for s in services], n)
    topic_idx = rng.choice(len(TOPICS), size=n, p=[t[2] for t in TOPICS])
    mention_id = rng.integers(10**16, 10**17, size=n)
    source_id = rng.integers(10**17, 10**18, size=n)
    status = _choice(rng, list(STATUS_SHARE), list(STATUS_SHARE.values()), n)
    priority = _choice(rng, list(PRIORITY_SHARE), list(PRIORITY_SHARE.values()), n)
    flight = rng.integers(100, 2999, size=n)
    extras = rng.random((n, 6))
    templates = rng.integers(0, 1000, size=(n, 3))
    originals = rng.integers(0, n_authors, size=n)
    other_handle = _choice(rng, [h for h, _ in HANDLES], [w for _, w in HANDLES], n)
    link = _choice(rng, [u for u, _ in LINKS], [w for _, w in LINKS], n)
    link_code = rng.integers(36**6, 36**7, size=n)

    mtype = np.empty(n, dtype=object)
    category = np.empty(n, dtype=object)
    for svc, (_, cats, _, mtypes, _) in SERVICES.items():
        idx = np.flatnonzero(service == svc)
        mtype[idx] = _pick(rng, mtypes, len(idx))
        category[idx] = _pick(rng, cats, len(idx))

    realistic = mix == "realistic"
    if realistic:  # a generator of its own: the lengths never change the other columns' draws
        text_rng = np.random.default_rng([seed, 22])
        lengths = target_lengths(text_rng, category)
        composer = Composer(text_rng, LANGUAGES, ASPECTS, BRAND, ASIDES, authors["authorName"].tolist())
    au = {c: authors[c].tolist() for c in authors.columns}
    rows = []
    for i in order.tolist():
        who_i = int(who[i])
        lang = au["lang"][who_i]
        words = LANGUAGES[lang]
        s, asp = sentiment[i], aspect[i]
        tone = "neutral" if s == "unset" else s
        pool = words[tone]
        city = au["city"][who_i] or COUNTRIES[lang][0][4][0]
        ex = extras[i]
        text = pool[templates[i, 0] % len(pool)].format(
            a=words["aspects"][asp], brand=BRAND_HANDLE if ex[0] < 0.5 else BRAND, city=city, flight=f"NW{flight[i]}"
        )
        if realistic:
            text = composer.vary(text, lang, city, tone)
        svc = service[i]
        url = SERVICES[svc][4]
        parts = [text]
        if ex[1] < 0.45:
            parts.append(ASPECTS[asp][1])
        if ex[2] < 0.25:
            parts.append("#NorthwindAir")
        emoji = EMOJI[tone][templates[i, 1] % len(EMOJI[tone])]
        if emoji and ex[3] < 0.6:
            parts.append(emoji)
        body = " ".join(parts).replace("&", "&amp;")
        if ex[4] < 0.2:
            url_text = link[i].format(flight=f"NW{flight[i]}", code=np.base_repr(link_code[i], 36).lower())
            body += f'<br><a href="{url_text}">{url_text.split("://", 1)[1][:30]}</a>'
        if ex[1] > 0.9:
            body += f" {other_handle[i]}"
        if ex[5] < 0.08 and svc == "twitter":
            body = f"@{au['authorName'][originals[i]]} " + body
        if realistic:
            spec = LENGTHS.get(category[i])
            html = spec is not None and spec.html
            link_text = link[i].format(flight=f"NW{flight[i]}", code="") if html else ""
            body = composer.extend(body, int(lengths[i]), lang, tone, city, html, link_text)
        content = f"<p>{body}</p>" if ex[5] < 0.5 and not body.startswith("<p>") else body

        tags = [ASPECTS[asp][0]]
        if tone == "negative":
            tags.append("Complaint")
        elif tone == "positive":
            tags.append("Praise")
        if spike_tag[i]:
            tags.append(spike_tag[i])
        if topic_idx[i] == 1:
            tags.append("Competitor")
        if ex[3] > 0.93:
            tags = [t.lower() for t in tags]  # enrichment models are not consistent about case
        tag_text = (", " if ex[4] > 0.35 else ",").join(tags) + ("," if ex[2] > 0.97 else "")
        if ex[0] > 0.96:
            tag_text = ""  # smart tags had not arrived when the webhook fired

        topic_id, topic_name, _ = TOPICS[topic_idx[i]]
        mid = str(mention_id[i])
        handle = au["authorName"][who_i]
        m = mtype[i]
        o = int(originals[i]) if m in ("retweet", "repin", "reblog", "shared") else -1
        rows.append(
            (
                mid,
                f"{topic_id}_{mid}",
                handle,
                au["authorFullname"][who_i],
                au["authorId"][who_i],
                au["authorName"][o] if o >= 0 else "",
                au["authorFullname"][o] if o >= 0 else "",
                au["authorId"][o] if o >= 0 else "",
                words["titles"][templates[i, 2] % len(words["titles"])].format(city=city, brand=BRAND)
                if m in ("review", "post", "link") and svc not in ("twitter", "facebook")
                else "",
                content,
                lang,
                s,
                m,
                category[i],
                svc,
                SERVICES[svc][2],
                str(source_id[i]),
                url.format(handle=handle, sid=source_id[i]) if url else "",
                au["continent"][who_i],
                au["country"][who_i],
                au["city"][who_i],
                "",
                tag_text,
                topic_id,
                topic_name,
                status[i],
                f"https://app.engagor.com/messages/1417/permalink/{topic_id}/{mid}/",
                str(int(published[i] + 30 + source_id[i] % 1200)),
                str(int(published[i])),
                priority[i],
            )
        )
    frame = pd.DataFrame(rows, columns=list(FIELD_NAMES))
    return plant(frame, seed, int(START.timestamp()), DAYS)  # copy-paste campaigns with known members


def to_csv_gz(frame: pd.DataFrame) -> bytes:
    """The gzip'd CSV bytes of a raw frame, reproducible (no timestamp in the gzip header)."""
    text = frame.to_csv(index=False, lineterminator="\n")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate demo mentions as a gzip'd CSV export.")
    parser.add_argument("--rows", type=int, default=DEMO_ROWS, help="how many mentions (default %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default %(default)s)")
    parser.add_argument("--out", type=Path, default=DEMO_FILE, help="output file (default: the shipped demo file)")
    parser.add_argument("--mix", choices=MIXES, default="realistic", help="text lengths (default %(default)s)")
    args = parser.parse_args(argv)
    args.out.write_bytes(to_csv_gz(generate(args.rows, args.seed, args.mix)))
    print(f"wrote {args.rows} mentions to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
