"""Queries are bounded (characters, words and phrases, depth), each OR is one scan of the texts, and the model that
leaves its texts in the store finds what the earlier model, with every text in memory, found."""

from __future__ import annotations

import numpy as np
import pytest

from lib.queries.search_files import SearchFiles
from lib.queries.text_search import StoreTexts
from lib.text.boolean_query import (
    MAX_CHARS,
    MAX_DEPTH,
    MAX_TERMS,
    QueryError,
    evaluate,
    grouped,
    parse,
    scan,
    to_text,
)
from lib.text.topics import Topic, TopicSet

HUGE = [
    ("1,400 ORed words", " OR ".join(f"w{i}" for i in range(1400)), "characters"),
    ("150 ORed words", " OR ".join(f"w{i}" for i in range(150)), "150 words and phrases; at most 100"),
    ("1,000 parentheses deep", "(" * 1000 + "delay" + ")" * 1000, "characters"),
    ("300 parentheses deep", "(" * 300 + "delay" + ")" * 300, "deep"),
    ("300 NOTs", "NOT " * 300 + "delay", "deep"),
    ("300 minus signs", "-(" * 300 + "delay" + ")" * 300, "deep"),
    ("5,000 characters", "delay " + "x" * 5000, "characters"),
]


@pytest.mark.parametrize("name,query,says", HUGE, ids=[h[0] for h in HUGE])
def test_a_query_beyond_the_bounds_is_refused_with_a_message(name, query, says):
    with pytest.raises(QueryError, match=says) as caught:
        parse(query)
    assert "Query error at" in str(caught.value)


def test_queries_at_the_bounds_are_read():
    parse(" OR ".join(f"w{i}" for i in range(MAX_TERMS)))
    parse("(" * MAX_DEPTH + "delay" + ")" * MAX_DEPTH)
    parse("delay " + "x" * (MAX_CHARS - 7))


QUERIES = [
    "delay OR late OR cancel*",
    '"lost luggage" OR baggage* OR bag -compensation',
    "(delay OR late) AND NOT (refund OR sorry OR 🙏)",
    "#delayed | @northwindhelp | crew",
    "NOT (flight OR plane OR seat) OR good",
    "delay",
]


@pytest.mark.parametrize("query", QUERIES)
def test_grouping_an_or_gives_the_same_mentions(demo_texts, query):
    texts = demo_texts
    alone = evaluate(parse(query), lambda leaf: scan(texts, leaf))
    together = evaluate(grouped(parse(query)), lambda leaf: scan(texts, leaf))
    assert 0 < int(together.sum()) < len(together) or query.startswith("NOT")
    np.testing.assert_array_equal(alone, together)


def test_an_or_of_a_hundred_wildcards_or_words_scans_no_text(demo_model, monkeypatch):
    scans = []
    real = StoreTexts.scan
    monkeypatch.setattr(StoreTexts, "scan", lambda self, leaf: scans.append(leaf) or real(self, leaf))
    demo_model.finder.clear()
    words = ["delay", "late", "baggage", *(f"unused{i}" for i in range(MAX_TERMS - 3))]
    mask = demo_model.search(" OR ".join(f"{w}*" for w in words))
    assert scans == []  # wildcards come from the term index too, all of one OR by one expression
    assert mask.sum() == demo_model.search("delay* OR late* OR baggage*").sum()
    scans.clear()
    assert demo_model.search(" OR ".join(words)).sum() == demo_model.search("delay OR late OR baggage").sum() > 0
    assert scans == []  # words come from the term index


def test_a_parent_whose_children_go_beyond_the_bounds_is_a_problem():
    children = tuple(Topic(f"c{i}", " OR ".join(f"w{i}x{j}" for j in range(30)), "p") for i in range(4))
    problems = TopicSet((Topic("p", "", ""), *children)).problems()
    assert any("p with its children" in p and "at most 100" in p for p in problems)


def test_a_minus_negates_a_group():
    assert to_text(parse("delay -(late OR sorry)")) == "delay AND NOT (late OR sorry)"


ANDS = [
    "delay AND late AND NOT sorry",
    "delay late " + " ".join(f"w{i}x" for i in range(60)),
    "(delay OR late) (flight OR plane) -sorry -refund -(crew seat)",
    "NOT delay NOT late NOT baggage",
]


@pytest.mark.parametrize("query", ANDS)
def test_an_and_narrows_its_scans_and_gives_the_same_mentions(demo_model, demo_texts, query):
    demo_model.finder.clear()
    np.testing.assert_array_equal(demo_model.search(query), evaluate(parse(query), lambda leaf: scan(demo_texts, leaf)))


def test_a_long_and_is_about_one_scan(demo_model, monkeypatch):
    scans, read = [], []
    real_scan, real_texts = StoreTexts.scan, SearchFiles.texts
    monkeypatch.setattr(StoreTexts, "scan", lambda self, leaf: scans.append(leaf) or real_scan(self, leaf))
    monkeypatch.setattr(SearchFiles, "texts", lambda self, rows: read.append(len(rows)) or real_texts(self, rows))
    demo_model.finder.clear()
    demo_model.search('"cabin crew" ' + " ".join(f'"w{i}x y"' for i in range(MAX_TERMS - 1)))
    # No scan of the store: the candidates of "cabin crew" (mentions with both words), then the texts of the few left
    assert scans == [] and 0 < sum(read) < demo_model.n
