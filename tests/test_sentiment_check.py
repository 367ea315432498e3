"""The sentiment check: VADER beside Social Connect's sentiment."""

import numpy as np

from lib.queries.interface import ModelQueries, Scope
from lib.queries.sentiment_check import agreement, agreement_rate, disagreements, five_level_counts


def test_vader_is_set_beside_social_connects_sentiment(corpus_model):
    everything = np.ones(corpus_model.n, dtype=bool)
    grid = ModelQueries(corpus_model).sentiment_grid(Scope())
    matrix = agreement(grid)
    assert matrix["unsupported"].sum() == 2  # the German mentions
    assert int(matrix.to_numpy().sum()) == corpus_model.n
    rate, both = agreement_rate(matrix)
    assert both == 6 and 0 <= rate <= 1
    assert matrix.loc["positive", "positive"] >= 1 and matrix.loc["negative", "negative"] >= 1
    sample = disagreements(corpus_model, everything, size=10)
    social = corpus_model.columns["messageSentiment"]
    for row in sample:
        theirs = social.values[social.codes[row]]
        ours = (
            "positive"
            if corpus_model.vader[row] >= 0.05
            else "negative"
            if corpus_model.vader[row] <= -0.05
            else "neutral"
        )
        assert theirs != ours
    assert len(sample) == both - round(rate * both)
    levels = five_level_counts(grid).set_index("level")["mentions"]
    assert levels["unsupported"] == 2 and levels.sum() == corpus_model.n
