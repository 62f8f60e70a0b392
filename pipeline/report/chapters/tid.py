"""Tid: Month profile, weekday × hour, årshjul."""

from __future__ import annotations


from pipeline.report import figures as F
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.text.format_sv import fmt_int, fmt_pct

TITLE = "Tid"


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    if is_empty(inp.month_profile) and is_empty(inp.hour_weekday):
        d.missing("om tidpunkter för brotten")
        return
    mp = inp.month_profile
    if not is_empty(mp) and (mp["problem"] == "all").any():
        m = mp[mp["problem"] == "all"].sort_values("mean_per_year", ascending=False)
        d.h(2, "Månad")
        hi, lo = m.iloc[0], m.iloc[-1]
        d.para(f"Flest brott anmäls i {F.MONTHS_SV[int(hi['month']) - 1]} ({fmt_int(hi['mean_per_year'])} i "
               f"genomsnitt per år), färst i {F.MONTHS_SV[int(lo['month']) - 1]} ({fmt_int(lo['mean_per_year'])}).")
        # each figure gets only the rows it draws: the public version then shares it with the internal
        # one when suppression left those rows unchanged (FigureCache keys on the content)
        d.figure("tid_manad", (F.month_profile_chart, mp[mp["problem"] == "all"]), f"Alla anmälda brott per månad, medel per år {k.first_year}–{k.year}.",
                 f"Stapeldiagram över brott per månad. Flest brott sker i {F.MONTHS_SV[int(m['month'].iloc[0]) - 1]}, "
                 f"färst i {F.MONTHS_SV[int(m['month'].iloc[-1]) - 1]}.")
    hw = inp.hour_weekday
    if not is_empty(hw) and (hw["problem"] == "all").any():
        h = hw[hw["problem"] == "all"].dropna(subset=["n_incidents"]).sort_values("n_incidents", ascending=False)
        d.h(2, "Veckodag och timme")
        by_hour = hw[hw["problem"] == "all"].groupby("hour")["n_incidents"].sum()
        night = by_hour[[x for x in by_hour.index if x >= 18 or x < 2]].sum() / by_hour.sum() if by_hour.sum() else None
        d.para("Värmekartan visar när på dygnet och veckan brotten sker; mörkare ruta betyder fler brott."
               + (f" Mellan klockan 18 och 02 sker {fmt_pct(100 * night, 0)} av brotten." if night is not None else ""))
        d.figure("tid_vecka", (F.hour_weekday_chart, hw[hw["problem"] == "all"], "all", str(k.year)),
                 f"Alla anmälda brott per veckodag och timme, {k.year}."
                 + (" Vita rutor: för få brott för att visas." if d.public else ""),
                 f"Värmekarta med veckodagar som rader och timmar som kolumner. Flest brott: "
                 f"{F.WEEKDAYS_SV[int(h['weekday'].iloc[0])]} klockan {int(h['hour'].iloc[0]):02d}.")
    if not is_empty(mp):
        probs = d.top_problems(6)
        d.h(2, "Årshjul")
        d.para("Årshjulet visar återkommande mönster över året: varje ring är ett problemområde och mörkare fält betyder "
               "en månad med fler brott än en genomsnittlig månad för just det problemet.")
        d.figure("tid_arshjul", (F.arshjul, mp[mp["problem"].isin(probs)], inp.families, probs),
                 f"Årshjul över återkommande mönster per problemområde, {k.first_year}–{k.year}.",
                 "Cirkeldiagram med en ring per problemområde (" + ", ".join(d.label(p).lower() for p in probs)
                 + ") och ett fält per månad, skuggat efter månadens nivå jämfört med ett genomsnitt.")
