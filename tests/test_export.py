"""CSV export: read back with Python's csv module, every rule checked."""

import csv
import io
import json

import pandas as pd
import pytest

from lib.export.csv_writer import csv_bytes, export_columns, frame_csv, neutralise
from lib.mentions.normalize import normalize
from lib.mentions.schema import FIELD_NAMES
from lib.queries.filters import Filters
from lib.queries.interface import Scope
from lib.store.local import Store
from tests.cli_kit import run_cli

# Leading tabs and carriage returns are trimmed at ingest, so they reach an export only from elsewhere: the
# neutralise() table covers them.
HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", '＝HYPERLINK("x")']
SEMICOLON = 'Fine flight;=HYPERLINK("http://evil","x")'  # a formula in a spreadsheet that lists with semicolons


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("+A1", "'+A1"),
        ("-A1", "'-A1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-0.4", "-0.4"),
        ("+12", "+12"),
        ("1e-3", "1e-3"),
        ("-", "'-"),
        ("hello", "hello"),
        ("", ""),
        # A spreadsheet that lists with semicolons starts a cell after each one.
        ("hello;=1+1", "hello;'=1+1"),
        ("=a;@b;-3;ok", "'=a;'@b;-3;ok"),
        ("a;;+b;", "a;;'+b;"),
        ("a; =b", "a; =b"),  # a formula starts at the cell's first character
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.fixture
def store(tmp_path):
    raw = pd.DataFrame(
        {
            "uniqueId": [f"1_{i}" for i in range(len(HOSTILE))] + ["1_safe"],
            "messageContent": [*HOSTILE, "<b>Ünïcödé ✈️</b>, with a comma"],
            "authorName": ["@evil"] * len(HOSTILE) + ["ann"],
            "tags": ["A, B"] * len(HOSTILE) + ["C"],
            "datePublished": ["2026-03-01T23:30:00Z"] * len(HOSTILE) + ["2026-03-02T10:00:00Z"],
            "locationCountry": ["NA"] * (len(HOSTILE) + 1),
        }
    )
    s = Store(tmp_path / "m.duckdb")
    s.ingest([normalize(raw)[0]], kind="import", source="t")
    return s


def read(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_reads_back_and_every_rule_holds(store):
    data, manifest = csv_bytes(store, Scope(tz="Europe/Berlin"))
    rows = read(data)
    assert manifest.rows == len(rows) == len(HOSTILE) + 1
    assert list(rows[0]) == export_columns(None, "Europe/Berlin")
    assert list(rows[0])[:3] == list(FIELD_NAMES[:3]) and "datePublished (Europe/Berlin)" in rows[0]
    newest = rows[0]
    assert newest["uniqueId"] == "1_safe" and newest["messageContent"] == "Ünïcödé ✈️, with a comma"
    assert newest["datePublished"] == "2026-03-02T10:00:00Z"
    assert newest["datePublished (Europe/Berlin)"] == "2026-03-02 11:00:00"
    assert newest["locationCountry"] == "NA" and newest["tags"] == "C"
    hostile = {r["messageContent"] for r in rows[1:]}
    assert hostile == {"'" + h for h in HOSTILE}  # "-2+3" is a formula, not a number
    assert all(r["authorName"] == "'@evil" for r in rows[1:]) and rows[1]["tags"] == "A,B"
    assert not data.startswith(b"\xef\xbb\xbf")


def test_a_formula_after_a_semicolon_is_neutralised_in_the_whole_export(tmp_path):
    """A spreadsheet whose locale lists with semicolons would open "…;=HYPERLINK(…)" as a text and a formula:
    the part after the semicolon gets its apostrophe, through the column-wide scan of the export."""
    raw = pd.DataFrame(
        {
            "uniqueId": ["s1", "s2"],
            "messageContent": [SEMICOLON, "Prices 3;-2;4, fine"],
            "datePublished": ["2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z"],
        }
    )
    s = Store(tmp_path / "s.duckdb")
    s.ingest([normalize(raw)[0]], kind="import", source="t")
    rows = {r["uniqueId"]: r for r in read(csv_bytes(s, Scope())[0])}
    assert rows["s1"]["messageContent"] == 'Fine flight;\'=HYPERLINK("http://evil","x")'
    assert rows["s2"]["messageContent"] == "Prices 3;-2;4, fine"  # numbers after a semicolon are numbers


def test_bom_columns_filters_and_manifest(store):
    store.retag(";")
    filters = Filters(authors=("ann",))
    data, manifest = csv_bytes(
        store,
        Scope(filters),
        bom=True,
        columns=["messageContent", "tags", "uniqueId"],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    rows = read(data)
    assert list(rows[0]) == ["uniqueId", "messageContent", "tags", "tags (raw)"] and len(rows) == 1
    assert manifest.filters == {"authors": ("ann",)} and manifest.tag_delimiter == ";"
    assert json.loads(manifest.to_json())["rows"] == 1
    with pytest.raises(ValueError, match="Unknown columns"):
        export_columns(["nope"], "UTC")


def test_row_cap_is_said(store):
    data, manifest = csv_bytes(store, Scope(), row_cap=2)
    assert len(read(data)) == 2 and manifest.rows_matching == len(HOSTILE) + 1 and manifest.notes


def cli_export(store, out, *options: str) -> None:
    """``python -m lib export`` as a user would run it (in this process: tests/cli_kit.py); it must succeed."""
    proc = run_cli("export", "--store", str(store.path), "--out", str(out), *options)
    assert proc.returncode == 0, proc.stderr


def test_cli_export_of_a_copied_link(store, tmp_path):
    out = tmp_path / "x.csv"
    link = "http://localhost:8501/Mentions?author=ann&tz=America%2FNew_York"
    cli_export(store, out, "--link", link, "--bom")
    rows = read(out.read_bytes())
    assert [r["uniqueId"] for r in rows] == ["1_safe"]
    assert rows[0]["datePublished (America/New_York)"] == "2026-03-02 05:00:00"
    manifest = json.loads(out.with_name("x.csv.manifest.json").read_text())
    assert manifest["timezone"] == "America/New_York" and manifest["filters"] == {"authors": ["ann"]}


def test_one_zero_or_one_column_per_text_topic_and_the_chosen_tag_delimiter(store):
    from lib.text.topics import Topic, TopicSet

    topics = TopicSet(
        (Topic("Comma", "comma"), Topic("Links", "hyperlink"), Topic("Both", "", ""), Topic("C", "comma", "Both"))
    )
    data, manifest = csv_bytes(store, Scope(), topics=topics, tag_delimiter=" | ")
    rows = read(data)
    assert list(rows[0])[-4:] == ["topic: Comma", "topic: Links", "topic: Both", "topic: C"]
    for row in rows:
        has_comma = "comma" in row["messageContent"]
        assert row["topic: Comma"] == row["topic: C"] == row["topic: Both"] == ("1" if has_comma else "0")
        assert row["topic: Links"] == ("1" if "HYPERLINK(" in row["messageContent"] else "0")
    assert sum(r["topic: Comma"] == "1" for r in rows) == 1
    assert next(r for r in rows if r["uniqueId"] != "1_safe")["tags"] == "A | B"
    assert manifest.topics == {"Comma": "comma", "Links": "hyperlink", "Both": "any topic under it", "C": "comma"}
    assert manifest.columns == list(rows[0])  # every column of the file, the topic columns included


def test_cli_export_filters_by_a_saved_text_topic_and_adds_its_column(store, tmp_path):
    from lib.text.topics import Topic, TopicSet, save_topics

    save_topics(store.path, TopicSet((Topic("Comma", "comma"),)))
    out = tmp_path / "t.csv"
    cli_export(store, out, "--filter", "topic=Comma")
    rows = read(out.read_bytes())
    assert [(r["uniqueId"], r["topic: Comma"]) for r in rows] == [("1_safe", "1")]
    manifest = json.loads(out.with_name("t.csv.manifest.json").read_text())
    assert manifest["filters"] == {"text_topics": ["Comma"]} and manifest["topics"] == {"Comma": "comma"}


def hostile_tags_store(tmp_path) -> Store:
    raw = pd.DataFrame(
        {
            "uniqueId": ["t_1", "t_2"],
            "messageContent": ["=1+1", "fine"],
            "tags": ["=cmd|' /C calc'!A0, Praise, praise", "@SUM(A1), Delay"],
            "datePublished": ["2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z"],
        }
    )
    s = Store(tmp_path / "tags.duckdb")
    s.ingest([normalize(raw)[0]], kind="import", source="t")
    return s


def test_tags_are_neutralised_and_recoded_with_the_raw_string_beside_them(tmp_path):
    from lib.queries.tags import TagRecode

    store = hostile_tags_store(tmp_path)
    recode = TagRecode(rename={"Delay": "Delays"}, exclude=("@SUM(A1)",))
    data, manifest = csv_bytes(store, Scope(), columns=["uniqueId", "tags"], recode=recode)
    rows = {r["uniqueId"]: r for r in read(data)}
    assert rows["t_1"]["tags"] == "'=cmd|' /C calc'!A0,Praise"  # "praise" folded into "Praise", once
    assert rows["t_1"]["tags (raw)"] == "'=cmd|' /C calc'!A0, Praise, praise"
    assert rows["t_2"]["tags"] == "Delays" and rows["t_2"]["tags (raw)"] == "'@SUM(A1), Delay"
    assert manifest.tag_recode == recode.to_dict() and manifest.formula_safe
    # Without a recode the tags are as stored (split), still neutralised.
    plain = {r["uniqueId"]: r for r in read(csv_bytes(store, Scope(), columns=["uniqueId", "tags"])[0])}
    assert plain["t_2"]["tags"] == "'@SUM(A1),Delay"


def test_raw_values_on_request_and_said_in_the_manifest(tmp_path):
    store = hostile_tags_store(tmp_path)
    data, manifest = csv_bytes(store, Scope(), columns=["uniqueId", "messageContent", "tags"], safe=False)
    rows = {r["uniqueId"]: r for r in read(data)}
    assert rows["t_1"]["messageContent"] == "=1+1" and rows["t_2"]["tags"] == "@SUM(A1),Delay"
    assert manifest.formula_safe is False and json.loads(manifest.to_json())["formula_safe"] is False


def test_cli_export_applies_the_saved_recode_and_raw_values_on_request(tmp_path):
    from lib.queries.tags import TagRecode, save_recode

    store = hostile_tags_store(tmp_path)
    save_recode(store.path, TagRecode(rename={"Delay": "Delays"}))
    out = tmp_path / "r.csv"
    cli_export(store, out, "--columns", "uniqueId,tags")
    rows = {r["uniqueId"]: r for r in read(out.read_bytes())}
    assert rows["t_2"]["tags"] == "'@SUM(A1),Delays" and rows["t_2"]["tags (raw)"] == "'@SUM(A1), Delay"
    manifest = json.loads(out.with_name("r.csv.manifest.json").read_text())
    assert manifest["tag_recode"]["rename"] == {"Delay": "Delays"} and manifest["formula_safe"] is True
    cli_export(store, out, "--columns", "uniqueId,tags", "--raw-values")
    rows = {r["uniqueId"]: r for r in read(out.read_bytes())}
    assert rows["t_2"]["tags"] == "@SUM(A1),Delays"
    assert json.loads(out.with_name("r.csv.manifest.json").read_text())["formula_safe"] is False


def test_every_chart_csv_is_neutralised_headers_included():
    frame = pd.DataFrame(
        {
            "value": ["=cmd|' /C calc'!A0", "@evil", "plain", None],
            "mentions": [3, 2, 1, 0],
            "share": [-0.5, 0.25, float("nan"), 1.0],
            '=HYPERLINK("x")': ["-1", "+A1", "", "ok"],
        }
    )
    rows = list(csv.reader(io.StringIO(frame_csv(frame).decode("utf-8"), newline="")))
    assert rows[0] == ["value", "mentions", "share", '\'=HYPERLINK("x")']
    assert rows[1] == ["'=cmd|' /C calc'!A0", "3", "-0.5", "-1"]
    assert rows[2] == ["'@evil", "2", "0.25", "'+A1"]
    assert rows[3] == ["plain", "1", "", ""] and rows[4] == ["", "0", "1.0", "ok"]
