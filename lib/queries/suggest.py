"""Suggested topics through the query interface: a sample of the scope's texts, factorised (lib/text/suggest.py).

Only ``texts`` (a repeatable random sample on every backend), ``count`` and ``counts`` are asked, so the
model, DuckDB and Spark all answer. Stopwords are those of the languages of the scope's mentions, with the
team's own changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.queries.interface import Queries, Scope
from lib.text.stopwords import language_stopwords
from lib.text.suggest import SAMPLE, Progress, Suggestion, no_progress, suggest
from lib.text.terms import Stoplist
from lib.text.topics import Topic, TopicSet

SEED = 20


@dataclass(frozen=True)
class Suggested:
    suggestions: tuple[Suggestion, ...]
    keys: tuple[str, ...]  # the sampled mentions, in the order the suggestions' ``members`` refer to
    texts: tuple[str, ...]
    matched: int  # mentions in the scope

    @property
    def sampled(self) -> bool:
        return len(self.keys) < self.matched

    def estimate(self, suggestion: Suggestion) -> int:
        """The suggestion's mentions in the whole scope, scaled up from the sample."""
        return round(len(suggestion.members) * self.matched / max(len(self.keys), 1))


def stopwords_of(q: Queries, scope: Scope, stoplist: Stoplist) -> frozenset[str]:
    languages = q.counts(scope, "messageLanguage")["value"].tolist()
    words = frozenset().union(*(language_stopwords(str(lang)) for lang in languages)) if languages else frozenset()
    return (words | stoplist.add) - stoplist.keep


def suggested_topics(
    q: Queries,
    scope: Scope,
    k: int = 12,
    stoplist: Stoplist | None = None,
    sample: int = SAMPLE,
    progress: Progress = no_progress,
) -> Suggested:
    """Up to ``k`` suggested topics of the mentions of ``scope`` (a random sample of ``sample`` of them when
    there are more)."""
    matched = q.count(scope)
    rows = q.texts(scope, sample, seed=SEED) if matched else []
    keys, texts = tuple(k_ for k_, _ in rows), tuple(t or "" for _, t in rows)
    found = suggest(list(texts), k, stopwords_of(q, scope, stoplist or Stoplist()), progress=progress)
    return Suggested(tuple(found), keys, texts, matched)


def with_suggestion(topics: TopicSet, suggestion: Suggestion) -> tuple[TopicSet, str]:
    """``topics`` with the suggestion added as a text topic (named after its top words; a number is added to a
    name already taken), and the name it got."""
    name, number = f"Suggested: {suggestion.name}", 2
    while topics.get(name) is not None:
        name, number = f"Suggested: {suggestion.name} ({number})", number + 1
    return TopicSet((*topics.topics, Topic(name, suggestion.query))), name
