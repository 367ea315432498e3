"""Text analysis on small hand-made corpora: enrichment, the term index, stopwords per language, phrases,
distinctive terms, keyword in context, topics and the sentiment check."""

import math

import numpy as np
import pandas as pd
import pytest

import lib.text.vocabulary
from lib.mentions.normalize import normalize
from lib.queries.interface import ModelQueries, Scope, clauses, topic_counts
from lib.queries.model import MentionModel
from lib.queries.sentiment_check import agreement, agreement_rate, disagreements, five_level_counts
from lib.store.local import Store
from lib.text.enrich import terms_and_phrases, tokens
from lib.text.kwic import kwic
from lib.text.stopwords import language_stopwords, load_stoplist, parse_words, save_stoplist
from lib.text.terms import Stoplist, pmi
from lib.text.topics import Topic, TopicError, TopicSet, load_topics, save_topics, topic_mask

CORPUS = [
    # uniqueId, language, sentiment, text
    ("1", "en", "negative", "The flight was delayed. Cabin crew were rude!"),
    ("2", "en", "negative", "Delayed again, cabin crew lost my bag #delayed"),
    ("3", "en", "positive", "Great cabin crew and a great flight 😀"),
    ("4", "en", "positive", "Lovely crew, lovely food, on time"),
    ("5", "de", "negative", "Der Flug hatte auch Verspätung und die Crew war unfreundlich"),
    ("6", "de", "positive", "Die Crew war super und auch das Essen"),
    ("7", "en", "neutral", "Flights to Lisbon: see https://ex.com/x and @NorthwindAir"),
    ("8", "en", "negative", "Terrible delays, terrible food, auch"),
]


def corpus_frame(rows=CORPUS):
    raw = pd.DataFrame(rows, columns=["uniqueId", "language", "sentiment", "content"])
    raw["datePublished"] = [f"2026-03-{int(r[0]):02d}T12:00:00Z" for r in rows]
    frame, report = normalize(raw)
    assert not report.rejected
    return frame


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    store.ingest([corpus_frame()], kind="import", source="corpus")
    return store


@pytest.fixture
def model(store):
    return MentionModel.from_store(store)


def mask_of(model, ids):
    wanted = set(ids)
    return np.array([k in wanted for k in model.keys.to_pylist()])


# -- tokens ------------------------------------------------------------------------------------
def test_the_tokenizer_knows_social_media_text():
    assert tokens("Don't fly @UnitedAir!! #Delayed 3 hours 😡 https://t.co/x check-in") == [
        "don't",
        "fly",
        "@unitedair",
        "!!",
        "#delayed",
        "3",
        "hours",
        "😡",
        "https://t.co/x",
        "check-in",
    ]


def test_terms_are_keyed_by_language_and_phrases_do_not_cross_punctuation_or_hashtags():
    terms, phrases = terms_and_phrases("Cabin crew, cabin crew. #Crew rocks 3 times", "en")
    assert terms == ["en:cabin", "en:crew", ":#crew", "en:rocks", "en:times"]  # each once; numbers are no terms
    assert phrases == ["en:cabin crew"]  # "crew cabin" crosses a comma, "#crew rocks" a hashtag, "rocks times" a number


def test_enrichment_is_stored_with_vader_for_english_only(model):
    by_key = dict(zip(model.keys.to_pylist(), model.vader, strict=True))
    assert by_key["4"] > 0.5 and by_key["8"] < -0.5  # "lovely … lovely" and "terrible … terrible"
    assert math.isnan(by_key["5"]) and math.isnan(by_key["6"])  # German: unsupported, not guessed


def test_an_incremental_write_enriches_only_its_new_mentions(store, monkeypatch):
    seen = []
    real = lib.text.vocabulary.analyse_all

    def spy(texts, languages, **options):
        seen.append(list(texts))
        return real(texts, languages, **options)

    monkeypatch.setattr(lib.text.vocabulary, "analyse_all", spy)
    before = MentionModel.from_store(store)
    old_terms = before.text.top_terms(None, top=100)
    store.ingest(
        [corpus_frame([("9", "en", "positive", "Smooth boarding and a lovely crew")])], kind="pull", source="t"
    )
    assert seen == [["Smooth boarding and a lovely crew"]]
    after = MentionModel.from_store(store)
    crew = after.text.top_terms(None, top=100).set_index("term")["mentions"]
    assert crew["crew"] == old_terms.set_index("term")["mentions"]["crew"] + 1
    assert crew["boarding"] == 1


# -- the term index ----------------------------------------------------------------------------
def brute_force_counts(model, mask):
    """Mentions per vocabulary id, the slow way: one row at a time."""
    counts = np.zeros(model.text.size, dtype=np.int64)
    matrix = model.text.terms
    for row in np.flatnonzero(mask):
        counts[matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]] += 1
    return counts


@pytest.mark.parametrize(
    "ids", [[], ["3"], ["1", "2", "3", "4"], ["1", "2", "3", "4", "5", "6", "7"], list("12345678")]
)
def test_counts_match_a_row_by_row_count_whatever_the_share_selected(model, ids):
    mask = mask_of(model, ids)
    assert (model.text.counts(mask) == brute_force_counts(model, mask)).all()


def test_stopwords_follow_each_mentions_language(model):
    top = model.text.top_terms(None, top=100).set_index("term")["mentions"]
    assert "the" not in top and "and" not in top  # English stopwords
    assert "und" not in top and "der" not in top  # German stopwords in German mentions
    # "auch" is a German stopword, not an English one: mention 8 (English) keeps it.
    assert "auch" in language_stopwords("de") and "auch" not in language_stopwords("en")
    assert top["auch"] == 1
    assert top["crew"] == 6  # "crew" in English and German mentions is one term


def test_the_teams_stoplist_drops_and_keeps_words(model, tmp_path):
    stop = Stoplist(add=frozenset({"crew"}), keep=frozenset({"the"}))
    top = model.text.top_terms(None, top=100, stoplist=stop).set_index("term")["mentions"]
    assert "crew" not in top and top["the"] == 1
    save_stoplist(tmp_path / "x.duckdb", stop)
    assert load_stoplist(tmp_path / "x.duckdb") == stop
    assert parse_words("Crew, cabin\n  wifi ") == frozenset({"crew", "cabin", "wifi"})


def test_word_forms_group_by_stem(model):
    plain = model.text.top_terms(None, top=100).set_index("term")["mentions"]
    stems = model.text.top_terms(None, top=100, by_stem=True).set_index("term")["mentions"]
    assert plain["delayed"] == 2 and plain["delays"] == 1
    assert stems["delayed"] == 3  # delayed + delays, labelled by the commoner form
    assert stems["flight"] == 3  # flight (1, 3) + flights (7)


def test_hashtags_handles_and_emoji_are_their_own_kinds(model):
    assert model.text.top_terms(None, ("hashtag",))["term"].tolist() == ["#delayed"]
    assert model.text.top_terms(None, ("handle",))["term"].tolist() == ["@northwindair"]
    assert model.text.top_terms(None, ("emoji",))["term"].tolist() == ["😀"]


def test_phrases_are_ranked_by_pmi_with_a_minimum_count(model):
    table = model.text.phrases_of(None, min_count=2).set_index("phrase")
    assert "cabin crew" in table.index
    # cabin crew: in 3 mentions; cabin in 3, English crew in 4 (German "Crew" is another term), of 8 mentions.
    assert table.loc["cabin crew", "mentions"] == 3
    assert table.loc["cabin crew", "pmi"] == pytest.approx(pmi(3, 3, 4, 8)) == pytest.approx(1.0)
    assert "crew were" not in table.index  # "were" is a stopword
    assert model.text.phrases_of(None, min_count=4).empty


def distinctive(model: MentionModel, a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    """Distinctive terms of two masks of the model, every term counted (min_count 1)."""
    text = model.text
    return text.distinctive_of(text.counts(a), text.counts(b), (int(a.sum()), int(b.sum())), min_count=1)


def test_distinctive_terms_set_two_segments_apart(model):
    negative = model.value_mask("messageSentiment", ("negative",))
    positive = model.value_mask("messageSentiment", ("positive",))
    table = distinctive(model, negative, positive).set_index("term")
    assert table.loc["delayed", "z"] > 0 and table.loc["delayed", "in_a"] == 2
    assert table.loc["lovely", "z"] < 0 and table.loc["lovely", "in_b"] == 1
    flipped = distinctive(model, positive, negative).set_index("term")
    assert flipped.loc["delayed", "z"] == pytest.approx(-table.loc["delayed", "z"])


# -- keyword in context --------------------------------------------------------------------------
def test_keyword_in_context_finds_every_match_with_its_context():
    lines = kwic(
        [(0, "It was delayed, delayed\nagain"), (1, "#delayed <b>cabin  crew</b>")], 'delay* OR "cabin crew"', 8
    )
    assert lines[["row", "before", "match", "after"]].values.tolist() == [
        [0, "It was ", "delayed", ", delaye…"],
        [0, "…elayed, ", "delayed", " again"],
        [1, "…ayed <b>", "cabin crew", "</b>"],  # text stays text; whitespace folded; #delayed is a hashtag
    ]


# -- topics --------------------------------------------------------------------------------------
TOPICS = TopicSet(
    (
        Topic("Delays", "delay* OR verspätung"),
        Topic("Crew", 'crew AND NOT "cabin crew"'),
        Topic("Service", "", ""),
        Topic("Food", "food OR essen", "Service"),
        Topic("Rude", "rude OR unfreundlich", "Service"),
    )
)


def test_topics_match_their_queries_and_a_parent_its_children(model):
    search, n = model.search, model.n

    def ids(name):
        return sorted(np.asarray(model.keys)[topic_mask(TOPICS, name, search, n)].tolist())

    assert ids("Delays") == ["1", "2", "5", "8"]
    assert ids("Crew") == ["4", "5", "6"]
    assert ids("Service") == ["1", "4", "5", "6", "8"]  # food/essen or rude/unfreundlich
    table = topic_counts(ModelQueries(model), Scope(), TOPICS).set_index("topic")
    assert table.loc["Service", "mentions"] == 5 and table.loc["Food", "parent"] == "Service"


def test_a_text_topic_filters_like_any_other_filter(model):
    from lib.queries.filters import Filters

    filters = Filters.from_params(lambda key: {"topic": ["Delays", "Crew"]}.get(key, []))
    assert filters.text_topics == ("Delays", "Crew") and filters.to_params()["topic"] == ["Delays", "Crew"]
    assert sorted(np.asarray(model.keys)[model.mask(filters, topics=TOPICS)]) == ["1", "2", "4", "5", "6", "8"]


def test_topic_problems_name_the_topic_and_the_position():
    bad = TopicSet(
        (
            Topic("A", "delay AND (crew"),
            Topic("A", "food"),
            Topic("B", "x", "Nope"),
            Topic("C", "y", "D"),
            Topic("D", "z", "A"),
            Topic("", "wifi"),
            Topic("E", ""),
        )
    )
    problems = bad.problems()
    assert "A: Query error at 11: '(' is not closed" in problems
    assert "Two topics are named 'A': give each its own name." in problems
    assert "B: its parent 'Nope' is not a topic of this set." in problems
    assert "C: its parent 'D' has a parent itself; topics have one level." in problems
    assert "A topic with the query 'wifi' needs a name." in problems
    assert "E: write a query, or make it the parent of other topics." in problems
    with pytest.raises(TopicError):
        bad.check()


def test_a_topic_set_round_trips_through_json_and_the_settings_file(tmp_path):
    assert TopicSet.from_json(TOPICS.to_json()) == TOPICS
    save_topics(tmp_path / "s.duckdb", TOPICS)
    assert load_topics(tmp_path / "s.duckdb") == TOPICS
    with pytest.raises(TopicError, match="not a topic file"):
        TopicSet.from_json("{nope")


def test_the_clause_debugger_says_what_each_clause_adds_or_removes(model):
    q = ModelQueries(model)
    either = clauses(q, Scope(), "delayed OR crew OR zeppelin").set_index("clause")
    assert either.attrs["total"] == 6
    assert either.loc["delayed", "alone"] == 2 and either.loc["delayed", "mentions"] == 0  # both also say crew
    assert either.loc["crew", "mentions"] == 4  # 3, 4, 5 and 6 say crew but not "delayed"
    assert either.loc["zeppelin", "alone"] == 0
    both = clauses(q, Scope(), 'crew AND NOT "cabin crew"').set_index("clause")
    assert both.loc["crew", "effect"] == "removes" and both.loc["crew", "mentions"] == 2  # 7 and 8
    assert both.loc['NOT "cabin crew"', "mentions"] == 3  # 1, 2 and 3 have crew but are cabin crew
    assert both.attrs["total"] == 3


# -- the sentiment check -------------------------------------------------------------------------
def test_vader_is_set_beside_social_connects_sentiment(model):
    everything = np.ones(model.n, dtype=bool)
    grid = ModelQueries(model).sentiment_grid(Scope())
    matrix = agreement(grid)
    assert matrix["unsupported"].sum() == 2  # the German mentions
    assert int(matrix.to_numpy().sum()) == model.n
    rate, both = agreement_rate(matrix)
    assert both == 6 and 0 <= rate <= 1
    assert matrix.loc["positive", "positive"] >= 1 and matrix.loc["negative", "negative"] >= 1
    sample = disagreements(model, everything, size=10)
    social = model.columns["messageSentiment"]
    for row in sample:
        theirs = social.values[social.codes[row]]
        ours = "positive" if model.vader[row] >= 0.05 else "negative" if model.vader[row] <= -0.05 else "neutral"
        assert theirs != ours
    assert len(sample) == both - round(rate * both)
    levels = five_level_counts(grid).set_index("level")["mentions"]
    assert levels["unsupported"] == 2 and levels.sum() == model.n


def test_enrichment_on_several_processes_equals_one_process(monkeypatch):
    import lib.text.enrich

    texts = [text for _, _, _, text in CORPUS] * 3
    languages = [language for _, language, _, _ in CORPUS] * 3
    monkeypatch.setattr(lib.text.enrich, "PARALLEL_MIN_TEXTS", 0)
    parts = lib.text.enrich.analyse_all(texts, languages, processes=3)
    assert len(parts) == 3  # 24 texts in three parts, analysed by three worker processes
    vocabulary, reference = lib.text.vocabulary.Vocabulary(), lib.text.vocabulary.Vocabulary()
    together = vocabulary.encode([(c.term_keys, c.term_index, c.term_offsets) for c in parts])
    alone = lib.text.enrich.analyse(texts, languages)
    assert (
        together.to_pylist() == reference.encode([(alone.term_keys, alone.term_index, alone.term_offsets)]).to_pylist()
    )
    assert np.allclose(np.concatenate([c.scores for c in parts]), alone.scores, equal_nan=True)


def test_a_language_that_is_not_a_code_is_no_language():
    # A ':' in the language once split the "lang:term" key and failed the import with an IndexError.
    from lib.text.enrich import analyse

    encoded = analyse(["delayed again", "delayed"], [":red[![x](http://leak.example/a.png)]", "en"])
    assert ":delayed" in encoded.term_keys and "en:delayed" in encoded.term_keys
    assert all(key.count(":") >= 1 and not key.startswith(":red") for key in encoded.term_keys)


def test_long_texts_are_scored_in_runs_of_sentences_short_ones_whole():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from lib.text.enrich import VADER_WHOLE, sentence_runs, sentiment

    vader = SentimentIntensityAnalyzer()
    short = "The crew was great, the food terrible!"
    assert sentiment(short, "en") == vader.polarity_scores(short)["compound"]
    long = " ".join(["The crew was great and friendly.", "The delay was awful, nobody helped us!"] * 40)
    runs = sentence_runs(long)
    assert len(long) > VADER_WHOLE and len(runs) > 2 and max(map(len, runs)) <= VADER_WHOLE
    assert " ".join(runs) == long  # whole sentences, nothing lost
    scores = [vader.polarity_scores(r)["compound"] for r in runs]
    assert math.isclose(sentiment(long, "en"), np.average(scores, weights=[len(r) for r in runs]))
    assert all(len(r) <= 50 for r in sentence_runs("x" * 120 + " " + "y" * 30, 50))  # a run-on sentence is cut
