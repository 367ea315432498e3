"""Every URL key the app reads, given hostile values: no page fails; a value that cannot be used is left out
with a note at the top of the page, and the rest of the link applies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import fresh_app
from ui.state import FILTER_URL_KEYS

ROOT = Path(__file__).resolve().parent.parent
COMMON_KEYS = [*FILTER_URL_KEYS, "tz", "src"]
PAGE_KEYS = {
    "app.py": ["freq", "split"],
    "pages/1_Dashboard.py": ["freq", "split", "xrows", "xcols", "xshow", "open"],
    "pages/2_Tags.py": ["ttag"],
    "pages/3_Text.py": ["section", "kind", "top", "stem", "tterm", "rank", "min", "ptop", "kw", "cmp"],
    "pages/4_Mentions.py": ["mention"],
    "pages/5_Data.py": [],
    "pages/6_Setup.py": [],
}
HOSTILE = {
    "empty": "",
    "5,000 characters": "x" * 5000,
    "NUL": "a\x00b",
    "a path": "../../../etc/passwd",
    "markdown image": "![x](http://leak.example/a.png)",
    "a huge number": "1e309",
    "the year 9999": "9999-12-31",
    "the year 1": "0001-01-01",
    "February 30": "2026-02-30",
    "1,000 parentheses": "(" * 1000 + "x" + ")" * 1000,
    "emoji": "😀" * 50,
}
TEXT_SECTIONS = ["terms", "phrases", "topics", "context", "sentiment", "distinctive"]


@pytest.fixture(autouse=True)
def fresh(app_env):
    fresh_app()


def run(script: str, params: dict[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    if script != "app.py":
        at.switch_page(script)
    return at.run()


def matched(at: AppTest) -> int:
    text = next(m.value for m in at.sidebar.markdown if "mentions match" in m.value)
    return int(re.search(r"\*\*([\d,]+)\*\*", text).group(1).replace(",", ""))


def plain(markdown: str) -> str:
    """What Markdown shows of escaped text (ui/escape.md)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def notes(at: AppTest) -> str:
    return " ".join(plain(w.value) for w in at.warning if "Left out of this link" in w.value)


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("script", list(PAGE_KEYS))
def test_every_key_of_every_page_with_a_hostile_value(script, value):
    at = run(script, {key: value for key in COMMON_KEYS + PAGE_KEYS[script]})
    assert not at.exception, at.exception
    assert 0 <= matched(at) <= 20_000


@pytest.mark.parametrize("section", TEXT_SECTIONS)
def test_each_text_section_with_hostile_values(section):
    hostile = {key: HOSTILE["markdown image"] for key in PAGE_KEYS["pages/3_Text.py"]}
    at = run("pages/3_Text.py", {**hostile, "section": section, "cmp": "day", "min": "100000"})
    assert not at.exception, at.exception


def test_five_hundred_values_of_a_key():
    at = run("app.py", {"ctry": [f"C{i}" for i in range(500)], "sent": "negative"})  # Streamlit reads 1,000
    assert not at.exception
    assert "more than 200 values" in notes(at)


CASES = [
    # (page, params, what the note says (None: no note), the count is that of sent=negative)
    ("app.py", {"from": "0001-01-01", "to": "9999-12-31"}, "from='0001-01-01': not between", True),
    ("app.py", {"from": "9999-12-31"}, "from='9999-12-31': not between", True),
    ("app.py", {"from": "2026-02-30", "to": "2026-13-01"}, "not a date", True),
    ("app.py", {"tz": "x" * 5000}, "tz='xxx", True),
    ("app.py", {"tz": "../../etc/passwd"}, "not a timezone", True),
    ("app.py", {"tagmode": "some"}, "tagmode='some'", True),
    ("pages/1_Dashboard.py", {"freq": "fortnight", "xrows": "nope"}, "freq='fortnight'", True),
    ("pages/3_Text.py", {"section": "![x](http://leak.example/a.png)"}, "section='![x](http", True),
    ("app.py", {"from": "2099-01-01"}, None, False),  # a valid day after the data: nothing matches
]


@pytest.mark.parametrize("script,params,says,applies", CASES)
def test_a_bad_value_is_left_out_with_a_note_and_the_rest_applies(script, params, says, applies):
    negative = matched(run("app.py", {"sent": "negative"}))
    at = run(script, {**params, "sent": "negative"})
    assert not at.exception, at.exception
    if says:
        assert says in notes(at)
    else:
        assert not notes(at)
    assert (matched(at) == negative) is applies
    assert at.sidebar.multiselect(key="w_sentiments").value == ["negative"]


def test_values_in_no_mention_of_the_data_are_named_under_their_filter():
    """sent=foo or a tag no mention has matches nothing (alone, 0 mentions, and the page said only to widen the
    dates): the sidebar says which value and why. Known values say nothing."""
    known = run("app.py", {"sent": "negative", "tag": "Baggage"})
    at = run("app.py", {"sent": ["negative", "foo"], "tag": ["Baggage", "No such [tag](http://x)"]})
    assert not at.exception and matched(at) == matched(known) > 0  # the unknown values add nothing
    said = [c.value for c in at.sidebar.caption if "in no mention of this data" in c.value]
    assert len(said) == 2
    assert "foo" in plain(said[0]) and "negative" not in said[0]
    assert "No such" in plain(said[1]) and "Baggage" not in said[1] and "](http" not in said[1]
    assert not [c for c in known.sidebar.caption if "in no mention" in c.value]


def test_a_query_nested_1000_deep_is_not_applied_and_says_why():
    at = run("pages/1_Dashboard.py", {"q": "(" * 1000 + "delay" + ")" * 1000, "sent": "negative"})
    assert not at.exception
    assert any("at most 2,000" in plain(c.value) and "not applied" in c.value for c in at.sidebar.caption)
    assert matched(at) == matched(run("app.py", {"sent": "negative"}))
