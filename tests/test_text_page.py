"""The Text page under AppTest: sections in the URL, topics as a filter on every page, stopwords saved,
keyword in context as plain text, the sentiment check."""

import shutil

import pytest
import streamlit as st

from lib.queries.model import MentionModel
from lib.store.local import Store
from lib.text.stopwords import load_stoplist
from lib.text.topics import load_topics, topic_query
from tests.test_pages import matched, param, run


@pytest.fixture
def own_demo(demo_data_dir, tmp_path, monkeypatch):
    """A copy of the demo data that a test may change (its settings files are per store)."""
    for item in demo_data_dir.glob("demo.duckdb*"):
        if item.is_file() and not item.name.endswith(".lock"):
            shutil.copy(item, tmp_path / item.name)
    monkeypatch.setenv("SCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCE_STORE", str(tmp_path / "empty.duckdb"))
    st.cache_data.clear()
    st.cache_resource.clear()
    return tmp_path


def test_the_section_is_in_the_url_and_every_section_runs(own_demo):
    at = run("pages/3_Text.py")
    assert not at.exception
    assert any("a preview of Text iQ-style analysis" in c.value for c in at.caption)
    for section in ("phrases", "topics", "context", "sentiment", "distinctive", "terms"):
        at.segmented_control(key="w_text_section").set_value(section).run()
        assert not at.exception, (section, at.exception)
        assert param(at, "section") == ([] if section == "terms" else [section])


def test_distinctive_terms_filtered_to_one_sentiment_compare_it_with_the_rest(own_demo):
    """Negative vs positive, the default, has an empty side under sent=negative: the filter vs the rest is."""
    plain = run("pages/3_Text.py", {"section": "distinctive"})
    assert plain.selectbox(key="w_page_cmp").value == "negpos"
    at = run("pages/3_Text.py", {"section": "distinctive", "sent": "negative"})
    assert not at.exception and at.selectbox(key="w_page_cmp").value == "rest"
    assert not at.warning and len(at.dataframe) == 1  # words that set the negative mentions apart
    asked = run("pages/3_Text.py", {"section": "distinctive", "sent": "negative", "cmp": "negpos"})
    assert "keeps one side of this comparison only" in asked.warning[0].value


def test_a_deep_link_opens_a_section_with_its_settings(own_demo):
    at = run("pages/3_Text.py", {"section": "context", "kw": '"cabin crew"'})
    assert at.text_input(key="w_kwic").value == '"cabin crew"'
    lines = at.dataframe[0].value
    assert len(lines) and {m.lower() for m in lines["match"]} == {"cabin crew"}


def test_a_saved_text_topic_filters_every_page_and_is_in_the_url(own_demo):
    topics = load_topics(own_demo / "demo.duckdb")  # the demo ships example topics
    assert "Delays" in topics.names
    at = run("pages/3_Text.py", {"section": "topics"})
    at.sidebar.multiselect(key="w_text_topics").select("Delays").run()
    assert param(at, "topic") == ["Delays"]
    delays = matched(at)
    model = MentionModel.from_store(Store(own_demo / "demo.duckdb"))  # the count derived from the data
    expected = int(model.search(topic_query(topics, "Delays")).sum())
    assert delays.startswith(f"**{expected:,}**")
    at.switch_page("pages/1_Dashboard.py").run()
    assert matched(at) == delays and not at.exception
    at.switch_page("app.py").run()
    assert at.sidebar.multiselect(key="w_text_topics").value == ["Delays"]


def test_the_clause_debugger_shows_each_clause(own_demo):
    at = run("pages/3_Text.py", {"section": "topics"})
    clauses = at.dataframe[-1].value
    assert clauses["clause"].tolist()[:2] == ["delay*", "late"]
    assert (clauses["effect"] == "adds").all()
    model = MentionModel.from_store(Store(own_demo / "demo.duckdb"))
    assert clauses.set_index("clause").loc["delay*", "alone"] == model.search("delay*").sum() > 0


def test_stopwords_saved_on_the_page_are_kept_beside_the_store(own_demo):
    at = run("pages/3_Text.py")
    form_select = next(m for m in at.multiselect if m.label == "Also leave out")
    form_select.select("northwind")
    next(b for b in at.button if b.label == "Save stopwords").click().run()
    assert not at.exception
    assert "northwind" in load_stoplist(own_demo / "demo.duckdb").add
    assert next(m for m in at.multiselect if m.label == "Also leave out").value == ["northwind"]


def test_the_sentiment_check_counts_every_matching_mention(own_demo):
    at = run("pages/3_Text.py", {"section": "sentiment"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Agreement"].endswith("%")
    scored = int(metrics["Scored by VADER"].replace(",", ""))
    english = Store(own_demo / "demo.duckdb").query(
        "SELECT count(*) AS n FROM mentions WHERE \"messageLanguage\" = 'en'"
    )["n"][0]
    assert scored == english  # VADER reads every English mention and nothing else
    sample = at.dataframe[0].value
    assert len(sample) == 10 and (sample["Social Connect"] != "").all()


def test_chosen_trend_series_are_in_the_url(own_demo):
    at = run("pages/2_Tags.py", {"ttag": ["Baggage", "Pricing"]})
    assert at.multiselect(key="w_page_ttag").value == ["Baggage", "Pricing"]
    at.multiselect(key="w_page_ttag").unselect("Pricing").run()
    assert param(at, "ttag") == ["Baggage"]
    text = run("pages/3_Text.py", {"tterm": ["baggage", "crew"]})
    assert text.multiselect(key="w_page_tterm").value == ["baggage", "crew"]


def test_terms_and_phrases_compare_with_the_previous_period(own_demo):
    dates = {"from": "2026-09-01", "to": "2026-09-30", "prev": "1", "tz": "UTC"}
    for query in (
        {},
        {"kind": "hashtag"},
        {"section": "phrases", "min": "3"},
        {"section": "phrases", "rank": "mentions"},
    ):
        at = run("pages/3_Text.py", {**dates, **query})
        assert not at.exception, (query, at.exception)
        how = [c.value for c in at.caption if c.value.startswith("How to read this:")]
        assert (
            how and "blue is now (2026-09-01 – 2026-09-30), grey the 30 days before (2026-08-02 – 2026-08-31)" in how[0]
        )
    at = run("pages/3_Text.py", {**dates, "prevsort": "change"})
    assert "biggest changes first" in next(c.value for c in at.caption if c.value.startswith("How to read this:"))


def test_sorting_compared_terms_by_change_keeps_the_trend_picks(own_demo):
    # The trend lines follow the largest terms now: sorting the chart by change reorders its bars, never the picks.
    dates = {"from": "2026-09-01", "to": "2026-09-30", "prev": "1", "tz": "UTC"}
    at = run("pages/3_Text.py", dates)
    picks = at.multiselect(key="w_page_tterm").value
    assert len(picks) == 4 and not at.exception
    at.sidebar.checkbox(key="w_prevsort").check().run()
    assert "biggest changes first" in next(c.value for c in at.caption if c.value.startswith("How to read this:"))
    assert at.multiselect(key="w_page_tterm").value == picks and param(at, "tterm") == []
    by_change = run("pages/3_Text.py", {**dates, "prevsort": "change"})  # a link that opens sorted by change
    assert by_change.multiselect(key="w_page_tterm").value == picks
    options = by_change.multiselect(key="w_page_tterm").options
    assert options[:4] == picks and len(options) > 20  # the largest terms first, then the chart's biggest changes


def test_copies_that_weigh_in_the_search_are_pointed_out_until_counted_once():
    # The demo's refund petition: 80 bot copies of one text. Its words would lead every section of the page.
    at = run("pages/3_Text.py", {"q": "#RefundNorthwind"})
    noted = [c.value for c in at.caption if "are copies of another" in c.value]
    assert not at.exception and len(noted) == 1
    assert "79 of these 80 mentions (99%)" in noted[0] and "*Count copies once*" in noted[0]
    once = run("pages/3_Text.py", {"q": "#RefundNorthwind", "once": "1"})
    assert not [c for c in once.caption if "copies of" in c.value]
    assert not [c for c in run("pages/3_Text.py").caption if "are copies of another" in c.value]  # a few % in all


def test_a_search_that_matches_nothing_says_so_on_every_page():
    """Not "no terms, widen the filters": the search is what found nothing, and the page says so."""
    alone = run("pages/3_Text.py", {"q": "zzxqv"})
    assert not alone.exception and matched(alone) == "**0** of 20,000 mentions match"
    warnings = [w.value for w in alone.warning]
    assert len(warnings) == 1 and "No mention matches the search" in warnings[0] and "zzxqv" in warnings[0]
    both = run("pages/4_Mentions.py", {"q": "refund", "lang": "xx", "from": "2026-01-01"})
    told = [w.value for w in both.warning if "No mention matches" in w.value]
    assert told and "together with the other filters (dates, languages)" in told[0], [w.value for w in both.warning]
    filters = run("app.py", {"lang": "xx"})
    assert any("No mention matches these filters (languages)" in w.value for w in filters.warning)


def test_a_search_that_does_not_parse_stays_in_the_box_and_the_link_but_is_not_applied():
    at = run("pages/3_Text.py")
    at.sidebar.text_input(key="w_text").set_value("(refund").run()
    assert not at.exception and matched(at) == "**20,000** of 20,000 mentions match"
    assert any("not applied" in c.value for c in at.sidebar.caption)
    assert param(at, "q") == ["(refund"], "a shared link would lose what the sender sees"
    at.switch_page("pages/4_Mentions.py").run()
    assert at.sidebar.text_input(key="w_text").value == "(refund" and param(at, "q") == ["(refund"]
    at.sidebar.text_input(key="w_text").set_value("refund").run()
    assert matched(at) != "**20,000** of 20,000 mentions match" and param(at, "q") == ["refund"]
    opened = run("pages/3_Text.py", {"q": "(refund"})  # the colleague's view of the link
    assert opened.sidebar.text_input(key="w_text").value == "(refund" and param(opened, "q") == ["(refund"]


def test_an_overlong_search_is_not_carried_into_the_link():
    """Longer than a query may be (``MAX_CHARS``): refused with its reason, and not kept in the URL, where every
    share link and page would carry 100 kB."""
    at = run("pages/3_Text.py")
    at.sidebar.text_input(key="w_text").set_value("(" + "refund " * 15_000).run()
    assert not at.exception and any("at most 2,000" in c.value.replace("\\", "") for c in at.sidebar.caption)
    assert param(at, "q") == []
