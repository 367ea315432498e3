"""One door for state: the global filters and display settings, kept in the session and the URL.

Widget state is per page in Streamlit, so the canonical values live under plain session keys and are
mirrored into ``st.query_params``: deep links, page switches and copied URLs all keep the view.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

import streamlit as st

from lib.queries.filters import FACETS, Filters
from ui.escape import md
from ui.gate import share_link

FILTERS_KEY = "sce_filters"
TZ_KEY = "sce_tz"
PAGE_KEY = "sce_page"  # the page of the previous run, to notice page switches
FORCE_SEED_KEY = "sce_force_seed"  # set when code changed the filters: widgets take the canonical values
SEED_ALL_KEY = "sce_seed_all"  # true on a page's first run: widgets take the canonical values
FILTER_URL_KEYS = ("from", "to", "tag", "tagmode", "q", "topic", "once", *(key for _, key, _ in FACETS.values()))
NOTES_KEY, NOTES_SLOT_KEY, NOTES_PAGE_KEY = "sce_url_notes", "sce_url_notes_slot", "sce_url_notes_page"


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA timezone this machine knows, sorted: the timezone selector's options (read once)."""
    return tuple(sorted(_zones()))


def _valid_tz(name: str | None) -> str | None:
    """``name`` if it is an IANA timezone this machine knows (never a path or a 5,000-character name)."""
    return name if name and name in _zones() else None


# -- URL values left out, said once at the top of the page ----------------------------------------
def notes_slot(page: str) -> None:
    """The place at the top of the page where URL values that could not be used are listed (frame)."""
    if st.session_state.get(NOTES_PAGE_KEY) != page:
        st.session_state[NOTES_PAGE_KEY] = page
        st.session_state[NOTES_KEY] = []
    st.session_state[NOTES_SLOT_KEY] = st.empty()
    _show_notes()


def url_note(text: str) -> None:
    """Say that a URL value was left out (``key='value': why``); the rest of the view applies."""
    notes = st.session_state.setdefault(NOTES_KEY, [])
    if text not in notes:
        notes.append(text)
    _show_notes()


def _show_notes() -> None:
    slot, notes = st.session_state.get(NOTES_SLOT_KEY), st.session_state.get(NOTES_KEY)
    if slot is not None and notes:
        slot.warning(
            "Left out of this link, the rest of it applies: " + "; ".join(md(note) for note in notes) + ".",
            icon=":material/link_off:",
        )


def filters() -> Filters:
    """The current filters: from the session, or on a fresh session from the URL (values it cannot use are
    left out, with a note)."""
    if FILTERS_KEY not in st.session_state:
        notes: list[str] = []
        st.session_state[FILTERS_KEY] = Filters.from_params(st.query_params.get_all, notes)
        for note in notes:
            url_note(note)
    return st.session_state[FILTERS_KEY]


def timezone() -> str:
    """The display timezone: URL, then session, then the browser's, then UTC."""
    if TZ_KEY not in st.session_state:
        given = st.query_params.get("tz")
        if given and not _valid_tz(given):
            url_note(f"tz={given[:60]!r}: not a timezone (like Europe/Berlin)")
        st.session_state[TZ_KEY] = _valid_tz(given) or _valid_tz(st.context.timezone) or "UTC"
    return st.session_state[TZ_KEY]


def replace_filters(new_filters: Filters) -> None:
    """Change the filters from code (a drill-down's "Filter to this"): the widgets follow on the next run."""
    if new_filters.text != filters().text:  # the code set a search of its own: the box's unapplied one goes
        st.session_state.pop(UNAPPLIED_TEXT_KEY, None)
    st.session_state[FILTERS_KEY] = new_filters
    st.session_state[FORCE_SEED_KEY] = True


def set_view(new_filters: Filters, tz: str) -> None:
    st.session_state[FILTERS_KEY] = new_filters
    st.session_state[TZ_KEY] = tz
    sync_url()


UNAPPLIED_TEXT_KEY = "sce_text_unapplied"  # a search in the box that does not parse: shown, kept, not applied


def unapplied_text() -> str:
    return st.session_state.get(UNAPPLIED_TEXT_KEY, "")


def set_unapplied_text(text: str) -> None:
    """The search as typed when it does not parse (else ""): the filters leave it out, but the box keeps it across
    pages and the URL carries it, so that a shared link shows the colleague the same search and its error."""
    st.session_state[UNAPPLIED_TEXT_KEY] = text


def sync_url() -> None:
    """Write the filters and timezone into the URL, leaving page-specific keys alone."""
    params = filters().to_params()
    if unapplied_text():
        params["q"] = unapplied_text()
    params["tz"] = timezone()
    if prefer_demo():
        params["src"] = "demo"
    for key in (*FILTER_URL_KEYS, "tz", "src"):
        wanted = params.get(key)
        current = st.query_params.get_all(key)
        if wanted is None:
            if current:
                del st.query_params[key]
        elif (wanted if isinstance(wanted, list) else [wanted]) != current:
            st.query_params[key] = wanted


SHARE_SLOT_KEY = "sce_share_slot"  # the sidebar's "Share this view" element of the current run


def share_in(slot) -> None:  # slot: an st.empty, or None where the app's address is unknown
    """Show the view's link in ``slot`` (an ``st.empty``), and keep it there: every page setting that changes
    the URL later in the run rewrites it, so the link is always the screen as it now is, never the URL as it
    was when the sidebar was drawn."""
    st.session_state[SHARE_SLOT_KEY] = slot
    refresh_share()


def forget_share_slot() -> None:
    """At the start of a run: the slot of the run before belongs to a page no longer drawn (a sidebar setting
    that changes the URL before this run's link is drawn would write into it: the browser's page broke with
    "Bad delta path index" when Compare was on and another page was opened)."""
    st.session_state.pop(SHARE_SLOT_KEY, None)


def refresh_share() -> None:
    slot = st.session_state.get(SHARE_SLOT_KEY)
    if slot is not None and (link := share_link()):
        slot.code(link, language=None, wrap_lines=True)


DEMO_KEY = "sce_demo"


def prefer_demo() -> bool:
    """Whether the user asked for the demo data although their store has mentions (URL ``src=demo``)."""
    if DEMO_KEY not in st.session_state:
        st.session_state[DEMO_KEY] = st.query_params.get("src") == "demo"
    return st.session_state[DEMO_KEY]


def toggle_demo() -> None:
    st.session_state[DEMO_KEY] = bool(st.session_state.get("w_demo"))
    if st.session_state[DEMO_KEY]:
        st.query_params["src"] = "demo"
    elif "src" in st.query_params:
        del st.query_params["src"]


def page_param(key: str, options: tuple[str, ...] | None, default: str) -> str:
    """A page's own setting (chart granularity, a mention's id), read from and kept in the URL.

    ``options`` limits the values taken from the URL; None takes any value.
    """
    session_key = f"sce_page_{key}"
    if session_key not in st.session_state:
        value = st.query_params.get(key)
        if value is not None and options is not None and value not in options:
            url_note(f"{key}={value[:60]!r}: use one of {', '.join(options)}")
        st.session_state[session_key] = (
            value if value is not None and (options is None or value in options) else (default)
        )
    return st.session_state[session_key]


def page_value(key: str, options: tuple[str, ...], default: str) -> str:
    """A page setting's current value where its widget is not drawn (the sidebar, before the page): the
    widget's own value when it was drawn in the last run (a change is there before the page keeps it in the
    URL), else the kept one."""
    widget = st.session_state.get(f"w_page_{key}")
    if widget in options:
        return widget
    value = page_param(key, options, default)
    return value if value in options else default


def set_page_param(key: str, value: str, default: str, refresh: bool = True) -> None:
    """Keep a page setting in the session and the URL. ``refresh=False`` in a widget callback (it runs before
    the page, whose share link is not drawn yet)."""
    st.session_state[f"sce_page_{key}"] = value
    changed = False
    if value == default:
        if key in st.query_params:
            del st.query_params[key]
            changed = True
    elif st.query_params.get(key) != value:
        st.query_params[key] = value
        changed = True
    if changed and refresh:
        refresh_share()


def page_select(
    where, label: str, key: str, options: tuple[str, ...], default: str, format_func=str, help: str | None = None
) -> str:
    """A selectbox for a page setting that lives in the URL (``key``) and survives page switches."""
    current = page_param(key, options, default)
    if current not in options:  # the options changed (a topic was deleted): back to the default
        current = default if default in options else options[0]
    if st.session_state.get(f"w_page_{key}", current) not in options:
        del st.session_state[f"w_page_{key}"]
    value = where.selectbox(
        label,
        options,
        index=options.index(current),
        key=f"w_page_{key}",
        format_func=format_func,
        help=help,
    )
    set_page_param(key, value, default)
    return value


def page_multiselect(where, label: str, key: str, options: list[str], default: list[str], **kwargs) -> list[str]:
    """A multiselect for a page setting that lives in the URL (``key`` repeated, one value each), so a shared
    link shows the same series. Values no longer among ``options`` are dropped."""
    session_key = f"sce_page_{key}"
    if session_key not in st.session_state:
        from_url = [v for v in st.query_params.get_all(key) if v in options]
        st.session_state[session_key] = from_url or [v for v in default if v in options]
    stored = st.session_state[session_key]
    current = [v for v in stored if v in options]
    widget_key = f"w_page_{key}"
    reseed = st.session_state.get(SEED_ALL_KEY) or widget_key not in st.session_state
    if stored and not current:
        # None of the chosen values is offered any more (the Terms section now shows hashtags, say): start from
        # the default again, as a fresh session opening this link would.
        current, reseed = [v for v in default if v in options], True
    if reseed:
        st.session_state[widget_key] = current
    chosen = where.multiselect(label, options, key=widget_key, **kwargs)
    st.session_state[session_key] = chosen
    if chosen == [v for v in default if v in options]:
        if key in st.query_params:
            del st.query_params[key]
            refresh_share()
    elif st.query_params.get_all(key) != chosen:
        st.query_params[key] = chosen
        refresh_share()
    return chosen
