"""Keyword in context: each match of a query's words in a mention, with the text around it.

The result is plain text in three columns (before, match, after); the page highlights the match column
with a cell style, so mention text is never rendered as HTML or Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from lib.text.boolean_query import And, Node, Not, Or, Phrase, Term, find_pattern, parse


def positive_leaves(node: Node) -> list[Term | Phrase]:
    """The words and phrases a query looks for (those under a NOT are not shown as matches)."""
    if isinstance(node, Term | Phrase):
        return [node]
    if isinstance(node, Not):
        return []
    assert isinstance(node, And | Or)
    return [leaf for child in node.children for leaf in positive_leaves(child)]


def matcher(query: str) -> re.Pattern | None:
    """One regular expression that finds every word and phrase of ``query``."""
    leaves = positive_leaves(parse(query))
    if not leaves:
        return None
    return re.compile("|".join(f"(?:{find_pattern(leaf)})" for leaf in leaves), re.IGNORECASE)


def kwic(rows: Iterable[tuple[int, str]], query: str, width: int = 60, limit: int = 100) -> pd.DataFrame:
    """Up to ``limit`` lines (one per match) from ``rows`` of (row index, text): ``row``, ``before``,
    ``match``, ``after``, with ``width`` characters of context on each side and whitespace folded."""
    found = matcher(query)
    lines: list[dict] = []
    if found is not None:
        for row, text in rows:
            flat = " ".join((text or "").split())
            for hit in found.finditer(flat):
                start, end = hit.span()
                before = flat[max(0, start - width) : start]
                after = flat[end : end + width]
                lines.append(
                    {
                        "row": row,
                        "before": ("…" if start > width else "") + before,
                        "match": hit.group(),
                        "after": after + ("…" if end + width < len(flat) else ""),
                    }
                )
                if len(lines) >= limit:
                    return pd.DataFrame(lines)
    return pd.DataFrame(lines, columns=["row", "before", "match", "after"])


def sample_rows(mask: np.ndarray, limit: int, seed: int | None = None) -> np.ndarray:
    """Row indexes to read: the first ``limit`` selected, or a repeatable random sample of them."""
    index = np.flatnonzero(mask)
    if seed is None or len(index) <= limit:
        return index[:limit]
    return np.sort(np.random.default_rng(seed).choice(index, limit, replace=False))
