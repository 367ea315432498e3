"""Saved views in the sidebar: save the screen under a name, open, rename, delete; and ``?view=<id>`` links.

A view is opened the way a fresh session opens a share link: its query becomes the URL, the session forgets
its filters and page settings, and every widget takes the link's values (lib/queries/saved_views.py).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.errors import ExplorerError
from lib.queries.interface import Queries
from lib.queries.saved_views import (
    SavedView,
    ViewsError,
    delete_view,
    find,
    load_views,
    rename_view,
    save_view,
)
from ui import state
from ui.escape import md

MESSAGE_KEY = "sce_views_message"
OPEN_KEY = "sce_views_open"  # the expander stays open once the views were used in this session


def page_url_name(script: str) -> str:
    """The URL path Streamlit gives a page script: ``pages/1_Dashboard.py`` → ``Dashboard``; the main one ''."""
    if "/" not in script:
        return ""
    return Path(script).stem.split("_", 1)[-1]


def _forget_view_state() -> None:
    """Forget the session's filters and page settings, as a fresh session would not have them."""
    for key in list(st.session_state.keys()):
        name = str(key)
        if name in (state.FILTERS_KEY, state.TZ_KEY) or name.startswith(("sce_page_", "w_")):
            del st.session_state[key]
    st.session_state[state.FORCE_SEED_KEY] = True


def open_from_link(store_path: Path, q: Queries, page: str, pages: dict[str, str]) -> None:
    """When the URL says ``view=<id>``: show that saved view (on its page), its preset dates counted from the
    newest mention now. An unknown id is said at the top of the page; the rest of the URL applies."""
    wanted = st.query_params.get("view")
    if wanted is None:
        return
    try:
        view = find(load_views(store_path), wanted)
    except ViewsError as exc:
        view = None
        st.warning(md(exc), icon=":material/bookmarks:")
    if view is None:
        del st.query_params["view"]
        state.url_note(f"view={wanted[:60]!r}: no saved view has this id (deleted?)")
        return
    params = view.link_params(*_bounds(q, (view.params.get("tz") or ["UTC"])[-1]))
    _forget_view_state()
    _say(f"Opened the saved view “{view.name}”.")
    target = pages.get(view.page)
    if target is not None and view.page != page:
        st.switch_page(target, query_params=params)
    st.query_params.from_dict(params)


def _bounds(q: Queries, tz: str):
    """(newest, oldest) day of the data in ``tz`` (UTC when ``tz`` is not a timezone), as presets count."""
    try:
        oldest, newest = q.date_bounds(tz)
    except (ValueError, KeyError, LookupError):
        oldest, newest = q.date_bounds("UTC")
    return newest, oldest


def _params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _say(text: str, ok: bool = True) -> None:
    st.session_state[MESSAGE_KEY] = ("" if ok else "!") + text
    st.session_state[OPEN_KEY] = True


def _save(store_path: Path, q: Queries, page: str, replace_existing: bool) -> None:
    name = st.session_state.get("w_view_name", "")
    newest, oldest = _bounds(q, st.query_params.get("tz") or "UTC")
    try:
        view = save_view(store_path, name, page, _params(), newest, oldest, replace_existing)
    except ExplorerError as exc:
        _say(str(exc), ok=False)
        return
    except OSError as exc:
        _say(f"The view could not be saved ({exc.strerror or exc}). Check the data folder's permissions.", ok=False)
        return
    st.session_state["w_view_name"] = ""
    _say(f"Saved “{view.name}” ({view.dates}) for everyone who uses this data.")


def _rename(store_path: Path, view_id: str) -> None:
    try:
        view = rename_view(store_path, view_id, st.session_state.get(f"w_view_rename_{view_id}", ""))
    except (ExplorerError, OSError) as exc:
        _say(str(exc), ok=False)
        return
    _say(f"Renamed to “{view.name}”.")


def _delete(store_path: Path, view: SavedView) -> None:
    try:
        delete_view(store_path, view.id)
    except (ExplorerError, OSError) as exc:
        _say(str(exc), ok=False)
        return
    _say(f"Deleted “{view.name}”.")


def _app_root(page: str, pages: dict[str, str]) -> str | None:
    url = st.context.url
    if not url:
        return None
    name = page_url_name(pages.get(page, ""))
    root = url.rstrip("/")
    if name and root.endswith("/" + name):
        root = root[: -len(name) - 1]
    return root


def view_link(view: SavedView, page: str, pages: dict[str, str]) -> str | None:
    """The address that opens ``view`` for anyone who can open the app (None when the app's address is unknown)."""
    root = _app_root(page, pages)
    if root is None:
        return None
    name = page_url_name(pages.get(view.page, ""))
    # A view saved on the demo data while the user has a store of their own lives beside the demo store: its
    # link must say so, or it would be looked for (and not found) in the user's store.
    query = f"view={view.id}" + ("&src=demo" if state.prefer_demo() else "")
    return f"{root}/{name}?{query}" if name else f"{root}/?{query}"


def sidebar(store_path: Path, q: Queries, page: str, pages: dict[str, str]) -> None:
    """The sidebar's *Saved views*: each view a link; save this screen; rename, delete, copy a view's link."""
    try:
        views = load_views(store_path)
        problem = ""
    except ViewsError as exc:
        views, problem = [], str(exc)
    message = st.session_state.pop(MESSAGE_KEY, "")
    with st.expander(
        f"Saved views ({len(views)})",
        icon=":material/bookmarks:",
        expanded=bool(message) or st.session_state.get(OPEN_KEY, False),
    ):
        if message:
            (st.error if message.startswith("!") else st.success)(md(message.removeprefix("!")))
        if problem:
            st.error(md(problem))
        for view in views:
            st.page_link(
                pages.get(view.page, pages["Overview"]),
                label=md(view.name),
                query_params={"view": view.id},
                help=f"{view.page} · {view.dates}",
                icon=":material/bookmark:",
            )
        if not views and not problem:
            st.caption("No saved views yet. Name this screen below to save it for the team.")
        if problem:
            return  # nothing is written over a file that cannot be read
        name = st.text_input(
            "Name this view",
            key="w_view_name",
            max_chars=100,
            placeholder="e.g. Monday: negative in DE",
            help="Saves this page with its filters, timezone and settings, beside the data, for everyone. A date "
            "preset stays relative: 'Last 30 days' is the last 30 days whenever the view is opened.",
        )
        typed = " ".join(name.split()).casefold()
        taken = next((v for v in views if typed and v.name.casefold() == typed), None)
        st.button(
            f"Update “{md(taken.name)}”" if taken else "Save this view",
            key="w_view_save",
            on_click=_save,
            args=(store_path, q, page, taken is not None),
            disabled=not name.strip(),
            icon=":material/bookmark_add:",
            width="stretch",
        )
        if not views:
            return
        st.divider()
        # Keyed by the names too: a renamed view shows its new name at once (the list's labels are fixed per key).
        names = "|".join(v.name for v in views)
        chosen = st.selectbox(
            "Manage",
            [v.id for v in views],
            format_func=lambda i: find(views, i).name,
            key=f"w_view_manage_{hash(names)}",
            index=next((i for i, v in enumerate(views) if v.id == st.session_state.get("sce_views_chosen")), 0),
        )
        st.session_state["sce_views_chosen"] = chosen
        view = find(views, chosen)
        if view is None:
            return
        st.text_input("New name", value=view.name, key=f"w_view_rename_{view.id}", max_chars=100)
        left, right = st.columns(2)
        left.button("Rename", key="w_view_rename_btn", on_click=_rename, args=(store_path, view.id), width="stretch")
        with right.popover("Delete", width="stretch"):
            st.markdown(f"Delete **{md(view.name)}** for everyone?")
            st.button("Delete", key="w_view_delete", on_click=_delete, args=(store_path, view), type="primary")
        if link := view_link(view, page, pages):
            st.code(link, language=None, wrap_lines=True)
            st.caption("This view's link: it opens the view as saved, its preset dates counted from the newest data.")
