"""The annual cycle on the demo kommun: the registry's planted effects are found, the overdue
action is listed, and follow-up, weekly and status work from the command line.

The session's demo run (``lagesbild run`` includes the ``evaluate`` stage) provides the tables;
commands that write reports run in a copy of it, so the demo run keeps exactly what a run writes
(test_dvc checks that).
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from pypdf import PdfReader

from pipeline.cli import main
from tests.integration.conftest import read_params, write_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def effects(demo_run) -> pd.DataFrame:
    return pd.read_csv(demo_run / "data/processed/cycle/promise_effects.csv").set_index("key")


@pytest.fixture(scope="module")
def work(demo_run, tmp_path_factory):
    """A copy of the demo run for the commands that write files."""
    dest = tmp_path_factory.mktemp("cycle")
    for sub in ("data", "reports/text"):
        shutil.copytree(demo_run / sub, dest / sub)
    shutil.copy(demo_run / "params.yaml", dest / "params.yaml")
    return dest


def _text(pdf) -> str:
    return " ".join(p.extract_text() or "" for p in PdfReader(pdf).pages)


def test_the_working_loefte_decreased_and_the_failed_one_did_not(effects, demo_run):
    import json

    truth = {p["id"]: p for p in json.loads((demo_run / "data/raw/demo_truth.json").read_text("utf-8"))["patterns"]}
    assert truth["promise_effect"]["n_removed"] > 0
    l1, l2, l3 = effects.loc["L1"], effects.loc["L2"], effects.loc["L3"]
    assert l1["verdict"] == "minskade" and l1["ci_high"] < 1 and l1["ci_low"] > 0
    # the planted drop removed 55 % of the background: the estimate is near 0.45 and inside its CI
    assert l1["ci_low"] < 1 - truth["promise_effect"]["drop_share"] < l1["ci_high"]
    assert l2["verdict"] == "ingen säker förändring" and l2["ci_low"] < 1 < l2["ci_high"]
    assert l3["kind"] == "survey" and l3["verdict"] == "ökade"  # the survey's planted rise in Råby
    assert effects.loc["L4", "verdict"] == "kan inte bedömas" and "jämförbara" in effects.loc["L4", "caveats"]
    comp = str(l1["comparison_units"]).split(";")
    assert len(comp) == 5 and str(l1["unit_id"]) not in comp


def test_the_overdue_action_is_listed(demo_run):
    status = pd.read_csv(demo_run / "data/processed/cycle/action_status.csv")
    assert status.loc[status["is_overdue"], "action_id"].tolist() == ["A7"]
    summary = pd.read_csv(demo_run / "data/processed/cycle/process_summary.csv").set_index("organisation")
    assert summary.loc["Västerås stad, tillstånd", "n_overdue"] == 1
    assert summary.loc["Västerås stad, park och gata", "n_late"] == 1  # A3, done after its end date


def test_the_annual_reports_former_placeholder_chapters_are_filled_from_the_registry(demo_run):
    year = read_params(demo_run)["kommun"]["year"]
    internal = _text(demo_run / f"reports/lagesbild-{year}.pdf")
    public = _text(demo_run / f"reports/lagesbild-{year}-publik.pdf")
    flat = re.sub(r"\s+", " ", internal)
    # the demo writes no analyst text: the registry fills four chapters, so only the summary keeps it a draft
    assert "Utkast – saknar sammanfattningen" in flat and "saknar sammanfattningen, " not in flat
    for guidance in ("Att skriva: Orsaksanalysen", "Att skriva: Handlingsplanen", "Att skriva: Medborgarlöftena",
                     "Att skriva: Uppföljningen"):
        assert guidance not in flat, guidance
    assert "Att skriva: Analytikernas sammanfattning" in flat
    for want in ("Vad underlaget visar", "Bakomliggande orsak", "Vi lovar att klotter", "Försenade åtgärder",
                 "Medborgarlöftenas indikatorer", "minskade"):
        assert want in internal, want
    assert "Bakomliggande orsak" in public and "Vad underlaget visar" not in public
    for place in ("Råby torg", "Stora torget", "Bäckby centrum", "Vasaparken"):
        assert place not in public.split("Orsaksanalys")[-1], place  # the three chapters name no place


def test_follow_up_weekly_and_status_from_the_command_line(work, capsys, monkeypatch):
    params = str(work / "params.yaml")
    assert main(["--params", params, "follow-up", "--period", "2025H1", "--as-of", "2025-12-31"]) == 0
    text = _text(work / "reports/uppfoljning-2025H1.pdf")
    for want in ("Uppföljning av medborgarlöften", "L1", "minskade", "ingen säker förändring", "A7",
                 "Försenade åtgärder", "Grannområden"):
        assert want in text, want
    assert main(["--params", params, "weekly", "--week", "2025-W14"]) == 0
    week = work / "reports/est/vecka-2025-W14"
    reader = PdfReader(f"{week}.pdf")
    assert len(reader.pages) == 1 and "EST-veckobild vecka 14" in _text(f"{week}.pdf")
    html = week.with_suffix(".html").read_text("utf-8")
    assert 'lang="sv"' in html and "<svg" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", html)
    assert main(["--params", params, "weekly", "--tertial", "2025T1"]) == 0
    assert "tertialsammanställning 2025T1" in _text(work / "reports/est/tertial-2025T1.pdf")
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "160")  # the status table's rows on one line each
    assert main(["--params", params, "status", "--as-of", "2025-12-31"]) == 0
    out = capsys.readouterr().out
    assert "A7" in out and "försenat" in out
    # every prioritised problembild has its cause tree and actions: no registry item is missing,
    # and the only text to write is the summary (as the report's draft line says)
    assert "orsaksanalys" not in out.lower() and "Åtgärder för" not in out
    assert "reports/text/sammanfattning.md" in out


def test_a_week_and_a_tertial_without_est_reports_say_so(work):
    """The demo's EST reports are all from its report year: a week and a tertial the year before
    have none, and their pages say so (a TypeError and a Typst syntax error before)."""
    params, before = str(work / "params.yaml"), read_params(work)["kommun"]["year"] - 1
    for args, out in ((["--week", f"{before}-W10"], f"vecka-{before}-W10"), (["--tertial", f"{before}T3"],
                                                                          f"tertial-{before}T3")):
        assert main(["--params", params, "weekly", *args]) == 0, args
        pdf, html = work / "reports/est" / f"{out}.pdf", work / "reports/est" / f"{out}.html"
        said = "Inga EST-rapporter lämnades under " + ("veckan" if "W" in out else "tertialen")
        assert said in re.sub(r"\s+", " ", _text(pdf)) and said in html.read_text("utf-8"), out


def test_bad_input_is_one_line_each(work, capsys):
    params = read_params(work)
    params["cycle"] = {"registry": "data/raw/ny_handlingsplan.xlsx"}
    write_params(work, params)
    p = str(work / "params.yaml")
    assert main(["--params", p, "registry-template"]) == 0
    assert (work / "data/raw/ny_handlingsplan.xlsx").exists()
    capsys.readouterr()
    assert main(["--params", p, "registry-template"]) == 2  # never over the analysts' work
    assert "exists; it holds the analysts' work" in capsys.readouterr().err
    assert main(["--params", p, "follow-up", "--period", "maj–oktober 2025"]) == 2
    err = capsys.readouterr().err
    assert "--period: 'maj–oktober 2025' runs 2025-05-01 to 2025-10-31, which is not a löfte period" in err
    assert main(["--params", p, "weekly", "--week", "2025-W60"]) == 2
    assert "2025 has no week 60" in capsys.readouterr().err


def test_a_report_without_the_orsaksanalys_loads_no_problem_profiles(demo_run):
    """The national short report leaves out the only chapter that shows profiles: loading them
    is skipped, and everything else the cycle chapters read is the same."""
    from pipeline.config import load_params
    from pipeline.context import RunContext
    from pipeline.cycle.report_data import load_cycle_report
    from pipeline.stages import families_for

    run = RunContext.from_root(demo_run)
    params = load_params(run.params_file)
    fams = families_for(run, params)
    full, lean = load_cycle_report(run, params, fams), load_cycle_report(run, params, fams, with_profiles=False)
    assert len(full.profiles) >= 3 and len(full.facts) == len(full.profiles)
    assert lean.profiles == [] and lean.facts == {}
    assert lean.registry is not None and lean.promise_effects.equals(full.promise_effects)
