"""The chapters Orsaksanalys, Handlingsplan och medborgarlöften and Uppföljning filled from the
registry and its evaluation (pipeline/cycle), internal and public."""

import datetime as dt

import pandas as pd

from pipeline.cycle.follow_up import EFFECT_COLUMNS
from pipeline.cycle.process import action_status, process_summary
from pipeline.cycle.registry import Vocabulary, validate_registry
from pipeline.cycle.report_data import CycleReport, filled_from_registry, public_cycle
from pipeline.report.chapters import CHAPTERS
from pipeline.report.document import build_document as _build_document
from pipeline.report.document import draft_status
from pipeline.report.inputs import ANALYST_GUIDANCE, ANALYST_TEXTS, ReportInputs
from pipeline.report.markdown import escape as esc
from tests.unit.cycle.test_registry import sheets

from . import make_frames, public_version

TEXTS = ("orsaksanalys", "handlingsplan", "medborgarloften", "uppfoljning")
MINE = tuple(c for c in CHAPTERS if c.title in ("Orsaksanalys", "Handlingsplan och medborgarlöften",
                                                  "Uppföljning av förra periodens åtgärder"))


def build_document(inputs):
    """Only the three chapters: the others are tested in test_document.py."""
    return _build_document(inputs, chapters=MINE)


def _cycle(fr) -> CycleReport:
    areas = fr["areas"]
    ids = dict(zip(areas["area_name"], areas["area_id"]))
    vocab = Vocabulary(areas=dict(zip(areas["area_id"], areas["area_name"])),
                       families={f.id: f.label_sv for f in fr["families"].families},
                       est_types=("Klotter", "Nedskräpning"), places=("Råby torg", "Stora torget"),
                       survey_indicators={"unsafe_evening": "Otrygg ute sen kväll"})
    s = sheets(promises=(0, "Mått", "Skadegörelse och klotter"))
    s["Åtgärder"].loc[1, "Åtgärd"] = "Trygghetsvandring vid Stora torget"
    s["Orsaksanalys"].loc[1, "Orsak"] = "Butikerna vid torget drabbas gång på gång"
    s["Problembilder"].loc[1, "Prioriterad"] = "ja"
    s["Orsaksanalys"] = pd.concat([s["Orsaksanalys"], pd.DataFrame(
        {"Problem-id": ["P2"], "Perspektiv": ["Gärningsperson"], "Orsak": ["Berusade grupper"]})], ignore_index=True)
    reg = validate_registry(s, vocab, "reg.xlsx")
    assert reg.errors == []
    eff = pd.DataFrame([{c: pd.NA for c in EFFECT_COLUMNS} | {
        "key": "L1", "problem_id": "P1", "kind": "crime", "measure_id": "vandalism", "unit_id": ids["Råby"],
        "period_id": "2025H1", "n_before": 63, "n_during": 3, "n_comparison_before": 170, "n_comparison_during": 168,
        "rate_ratio": 0.53, "ci_low": 0.32, "ci_high": 0.86, "verdict": "minskade",
        "caveats": "Få händelser (63 före, 3 under): skillnaden är osäker."}, {c: pd.NA for c in EFFECT_COLUMNS} | {
        "key": "L2", "problem_id": "P1", "kind": "est", "measure_id": "Nedskräpning", "unit_id": "Råby torg",
        "period_id": "2025H2", "verdict": "kan inte bedömas",
        "caveats": "Modellen kunde inte skattas: inga jämförbara platser vid Råby torg."}])
    status = action_status(reg.actions, reg.promises, dt.date(2025, 12, 31))
    return CycleReport(registry=reg, promise_effects=eff, problem_effects=eff.iloc[0:0],
                       displacement=pd.DataFrame(), action_status=status,
                       process_summary=process_summary(status, ["organisation"]), as_of=dt.date(2025, 12, 31),
                       place_areas={"Råby torg": "Råby", "Stora torget": "Centrum"})


def test_registry_fills_the_three_chapters_without_placeholders():
    fr = make_frames(cell_m=1000)
    cycle = _cycle(fr)
    assert filled_from_registry(cycle) == set(TEXTS)
    src, _ = build_document(ReportInputs(**fr, cycle=cycle))
    for name in TEXTS:
        assert f"#placeholder[{esc(ANALYST_GUIDANCE[name])}]" not in src
    for want in ("Mörk gångtunnel", "Klottersanering inom 24 timmar", "Vi sanerar klotter inom ett dygn",
                 "minskade", "Försenade åtgärder", "Andel i tid"):
        assert want in src.replace("\\", ""), want
    assert "Råby torg" in src.replace("\\", "")  # the internal version names places


def test_public_version_names_no_place_and_no_window_counts():
    fr = make_frames(cell_m=1000)
    inp = ReportInputs(**fr, cycle=_cycle(fr))
    pub = public_version(inp)
    assert pub.cycle.public and pub.cycle.profiles == []
    src, _ = build_document(pub)
    text = src.replace("\\", "")
    assert "Råby torg" not in text and "Stora torget" not in text
    assert "Trygghetsvandring vid Centrum" in text  # the place replaced by its area
    assert "(63 före, 3 under)" not in text and "n_before" not in pub.cycle.promise_effects.columns
    assert "minskade" in text


def test_without_registry_the_analysts_texts_stand():
    src, _ = build_document(ReportInputs(**make_frames(cell_m=1000)))
    for name in ANALYST_TEXTS:
        if name not in ("orsaksanalys", "sammanfattning"):  # the fixture writes one; the other is not here
            assert f"#placeholder[{esc(ANALYST_GUIDANCE[name])}]" in src
    assert filled_from_registry(None) == set() and public_cycle(None) is None


def test_the_lagesbild_is_a_draft_until_texts_or_the_registry_fill_every_chapter():
    fr = make_frames(cell_m=1000)
    cycle = _cycle(fr)
    written = dict.fromkeys(ANALYST_TEXTS, "Text.")
    # a filled registry stands in for the four texts: only the summary is still missing
    inp = ReportInputs(**fr | {"analyst_texts": {}}, cycle=cycle)
    assert draft_status(inp) == "saknar sammanfattningen"
    assert draft_status(ReportInputs(**fr | {"analyst_texts": {"sammanfattning": "Text."}}, cycle=cycle)) == ""
    assert draft_status(public_version(inp)) == "ännu inte fastställd"
    # a template nobody filled in (no causes, actions or löften) fills nothing
    reg = cycle.registry
    empty = reg.__class__(problems=reg.problems, actions=reg.actions.iloc[0:0], promises=reg.promises.iloc[0:0],
                          causes=reg.causes.iloc[0:0], issues=(), source=reg.source)
    template = CycleReport(registry=empty, promise_effects=cycle.promise_effects.iloc[0:0],
                           problem_effects=cycle.promise_effects.assign(key="P1"), displacement=pd.DataFrame(),
                           action_status=cycle.action_status.iloc[0:0], process_summary=pd.DataFrame())
    status = draft_status(ReportInputs(**fr | {"analyst_texts": {"sammanfattning": "Text."}}, cycle=template))
    assert status == ("saknar orsaksanalysen (orsaker saknas för P1, P2), handlingsplanen (åtgärder saknas för P1, "
                      "P2), medborgarlöftena (inga medborgarlöften i registret), uppföljningen (inga åtgärder eller "
                      "löften att följa upp ännu)")
    # the analysts' own texts fill what the registry does not
    assert draft_status(ReportInputs(**fr | {"analyst_texts": written}, cycle=template)) == ""
    # one prioritised problembild without a cause tree keeps the orsaksanalys open and says which
    partial = CycleReport(**{**cycle.__dict__, "registry": reg.__class__(
        problems=reg.problems, actions=reg.actions, promises=reg.promises,
        causes=reg.causes[reg.causes["problem_id"] != "P2"], issues=(), source=reg.source)})
    assert filled_from_registry(partial) == set(TEXTS) - {"orsaksanalys"}
    assert draft_status(ReportInputs(**fr | {"analyst_texts": {}}, cycle=partial)) == (
        "saknar sammanfattningen, orsaksanalysen (orsaker saknas för P2)")
