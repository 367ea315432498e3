"""The Dashboard's heavier sections (countries, cross-tab, authors, entities) are asked and drawn only while
open; which are open is in the URL, so a link shows the same sections."""

from __future__ import annotations

import pytest

from tests.test_pages import param, run

DASHBOARD = "pages/1_Dashboard.py"
SECTIONS = {
    "countries": "Countries",
    "crosstab": "Cross-tab",
    "authors": "Authors",
    "entities": "What the text talks about and links to",
}


def drawn(at) -> dict[str, bool]:
    """Per section: whether anything of it was drawn (a chart's caption or a selector inside its expander)."""
    expanders = {e.label: e for e in at.expander}
    return {name: len(list(expanders[title].children.values())) > 0 for name, title in SECTIONS.items()}


def test_closed_sections_draw_nothing_and_ask_nothing():
    at = run(DASHBOARD)
    assert not at.exception, at.exception
    assert drawn(at) == dict.fromkeys(SECTIONS, False)
    assert not [m for m in at.metric if m.label == "Authors"]  # its question was not asked
    assert not [s for s in at.selectbox if s.label == "Rows"]
    assert param(at, "open") == []


@pytest.mark.parametrize("name", list(SECTIONS))
def test_a_link_opens_its_section(name):
    at = run(DASHBOARD, {"open": [name]})
    assert not at.exception, at.exception
    assert drawn(at) == {n: n == name for n in SECTIONS}
    assert param(at, "open") == [name]


def test_the_authors_section_shows_its_figures_when_open():
    at = run(DASHBOARD, {"open": ["authors", "countries"]})
    assert [m.value for m in at.metric if m.label == "Authors"] and not at.exception
    assert sorted(param(at, "open")) == ["authors", "countries"]


def test_a_cross_tab_setting_in_a_link_opens_the_cross_tab():
    # Links made before the sections could close carry the cross-tab's settings: they still show it.
    at = run(DASHBOARD, {"xrows": "messageLanguage"})
    assert drawn(at)["crosstab"] and not drawn(at)["authors"]
    assert next(s for s in at.selectbox if s.label == "Rows").value == "messageLanguage"
    assert param(at, "open") == ["crosstab"]


@pytest.mark.parametrize("hostile", ["", "x" * 5000, "../../etc/passwd", "<script>alert(1)</script>", "a\x00b"])
def test_unknown_names_in_the_link_open_nothing(hostile):
    at = run(DASHBOARD, {"open": [hostile, "authors"]})
    assert not at.exception, at.exception
    assert drawn(at) == {n: n == "authors" for n in SECTIONS}
    assert param(at, "open") == ["authors"]  # the link is cleaned of what it could not use
