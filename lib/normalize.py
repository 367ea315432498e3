"""Raw mention columns (any spelling, all strings) -> the typed mentions table the store keeps.

Pure functions: a DataFrame in, a new one out. Nothing here treats the string ``NA`` as missing
(continent NA is North America, country NA is Namibia); blanks are empty strings, never NaN.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from lib.schema import FIELD_NAMES, TIMESTAMP_FIELDS, canonical_name

# The columns of the normalised table, in order. `messageContent` is plain text; the HTML it came as
# is kept in `messageContentHtml`, the delimited tag string in `tagsRaw`, unknown columns in `extra`.
STRING_FIELDS = tuple(n for n in FIELD_NAMES if n not in TIMESTAMP_FIELDS and n != "tags")
# Derived at ingest, never while the user waits: the hashtags, @handles and link domains of a mention.
ENTITY_COLUMNS = ("hashtags", "handles", "linkDomains")
COLUMNS = (*FIELD_NAMES, "messageContentHtml", "tagsRaw", "extra", *ENTITY_COLUMNS)

_BLOCK_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h\d|/tr|hr)\b[^<>]*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACE = re.compile(r"\s+")
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_HANDLE = re.compile(r"(?<![\w.@])@(\w{1,30})")
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


@dataclass
class Report:
    """What normalisation noticed: rows it could not use and values it had to fold."""

    rows_in: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    warnings: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    @property
    def rows_ok(self) -> int:
        return self.rows_in - len(self.rejected)


def html_to_text(value: str) -> str:
    """Plain text from Social Connect's HTML: tags removed, entities unescaped, breaks become spaces."""
    if "<" not in value and "&" not in value:
        return _SPACE.sub(" ", value).strip()
    text = _COMMENT.sub(" ", value)
    text = _SCRIPT.sub(" ", text)
    text = _BLOCK_BREAK.sub(" ", text)
    text = _TAG.sub("", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()


def entities(text: str, html_source: str = "") -> tuple[list[str], list[str], list[str]]:
    """Hashtags and @handles (lowercased, once each) in the plain text; domains of the links in the HTML
    (``href``) and in the text, without ``www.``."""
    hashtags = list(dict.fromkeys(h.lower() for h in _HASHTAG.findall(text) if not h.isdigit()))
    handles = list(dict.fromkeys(h.lower() for h in _HANDLE.findall(text)))
    domains: dict[str, None] = {}
    for url in [*_HREF.findall(html_source), *_URL.findall(text)]:
        host = urlsplit(html.unescape(url).strip()).hostname or ""
        if "." in host:
            domains[host.removeprefix("www.")] = None
    return hashtags, handles, list(domains)


def split_tags(value: str, delimiter: str = ",") -> list[str]:
    """Tags from a delimited string (or a JSON array, as webhooks send them): trimmed, blanks dropped."""
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        try:
            items = json.loads(value)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [str(t).strip() for t in items if str(t).strip()]
    if not delimiter:
        return [value] if value else []
    return [t.strip() for t in value.split(delimiter) if t.strip()]


_SENTIMENT_WORDS = {
    "positive": "positive",
    "pos": "positive",
    "negative": "negative",
    "neg": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "": "unset",
    "unset": "unset",
    "none": "unset",
    "null": "unset",
    "unknown": "unset",
}


def fold_sentiment(value: str) -> str | None:
    """positive/negative/neutral/unset from the spellings seen; a number folds by its sign.

    Returns None for a value it cannot read (the caller records it and stores ``unset``).
    """
    key = value.strip().lower()
    if key in _SENTIMENT_WORDS:
        return _SENTIMENT_WORDS[key]
    try:
        score = float(key)
    except ValueError:
        return None
    if np.isnan(score):
        return None
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def parse_timestamps(values: pd.Series) -> pd.Series:
    """UTC timestamps from UNIX seconds, UNIX milliseconds or ISO 8601 strings; blanks become NaT."""
    text = values.astype("string").str.strip().fillna("")
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    # Epoch milliseconds are > 1e11 for any date after 1973; seconds stay below that until the year 5138.
    millis = numbers.abs() >= 1e11
    ns = (numbers.where(~millis, numbers / 1000.0) * 1e9).round()
    out = pd.to_datetime(ns, unit="ns", utc=True, errors="coerce")
    iso = numbers.isna() & (text != "")
    if iso.any():
        out[iso] = pd.to_datetime(text[iso], utc=True, errors="coerce", format="ISO8601")
    return out.astype("datetime64[ns, UTC]")


def _clean(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip().astype(object)


def map_columns(raw: pd.DataFrame) -> tuple[dict[str, list[str]], list[str]]:
    """Which raw columns feed each seed field (several spellings may, e.g. ``location.country`` and
    ``location.country_code`` in one webhook file); columns the schema doesn't know are returned apart."""
    mapping: dict[str, list[str]] = {}
    unknown: list[str] = []
    for column in raw.columns:
        name = canonical_name(str(column))
        if name is None:
            unknown.append(str(column))
        else:
            mapping.setdefault(name, []).append(str(column))
    return mapping, unknown


def _coalesce(raw: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The first non-blank value across ``columns``, row by row."""
    values = _clean(raw[columns[0]])
    for column in columns[1:]:
        values = values.where(values != "", _clean(raw[column]))
    return values


def normalize(
    raw: pd.DataFrame, tag_delimiter: str = ",", first_row_number: int = 1, row_numbers: list[int] | None = None
) -> tuple[pd.DataFrame, Report]:
    """The typed mentions table from raw columns, and a report of rejected rows and folded values.

    ``first_row_number`` is the file line (or record number) of the first row, or ``row_numbers`` gives
    each row's, so that a rejected row can be named where the user will find it.
    """
    report = Report(rows_in=len(raw))
    mapping, unknown = map_columns(raw)
    report.unknown_columns = unknown
    cols = {name: _coalesce(raw, columns) for name, columns in mapping.items()}
    blank = pd.Series([""] * len(raw), index=raw.index, dtype=object)
    out = pd.DataFrame({name: cols.get(name, blank) for name in STRING_FIELDS}, index=raw.index)

    # uniqueId is the store's key. Social Connect builds it as {topic id}_{mention id}; do the same
    # when a source only carries the two parts.
    missing_key = out["uniqueId"] == ""
    derivable = missing_key & (out["topicId"] != "") & (out["id"] != "")
    out.loc[derivable, "uniqueId"] = out.loc[derivable, "topicId"] + "_" + out.loc[derivable, "id"]

    content = out["messageContent"]
    out["messageContentHtml"] = content
    out["messageContent"] = [html_to_text(v) for v in content]
    out["messageTitle"] = [html_to_text(v) for v in out["messageTitle"]]
    found = [entities(text, source) for text, source in zip(out["messageContent"], content, strict=True)]
    for index, name in enumerate(ENTITY_COLUMNS):
        out[name] = [f[index] for f in found]

    sentiment = [fold_sentiment(v) for v in out["messageSentiment"]]
    unreadable = sorted({v for v, s in zip(out["messageSentiment"], sentiment, strict=True) if s is None})
    if unreadable:
        report.warnings.append(
            f"{sum(s is None for s in sentiment)} sentiment values were not positive, negative, neutral or "
            f"unset and are shown as unset: {', '.join(unreadable[:5])}"
        )
    out["messageSentiment"] = [s or "unset" for s in sentiment]
    out["messageLanguage"] = out["messageLanguage"].str.lower().str.replace("_", "-").str.split("-").str[0]
    for name in ("locationCountry", "locationContinent"):
        out[name] = out[name].str.upper()
    for name in ("messageType", "sourceCategory", "sourceService", "status", "priority"):
        out[name] = out[name].str.lower()

    tags_raw = cols.get("tags", blank)
    out["tagsRaw"] = tags_raw
    out["tags"] = [split_tags(v, tag_delimiter) for v in tags_raw]

    for name in TIMESTAMP_FIELDS:
        source = cols.get(name, blank)
        parsed = parse_timestamps(pd.Series(source, index=raw.index))
        bad = (parsed.isna() & (source != "")).to_numpy()
        if bad.any():
            report.warnings.append(f"{int(bad.sum())} {name} values were not a UNIX or ISO 8601 time and are blank")
        out[name] = parsed

    if unknown:
        extra = raw[unknown].astype("string").fillna("")
        out["extra"] = [
            json.dumps(dict(zip(unknown, row, strict=True)), ensure_ascii=False) for row in extra.itertuples(False)
        ]
    else:
        out["extra"] = ""

    keyless = (out["uniqueId"] == "").to_numpy()
    for position in np.flatnonzero(keyless):
        line = row_numbers[position] if row_numbers is not None else first_row_number + int(position)
        report.rejected.append((line, "no uniqueId (nor topicId and id to build one)"))
    out = out.loc[~keyless, list(COLUMNS)].reset_index(drop=True)
    return out, report
