"""How long a demo mention is, per source category, and the longer texts (with HTML) of reviews, blogs and news.

Social Connect collects more than tweets. A realistic mix (``MIXES["realistic"]``) draws each text's plain
length from its source category as real sources write: microblogs up to 280 characters, social posts and
app reviews about a tweet's length, reviews a few hundred characters, blogs, forums and news 1,000 to 5,000
characters as several HTML paragraphs (a heading, a link, a list now and then). The ``short`` mix keeps the
one sentence of earlier versions (about 89 characters), so benchmark figures of both can be printed side by
side. Kept apart from lib/sources/demo.py so that the generator's logic stays readable; the randomness here
comes from its own generator, so a mix never changes the other columns' draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIXES = ("realistic", "short")
TWEET_LIMIT = 280


@dataclass(frozen=True)
class Length:
    """Plain-text length, in characters, of one source category: a log-normal around ``median`` kept within
    [``low``, ``high``]; ``html`` texts come as paragraphs."""

    low: int
    median: int
    high: int
    html: bool = False


_SHORT = Length(20, 110, 400)
_REVIEW = Length(150, 420, 1_200)
_LONG = Length(1_000, 2_200, 5_000, html=True)
LENGTHS = {
    "microblogs": Length(20, 120, TWEET_LIMIT),
    "social": _SHORT,
    "social_photos": Length(20, 90, 300),
    "social_videos": Length(20, 90, 300),
    "apps": Length(40, 180, 600),
    "chat": Length(10, 60, 200),
    "email": Length(150, 600, 2_000),
    "case": Length(100, 400, 1_500),
    "reviews": _REVIEW,
    "locations": _REVIEW,
    "products": _REVIEW,
    "shops": _REVIEW,
    "podcasts": _SHORT,
    "blogs": _LONG,
    "forums": Length(400, 1_200, 4_000, html=True),
    "news": Length(1_200, 2_800, 5_000, html=True),
    "news_national": Length(1_200, 2_800, 5_000, html=True),
    "news_local": _LONG,
    "news_trade": _LONG,
    "news_presswire": _LONG,
    "news_consumer": _LONG,
}


def target_lengths(rng: np.random.Generator, categories: np.ndarray) -> np.ndarray:
    """A plain-text length per mention, drawn from its category's ``Length`` (unknown categories: short)."""
    out = np.empty(len(categories), dtype=np.int64)
    draws = rng.lognormal(0.0, 0.45, size=len(categories))
    for name in np.unique(categories):
        spec = LENGTHS.get(str(name), _SHORT)
        idx = np.flatnonzero(categories == name)
        out[idx] = np.clip(spec.median * draws[idx], spec.low, spec.high).astype(np.int64)
    return out


class Composer:
    """Longer texts made of the demo's sentences: the mention's own sentence first, then sentences of the
    same language about other aspects, mostly in the mention's tone; and the asides that make one person's
    text their own (``vary``)."""

    def __init__(
        self, rng: np.random.Generator, languages: dict, aspects: dict, brand: str, asides: dict, handles: list[str]
    ):
        self.rng, self.languages, self.aspects, self.brand = rng, languages, aspects, brand
        self.asides, self.handles = asides, handles

    def _one(self, items: list[str]) -> str:
        return items[int(self.rng.integers(len(items)))]

    def vary(
        self,
        sentence: str,
        lang: str,
        city: str,
        tone: str,
        odds: tuple[float, float, float, float] = (0.35, 0.95, 0.6, 0.3),
    ) -> str:
        """``sentence`` as one person writes it: at ``odds`` an opener, the numbers of their trip (two to four of
        its date, times, fare and a rating out of 10 in their tone), friends they tag, and a closing remark. Without
        them thousands of people wrote one sentence word for word, and the demo's near-duplicate clusters were
        its templates. Numbers and handles, not more words: they make the texts differ without adding terms (bare
        numbers are not terms, handles have their own list; typos and seat codes crowded the top terms)."""
        asides = self.asides[lang]
        roll = self.rng.random(4)
        parts = [sentence if sentence[-1] in ".?!" else sentence + "."]
        if roll[0] < odds[0]:
            opener = self._one(asides["openers"])
            parts.insert(0, opener.format(n=int(self.rng.integers(2, 11)), city=city))
        if roll[1] < odds[1]:
            numbers = self._numbers(tone)
            picked = self.rng.choice(len(numbers), size=int(self.rng.integers(2, 5)), replace=False)
            parts.append(" · ".join(numbers[int(k)] for k in np.sort(picked)))
        if roll[2] < odds[2]:
            parts.append(" ".join(f"@{self._one(self.handles)}" for _ in range(int(self.rng.integers(1, 3)))))
        if roll[3] < odds[3]:
            parts.append(self._one(asides["closers"]))
        return " ".join(parts)

    def _numbers(self, tone: str) -> list[str]:
        r = self.rng.integers(0, 1 << 30, size=8)
        low = {"negative": 0, "positive": 7}.get(tone, 4)
        return [
            f"{1 + r[6] % 28}.{1 + r[7] % 12}.",
            f"{5 + r[0] % 18:02d}:{5 * (r[1] % 12):02d} → {r[2] % 24:02d}:{5 * (r[3] % 12):02d}",
            f"€{39 + r[4] % 760}",
            f"{low + r[5] % 4}/10",
        ]

    def _sentence(self, lang: str, tone: str, city: str) -> str:
        words = self.languages[lang]
        if self.rng.random() > 0.7:
            tone = ("positive", "negative", "neutral")[int(self.rng.integers(3))]
        pool = words[tone]
        template = pool[int(self.rng.integers(len(pool)))]
        aspect = list(self.aspects)[int(self.rng.integers(len(self.aspects)))]
        flight = f"NW{int(self.rng.integers(100, 2999))}"
        text = template.format(a=words["aspects"][aspect], brand=self.brand, city=city, flight=flight)
        return self.vary(text, lang, city, tone, (0.1, 0.3, 0.1, 0.05))

    def extend(self, body: str, length: int, lang: str, tone: str, city: str, html: bool, link: str) -> str:
        """``body`` (the mention's HTML so far) grown to about ``length`` plain characters: whole sentences on
        one line, never past ``length``, for short categories; paragraphs of HTML for ``html`` ones."""
        plain = len(body)
        if not html:
            parts = [body]
            while True:
                sentence = self._sentence(lang, tone, city)
                if plain + 1 + len(sentence) > length:
                    return " ".join(parts)
                parts.append(sentence)
                plain += len(sentence) + 1
        paragraphs, current = [f"<p>{body}</p>"], []
        while plain < length:
            sentence = self._sentence(lang, tone, city)
            plain += len(sentence) + 1
            roll = self.rng.random()
            if roll < 0.06:
                sentence = f"<strong>{sentence}</strong>"
            elif roll < 0.09 and link:
                sentence += f' <a href="{link}">{link.split("://", 1)[-1][:40]}</a>'
            current.append(sentence)
            if len(current) >= 2 + int(self.rng.integers(4)):
                paragraphs.append(self._paragraph(current, lang, tone, city))
                current = []
        if current:
            paragraphs.append(self._paragraph(current, lang, tone, city))
        return "\n".join(paragraphs)

    def _paragraph(self, sentences: list[str], lang: str, tone: str, city: str) -> str:
        roll = self.rng.random()
        if roll < 0.12:
            return "<ul>" + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>"
        if roll < 0.2:
            title = self.languages[lang]["titles"][int(self.rng.integers(len(self.languages[lang]["titles"])))]
            return f"<h2>{title.format(city=city, brand=self.brand)}</h2><p>{' '.join(sentences)}</p>"
        return f"<p>{' '.join(sentences)}</p>"
