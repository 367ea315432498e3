"""Saved views: the share link's state under a name, beside the store; presets stay relative; bad files kept."""

from __future__ import annotations

import json
from datetime import date

import pytest

from lib.queries.saved_views import (
    ViewsError,
    delete_view,
    load_views,
    rename_view,
    save_view,
    views_path,
)

NEWEST, OLDEST = date(2026, 9, 30), date(2025, 10, 1)


def test_a_preset_is_saved_as_the_preset_and_counted_from_the_newest_data_when_opened(tmp_path):
    store = tmp_path / "m.duckdb"
    params = {"from": ["2026-09-01"], "to": ["2026-09-30"], "sent": ["negative"], "tz": ["Europe/Berlin"]}
    view = save_view(store, "Negative, last 30 days", "Dashboard", {**params, "view": ["x"]}, NEWEST, OLDEST)
    assert view.preset == "Last 30 days" and "from" not in view.params and "view" not in view.params
    saved = json.loads(views_path(store).read_text())["views"][0]
    assert saved["preset"] == "Last 30 days" and saved["params"] == {"sent": ["negative"], "tz": ["Europe/Berlin"]}
    (again,) = load_views(store)
    # A month later the data is newer: the view shows the last 30 days of it, not the days it was saved on.
    later = again.link_params(date(2026, 10, 31), OLDEST)
    assert later == {"sent": ["negative"], "tz": ["Europe/Berlin"], "from": ["2026-10-02"], "to": ["2026-10-31"]}
    # Custom dates stay as they were saved.
    custom = save_view(store, "Spike week", "Tags", {"from": ["2026-03-02"], "to": ["2026-03-08"]}, NEWEST, OLDEST)
    assert custom.preset == "" and custom.link_params(date(2027, 1, 1), OLDEST)["from"] == ["2026-03-02"]
    assert [v.name for v in load_views(store)] == ["Negative, last 30 days", "Spike week"]


def test_rename_keeps_the_id_and_link_delete_removes_and_names_stay_unique(tmp_path):
    store = tmp_path / "m.duckdb"
    first = save_view(store, "Weekly", "Overview", {}, NEWEST, OLDEST)
    save_view(store, "Daily", "Overview", {}, NEWEST, OLDEST)
    with pytest.raises(ViewsError, match="already a view named 'weekly'"):
        save_view(store, "weekly", "Dashboard", {}, NEWEST, OLDEST)
    assert save_view(store, "Weekly", "Overview", {}, NEWEST, OLDEST).id == first.id  # the same again: kept once
    updated = save_view(store, "weekly", "Dashboard", {"lang": ["de"]}, NEWEST, OLDEST, replace_existing=True)
    assert updated.id == first.id and updated.params == {"lang": ["de"]} and len(load_views(store)) == 2
    renamed = rename_view(store, first.id, "Monday review")
    assert renamed.id == first.id and [v.name for v in load_views(store)] == ["Monday review", "Daily"]
    with pytest.raises(ViewsError, match="already a view named"):
        rename_view(store, first.id, "DAILY")
    delete_view(store, first.id)
    delete_view(store, first.id)  # twice: already gone, nothing to do
    assert [v.name for v in load_views(store)] == ["Daily"]


@pytest.mark.parametrize(
    "name,shown",
    [
        ("![x](http://evil.example/leak.png) <script>alert(1)</script>", None),
        ("../../../etc/passwd", None),
        ("a\x00b\u202ec\nd\te", "abc d e"),
        ("   ", ViewsError),
        ("x" * 101, ViewsError),
        ("x" * 1_000_000, ViewsError),
    ],
    ids=["markdown-html", "traversal", "control", "blank", "long", "huge"],
)
def test_hostile_names_are_text_never_paths(tmp_path, name, shown):
    store = tmp_path / "m.duckdb"
    if shown is ViewsError:
        with pytest.raises(ViewsError):
            save_view(store, name, "Overview", {}, NEWEST, OLDEST)
        assert not views_path(store).exists()
        return
    view = save_view(store, name, "Overview", {}, NEWEST, OLDEST)
    assert view.name == (shown or name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.duckdb.views.json", "m.duckdb.views.json.lock"]
    assert load_views(store)[0].name == view.name


@pytest.mark.parametrize(
    "content",
    ['{"views": [', '{"views": [{"id": "../x", "name": "a", "page": "Overview", "params": {}}]}', "[1, 2]", "\xff"],
    ids=["cut", "bad-id", "not-views", "not-utf8"],
)
def test_a_file_that_cannot_be_read_is_reported_and_never_overwritten(tmp_path, content):
    store = tmp_path / "m.duckdb"
    path = views_path(store)
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(ViewsError, match=r"cannot be read .* It is kept as it is"):
        load_views(store)
    with pytest.raises(ViewsError):
        save_view(store, "New", "Overview", {}, NEWEST, OLDEST)
    assert path.read_bytes() == content.encode("latin-1")


def test_views_of_a_shared_snapshot_live_inside_its_folder(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    save_view(folder, "Team", "Overview", {"svc": ["twitter"]}, NEWEST, OLDEST)
    assert (folder / "views.json").exists() and load_views(folder)[0].params == {"svc": ["twitter"]}
