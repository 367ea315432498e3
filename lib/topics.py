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
import pandas as pd

from lib.errors import ExplorerError
from lib.query import And, Node, Or, QueryError, evaluate, parse, to_text
from lib.settings import settings_path, write_atomically


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
        return found

    def check(self) -> TopicSet:
        if problems := self.problems():
            raise TopicError(" ".join(problems))
        return self


def topics_path(store_path: Path) -> Path:
    return settings_path(store_path, "topics")


def load_topics(store_path: Path) -> TopicSet:
    path = topics_path(store_path)
    if not path.exists():
        return TopicSet()
    return TopicSet.from_json(path.read_text())


def save_topics(store_path: Path, topics: TopicSet) -> None:
    write_atomically(topics_path(store_path), {"topics": topics.check().to_list()})


# -- matching -----------------------------------------------------------------------------------
Search = Callable[[str], np.ndarray]  # a query -> a boolean per mention (MentionModel.search)


def topic_mask(topics: TopicSet, name: str, search: Search, n: int) -> np.ndarray:
    """The mentions of one topic: its query, or (for a parent) its query or any child's."""
    topic = topics.get(name)
    if topic is None:
        return np.zeros(n, dtype=bool)
    mask = search(topic.query) if topic.query else np.zeros(n, dtype=bool)
    for child in topics.children(name):
        if child.query:
            mask = mask | search(child.query)
    return mask


def topics_mask(topics: TopicSet, names: tuple[str, ...], search: Search, n: int) -> np.ndarray:
    """Mentions in any of ``names`` (a name no longer in the set matches nothing)."""
    mask = np.zeros(n, dtype=bool)
    for name in names:
        mask |= topic_mask(topics, name, search, n)
    return mask


def topic_masks(topics: TopicSet, search: Search, n: int) -> dict[str, np.ndarray]:
    """Each topic's mentions, by name."""
    return {topic.name: topic_mask(topics, topic.name, search, n) for topic in topics.topics}


def topic_table(topics: TopicSet, search: Search, mask: np.ndarray) -> pd.DataFrame:
    """Per topic: parent, mentions among the selected, and their share."""
    return counts_table(topics, topic_masks(topics, search, len(mask)), mask)


def counts_table(topics: TopicSet, masks: dict[str, np.ndarray], mask: np.ndarray) -> pd.DataFrame:
    """``topic_table`` from topic masks already at hand."""
    selected = int(mask.sum())
    rows = []
    for topic in topics.topics:
        hits = int(np.count_nonzero(masks[topic.name] & mask))
        rows.append(
            {
                "topic": topic.name,
                "parent": topic.parent,
                "query": topic.query,
                "mentions": hits,
                "share": hits / selected if selected else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=["topic", "parent", "query", "mentions", "share"])


def clauses(query: str, match: Callable, mask: np.ndarray) -> pd.DataFrame:
    """The per-clause debugger: for the top level of ``query``, what each clause matches alone and what it
    changes. In an OR, ``effect`` is the mentions only this clause brings in; in an AND, the mentions this
    clause removes (they pass every other clause). Counted among the selected mentions (``mask``).

    ``match`` gives the mentions of a term or phrase (as for ``lib.query.evaluate``).
    """
    node: Node = parse(query)
    parts = node.children if isinstance(node, And | Or) else (node,)
    results = [evaluate(part, match) & mask for part in parts]
    total = evaluate(node, match) & mask
    rows = []
    for index, (part, hits) in enumerate(zip(parts, results, strict=True)):
        others = [r for i, r in enumerate(results) if i != index]
        if isinstance(node, Or):
            rest = np.logical_or.reduce(others) if others else np.zeros_like(mask)
            effect, meaning = int(np.count_nonzero(hits & ~rest)), "adds"
        elif isinstance(node, And):
            rest = np.logical_and.reduce(others) if others else mask
            effect, meaning = int(np.count_nonzero(rest & ~hits & mask)), "removes"
        else:
            effect, meaning = int(np.count_nonzero(hits)), "matches"
        rows.append(
            {
                "clause": to_text(part),
                "alone": int(np.count_nonzero(hits)),
                "effect": meaning,
                "mentions": effect,
            }
        )
    frame = pd.DataFrame(rows)
    frame.attrs["total"] = int(np.count_nonzero(total))
    return frame
