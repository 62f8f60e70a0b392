"""Prioriterade problembilder: The ranked problembilder, the Brå matrix, the reasons and the sensitivity to the weights."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report import figures as F
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_num

TITLE = "Prioriterade problembilder"
CRITERION_SV = {
    "harm_volume": "Skadevärde och volym", "rate_ratio": "Avvikelse mot kommunen", "trend": "Trend",
    "concentration": "Koncentration", "signal": "Signalbrott", "survey_unsafe": "Otrygghet (enkät)",
    "survey_problem": "Upplevt problem (enkät)", "notes": "Medarbetardialog", "est": "EST-iakttagelser",
    "triangulation": "Flera källor", "frequency": "Frekvens", "deviation": "Avvikelse", "events": "Polisens händelser",
}


def plain_problems(d: Doc) -> None:
    """Plain-language lines for the public version: what, where, and which sources point at it."""
    pb = d.inp.problembilder
    if is_empty(pb):
        d.para("Problembilderna prioriteras när underlaget är komplett.")
        return
    src = {"has_crime": "anmälda brott", "has_survey": "invånarnas svar i trygghetsmätningen",
           "has_notes": "personal som arbetar i området", "has_est": "veckorapporter (EST) från kommun, bostadsbolag och polis"}
    items = []
    for _, r in pb.sort_values("rank").head(d.inp.report.top_n).iterrows():
        said = [v for c, v in src.items() if bool(r.get(c, False))]
        where = ", ".join(said[:-1]) + (" och " if len(said) > 1 else "") + said[-1] if said else "underlaget"
        items.append(f"{d.label(r['problem'])} i {r['area']}. Det syns i {where}.")
    d.add("\n".join(f"+ {esc(i)}" for i in items))


def matrix_long(d: Doc) -> pd.DataFrame:
    """The Brå matrix as rows (row_label, criterion_label, value): from ``matrix`` (long with
    criterion/value, or wide with numeric columns), else from problembilder's comp_* columns."""
    m, pb = d.inp.matrix, d.inp.problembilder
    if is_empty(m) and not is_empty(pb):
        m = pb[["area_id", "problem"] + [c for c in pb.columns if c.startswith("comp_")]]
    if is_empty(m):
        return pd.DataFrame(columns=["row_label", "criterion_label", "value"])
    if not {"criterion", "value"} <= set(m.columns):
        num = [c for c in m.columns if c not in ("area_id", "problem", "rank", "Rang")
               and pd.api.types.is_numeric_dtype(m[c])]
        m = m.melt(id_vars=["area_id", "problem"], value_vars=num, var_name="criterion", value_name="value")
    m = m.copy()
    crit = m["criterion"].astype(str).str.removeprefix("comp_")
    m["criterion_label"] = crit.map(lambda c: CRITERION_SV.get(c, c.replace("_", " ")))
    if not is_empty(pb):
        order = pb.sort_values("rank")[["area_id", "problem", "rank"]]
        m = m.merge(order, on=["area_id", "problem"], how="inner").sort_values(["rank"], kind="stable")
        m["row_label"] = [f"{int(r)}. {d.label(p)}, {d.area(a)}" for r, p, a in zip(m["rank"], m["problem"], m["area_id"])]
    else:
        m["row_label"] = [f"{d.label(p)}, {d.area(a)}" for p, a in zip(m["problem"], m["area_id"])]
    v = m["value"].astype(float)
    if v.min() >= 0 and v.max() <= 3 and (v == v.round()).all():  # Brå's 0–3 levels (scoring.matrix)
        v = v / 3
    elif v.max() > 1 or v.min() < 0:  # scale per criterion to 0–1 for shading
        g = m.assign(v=v).groupby("criterion_label")["v"]
        v = (v - g.transform("min")) / (g.transform("max") - g.transform("min")).replace(0, np.nan)
    return m.assign(value=v)[["row_label", "criterion_label", "value"]]


def build(d: Doc) -> None:
    inp = d.inp
    pb = inp.problembilder
    if is_empty(pb):
        d.missing("för prioritering (problembilder)")
        return
    top = pb.sort_values("rank").head(inp.report.top_n)
    d.para("En problembild är ett problem på en plats. Problembilderna har rangordnats efter en poäng som väger samman "
           "Brå:s kriterier: frekvens och skadevärde, trend, avvikelse från kommunen, koncentration, signalbrott, "
           "otrygghet och vad medarbetare och EST-rapporter visar. Intervallet anger vilka placeringar som är rimliga "
           "när underlaget dras om slumpmässigt (bootstrap).")
    src = {"has_crime": "B", "has_survey": "T", "has_notes": "M", "has_est": "E"}
    rows = []
    for _, r in top.iterrows():
        where = r["area"] if d.public or pd.isna(r.get("place")) else f"{r['area']} ({r['place']})"
        rows.append([str(int(r["rank"])), f"{int(r['rank_low'])}–{int(r['rank_high'])}", esc(where),
                     esc(d.label(r["problem"])), fmt_num(r["score"], 2),
                     esc(" ".join(v for c, v in src.items() if bool(r.get(c, False))) or "–")])
    d.table("Prioriterade problembilder (B = anmälda brott, T = trygghetsmätning, M = medarbetardialog, E = EST)",
            ["Rang", "Intervall", "Plats", "Problem", "Poäng", "Källor"], rows, "rrllrl")
    mat = matrix_long(d)
    if len(mat):
        d.h(2, "Brå:s prioriteringsmatris")
        d.figure("matris", (F.bra_matrix, mat), "Prioriteringsmatris: varje kriteriums bidrag (0–1) per problembild.",
                 f"Matris med {mat['row_label'].nunique()} problembilder som rader och {mat['criterion_label'].nunique()} "
                 "kriterier som kolumner; mörkare ruta betyder större bidrag till prioriteringen.")
    d.h(2, "Varför problembilderna valts")
    if d.public:
        plain_problems(d)
    else:
        items = [f"{int(r['rank'])}. {d.label(r['problem'])} i {r['area']}: {r['explanation']}" for _, r in top.iterrows()
                 if pd.notna(r.get("explanation"))]
        d.bullets(items or ["Förklaringar saknas i underlaget."])
    s = inp.sensitivity
    if not is_empty(s) and "scenario" not in s.columns and "weight_set_label" in s.columns:
        s = s.rename(columns={"weight_set_label": "scenario"})  # scoring.rank's long sensitivity table
    if not is_empty(s) and {"scenario", "rank", "area_id", "problem"} <= set(s.columns):
        d.h(2, "Känslighet för viktningen")
        piv = s.pivot_table(index=["area_id", "problem"], columns="scenario", values="rank", aggfunc="first")
        scen = list(dict.fromkeys(s["scenario"]))
        piv = piv.reindex(columns=scen)
        keys = [(r["area_id"], r["problem"]) for _, r in top.iterrows() if (r["area_id"], r["problem"]) in piv.index]
        rows = [[esc(f"{d.label(p)}, {d.area(a)}")] + [fmt_int(piv.loc[(a, p), c]) for c in scen] for a, p in keys]
        d.table("Placering med olika viktningar av kriterierna", ["Problembild"] + [str(c) for c in scen], rows,
                "l" + "r" * len(scen))
