"""Every page runs under AppTest on the demo data, and the sidebar filters change what it shows."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import fresh_app

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["app.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))]


@pytest.fixture(autouse=True)
def fresh_caches(app_env):
    fresh_app()
    yield


def run(script: str, query: dict | None = None) -> AppTest:
    # Pages are reached from the entry script, as in the browser, so that st.page_link finds them all.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if script != "app.py":
        at.switch_page(script)
    return at.run()


def param(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key, [])
    return value if isinstance(value, list) else [value]


def matched(at: AppTest) -> str:
    return next(m.value for m in at.sidebar.markdown if "mentions match" in m.value)


@pytest.mark.parametrize("script", PAGES)
def test_every_page_runs_without_an_exception(script):
    at = run(script)
    assert not at.exception, at.exception
    assert matched(at) == "**20,000** of 20,000 mentions match"


def test_overview_kpis_follow_a_sidebar_filter():
    at = run("app.py")
    assert [m.value for m in at.metric][:1] == ["20,000"]
    at.sidebar.multiselect(key="w_sentiments").select("negative").run()
    negative = at.metric[0].value
    assert int(negative.replace(",", "")) < 20_000
    assert at.metric[3].value == "100.0%"
    assert param(at, "sent") == ["negative"]


def test_counting_copies_once_says_how_many_copies_it_leaves_out(demo_model):
    from lib.queries.filters import Filters
    from lib.queries.interface import ModelQueries, Scope

    at = run("app.py", {"once": "1", "lang": "en"})
    q = ModelQueries(demo_model)
    every, once = (
        q.count(Scope(Filters(languages=("en",)))),
        q.count(Scope(Filters(languages=("en",), copies_once=True))),
    )
    assert 0 < once < every
    assert matched(at) == (
        f"**{once:,}** of 20,000 mentions match, copies counted once ({every - once:,} later copies not counted)"
    )
    at.sidebar.toggle(key="w_once").set_value(False).run()
    assert matched(at) == f"**{every:,}** of 20,000 mentions match"


def test_a_preset_counts_back_in_the_timezone_just_picked():
    """'Last 30 days' kept the days of the timezone before a change (1,725 mentions where a fresh Last 30 days in
    the new timezone has 1,792): the preset now counts back from the newest day in the timezone picked."""
    at = run("app.py", {"tz": "UTC"})
    at.sidebar.selectbox(key="w_preset").set_value("Last 30 days").run()
    utc = (param(at, "from"), param(at, "to"))
    at.sidebar.selectbox(key="w_tz").set_value("Pacific/Pago_Pago").run()
    fresh = run("app.py", {"tz": "Pacific/Pago_Pago"})
    fresh.sidebar.selectbox(key="w_preset").set_value("Last 30 days").run()
    assert at.sidebar.selectbox(key="w_preset").value == "Last 30 days"
    assert (param(at, "from"), param(at, "to")) == (param(fresh, "from"), param(fresh, "to")) != utc
    assert matched(at) == matched(fresh)


def test_the_overviews_rising_list_says_which_weeks_it_compares():
    at = run("app.py", {"tz": "UTC", "from": "2026-10-20", "to": "2026-10-31"})
    said = [c.value for c in at.caption if "against the 7 weeks before" in c.value]
    assert said == [
        "25 Oct – 31 Oct 2026 against the 7 weeks before, from 06 Sep (the filter's start date does not cut them)."
    ]


def test_a_deep_link_sets_the_filters_and_the_deltas():
    at = run("app.py", {"from": "2026-10-01", "to": "2026-10-31", "lang": "de", "tz": "Europe/Berlin"})
    assert not at.exception
    assert at.sidebar.selectbox(key="w_preset").value == "Last month"  # the newest mention is on 1 Nov
    assert at.sidebar.multiselect(key="w_languages").value == ["de"]
    assert all(m.delta for m in at.metric)  # a date range gives a previous period to compare with
    assert param(at, "tz") == ["Europe/Berlin"]


def test_reset_clears_the_filters():
    at = run("app.py", {"sent": "negative"})
    assert "20,000 mentions match" not in matched(at).split(" of ")[0]
    next(b for b in at.sidebar.button if b.label == "Reset filters").click().run()
    assert matched(at) == "**20,000** of 20,000 mentions match"
    assert "sent" not in at.query_params


@pytest.mark.parametrize(
    "script,query",
    [
        ("pages/3_Text.py", {"section": "distinctive", "cmp": "day", "day": "not-a-day"}),
        ("pages/3_Text.py", {"section": "distinctive", "cmp": "day", "day": "9999-12-31", "from": "2026-09-03"}),
        ("pages/3_Text.py", {"section": "distinctive", "cmp": "day", "day": "0001-01-01"}),
        ("pages/3_Text.py", {"section": "topics", "dbg": "No such topic", "ttopic": ["Nope", "<b>x</b>"]}),
        ("pages/3_Text.py", {"section": "context", "kw": "delay*", "sample": "7"}),
        ("pages/2_Tags.py", {"cooc": "evil", "ttag": ["=cmd|' /C calc'!A0"]}),
        ("pages/1_Dashboard.py", {"freq": "hour", "split": "evil", "xrows": "nope", "xshow": "99"}),
        ("app.py", {"freq": "minute", "split": "none"}),
    ],
)
def test_bad_page_settings_in_the_url_fall_back_to_the_defaults(script, query):
    at = run(script, query)
    assert not at.exception, at.exception
    assert matched(at).endswith("of 20,000 mentions match")


def test_an_hour_bucket_over_a_year_falls_back_to_days_with_a_note():
    at = run("pages/1_Dashboard.py", {"freq": "hour"})
    assert not at.exception
    notes = [c.value for c in at.caption if "too many bars" in c.value]
    assert notes and "showing days" in notes[0] and "8,7" in notes[0]
    at = run("pages/1_Dashboard.py", {"freq": "hour", "from": "2026-09-01", "to": "2026-09-05"})
    assert not [c.value for c in at.caption if "too many bars" in c.value]


def test_mentions_table_and_detail_show_tags_under_the_recode(tmp_path, monkeypatch):
    from lib.queries.tags import TagRecode, save_recode
    from lib.sources.ingest import import_file
    from lib.store.local import Store

    store = Store(tmp_path / "recoded.duckdb")
    data = 'uniqueId,messageContent,tags,datePublished\nr1,hello,"Wi-Fi, App & Website, Competitor",1700000000\n'
    import_file(store, data.encode(), "r.csv")
    save_recode(
        store.path,
        TagRecode(rename={"Wi-Fi": "Connectivity", "App & Website": "Connectivity"}, exclude=("Competitor",)),
    )
    monkeypatch.setenv("SCE_STORE", str(store.path))
    at = run("pages/4_Mentions.py", {"mention": "r1"})
    assert not at.exception, at.exception
    table, detail = at.dataframe[0].value, at.dataframe[1].value
    assert table["tags"].tolist() == ["Connectivity"]
    fields = dict(zip(detail["field"], detail["value"], strict=True))
    assert fields["Tags (tags)"] == "Connectivity"
    assert fields["tags (as received)"] == "Wi-Fi, App & Website, Competitor"


def test_the_spikes_line_counts_in_words():
    """One spike is "1 spike", not "1 spikes" (the demo's last 30 days hold one; all time, three)."""
    month = run("pages/1_Dashboard.py", {"from": "2026-10-03", "to": "2026-11-01", "tz": "UTC"})
    every = run("pages/1_Dashboard.py", {"tz": "UTC"})
    labels = [e.label for at in (month, every) for e in at.expander if "how they are found" in e.label]
    assert labels == ["1 spike: how they are found", "3 spikes: how they are found"]
