"""Keyword in context: every match with its context, text kept as text."""

from lib.text.kwic import kwic


def test_keyword_in_context_finds_every_match_with_its_context():
    lines = kwic(
        [(0, "It was delayed, delayed\nagain"), (1, "#delayed <b>cabin  crew</b>")], 'delay* OR "cabin crew"', 8
    )
    assert lines[["row", "before", "match", "after"]].values.tolist() == [
        [0, "It was ", "delayed", ", delaye…"],
        [0, "…elayed, ", "delayed", " again"],
        [1, "…ayed <b>", "cabin crew", "</b>"],  # text stays text; whitespace folded; #delayed is a hashtag
    ]
