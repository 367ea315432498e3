import gzip

import pandas as pd
import pytest

from lib.mentions.schema import FIELD_NAMES, SOURCE_SERVICES
from lib.sources.demo import DEMO_FILE, DEMO_ROWS, SPIKES, START, generate, to_csv_gz
from lib.sources.demo_text import COUNTRIES


@pytest.fixture(scope="module")
def whole() -> pd.DataFrame:
    """The whole demo as shipped, which is what the generator makes (the test below makes it again: 5 s of CPU,
    so it runs in ``make test``, not in the quick loop)."""
    with gzip.open(DEMO_FILE) as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def test_generator_is_deterministic():
    pd.testing.assert_frame_equal(generate(300, seed=3), generate(300, seed=3))
    assert not generate(300, seed=3).equals(generate(300, seed=4))


def test_shipped_demo_file_is_what_the_generator_makes():
    shipped = DEMO_FILE.read_bytes()
    assert len(shipped) <= 5 * 1024 * 1024
    assert shipped == to_csv_gz(generate(DEMO_ROWS))


def test_demo_file_looks_like_a_dataset_export():
    with gzip.open(DEMO_FILE) as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(FIELD_NAMES)
    assert len(frame) == DEMO_ROWS and frame["uniqueId"].is_unique
    assert set(frame["sourceService"]) == set(SOURCE_SERVICES)
    assert frame["messageLanguage"].nunique() >= 6
    assert frame["messageContent"].str.contains("<p>").any() and frame["messageContent"].str.contains("<a href").any()
    assert frame["messageContent"].str.contains("#").any() and frame["messageContent"].str.contains("@").any()
    assert frame["tags"].str.contains(",").mean() > 0.5
    assert (frame["locationCountry"] == "NA").any() and (frame["locationContinent"] == "NA").any()


def test_countries_agree_with_languages():
    frame = generate(3000)
    for lang, part in frame.groupby("messageLanguage"):
        allowed = {c[0] for c in COUNTRIES[lang]} | {""}
        assert set(part["locationCountry"]) <= allowed, lang


def test_a_long_tail_of_authors_and_real_spikes(whole):
    frame = whole
    per_author = frame["authorName"].value_counts()
    assert (per_author <= 2).mean() > 0.5  # most authors post once or twice
    assert per_author.iloc[0] > 50  # and a few post a lot
    days = pd.to_datetime(frame["datePublished"].astype(int), unit="s").dt.floor("D").value_counts()
    for offset, *_ in SPIKES:
        spike_day = pd.Timestamp(START.date()) + pd.Timedelta(days=offset)
        assert days[spike_day] > 4 * days.median()


def test_text_lengths_follow_the_source_category():
    from lib.mentions.normalize import html_to_text

    frame = generate(4000)
    plain = frame["messageContent"].map(html_to_text).str.len()
    by_category = plain.groupby(frame["sourceCategory"])
    assert by_category.max()["microblogs"] <= 280
    assert 200 <= by_category.median()["reviews"] <= 800
    for category in ("blogs", "news", "news_national"):
        assert by_category.min()[category] >= 900 and by_category.median()[category] >= 1500, category
    long_form = frame["sourceCategory"].isin(["blogs", "forums", "news", "news_national"])
    paragraphs = frame.loc[long_form, "messageContent"].str.count("<p>|<ul>")
    assert paragraphs.min() >= 2  # paragraphs of HTML (a list is one)
    assert 300 <= plain.mean() <= 700  # reviews, blogs and news, not only tweets


def test_the_short_mix_keeps_one_sentence_per_mention():
    from lib.mentions.normalize import html_to_text
    from lib.sources.demo_campaigns import planted

    frame = generate(2000, mix="short")
    copies = {key for keys in planted(frame).values() for key in keys}
    own = frame[~frame["uniqueId"].isin(copies)]  # a planted retweet carries its "RT @author: " on top
    short = own["messageContent"].map(html_to_text).str.len()
    assert short.max() <= 280 and 60 <= short.mean() <= 120
