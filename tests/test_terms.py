"""The term index: counts under any selection, stopwords per language, stems, kinds, phrases by PMI,
distinctive terms."""

import numpy as np
import pandas as pd
import pytest

from lib.queries.model import MentionModel
from lib.text.stopwords import language_stopwords
from lib.text.terms import pmi
from tests.text_corpus import mask_of


def brute_force_counts(corpus_model, mask):
    """Mentions per vocabulary id, the slow way: one row at a time."""
    counts = np.zeros(corpus_model.text.size, dtype=np.int64)
    matrix = corpus_model.text.terms
    for row in np.flatnonzero(mask):
        counts[matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]] += 1
    return counts


@pytest.mark.parametrize(
    "ids", [[], ["3"], ["1", "2", "3", "4"], ["1", "2", "3", "4", "5", "6", "7"], list("12345678")]
)
def test_counts_match_a_row_by_row_count_whatever_the_share_selected(corpus_model, ids):
    mask = mask_of(corpus_model, ids)
    assert (corpus_model.text.counts(mask) == brute_force_counts(corpus_model, mask)).all()


def test_stopwords_follow_each_mentions_language(corpus_model):
    top = corpus_model.text.top_terms(None, top=100).set_index("term")["mentions"]
    assert "the" not in top and "and" not in top  # English stopwords
    assert "und" not in top and "der" not in top  # German stopwords in German mentions
    # "auch" is a German stopword, not an English one: mention 8 (English) keeps it.
    assert "auch" in language_stopwords("de") and "auch" not in language_stopwords("en")
    assert top["auch"] == 1
    assert top["crew"] == 6  # "crew" in English and German mentions is one term


def test_word_forms_group_by_stem(corpus_model):
    plain = corpus_model.text.top_terms(None, top=100).set_index("term")["mentions"]
    stems = corpus_model.text.top_terms(None, top=100, by_stem=True).set_index("term")["mentions"]
    assert plain["delayed"] == 2 and plain["delays"] == 1
    assert stems["delayed"] == 3  # delayed + delays, labelled by the commoner form
    assert stems["flight"] == 3  # flight (1, 3) + flights (7)


def test_hashtags_handles_and_emoji_are_their_own_kinds(corpus_model):
    assert corpus_model.text.top_terms(None, ("hashtag",))["term"].tolist() == ["#delayed"]
    assert corpus_model.text.top_terms(None, ("handle",))["term"].tolist() == ["@northwindair"]
    assert corpus_model.text.top_terms(None, ("emoji",))["term"].tolist() == ["😀"]


def test_phrases_are_ranked_by_pmi_with_a_minimum_count(corpus_model):
    table = corpus_model.text.phrases_of(None, min_count=2).set_index("phrase")
    assert "cabin crew" in table.index
    # cabin crew: in 3 mentions; cabin in 3, English crew in 4 (German "Crew" is another term), of 8 mentions.
    assert table.loc["cabin crew", "mentions"] == 3
    assert table.loc["cabin crew", "pmi"] == pytest.approx(pmi(3, 3, 4, 8)) == pytest.approx(1.0)
    assert "crew were" not in table.index  # "were" is a stopword
    assert corpus_model.text.phrases_of(None, min_count=4).empty


def distinctive(corpus_model: MentionModel, a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    """Distinctive terms of two masks of the corpus_model, every term counted (min_count 1)."""
    text = corpus_model.text
    return text.distinctive_of(text.counts(a), text.counts(b), (int(a.sum()), int(b.sum())), min_count=1)


def test_distinctive_terms_set_two_segments_apart(corpus_model):
    negative = corpus_model.value_mask("messageSentiment", ("negative",))
    positive = corpus_model.value_mask("messageSentiment", ("positive",))
    table = distinctive(corpus_model, negative, positive).set_index("term")
    assert table.loc["delayed", "z"] > 0 and table.loc["delayed", "in_a"] == 2
    assert table.loc["lovely", "z"] < 0 and table.loc["lovely", "in_b"] == 1
    flipped = distinctive(corpus_model, positive, negative).set_index("term")
    assert flipped.loc["delayed", "z"] == pytest.approx(-table.loc["delayed", "z"])
