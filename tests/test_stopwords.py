"""The team's stoplist: words dropped and kept, saved beside the corpus_store."""

from lib.text.stopwords import load_stoplist, parse_words, save_stoplist
from lib.text.terms import Stoplist


def test_the_teams_stoplist_drops_and_keeps_words(corpus_model, tmp_path):
    stop = Stoplist(add=frozenset({"crew"}), keep=frozenset({"the"}))
    top = corpus_model.text.top_terms(None, top=100, stoplist=stop).set_index("term")["mentions"]
    assert "crew" not in top and top["the"] == 1
    save_stoplist(tmp_path / "x.duckdb", stop)
    assert load_stoplist(tmp_path / "x.duckdb") == stop
    assert parse_words("Crew, cabin\n  wifi ") == frozenset({"crew", "cabin", "wifi"})
