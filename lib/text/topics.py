"""Text topics: named boolean queries over the mentions' text, like Text iQ's query-based topics.

A topic set is a small JSON file beside the store (and can be downloaded and loaded): a list of
``{"name", "query", "parent"}``. A topic may have a parent (one level): the parent then matches its own
query, if it has one, or any of its children. Topics are a filter on every page (URL key ``topic``),
distinct from Social Connect's monitored topic (``mtopic``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib.errors import ExplorerError
from lib.settings import load_setting, settings_path, write_atomically
from lib.text.boolean_query import And, Node, Or, QueryError, parse, to_text


class TopicError(ExplorerError):
    """A topic set that cannot be used as it is."""


@dataclass(frozen=True)
class Topic:
    name: str
    query: str = ""
    parent: str = ""


@dataclass(frozen=True)
class TopicSet:
    topics: tuple[Topic, ...] = ()

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.topics]

    def get(self, name: str) -> Topic | None:
        return next((t for t in self.topics if t.name == name), None)

    def children(self, name: str) -> list[Topic]:
        return [t for t in self.topics if t.parent == name]

    def key(self) -> str:
        return json.dumps(self.to_list(), sort_keys=True)

    def to_list(self) -> list[dict[str, str]]:
        return [{"name": t.name, "query": t.query, "parent": t.parent} for t in self.topics]

    def to_json(self) -> str:
        return json.dumps({"topics": self.to_list()}, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> TopicSet:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise TopicError(f"This is not a topic file: {exc}. Load a JSON file saved from the Text page.") from exc
        items = data.get("topics") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise TopicError('A topic file holds {"topics": [{"name": …, "query": …, "parent": …}, …]}.')
        return cls.from_rows(items)

    @classmethod
    def from_rows(cls, rows: list[dict]) -> TopicSet:
        """From rows with ``name``, ``query`` and ``parent`` (blank rows skipped); checked by ``problems``."""
        topics = []
        for row in rows:
            if not isinstance(row, dict):
                raise TopicError("Each topic must be an object with a name and a query.")
            name, query, parent = (str(row.get(k) or "").strip() for k in ("name", "query", "parent"))
            if name or query:
                topics.append(Topic(name, query, parent))
        return cls(tuple(topics))

    def problems(self) -> list[str]:
        """What is wrong, one sentence per problem, naming the topic (and the position in its query)."""
        found: list[str] = []
        names = self.names
        for topic in self.topics:
            label = topic.name or "(unnamed)"
            if not topic.name:
                found.append(f"A topic with the query {topic.query!r} needs a name.")
            elif names.count(topic.name) > 1:
                found.append(f"Two topics are named {topic.name!r}: give each its own name.")
            if topic.parent:
                parent = self.get(topic.parent)
                if parent is None:
                    found.append(f"{label}: its parent {topic.parent!r} is not a topic of this set.")
                elif parent.parent:
                    found.append(f"{label}: its parent {topic.parent!r} has a parent itself; topics have one level.")
                elif topic.parent == topic.name:
                    found.append(f"{label}: a topic cannot be its own parent.")
            if not topic.query and not self.children(topic.name):
                found.append(f"{label}: write a query, or make it the parent of other topics.")
            elif topic.query:
                try:
                    parse(topic.query)
                except QueryError as exc:
                    found.append(f"{label}: {exc}")
                    continue
            if topic.name and self.children(topic.name) and not found:
                try:  # a parent is searched as one query with its children's: it too must stay within bounds
                    parse(topic_query(self, topic.name))
                except QueryError as exc:
                    found.append(f"{label} with its children: {exc}")
        return found

    def check(self) -> TopicSet:
        if problems := self.problems():
            raise TopicError(" ".join(problems))
        return self


def topics_path(store_path: Path) -> Path:
    return settings_path(store_path, "topics")


def load_topics(store_path: Path) -> TopicSet:
    return load_setting(store_path, "topics", TopicSet.from_json, TopicSet())


def save_topics(store_path: Path, topics: TopicSet) -> None:
    write_atomically(topics_path(store_path), {"topics": topics.check().to_list()})


# -- matching -----------------------------------------------------------------------------------
Search = Callable[[str], np.ndarray]  # a query -> a boolean per mention (MentionModel.search)


def topic_mask(topics: TopicSet, name: str, search: Search, n: int) -> np.ndarray:
    """The mentions of one topic (``topic_query``); a name no longer saved, or without a query, matches nothing."""
    query = topic_query(topics, name)
    return search(query) if query else np.zeros(n, dtype=bool)


def topics_mask(topics: TopicSet, names: tuple[str, ...], search: Search, n: int) -> np.ndarray:
    """Mentions in any of ``names`` (a name no longer in the set matches nothing)."""
    mask = np.zeros(n, dtype=bool)
    for name in names:
        mask |= topic_mask(topics, name, search, n)
    return mask


def topic_query(topics: TopicSet, name: str) -> str:
    """One query for a topic's mentions: its own query or (a parent) any child's; "" when it has none."""
    topic = topics.get(name)
    if topic is None:
        return ""
    queries = [t.query for t in (topic, *topics.children(name)) if t.query]
    return queries[0] if len(queries) == 1 else " OR ".join(f"({q})" for q in queries)


def clause_queries(query: str) -> list[tuple[str, str, str]]:
    """The per-clause debugger as queries: for the top level of ``query``, each clause (its text is also the
    query of what it matches alone), the query of what it changes ("" for nothing) and the word for that
    change. In an OR, a clause *adds* the mentions only it brings in; in an AND, it *removes* those that pass
    every other clause."""
    node: Node = parse(query)
    parts = node.children if isinstance(node, And | Or) else (node,)
    rows = []
    for index, part in enumerate(parts):
        text = to_text(part)
        others = [f"({to_text(p)})" for i, p in enumerate(parts) if i != index]
        if isinstance(node, Or):
            change, meaning = (f"({text}) AND NOT ({' OR '.join(others)})" if others else text), "adds"
        elif isinstance(node, And):
            change, meaning = (f"({' AND '.join(others)}) AND NOT ({text})" if others else ""), "removes"
        else:
            change, meaning = text, "matches"
        rows.append((text, change, meaning))
    return rows
