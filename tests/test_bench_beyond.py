"""bench/beyond.py runs end to end on a small set and prints each of its figures."""

from bench.beyond import main


def test_the_beyond_bench_prints_its_figures(tmp_path, capsys):
    main(["--rows", "3000", "--csv", str(tmp_path / "m.csv.gz"), "--pull", "500"])
    out = capsys.readouterr().out
    assert "generated 3,000 mentions" in out
    assert "near-duplicate clusters of 3,000 mentions, all at once" in out
    assert "an incremental pull of 500 new mentions against 2,500" in out
    assert out.count("suggested topics at 3,000 mentions") == 3


def test_the_store_parts_print_their_figures(tmp_path, capsys):
    """What the clusters kept in the store cost: an import with and without them, a backfill, a pull, a
    suggested-topics run on the store's model (a small file here)."""
    import pandas as pd

    from lib.sources.demo import DEMO_FILE

    csv = tmp_path / "m.csv"
    pd.read_csv(DEMO_FILE, dtype=str, keep_default_na=False, nrows=1200).to_csv(csv, index=False)
    main(["--only", "ingest", "--import-csv", str(csv), "--workdir", str(tmp_path)])
    store = str(tmp_path / "ingest-with.duckdb")
    main(["--only", "backfill", "--only", "recluster", "--store", store, "--pull", "100"])
    main(["--only", "store-pull", "--only", "store-suggest", "--only", "store-rising", "--store", store,
          "--import-csv", str(csv), "--pull", "100"])  # fmt: skip
    out = capsys.readouterr().out
    assert "import of 1,200 mentions (m.csv) without the near-duplicate clustering" in out
    assert "the clustering adds" in out and "at 1M" in out
    assert "backfill of the near-duplicate clusters" in out
    assert "a pull of 100 new mentions into a store of 1,200, with the clustering" in out
    assert "the clusters of 100 new mentions against 1,100 (a pull's clustering)" in out
    assert "100.0% the same clusters as before" in out
    assert "suggested topics at 1,400 mentions" in out and "sample and read texts" in out
    assert "rising words, last week against 7 before at 1,400 mentions" in out
    assert "the 50 largest campaigns at 1,400 mentions" in out
