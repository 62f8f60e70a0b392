"""Prioriterade problembilder: the ranked problembilder with their rank intervals, what each
criterion added to each score, Brå's matrix from the same criteria, the reasons, and how the
order holds under other weightings. The weights and the method are the next chapter
(:mod:`pipeline.report.chapters.rangordning`)."""

from __future__ import annotations

import pandas as pd

from pipeline.report import figures_ranking as FR
from pipeline.report import views, wording
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.labels_sv import component_sv
from pipeline.report.markdown import escape as esc
from pipeline.report.matrix_table import matrix_table
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

TITLE = "Prioriterade problembilder"
SOURCES_SV = {"has_crime": "anmälda brott", "has_survey": "invånarnas svar i trygghetsmätningen",
              "has_notes": "personal som arbetar i området",
              "has_est": "veckorapporter (EST) från kommun, bostadsbolag och polis"}


def top(d: Doc) -> pd.DataFrame:
    """The problembilder the report prioritises (``report.top_n``), in rank order."""
    return d.inp.problembilder.sort_values("rank").head(d.inp.report.top_n)


def title(d: Doc, r) -> str:
    """"Narkotika i Bäckby"."""
    return f"{d.label(r['problem'])} i {d.area(r['area_id']) if pd.notna(r.get('area_id')) else r['area']}"


def weights(d: Doc) -> dict[str, float]:
    """The scoring weights, or equal weights for the components present when none were given."""
    w = {c: float(v) for c, v in (d.inp.weights or {}).items()}
    if not w:
        w = {c.removeprefix("comp_"): 1.0 for c in d.inp.problembilder.columns if str(c).startswith("comp_")}
    return w


def reasons(d: Doc, rows: pd.DataFrame) -> list[str]:
    """The one-sentence reason per problembild (:func:`pipeline.report.wording.reason`)."""
    contrib = views.contributions(rows, weights(d))
    return [wording.reason(r, contrib.loc[i], d.public) for i, r in rows.iterrows()]


def plain_problems(d: Doc) -> None:
    """Plain-language lines for the public version: what, where, why and which sources point at it."""
    pb = d.inp.problembilder
    if is_empty(pb):
        d.para("Problembilderna prioriteras när underlaget är komplett.")
        return
    rows = top(d)
    items = []
    for (_, r), why in zip(rows.iterrows(), reasons(d, rows)):
        said = [v for c, v in SOURCES_SV.items() if bool(r.get(c, False))]
        where = ", ".join(said[:-1]) + (" och " if len(said) > 1 else "") + said[-1] if said else "underlaget"
        items.append(f"{title(d, r)}. {why} Det syns i {where}.")
    d.numbered(items)


def matrix_long(d: Doc) -> pd.DataFrame:
    """Brå's matrix from the score's own criteria: rows (row_label, criterion_label, value) with
    each component's value 0–1 for the top problembilder, and the score as a last column. The
    columns are exactly what the score weighs, so no row can beat another on every column and
    still rank below it."""
    pb = d.inp.problembilder
    if is_empty(pb):
        return pd.DataFrame(columns=["row_label", "criterion_label", "value"])
    rows = top(d)
    w = weights(d)
    total = sum(w.values()) or 1.0
    out = []
    for _, r in rows.iterrows():
        label = f"{int(r['rank'])}. {d.label(r['problem'])}, {d.area(r['area_id'])}"
        for c, wc in w.items():
            if f"comp_{c}" in rows.columns and wc > 0:
                out.append((label, f"{component_sv(c)} ({fmt_pct(100 * wc / total, 0)})", float(r[f"comp_{c}"])))
        out.append((label, "Poäng", float(r["score"])))
    return pd.DataFrame(out, columns=["row_label", "criterion_label", "value"])


def build(d: Doc) -> None:
    inp = d.inp
    pb = inp.problembilder
    if is_empty(pb):
        d.missing("för prioritering (problembilder)")
        return
    rows = top(d)
    labels = [f"{int(r['rank'])}. {title(d, r)}" for _, r in rows.iterrows()]
    d.para("En problembild är ett problem på en plats. Poängen väger samman Brå:s kriterier för prioritering: hur många "
           "och hur allvarliga brotten är, om de ökar, om området avviker från kommunen, om brotten samlas på få "
           "platser, signalbrott, otrygghet och vad personal och veckorapporter visar. Hur poängen räknas och vilka "
           "vikter som gäller står i nästa kapitel.")
    src = {"has_crime": "B", "has_survey": "T", "has_notes": "M", "has_est": "E"}
    table = []
    for _, r in rows.iterrows():
        where = d.area(r["area_id"])
        if not d.public and pd.notna(r.get("place")) and r.get("place") != r.get("area"):
            where = f"{where} ({r['place']})"
        table.append([str(int(r["rank"])), f"{int(r['rank_low'])}–{int(r['rank_high'])}", esc(where),
                      esc(d.label(r["problem"])), ".." if r.get("score_suppressed") else fmt_num(r["score"], 2),
                      esc(" ".join(v for c, v in src.items() if bool(r.get(c, False))) or "–")])
    d.table(f"Prioriterade problembilder {inp.kommun.year} (källor: B = anmälda brott, T = trygghetsmätning, "
            "M = medarbetardialog, E = EST)", ["Plats", "Kan hamna på", "Område", "Problem", "Poäng", "Källor"], table,
            "rrllrl")
    if d.public and rows.get("score_suppressed", pd.Series("", index=rows.index)).fillna("").ne("").any():
        d.para("Två punkter (..) betyder att poängen inte visas: den bygger på så få brott, anteckningar, "
               "EST-rapporter eller enkätsvar att de små talen skulle gå att räkna fram ur den. Platsen visas.")
    d.h(2, "Hur säker är ordningen?")
    groups = views.rank_groups(rows)
    d.para("Punkten är problembildens plats, linjen de platser den hamnar på i 95 av 100 omräkningar när underlaget "
           f"dras om slumpmässigt. {wording.rank_groups_sentence(groups)}")
    d.figure("rangintervall", (FR.rank_intervals, labels, rows["rank"], rows["rank_low"], rows["rank_high"]),
             f"Plats och osäkerhet för de prioriterade problembilderna, {inp.kommun.year}.",
             "Diagram med en rad per problembild: en punkt för platsen och en linje för de platser den kan hamna på. "
             + wording.rank_groups_sentence(groups))
    d.h(2, "Vad som gav poängen")
    contrib = views.contributions(rows, weights(d))
    names = {c: component_sv(c) for c in contrib.columns}
    lead = contrib.iloc[0].sort_values(ascending=False)
    partial = " En stapel som slutar med två punkter (..) visar bara de bidrag som går att visa; poängen visas inte." \
        if contrib.isna().any(axis=1).any() else ""
    d.para("Varje stapel är en problembilds poäng, uppdelad på vad varje kriterium bidrog med (kriteriets värde gånger "
           f"dess vikt). Bidragen summerar till poängen.{partial}")
    d.figure("bidrag", (FR.contribution_chart, labels, contrib, names),
             f"Kriteriernas bidrag till poängen för de prioriterade problembilderna, {inp.kommun.year}.",
             f"Liggande staplade staplar, en per problembild. För {labels[0]} bidrog mest "
             f"{names[lead.index[0]].lower()} ({fmt_num(lead.iloc[0], 2)}"
             + (f" av {fmt_num(rows['score'].iloc[0], 2)})." if pd.notna(rows["score"].iloc[0]) else ")."))
    mat = matrix_long(d)
    if len(mat):
        d.h(2, "Brå:s prioriteringsmatris")
        d.para("Matrisen visar samma kriterier som poängen, med varje kriteriums värde från 0 till 1 och vikten i "
               "kolumnrubriken. Två av Brå:s kriterier ingår inte som egna kolumner: de mest utsatta personerna (som "
               "inte kan mätas i underlaget) och brott som påverkar många indirekt (som syns genom otrygghet, upplevda "
               "problem och EST-rapporter). Ju mörkare ruta, desto högre värde; sista kolumnen är poängen.")
        d.add(matrix_table(mat, f"Prioriteringsmatris {inp.kommun.year}: kriteriernas värden (0–1) och poängen "
                                "per problembild."))
    d.h(2, "Varför problembilderna valts")
    if d.public:
        plain_problems(d)
    else:
        items = []
        for (_, r), why in zip(rows.iterrows(), reasons(d, rows)):
            facts = _facts(r)
            items.append(f"#strong[{esc(str(int(r['rank'])) + '. ' + title(d, r))}.] {esc(why)}"
                         + (f" {esc(facts)}" if facts else ""))
        d.add("\n".join(f"- {i}" for i in items))
    _sensitivity(d, rows)


def _facts(r) -> str:
    """The internal version's further fact: how the crimes developed (the trend verdict)."""
    n, prev = r.get("crime_n_year"), r.get("crime_n_prev")
    if pd.isna(n) or not n:
        return ""
    phrase = wording.trend_phrase(r, "crime_")
    if phrase == "–":
        return ""
    return f"Brotten {phrase}" + (f" ({fmt_int(prev)} anmälda året innan)." if pd.notna(prev) else ".")


def _sensitivity(d: Doc, rows: pd.DataFrame) -> None:
    s = d.inp.sensitivity
    if not is_empty(s) and "scenario" not in s.columns and "weight_set_label" in s.columns:
        s = s.rename(columns={"weight_set_label": "scenario"})  # scoring.rank's long sensitivity table
    if is_empty(s) or not {"scenario", "rank", "area_id", "problem"} <= set(s.columns):
        return
    d.h(2, "Känslighet för viktningen")
    piv = s.pivot_table(index=["area_id", "problem"], columns="scenario", values="rank", aggfunc="first")
    scen = list(dict.fromkeys(s["scenario"]))
    piv = piv.reindex(columns=scen)
    keys = [(r["area_id"], r["problem"]) for _, r in rows.iterrows() if (r["area_id"], r["problem"]) in piv.index]
    base = scen[0]
    names = {(a, p): f"{d.label(p).lower()} i {d.area(a)}" for a, p in keys}
    d.para("Tabellen visar var problembilderna hamnar om kriterierna vägs på andra sätt. Ett streck betyder att "
           "problembilden inte kommer med bland de redovisade.")
    table = [[esc(f"{d.label(p)}, {d.area(a)}")] + [fmt_int(piv.loc[(a, p), c]) for c in scen] for a, p in keys]
    d.table("Placering med olika viktningar av kriterierna", ["Problembild"] + [str(c) for c in scen], table,
            "l" + "r" * len(scen))
    comments = wording.sensitivity_comment(piv.loc[keys], base, d.inp.report.top_n, names)
    if comments:
        d.para("Så läser man tabellen:")
        d.bullets(comments)
        stable = [names[k] for k in keys if (piv.loc[k] <= d.inp.report.top_n).all()]
        if stable:
            d.para("Kvar bland de första med alla viktningar: " + ", ".join(stable) + ". De är de säkraste valen; "
                   "de andra beror mer på hur kriterierna vägs.")
