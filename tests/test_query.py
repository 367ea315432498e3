import pandas as pd
import pytest

from lib.mentions.normalize import normalize
from lib.queries.filters import Filters
from lib.queries.model import MentionModel
from lib.store.local import Store
from lib.text.boolean_query import And, Not, Or, Phrase, QueryError, Term, parse


@pytest.mark.parametrize(
    "query,tree",
    [
        ("a b", And((Term("a", position=0), Term("b", position=2)))),
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),  # AND binds tighter than OR
        ("(a or b) c", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("a & b | c", Or((And((Term("a"), Term("b"))), Term("c")))),
        ("a && b || c", Or((And((Term("a"), Term("b"))), Term("c")))),
        ("a -b", And((Term("a"), Not(Term("b"))))),
        ("a NOT b", And((Term("a"), Not(Term("b"))))),
        ("not not a", Not(Not(Term("a")))),
        ('"Lost  Luggage"', Phrase(("lost", "luggage"))),
        ("Bag*", Term("bag", wildcard=True)),
        ("#Delayed @NorthwindHelp", And((Term("#delayed"), Term("@northwindhelp")))),
    ],
)
def test_parse(query, tree):
    def strip(node):  # positions are checked apart
        if isinstance(node, Term):
            return Term(node.text, node.wildcard)
        if isinstance(node, Phrase):
            return Phrase(node.words)
        if isinstance(node, Not):
            return Not(strip(node.child))
        return type(node)(tuple(strip(c) for c in node.children))

    assert strip(parse(query)) == strip(tree)


@pytest.mark.parametrize(
    "query,position,message",
    [
        ("", 0, "empty"),
        ("a )", 2, r"has no '\('"),
        ("(a OR b", 0, "not closed"),
        ('a "open', 2, "not closed"),
        ("a OR", 4, "ends where"),
        ("AND a", 0, "needs a word"),
        ("ab* OR bc*", None, None),
        ("x*", 0, "two letters"),
        ("a - b", 2, "not a word"),
        ("--wifi", 1, "one '-'"),  # was NOT of "-wifi", which no word is: every mention matched
        ("crew NOT -wifi", None, None),  # NOT and '-' say it twice, as written
        ("wifi\x00", 0, "U\\+0000"),  # matched nothing, silently
        ("bag \u202ewifi", 4, "U\\+202E"),
        ("👨\u200d👩\u200d👧", None, None),  # a joiner inside an emoji is part of it
    ],
)
def test_errors_name_their_position(query, position, message):
    if message is None:
        parse(query)
        return
    with pytest.raises(QueryError, match=message) as caught:
        parse(query)
    assert caught.value.position == position


TEXTS = {
    "1": "Lost luggage again, no bags in sight #delayed",
    "2": "My baggage arrived, thanks @NorthwindHelp",
    "3": "luggage was lost in Madrid",
    "4": "Baggages everywhere; compensation please",
    "5": "The flight was delayed by two hours",
}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    raw = pd.DataFrame({"uniqueId": list(TEXTS), "messageContent": list(TEXTS.values()), "datePublished": "1700000000"})
    store = Store(tmp_path_factory.mktemp("q") / "m.duckdb")
    store.ingest([normalize(raw)[0]], kind="import", source="t")
    return MentionModel.from_store(store)


@pytest.mark.parametrize(
    "query,expected",
    [
        ('"lost luggage"', ["1"]),  # a phrase keeps its order: "luggage was lost" is not it
        ("lost luggage", ["1", "3"]),  # two words: both, anywhere
        ("baggage", ["2"]),  # a whole word: not "Baggages"
        ("bagg*", ["2", "4"]),
        ("bag*", ["1", "2", "4"]),
        ("bagg* -compensation", ["2"]),
        ("#delayed", ["1"]),  # the hashtag, not the word "delayed"
        ("delayed", ["5"]),
        ("@northwindhelp OR madrid", ["2", "3"]),
        ("(luggage OR baggage) AND NOT lost", ["2"]),
    ],
)
def test_matching(model, query, expected):
    assert sorted(model.page(model.mask(Filters(text=query)), limit=10)) == expected


def test_the_search_boxs_example_finds_mentions_of_the_demo_data(demo_model):
    """A new analyst types the example the search box shows: each of its parts finds mentions on the demo data
    (the example used to be a phrase the demo never says)."""
    from lib.queries.interface import ModelQueries, Scope
    from ui.widgets import TEXT_EXAMPLE

    q = ModelQueries(demo_model)
    tree = parse(TEXT_EXAMPLE)
    assert isinstance(tree, Or)
    parts = [child for child in tree.children]
    assert len(parts) == 2
    for query in ('"cabin crew"', "baggage*"):
        assert q.count(Scope(Filters(text=query))) > 0, query
    assert q.count(Scope(Filters(text=TEXT_EXAMPLE))) > q.count(Scope(Filters(text="baggage*")))
