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


def test_a_script_rerun_alone_replaces_its_block_and_states_its_own_date_and_load(tmp_path):
    import run_all

    old = ("# machine: 2 cores (x), 24 GiB; 2026-11-30T09:06+00:00; load average 7.72 6.96 6.28\n"
           "# bench_a.py\na_case: ours=1.0s peer=2.0s speedup=2.0x max_abs_diff=0\n"
           "# bench_a.py: ok in 3 s; other processes used 1.50 of 2 cores meanwhile\n"
           "# bench_b.py\nb_case: ours=5.0s target=<4s\n# bench_b.py: ok in 9 s; other processes used 1.60 of 2 cores meanwhile\n")
    header = "# machine: 2 cores (x), 24 GiB; 2026-11-30T13:10+00:00; load average 1.20 1.50 2.00"
    new = ["# bench_b.py", "b_case: ours=3.0s target=<4s",
           "# bench_b.py: ok in 7 s; other processes used 0.20 of 2 cores meanwhile"]
    merged = run_all.merge_blocks(old, header, new)
    assert "b_case: ours=5.0s" not in merged and merged.count("# bench_b.py\n") == 1
    assert run_all.merge_blocks(merged, header, new) == merged  # merging again replaces, never repeats
    results = tmp_path / "results.txt"
    results.write_text(merged, "utf-8")
    machine, rows = readme_table.read_results(results)
    assert machine.endswith("load average 7.72 6.96 6.28")  # the file's header stays the first run's
    cond = dict((name, load) for name, _, load in rows)
    assert cond == {"a_case": "other processes used 1.50 of 2 cores",
                    "b_case": "other processes used 0.20 of 2 cores; rerun alone "
                              "2026-11-30T13:10+00:00, load average 1.20 1.50 2.00"}
