"""Hostile values (tests/hostile.py) in the store and the URL reach Markdown only as text, on every page.

Here under AppTest: every string a page hands to Markdown (bodies, captions, alerts, headings, widget labels
and help, expander and tab labels, progress text) holds no payload as Markdown would read it. The browser
side (no request leaves the app) is tests/test_browser_hostile.py."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import fresh_app
from tests.hostile import LEAK_HOST, PAYLOADS, build, hostile_urls
from ui.escape import BIDI_CONTROLS

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = {"": "app.py", "Dashboard": "pages/1_Dashboard.py", "Tags": "pages/2_Tags.py", "Text": "pages/3_Text.py"}
SCRIPTS |= {"Mentions": "pages/4_Mentions.py", "Data": "pages/5_Data.py", "Setup": "pages/6_Setup.py"}
MARKDOWN_KINDS = {"Markdown", "Caption", "Latex", "Error", "Warning", "Info", "Success", "Title", "Header", "Subheader"}


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    build(path)
    return path


def open_store(store: Path, demo_data_dir: Path, monkeypatch) -> None:
    """The app, fresh, on ``store`` (the demo data beside it)."""
    fresh_app()
    monkeypatch.setenv("SCE_DATA_DIR", str(demo_data_dir))
    monkeypatch.setenv("SCE_STORE", str(store))


@pytest.fixture
def env(hostile_store, demo_data_dir, monkeypatch):
    open_store(hostile_store, demo_data_dir, monkeypatch)


def markdown_strings(at: AppTest):
    """(element kind, text) of every string the page gives to Streamlit's Markdown."""
    for node in iter(at._tree):
        kind, proto = type(node).__name__, getattr(node, "proto", None)
        if kind in MARKDOWN_KINDS:
            yield kind, node.proto.body
        for name in ("label", "help", "placeholder_text"):
            value = getattr(node, name, None) if kind in ("Expander", "Tab") else getattr(proto, name, None)
            if isinstance(value, str):
                yield f"{kind}.{name}", value
        if kind == "Progress":
            yield kind, proto.text
        if kind == "Radio":
            yield from ((f"{kind}.option", option) for option in proto.options)


def assert_only_text(at: AppTest) -> None:
    """Every string the page gives to Markdown (more than ten) holds no payload as Markdown would read it."""
    shown = list(markdown_strings(at))
    assert len(shown) > 10
    for kind, text in shown:
        # Escaped, a payload reads leak\.example: only an unescaped one says leak.example. A code span shows
        # what it holds as it is: nothing in one counts.
        outside_code = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text, flags=re.DOTALL)
        assert LEAK_HOST not in outside_code.lower(), (kind, text)
        assert not any(payload.lower() in outside_code.lower() for payload in PAYLOADS), (kind, text)


def run(path: str) -> AppTest:
    parts = urlsplit(path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in parse_qsl(parts.query):
        at.query_params[key] = value
    if (script := SCRIPTS[parts.path.strip("/")]) != "app.py":
        at.switch_page(script)
    return at.run()


@pytest.mark.parametrize("path", hostile_urls())
def test_hostile_values_reach_markdown_only_as_text(env, path):
    at = run(path)
    assert not at.exception, at.exception
    assert_only_text(at)


def test_the_escaping_helper():
    from ui.escape import WORD_JOINER, code, md

    assert (
        md("![x](http://a.b/c.png)\n\n# h") == "\\!\\[x\\]\\(http\\:\\/\\/" + WORD_JOINER + "a\\.b\\/c\\.png\\) \\# h"
    )
    assert WORD_JOINER in md("www.leak.example") and WORD_JOINER in md("someone@leak.example")  # no bare links
    assert md("Delays 2026") == "Delays 2026"
    assert code("a ``b`` c") == "``` a ``b`` c ```" and code("x\ny") == "` x y `"
    # An unclosed right-to-left override would reverse the sentence after the value; Hebrew stays Hebrew.
    assert md("\u202eevil\u2066x") == "evilx" and code("\u202dy\u2069") == "` y `" and md("שלום") == "שלום"


def test_a_direction_control_reaches_no_page_text(tmp_path, demo_data_dir, monkeypatch):
    """A store whose file name holds an unclosed right-to-left override (as a mention's field or a server's
    message could): the sidebar names it without the override, which would turn the rest of the sentence
    around, and says the rest as it is."""
    import shutil

    store = tmp_path / "\u202eevil\u2066.duckdb"
    for source in demo_data_dir.glob("demo.duckdb*"):
        if source.is_file():  # not the search side files' folder: they are written again for the copy
            shutil.copy(source, tmp_path / source.name.replace("demo.duckdb", store.name))
    open_store(store, demo_data_dir, monkeypatch)
    at = run("/Dashboard")
    assert not at.exception, at.exception
    shown = [text for _, text in markdown_strings(at)]
    assert any("evil\\.duckdb" in text and "mentions · store version" in text for text in shown), shown
    assert not [text for text in shown if BIDI_CONTROLS.search(text)]
