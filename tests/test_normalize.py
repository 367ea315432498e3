import json

import pandas as pd
import pytest

from lib.mentions.normalize import (
    COLUMNS,
    PRESENT,
    fold_sentiment,
    html_to_text,
    normalize,
    parse_timestamps,
    split_tags,
)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("plain text", "plain text"),
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ("line one<br>line two<br/>three<BR />four", "line one line two three four"),
        ("Fish &amp; chips &lt;3 &quot;yum&quot; &#128512;", 'Fish & chips <3 "yum" 😀'),
        ("emoji stay 😡🤬 ✈️", "emoji stay 😡🤬 ✈️"),
        ('see <a href="https://x.example/a?b=1&amp;c=2">the link</a>!', "see the link!"),
        ("<script>alert(1)</script>safe<style>p{}</style>", "safe"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("a < b and c > d", "a < b and c > d"),
        ("<!-- hidden -->shown", "shown"),
        ("  lots\n\tof   space  ", "lots of space"),
        ("", ""),
    ],
)
def test_html_to_text(raw, expected):
    assert html_to_text(raw) == expected


@pytest.mark.parametrize(
    "raw,delimiter,expected",
    [
        ("Baggage, Complaint", ",", ["Baggage", "Complaint"]),
        ("Baggage,,Complaint,", ",", ["Baggage", "Complaint"]),
        ("  ", ",", []),
        ("a;b; c", ";", ["a", "b", "c"]),
        ("a|b", "|", ["a", "b"]),
        ("a, b", ";", ["a, b"]),
        ('["Smart tag", "FR"]', ",", ["Smart tag", "FR"]),
        ("[not json", ",", ["[not json"]),
    ],
)
def test_split_tags(raw, delimiter, expected):
    assert split_tags(raw, delimiter) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("positive", "positive"),
        ("POSITIVE ", "positive"),
        ("neg", "negative"),
        ("Neutral", "neutral"),
        ("", "unset"),
        ("unset", "unset"),
        ("null", "unset"),
        ("2", "positive"),
        ("-1", "negative"),
        ("0", "neutral"),
        ("mixed", None),
        ("nan", None),
    ],
)
def test_fold_sentiment(raw, expected):
    assert fold_sentiment(raw) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("1668629719", "2022-11-16T20:15:19+00:00"),
        ("1668629719000", "2022-11-16T20:15:19+00:00"),
        ("1668629719.5", "2022-11-16T20:15:19.500000+00:00"),
        ("2022-11-16T21:15:19Z", "2022-11-16T21:15:19+00:00"),
        ("2022-11-16 22:15:19+01:00", "2022-11-16T21:15:19+00:00"),
        ("2022-11-16", "2022-11-16T00:00:00+00:00"),
        ("", None),
        ("   ", None),
        ("yesterday", None),
        # Beyond pandas' nanoseconds (1677-2262): blank, as an unreadable time (they raised and failed the import).
        ("0001-01-01T00:00:00Z", None),
        ("1500-01-01", None),
        ("-0001-01-01", None),
        ("9999-12-31", None),
        ("Wed Oct 10 20:19:24 +0000 1500", None),
        ("Mon, 01 Jan 1500 00:00:00 +0000", None),
        ("Wed Oct 10 20:19:24 +0000 2018", "2018-10-10T20:19:24+00:00"),
    ],
)
def test_parse_timestamps(raw, expected):
    got = parse_timestamps(pd.Series([raw]))[0]
    assert (None if pd.isna(got) else got.isoformat()) == expected
    mixed = parse_timestamps(pd.Series(["2026-01-01", raw, "1700000000"]))  # one bad row leaves the others
    assert mixed[0].isoformat() == "2026-01-01T00:00:00+00:00" and mixed[2].year == 2023


def _raw(**columns):
    n = max(len(v) for v in columns.values())
    return pd.DataFrame({k: v if len(v) == n else v * n for k, v in columns.items()})


def test_normalize_keeps_na_as_a_value_and_unknown_columns():
    raw = _raw(
        uniqueId=["1_1", "1_2"],
        **{"location.continent": ["NA", "na"], "location.country_code": ["NA", "us"], "Custom Field": ["x", "NA"]},
    )
    out, report = normalize(raw)
    assert out["locationContinent"].tolist() == ["NA", "NA"]
    assert out["locationCountry"].tolist() == ["NA", "US"]
    assert [json.loads(e) for e in out["extra"]] == [{"Custom Field": "x"}, {"Custom Field": "NA"}]
    assert report.unknown_columns == ["Custom Field"]
    assert list(out.columns) == [*COLUMNS, PRESENT]


def test_normalize_content_keeps_the_html():
    out, _ = normalize(_raw(unique_id=["1_1"], **{"message.content": ["<p>Hi &amp; bye</p>"]}))
    assert out.loc[0, "messageContent"] == "Hi & bye"
    assert out.loc[0, "messageContentHtml"] == "<p>Hi &amp; bye</p>"


def test_normalize_builds_unique_id_from_topic_and_id_and_rejects_keyless_rows():
    raw = _raw(uniqueId=["", "", "7_9"], topicId=["5", "", ""], id=["42", "43", ""])
    out, report = normalize(raw, first_row_number=4)
    assert out["uniqueId"].tolist() == ["5_42", "7_9"]
    assert report.rejected == [(5, "no uniqueId (nor topicId and id to build one)")]


def test_normalize_folds_values_and_reports_what_it_could_not_read():
    raw = _raw(
        uniqueId=["a", "b", "c"],
        sentiment=["Positive", "mixed", ""],
        language=["EN", "pt-BR", "fr_CA"],
        sourceService=["Twitter", "mastodon", ""],
        datePublished=["1668629719", "not a date", ""],
        tags=["A, B", "", "C,"],
    )
    out, report = normalize(raw, tag_delimiter=",")
    assert out["messageSentiment"].tolist() == ["positive", "unset", "unset"]
    assert out["messageLanguage"].tolist() == ["en", "pt", "fr"]
    assert out["sourceService"].tolist() == ["twitter", "mastodon", ""]
    assert out["tags"].tolist() == [["A", "B"], [], ["C"]]
    assert out["tagsRaw"].tolist() == ["A, B", "", "C,"]
    assert out["datePublished"].isna().tolist() == [False, True, True]
    assert any("mixed" in w for w in report.warnings)
    assert any("datePublished" in w for w in report.warnings)


def test_normalize_does_not_touch_its_input():
    raw = _raw(uniqueId=["a"], messageContent=["<b>x</b>"])
    before = raw.copy()
    normalize(raw)
    pd.testing.assert_frame_equal(raw, before)


def test_html_to_text_and_entities_give_what_the_earlier_patterns_gave():
    """The faster patterns (whitespace runs, hashtags and handles matched from their "#" or "@", links looked for
    only where "=" or "://" is) give the earlier ones' values on the demo, realistic and hostile texts."""
    import html
    import re
    from urllib.parse import urlsplit

    from lib.mentions import normalize as n
    from lib.sources.demo import DEMO_FILE, generate
    from tests.test_sentiment import HOSTILE

    space, hashtag, handle = re.compile(r"\s+"), re.compile(r"(?<![\w&#])#(\w+)"), re.compile(r"(?<![\w.@])@(\w{1,30})")

    def html_to_text(value: str) -> str:
        if "<" not in value and "&" not in value:
            return space.sub(" ", value).strip()
        text = n._TAG.sub("", n._BLOCK_BREAK.sub(" ", n._SCRIPT.sub(" ", n._COMMENT.sub(" ", value))))
        return space.sub(" ", html.unescape(text)).strip()

    def entities(text: str, source: str) -> tuple[list[str], list[str], list[str]]:
        domains: dict[str, None] = {}
        for url in [*n._HREF.findall(source), *n._URL.findall(text)]:
            try:
                host = urlsplit(html.unescape(url).strip()).hostname or ""
            except ValueError:
                continue
            if "." in host:
                domains[host.removeprefix("www.")] = None
        return (
            list(dict.fromkeys(h.lower() for h in hashtag.findall(text) if not h.isdigit())),
            list(dict.fromkeys(h.lower() for h in handle.findall(text))),
            list(domains),
        )

    demo = pd.read_csv(DEMO_FILE, usecols=["messageContent"], dtype=str, keep_default_na=False)["messageContent"]
    sources = demo.iloc[::4].tolist() + generate(300, seed=4, mix="realistic")["messageContent"].tolist() + HOSTILE
    sources += [
        "#a a#b &#35; #c ##d # #é #_ #1 ＃x",
        "@a @@b a@b.c .@d @ é@f @" + "x" * 40,
        "a\u00a0\u2003b\t\n c \r\n\x0b\x0c\x1c d  ",
        "<a HREF = \"http://www.Ex.com/a\">x</a> HTTPS://b.example/x http://[::1 href='//c.example'",
        "tab\tonly",
        " ",
    ]
    for source in sources:
        text = n.html_to_text(source)
        assert text == html_to_text(source), source
        assert n.entities(text, source) == entities(text, source), source
