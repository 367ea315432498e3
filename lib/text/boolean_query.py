"""Boolean text queries, as Text iQ writes them: AND/OR/NOT, parentheses, quoted phrases, trailing ``*``.

    "lost luggage" OR baggage*        (baggage AND delay) -compensation        #delayed | @northwindhelp

Spellings: ``AND``/``and``/``&``/``&&``, ``OR``/``or``/``|``/``||``, ``NOT``/``not``/``-`` (before a term or a
group). Two terms side by side mean AND; AND binds tighter than OR; matching ignores case. A term matches a
whole word (or hashtag, or @handle), a trailing ``*`` any word that starts so, a quoted phrase its words in order.
Errors say where: ``Parse error at 14: ')' has no '('``.

A query is bounded (``MAX_CHARS`` characters, ``MAX_TERMS`` words and phrases, ``MAX_DEPTH`` levels of
parentheses and NOTs): a link with a query of 1,400 ORed words, or nested 1,000 deep, is refused with a
message instead of holding the server (or Python's stack). The words and phrases of one OR are matched by
one scan of the texts (``grouped``), not one scan each.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lib.errors import ExplorerError

MAX_CHARS = 2000
MAX_TERMS = 100
MAX_DEPTH = 16


class QueryError(ExplorerError):
    """A query that cannot be read; ``position`` is the 0-based character where the problem is."""

    def __init__(self, message: str, position: int):
        super().__init__(f"Query error at {position + 1}: {message}")
        self.position = position


@dataclass(frozen=True)
class Term:
    text: str  # lowercased; may start with # or @
    wildcard: bool = False
    position: int = 0


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    position: int = 0


@dataclass(frozen=True)
class AnyOf:
    """Words and phrases of one OR, matched together by one scan (made by ``grouped``, never by ``parse``)."""

    leaves: tuple[Term | Phrase, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Phrase | AnyOf | Not | And | Or
Leaf = Term | Phrase | AnyOf  # what one scan of the texts answers
_TOKEN = re.compile(r'\s*(?:(?P<op>&&|\|\||[&|()])|(?P<quote>"[^"]*"?)|(?P<word>[^\s()"&|]+))')
_OPERATORS = {"and": "AND", "&": "AND", "&&": "AND", "or": "OR", "|": "OR", "||": "OR", "not": "NOT"}


def _tokens(query: str) -> list[tuple[str, str, int]]:
    """(kind, text, position): kinds AND, OR, NOT, (, ), PHRASE, TERM."""
    out, at = [], 0
    while at < len(query):
        match = _TOKEN.match(query, at)
        if match is None or match.end() == at:
            break
        start = match.start(match.lastgroup) if match.lastgroup else at
        at = match.end()
        if match.group("op"):
            text = match.group("op")
            out.append((_OPERATORS.get(text, text), text, start))
        elif match.group("quote"):
            text = match.group("quote")
            if len(text) < 2 or not text.endswith('"'):
                raise QueryError("a quote is opened but not closed", start)
            out.append(("PHRASE", text[1:-1], start))
        elif match.group("word"):
            text = match.group("word")
            lower = text.lower()
            if lower in ("and", "or", "not"):
                out.append((_OPERATORS[lower], text, start))
            elif text == "-" and query.startswith("(", at):  # -(a OR b): NOT before a group
                out.append(("NOT", "-", start))
            elif text.startswith("-") and len(text) > 1:
                out.append(("NOT", "-", start))
                out.append(("TERM", text[1:], start + 1))
            else:
                out.append(("TERM", text, start))
    return out


class _Parser:
    def __init__(self, query: str):
        if len(query) > MAX_CHARS:
            raise QueryError(
                f"the query has {len(query):,} characters; at most {MAX_CHARS:,} are read. Split it into text "
                "topics (Text page, Topics), each with its own query",
                MAX_CHARS,
            )
        self.query, self.tokens, self.i, self.depth = query, _tokens(query), 0, 0
        leaves = [token for token in self.tokens if token[0] in ("TERM", "PHRASE")]
        if len(leaves) > MAX_TERMS:
            raise QueryError(
                f"the query has {len(leaves):,} words and phrases; at most {MAX_TERMS} are read. Split it into "
                "text topics (Text page, Topics), each with its own query",
                leaves[MAX_TERMS][2],
            )

    def deeper(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"parentheses and NOTs go more than {MAX_DEPTH} deep here; write it flatter", position)

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("the query is empty", 0)
        node = self.or_()
        if (token := self.peek()) is not None:
            raise QueryError(f"{token[1]!r} has no '('" if token[0] == ")" else f"unexpected {token[1]!r}", token[2])
        return node

    def or_(self) -> Node:
        children = [self.and_()]
        while (token := self.peek()) is not None and token[0] == "OR":
            self.take()
            children.append(self.and_())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_(self) -> Node:
        children = [self.not_()]
        while (token := self.peek()) is not None and token[0] in ("AND", "NOT", "TERM", "PHRASE", "("):
            if token[0] == "AND":
                self.take()
            children.append(self.not_())
        return children[0] if len(children) == 1 else And(tuple(children))

    def not_(self) -> Node:
        token = self.peek()
        if token is not None and token[0] == "NOT":
            self.take()
            self.deeper(token[2])
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError("the query ends where a word or a phrase should be", len(self.query))
        kind, text, position = self.take()
        if kind == "(":
            self.deeper(position)
            node = self.or_()
            closing = self.peek()
            if closing is None or closing[0] != ")":
                raise QueryError("'(' is not closed", position)
            self.take()
            self.depth -= 1
            return node
        if kind == "PHRASE":
            words = tuple(w.lower() for w in re.findall(r"[\w#@']+", text))
            if not words:
                raise QueryError("the quotes hold no words", position)
            return Phrase(words, position)
        if kind == "TERM":
            wildcard = text.endswith("*")
            word = text.rstrip("*").lower()
            hidden = next((c for c in word if unicodedata.category(c) in ("Cc", "Cf") and c not in "\u200d"), None)
            if hidden is not None:  # a NUL or a direction mark pasted with the word: no mention has it
                raise QueryError(
                    f"{text!r} holds an invisible character (U+{ord(hidden):04X}) that no text is searched with: "
                    "type the word again",
                    position,
                )
            if not re.search(r"\w", word) and not _is_symbol(word):
                raise QueryError(f"{text!r} is not a word", position)
            if word.startswith("-"):  # --wifi: NOT of "-wifi", which no word is, so every mention
                raise QueryError(f"{text!r}: one '-' (or NOT) before a word is enough", position)
            if not word or (wildcard and len(word) < 2):
                raise QueryError("a wildcard needs at least two letters before the *", position)
            return Term(word, wildcard, position)
        raise QueryError(f"{text!r} needs a word or a phrase {'after' if kind != ')' else 'before'} it", position)


def _is_symbol(text: str) -> bool:
    """An emoji or other pictograph (Unicode "Symbol, other"), which the term index keeps as a term."""
    return bool(text) and all(unicodedata.category(c) in ("So", "Sk") or c in "\u200d\ufe0f" for c in text)


def parse(query: str) -> Node:
    """The query as a tree; raises QueryError with the position of the first problem."""
    return _Parser(query).parse()


def word_pattern(node: Term | Phrase) -> str:
    """The regular expression of the term or phrase itself, without its boundaries."""
    if isinstance(node, Phrase):
        return r"[^\w#@]+".join(re.escape(w) for w in node.words)
    return re.escape(node.text) + (r"\w*" if node.wildcard else "")


def pattern(node: Leaf) -> str:
    """A regular expression (RE2 syntax: no look-behind) for a term, a phrase or several of them (``AnyOf``:
    the same boundaries around an alternation), matched without case."""
    if isinstance(node, Term) and _is_symbol(node.text):
        return re.escape(node.text)  # an emoji stands alone: no word boundaries around it
    if isinstance(node, AnyOf):
        return r"(^|[^\w#@])(?:" + "|".join(word_pattern(leaf) for leaf in node.leaves) + r")($|[^\w])"
    return r"(^|[^\w#@])" + word_pattern(node) + r"($|[^\w])"


def _is_word(node: Node) -> bool:
    """A term or phrase that an alternation can hold (an emoji has no word boundaries: it stays apart)."""
    return isinstance(node, Phrase) or (isinstance(node, Term) and not _is_symbol(node.text))


def grouped(node: Node) -> Node:
    """The same query, with the words and phrases of each OR (and the negated ones of each AND) gathered into
    one ``AnyOf`` (emoji apart: they have no word boundaries), so that evaluating it scans the texts once per
    OR instead of once per word."""
    if isinstance(node, Not):
        return Not(grouped(node.child))
    if isinstance(node, And):  # NOT a AND NOT b is NOT (a OR b): one scan too
        excluded = [c.child for c in node.children if isinstance(c, Not) and isinstance(c.child, Term | Phrase)]
        excluded = [c for c in excluded if _is_word(c)]
        if len(excluded) < 2:
            return And(tuple(grouped(child) for child in node.children))
        kept = [grouped(c) for c in node.children if not (isinstance(c, Not) and c.child in excluded)]
        return And((*kept, Not(AnyOf(tuple(excluded))))) if kept else Not(AnyOf(tuple(excluded)))
    if isinstance(node, Or):
        words: list[Term | Phrase] = []
        rest: list[Node] = []
        for child in node.children:
            if isinstance(child, Term | Phrase) and _is_word(child):
                words.append(child)
            else:
                rest.append(grouped(child))
        if len(words) < 2:
            return Or(tuple(grouped(child) for child in node.children))
        return Or((AnyOf(tuple(words)), *rest)) if rest else AnyOf(tuple(words))
    return node


def find_pattern(node: Term | Phrase) -> str:
    """The same as ``pattern`` for Python's ``re``, with look-arounds, so that every match is found and spans
    the term or phrase alone (for keyword in context)."""
    if isinstance(node, Term) and _is_symbol(node.text):
        return re.escape(node.text)
    return r"(?<![\w#@])" + word_pattern(node) + r"(?!\w)"


def scan(texts: pa.Array | pa.ChunkedArray, node: Leaf) -> np.ndarray:
    """A boolean per text: does it contain the word or phrase ``node`` (case-insensitive; no text: False)?"""
    found = pc.match_substring_regex(texts, pattern(node), ignore_case=True)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def evaluate(node: Node, match: Callable[[Leaf], np.ndarray]) -> np.ndarray:
    """A boolean per mention: does the query hold? ``match`` gives the mentions of one term, phrase or
    ``AnyOf`` (evaluate ``grouped(node)`` to scan once per OR)."""
    if isinstance(node, Term | Phrase | AnyOf):
        return match(node)
    if isinstance(node, Not):
        return ~evaluate(node.child, match)
    parts = [evaluate(child, match) for child in node.children]
    return np.logical_and.reduce(parts) if isinstance(node, And) else np.logical_or.reduce(parts)


def to_text(node: Node) -> str:
    """The query written back in its plain spelling (``AND``, ``OR``, ``NOT``), parenthesised where needed."""
    if isinstance(node, Term):
        return node.text + ("*" if node.wildcard else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, Not):
        inner = to_text(node.child)
        return f"NOT ({inner})" if isinstance(node.child, And | Or | AnyOf) else f"NOT {inner}"
    if isinstance(node, AnyOf):
        return " OR ".join(to_text(leaf) for leaf in node.leaves)
    joiner = " AND " if isinstance(node, And) else " OR "
    return joiner.join(f"({to_text(c)})" if isinstance(c, And | Or | AnyOf) else to_text(c) for c in node.children)


def as_query(term: str) -> str:
    """A term or phrase from the term index written as a query that matches exactly it."""
    if " " in term or any(c in term for c in '()"&|') or term.startswith("-") or term.lower() in _OPERATORS:
        return '"' + term.replace('"', " ") + '"'
    return term
