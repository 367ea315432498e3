"""VADER's compound score: vaderSentiment's own against lib/text/sentiment.py, on the texts an import scores.

    python -m bench.sentiment                      # the shipped demo data and 20,000 realistic mentions
    python -m bench.sentiment --rows 100000 --mix short

Scores what enrichment scores (lib/text/enrich.py ``sentiment``): the plain text of each English mention, whole,
or in runs of sentences when it is longer than ``VADER_WHOLE``. Prints the time per 1,000 mentions of each way,
the speed-up, and how many scores differ (it must be none).
"""

from __future__ import annotations

import argparse
import gzip
import os
import time

import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from lib.mentions.normalize import html_to_text
from lib.sources.demo import DEMO_FILE, generate
from lib.sources.demo_lengths import MIXES
from lib.text.enrich import VADER_WHOLE, sentence_runs
from lib.text.sentiment import Scorer


def scored_units(frame: pd.DataFrame) -> tuple[int, list[str]]:
    english = frame[frame["messageLanguage"].str.lower().str.startswith("en")]["messageContent"]
    units = []
    for text in english:
        plain = html_to_text(text)
        units += [plain] if len(plain) <= VADER_WHOLE else sentence_runs(plain)
    return len(english), units


def compare(name: str, frame: pd.DataFrame) -> None:
    mentions, units = scored_units(frame)
    vader, ours = SentimentIntensityAnalyzer(), Scorer()
    start = time.perf_counter()
    expected = [vader.polarity_scores(u)["compound"] for u in units]
    theirs = time.perf_counter() - start
    start = time.perf_counter()
    got = [ours.compound(u) for u in units]
    mine = time.perf_counter() - start
    differ = sum(a != b for a, b in zip(expected, got, strict=True))
    per = 1000 / max(mentions, 1)
    print(
        f"{name}: {mentions:,} English mentions ({len(units):,} texts scored): vaderSentiment {theirs * per:.3f} s, "
        f"lib.text.sentiment {mine * per:.3f} s per 1,000 mentions ({theirs / mine:.1f}x); "
        f"{differ} scores differ (load avg {os.getloadavg()[0]:.1f})",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="generated mentions (default %(default)s)")
    parser.add_argument("--mix", choices=MIXES, default="realistic")
    parser.add_argument("--no-demo", action="store_true", help="skip the shipped demo data")
    args = parser.parse_args(argv)
    if not args.no_demo:
        with gzip.open(DEMO_FILE, "rt", encoding="utf-8") as f:
            demo = pd.read_csv(f, usecols=["messageContent", "messageLanguage"], dtype=str, keep_default_na=False)
        compare("shipped demo data", demo)
    compare(f"generated, {args.mix} mix", generate(args.rows, seed=11, mix=args.mix))


if __name__ == "__main__":
    main()
