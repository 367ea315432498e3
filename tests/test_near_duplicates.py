"""Near-duplicate clusters: datasketch's MinHash values, the planted demo campaigns found (precision and recall
printed), incremental adds, and the Campaigns questions of the query interface."""

from __future__ import annotations

import gzip
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from datasketch import MinHash

from lib.queries.campaigns import NotOnThisBackend, campaigns, clusters_of, copies_once, members
from lib.queries.engine import IbisStore
from lib.queries.filters import Filters
from lib.queries.interface import ModelQueries, Scope
from lib.sources.demo import DEMO_FILE
from lib.sources.demo_campaigns import CAMPAIGNS, planted
from lib.store.local import Store
from lib.store.snapshot import publish
from lib.text.near_duplicates import NUM_PERM, SEED, NearDuplicates, clusters, normalised, signatures, word_hashes


@pytest.fixture(scope="module")
def demo_frame() -> pd.DataFrame:
    with gzip.open(DEMO_FILE) as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def test_signatures_are_datasketchs_minhash_values():
    texts = normalised(pa.array(["Lost my bag in Oslo again, nobody at the desk knew anything", "one two three"]))
    sig, usable = signatures(texts)
    doc, hashes = word_hashes(texts)
    for row in range(len(texts)):
        reference = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32", hashfunc=int)
        reference.update_batch(hashes[doc == row].tolist())
        assert sig[row].tolist() == reference.hashvalues.tolist()
    assert usable.tolist() == [True, False]  # three words are too few to call copies


def test_what_is_compared_leaves_out_markup_links_and_the_retweet_prefix():
    base = "Northwind Air cancelled our flight to Lisbon and left us at the gate overnight"
    texts = [
        base,
        f"<p>RT @someone: {base} https://t.co/abc123</p>",
        f"{base.upper()} &amp;",
        "Northwind Air cancelled our flight",  # a part, far from the whole
        "thanks",
        "thanks",  # short texts written alike are not a campaign
        "A completely different complaint about the food and the seats on the way home",
    ]
    labels = clusters(texts)
    assert labels[0] == labels[1] == labels[2] == 0
    assert len({labels[3], labels[4], labels[5], labels[6], 0}) == 5


def precision_recall(labels: np.ndarray, keys: list[str], truth: dict[str, list[str]]) -> dict[str, tuple]:
    """Per planted campaign: the cluster holding most of its members; precision = the share of that cluster's
    mentions that are members, recall = the share of members in that cluster."""
    position = {key: i for i, key in enumerate(keys)}
    out = {}
    for name, member_keys in truth.items():
        rows = np.asarray([position[k] for k in member_keys])
        found = pd.Series(labels[rows]).value_counts()
        cluster = np.flatnonzero(labels == found.index[0])
        out[name] = (float(np.isin(cluster, rows).mean()), float(found.iloc[0] / len(rows)))
    return out


def test_the_planted_campaigns_are_found(demo_frame, demo_model):
    truth = planted(demo_frame)
    assert len(truth) >= len(CAMPAIGNS)  # every kind planted (the review campaign once per reviewer)
    scores = precision_recall(clusters_of(demo_model), demo_model.keys.to_pylist(), truth)
    for name, (precision, recall) in scores.items():
        print(f"{name}: {len(truth[name])} members, precision {precision:.3f}, recall {recall:.3f}")
    sizes = np.array([len(truth[name]) for name in scores])
    precision = np.array([p for p, _ in scores.values()])
    recall = np.array([r for _, r in scores.values()])
    print(
        f"over all {sizes.sum()} planted mentions: precision {np.average(precision, weights=sizes):.3f}, "
        f"recall {np.average(recall, weights=sizes):.3f}; worst campaign: {precision.min():.3f}, {recall.min():.3f}"
    )
    assert precision.min() >= 0.95 and recall.min() >= 0.95


def test_adding_in_parts_gives_the_clusters_of_all_at_once(demo_model, demo_texts):
    texts = demo_texts
    index = NearDuplicates()
    for start, length in ((0, 9000), (9000, 3), (9003, None)):
        index.add(texts.slice(start, length))
    assert index.n == demo_model.n
    assert index.labels().tolist() == clusters_of(demo_model).tolist()


def test_the_campaigns_of_a_scope(demo_frame, demo_model):
    q = ModelQueries(demo_model)
    truth = planted(demo_frame)
    table = campaigns(q, Scope(), top=500)
    assert (table["mentions"] >= 2).all() and table["mentions"].is_monotonic_decreasing
    labels, keys = clusters_of(demo_model), demo_model.keys.to_pylist()
    position = {key: i for i, key in enumerate(keys)}
    for member_keys in truth.values():
        cluster = labels[position[member_keys[0]]]
        row = table[table["cluster"] == cluster].iloc[0]
        assert row["mentions"] == len(member_keys)
        frame = demo_frame.set_index("uniqueId").loc[member_keys]
        assert row["authors"] == frame["authorName"].nunique()
        assert row["negative"] == pytest.approx((frame["messageSentiment"] == "negative").mean())
        shown_sources = dict(part.rsplit(" ", 1) for part in row["sources"].split(", "))
        assert {k: int(v) for k, v in shown_sources.items()} == (
            frame["sourceService"].value_counts().sort_index().sort_values(ascending=False, kind="stable").head(4)
        ).to_dict()
        first = pd.to_datetime(frame["datePublished"].astype(int).min(), unit="s", utc=True)
        assert row["first"] == first
        count, shown = members(q, Scope(), int(cluster), 10)
        assert count == len(member_keys) and set(shown) <= set(member_keys) and len(shown) == min(10, count)
    # A scope narrows the clusters to its mentions: negative only leaves out the praise bots.
    negative = campaigns(q, Scope(Filters(sentiments=("negative",))), top=500)
    praise = labels[position[truth["Bots: premium economy praise"][0]]]
    assert praise not in set(negative["cluster"])
    # Copies counted once: one mention per cluster.
    once = copies_once(q)
    assert int(once.sum()) == len(np.unique(labels))
    burst = campaigns(q, Scope(), top=3, order="burst")
    assert set(burst["cluster"]) <= set(table["cluster"]) and len(burst) == 3


def test_engines_say_they_do_not_answer(demo_data_dir, tmp_path):
    publish(Store(demo_data_dir / "demo.duckdb"), tmp_path)
    q = IbisStore(tmp_path, "duckdb").queries()
    with pytest.raises(NotOnThisBackend, match="in-memory model"):
        campaigns(q, Scope())


def test_counting_copies_once_counts_a_cluster_as_one_mention_on_every_question(demo_model):
    q = ModelQueries(demo_model)
    labels = clusters_of(demo_model)
    for filters in (Filters(), Filters(sentiments=("negative",)), Filters(text="refund*")):
        every = q.mask(Scope(filters))
        once = Scope(replace(filters, copies_once=True))
        # One mention per cluster that has any mention under the other filters: its first mention.
        first = labels == np.arange(len(labels))
        assert q.count(once) == int((every & first).sum())
        assert q.count(once) <= len(np.unique(labels[every]))
        assert q.counts(once, "sourceService")["mentions"].sum() == q.count(once)
        assert set(q.keys(once, 5000)) <= set(np.asarray(demo_model.keys.to_pylist())[first])
    # The refund bots' 80 copies count as one.
    refund = Scope(Filters(text="#RefundNorthwind"))
    assert q.count(refund) >= 2 and q.count(replace(refund, filters=replace(refund.filters, copies_once=True))) == 1


def test_the_switch_lives_in_the_url():
    on = Filters(copies_once=True)
    assert on.to_params()["once"] == "1" and "once" not in Filters().to_params()
    back = Filters.from_params(lambda key: [v] if (v := on.to_params().get(key)) else [])
    assert back == on
    notes: list[str] = []
    assert not Filters.from_params(lambda key: ["<b>yes</b>"] if key == "once" else [], notes).copies_once
    assert notes and notes[0].startswith("once=")
