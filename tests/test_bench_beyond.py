"""bench/beyond.py runs end to end on a small set and prints each of its figures."""

from bench.beyond import main


def test_the_beyond_bench_prints_its_figures(tmp_path, capsys):
    main(["--rows", "3000", "--csv", str(tmp_path / "m.csv.gz"), "--pull", "500"])
    out = capsys.readouterr().out
    assert "generated 3,000 mentions" in out
    assert "near-duplicate clusters of 3,000 mentions, all at once" in out
    assert "an incremental pull of 500 new mentions against 2,500" in out
    assert out.count("suggested topics at 3,000 mentions") == 3
