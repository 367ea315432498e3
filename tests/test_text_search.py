"""The model without its texts finds what the model with every text in memory found, and reads texts by row.

The reference is the earlier path: every text in memory, each leaf of a query scanned by RE2
(``MentionModel.from_store(store, texts_in_memory=True)``). The new path answers words, hashtags and handles from
the term index plus the pieces of links, and phrases and wildcards by a DuckDB scan over the store.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest
import scipy.sparse as sp

from lib.mentions.normalize import normalize
from lib.queries import search_files
from lib.queries.interface import ModelQueries, Scope
from lib.queries.model import MODEL_COLUMNS, MentionModel
from lib.queries.search_files import SearchFiles
from lib.queries.text_search import MemoryTexts, StoreTexts
from lib.store.local import Store
from lib.text.postings import Postings

QUERIES = [
    # words, hashtags, handles (term index), some of them inside links only
    "delay",
    "northwind",
    "status",
    "www",
    "instagram",
    "vuelo",
    "#travel",
    "@northwindhelp",
    "unknownword",
    # phrases, wildcards, emoji, numbers (scans)
    '"cabin crew"',
    '"baggage service"',
    "delay*",
    "bagag*",
    "😡",
    '"two hours"',
    # boolean
    'price* OR "cheap flights" -#travel',
    "(delay OR late) AND NOT (refund OR sorry OR 🙏)",
    '"cabin crew" -delay* flight',
    "NOT (flight OR plane OR seat) OR good",
    "#delayed | @northwindhelp | crew",
]

EDGES = [
    # uniqueId, text
    ("1", "Check-in took ages, don't ask. #travel's best"),
    ("2", "See northwind.example/status/NW12 and www.Example.org now"),
    ("3", "The DELAY was awful 😡 https://bit.ly/abc?q=delay"),
    ("4", "pre-check-in desk, 2026 edition"),
    ("5", "Nothing to see here"),
    ("6", "Delays delayed; delay-related (delay)"),
]


def earlier(store: Store, model: MentionModel) -> MentionModel:
    """The earlier model of the same store, its rows in ``model``'s order."""
    old = MentionModel.from_store(store, texts_in_memory=True)
    assert isinstance(old.texts, MemoryTexts)
    position = pc.index_in(model.keys, value_set=old.keys)
    old.texts = MemoryTexts(old.texts.content.take(position))
    old.finder.texts = old.texts
    return old


@pytest.fixture(scope="module")
def demo_pair(demo_data_dir):
    store = Store(demo_data_dir / "demo.duckdb")
    model = MentionModel.from_store(store)
    return model, earlier(store, model)


def test_the_model_holds_no_text(demo_model):
    assert "messageContent" not in MODEL_COLUMNS
    assert isinstance(demo_model.texts, StoreTexts) and not hasattr(demo_model, "content")


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_what_the_full_text_scan_found(demo_pair, query):
    model, old = demo_pair
    model.finder.clear()
    new, before = model.search(query), old.search(query)
    assert before.any() or query == "unknownword"
    np.testing.assert_array_equal(new, before)


def _edge_store(folder) -> Store:
    raw = pd.DataFrame(EDGES, columns=["uniqueId", "content"])
    raw["language"] = "en"
    raw["datePublished"] = "2026-03-01T12:00:00Z"
    frame, report = normalize(raw)
    assert not report.rejected
    store = Store(folder / "edges.duckdb")
    store.ingest([frame], kind="import", source="edges")
    return store


@pytest.fixture
def edge_store(tmp_path):
    return _edge_store(tmp_path)


@pytest.fixture(scope="module")
def edge_pair(tmp_path_factory):
    """The edge store read by the model and by the scan, once for the questions that only read it."""
    store = _edge_store(tmp_path_factory.mktemp("edges"))
    model = MentionModel.from_store(store)
    return model, earlier(store, model)


@pytest.mark.parametrize(
    "query",
    ["check", "in", "don", "don't", "#travel", "northwind", "status", "example", "org", "delay", "abc", "q", "2026"],
)
def test_compounds_links_and_numbers_are_found_as_the_scan_found_them(edge_pair, query):
    model, scan = edge_pair
    model.finder.clear()
    np.testing.assert_array_equal(model.search(query), scan.search(query))


def test_two_keys_with_one_hash_fall_back_to_the_keys(edge_store, monkeypatch):
    model = MentionModel.from_store(edge_store)
    expected = {q: earlier(edge_store, model).search(q) for q in ("delay", '"see northwind"', "status")}
    monkeypatch.setattr(StoreTexts, "_key_hashes", lambda self: None)
    for query, mask in expected.items():
        np.testing.assert_array_equal(model.search(query), mask)


def test_mentions_written_after_the_model_loaded_are_not_counted(edge_store):
    model = MentionModel.from_store(edge_store)
    raw = pd.DataFrame([("7", "another delay, a new one")], columns=["uniqueId", "content"])
    raw["language"] = "en"
    frame, _ = normalize(raw)
    edge_store.ingest([frame], kind="import", source="later")
    assert len(model.search('"new one"')) == model.n == len(EDGES) and not model.search('"new one"').any()


def test_texts_are_read_for_the_chosen_rows_only(demo_pair, monkeypatch):
    model, old = demo_pair
    read = []
    real = StoreTexts.texts
    monkeypatch.setattr(StoreTexts, "texts", lambda self, rows: read.append(len(rows)) or real(self, rows))
    scope = Scope().searching('"cabin crew"')
    new, before = ModelQueries(model).texts(scope, 20, seed=3), ModelQueries(old).texts(scope, 20, seed=3)
    assert new == before and len(new) == 20 and read == [20]
    assert all("cabin crew" in text.lower() for _, text in new)
    shown = ModelQueries(model).disagreeing(Scope(), 10, seed=1)
    assert shown.equals(ModelQueries(old).disagreeing(Scope(), 10, seed=1)) and read[-1] == len(shown)


PHRASE_EDGES = [
    ("p1", "Lost luggage again. LOST, luggage! lost luggage"),
    ("p2", "lost_luggage desk, and x_lost luggage"),
    ("p3", "The crew was lost; luggage came later"),
    ("p4", "luggage lost, never the other way"),
    ("p5", "Great #cabin crew on a #travel day"),
    ("p6", "I don’t know, you don't know"),
    ("p7", "the check-in desk was slow"),
    ("p8", "See northwind.example/status update soon"),
    ("p9", "the the the flight"),
    ("p10", "@northwindhelp lost luggage 😡 at gate 12 B"),
    ("p11", "cabin...crew and cabin 😡 crew"),
]
PHRASES = [
    '"lost luggage"',  # common words, with punctuation between them too
    '"LOST LUGGAGE"',  # case
    '"luggage lost"',  # the words of p1 occur, never in this order there
    '"crew lost"',
    '"luggage came later"',  # rare words
    '"#cabin crew"',  # a hashtag inside a phrase
    '"cabin crew"',
    '"#travel day"',
    '"in desk"',  # inside a compound
    '"check in"',
    '"status update"',  # a word inside a link
    '"the flight"',
    '"the the"',
    '"don\'t know"',  # apostrophes, straight and curly
    '"@northwindhelp lost"',  # a handle
    '"gate 12 b"',  # a number inside
    '"never together"',  # no such words
    '"way luggage"',  # both words, never adjacent
    "lost*",
    "lugg*",
    '"lost luggage" OR "status update"',
    'desk "lost luggage"',
    '"cabin crew" NOT "#cabin crew"',
]


@pytest.fixture(scope="module")
def phrase_store(tmp_path_factory):
    raw = pd.DataFrame(PHRASE_EDGES, columns=["uniqueId", "content"])
    raw["language"] = "en"
    raw["datePublished"] = "2026-03-01T12:00:00Z"
    frame, report = normalize(raw)
    assert not report.rejected
    store = Store(tmp_path_factory.mktemp("phrases") / "phrases.duckdb")
    store.ingest([frame], kind="import", source="phrases")
    return store


@pytest.mark.parametrize("query", PHRASES)
def test_phrases_read_their_candidates_from_the_side_files_and_find_what_the_scan_found(
    phrase_store, query, monkeypatch
):
    model = MentionModel.from_store(phrase_store)
    expected = earlier(phrase_store, model).search(query)
    monkeypatch.setattr(StoreTexts, "scan", lambda self, node: pytest.fail("scanned the store"))
    monkeypatch.setattr(StoreTexts, "links", lambda self: pytest.fail("scanned the store for links"))
    read = []
    real = SearchFiles.texts
    monkeypatch.setattr(SearchFiles, "texts", lambda self, rows: read.append(len(rows)) or real(self, rows))
    np.testing.assert_array_equal(model.search(query), expected)
    assert model.finder.side_files() is not None
    assert sum(read) < model.n or not read  # only candidates: never every text


def test_side_files_are_written_once_per_store_version(phrase_store):
    first = MentionModel.from_store(phrase_store)
    files = first.finder.side_files()
    assert files is not None and files.folder.parent.name.endswith(".search")
    stamp = (files.folder / "texts.arrow").stat().st_mtime_ns
    second = MentionModel.from_store(phrase_store)
    assert second.finder.side_files().folder == files.folder
    assert (files.folder / "texts.arrow").stat().st_mtime_ns == stamp  # opened, not written again
    np.testing.assert_array_equal(second.search('"lost luggage"'), first.search('"lost luggage"'))


def test_no_side_files_when_the_folder_cannot_be_written(phrase_store, monkeypatch):
    model = MentionModel.from_store(phrase_store)
    expected = earlier(phrase_store, model).search('"lost luggage" OR status')
    monkeypatch.setattr(search_files, "folder_of", lambda path, version: Path("/proc/no-such-folder") / version)
    assert model.finder.side_files() is None
    np.testing.assert_array_equal(model.search('"lost luggage" OR status'), expected)


def test_postings_give_the_rows_of_each_term():
    matrix = sp.csr_matrix(np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]], dtype=np.int8))
    postings = Postings.of(matrix)
    assert [sorted(postings.rows(np.array([i])).tolist()) for i in range(3)] == [[0, 2], [2], [0, 1]]
    assert sorted(postings.rows(np.array([0, 1])).tolist()) == [0, 2, 2] and not len(postings.rows(np.array([])))
    moved = Postings.of(matrix, rows=np.array([10, 11, 12]))
    assert sorted(moved.rows(np.array([2])).tolist()) == [10, 11]


def test_postings_load_from_disk_without_the_ast_module(tmp_path, monkeypatch):
    """Loaded in a background thread while pages are parsed: on Python 3.11 any use of ``ast`` there (numpy's
    ``.npy`` header is read with ``ast.literal_eval``) can fail the page being parsed. Empty postings load too."""
    import ast

    matrix = sp.csr_matrix(np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]], dtype=np.int8))
    (tmp_path / "some").mkdir()
    (tmp_path / "none").mkdir()
    Postings.of(matrix, rows=np.array([10, 11, 12])).save(tmp_path / "some")
    Postings.of(sp.csr_matrix((0, 4), dtype=np.int8)).save(tmp_path / "none")

    used = []

    def refused(*args, **kwargs):
        used.append(args)
        raise RuntimeError("the ast module was used")

    with monkeypatch.context() as patched:  # pytest itself uses ast to report a failure: only around the loads
        patched.setattr(ast, "parse", refused)
        patched.setattr(ast, "literal_eval", refused)
        try:
            loaded, empty = Postings.load(tmp_path / "some"), Postings.load(tmp_path / "none")
        except RuntimeError:
            loaded = empty = None
    assert not used and loaded is not None and empty is not None
    assert sorted(loaded.rows(np.array([2])).tolist()) == [10, 11] and loaded.size == 3
    assert empty.size == 4 and not len(empty.rows(np.array([1])))
    (tmp_path / "some" / "postings-indices.int32").write_bytes(b"abc")  # not whole values: refused, not misread
    with pytest.raises(ValueError, match="not whole int32 values"):
        Postings.load(tmp_path / "some")


def _damage(kind: str, folder: Path) -> None:
    texts = folder / "texts.arrow"
    data = bytearray(texts.read_bytes())
    if kind == "bytes":  # a damaged disk: a byte overwritten every 64 bytes past the header
        for i in range(200, len(data), 64):
            data[i] ^= 0x5A
        texts.write_bytes(bytes(data))
    elif kind == "half":
        texts.write_bytes(bytes(data[: len(data) // 2]))
    elif kind == "gone":
        texts.unlink()


@pytest.mark.parametrize("kind", ["bytes", "half", "gone"])
def test_damaged_side_files_are_written_again_when_opened(phrase_store, kind):
    """A damaged side file (disk, half copy, removed) never answers: the next model finds it does not match the
    digests ``complete`` records, removes the folder and writes it again."""
    first = MentionModel.from_store(phrase_store)
    expected = earlier(phrase_store, first).search('"lost luggage" OR "cabin crew"')
    folder = first.finder.side_files().folder
    _damage(kind, folder)
    model = MentionModel.from_store(phrase_store)
    assert model.finder.side_files() is not None  # written again
    np.testing.assert_array_equal(model.search('"lost luggage" OR "cabin crew"'), expected)
    assert model.finder.side_files().texts(np.arange(model.n)).null_count == 0


@pytest.mark.parametrize("kind", ["half", "gone"])
def test_a_side_file_changed_under_a_running_server_makes_the_search_read_the_store(phrase_store, kind):
    model = MentionModel.from_store(phrase_store)
    expected = earlier(phrase_store, model).search('"lost luggage"')
    _damage(kind, model.finder.side_files().folder)
    np.testing.assert_array_equal(model.search('"lost luggage"'), expected)  # no exception, the right rows
    assert model.finder.side_files() is None


@pytest.mark.parametrize("kind", ["empty", "zeros", "random", "rows-gone"])
def test_postings_changed_under_a_running_server_never_answer_a_word(phrase_store, kind):
    """The postings file cut short, zeroed or overwritten in place after the folder was opened: a word search
    gives the term index's answer, without an exception (a memory-mapped file cut short killed the server with
    SIGBUS; zeros in place answered 1 mention for 3,326, random bytes raised IndexError on the page)."""
    model = MentionModel.from_store(phrase_store)
    expected = earlier(phrase_store, model).search("luggage OR crew")
    files = model.finder.side_files()
    np.testing.assert_array_equal(model.search("luggage"), earlier(phrase_store, model).search("luggage"))
    model.finder.clear()
    path = files.folder / "postings-indices.int32"
    size = path.stat().st_size
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "zeros":
        with open(path, "r+b") as handle:
            handle.write(b"\0" * size)
    elif kind == "random":
        with open(path, "r+b") as handle:
            handle.write(np.random.default_rng(1).bytes(size))
    else:
        path.unlink()
    np.testing.assert_array_equal(model.search("luggage OR crew"), expected)
    assert model.finder.side_files() is None  # dropped: the next model writes them again


def test_side_files_of_another_store_are_not_read(phrase_store, tmp_path):
    """The texts file of a store with the same keys but other texts (a copy gone wrong) fails its digest."""
    first = MentionModel.from_store(phrase_store)
    expected = earlier(phrase_store, first).search('"lost luggage"')
    folder = first.finder.side_files().folder
    other_rows = [(key, text[::-1]) for key, text in PHRASE_EDGES]
    raw = pd.DataFrame(other_rows, columns=["uniqueId", "content"]).assign(
        language="en", datePublished="2026-03-01T12:00:00Z"
    )
    other = Store(tmp_path / "other.duckdb")
    other.ingest([normalize(raw)[0]], kind="import", source="other")
    other_files = MentionModel.from_store(other).finder.side_files()
    shutil.copy(other_files.folder / "texts.arrow", folder / "texts.arrow")
    model = MentionModel.from_store(phrase_store)
    np.testing.assert_array_equal(model.search('"lost luggage"'), expected)
