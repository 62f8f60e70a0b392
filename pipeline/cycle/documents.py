"""Typst sources of the follow-up report and the weekly EST page (pure: frames in, source and
figure bytes out; pipeline/cycle/commands.py compiles them with the report's renderer).

Both are internal working documents: they name places, organisations and small counts.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import numpy as np
import pandas as pd

from pipeline.cycle import figures as CF
from pipeline.cycle.effect import NOT_ASSESSABLE
from pipeline.cycle.follow_up import FollowUp
from pipeline.cycle.labels import change_text, indicator_label, status_sv, unit_label
from pipeline.cycle.weekly import TertialPicture, WeeklyPicture
from pipeline.report.markdown import escape as esc
from pipeline.report.typst import TypstWriter, typst_str
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

TEMPLATE = "cycle.typ"


def template_bytes() -> bytes:
    return resources.files("pipeline.cycle").joinpath("templates/cycle.typ").read_bytes()


def _date(d) -> str:
    return "–" if d is None or (isinstance(d, float) and np.isnan(d)) or pd.isna(d) else str(pd.Timestamp(d).date())


class _Writer(TypstWriter):
    def verdict(self, v: str) -> str:
        return f"#verdict({typst_str(v)})"


def _effect_block(w: _Writer, e: pd.Series, promise: pd.Series | None, fu: FollowUp, families, names) -> None:
    label = indicator_label(e["kind"], e["measure_id"], e["unit_id"], families, names)
    if promise is not None:
        w.add(f"#block(inset: (left: 8pt), stroke: (left: 2pt + accent))[_{esc(promise['text'])}_]")
    w.add(f"*Indikator:* {esc(label)} #h(1fr) {w.verdict(e['verdict'])}")
    if e["kind"] == "survey" and e["verdict"] != NOT_ASSESSABLE:
        rows = [[esc(f"Mätningen {int(e['survey_before'])}"), fmt_pct(e["share_before_pct"], 0), "–"],
                [esc(f"Mätningen {int(e['survey_after'])}"), fmt_pct(e["share_after_pct"], 0), "–"]]
        w.table("Andel i området", ["", "Andel", ""], rows, "lrr")
        w.para("Skillnad mot jämförelseområdenas utveckling: " + change_text(e) + ".")
    elif e["verdict"] != NOT_ASSESSABLE or not pd.isna(e.get("n_before")):
        if not pd.isna(e.get("n_before")):
            rows = [["Området", fmt_int(e["n_before"]), fmt_int(e["n_during"]),
                     fmt_pct(100 * (e["n_during"] / e["n_before"] - 1), 0, signed=True) if e["n_before"] else "–"],
                    ["Jämförelseområdena", fmt_int(e["n_comparison_before"]), fmt_int(e["n_comparison_during"]),
                     fmt_pct(100 * (e["n_comparison_during"] / e["n_comparison_before"] - 1), 0, signed=True)
                     if e["n_comparison_before"] else "–"]]
            w.table(f"Antal före ({_date(e['before_start'])}–{_date(e['before_end'])}) och under "
                    f"({_date(e['during_start'])}–{_date(e['during_end'])})", ["", "Före", "Under", "Förändring"],
                    rows, "lrrr")
        comp = ", ".join(unit_label(u, names) for u in str(e.get("comparison_units") or "").split(";") if u)
        w.para(f"Effekt: {change_text(e)}. Jämförelseområden: {comp or 'inga'}.")
    for c in [c for c in str(e.get("caveats") or "").split("\n") if c.strip()]:
        w.notice(c)
    s = fu.series.get(e["key"])
    if s is not None and len(s):
        w.figure(f"serie_{e['key']}", (CF.indicator_series, s, label,
                                      ((e["before_start"], e["before_end"]), (e["during_start"], e["during_end"]))),
                 f"{label}: antal per månad, området och jämförelseområdena.",
                 f"Linjediagram över antal per månad för {label} och jämförelseområdena, med perioden före och "
                 f"perioden under löftet markerade. Bedömning: {e['verdict']}.")
    d = fu.displacement[fu.displacement["key"] == e["key"]]
    if len(d):
        rows = [[esc(unit_label(r.neighbour, names)), fmt_int(r.n_before), fmt_int(r.n_during),
                 fmt_num(r.rate_ratio, 2), esc(r.verdict)] for r in d.itertuples()]
        w.table("Grannområden (förflyttning?)", ["Grannområde", "Före", "Under", "Kvot", "Bedömning"], rows, "lrrrl")
        w.para("Varje grannområde prövas för sig mot samma jämförelseområden. Ökar ett grannområde kan problemet ha "
               "flyttat; bland många grannar kan någon enstaka bedömning bero på slumpen.")


def follow_up_source(fu: FollowUp, kommun, families, area_names: dict[str, str], generated_on: dt.date
                     ) -> tuple[str, dict[str, bytes]]:
    """The follow-up report of ``fu.period`` (Typst source, files)."""
    w = _Writer()
    names = {**area_names}
    p = fu.period
    head = (f'#import "{TEMPLATE}": *\n#show: uppfoljning.with(kommun: {typst_str(kommun.name)}, '
            f'lpo: {typst_str(kommun.lpo)}, period: {typst_str(p.label_sv)}, date: {typst_str(fu.as_of.isoformat())})\n')
    w.h(1, "Sammanfattning")
    v = fu.effects["verdict"].value_counts()
    tot = fu.period_status
    due = int(tot["is_due"].sum())
    facts = [f"{len(fu.promises)} medborgarlöften gällde {p.label_sv}: "
             + (", ".join(f"{n} {k}" for k, n in v.items()) if len(v) else "inga bedömda") + "."]
    if len(tot):
        facts.append(f"{len(tot)} åtgärder hörde till perioden; av de {due} som skulle vara klara den "
                     f"{fu.as_of.isoformat()} blev {int((tot['is_due'] & tot['is_on_time']).sum())} klara i tid"
                     f" ({fmt_pct(100 * (tot['is_due'] & tot['is_on_time']).sum() / due, 0) if due else '–'}).")
    n = len(fu.overdue)
    facts.append(f"{n} {'åtgärd är försenad' if n == 1 else 'åtgärder är försenade'} (alla perioder).")
    w.bullets(facts)
    w.para("Bedömningen jämför indikatorn under löftet med samma månader året före, i området och i jämförbara "
           "områden utan löftet (differens-i-differenser). \"Minskade\" och \"ökade\" sägs bara när hela "
           "konfidensintervallet ligger på samma sida; annars \"ingen säker förändring\".")
    w.h(1, "Medborgarlöften")
    if fu.promises.empty:
        w.notice(f"Registret har inga medborgarlöften för {p.label_sv}.")
    for _, q in fu.promises.iterrows():
        e = fu.effects[fu.effects["key"] == q["promise_id"]]
        short = indicator_label(q["kind"], q["measure_id"], q["unit_id"], families, names).split(": ", 1)[-1] \
            if not pd.isna(q.get("measure_id")) else str(q["text"])[:60]
        w.h(2, f"{q['promise_id']}: {short[0].upper() + short[1:]}")
        if e.empty:
            w.notice("Löftets indikator kunde inte beräknas (se registrets kontroll).")
        else:
            _effect_block(w, e.iloc[0], q, fu, families, names)
        acts = fu.status[fu.status["promise_id"] == q["promise_id"]]
        if len(acts):
            rows = [[esc(r.action_id), esc(r.what), esc(r.organisation), _date(r.end_date), esc(status_sv(r.status_code))
                     + (" (försenad)" if r.is_overdue else "")] for r in acts.itertuples()]
            w.table("Åtgärder i löftet", ["Id", "Åtgärd", "Ansvarig", "Slut", "Status"], rows, "lllrl",
                    widths="(auto, 2.2fr, 1.5fr, auto, 1fr)")
    if len(fu.all_effects) > len(fu.effects):
        w.h(1, "Alla löften hittills")
        ok = fu.all_effects.reset_index(drop=True)
        labels = [f"{r.key} ({r.period_id}) {indicator_label(r.kind, r.measure_id, r.unit_id, families, names).split(': ')[1]}"
                  for r in ok.itertuples()]
        w.figure("alla_loften", (CF.effect_forest, ok[ok["kind"] != "survey"], [lb for lb, k in zip(labels, ok["kind"])
                                                                                 if k != "survey"]),
                 "Kvot mot jämförelseområdena per löfte med 95 % konfidensintervall.",
                 "Diagram med en rad per löfte: punkt för kvoten och linje för konfidensintervallet; under 1 betyder "
                 "att indikatorn minskade mer än i jämförelseområdena.")
    _process_section(w, fu)
    w.h(1, "Om metoden")
    w.bullets([
        "Före: samma kalenderdagar ett år tidigare (så att årstiderna tar ut varandra). Under: löftesperioden till och "
        "med sista dagen med uppgifter.",
        "Jämförelseområden: de fem områden vars nivå före löftet liknade området mest, utom grannområden (dit problem "
        "kan flytta) och områden med ett eget löfte om samma sak.",
        "Modell: negativ binomialregression på månadsantal med område, månad och period, och invånare som exponering; "
        "kvoten visar hur mycket området förändrades utöver jämförelseområdena.",
        "Få händelser, en ovanligt hög period före (återgång mot medelvärdet) och olika utveckling redan året före "
        "anges vid varje löfte. Metoden och dess kalibrering beskrivs i docs/methods-evaluation.md.",
    ])
    files = dict(w.files)
    files[TEMPLATE] = template_bytes()
    return w.source(head), files


def _process_section(w: _Writer, fu: FollowUp) -> None:
    w.h(1, "Genomförande av åtgärderna")
    s = fu.by_organisation
    if s.empty:
        w.notice("Inga åtgärder hör till perioden.")
    else:
        rows = [[esc(r.organisation), fmt_int(r.n_actions), fmt_int(r.n_due), fmt_int(r.n_due_on_time),
                 fmt_int(r.n_late), fmt_int(r.n_overdue), fmt_pct(r.on_time_pct, 0)] for r in s.itertuples()]
        w.table(f"Åtgärder per ansvarig organisation, läget {fu.as_of.isoformat()}",
                ["Organisation", "Åtgärder", "Skulle vara klara", "Klara i tid", "Klara sent", "Försenade",
                 "Andel i tid"], rows, "lrrrrrr")
        w.figure("process", (CF.process_bars, s, "organisation"), "Åtgärdernas läge per organisation.",
                 "Liggande staplar per organisation med antal åtgärder klara i tid, klara sent, försenade, inte klara "
                 "ännu och inställda.")
    bp = fu.by_period
    if len(bp):
        rows = [[esc(r.period_id), fmt_int(r.n_actions), fmt_int(r.n_due), fmt_int(r.n_due_on_time),
                 fmt_pct(r.on_time_pct, 0)] for r in bp.itertuples()]
        w.table("Per löftesperiod", ["Period", "Åtgärder", "Skulle vara klara", "Klara i tid", "Andel i tid"], rows,
                "lrrrr")
    w.h(2, "Försenade åtgärder")
    if fu.overdue.empty:
        w.para("Inga åtgärder är försenade.")
    else:
        rows = [[esc(r.action_id), esc(r.what), esc(r.organisation), esc(r.role or "–"), _date(r.end_date),
                 fmt_int(r.days_overdue), esc(r.notes or "")] for r in fu.overdue.itertuples()]
        w.table("Försenade åtgärder (längst försenad först)",
                ["Id", "Åtgärd", "Ansvarig", "Roll", "Skulle vara klar", "Dagar sen", "Uppföljning"], rows, "lllllrl",
                widths="(auto, 2fr, 1.3fr, 1.2fr, auto, auto, 1.5fr)")


# ---------------------------------------------------------------- weekly and tertial
WEEKDAYS_SHORT = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")


def _short(text, n: int = 90) -> str:
    t = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    return t if len(t) <= n else t[: n - 1].rsplit(" ", 1)[0] + " …"


def _change(n, mean) -> str:
    if mean == 0:
        return "ny" if n else "–"
    return fmt_pct(100 * (n / mean - 1), 0, signed=True)


def weekly_source(wp: WeeklyPicture, kommun, families, area_names, map_call: tuple, generated_on: dt.date,
                  ) -> tuple[str, dict[str, bytes]]:
    """One page for the weekly EST meeting: points to raise, types, places, the map, crime."""
    w = _Writer()
    sunday = wp.monday + dt.timedelta(days=6)
    head = (f'#import "{TEMPLATE}": *\n#show: veckobild.with(kommun: {typst_str(kommun.name)}, '
            f'title: {typst_str(f"EST-veckobild vecka {wp.monday.isocalendar()[1]}, {wp.monday.isocalendar()[0]}")}, '
            f'subtitle: {typst_str(f"{kommun.name} · {wp.monday.isoformat()}–{sunday.isoformat()}")}, '
            f'date: {typst_str(generated_on.isoformat())})\n')
    cells = [_Writer(w.figures) for _ in range(4)]  # [points, types] [map] / [places] [crime]
    a, b, c, d = cells
    a.h(1, "Att ta upp")
    a.bullets(wp.points or ["Inget sticker ut jämfört med de fyra veckorna före."])
    header = ["Typ", "Veckan", "Snitt 4 v.", "Förändr."] + (["Samma v. i fjol"] if wp.has_last_year_est else [])
    rows = [[esc(r.est_type), fmt_int(r.n_week), fmt_num(r.mean_prev4, 1), _change(r.n_week, r.mean_prev4)]
            + ([fmt_int(r.n_last_year)] if wp.has_last_year_est else []) for r in wp.by_type.itertuples()]
    a.table("EST-rapporter per typ", header, rows, "l" + "r" * (len(header) - 1))
    top = wp.by_place[wp.by_place["n_week"] > 0].head(8)
    b.figure("veckokarta", map_call, "Veckans EST-rapporter (röda cirklar) och anmälda brott (grå punkter).",
             f"Karta över {kommun.name} med veckans EST-rapporter som röda cirklar, större ju fler rapporter på "
             f"platsen, och anmälda brott som grå punkter." + (f" Flest rapporter: {top['place_name'].iloc[0]}."
                                                              if len(top) else ""))
    rows = [[esc(r.place_name) + (" (ny)" if r.is_new else ""), esc(area_names.get(r.area_id, "–")),
             fmt_int(r.n_week), fmt_num(r.mean_prev4, 1), f"{r.weeks_prev4} av 4"] for r in top.itertuples()]
    c.table("Platser med flest rapporter", ["Plats", "Område", "Veckan", "Snitt 4 v.", "V. före"], rows, "llrrr",
            widths="(1.6fr, 1fr, auto, auto, auto)")
    if not wp.has_last_year_est:
        c.notice("EST-rapporterna räcker inte ett år bakåt: jämförelsen med samma vecka i fjol saknas.")
    if wp.has_crimes:
        rows = [[esc(families.label_sv(r.problem)), fmt_int(r.n_week), fmt_num(r.mean_prev4, 1),
                 _change(r.n_week, r.mean_prev4), fmt_int(r.n_last_year)] for r in wp.by_family.head(8).itertuples()]
        d.table("Anmälda brott per problemområde", ["Problemområde", "Veckan", "Snitt 4 v.", "Förändr.", "I fjol"],
                rows, "lrrrr", widths="(1fr, auto, auto, auto, auto)")
    else:
        d.notice("Anmälda brott täcker inte hela veckan ännu.")
    body = ",\n".join("[" + "\n\n".join(x.parts) + "]" for x in cells)
    w.add(f"#grid(columns: (1fr, 1.1fr), column-gutter: 12pt, row-gutter: 8pt,\n{body})")
    rep = wp.est_week.sort_values("occurred_at").head(30)
    if len(rep):
        rows = [[r.occurred_at.strftime("%a %d/%m %H.%M").replace(r.occurred_at.strftime("%a"),
                                                                  WEEKDAYS_SHORT[r.occurred_at.weekday()]),
                 esc(r.est_type), esc(r.place_name), esc(r.organisation), esc(_short(r.text))] for r in rep.itertuples()]
        w.table(f"Veckans EST-rapporter ({len(wp.est_week)})" + (", de 30 första" if len(wp.est_week) > 30 else ""),
                ["När", "Typ", "Plats", "Rapportör", "Beskrivning"], rows, "lllll",
                widths="(auto, 1.1fr, 1fr, 1fr, 2.2fr)")
    files = {TEMPLATE: template_bytes()}
    for x in cells:
        files.update(x.files)
    return w.source(head), files


def tertial_source(tp: TertialPicture, kommun, area_names, generated_on: dt.date) -> tuple[str, dict[str, bytes]]:
    """The four-monthly roll-up of the EST reports."""
    w = _Writer()
    head = (f'#import "{TEMPLATE}": *\n#show: veckobild.with(kommun: {typst_str(kommun.name)}, '
            f'title: {typst_str(f"EST tertialsammanställning {tp.label}")}, '
            f'subtitle: {typst_str(f"{kommun.name} · {tp.start.isoformat()}–{tp.end.isoformat()} · {tp.n_weeks} veckor")}, '
            f'date: {typst_str(generated_on.isoformat())})\n')
    types = tp.by_type["est_type"].head(4).tolist()
    if tp.note:
        w.notice(tp.note)
    if len(tp.weekly_by_type):
        w.figure("tertial", (CF.tertial_lines, tp.weekly_by_type, types), "Rapporter per vecka, de vanligaste typerna.",
                 "Linjediagram med antal EST-rapporter per vecka under tertialen för " + ", ".join(types) + ".")
    rows = [[esc(r.est_type), fmt_int(r.n), fmt_int(r.n_prev_tertial), fmt_int(r.n_last_year)]
            for r in tp.by_type.itertuples()]
    w.table("EST-rapporter per typ", ["Typ", "Tertialen", "Tertialen före", "Samma tertial i fjol"], rows, "lrrr")
    rows = [[esc(r.place_name), esc(area_names.get(r.area_id, "–")), fmt_int(r.n), f"{r.n_weeks} av {tp.n_weeks}"]
            for r in tp.persistent_places.itertuples()]
    w.table("Platser som rapporterats flest veckor", ["Plats", "Område", "Rapporter", "Veckor"], rows, "llrr")
    files = {**w.files, TEMPLATE: template_bytes()}
    return w.source(head), files
