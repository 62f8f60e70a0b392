"""The shell of the annual cycle's commands: load → compute → validate → save.

``registry-template``, ``evaluate`` (a pipeline stage), ``follow-up``, ``weekly`` and ``status``.
Each takes the run's :class:`~pipeline.context.RunContext` and params and returns a one-line
summary (``status`` returns its table). Everything they compute is in the pure modules of
pipeline/cycle/.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

import pandas as pd

from pipeline import io
from pipeline.config import Params
from pipeline.cycle.evaluation import EvalSettings
from pipeline.cycle.follow_up import CycleData
from pipeline.cycle.registry import Registry, Vocabulary, validate_registry
from pipeline.errors import DataError

log = logging.getLogger(__name__)

REGISTRY_TEXTS = ("orsaksanalys", "handlingsplan", "medborgarloften", "uppfoljning")  # chapters the registry fills
EVAL_TABLES = ("promise_effects", "problem_effects", "displacement", "action_status", "process_summary",
               "registry_issues")


def settings(params: Params) -> EvalSettings:
    c = params.cycle
    return EvalSettings(comparison_units=c.comparison_areas, min_events=c.min_events, dispersion=c.dispersion,
                        level=c.confidence)


def _read(run, name: str) -> pd.DataFrame:
    return io.read_frame(run.core(name))


def vocabulary(run, params: Params, families) -> Vocabulary:
    """What the registry's indicators may name, from the run's processed tables."""
    from pipeline.report.labels_sv import INDICATOR_SV

    areas = _read(run, "areas")
    est = _read(run, "est_reports")
    gaz = _read(run, "gazetteer")
    places = set(est["place_name"].dropna().astype(str)) | set(gaz["place_name"].dropna().astype(str))
    return Vocabulary(areas=dict(zip(areas["area_id"].astype(str), areas["area_name"])),
                      families={f.id: f.label_sv for f in families.families},
                      est_types=tuple(sorted(est["est_type"].dropna().astype(str).unique())),
                      places=tuple(sorted(places)), survey_indicators=dict(INDICATOR_SV))


def registry_path(run, params: Params) -> Path:
    return run.resolve(params.cycle.registry)


def load_registry(run, params: Params, families, required: bool = False) -> Registry | None:
    """The validated registry; None when the file does not exist (unless ``required``). Errors
    stop with one line each (DataError); warnings are returned on the registry."""
    from pipeline.cycle.workbook import read_workbook

    path = registry_path(run, params)
    if not path.exists() and not required:
        return None
    reg = validate_registry(read_workbook(path), vocabulary(run, params, families), run.display(path))
    if reg.errors:
        raise DataError(f"{len(reg.errors)} problem(s) in the registry:\n" + "\n".join(str(i) for i in reg.errors))
    for issue in reg.warnings:  # printed (stderr), and the command goes on
        log.warning("warning: %s", issue)
    return reg


def cycle_data(run) -> CycleData:
    from pipeline.stats.survey import respondent_flags
    from pipeline.stats.trends import population_totals

    responses = _read(run, "survey_responses")
    est = _read(run, "est_reports")
    return CycleData(areas=_read(run, "areas"), population=population_totals(_read(run, "population")),
                     incidents=_read(run, "incidents"), est=est,
                     flags=respondent_flags(responses) if len(responses) else
                     pd.DataFrame(columns=["response_id", "survey_year", "area_id", "indicator", "y", "weight"]),
                     places=cycle_data_places(run, est))


def render(source: str, files: dict[str, bytes], out_pdf: Path, when: dt.date) -> Path:
    """Compile a Typst source with the report's renderer and move the PDF atomically into place."""
    from pipeline.report.render import compile_source

    with tempfile.TemporaryDirectory(prefix="lagesbild-cycle-") as tmp:
        pdf = Path(tmp) / "out.pdf"
        compile_source(source, files, Path(tmp), pdf, when)
        with io.atomic_path(out_pdf) as staged:
            staged.write_bytes(pdf.read_bytes())
    return out_pdf


# ------------------------------------------------------------------ registry-template
def registry_template(run, params: Params, families, force: bool = False) -> str:
    """Write the registry template from the ranked problembilder (never over an existing file
    unless ``force``)."""
    from pipeline.cycle.periods import half_year
    from pipeline.cycle.workbook import template_lists, template_sheets, write_workbook

    path = registry_path(run, params)
    if path.exists() and not force:
        raise DataError(f"{run.display(path)} exists; it holds the analysts' work. Move it away or pass --force "
                        "to overwrite it")
    pb = io.read_frame(run.processed / "problembilder.csv")
    top = pb.sort_values("rank").head(params.report.top_n)
    facts = profiles_facts(run, params, families, top.head(params.cycle.prioritised))
    y = params.kommun.year
    sheets = template_sheets(pb, facts, y, params.report.top_n, params.cycle.prioritised)
    vocab = vocabulary(run, params, families)
    lists = template_lists(list(vocab.families.values()), list(vocab.est_types), list(vocab.survey_indicators.values()),
                           [half_year(y + 1, 1), half_year(y + 1, 2), half_year(y + 2, 1)],
                           list(sheets["Problembilder"]["Problem-id"]))
    write_workbook(sheets, path, lists)
    return (f"registry-template: {run.display(path)} with {len(sheets['Problembilder'])} problembilder "
            f"({params.cycle.prioritised} prioritised) and a cause-tree template for each prioritised one")


def profiles_facts(run, params: Params, families, problems: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Deep-dive facts for each (area_id, problem) row of ``problems``."""
    from pipeline.cycle.profile import profile_facts

    return {(str(r.area_id), r.problem): profile_facts(p) for r, p in zip(problems.itertuples(),
                                                                        profiles(run, params, families, problems))}


def profiles(run, params: Params, families, problems: pd.DataFrame) -> list:
    from pipeline.cycle.profile import problem_profile

    names = ("hour_weekday_by_area", "month_profile_by_area", "grid_hotspots", "area_year_counts", "survey_indicators")
    layers = {n: io.read_frame(run.layer(n)) for n in names}
    inc, est, notes = _read(run, "incidents"), _read(run, "est_reports"), _read(run, "notes")
    places = _read(run, "gazetteer")
    out = []
    for r in problems.itertuples():
        fam = families.get(r.problem) if r.problem in families.ids else None
        out.append(problem_profile(str(r.area_id), r.problem, params.kommun.year, inc, layers, est, notes, places,
                                   fam.survey_item if fam else None, params.layers.grid_cell_m))
    return out


# ------------------------------------------------------------------ evaluate (pipeline stage)
def evaluate(run, params: Params, families, as_of: dt.date | None = None) -> str:
    """The evaluation tables under data/processed/cycle/ for the report's chapters: effects per
    löfte and per prioritised problembild, displacement, action status and the process summary.
    Without a registry the tables are written empty (the chapters then ask for one)."""
    from pipeline.cycle.follow_up import EFFECT_COLUMNS, evaluate_problems, evaluate_promises
    from pipeline.cycle.process import STATUS_COLUMNS, action_status, process_summary

    out_dir = run.cycle
    reg = load_registry(run, params, families)
    as_of = as_of or dt.date(params.kommun.year, 12, 31)
    if reg is None:
        empty = {"promise_effects": EFFECT_COLUMNS, "problem_effects": EFFECT_COLUMNS,
                 "displacement": ("key", "neighbour", "n_before", "n_during", "rate_ratio", "ci_low", "ci_high", "verdict"),
                 "action_status": STATUS_COLUMNS, "process_summary": ("organisation", "n_actions"),
                 "registry_issues": ("where", "message", "severity")}
        for name, cols in empty.items():
            io.write_frame(pd.DataFrame(columns=list(cols)), out_dir / f"{name}.csv")
        return f"evaluate: no registry at {run.display(registry_path(run, params))} (lagesbild registry-template makes one)"
    data, s = cycle_data(run), settings(params)
    pe, pd_ = evaluate_promises(reg, data, s, params.survey.min_n, params.cycle.survey_month)
    qe, qd = evaluate_problems(reg, data, params.kommun.year, s)
    status = action_status(reg.actions, reg.promises, as_of)
    tables = {"promise_effects": pe, "problem_effects": qe, "displacement": pd.concat([pd_, qd], ignore_index=True),
              "action_status": status, "process_summary": process_summary(status, ["organisation"]),
              "registry_issues": pd.DataFrame([{"where": i.where, "message": i.message, "severity": i.severity}
                                               for i in reg.issues], columns=["where", "message", "severity"])}
    for name, frame in tables.items():
        io.write_frame(frame, out_dir / f"{name}.csv")
    v = pe["verdict"].value_counts()
    return (f"evaluate: {len(pe)} löften ({', '.join(f'{n} {k}' for k, n in v.items()) or 'none assessed'}), "
            f"{len(qe)} prioritised problembilder, {int(status['is_overdue'].sum())} overdue actions at {as_of}")


def read_evaluation(run) -> dict[str, pd.DataFrame]:
    """The tables :func:`evaluate` wrote (empty frames when it has not run)."""
    out = {}
    for name in EVAL_TABLES:
        path = run.cycle / f"{name}.csv"
        out[name] = pd.read_csv(path, dtype={"unit_id": str, "comparison_units": str, "neighbour": str, "key": str}) \
            if path.exists() else pd.DataFrame()
    return out


# ------------------------------------------------------------------ follow-up
def follow_up_cmd(run, params: Params, families, period_text: str, as_of: dt.date | None = None) -> str:
    from pipeline.cycle.documents import follow_up_source
    from pipeline.cycle.follow_up import follow_up
    from pipeline.cycle.periods import PeriodError, parse_period

    try:
        period = parse_period(period_text)
    except PeriodError as exc:
        raise DataError(f"--period: {exc}") from exc
    reg = load_registry(run, params, families, required=True)
    data = cycle_data(run)
    if as_of is None:  # today, or the last day the data cover if that is earlier (the effect and the
        span = data.span(data.incidents)  # actions are then judged on the same day)
        as_of = min(dt.date.today(), span[1]) if span else dt.date.today()
    fu = follow_up(reg, data, period, as_of, settings(params), params.survey.min_n, params.cycle.survey_month)
    areas = data.areas
    source, files = follow_up_source(fu, params.kommun, families, dict(zip(areas["area_id"].astype(str),
                                                                            areas["area_name"])), dt.date.today())
    out = render(source, files, run.reports / f"uppfoljning-{period.id}.pdf", as_of)
    v = fu.effects["verdict"].value_counts()
    return (f"follow-up {period.id}: {run.display(out)} — {len(fu.promises)} löften "
            f"({', '.join(f'{n} {k}' for k, n in v.items()) or 'none assessed'}), {len(fu.overdue)} overdue actions")


# ------------------------------------------------------------------ weekly
def weekly_cmd(run, params: Params, families, week: str | None = None, tertial: str | None = None) -> str:
    """The weekly EST page (PDF + HTML) for an ISO week, or the tertial roll-up."""
    from pipeline.cycle import figures as CF
    from pipeline.cycle.documents import tertial_source, weekly_source
    from pipeline.cycle.html import tertial_html, weekly_html
    from pipeline.cycle.periods import parse_tertial, parse_week, tertial as tertial_dates
    from pipeline.cycle.weekly import tertial_picture, weekly_picture
    from pipeline.report.svg import svg_bytes

    est = _read(run, "est_reports")
    if est.empty:
        raise DataError("weekly: the run has no EST reports; add sources.est in params.yaml and run lagesbild ingest")
    areas = _read(run, "areas")
    names = dict(zip(areas["area_id"].astype(str), areas["area_name"]))
    out_dir = run.reports / "est"
    today = dt.date.today()
    try:
        if tertial:
            year, number = parse_tertial(tertial)
            start, end = tertial_dates(year, number)
            label = f"{year}T{number}"
            tp = tertial_picture(est, start, end, label)
            source, files = tertial_source(tp, params.kommun, names, today)
            pdf = render(source, files, out_dir / f"tertial-{label}.pdf", today)
            html = tertial_html(tp, params.kommun, files.get("tertial.svg", b""), today)
            with io.atomic_path(out_dir / f"tertial-{label}.html") as tmp:
                tmp.write_text(html, encoding="utf-8")
            return f"weekly: {run.display(pdf)} and tertial-{label}.html ({len(tp.by_type)} types, {tp.n_weeks} weeks)"
        monday, _ = parse_week(week)
    except ValueError as exc:
        raise DataError(f"weekly: {exc}") from exc
    inc = _read(run, "incidents")
    wp = weekly_picture(est, inc, monday, families)
    places = cycle_data_places(run, est)
    pts = wp.est_week.merge(places, on="place_name", how="left")
    top = wp.by_place[wp.by_place["n_week"] > 0]
    map_call = (CF.weekly_map, areas, pts, wp.crimes_week if len(wp.crimes_week) else None, top)
    source, files = weekly_source(wp, params.kommun, families, names, map_call, today)
    pdf = render(source, files, out_dir / f"vecka-{wp.week}.pdf", today)
    svg = files["veckokarta.svg"]
    html = weekly_html(wp, params.kommun, families, names, svg, "Karta med veckans EST-rapporter och anmälda brott.", today)
    with io.atomic_path(out_dir / f"vecka-{wp.week}.html") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return (f"weekly {wp.week}: {run.display(pdf)} and .html — {int(wp.by_type['n_week'].sum())} EST reports, "
            f"{len(wp.points)} points to raise")


def cycle_data_places(run, est: pd.DataFrame) -> pd.DataFrame:
    """place_name, x, y: the gazetteer, plus the mean point of EST places it lacks."""
    gaz = _read(run, "gazetteer")[["place_name", "x", "y"]]
    pts = est[est.geometry.notna() & est["place_name"].notna()] if hasattr(est, "geometry") else est.iloc[0:0]
    if len(pts):
        extra = pd.DataFrame({"place_name": pts["place_name"], "x": pts.geometry.x, "y": pts.geometry.y})
        extra = extra.groupby("place_name", as_index=False).mean()
        gaz = pd.concat([gaz, extra[~extra["place_name"].isin(gaz["place_name"])]], ignore_index=True)
    return gaz


# ------------------------------------------------------------------ status
def status_cmd(run, params: Params, families, as_of: dt.date | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The status table and the registry's problems (errors and warnings) as lines."""
    from pipeline.cycle.status import RunFacts, cycle_status
    from pipeline.report.inputs import missing_analyst_texts
    from pipeline.report.render import read_analyst_texts

    as_of = as_of or dt.date.today()
    spans = {}
    for label, table in (("anmälda brott", "incidents"), ("EST-rapporter", "est_reports"),
                         ("medarbetardialog", "notes"), ("trygghetsmätning", "survey_responses")):
        path = run.core(table)
        if not path.exists():
            spans[label] = None
            continue
        f = io.read_frame(path)
        col = {"notes": "noted_on", "survey_responses": None}.get(table, "occurred_at")
        if f.empty:
            spans[label] = None
        elif col is None:
            spans[label] = (dt.date(int(f["survey_year"].min()), 1, 1), dt.date(int(f["survey_year"].max()), 12, 31))
        else:
            spans[label] = (f[col].min().date(), f[col].max().date())
    reg, lines = None, []
    path = registry_path(run, params)
    if path.exists() and run.core("areas").exists():
        from pipeline.cycle.workbook import read_workbook

        reg = validate_registry(read_workbook(path), vocabulary(run, params, families), run.display(path))
        lines = [f"{i.severity}: {i}" for i in reg.issues]
    pdf = run.reports / f"lagesbild-{params.kommun.year}.pdf"
    written = dt.date.fromtimestamp(pdf.stat().st_mtime) if pdf.exists() else None
    follow = {p.stem.removeprefix("uppfoljning-") for p in run.reports.glob("uppfoljning-*.pdf")}
    mm = lambda s: tuple(int(x) for x in s.split("-"))  # noqa: E731
    from pipeline.cycle.report_data import CycleReport, draft_reasons, filled_from_registry

    ev = read_evaluation(run)
    cycle = CycleReport(reg, ev["promise_effects"], ev["problem_effects"], ev["displacement"], ev["action_status"],
                        ev["process_summary"]) if reg is not None and not reg.errors else None
    texts = read_analyst_texts(run.analyst_texts)
    draft = draft_reasons(texts, cycle)  # the report's own rule: a text the registry fills is not missing
    filled = filled_from_registry(cycle)
    missing = [n for n in missing_analyst_texts(texts) if n not in filled
               and not (reg is not None and n in REGISTRY_TEXTS)]  # the registry's own items say what is missing
    facts = RunFacts(report_year=params.kommun.year, source_spans=spans, report_written=written,
                     missing_texts=missing, draft_reasons=draft, registry=reg,
                     registry_path=run.display(path), follow_ups=follow, process_start=mm(params.cycle.process_start),
                     lagesbild_due=mm(params.cycle.lagesbild_due))
    return cycle_status(facts, as_of), lines


# ------------------------------------------------------------------ the public web page
def write_public_page(run, public_inputs, figures=None) -> Path:
    """reports/publik/index.html from the public version's inputs (written atomically)."""
    from pipeline.cycle.public_page import public_page

    html = public_page(public_inputs, public_inputs.generated_on, figures)
    with io.atomic_path(run.public_page) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return run.public_page
