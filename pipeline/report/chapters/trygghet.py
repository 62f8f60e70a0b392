"""Trygghet: The safety survey: unsafety per area, problem items, the residents' free text."""

from __future__ import annotations

import pandas as pd

from pipeline.report import figures as F
from pipeline.report import views, wording
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_num, fmt_pct

TITLE = "Trygghet"


def survey_years(s) -> str:
    """The survey years a table shows: the latest, and the previous one when the layer has it."""
    years = {int(y) for y in s["survey_year"].unique()}
    if "prev_survey_year" in s:
        years |= {int(y) for y in s["prev_survey_year"].dropna().unique()}
    years = sorted(years)
    return " och ".join(str(y) for y in years[-2:])


def build(d: Doc) -> None:
    inp = d.inp
    s = inp.survey_indicators
    if is_empty(s):
        d.missing("från trygghetsmätningen (medborgardialog)")
        return
    last = int(s["survey_year"].max())
    d.para("Otrygghet mäts som andelen som känner sig mycket eller ganska otrygg ute ensam sent en kväll i sitt "
           "bostadsområde eller som avstår från att gå ut av otrygghet. Svaret \"Vet ej\" räknas inte med. Områden med "
           "för få svar redovisas inte.")
    if (s["indicator"] == "unsafe_evening").any():
        d.figure("trygghet_omrade", (F.survey_by_area, s, d.names),
                 f"Andel otrygga ute sen kväll per område, {last}. Andelen visas inte för områden med färre än "
                 f"{d.inp.survey_min_n} svar" + (" eller där den kunde röja en liten grupp." if d.public else "."),
                 "Liggande stapeldiagram med andelen otrygga per område och konfidensintervall; streckad linje visar kommunen.")
    if s["indicator"].str.startswith("big_problem_").any() and (s["area_id"] == "kommun").any():
        d.figure("trygghet_problem", (F.survey_items, views.kommun_rows(s)),
                 f"Upplevda problem i bostadsområdet, hela kommunen, {survey_years(s)}.",
                 "Liggande stapeldiagram med andelen som ser olika företeelser som ett stort problem, senaste och förra mätningen.")
    k = s[(s["area_id"] == "kommun") & (s["survey_year"] == last)]
    rows = []
    for _, r in k.iterrows():
        sup = bool(r.get("is_suppressed", False)) or pd.isna(r["share_pct"])
        rows.append([esc(F.INDICATOR_SV.get(r["indicator"], r["indicator"])), d.cnt(r, "n"),
                     ("för få svar" if r["n"] < d.inp.survey_min_n else "..") if sup else fmt_pct(r["share_pct"], 1),
                     "–" if sup else wording.fmt_interval(r['ci_low_pct'], r['ci_high_pct'], 1),
                     fmt_num(r.get("diff_vs_prev_pp"), 1, signed=True)])
    d.table(f"Trygghetsmätningen {last}, hela kommunen",
            ["Indikator", "Svarande", "Andel", "95 % KI", "Förändring (procentenheter)"], rows, "lrrrr")
    pi = inp.survey_problem_index
    if not is_empty(pi) and (pi["area_id"] == "kommun").any():
        kp = pi[(pi["area_id"] == "kommun") & (pi["survey_year"] == pi["survey_year"].max())]
        d.para("Problemindexet (0–6) är ett medelvärde av svarspoängen (mycket stort problem 6, ganska stort 4, ganska "
               "litet 2, inget problem 0; \"Vet ej\" räknas inte). Det är en egen, dokumenterad omräkning och inte "
               "Polisens index; andelarna ovan är huvudmåttet.")
        rows = [[esc(F.INDICATOR_SV.get(f"big_problem_{r['item']}", r["item"])), d.cnt(r, "n"),
                 "–" if bool(r.get("is_suppressed", False)) else fmt_num(r["index_0_6"], 1)] for _, r in kp.iterrows()]
        d.table("Problemindex 0–6, hela kommunen", ["Fråga", "Svarande", "Index"], rows, "lrr")
    st = inp.survey_text_themes
    if not is_empty(st):
        d.h(2, "Vad de boende skriver")
        d.para("Svaren på den öppna frågan har kodats till problemområden med samma sökord som medarbetardialogerna. "
               "Tabellen visar de vanligaste kombinationerna av område och problem.")
        top = st.sort_values(["n_answers", "area_id"], ascending=[False, True]).head(12)
        rows = [[esc(d.area(r["area_id"])), esc(d.label(r["problem"])), d.cnt(r, "n_answers"), d.cnt(r, "n_answers_area")]
                for _, r in top.iterrows()]
        d.table("Öppna svar per område och problemområde", ["Område", "Problemområde", "Svar som nämner det",
                "Öppna svar i området"], rows, "llrr")
