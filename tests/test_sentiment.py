"""lib/text/sentiment.py gives vaderSentiment's compound score, exactly, for every kind of text.

vaderSentiment stays the reference: each text is scored by both and the scores must be equal floats. The texts are
the shipped demo data's (a sample: bench/sentiment.py checks all of them), the realistic generator's, a hostile
set, and random texts built from the words VADER's rules look at (negations, boosters, "but", "least", "kind of",
idioms, capitals, punctuation, emoji), so that every rule and their combinations are met many times.
"""

import gzip
import random

import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from lib.mentions.normalize import html_to_text
from lib.sources.demo import DEMO_FILE, generate
from lib.text.enrich import VADER_WHOLE, sentence_runs
from lib.text.sentiment import Scorer, compound


@pytest.fixture(scope="module")
def vader():
    return SentimentIntensityAnalyzer()


def units(text: str) -> list[str]:
    """What enrichment scores: the text whole, or its runs of sentences when it is long."""
    return [text] if len(text) <= VADER_WHOLE else sentence_runs(text)


def assert_same(vader, texts) -> int:
    checked = 0
    for text in texts:
        expected = vader.polarity_scores(text)["compound"]
        assert compound(text) == expected, repr(text)
        checked += 1
    return checked


HOSTILE = [
    "",
    " ",
    "\n\t \u3000",
    "!!!",
    "?!?!?!",
    "...",
    ":) :( :D",
    ":-) <3 </3",
    "GREAT",
    "THE FLIGHT WAS GREAT AND THE CREW WAS AWFUL!!!",
    "The flight was GREAT, the crew AWFUL",
    "VERY good, EXTREMELY bad, very GOOD",
    "NO good",
    "no no no good",
    "no",
    "good no",
    "no or nor bad",
    "no problem or nor good",
    "not bad",
    "Not bad at all",
    "Never so good",
    "never this bad",
    "never ever so good",
    "so good",
    "without doubt good",
    "Without a doubt, an excellent idea.",
    "without any doubt excellent",
    "but",
    "but good",
    "good but",
    "good but bad",
    "bad bad but bad bad",
    "great, good but great good, but terrible",
    "BUT good BUT bad",
    "kind of good",
    "kind of",
    "it was kind",
    "very kind of you",
    "sort of good, just enough fun",
    "least",
    "the least good",
    "at least good",
    "very least good",
    "least good",
    "not the least bit good",
    "the shit",
    "this is the shit",
    "you are the bomb",
    "that is one bad ass car",
    "such a badass",
    "waiting at the bus stop",
    "yeah right",
    "it is the kiss of death",
    "a cake to die for",
    "my beating heart",
    "cut the mustard in the red",
    "isn't good",
    "ain't nothing good",
    "wasn't it great",
    "Don't, can't, won't: bad",
    "uh-uh good",
    "I 💔 this 😡😡 airline😀ok",
    "😀",
    "😀😀😀",
    "good😀",
    "😀 good",
    "text 💘and 💋 and 😁",
    "🇺🇸 flag ☺️ ✈ ❤",
    "Ótimo voo, tripulação simpática!",
    "Der Flug war schrecklich, nie wieder!",
    "最悪のフライトでした",
    "رحلة رائعة جدا",
    "Полёт был ужасный",
    "İSTANBUL GREAT İyi",
    "ΣΟΦΟΣ good ΣΑΣ",
    "<p>Great <b>crew</b></p><script>bad()</script> &amp; &lt;awful&gt;",
    "<a href='http://x.example/good'>bad</a>",
    "'good' \"bad\" (great) [awful] {nice}",
    "-good- __bad__ ...great... ??awful??",
    "g00d b@d gr8 l8r",
    "lol lmao rofl smh wtf",
    "good!!!!!!!!",
    "good????",
    "bad???",
    "bad??",
    "good ?",
    "good " * 300,
    "not " * 50 + "good",
    ("The crew was great and friendly. The delay was awful, nobody helped us! " * 80).strip(),
    "GOOD " * 20 + "bad",
    "\u200b good \u200b bad",
    "good\u00a0bad",
    "a\x00b good",
    "12345 67.89 $100",
    "#great @awful #bad_trip",
    "https://example.com/good?bad=1 great",
]


def test_hostile_texts_score_as_vader_does(vader):
    assert assert_same(vader, HOSTILE) == len(HOSTILE)


def fuzz_texts(n: int, seed: int) -> list[str]:
    """Random texts of the words VADER's rules look at, in every spelling (capitals, punctuation, emoji)."""
    scorer = Scorer()
    rng = random.Random(seed)
    lexicon = sorted(scorer.lexicon)
    rule_words = [
        "no",
        "not",
        "never",
        "so",
        "this",
        "without",
        "doubt",
        "least",
        "at",
        "very",
        "kind",
        "of",
        "but",
        "or",
        "nor",
        "the",
        "shit",
        "bomb",
        "bad",
        "ass",
        "badass",
        "bus",
        "stop",
        "yeah",
        "right",
        "kiss",
        "death",
        "to",
        "die",
        "for",
        "beating",
        "heart",
        "just",
        "enough",
        "sort",
        "isn't",
        "don't",
        "wasn't",
        "nothing",
        "really",
        "extremely",
        "slightly",
        "barely",
        "hardly",
        "kinda",
        "sorta",
        "more",
        "most",
        "less",
        "little",
        "flight",
        "crew",
    ]
    emojis = sorted(scorer.emojis)[:200]
    marks = ["", "", "", "!", "?", ".", ",", "!!", "??", "...", ":)", "'", '"', "-"]
    texts = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(0, 16)):
            roll = rng.random()
            if roll < 0.45:
                word = rng.choice(rule_words)
            elif roll < 0.8:
                word = rng.choice(lexicon)
            elif roll < 0.9:
                word = rng.choice(emojis)
            else:
                word = rng.choice(["flight", "NW123", "Lisbon", "x", "ok", "hmm", "", "🙂"])
            shape = rng.random()
            if shape < 0.15:
                word = word.upper()
            elif shape < 0.2:
                word = word.capitalize()
            word = rng.choice(marks) + word + rng.choice(marks) if rng.random() < 0.3 else word
            words.append(word)
        joiner = rng.choice([" ", " ", " ", "  ", "\n", ""])
        texts.append(joiner.join(words))
    return texts


def test_random_texts_of_vaders_rule_words_score_as_vader_does(vader):
    texts = fuzz_texts(4000, seed=22)
    assert any("but" in t.lower().split() for t in texts) and any(t.isupper() for t in texts)
    assert assert_same(vader, texts) == 4000
    # Scores of every sign, and texts whose score differs from the plain sum's (the rules were met).
    scores = [compound(t) for t in texts]
    assert min(scores) < -0.5 and max(scores) > 0.5 and scores.count(0.0) < len(scores) / 2


def test_the_shipped_demo_and_realistic_texts_score_as_vader_does(vader):
    with gzip.open(DEMO_FILE, "rt", encoding="utf-8") as f:
        demo = pd.read_csv(f, usecols=["messageContent"], dtype=str, keep_default_na=False)["messageContent"]
    sample = demo.iloc[::10].tolist()  # 2,000 of the 20,000 (bench/sentiment.py checks them all)
    texts = [unit for text in sample for unit in units(html_to_text(text))]
    texts += sample[:200]  # the HTML as it came, tags and entities included
    realistic = generate(400, seed=3, mix="realistic")["messageContent"].tolist()
    texts += [unit for text in realistic for unit in units(html_to_text(text))]
    assert len(texts) > 2500
    assert assert_same(vader, texts) == len(texts)
