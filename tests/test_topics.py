"""Text topics: boolean queries with parents, as filters, their problems, their file, the clause debugger."""

import numpy as np
import pytest

from lib.queries.interface import ModelQueries, Scope, clauses, topic_counts
from lib.text.topics import Topic, TopicError, TopicSet, load_topics, save_topics, topic_mask

TOPICS = TopicSet(
    (
        Topic("Delays", "delay* OR verspätung"),
        Topic("Crew", 'crew AND NOT "cabin crew"'),
        Topic("Service", "", ""),
        Topic("Food", "food OR essen", "Service"),
        Topic("Rude", "rude OR unfreundlich", "Service"),
    )
)


def test_topics_match_their_queries_and_a_parent_its_children(corpus_model):
    search, n = corpus_model.search, corpus_model.n

    def ids(name):
        return sorted(np.asarray(corpus_model.keys)[topic_mask(TOPICS, name, search, n)].tolist())

    assert ids("Delays") == ["1", "2", "5", "8"]
    assert ids("Crew") == ["4", "5", "6"]
    assert ids("Service") == ["1", "4", "5", "6", "8"]  # food/essen or rude/unfreundlich
    table = topic_counts(ModelQueries(corpus_model), Scope(), TOPICS).set_index("topic")
    assert table.loc["Service", "mentions"] == 5 and table.loc["Food", "parent"] == "Service"


def test_a_text_topic_filters_like_any_other_filter(corpus_model):
    from lib.queries.filters import Filters

    filters = Filters.from_params(lambda key: {"topic": ["Delays", "Crew"]}.get(key, []))
    assert filters.text_topics == ("Delays", "Crew") and filters.to_params()["topic"] == ["Delays", "Crew"]
    assert sorted(np.asarray(corpus_model.keys)[corpus_model.mask(filters, topics=TOPICS)]) == [
        "1",
        "2",
        "4",
        "5",
        "6",
        "8",
    ]


def test_topic_problems_name_the_topic_and_the_position():
    bad = TopicSet(
        (
            Topic("A", "delay AND (crew"),
            Topic("A", "food"),
            Topic("B", "x", "Nope"),
            Topic("C", "y", "D"),
            Topic("D", "z", "A"),
            Topic("", "wifi"),
            Topic("E", ""),
        )
    )
    problems = bad.problems()
    assert "A: Query error at 11: '(' is not closed" in problems
    assert "Two topics are named 'A': give each its own name." in problems
    assert "B: its parent 'Nope' is not a topic of this set." in problems
    assert "C: its parent 'D' has a parent itself; topics have one level." in problems
    assert "A topic with the query 'wifi' needs a name." in problems
    assert "E: write a query, or make it the parent of other topics." in problems
    with pytest.raises(TopicError):
        bad.check()


def test_a_topic_set_round_trips_through_json_and_the_settings_file(tmp_path):
    assert TopicSet.from_json(TOPICS.to_json()) == TOPICS
    save_topics(tmp_path / "s.duckdb", TOPICS)
    assert load_topics(tmp_path / "s.duckdb") == TOPICS
    with pytest.raises(TopicError, match="not a topic file"):
        TopicSet.from_json("{nope")


def test_the_clause_debugger_says_what_each_clause_adds_or_removes(corpus_model):
    q = ModelQueries(corpus_model)
    either = clauses(q, Scope(), "delayed OR crew OR zeppelin").set_index("clause")
    assert either.attrs["total"] == 6
    assert either.loc["delayed", "alone"] == 2 and either.loc["delayed", "mentions"] == 0  # both also say crew
    assert either.loc["crew", "mentions"] == 4  # 3, 4, 5 and 6 say crew but not "delayed"
    assert either.loc["zeppelin", "alone"] == 0
    both = clauses(q, Scope(), 'crew AND NOT "cabin crew"').set_index("clause")
    assert both.loc["crew", "effect"] == "removes" and both.loc["crew", "mentions"] == 2  # 7 and 8
    assert both.loc['NOT "cabin crew"', "mentions"] == 3  # 1, 2 and 3 have crew but are cabin crew
    assert both.attrs["total"] == 3
