import json

import numpy as np
import pandas as pd
import pytest

from lib.mentions.normalize import normalize
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope, untagged
from lib.queries.model import MentionModel
from lib.queries.tags import (
    RecodeError,
    TagRecode,
    by_column,
    cooccurrence,
    editor_rows,
    frequency_table,
    lift,
    load_recode,
    raw_counts,
    recode_from_rows,
    recode_path,
    recode_tags,
    save_recode,
    tag_index,
    tag_names,
)
from lib.sources.ingest import import_file
from lib.store.local import Store

ROWS = [  # uniqueId, tags, sentiment
    ("1", "Baggage, Complaint", "negative"),
    ("2", "baggage,complaint", "negative"),
    ("3", "Baggage, Praise", "positive"),
    ("4", "Praise, Staff", "positive"),
    ("5", "", "neutral"),
    ("6", "Strike, Complaint", "negative"),
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    raw = pd.DataFrame(ROWS, columns=["uniqueId", "tags", "sentiment"]).assign(datePublished="1700000000")
    store = Store(tmp_path_factory.mktemp("t") / "m.duckdb")
    store.ingest([normalize(raw)[0]], kind="import", source="t")
    return MentionModel.from_store(store)


def frequency(model: MentionModel, recode: TagRecode) -> pd.DataFrame:
    """The Tags page's frequency table over every mention, under ``recode``."""
    return frequency_table(ModelQueries(model, tag_index(model, recode)).counts(Scope(), "tags"), model.n)


def test_case_folding_merges_spellings_under_the_most_frequent_one(model):
    folded = frequency(model, TagRecode())
    assert dict(zip(folded["tag"], folded["mentions"], strict=True)) == {
        "Complaint": 3,
        "Baggage": 3,
        "Praise": 2,
        "Staff": 1,
        "Strike": 1,
    }
    raw = frequency(model, TagRecode(case_fold=False))
    assert "baggage" in raw["tag"].tolist()


def test_both_denominators_are_named_and_right(model):
    table = frequency(model, TagRecode()).set_index("tag")
    assert table.loc["Baggage", "% of mentions"] == 50.0  # a percent, as the CSV's header says
    assert table.loc["Baggage", "% of tag assignments"] == 30.0  # 10 tags in all


def test_rename_merge_and_exclude(model):
    recode = TagRecode(rename={"strike": "Complaint", "Staff": "Crew"}, exclude=("praise",))
    index = tag_index(model, recode)
    table = frequency(model, recode).set_index("tag")
    assert table["mentions"].to_dict() == {"Complaint": 3, "Baggage": 3, "Crew": 1}  # 6 has Complaint once
    assert untagged(ModelQueries(model, index), Scope()) == 1  # mention 5 (mention 4 keeps Crew)
    assert model.count(Filters(tags=("Complaint",))) == 2  # the raw index is case-sensitive: not "complaint"
    assert int(model.mask(Filters(tags=("Crew",)), tags=index).sum()) == 1


def test_tag_by_sentiment_and_cooccurrence(model):
    index = tag_index(model, TagRecode())
    everything = np.ones(6, bool)
    table = by_column(index, model, "messageSentiment", everything, ["Baggage", "Praise"])
    assert table.loc["Baggage", "negative"] == 2 and table.loc["Baggage", "positive"] == 1
    assert table.loc["Praise"].sum() == 2
    both = cooccurrence(index, everything, ["Baggage", "Complaint", "Praise"])
    assert both.loc["Baggage", "Complaint"] == 2 and both.loc["Baggage", "Praise"] == 1
    assert both.loc["Complaint", "Complaint"] == 3 and both.loc["Complaint", "Praise"] == 0
    only_negative = model.mask(Filters(sentiments=("negative",)))
    assert cooccurrence(index, only_negative, ["Baggage", "Praise"]).loc["Baggage", "Baggage"] == 2


def test_recode_file_round_trip_and_bad_files(tmp_path):
    store = tmp_path / "m.duckdb"
    assert load_recode(store) == TagRecode()
    recode = TagRecode(case_fold=False, rename={"a": "B"}, exclude=("x",))
    save_recode(store, recode)
    assert load_recode(store) == recode
    assert json.loads(recode_path(store).read_text())["rename"] == {"a": "B"}
    for bad, message in [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"rename": {"a": 1}}', "rename"),
        ('{"exclude": "x"}', "exclude"),
    ]:
        with pytest.raises(RecodeError, match=message):
            TagRecode.from_json(bad)


def test_editor_rows_round_trip_to_a_recode(model):
    recode = TagRecode(rename={"Strike": "Complaint"}, exclude=("Staff",))
    rows = editor_rows(raw_counts(model.tags), recode).set_index("tag")
    assert rows.loc["Baggage", "spellings"] == "Baggage, baggage" and rows.loc["Baggage", "mentions"] == 3
    assert rows.loc["Strike", "rename to"] == "Complaint" and rows.loc["Staff", "exclude"]
    edited = rows.reset_index()
    edited.loc[edited["tag"] == "Praise", "rename to"] = "Kudos"
    new = recode_from_rows(edited, case_fold=True)
    assert new.rename == {"Strike": "Complaint", "Praise": "Kudos"} and new.exclude == ("Staff",)


def test_retag_splits_the_kept_raw_strings_again(tmp_path):
    raw = pd.DataFrame({"uniqueId": ["1", "2"], "tags": ["a;b, c", "d"]})
    store = Store(tmp_path / "m.duckdb")
    store.ingest([normalize(raw)[0]], kind="import", source="t")
    version = store.version()
    assert store.query('SELECT tags FROM mentions ORDER BY "uniqueId"')["tags"].map(list).tolist() == [
        ["a;b", "c"],
        ["d"],
    ]
    store.retag(";")
    assert store.query('SELECT tags FROM mentions ORDER BY "uniqueId"')["tags"].map(list).tolist() == [
        ["a", "b, c"],
        ["d"],
    ]
    assert store.setting("tag_delimiter") == ";" and store.version() != version
    # later imports split by the store's delimiter
    import_file(store, b"uniqueId,tags\n3,x;y\n", "more.csv")
    assert list(store.query("""SELECT tags FROM mentions WHERE "uniqueId" = '3'""")["tags"][0]) == ["x", "y"]


def test_each_mention_s_tags_under_the_recode(model):
    recode = TagRecode(rename={"Staff": "Crew"}, exclude=("Strike",))
    names = tag_names(ModelQueries(model).raw_tags(), recode)
    assert names["baggage"] == names["Baggage"] == "Baggage"  # folded into the most frequent spelling
    assert names["Staff"] == "Crew" and names["Strike"] is None
    assert recode_tags(["baggage", "Baggage", "Strike", "Staff"], names) == ["Baggage", "Crew"]
    assert recode_tags(["New since"], names) == ["New since"] and recode_tags(None, names) == []


def test_lift_of_cooccurrence_leaves_the_diagonal_out(model):
    q = ModelQueries(model, tag_index(model, TagRecode()))
    both = q.cooccurrence(Scope(), ["Baggage", "Complaint", "Praise"])
    table = lift(both, model.n)
    assert np.isnan(np.diag(table.to_numpy())).all()
    # Baggage (3 of 6) and Complaint (3 of 6) meet on 2: 2 * 6 / (3 * 3).
    assert table.loc["Baggage", "Complaint"] == pytest.approx(2 * 6 / 9)
    assert table.loc["Complaint", "Praise"] == 0
