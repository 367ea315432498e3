"""Saved views: the state of a share link (page, filters, timezone, page settings) under a name, for the team.

Views live in one JSON file beside the store (``<store>.views.json``; on app replicas ``views.json`` in the
shared snapshot folder), written atomically under a lock, so every app process and the CLI see one list. A
view's id is short and random and never changes with a rename; its link is ``<page>?view=<id>``.

Dates that are a preset when the view is saved (Last 30 days, This month…) are kept as the preset, not as
dates: the view opened next month shows the last 30 days of the data then (a saved view's link stays valid
when the data grows). Custom dates stay as they were saved.

A file that cannot be read is reported (``ViewsError``) and never overwritten: nothing is lost.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lib.errors import ExplorerError
from lib.queries.filters import MAX_VALUE_CHARS, MAX_VALUES, PRESETS, matching_preset, preset_range
from lib.settings import SHORT_ID, locked, read_list, settings_path, write_atomically

MAX_VIEWS = 500
MAX_NAME = 100
MAX_KEYS = 60  # URL keys in one view (the app has about 40)
MAX_FILE_BYTES = 5_000_000
NOT_SAVED = ("view", "mention")  # the link that opened the view, a mention's detail: not part of a view
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


class ViewsError(ExplorerError):
    """The saved views cannot be read or changed as asked; the message says what to do."""


@dataclass(frozen=True)
class SavedView:
    id: str
    name: str
    page: str  # the page's title ("Dashboard"); the app maps it to its script
    params: dict[str, list[str]]  # the link's query, without the dates when they are a preset
    preset: str = ""  # a date preset (PRESETS), resolved against the data when the view is opened
    saved: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def link_params(self, newest: date, oldest: date) -> dict[str, list[str]]:
        """The query that shows this view now: the saved one, with a preset's dates counted from ``newest``."""
        params = {k: list(v) for k, v in self.params.items()}
        if self.preset in PRESETS:
            start, end = preset_range(self.preset, newest, oldest)
            params.pop("from", None)
            params.pop("to", None)
            if start and end:
                params["from"], params["to"] = [start.isoformat()], [end.isoformat()]
        return params

    @property
    def dates(self) -> str:
        """How the view's dates read: the preset, the saved range, or all time."""
        if self.preset:
            return self.preset
        start, end = self.params.get("from", [""])[-1], self.params.get("to", [""])[-1]
        return f"{start or '…'} – {end or '…'}" if start or end else "All time"


def views_path(store_path: Path) -> Path:
    """Where the views of a store live: beside a store file, inside a shared snapshot folder."""
    store_path = Path(store_path)
    return store_path / "views.json" if store_path.is_dir() else settings_path(store_path, "views")


def clean_name(name: str) -> str:
    """A view's name as saved: one line, no control or invisible characters, 1 to MAX_NAME characters."""
    flat = " ".join(_CONTROL.sub("", " ".join(str(name).split())).split())
    if not flat:
        raise ViewsError("Give the view a name.")
    if len(flat) > MAX_NAME:
        raise ViewsError(f"A view's name has at most {MAX_NAME} characters; this one has {len(flat):,}.")
    return flat


def view_params(params: dict[str, list[str]], newest: date, oldest: date) -> tuple[dict[str, list[str]], str]:
    """The query to save for a link's query ``params``, and its date preset ("" for custom dates or none)."""
    kept = {
        str(k)[:40]: [str(v)[:MAX_VALUE_CHARS] for v in values][:MAX_VALUES]
        for k, values in params.items()
        if k not in NOT_SAVED
    }
    if len(kept) > MAX_KEYS:
        raise ViewsError(f"A view holds at most {MAX_KEYS} settings; this link has {len(kept)}.")

    def day(key: str) -> date | None:
        try:
            return date.fromisoformat(kept[key][-1]) if kept.get(key) else None
        except ValueError:
            return None

    start, end = day("from"), day("to")
    preset = "" if start is None and end is None else matching_preset(start, end, newest, oldest) or ""
    if preset:
        kept.pop("from", None)
        kept.pop("to", None)
    return kept, preset


def _parse(items: list[object]) -> list[SavedView]:
    views = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValueError(f"view {i} is not an object")
        params = item.get("params", {})
        if not isinstance(params, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in params.values()
        ):
            raise ValueError(f"view {i}: params must map each key to a list of strings")
        view_id, page = item.get("id"), item.get("page")
        if not isinstance(view_id, str) or not SHORT_ID.match(view_id) or not isinstance(page, str) or len(page) > 40:
            raise ValueError(f"view {i}: a bad id or page")
        preset = item.get("preset") or ""
        views.append(
            SavedView(
                id=view_id,
                name=clean_name(item.get("name", "")),
                page=page,
                params={str(k): list(v) for k, v in params.items()},
                preset=preset if preset in PRESETS else "",
                saved=str(item.get("saved", ""))[:40],
            )
        )
    return views


def load_views(store_path: Path) -> list[SavedView]:
    """The saved views, in the order they were saved; [] when none was saved yet."""
    path = views_path(store_path)
    try:
        return _parse(read_list(path, "views", MAX_FILE_BYTES))
    except (ValueError, ViewsError) as exc:
        raise ViewsError(
            f"The saved views file {path} cannot be read ({str(exc)[:120]}). It is kept as it is: fix it or move it "
            "away, then save views again."
        ) from None


def _write(store_path: Path, views: list[SavedView]) -> None:
    write_atomically(views_path(store_path), {"views": [asdict(v) for v in views]})


def find(views: list[SavedView], view_id: str) -> SavedView | None:
    return next((v for v in views if v.id == view_id), None)


def _same_name(views: list[SavedView], name: str, but: str = "") -> SavedView | None:
    return next((v for v in views if v.name.casefold() == name.casefold() and v.id != but), None)


def save_view(
    store_path: Path,
    name: str,
    page: str,
    params: dict[str, list[str]],
    newest: date,
    oldest: date,
    replace_existing: bool = False,
) -> SavedView:
    """Save the view a link's query ``params`` shows on ``page`` under ``name``. A name already taken is
    refused unless ``replace_existing`` (then that view gets the new state and keeps its id and link)."""
    name = clean_name(name)
    kept, preset = view_params(params, newest, oldest)
    path = views_path(store_path)
    with locked(path):
        views = load_views(store_path)
        existing = _same_name(views, name)
        if existing and (existing.name, existing.page, existing.params, existing.preset) == (name, page, kept, preset):
            return existing  # saved already (a click that reached the app twice): nothing to change
        if existing and not replace_existing:
            raise ViewsError(f"There is already a view named {name!r}: pick another name, or update that one.")
        if not existing and len(views) >= MAX_VIEWS:
            raise ViewsError(f"There are {MAX_VIEWS} saved views already: delete some first.")
        view = SavedView(existing.id if existing else _new_id(views), name, str(page)[:40], kept, preset)
        views = [view if v.id == view.id else v for v in views] if existing else [*views, view]
        _write(store_path, views)
    return view


def _new_id(views: list[SavedView]) -> str:
    taken = {v.id for v in views}
    while (view_id := secrets.token_hex(4)) in taken:
        pass
    return view_id


def rename_view(store_path: Path, view_id: str, name: str) -> SavedView:
    name = clean_name(name)
    with locked(views_path(store_path)):
        views = load_views(store_path)
        view = find(views, view_id)
        if view is None:
            raise ViewsError("That view is no longer saved (someone deleted it).")
        if _same_name(views, name, but=view_id):
            raise ViewsError(f"There is already a view named {name!r}: pick another name.")
        renamed = SavedView(view.id, name, view.page, view.params, view.preset, view.saved)
        _write(store_path, [renamed if v.id == view_id else v for v in views])
    return renamed


def delete_view(store_path: Path, view_id: str) -> None:
    with locked(views_path(store_path)):
        views = load_views(store_path)
        if find(views, view_id) is None:
            return  # already gone: what was asked is done
        _write(store_path, [v for v in views if v.id != view_id])
