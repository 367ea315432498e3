"""The benchmark's reruns are the pages' own questions: they run, and answer what the pages show."""

from bench.bench import dashboard_rerun, overview_rerun
from lib.queries.filters import Filters


def test_the_bench_reruns_ask_what_the_pages_ask(demo_model):
    cards, *figures = overview_rerun(demo_model, Filters())
    assert cards[0].value == "20,000" and len(figures) == 3
    negative = Filters(sentiments=("negative",))
    share, *figures = dashboard_rerun(demo_model, negative)
    assert share["authors"] > 0 and len(figures) == 15  # volume, 8 breakdowns, map, cross-tab, authors, 3 lists
    assert all('"type":"' in f for f in figures)


def test_the_search_bench_runs_both_ways_and_agrees(capsys):
    from bench.search import main

    main(["--size", "30000"])
    out = capsys.readouterr().out
    assert "100 ANDed words" in out and "refused" in out
