import numpy as np
import pandas as pd

from lib.mentions.normalize import normalize
from lib.queries.rows import mention_rows
from lib.store.local import Store


def test_rows_come_back_in_key_order_with_local_times_and_labels(tmp_path):
    raw = pd.DataFrame(
        {
            "uniqueId": ["a", "b"],
            "datePublished": ["2026-03-01T23:30:00Z", "2026-03-02T10:00:00Z"],
            "messageContent": ["<b>first</b>", "second"],
            "locationCountry": ["NA", "DE"],
            "sourceService": ["twitter", "mastodon"],
            "tags": ["x, y", ""],
        }
    )
    store = Store(tmp_path / "m.duckdb")
    store.ingest([normalize(raw)[0]], kind="import", source="t")
    rows = mention_rows(store, np.array(["b", "a"], dtype=object), "Europe/Berlin")
    assert rows["uniqueId"].tolist() == ["b", "a"]
    assert rows["published"].astype(str).tolist() == ["2026-03-02 11:00:00", "2026-03-02 00:30:00"]
    assert rows["messageContent"].tolist() == ["second", "first"]
    assert rows["locationCountry"].tolist() == ["Germany", "Namibia"]
    assert rows["sourceService"].tolist() == ["Mastodon", "X (Twitter)"]
    assert rows["tags"].tolist() == ["", "x, y"]
    assert mention_rows(store, np.array([], dtype=object), "UTC").empty


def test_rows_show_the_tags_under_the_recode(tmp_path):
    from lib.queries.tags import TagRecode, tag_names

    raw = pd.DataFrame(
        {"uniqueId": ["a", "b"], "tags": ["praise, Praise, Spam", "Delay"], "datePublished": "1700000000"}
    )
    store = Store(tmp_path / "m.duckdb")
    store.ingest([normalize(raw)[0]], kind="import", source="t")
    names = tag_names(
        pd.DataFrame({"value": ["praise", "Praise", "Spam", "Delay"], "mentions": [1, 2, 1, 1]}),
        TagRecode(rename={"Delay": "Delays"}, exclude=("Spam",)),
    )
    rows = mention_rows(store, np.array(["a", "b"], dtype=object), "UTC", names)
    assert rows["tags"].tolist() == ["Praise", "Delays"]
