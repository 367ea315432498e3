"""Text enrichment at ingest: tokens, phrases and a local sentiment score for each mention's plain text.

Done once per mention when it is written, never while an analyst waits. Every token is kept here;
stopwords are applied at query time as a mask over the term index (lib/terms.py), so editing them is
instant.

- Tokens come from one compiled regular expression (nltk's ``RegexpTokenizer``), which knows URLs,
  #hashtags, @handles, emoji, and words with apostrophes or hyphens ("don't", "check-in"). It is about
  20 times faster than nltk's ``TweetTokenizer``. Tokens are lower-cased; URLs and bare numbers are not
  terms (link domains are extracted elsewhere).
- Phrases are pairs of adjacent words, not crossing punctuation, a hashtag or an emoji.
- Sentiment is VADER's compound score, from the lexicon that ships inside the ``vaderSentiment``
  package (no ``nltk.download``). VADER is English-only: other languages get no score and are shown as
  unsupported, never guessed.

Terms are keyed by language ("en:delay"), so stopwords and stems follow each mention's language;
hashtags, handles and emoji belong to no language (":#delayed").
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from nltk.tokenize import RegexpTokenizer

_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff"
TOKEN_PATTERN = (
    r"(?:https?://|www\.)\S+|(?:[^\W_][\w-]*\.)+[a-z]{2,}/\S*"  # URLs, with or without a scheme
    r"|[#@][^\W_][\w'’]*"  # hashtags and @handles
    rf"|[{_EMOJI}]"  # one emoji per token
    r"|[^\W_]+(?:['’\-][^\W_]+)*"  # words, with inner apostrophes or hyphens
    r"|[.!?;:,()\[\]\"“”…|/]+"  # punctuation: a phrase does not cross it
)
_TOKENIZER = RegexpTokenizer(TOKEN_PATTERN)
SENTIMENT_LANGUAGES = ("en",)  # VADER's lexicon is English
PARALLEL_MIN_TEXTS = 40_000  # below this, starting worker processes costs more than it saves
CHUNK_TEXTS = 20_000

_ANALYSER = None


def tokens(text: str) -> list[str]:
    """The lower-cased tokens of ``text``, punctuation included (it marks phrase boundaries)."""
    return _TOKENIZER.tokenize(text.lower().replace("’", "'"))


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
    for token in tokens(text):
        k = kind(token)
        if k == "word":
            terms[f"{language}:{token}"] = None
            if previous:
                phrases[f"{language}:{previous} {token}"] = None
            previous = token
            continue
        if k in ("hashtag", "handle", "emoji"):
            terms[f":{token}"] = None
        previous = ""  # anything but a word ends a phrase
    return list(terms), list(phrases)


def _analyser():
    global _ANALYSER
    if _ANALYSER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _ANALYSER = SentimentIntensityAnalyzer()  # reads the lexicon shipped in the package
    return _ANALYSER


def sentiment(text: str, language: str) -> float:
    """VADER's compound score in [-1, 1] for English text; NaN for other languages (unsupported)."""
    if language not in SENTIMENT_LANGUAGES or not text:
        return math.nan
    return _analyser().polarity_scores(text)["compound"]


def analyse(texts: Sequence[str], languages: Sequence[str]) -> tuple[list[list[str]], list[list[str]], list[float]]:
    """Term keys, phrase keys and VADER score of each text."""
    terms, phrases, scores = [], [], []
    for text, language in zip(texts, languages, strict=True):
        t, p = terms_and_phrases(text or "", language or "")
        terms.append(t)
        phrases.append(p)
        scores.append(sentiment(text or "", language or ""))
    return terms, phrases, scores


def analyse_all(
    texts: Sequence[str], languages: Sequence[str], processes: int | None = None
) -> tuple[list[list[str]], list[list[str]], list[float]]:
    """``analyse`` over many texts, on every core for large batches (worker processes are spawned, not
    forked: the app's server process has threads)."""
    workers = processes or min(os.cpu_count() or 1, 8)
    if workers < 2 or len(texts) < PARALLEL_MIN_TEXTS:
        return analyse(texts, languages)
    chunks = [(texts[i : i + CHUNK_TEXTS], languages[i : i + CHUNK_TEXTS]) for i in range(0, len(texts), CHUNK_TEXTS)]
    terms, phrases, scores = [], [], []
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        for t, p, s in pool.map(analyse, *zip(*chunks, strict=True)):
            terms += t
            phrases += p
            scores += s
    return terms, phrases, scores
