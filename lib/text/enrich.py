"""Text enrichment at ingest: tokens, phrases and a local sentiment score for each mention's plain text.

Done once per mention when it is written, never while an analyst waits. Every token is kept here;
stopwords are applied at query time as a mask over the term index (lib/text/terms.py), so editing them is
instant.

- Tokens come from one compiled regular expression (as nltk's ``RegexpTokenizer`` would apply it), which knows URLs,
  #hashtags, @handles, emoji, and words with apostrophes or hyphens ("don't", "check-in"). It is about
  20 times faster than nltk's ``TweetTokenizer``. Tokens are lower-cased; URLs and bare numbers are not
  terms (link domains are extracted elsewhere).
- Phrases are pairs of adjacent words, not crossing punctuation, a hashtag or an emoji.
- Sentiment is VADER's compound score, from the lexicon that ships inside the ``vaderSentiment``
  package (no ``nltk.download``), computed by lib/text/sentiment.py (the same score, without VADER's repeated
  work). VADER is English-only: other languages get no score and are shown as unsupported, never guessed.

Terms are keyed by language ("en:delay"), so stopwords and stems follow each mention's language;
hashtags, handles and emoji belong to no language (":#delayed").
"""

from __future__ import annotations

import math
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

import numpy as np

from lib.text.sentiment import compound

_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff"
_PARTS = (
    r"(?:https?://|www\.)\S+|(?:[^\W_][\w-]*\.)+[a-z]{2,}/\S*",  # URLs, with or without a scheme
    r"[#@][^\W_][\w'’]*",  # hashtags and @handles
    rf"[{_EMOJI}]",  # one emoji per token
    r"[^\W_]+(?:['’\-][^\W_]+)*",  # words, with inner apostrophes or hyphens
    r"[.!?;:,()\[\]\"“”…|/]+",  # punctuation: a phrase does not cross it
)
TOKEN_PATTERN = "|".join(f"(?:{part})" for part in _PARTS)
_FLAGS = re.UNICODE | re.MULTILINE | re.DOTALL
# What nltk's RegexpTokenizer(TOKEN_PATTERN) does, without importing nltk (a second per worker process).
_TOKENIZER = re.compile(TOKEN_PATTERN, _FLAGS)
# The same with one group per part: the group that matched says the kind, with no test per token.
_GROUPED = re.compile("|".join(f"({part})" for part in _PARTS), _FLAGS)
SENTIMENT_LANGUAGES = ("en",)  # VADER's lexicon is English
VADER_WHOLE = 1_000  # characters: longer texts are scored per run of sentences (see ``sentiment``)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
PARALLEL_MIN_TEXTS = 40_000  # below this, starting worker processes costs more than it saves
# A worker is sent its share of a batch in parts of at most this many texts, one after the other: what it holds
# while it works (the texts, their tokens, the sketch's arrays) follows the part, not the batch.
WORKER_PART_TEXTS = 2_500
_ROOT = Path(__file__).resolve().parents[2]

_LANGUAGE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def tokens(text: str) -> list[str]:
    """The lower-cased tokens of ``text``, punctuation included (it marks phrase boundaries)."""
    return _TOKENIZER.findall(text.lower().replace("’", "'"))


def kind(token: str) -> str:
    """``word``, ``hashtag``, ``handle``, ``emoji``, ``url``, ``number`` or ``punct``."""
    first = token[0]
    if first == "#":
        return "hashtag"
    if first == "@":
        return "handle"
    if token.startswith(("http://", "https://", "www.")) or "/" in token:
        return "url"
    if first.isalpha() or (first.isdigit() and not token.replace("-", "").replace("'", "").isdigit()):
        return "word"
    if first.isdigit():
        return "number"
    if len(token) == 1 and not first.isascii() and not first.isalnum() and first not in "“”…’":
        return "emoji"
    return "punct"


def terms_and_phrases(text: str, language: str) -> tuple[list[str], list[str]]:
    """The distinct term keys and phrase keys of one text (a mention counts a term once)."""
    terms: dict[str, None] = {}
    phrases: dict[str, None] = {}
    previous = ""
    for _url, tag, emoji, word, _punct in _GROUPED.findall(text.lower().replace("’", "'")):
        if word and not (word[0].isdigit() and word.replace("-", "").replace("'", "").isdigit()):
            terms[f"{language}:{word}"] = None
            if previous:
                phrases[f"{language}:{previous} {word}"] = None
            previous = word
            continue
        if tag or emoji:
            terms[f":{tag or emoji}"] = None
        previous = ""  # anything but a word (a URL, punctuation, a number) ends a phrase
    return list(terms), list(phrases)


def sentiment(text: str, language: str) -> float:
    """VADER's compound score in [-1, 1] for English text; NaN for other languages (unsupported).

    VADER's time grows with the square of a text's words (it looks words up by position in lists), so a blog
    post or a news article of several thousand characters took seconds. A text longer than ``VADER_WHOLE``
    characters is scored in runs of whole sentences of about that length, and the scores averaged weighted by
    length (VADER's own advice for paragraphs); shorter texts are scored whole, as always.
    """
    if language not in SENTIMENT_LANGUAGES or not text:
        return math.nan
    if len(text) <= VADER_WHOLE:
        return compound(text)
    runs = sentence_runs(text)
    scores = [compound(run) for run in runs]
    return float(np.average(scores, weights=[len(run) for run in runs]))


def sentence_runs(text: str, size: int = 0) -> list[str]:
    """``text`` cut after sentence ends into runs of about ``size`` characters (``VADER_WHOLE``); a sentence
    longer than that is cut at spaces."""
    size = size or VADER_WHOLE
    runs, current = [], ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > size:
            cut = sentence.rfind(" ", 0, size)
            cut = cut if cut > 0 else size
            runs.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if current and len(current) + 1 + len(sentence) > size:
            runs.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        runs.append(current)
    return [run for run in runs if run.strip()] or [text[:size]]


@dataclass
class Encoded:
    """Enriched texts in compact form, cheap to send between processes: for terms and for phrases, the
    distinct keys and, per text, indexes into them (``offsets[i]:offsets[i + 1]``); and VADER's scores."""

    term_keys: list[str]
    term_index: np.ndarray
    term_offsets: np.ndarray
    phrase_keys: list[str]
    phrase_index: np.ndarray
    phrase_offsets: np.ndarray
    scores: np.ndarray


def analyse(texts: Sequence[str], languages: Sequence[str]) -> Encoded:
    """Term keys, phrase keys and VADER score of each text, encoded. The texts are tokenised all at once by RE2
    (Arrow's kernel, ``_tokenised``: about four times faster than Python's ``re`` on the same pattern), and their
    keys worked out over the distinct tokens with numpy; the result is ``analyse_each``'s, which does it text by
    text (and still does for texts RE2 cannot take: a NUL character, a lone surrogate)."""
    languages = [_language(language) for language in languages]
    lowered = [(text or "").lower().replace("’", "'") for text in texts]
    found = _tokenised(lowered) if len(lowered) else None
    if found is None or (len(set(languages)) + 1) * len(found[1]) ** 2 >= 1 << 62:  # a pair's code must fit
        return analyse_each(texts, languages)
    scores = np.fromiter((sentiment(text or "", lang) for text, lang in zip(texts, languages, strict=True)), float)
    return _encode_tokens(len(texts), languages, *found, scores)


def _language(language: str) -> str:
    """A language is a code (en, pt-BR); anything else (a ':' would split the "lang:term" key) is none."""
    return language if language and _LANGUAGE.match(language) else ""


def analyse_each(texts: Sequence[str], languages: Sequence[str]) -> Encoded:
    """``analyse``, one text at a time with ``terms_and_phrases`` (Python's ``re``)."""
    term_keys: dict[str, int] = {}
    phrase_keys: dict[str, int] = {}
    term_index: list[int] = []
    phrase_index: list[int] = []
    term_offsets, phrase_offsets, scores = [0], [0], []
    for text, language in zip(texts, languages, strict=True):
        language = _language(language)
        terms, phrases = terms_and_phrases(text or "", language)
        term_index += [term_keys.setdefault(k, len(term_keys)) for k in terms]
        phrase_index += [phrase_keys.setdefault(k, len(phrase_keys)) for k in phrases]
        term_offsets.append(len(term_index))
        phrase_offsets.append(len(phrase_index))
        scores.append(sentiment(text or "", language))
    return Encoded(
        list(term_keys),
        np.asarray(term_index, dtype=np.int32),
        np.asarray(term_offsets, dtype=np.int64),
        list(phrase_keys),
        np.asarray(phrase_index, dtype=np.int32),
        np.asarray(phrase_offsets, dtype=np.int64),
        np.asarray(scores, dtype=np.float64),
    )


@cache
def _re2_pattern() -> str:
    """``TOKEN_PATTERN`` for RE2, matching what Python's ``re`` matches: RE2's ``\\w`` and ``\\s`` are ASCII, so
    Python's classes are written out as the code points this interpreter's Unicode database puts in them (``\\w``:
    ``str.isalnum`` or ``_``; ``\\s``: ``str.isspace``). RE2's alternation is leftmost-first, as ``re``'s."""

    def ranges(pattern: str) -> str:
        every = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, sys.maxunicode + 1)))
        spans = []
        for match in re.finditer(pattern, every):
            first, last = ord(match.group()[0]), ord(match.group()[-1])
            if first < 0xD800 <= last:  # the run went over the surrogates left out of ``every``
                spans += [(first, 0xD7FF), (0xE000, last)]
            else:
                spans.append((first, last))
        return "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in spans)

    alnum, word, space = ranges(r"[^\W_]+"), ranges(r"\w+"), ranges(r"\s+")
    letter, non_space = f"[{alnum}]", f"[^{space}]"
    parts = (
        rf"(?:https?://|www\.){non_space}+|(?:{letter}[{word}\-]*\.)+[a-z]{{2,}}/{non_space}*",
        rf"[#@]{letter}[{word}'’]*",
        rf"[{_EMOJI}]",
        rf"{letter}+(?:['’\-]{letter}+)*",
        _PARTS[4],
    )
    return "|".join(f"(?:{part})" for part in parts)


def _tokenised(lowered: list[str]) -> tuple[np.ndarray, list[str], np.ndarray] | None:
    """The tokens of every text at once: (text of each token, the distinct tokens, each token's index into them),
    tokens in the order of the texts and within each text. Each match is put between NULs by RE2 and the texts split
    at them: a text's pieces alternate between what lies between tokens and the tokens. None for texts with a NUL
    of their own, or that Arrow cannot take as UTF-8 (a lone surrogate)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if any("\x00" in text for text in lowered):
        return None
    try:
        array = pa.array(lowered, pa.string())
    except (pa.ArrowException, UnicodeEncodeError):
        return None
    pieces = pc.split_pattern(pc.replace_substring_regex(array, _re2_pattern(), "\x00\\0\x00"), "\x00")
    offsets = pieces.offsets.to_numpy()
    counts = np.diff(offsets)
    local = np.arange(offsets[-1] - offsets[0]) - np.repeat(offsets[:-1] - offsets[0], counts)
    odd = np.flatnonzero(local % 2 == 1)
    doc = np.repeat(np.arange(len(lowered)), counts)[odd]
    encoded = pc.dictionary_encode(pieces.flatten().take(pa.array(odd)))
    return doc, encoded.dictionary.to_pylist(), encoded.indices.to_numpy()


_WORD, _TAG, _OTHER = 0, 1, 2


def _token_kind(token: str) -> int:
    """What ``terms_and_phrases`` does with a token: a word (a term, and phrases with its neighbours), a hashtag,
    handle or emoji (a term that ends a phrase), or anything else (ends a phrase). The group that matches the token
    alone is the group that matched it in its text: an earlier alternative that matched its start there would have
    matched it in the text too."""
    match = _GROUPED.match(token)
    group = match.lastindex if match else 0
    if group == 4:
        return _OTHER if token[0].isdigit() and token.replace("-", "").replace("'", "").isdigit() else _WORD
    return _TAG if group in (2, 3) else _OTHER


def _first_seen(codes: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of occurrences ``codes`` (in order, of texts ``docs``): which are the first of their code in their text
    (positions, in order), the distinct codes in the order they are first kept, and each kept occurrence's rank
    among them: what a dict per text and one per chunk give."""
    if not len(codes):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    _, dense = np.unique(codes, return_inverse=True)  # codes below the number of occurrences: no overflow below
    _, first = np.unique(docs.astype(np.int64) * len(codes) + dense.reshape(-1), return_index=True)
    kept = np.sort(first)
    distinct, first_kept, inverse = np.unique(codes[kept], return_index=True, return_inverse=True)
    order = np.argsort(first_kept, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return kept, distinct[order], rank[inverse.reshape(-1)]


def _encode_tokens(
    n: int, languages: list[str], doc: np.ndarray, distinct: list[str], index: np.ndarray, scores: np.ndarray
) -> Encoded:
    """``analyse_each``'s encoding from the tokens of ``n`` texts (``_tokenised``), with numpy over the occurrences
    and Python over the distinct tokens and keys."""
    kinds = np.fromiter(map(_token_kind, distinct), dtype=np.int8, count=len(distinct))[index]
    names = list(dict.fromkeys(languages))
    language = np.fromiter(map({name: i for i, name in enumerate(names)}.__getitem__, languages), np.int64, n)
    code_of_language = language[doc]
    tags = kinds == _TAG
    code_of_language[tags] = len(names)  # ":#tag" and ":😀" belong to no language
    names.append("")
    width = len(distinct)
    # Terms: words and tags, a key per (language, token).
    term = np.flatnonzero(kinds != _OTHER)
    term_codes = code_of_language[term] * width + index[term]
    kept, codes, ranks = _first_seen(term_codes, doc[term])
    term_keys = [f"{names[c // width]}:{distinct[c % width]}" for c in codes.tolist()]
    term_offsets = np.r_[0, np.cumsum(np.bincount(doc[term[kept]], minlength=n))]
    # Phrases: two words one after the other in a text.
    word = kinds == _WORD
    pair = np.flatnonzero(word[:-1] & word[1:] & (doc[:-1] == doc[1:]))
    phrase_codes = (code_of_language[pair] * width + index[pair]) * width + index[pair + 1]
    p_kept, p_codes, p_ranks = _first_seen(phrase_codes, doc[pair])
    phrase_keys = [
        f"{names[c // (width * width)]}:{distinct[c // width % width]} {distinct[c % width]}" for c in p_codes.tolist()
    ]
    phrase_offsets = np.r_[0, np.cumsum(np.bincount(doc[pair[p_kept]], minlength=n))]
    return Encoded(
        term_keys,
        ranks.astype(np.int32),
        term_offsets.astype(np.int64),
        phrase_keys,
        p_ranks.astype(np.int32),
        phrase_offsets.astype(np.int64),
        np.asarray(scores, dtype=np.float64),
    )


def analyse_all(
    texts: Sequence[str], languages: Sequence[str], processes: int | None = None, min_texts: int | None = None
) -> list[Encoded]:
    """``analyse`` over many texts, on every core for large batches.

    The workers are ``python -m lib.text.enrich`` processes fed through pipes: they import only this module,
    where multiprocessing's spawn would import the caller's main module again (Streamlit, the bench) and
    fork is unsafe in a server with threads. Each gets one contiguous part and sends back compact arrays.
    """
    workers = processes or min(os.cpu_count() or 1, 8)
    if workers < 2 or len(texts) < max(PARALLEL_MIN_TEXTS if min_texts is None else min_texts, 2):
        return [analyse(texts, languages)]
    bounds = [len(texts) * i // workers for i in range(workers + 1)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "lib.text.enrich"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=_ROOT
        )
        for _ in range(workers)
    ]

    def run(i: int) -> bytes:
        part = (list(texts[bounds[i] : bounds[i + 1]]), list(languages[bounds[i] : bounds[i + 1]]))
        out, _ = procs[i].communicate(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
        if procs[i].returncode:
            raise RuntimeError(f"an enrichment worker failed (exit {procs[i].returncode}); see the log above")
        return out

    try:
        with ThreadPoolExecutor(workers) as pool:
            return [Encoded(*pickle.loads(out)) for out in pool.map(run, range(workers))]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


class Workers:
    """Enrichment worker processes kept for a whole import (``python -m lib.text.enrich --serve``): each analyses
    the part of every batch it is sent, so a batch costs no process start and no lexicon load."""

    def __init__(self, processes: int | None = None):
        self.n = processes or min(os.cpu_count() or 1, 8)
        self.procs: list[subprocess.Popen] = []

    def analyse(self, texts: Sequence[str], languages: Sequence[str]) -> list[Encoded]:
        return [encoded for encoded, _ in self._run(texts, languages, sketch=False)]

    def analyse_and_sketch(self, texts: Sequence[str], languages: Sequence[str]) -> tuple[list[Encoded], list[tuple]]:
        """``analyse``, and each text's near-duplicate sketch (lib/text/near_duplicates.py ``sketch``, as a tuple of
        arrays per part): the signatures are computed on every core beside the text analysis."""
        done = self._run(texts, languages, sketch=True)
        return [encoded for encoded, _ in done], [found for _, found in done]

    def _run(self, texts: Sequence[str], languages: Sequence[str], sketch: bool) -> list[tuple[Encoded, tuple]]:
        if self.n < 2 or len(texts) < 2 * self.n:
            return [(analyse(texts, languages), _sketch(texts) if sketch else ())]
        if not self.procs:
            self.procs = [
                subprocess.Popen(
                    [sys.executable, "-m", "lib.text.enrich", "--serve"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    cwd=_ROOT,
                )
                for _ in range(self.n)
            ]
        bounds = [len(texts) * i // self.n for i in range(self.n + 1)]

        def run(i: int) -> list[tuple[Encoded, tuple]]:
            proc, done = self.procs[i], []
            for start in range(bounds[i], bounds[i + 1], WORKER_PART_TEXTS):
                end = min(start + WORKER_PART_TEXTS, bounds[i + 1])
                part = (list(texts[start:end]), list(languages[start:end]), sketch)
                try:
                    _send(proc.stdin, pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
                    encoded, found = pickle.loads(_receive(proc.stdout))
                except (OSError, EOFError) as exc:
                    raise RuntimeError(f"an enrichment worker stopped (exit {proc.poll()}); see the log above") from exc
                done.append((Encoded(*encoded), found))
            return done

        with ThreadPoolExecutor(self.n) as pool:
            return [part for parts in pool.map(run, range(self.n)) for part in parts]

    def close(self) -> None:
        for proc in self.procs:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        self.procs = []


def _send(pipe, data: bytes) -> None:
    pipe.write(len(data).to_bytes(8, "little"))
    pipe.write(data)
    pipe.flush()


def _receive(pipe) -> bytes:
    head = pipe.read(8)
    if len(head) < 8:
        raise EOFError
    size = int.from_bytes(head, "little")
    data = pipe.read(size)
    if len(data) < size:
        raise EOFError
    return data


def _worker() -> None:
    """``python -m lib.text.enrich``: read (texts, languages) pickled on stdin, write the encoded fields to stdout.
    With ``--serve``: the same for every length-prefixed request, until stdin closes."""
    if "--serve" not in sys.argv:
        texts, languages = pickle.load(sys.stdin.buffer)
        encoded = analyse(texts, languages)
        sys.stdout.buffer.write(pickle.dumps(astuple_shallow(encoded), protocol=pickle.HIGHEST_PROTOCOL))
        sys.stdout.buffer.flush()
        return
    while True:
        try:
            texts, languages, sketch = pickle.loads(_receive(sys.stdin.buffer))
        except EOFError:
            return
        encoded = analyse(texts, languages)
        found = _sketch_released(texts) if sketch else ()
        _send(sys.stdout.buffer, pickle.dumps((astuple_shallow(encoded), found), protocol=pickle.HIGHEST_PROTOCOL))


def _sketch(texts: Sequence[str]) -> tuple:
    """The near-duplicate sketch of ``texts`` as a tuple of arrays (imported here: a worker that is sent no
    sketch request never loads pyarrow and pandas)."""
    from lib.text.near_duplicates import sketch

    return sketch(list(texts)).astuple()


def _sketch_released(texts: Sequence[str]) -> tuple:
    """``_sketch`` in a worker process, with Arrow's memory taken from the system allocator and handed back after
    each batch: Arrow's default (mimalloc) kept about 100 MB more per worker once it had sketched a batch, a fifth of
    what a 1 GB import has for its two workers."""
    import pyarrow as pa

    pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    found = _sketch(texts)
    pool.release_unused()
    return found


def astuple_shallow(encoded: Encoded) -> tuple:
    """The fields of ``encoded`` as a plain tuple (a class defined in a worker's __main__ does not unpickle)."""
    return tuple(getattr(encoded, f.name) for f in fields(encoded))


if __name__ == "__main__":
    _worker()
