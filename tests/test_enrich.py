"""Enrichment at ingest: tokens of social-media text, terms and phrases per language, VADER for English,
incremental and multi-process enrichment."""

import math

import numpy as np

import lib.text.vocabulary
from lib.queries.model import MentionModel
from lib.text.enrich import terms_and_phrases, tokens
from tests.text_corpus import CORPUS, corpus_frame


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


def test_enrichment_is_stored_with_vader_for_english_only(corpus_model):
    by_key = dict(zip(corpus_model.keys.to_pylist(), corpus_model.vader, strict=True))
    assert by_key["4"] > 0.5 and by_key["8"] < -0.5  # "lovely … lovely" and "terrible … terrible"
    assert math.isnan(by_key["5"]) and math.isnan(by_key["6"])  # German: unsupported, not guessed


def test_an_incremental_write_enriches_only_its_new_mentions(corpus_store, monkeypatch):
    seen = []
    real = lib.text.vocabulary.analyse_all

    def spy(texts, languages, **options):
        seen.append(list(texts))
        return real(texts, languages, **options)

    monkeypatch.setattr(lib.text.vocabulary, "analyse_all", spy)
    before = MentionModel.from_store(corpus_store)
    old_terms = before.text.top_terms(None, top=100)
    corpus_store.ingest(
        [corpus_frame([("9", "en", "positive", "Smooth boarding and a lovely crew")])], kind="pull", source="t"
    )
    assert seen == [["Smooth boarding and a lovely crew"]]
    after = MentionModel.from_store(corpus_store)
    crew = after.text.top_terms(None, top=100).set_index("term")["mentions"]
    assert crew["crew"] == old_terms.set_index("term")["mentions"]["crew"] + 1
    assert crew["boarding"] == 1


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


def test_large_batches_of_one_write_go_to_the_same_kept_workers(tmp_path, monkeypatch):
    """Batches at or above ENRICH_MIN_TEXTS are analysed by the worker processes kept for the whole write (no
    process start per batch), and give the enrichment a one-process analysis gives."""
    import lib.store.staging
    import lib.text.enrich
    from lib.store.local import Store

    started = []
    real_popen = lib.text.enrich.subprocess.Popen

    def counting_popen(*args, **kwargs):
        started.append(args[0])
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(lib.store.staging, "ENRICH_MIN_TEXTS", 8)
    monkeypatch.setattr(lib.text.enrich.subprocess, "Popen", counting_popen)
    frames = [corpus_frame() for _ in range(3)]  # three batches of the corpus's 8 mentions, under new keys
    for frame, batch in zip(frames, range(3), strict=True):
        frame["uniqueId"] = [str(batch * 100 + k) for k in range(len(frame))]
    store = Store(tmp_path / "w.duckdb")
    store.ingest(frames, kind="import", source="batches")
    workers = min(lib.text.enrich.os.cpu_count() or 1, 8)
    if workers >= 2:
        assert len(started) == workers and all("--serve" in cmd for cmd in started)  # once per write, not per batch
    model = MentionModel.from_store(store)
    texts = [text for frame in frames for text in frame["messageContent"]]
    alone = lib.text.enrich.analyse(texts, [lang for frame in frames for lang in frame["messageLanguage"]])
    by_key = dict(zip(model.keys.to_pylist(), model.vader, strict=True))
    keys = [key for frame in frames for key in frame["uniqueId"]]
    assert np.allclose([by_key[k] for k in keys], alone.scores, equal_nan=True)


def test_workers_take_a_batch_in_parts_and_give_what_one_process_gives(monkeypatch):
    """A worker is sent its share of a batch in parts of ``WORKER_PART_TEXTS`` (its memory follows the part): the
    terms, phrases, scores and sketches of every text, in order, are those one process gives for the whole batch."""
    import lib.text.enrich
    from lib.text.near_duplicates import Sketch, sketch

    def per_text(chunks: list) -> list:
        out = []
        for c in chunks:
            for i in range(len(c.scores)):
                terms = c.term_index[c.term_offsets[i] : c.term_offsets[i + 1]]
                phrases = c.phrase_index[c.phrase_offsets[i] : c.phrase_offsets[i + 1]]
                out.append(([c.term_keys[j] for j in terms], [c.phrase_keys[j] for j in phrases], c.scores[i]))
        return out

    monkeypatch.setattr(lib.text.enrich, "WORKER_PART_TEXTS", 3)
    frame = corpus_frame()
    texts = [f"{text} copy {k}" for k in range(3) for text in frame["messageContent"]]
    languages = [lang for _ in range(3) for lang in frame["messageLanguage"]]
    workers = lib.text.enrich.Workers(2)
    try:
        chunks, parts = workers.analyse_and_sketch(texts, languages)
    finally:
        workers.close()
    assert len(chunks) == 2 * -(-len(texts) // 2 // 3)  # each worker's half, three texts at a time
    got, alone = per_text(chunks), per_text([lib.text.enrich.analyse(texts, languages)])
    assert [g[:2] for g in got] == [a[:2] for a in alone]
    assert np.allclose([g[2] for g in got], [a[2] for a in alone], equal_nan=True)
    whole, joined = sketch(texts), Sketch.concat([Sketch(*part) for part in parts])
    assert (joined.form == whole.form).all() and (joined.sig == whole.sig).all()
    assert (joined.usable == whole.usable).all()


def _fields(encoded) -> list:
    import lib.text.enrich

    # NaN scores (languages without VADER) as None: NaN is not equal to itself
    return [
        [None if x != x else x for x in v.tolist()] if isinstance(v, np.ndarray) else v
        for v in lib.text.enrich.astuple_shallow(encoded)
    ]


def test_tokenising_with_re2_gives_what_pythons_re_gives_text_by_text():
    # analyse tokenises a batch at once with RE2 (Python's classes written out); analyse_each is the reference.
    import random

    from lib.mentions.normalize import html_to_text
    from lib.sources.demo import generate
    from lib.text.enrich import _tokenised, analyse, analyse_each
    from tests import hostile

    frame = generate(600, seed=11, mix="realistic")
    texts = [html_to_text(t) for t in frame["messageContent"]] + [text for _, _, _, text in CORPUS]
    languages = frame["messageLanguage"].tolist() + [language for _, language, _, _ in CORPUS]
    rng = random.Random(5)
    alphabet = [*"aAbBzZ09_-'’.#@/:,!?()[]\"“”…| ", "é", "İ", "ß", "Σ", "①", "➀", "😀", "🄀", "\u00a0", "\u2003"]
    alphabet += ["\x1c", "\t", "\n", "中", "١", "²", "ǅ", "ⅷ", "\u0301", "www.", "http://", "https://x.co/", ".com/"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    texts += [v for v in vars(hostile).values() if isinstance(v, str) and "\x00" not in v] + [""]
    languages += [rng.choice(["en", "", "pt-BR", "x:y", "fr"]) for _ in range(len(texts) - len(languages))]
    assert _tokenised([text.lower() for text in texts]) is not None  # RE2 takes them all
    assert _fields(analyse(texts, languages)) == _fields(analyse_each(texts, languages))
    for one in ("a\x00b c", "a\ud800b c", ""):  # no RE2 (a NUL, a lone surrogate), or nothing to tokenise
        assert _fields(analyse([one, "x y"], ["en", "en"])) == _fields(analyse_each([one, "x y"], ["en", "en"]))
