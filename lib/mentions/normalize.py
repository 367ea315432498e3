"""Raw mention columns (any spelling, all strings) -> the typed mentions table the store keeps.

Pure functions: a DataFrame in, a new one out. Nothing here treats the string ``NA`` as missing
(continent NA is North America, country NA is Namibia); blanks are empty strings, never NaN.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from lib.errors import ExplorerError
from lib.mentions.schema import FIELD_NAMES, TIMESTAMP_FIELDS, canonical_name

# The columns of the normalised table, in order. `messageContent` is plain text; the HTML it came as
# is kept in `messageContentHtml`, the delimited tag string in `tagsRaw`, unknown columns in `extra`.
STRING_FIELDS = tuple(n for n in FIELD_NAMES if n not in TIMESTAMP_FIELDS and n != "tags")
# Derived at ingest, never while the user waits: the hashtags, @handles and link domains of a mention.
ENTITY_COLUMNS = ("hashtags", "handles", "linkDomains")
COLUMNS = (*FIELD_NAMES, "messageContentHtml", "tagsRaw", "extra", *ENTITY_COLUMNS)
# Which stored columns a row's source provides, as one bit per column of COLUMNS: an upsert changes those and
# keeps the others (a column present but blank is a value; a column absent is not). Derived columns come
# with the field they are derived from.
PRESENT = "_present"
BIT = {name: 1 << i for i, name in enumerate(COLUMNS)}
ALL_PRESENT = sum(BIT.values())
DERIVED = {"messageContent": ("messageContentHtml", *ENTITY_COLUMNS), "tags": ("tagsRaw",)}
MAX_REPORTED = 1000  # rejected rows reported one by one; beyond that, counted

_BLOCK_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h\d|/tr|hr)\b[^<>]*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# A hashtag or @handle not preceded by a word character (or & #, or . @): the test looks back from after the
# "#" or "@", so that the pattern starts with that character and the scan jumps from one to the next.
_HASHTAG = re.compile(r"#(?<![\w&#]#)(\w+)")
_HANDLE = re.compile(r"@(?<![\w.@]@)(\w{1,30})")
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


class ColumnMapError(ExplorerError):
    """A column-to-field mapping names a field or a column that does not exist."""


@dataclass
class Report:
    """What reading and normalisation noticed: rows they could not use, values they had to fold, and the
    columns of the file that no field takes and the fields that no column fills. Batches' reports ``merge``
    into the file's."""

    rows_in: int = 0  # every row of the file: the stored ones and the rejected ones
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason), the first MAX_REPORTED
    n_rejected: int = 0
    notes: list[str] = field(default_factory=list)
    folded: dict[str, list] = field(default_factory=dict)  # kind -> [count, examples]
    unmapped_columns: list[str] = field(default_factory=list)
    missing_fields: list[str] | None = None  # None until a batch was seen
    mapping: dict[str, str] = field(default_factory=dict)  # the explicit column -> field mapping used

    def reject(self, line: int, why: str) -> None:
        self.n_rejected += 1
        if len(self.rejected) < MAX_REPORTED:
            self.rejected.append((line, why))

    def note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < 50:
            self.notes.append(text)

    def fold(self, kind: str, count: int, examples: Iterable[str] = ()) -> None:
        seen = self.folded.setdefault(kind, [0, []])
        seen[0] += count
        seen[1] += [e for e in examples if e not in seen[1]][: 5 - len(seen[1])]

    def merge(self, other: Report) -> None:
        self.rows_in += other.rows_in
        for line, why in other.rejected:
            self.reject(line, why)
        self.n_rejected += other.n_rejected - len(other.rejected)
        for text in other.notes:
            self.note(text)
        for kind, (count, examples) in other.folded.items():
            self.fold(kind, count, examples)
        self.unmapped_columns += [c for c in other.unmapped_columns if c not in self.unmapped_columns]
        if other.missing_fields is not None:
            mine = self.missing_fields
            self.missing_fields = (
                other.missing_fields if mine is None else [f for f in mine if f in other.missing_fields]
            )

    @property
    def warnings(self) -> list[str]:
        out = list(self.notes)
        for kind, (count, examples) in self.folded.items():
            if kind == "sentiment":
                out.append(
                    f"{count:,} sentiment values were not positive, negative, neutral or unset and are shown as "
                    f"unset: {', '.join(examples)}"
                )
            else:
                out.append(
                    f"{count:,} {kind} values were not a time the app reads (UNIX seconds or milliseconds, ISO 8601, "
                    f"RFC 2822) and are blank: {', '.join(e[:40] for e in examples)}"
                )
        return out

    @property
    def unknown_columns(self) -> list[str]:
        return self.unmapped_columns

    @property
    def rows_ok(self) -> int:
        return self.rows_in - self.n_rejected


def squeeze(text: str) -> str:
    """Each run of whitespace one space, none at the ends. ``str.split`` knows the same whitespace as ``\\s``
    (``str.isspace``) and is about ten times faster than a regular expression, which tries every position."""
    return " ".join(text.split())


def html_to_text(value: str) -> str:
    """Plain text from Social Connect's HTML: tags removed, entities unescaped, breaks become spaces."""
    if "<" not in value:  # every pattern below starts with "<"
        return squeeze(html.unescape(value)) if "&" in value else squeeze(value)
    text = _COMMENT.sub(" ", value) if "<!--" in value else value
    text = _SCRIPT.sub(" ", text)
    text = _BLOCK_BREAK.sub(" ", text)
    text = _TAG.sub("", text)
    return squeeze(html.unescape(text))


def entities(text: str, html_source: str = "") -> tuple[list[str], list[str], list[str]]:
    """Hashtags and @handles (lowercased, once each) in the plain text; domains of the links in the HTML
    (``href``) and in the text, without ``www.``."""
    # Each pattern is tried only where its literal part ("#", "@", "=", "://") is there to be found.
    hashtags = list(dict.fromkeys(h.lower() for h in _HASHTAG.findall(text) if not h.isdigit())) if "#" in text else []
    handles = list(dict.fromkeys(h.lower() for h in _HANDLE.findall(text))) if "@" in text else []
    links = _HREF.findall(html_source) if "=" in html_source else []
    if "://" in text:
        links += _URL.findall(text)
    if not links:
        return hashtags, handles, []
    domains = dict.fromkeys(host for host in map(_domain, links) if host is not None)
    return hashtags, handles, list(domains)


@lru_cache(maxsize=1 << 16)
def _domain(url: str) -> str | None:
    """The host of a link without ``www.``; None for one without a dot, or that is not a URL after all
    ("http://[::1" without its bracket). Links repeat (a site's own, a campaign's): each is parsed once."""
    try:
        host = urlsplit(html.unescape(url).strip()).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") if "." in host else None


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


_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"  # Twitter's created_at: Wed Oct 10 20:19:24 +0000 2018


def _rfc2822(value: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return pd.NaT
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _within_ns(parsed: pd.Series) -> pd.Series:
    """Parsed times in nanoseconds; those pandas' nanoseconds cannot hold (before 1677-09-21 or after
    2262-04-11, as "0001-01-01", a common placeholder for no date) become NaT, as any unreadable time does.
    (pandas parses them at a coarser unit, and putting them into a nanosecond column raised.)"""
    inside = (parsed >= pd.Timestamp.min.tz_localize("UTC")) & (parsed <= pd.Timestamp.max.tz_localize("UTC"))
    return parsed.where(inside).astype("datetime64[ns, UTC]")


def parse_timestamps(values: pd.Series) -> pd.Series:
    """UTC timestamps from UNIX seconds, milliseconds or microseconds, ISO 8601 strings, Twitter's
    ``created_at`` or RFC 2822 dates (e-mail, RSS); blanks and anything else become NaT."""
    text = values.astype("string").str.strip().fillna("")
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    # Epoch milliseconds are > 1e11 for any date after 1973; seconds stay below that until the year 5138;
    # microseconds are > 1e14 likewise.
    with np.errstate(invalid="ignore", over="ignore"):
        size = np.abs(numbers)
        ns = np.round(numbers * np.select([size >= 1e14, size >= 1e11], [1e-6, 1e-3], 1.0) * 1e9)
        ns[~(np.abs(ns) < 9e18)] = np.nan  # beyond pandas' years 1677-2262 (or a 5,000-digit number)
    out = pd.Series(pd.to_datetime(ns, unit="ns", utc=True, errors="coerce"), index=text.index)
    iso = pd.Series(np.isnan(numbers), index=text.index) & (text != "")
    if iso.any():
        out[iso] = _within_ns(pd.to_datetime(text[iso], utc=True, errors="coerce", format="ISO8601"))
    other = out.isna() & iso
    if other.any():
        out[other] = _within_ns(pd.to_datetime(text[other], utc=True, errors="coerce", format=_TWITTER_TIME))
        rest = out.isna() & other
        if rest.any():
            rfc = pd.Series(pd.to_datetime([_rfc2822(v) for v in text[rest]], utc=True), index=text[rest].index)
            out[rest] = _within_ns(rfc)
    return out.astype("datetime64[ns, UTC]")


def _clean(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip().astype(object)


def check_mapping(columns: Iterable[str], overrides: Mapping[str, str]) -> None:
    """Refuse a mapping to a field the schema doesn't have, or from a column the file doesn't have."""
    columns = [str(c) for c in columns]
    for column, name in overrides.items():
        if name not in FIELD_NAMES:
            raise ColumnMapError(
                f"{name!r} is not a mention field; map {column!r} to one of: {', '.join(FIELD_NAMES)}."
            )
        if column not in columns:
            shown = ", ".join(columns[:12]) + ("…" if len(columns) > 12 else "")
            raise ColumnMapError(f"The file has no column {column!r} to map; its columns are: {shown}.")


def map_columns(
    columns: Iterable[str], overrides: Mapping[str, str] | None = None
) -> tuple[dict[str, list[str]], list[str]]:
    """Which raw columns feed each seed field (several spellings may, e.g. ``location.country`` and
    ``location.country_code`` in one webhook file); columns the schema doesn't know are returned apart.
    ``overrides`` maps a column to a field explicitly (``publishedDate`` → ``datePublished``); such a column
    comes first among its field's sources."""
    overrides = overrides or {}
    mapping: dict[str, list[str]] = {}
    unknown: list[str] = []
    for column in map(str, columns):
        if column in overrides:
            mapping.setdefault(overrides[column], []).insert(0, column)
        elif (name := canonical_name(column)) is None:
            unknown.append(column)
        else:
            mapping.setdefault(name, []).append(column)
    return mapping, unknown


def _present_mask(raw: pd.DataFrame, mapping: dict[str, list[str]], unknown: list[str]) -> np.ndarray:
    """Per row, the bits (``BIT``) of the stored columns its source provides. A CSV provides its columns on
    every row; a JSON record only the keys it has (absent keys are NaN in ``raw``)."""
    given = raw.notna().to_numpy()
    index = {c: i for i, c in enumerate(map(str, raw.columns))}
    mask = np.full(len(raw), BIT["uniqueId"], dtype=np.int64)
    for name, columns in mapping.items():
        bits = BIT[name] | sum(BIT[d] for d in DERIVED.get(name, ()))
        has = np.logical_or.reduce([given[:, index[c]] for c in columns])
        mask |= np.where(has, bits, 0)
    if unknown:
        has = np.logical_or.reduce([given[:, index[c]] for c in unknown])
        mask |= np.where(has, BIT["extra"], 0)
    return mask


def _coalesce(raw: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The first non-blank value across ``columns``, row by row."""
    values = _clean(raw[columns[0]])
    for column in columns[1:]:
        values = values.where(values != "", _clean(raw[column]))
    return values


def normalize(
    raw: pd.DataFrame,
    tag_delimiter: str = ",",
    first_row_number: int = 1,
    row_numbers: list[int] | None = None,
    mapping: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, Report]:
    """The typed mentions table from raw columns, and a report of rejected rows and folded values.

    ``first_row_number`` is the file line (or record number) of the first row, or ``row_numbers`` gives
    each row's, so that a rejected row can be named where the user will find it. ``mapping`` maps columns to
    fields explicitly. The table has every column of COLUMNS (blank where the source has none) and
    ``PRESENT``, the bits of the columns each row's source does provide.
    """
    report = Report(rows_in=len(raw))
    fields, unknown = map_columns(raw.columns, mapping)
    report.unmapped_columns = unknown
    report.missing_fields = [name for name in FIELD_NAMES if name not in fields]
    present = _present_mask(raw, fields, unknown)
    cols = {name: _coalesce(raw, columns) for name, columns in fields.items()}
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
        report.fold("sentiment", sum(s is None for s in sentiment), [v[:40] for v in unreadable[:5]])
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
            report.fold(name, int(bad.sum()), source[bad].head(5).tolist())
        out[name] = parsed

    if unknown:
        extra = raw[unknown].astype("string")
        out["extra"] = [
            json.dumps({k: v for k, v in zip(unknown, row, strict=True) if not pd.isna(v)}, ensure_ascii=False)
            for row in extra.itertuples(False)
        ]
    else:
        out["extra"] = ""
    out[PRESENT] = present

    keyless = (out["uniqueId"] == "").to_numpy()
    for position in np.flatnonzero(keyless):
        line = row_numbers[position] if row_numbers is not None else first_row_number + int(position)
        report.reject(line, "no uniqueId (nor topicId and id to build one)")
    out = out.loc[~keyless, [*COLUMNS, PRESENT]].reset_index(drop=True)
    return out, report
