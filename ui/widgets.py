"""Shared sidebar widgets: the global filters. Each widget's value is copied into the canonical state."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.mentions.labels import label
from lib.queries.filters import FACETS, FIRST_DAY, LAST_DAY, PRESETS, TAG_MODES, Filters, matching_preset, preset_range
from lib.queries.interface import Queries
from lib.text.boolean_query import MAX_CHARS, QueryError, parse
from lib.text.topics import TopicSet
from ui import state
from ui.escape import md

CUSTOM = "Custom range"
AUTHOR_OPTIONS = 300  # the most active authors offered in the list; any other handle can be typed
MAIN_FACETS = ("sentiments", "services", "languages", "countries", "topics")
FACET_HELP = {
    "topics": "Social Connect's monitored topics: what your Social Connect project collected each mention under. "
    "Not the text topics (queries over the text, defined on the Text page).",
}

TEXT_EXAMPLE = '"cabin crew" OR baggage*'  # the search box's example: each part finds mentions of the demo data


def _seed(key: str, value) -> None:
    # Widget identity is per page: after a page switch the same key belongs to a new widget that would
    # start at its default. So on the first run of a page, every widget is seeded from the canonical
    # value; afterwards only a missing key is.
    if st.session_state.get(state.SEED_ALL_KEY) or key not in st.session_state:
        st.session_state[key] = value


def reset_filters() -> None:
    state.replace_filters(Filters())


def _date_widgets(current: Filters, oldest: date, newest: date) -> tuple[date | None, date | None]:
    start, end = current.start, current.end
    _seed("w_preset", matching_preset(start, end, newest, oldest) or CUSTOM)
    preset = st.selectbox(
        "Dates",
        [*PRESETS, CUSTOM],
        key="w_preset",
        help=f"Presets count back from the newest mention ({newest:%d %b %Y}), not from today.",
    )
    if preset != CUSTOM:
        start, end = preset_range(preset, newest, oldest)
        st.session_state.pop("w_dates", None)
        return start, end
    low, high = start or oldest, end or newest
    high = max(high, low)  # from a day after the newest mention: an empty range, never an invalid one
    _seed("w_dates", (low, high))
    picked = st.date_input(
        "From – to",
        key="w_dates",
        format="YYYY-MM-DD",
        min_value=min(low, oldest, FIRST_DAY),
        max_value=max(high, newest, LAST_DAY),
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return start, end  # half-picked range: keep the last whole one


def _facet(q: Queries, attr: str, current: Filters) -> tuple[str, ...]:
    column, _, title = FACETS[attr]
    selected = list(getattr(current, attr))
    options = q.top_values(column, AUTHOR_OPTIONS) if attr == "authors" else q.facet_values(column)
    unknown = [] if attr == "authors" else [v for v in selected if v not in options]  # authors: only the top ones
    options += [v for v in selected if v not in options]
    _seed(f"w_{attr}", selected)
    chosen = st.multiselect(
        title,
        options,
        key=f"w_{attr}",
        format_func=lambda v: label(column, v),
        placeholder="All",
        accept_new_options=attr == "authors",
        help=FACET_HELP.get(attr),
    )
    _not_in_data(title, [v for v in unknown if v in chosen])
    return tuple(chosen)


def _not_in_data(title: str, values: list[str]) -> None:
    """Say which chosen values (from a link, usually) no mention of this data has: they match nothing."""
    if values:
        shown = ", ".join(f"“{md(v[:60])}”" for v in values[:5]) + (" …" if len(values) > 5 else "")
        st.caption(f":orange[{md(title)}: {shown} — in no mention of this data, so nothing matches it. Remove it.]")


def _copies_once(current: Filters) -> bool:
    """The *Count copies once* switch: every page counts a cluster of near-duplicates as one mention (the
    clusters are kept in the store at ingest, so every backend reads the same ones)."""
    _seed("w_once", current.copies_once)
    once = st.toggle(
        "Count copies once",
        key="w_once",
        help="Near-duplicates (retweets, copy-paste campaigns, one review on several sites) count as one mention "
        "on every page: the first of each group. See them on the Text page, section Campaigns.",
    )
    return bool(once)


def sidebar_filters(q: Queries, page: str, topics: TopicSet) -> tuple[Filters, str]:
    """Render the global filters; return the filters and timezone they now say."""
    forced = st.session_state.pop(state.FORCE_SEED_KEY, False)
    st.session_state[state.SEED_ALL_KEY] = forced or st.session_state.get(state.PAGE_KEY) != page
    st.session_state[state.PAGE_KEY] = page
    current, tz = state.filters(), state.timezone()
    # The timezone just picked (its widget comes last, in Display): a preset counts back from the newest day in
    # it, or "Last 30 days" would keep the days of the timezone before.
    picked_tz = None if st.session_state[state.SEED_ALL_KEY] else st.session_state.get("w_tz")
    oldest, newest = q.date_bounds(picked_tz or tz)
    values: dict[str, object] = {}
    values["start"], values["end"] = _date_widgets(current, oldest, newest)
    for attr in MAIN_FACETS:
        values[attr] = _facet(q, attr, current)
    _seed("w_tags", list(current.tags))
    tag_options = q.tag_options()
    unknown_tags = [t for t in current.tags if t not in tag_options]
    values["tags"] = tuple(st.multiselect("Tags", tag_options + unknown_tags, key="w_tags", placeholder="All"))
    _not_in_data("Tags", [t for t in unknown_tags if t in values["tags"]])
    _seed("w_tagmode", current.tag_mode)
    values["tag_mode"] = st.radio(
        "Mentions with",
        TAG_MODES,
        key="w_tagmode",
        horizontal=True,
        format_func=lambda m: "any of these tags" if m == "any" else "all of these tags",
        label_visibility="collapsed",
    )
    _seed("w_text", state.unapplied_text() or current.text)
    text = st.text_input(
        "Text search",
        key="w_text",
        placeholder=f"e.g. {TEXT_EXAMPLE}",
        help='Words, #hashtags, @handles and "quoted phrases"; AND (or a space), OR, NOT (or -), parentheses, '
        "and a trailing * for any ending. Not case-sensitive.",
    ).strip()
    values["text"] = text
    state.set_unapplied_text("")
    if text:
        try:
            parse(text)
        except QueryError as exc:
            st.caption(f":red[{md(exc)}] — not applied.")
            values["text"] = ""
            if len(text) <= MAX_CHARS:  # a longer one is not carried into every link and page (it never applies)
                state.set_unapplied_text(text)
    if topics.topics or current.text_topics:
        _seed("w_text_topics", list(current.text_topics))
        options = topics.names + [t for t in current.text_topics if t not in topics.names]
        values["text_topics"] = tuple(
            st.multiselect(
                "Text topic",
                options,
                key="w_text_topics",
                placeholder="All",
                help="Topics defined by a query over the mention text on the Text page; not Social Connect's "
                "monitored topic (the filter above), which says what the mention was collected under.",
            )
        )
    values["copies_once"] = _copies_once(current)
    more = [a for a in FACETS if a not in MAIN_FACETS]
    with st.expander("More filters", expanded=any(getattr(current, a) for a in more)):
        for attr in more:
            values[attr] = _facet(q, attr, current)
    with st.expander("Display"):
        zones = state.zone_names() if tz in state.zone_names() else tuple(sorted({*state.zone_names(), tz, "UTC"}))
        _seed("w_tz", tz)
        tz = st.selectbox("Timezone", zones, key="w_tz", help="Dates, presets and time buckets use this timezone.")
    return Filters(**values), tz
