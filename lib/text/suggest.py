"""Suggested topics, as Text iQ recommends them: non-negative matrix factorisation of the mentions' words.

The texts (a sample of at most ``SAMPLE`` mentions: enough for topics that cover 1% of them to have a couple of
hundred members) are read as sets of words and hashtags without stopwords; words in fewer than ``min_df``
texts or in more than half of them are left out (a brand name in every mention is no topic). The
binary document-term matrix, weighted by tf-idf and normalised per text, is factorised by scikit-learn's NMF
into ``k`` topics: each topic is a weighted set of words, each text a weighted mix of topics, and a text
belongs to the topic it weighs most.

Each topic gets a query in the app's boolean language: up to ``QUERY_TERMS`` of its top words joined by OR,
picked one at a time for the best balance (F1) of how many of its texts they match and how few others. The
query is then run with the app's own search over the sample texts, and two shares say how faithful it is:
``recall`` (of the topic's texts, the share the query matches) and ``precision`` (of the texts it matches, the
share that are the topic's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lib.text.boolean_query import as_query, evaluate, grouped, parse, scan
from lib.text.enrich import kind, tokens

SAMPLE = 20_000
TOP_TERMS = 8
QUERY_TERMS = 4
EXAMPLES = 3
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Suggestion:
    name: str
    terms: tuple[str, ...]  # the topic's top words, strongest first
    members: tuple[int, ...]  # positions in the texts, strongest first
    query: str
    recall: float  # of its texts, the share the query matches
    precision: float  # of the texts the query matches, the share that are its own

    @property
    def examples(self) -> tuple[int, ...]:
        return self.members[:EXAMPLES]


def words_of(text: str, stopwords: frozenset[str]) -> list[str]:
    """The distinct words and hashtags of a text that can make a topic (no stopword, no single letter)."""
    found = []
    for token in tokens(text):
        if len(token) > 1 and token not in stopwords and kind(token) in ("word", "hashtag"):
            found.append(token)
    return list(dict.fromkeys(found))


def no_progress(_fraction: float, _message: str) -> None:
    return None


def suggest(
    texts: list[str],
    k: int = 12,
    stopwords: frozenset[str] = frozenset(),
    seed: int = 0,
    progress: Progress = no_progress,
) -> list[Suggestion]:
    """Up to ``k`` topics of ``texts``, largest first (topics no text belongs to are left out)."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    progress(0.05, f"Reading the words of {len(texts):,} mentions")
    docs = [words_of(text, stopwords) for text in texts]
    min_df = max(3, int(0.002 * len(docs)))
    if len(docs) < max(2 * k, 20):
        return []
    vectorizer = CountVectorizer(analyzer=_same, binary=True, min_df=min_df, max_df=0.5, max_features=5000)
    try:
        counts = vectorizer.fit_transform(docs).tocsr()
    except ValueError:  # no word is frequent enough
        return []
    vocabulary = vectorizer.get_feature_names_out()
    k = min(k, counts.shape[1] - 1, len(docs) // 10)
    if k < 2:
        return []
    progress(0.25, f"Factorising {counts.shape[0]:,} mentions × {counts.shape[1]:,} words into {k} topics")
    weighted = TfidfTransformer().fit_transform(counts)
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=300, tol=1e-3)
    weights = model.fit_transform(weighted)
    progress(0.75, "Writing a query for each topic")
    topic = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    arrow_texts = pa.array(texts, pa.string())
    found = []
    for t in range(k):
        rows = np.flatnonzero(topic == t)
        if not len(rows):
            continue
        members = rows[np.argsort(-weights[rows, t], kind="stable")]
        top = np.argsort(-model.components_[t], kind="stable")[:TOP_TERMS]
        terms = tuple(str(vocabulary[i]) for i in top)
        query = _query(counts, top, terms, topic == t)
        matched = evaluate(grouped(parse(query)), lambda leaf: scan(arrow_texts, leaf))
        recall = float(matched[rows].mean())
        precision = float((topic[matched] == t).mean()) if matched.any() else 0.0
        found.append(Suggestion(" · ".join(terms[:3]), terms, tuple(int(r) for r in members), query, recall, precision))
    progress(1.0, "Done")
    return sorted(found, key=lambda s: (-len(s.members), s.name))


def _same(doc: list[str]) -> list[str]:
    return doc


def _query(counts, columns: np.ndarray, terms: tuple[str, ...], member: np.ndarray) -> str:
    """An OR of up to QUERY_TERMS of ``terms`` (columns of ``counts``), chosen greedily for the best F1 against
    ``member``."""
    presence = counts[:, columns].toarray().astype(bool)
    size = int(member.sum())
    chosen: list[int] = []
    covered = np.zeros(len(member), dtype=bool)
    best = 0.0
    for _ in range(QUERY_TERMS):
        scores = []
        for j in range(len(columns)):
            if j in chosen:
                scores.append(-1.0)
                continue
            union = covered | presence[:, j]
            hits = int((union & member).sum())
            scores.append(2 * hits / (size + int(union.sum())) if hits else 0.0)
        j = int(np.argmax(scores))
        if scores[j] <= best:
            break
        best, covered = scores[j], covered | presence[:, j]
        chosen.append(j)
    return " OR ".join(as_query(terms[j]) for j in (chosen or [0]))
