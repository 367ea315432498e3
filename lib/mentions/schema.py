"""The mention schema: the seed's *Common Social Connect Fields* table, as data.

Everything else (loading, normalisation, filters, export columns, the setup helper) reads the field
list from here. Field names, piped text paths and dashboard field types are copied from the Qualtrics
help page "Integrating with Qualtrics Social Connect"; the table lists ``tags`` twice (once with its
piped text path, once with the note that smart tags are not sent through webhooks) and both rows are
merged into the one field below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEXT_VALUE = "Text Value"
OPEN_TEXT = "Open Text"
TEXT_SET = "Text Set"
MULTI_TEXT_SET = "Multi-Answer Text Set"


@dataclass(frozen=True)
class Field:
    name: str
    path: str
    dashboard_type: str
    notes: str = ""

    @property
    def piped_text(self) -> str:
        return f"~{{aed://{self.path}}}"


FIELDS: tuple[Field, ...] = (
    Field("id", "id", TEXT_VALUE, "Social Connect identifier for this mention (unique per topic)."),
    Field("uniqueId", "unique_id", TEXT_VALUE, "Social Connect identifier for this mention."),
    Field("authorName", "author.name", TEXT_VALUE, "Username or handle of the author."),
    Field("authorFullname", "author.fullname", TEXT_VALUE, "Full name of the author."),
    Field("authorId", "author.id", TEXT_VALUE, "Service specific identifier of the author."),
    Field(
        "originalAuthorName",
        "original_author.name",
        TEXT_VALUE,
        "Handle of the original author (retweet, repin, ...).",
    ),
    Field("originalAuthorFullname", "original_author.fullname", TEXT_VALUE, "Full name of the original author."),
    Field("originalAuthorId", "original_author.id", TEXT_VALUE, "Service specific id of the original author."),
    Field("messageTitle", "message.title", OPEN_TEXT),
    Field(
        "messageContent",
        "message.content",
        OPEN_TEXT,
        "HTML in Social Connect; stored here as plain text, the raw HTML kept in messageContentHtml.",
    ),
    Field("messageLanguage", "message.language", TEXT_SET, "ISO 639-1 language code."),
    Field("messageSentiment", "message.sentiment", TEXT_SET, "Any of positive, negative, neutral or unset."),
    Field("messageType", "message.type", TEXT_SET, "Type of message."),
    Field("sourceCategory", "source.category", TEXT_SET, "Category this mention can be classified under."),
    Field("sourceService", "source.service", TEXT_SET, "Connected service the mention comes from."),
    Field("sourceType", "source.type", TEXT_SET, "Internal source name, for filtering."),
    Field("sourceId", "source.id", TEXT_VALUE, "Identifier of the message on its service (e.g. tweet id)."),
    Field("sourceUrl", "source.url", TEXT_VALUE, "URL of the message on its service."),
    Field("locationContinent", "location.continent", TEXT_SET, "Continent code (NA is North America)."),
    Field("locationCountry", "location.country", TEXT_SET, "ISO 3166-1 country code (NA is Namibia)."),
    Field("locationCity", "location.city", TEXT_VALUE, "Full name of the city."),
    Field("locationRegion", "location.region", TEXT_VALUE),
    Field(
        "tags",
        "tags",
        MULTI_TEXT_SET,
        "(Smart) tags; XM Discover enrichments arrive comma separated. Smart tag data is not sent "
        "through webhooks: it can only be retrieved by an API call.",
    ),
    Field("topicId", "topic.id", TEXT_VALUE),
    Field("topicName", "topic.name", TEXT_VALUE),
    Field("status", "status", TEXT_SET, "Workflow stage: done, pending or new."),
    Field("permalink", "permalink", TEXT_VALUE, "Social Connect URL unique to this mention."),
    Field("dateAdded", "date.added", TEXT_VALUE, "UNIX timestamp (UTC) when Social Connect indexed the post."),
    Field("datePublished", "date.published", TEXT_VALUE, "UNIX timestamp (UTC) when the post was published."),
    Field("priority", "priority", TEXT_SET),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
TIMESTAMP_FIELDS = ("dateAdded", "datePublished")

MESSAGE_TYPES = frozenset(
    [
        "post",
        "privatemessage",
        "video",
        "checkin",
        "photo",
        "text",
        "quote",
        "link",
        "chat",
        "audio",
        "email",
        "review",
        "applause",
        "like",
        "retweet",
        "shared",
        "repin",
        "user_favorite",
        "reblog",
        "engagement",
        "comment",
        "reply",
        "tips",
        "question",
        "answer",
        "postcard",
        "listed",
        "case",
        "live_chat",
        "document",
        "user_tweet",
        "user_mention",
        "normal",
        "other",
    ]
)
SOURCE_CATEGORIES = frozenset(
    [
        "social",
        "social_videos",
        "social_photos",
        "microblogs",
        "forums",
        "blogs",
        "podcasts",
        "comments",
        "news",
        "news_academic",
        "news_consumer",
        "news_corporate",
        "news_government",
        "news_journal",
        "news_local",
        "news_national",
        "news_organisation",
        "news_presswire",
        "news_trade",
        "wikis",
        "reviews",
        "qa",
        "locations",
        "apps",
        "products",
        "shops",
        "classifieds",
        "email",
        "case",
    ]
)
SOURCE_SERVICES = [
    "twitter",
    "facebook",
    "facebook_ads",
    "foursquare_venue",
    "googleplus",
    "instagram",
    "instagram_hashtag",
    "instagram_ads",
    "linkedin_group",
    "pinterest",
    "rss",
    "youtube",
    "mixcloud",
    "telegram_bot",
    "tripadvisor",
    "tumblr_blog",
    "soundcloud",
    "vimeo",
    "linkedin_company",
    "lithium",
    "yelp_business",
    "keywordsearch",
    "mailservice",
    "telligent_forum",
    "instagram_business_profile",
    "instagram_business_profile_hashtag",
    "wechat",
    "twilio",
    "web",
    "whatsapp",
    "viber",
    "linkedin_company_v2",
    "apple_business_chat",
    "gominga_locations",
    "gominga_apps",
    "gominga_products",
    "gominga_shops",
    "email_mailbox",
    "ditto_brand",
    "social_case",
    "social_document",
    "ios",
    "android",
    "custom",
]
SOURCE_TYPES = frozenset(
    [
        "SearchProviderFacebook",
        "SearchProviderFacebookAds",
        "SearchProviderTwitter",
        "SearchProviderGoogle",
        "SearchProviderGooglePlus",
        "SearchProviderFoursquare",
        "SearchProviderInstagram",
        "SearchProviderInstagramBusinessProfile",
        "SearchProviderInstagramAds",
        "SearchProviderInstagramHashtags",
        "SearchProviderLinkedInGroups",
        "SearchProviderLinkedInCompanies",
        "SearchProviderLinkedInCompaniesV2",
        "SearchProviderRss",
        "SearchProviderOmgili",
        "SearchProviderMoreOver",
        "SearchProviderTrendiction",
        "SearchProviderYahoo",
        "SearchProviderWordpress",
        "SearchProviderBing",
        "SearchProviderYoutube",
        "SearchProviderCustom",
        "SearchProviderApi",
        "SearchProviderPinterest",
        "SearchProviderMixCloud",
        "SearchProviderTripadvisor",
        "SearchProviderTumblr",
        "SearchProviderVimeo",
        "SearchProviderSoundCloud",
        "SearchProviderEmail",
        "SearchProviderLithium",
        "SearchProviderYelp",
        "SearchProviderCase",
        "SearchProviderDocument",
        "SearchProviderTelegramBot",
        "SearchProviderTelligent",
        "SearchProviderWeChat",
        "SearchProviderTwilio",
        "SearchProviderWeb",
        "SearchProviderWhatsApp",
        "SearchProviderViber",
        "SearchProviderAppleBusinessChat",
        "SearchProviderGomingaLocations",
        "SearchProviderGomingaApps",
        "SearchProviderGomingaProducts",
        "SearchProviderGomingaShops",
        "SearchProviderIos",
        "SearchProviderAndroid",
    ]
)
STATUSES = frozenset({"done", "pending", "new"})
SENTIMENTS = ("positive", "negative", "neutral", "unset")
SENTIMENT_ORDER = ("positive", "neutral", "negative", "unset")  # the order every chart and table shows them in

ENUMERATIONS: dict[str, frozenset[str]] = {
    "messageType": MESSAGE_TYPES,
    "sourceCategory": SOURCE_CATEGORIES,
    "sourceService": frozenset(SOURCE_SERVICES),
    "sourceType": SOURCE_TYPES,
    "status": STATUSES,
    "messageSentiment": frozenset(SENTIMENTS),
}


def is_known(field: str, value: str) -> bool:
    """Whether ``value`` is one of the seed's listed values for ``field`` (unknown values are still kept)."""
    return value in ENUMERATIONS.get(field, ())


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _squash(name: str) -> str:
    """The key used for matching column names: case, separators and a BOM do not matter."""
    return re.sub(r"[\s._\-/]+", "", name.replace("\ufeff", "")).lower()


# Spellings seen outside the seed's table: the webhook's own keys (`location.country_code` in older
# payloads, `location.country` since 2022-10), flattened snake_case names, and a few display labels.
_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "uniqueId": ("unique id", "mention unique id"),
    "messageContent": ("message.stripped_content", "stripped_content", "content", "text", "message"),
    "messageTitle": ("title",),
    "messageLanguage": ("language", "lang"),
    "messageSentiment": ("sentiment",),
    "locationCountry": ("location.country_code", "location_country_code", "country", "country_code"),
    "locationContinent": ("location.continent_code", "location_continent_code", "continent"),
    "locationCity": ("city",),
    "locationRegion": ("region",),
    "sourceService": ("service",),
    "topicName": ("topic",),
    # Dates as other tools name them (Twitter's created_at, feeds' published_at, exports' timestamp). Qualtrics'
    # own StartDate, EndDate and RecordedDate are the response's times, not the post's: they stay unmapped.
    "dateAdded": (
        "date.add",
        "date_added",
        "added",
        "added_at",
        "addedDate",
        "indexed_at",
        "date indexed",
        "collected_at",
    ),
    "datePublished": (
        "date_published",
        "published",
        "publishedDate",
        "published_at",
        "publish date",
        "publication date",
        "created_at",
        "created",
        "creation date",
        "date created",
        "posted_at",
        "post date",
        "timestamp",
        "datetime",
        "date",
    ),
    "authorName": ("author", "author.handle", "username"),
}


def _build_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for f in FIELDS:
        for spelling in (f.name, f.path, f.path.replace(".", "_"), _snake(f.name), f.piped_text):
            aliases.setdefault(_squash(spelling), f.name)
    for name, spellings in _EXTRA_ALIASES.items():
        for spelling in spellings:
            aliases.setdefault(_squash(spelling), name)
    return aliases


ALIASES: dict[str, str] = _build_aliases()


def canonical_name(column: str) -> str | None:
    """The seed field name that ``column`` is a spelling of, or None for a column the schema doesn't know."""
    return ALIASES.get(_squash(column))


SERVICE_LABELS: dict[str, str] = {
    "twitter": "X (Twitter)",
    "facebook": "Facebook",
    "facebook_ads": "Facebook Ads",
    "foursquare_venue": "Foursquare venue",
    "googleplus": "Google+",
    "instagram": "Instagram",
    "instagram_hashtag": "Instagram hashtag",
    "instagram_ads": "Instagram Ads",
    "linkedin_group": "LinkedIn group",
    "pinterest": "Pinterest",
    "rss": "RSS",
    "youtube": "YouTube",
    "mixcloud": "Mixcloud",
    "telegram_bot": "Telegram bot",
    "tripadvisor": "Tripadvisor",
    "tumblr_blog": "Tumblr",
    "soundcloud": "SoundCloud",
    "vimeo": "Vimeo",
    "linkedin_company": "LinkedIn company",
    "lithium": "Lithium",
    "yelp_business": "Yelp",
    "keywordsearch": "Keyword search",
    "mailservice": "Mail service",
    "telligent_forum": "Telligent forum",
    "instagram_business_profile": "Instagram business profile",
    "instagram_business_profile_hashtag": "Instagram business hashtag",
    "wechat": "WeChat",
    "twilio": "Twilio",
    "web": "Web",
    "whatsapp": "WhatsApp",
    "viber": "Viber",
    "linkedin_company_v2": "LinkedIn company (v2)",
    "apple_business_chat": "Apple Business Chat",
    "gominga_locations": "Gominga locations",
    "gominga_apps": "Gominga apps",
    "gominga_products": "Gominga products",
    "gominga_shops": "Gominga shops",
    "email_mailbox": "Email mailbox",
    "ditto_brand": "Ditto brand",
    "social_case": "Social case",
    "social_document": "Social document",
    "ios": "iOS App Store",
    "android": "Google Play",
    "custom": "Custom",
}


def readable(value: str) -> str:
    """A display label for a code such as ``news_local`` or ``user_tweet`` (codes stay in data and URLs)."""
    if not value:
        return "(blank)"
    return value.replace("_", " ").capitalize()
