"""Suggested topics: NMF topics of the demo, their generated queries round-tripped into saved text topics, a
sample above the limit, and the same suggestions from the model and from DuckDB."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from lib.queries.engine import IbisStore
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope, topic_counts
from lib.queries.suggest import suggested_topics, with_suggestion
from lib.store.local import Store
from lib.store.snapshot import publish
from lib.text.boolean_query import evaluate, grouped, parse, scan
from lib.text.topics import TopicSet, load_topics, save_topics


@pytest.fixture(scope="module")
def found(demo_model):
    return suggested_topics(ModelQueries(demo_model), Scope(), k=12, sample=8000)


def test_topics_are_suggested_with_their_words_sizes_and_examples(found, demo_model):
    assert found.sampled and len(found.keys) == 8000 and found.matched == demo_model.n
    assert 8 <= len(found.suggestions) <= 12
    sizes = [len(s.members) for s in found.suggestions]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) <= len(found.keys)
    seen: set[int] = set()
    for suggestion in found.suggestions:
        assert len(suggestion.terms) == 8 and suggestion.name.split(" · ") == list(suggestion.terms[:3])
        assert not seen & set(suggestion.members)  # a mention belongs to one suggestion
        seen |= set(suggestion.members)
        assert found.estimate(suggestion) == round(len(suggestion.members) * demo_model.n / 8000)
        # The examples are members, and use one of the topic's words.
        for i in suggestion.examples:
            assert i in suggestion.members
        assert 0 < suggestion.recall <= 1 and 0 < suggestion.precision <= 1
    # Queries are useful: on the whole, they find most of their topic.
    assert np.mean([s.recall for s in found.suggestions]) > 0.6


def test_a_suggested_query_round_trips_into_a_saved_topic(found, demo_model, tmp_path):
    store_path = tmp_path / "mentions.duckdb"
    topics = TopicSet()
    names = []
    for suggestion in found.suggestions:
        topics, name = with_suggestion(topics, suggestion)
        names.append(name)
    topics, again = with_suggestion(topics, found.suggestions[0])  # the same one twice: a name of its own
    assert again == f"{names[0]} (2)"
    save_topics(store_path, topics)
    loaded = load_topics(store_path)
    assert loaded == topics
    texts = pa.array(found.texts, pa.string())
    q = ModelQueries(demo_model, topics=loaded)
    counts = topic_counts(q, Scope(), loaded).set_index("topic")
    position = {key: i for i, key in enumerate(demo_model.keys.to_pylist())}
    rows = np.asarray([position[k] for k in found.keys])
    for name, suggestion in zip(names, found.suggestions, strict=False):
        saved = loaded.get(name)
        assert saved is not None and saved.query == suggestion.query
        # The share the page shows is what the saved topic matches among the suggestion's mentions...
        in_sample = evaluate(grouped(parse(saved.query)), lambda leaf: scan(texts, leaf))
        members = np.asarray(suggestion.members)
        assert in_sample[members].mean() == pytest.approx(suggestion.recall)
        # ... and the topic, as a filter, is the query on every mention.
        matched = demo_model.search(saved.query)
        assert (matched[rows] == in_sample).all()
        assert counts.loc[name, "mentions"] == int(matched.sum())
        assert q.count(Scope(Filters(text_topics=(name,)))) == int(matched.sum())


def test_too_few_mentions_suggest_nothing(demo_model):
    q = ModelQueries(demo_model)
    few = Scope().searching('"no such words anywhere"')
    result = suggested_topics(q, few)
    assert result.suggestions == () and result.matched == 0


def test_every_backend_suggests_the_same_topics(demo_model, demo_data_dir, tmp_path):
    publish(Store(demo_data_dir / "demo.duckdb"), tmp_path)
    scope = Scope(Filters(languages=("de",)))
    ours = suggested_topics(ModelQueries(demo_model), scope, k=8)
    theirs = suggested_topics(IbisStore(tmp_path, "duckdb").queries(), scope, k=8)
    assert not ours.sampled and sorted(ours.keys) == sorted(theirs.keys)
    assert [(s.terms, s.query) for s in ours.suggestions] == [(s.terms, s.query) for s in theirs.suggestions]
