"""The benchmark helpers: result lines survive printing and parsing, and the README's performance
tables are exactly what benchmarks/readme_table.py makes of benchmarks/results.txt."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import readme_table  # noqa: E402
from timing import parse_result_line, result_line, timed  # noqa: E402


def test_result_line_round_trips_values_with_spaces_and_quotes(capsys):
    fields = {"ours": "0.0133s", "peer_cfg": "sklearn 1.9 KernelDensity(rtol=2e-05)", "note": "it's 'quoted'",
              "empty": ""}
    line = result_line("kde_case", **fields)
    assert capsys.readouterr().out == line + "\n"
    assert parse_result_line(line) == ("kde_case", fields)


@pytest.mark.parametrize("line", ["# bench_kde.py", "Traceback (most recent call last):", "warning: x y",
                                  "name: no equals sign here"])
def test_other_output_is_not_a_result(line):
    assert parse_result_line(line) is None


def test_older_unquoted_lines_still_parse():
    assert parse_result_line("gi_star_100k_cells: ours=0.0640s peer=3.6300s speedup=56.7x max_abs_diff=7.11e-15") == (
        "gi_star_100k_cells", {"ours": "0.0640s", "peer": "3.6300s", "speedup": "56.7x", "max_abs_diff": "7.11e-15"})


def test_timed_warms_up_before_timing():
    calls = []
    median, out = timed(lambda x: calls.append(x) or len(calls), 3, "a", warmup=2)
    assert calls == ["a"] * 5 and out == 5 and median >= 0


def test_readme_tables_are_generated_from_the_committed_results():
    block = readme_table.render(ROOT / "benchmarks" / "results.txt")
    readme = (ROOT / "README.md").read_text("utf-8")
    assert block in readme, "run `.venv/bin/python benchmarks/readme_table.py` (or make bench) and commit"
    for name in ("lagesbild_run_demo", "ehsa_vs_pyehsa", "kde_15k_points_25600_cells"):
        assert any(n == name for n, _, _ in readme_table.read_results(ROOT / "benchmarks" / "results.txt")[1])


def test_every_result_in_the_file_reaches_the_tables(tmp_path):
    results = tmp_path / "results.txt"
    results.write_text("# machine: 2 cores (x), 24 GiB\n# bench_new.py\n"
                       "brand_new: ours=1.0s peer=2.0s speedup=2.0x max_abs_diff=0\n"
                       "# bench_new.py: ok in 3 s; other processes used 0.10 of 2 cores meanwhile\n", "utf-8")
    block = readme_table.render(results)
    assert "| brand_new | 1.0s | 2.0s | 2.0x | max abs diff 0 | other processes used 0.10 of 2 cores |" in block
