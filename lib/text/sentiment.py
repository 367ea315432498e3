"""VADER's compound sentiment score, the same number vaderSentiment gives, computed without its repeated work.

``compound(text)`` equals ``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]`` of vaderSentiment
3.3.2 for every text (tests/test_sentiment.py holds the two equal over the demo data, the realistic generator's
texts and a hostile set). It reads the same lexicon, emoji descriptions, boosters, negations and idioms from the
package and applies the same rules in the same order, quirks included (an emoji's description is glued to the
next character; "but" rescales the first entry equal to each score, as ``list.index`` does; a capitalised word
with no valence still moves by the caps increment). What it leaves out is VADER's repeated work, which made
sentiment the slowest step of an import:

- the emoji pass is a set intersection and, for a text with emoji, one regular expression over it, not a string
  concatenated character by character;
- each word is lower-cased once, not once per rule that looks at it (VADER rebuilds the lower-cased list of every
  word of the text three times per lexicon word, so its time grew with the square of a text's length);
- only the words found in the lexicon are scored (a text without any scores 0 at once); every other word
  contributes VADER's 0 and matters only as a neighbour, looked up by position;
- the idiom check builds its word sequences only when a word of an idiom is near.

The positive, negative and neutral proportions are not computed: the app stores the compound score only.
"""

from __future__ import annotations

import math
import re
import string

from vaderSentiment import vaderSentiment as _vader

_PUNCTUATION = string.punctuation
_B_INCR, _C_INCR, _N_SCALAR = _vader.B_INCR, _vader.C_INCR, _vader.N_SCALAR
_BOOSTERS: dict[str, float] = dict(_vader.BOOSTER_DICT)
_NEGATIONS = frozenset(_vader.NEGATE)
_SPECIAL: dict[str, float] = dict(_vader.SPECIAL_CASES)
# The words of VADER's multi-word idioms and boosters ("kind of", "the shit"): without one of them next to a
# lexicon word, the idiom check leaves its valence as it is.
_IDIOM_WORDS = frozenset(word for key in (*_SPECIAL, *_BOOSTERS) if " " in key for word in key.split(" "))
_SO_THIS = ("so", "this")


class Scorer:
    """VADER's lexicon and emoji descriptions, read once from the vaderSentiment package, and the scoring."""

    def __init__(self) -> None:
        analyser = _vader.SentimentIntensityAnalyzer()  # reads the lexicon files shipped in the package
        self.lexicon: dict[str, float] = analyser.lexicon
        # The words VADER scores: a booster in the lexicon ("greatly") only modifies its neighbours.
        self.scored: dict[str, float] = {w: v for w, v in self.lexicon.items() if w not in _BOOSTERS}
        self.least_in_lexicon = "least" in self.lexicon
        # VADER replaces a text's characters one by one: only the one-character keys of its emoji table can match.
        self.emojis: dict[str, str] = {k: v for k, v in analyser.emojis.items() if len(k) == 1}
        self._emoji_set = frozenset(self.emojis)
        self._ascii_emoji = any(k.isascii() for k in self.emojis)  # none: an ASCII text has no emoji

    def _describe(self, match: re.Match) -> str:
        # VADER puts a space before a description unless the text so far ends in a space (or is empty); never after.
        at = match.start()
        description = self.emojis[match.group()]
        return " " + description if at and match.string[at - 1] != " " else description

    def compound(self, text: str) -> float:
        """VADER's compound score of ``text``, in [-1, 1], rounded to 4 decimals as VADER rounds it."""
        if self._ascii_emoji or not text.isascii():
            # A pattern of the text's own emoji: one of all 3,500 is slow to match (a list, not a table, beyond
            # the first 65,536 code points).
            found = self._emoji_set.intersection(text)
            if found:
                text = re.compile("[" + "".join(map(re.escape, sorted(found))) + "]").sub(self._describe, text)
        text = text.strip()
        raw = text.split()
        if not raw:
            return 0.0
        punctuation = _PUNCTUATION
        # VADER strips leading and trailing punctuation unless that leaves 2 characters or fewer (":)" stays).
        words = [w if len(w := t.strip(punctuation)) > 2 else t for t in raw]
        lowered = list(map(str.lower, words))
        scored = self.scored
        if scored.keys().isdisjoint(lowered):
            return 0.0  # no lexicon word: every word's valence is 0
        lexicon = self.lexicon
        n = len(words)
        uppers = sum(map(str.isupper, words))
        cap_diff = 0 < uppers < n  # some words, not all, in capitals
        last = n - 1
        positions: list[int] = []
        valences: list[float] = []
        for i, lower in enumerate(lowered):
            base = scored.get(lower)
            if base is None:
                continue
            if lower == "kind" and i < last and lowered[i + 1] == "of":
                continue
            valence = base
            if lower == "no" and i != last and lowered[i + 1] in lexicon:
                valence = 0.0  # "no" negates the next lexicon word instead
            if (
                (i > 0 and lowered[i - 1] == "no")
                or (i > 1 and lowered[i - 2] == "no")
                or (i > 2 and lowered[i - 3] == "no" and lowered[i - 1] in ("or", "nor"))
            ):
                valence = base * _N_SCALAR
            if cap_diff and words[i].isupper():
                if valence > 0:
                    valence += _C_INCR
                else:
                    valence -= _C_INCR
            if i > 0:
                before = lowered[i - 1]
                if before not in lexicon:
                    if before in _BOOSTERS:
                        valence = valence + _scalar(before, words[i - 1], valence, cap_diff)
                    if before in _NEGATIONS or "n't" in before:
                        valence = valence * _N_SCALAR
                if i > 1:
                    before = lowered[i - 2]
                    if before not in lexicon:
                        if before in _BOOSTERS:
                            s = _scalar(before, words[i - 2], valence, cap_diff)
                            if s != 0:
                                s = s * 0.95
                            valence = valence + s
                        if before == "never" and lowered[i - 1] in _SO_THIS:
                            valence = valence * 1.25
                        elif before == "without" and lowered[i - 1] == "doubt":
                            pass
                        elif before in _NEGATIONS or "n't" in before:
                            valence = valence * _N_SCALAR
                    if i > 2:
                        before = lowered[i - 3]
                        if before not in lexicon:
                            if before in _BOOSTERS:
                                s = _scalar(before, words[i - 3], valence, cap_diff)
                                if s != 0:
                                    s = s * 0.9
                                valence = valence + s
                            if (before == "never" and lowered[i - 2] in _SO_THIS) or lowered[i - 1] in _SO_THIS:
                                valence = valence * 1.25
                            elif before == "without" and (lowered[i - 2] == "doubt" or lowered[i - 1] == "doubt"):
                                pass
                            elif before in _NEGATIONS or "n't" in before:
                                valence = valence * _N_SCALAR
                            near = lower in _IDIOM_WORDS or lowered[i - 1] in _IDIOM_WORDS
                            if near or lowered[i - 2] in _IDIOM_WORDS:
                                valence = _idioms(valence, lowered, i)
                if lowered[i - 1] == "least" and not self.least_in_lexicon:
                    if i > 1:
                        if lowered[i - 2] != "at" and lowered[i - 2] != "very":
                            valence = valence * _N_SCALAR
                    else:
                        valence = valence * _N_SCALAR
            positions.append(i)
            valences.append(valence)
        if "but" in lowered:
            _but(valences, positions, lowered.index("but"))
        total = float(sum(valences))
        if total > 0:
            total += _emphasis(text)
        elif total < 0:
            total -= _emphasis(text)
        return round(_normalize(total), 4)


def _scalar(lower: str, word: str, valence: float, cap_diff: bool) -> float:
    """VADER's ``scalar_inc_dec`` for a booster word ``lower`` (``word`` as written)."""
    scalar = _BOOSTERS[lower]
    if valence < 0:
        scalar *= -1
    if cap_diff and word.isupper():
        if valence > 0:
            scalar += _C_INCR
        else:
            scalar -= _C_INCR
    return scalar


def _idioms(valence: float, lowered: list[str], i: int) -> float:
    """VADER's ``_special_idioms_check`` (called for words after the third)."""
    three, two, one, zero = lowered[i - 3], lowered[i - 2], lowered[i - 1], lowered[i]
    onezero = f"{one} {zero}"
    twoonezero = f"{two} {one} {zero}"
    twoone = f"{two} {one}"
    threetwoone = f"{three} {two} {one}"
    threetwo = f"{three} {two}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in _SPECIAL:
            valence = _SPECIAL[seq]
            break
    if len(lowered) - 1 > i:
        zeroone = f"{zero} {lowered[i + 1]}"
        if zeroone in _SPECIAL:
            valence = _SPECIAL[zeroone]
    if len(lowered) - 1 > i + 1:
        zeroonetwo = f"{zero} {lowered[i + 1]} {lowered[i + 2]}"
        if zeroonetwo in _SPECIAL:
            valence = _SPECIAL[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in _BOOSTERS:
            valence = valence + _BOOSTERS[n_gram]
    return valence


def _but(valences: list[float], positions: list[int], but: int) -> None:
    """VADER's ``_but_check`` on the scored words only: every other word's 0 stays 0 when halved or raised.

    VADER walks the scores and rescales, for each, the *first* score equal to it (``list.index``), so a score
    that equals an earlier, already rescaled one rescales that one instead: reproduced as it is.
    """
    for k in range(len(valences)):
        value = valences[k]
        if value == 0:
            continue
        at = valences.index(value)
        if positions[at] < but:
            valences[at] = value * 0.5
        elif positions[at] > but:
            valences[at] = value * 1.5


def _emphasis(text: str) -> float:
    """VADER's ``_punctuation_emphasis``: up to 4 exclamation marks, and 2 or more question marks."""
    ep_count = text.count("!")
    if ep_count > 4:
        ep_count = 4
    ep_amplifier = ep_count * 0.292
    qm_count = text.count("?")
    qm_amplifier: float = 0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    return ep_amplifier + qm_amplifier


def _normalize(score: float, alpha: float = 15) -> float:
    norm_score = score / math.sqrt((score * score) + alpha)
    if norm_score < -1.0:
        return -1.0
    if norm_score > 1.0:
        return 1.0
    return norm_score


_SCORER: Scorer | None = None


def compound(text: str) -> float:
    """VADER's compound score of ``text`` (the lexicon is read on the first call)."""
    global _SCORER
    if _SCORER is None:
        _SCORER = Scorer()
    return _SCORER.compound(text)
