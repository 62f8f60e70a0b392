"""The report's tables as an Excel workbook made for Excel users.

Pure: :func:`workbook_sheets` turns one version's :class:`~pipeline.report.inputs.ReportInputs`
into :class:`pipeline.io.Sheet` objects; :func:`pipeline.io.write_workbook` writes them (bold,
frozen header with a filter, number formats, widths, text cells inert). Every sheet's columns,
Swedish headers and decimals come from the column registry (:data:`pipeline.schemas.COLUMNS`);
areas get their names beside their codes, problem families and survey questions their Swedish
labels, and numbers are rounded to the decimals shown. The first sheet, "Om filen", says
whether the file is internal or public, the period and the suppression rules. In the public
version a hidden number is written "<5" (a small count) or ".." (hidden to protect another
number, or computed from a hidden one); a 0 is a true zero.
"""

from __future__ import annotations

import pandas as pd

from pipeline.io import Sheet
from pipeline.report import views
from pipeline.report.labels_sv import INDICATOR_SV
from pipeline.report.inputs import ReportInputs, is_empty
from pipeline.report.labels_sv import SOURCE_SV, TREND_SV, component_sv, reason_sv
from pipeline.schemas import COLUMNS
from pipeline.scoring.components import COMPONENTS
from pipeline.scoring.matrix import level

SHEET_TEXT = {
    "Problembilder": "Problem i ett område, rangordnade efter poäng. Bidrag = kriteriets värde (0–1) gånger dess "
                     "vikt delat med summan av vikterna; bidragen summerar till poängen. Rangintervallet är de "
                     "placeringar som är rimliga när underlaget dras om (bootstrap). Källor: B = anmälda brott, "
                     "T = trygghetsmätning, M = medarbetardialog, E = EST.",
    "Känslighet": "Placering när kriterierna vägs på andra sätt; tom cell = utanför de redovisade.",
    "Prioriteringsmatris": "Brå:s prioriteringsmatris för de prioriterade problembilderna, med poängens egna "
                           "kriterier (vikten inom parentes): 0 ingen (värde under 0,05), 1 låg (under 1/3), 2 medel "
                           "(under 2/3), 3 hög.",
    "Brott per område": "Anmälda brott rapportåret per område och problemområde, med förändring, takt per 1 000 "
                        "invånare och trend.",
    "Brott per område och år": "Anmälda brott per område, problemområde och år.",
    "Trygghetsmätning": "Andel som instämmer per område och fråga, med 95 % konfidensintervall (Wilson).",
}
INTERNAL_ONLY = {"place", "explanation", "quotes", "top_place", "irr", "irr_low", "irr_high", "irr_q"}
FORMAT = {0: "#,##0", 1: "#,##0.0", 2: "0.00", 3: "0.000"}


def _header(col: str, year: int) -> str:
    spec = COLUMNS.get(col)
    sv = spec.sv if spec is not None and spec.sv else col
    return sv.format(year=year, prev=year - 1)


class _Builder:
    def __init__(self, inp: ReportInputs):
        self.inp = inp
        self.public = inp.public
        self.year = inp.kommun.year
        self.names = views.area_names(inp.areas)
        self.min = inp.privacy.min_count

    def area_name(self, area_id) -> str:
        return self.names.get(str(area_id), str(area_id)) if pd.notna(area_id) else ""

    def area_code(self, area_id) -> str:
        return self.inp.kommun.code if str(area_id) == "kommun" else str(area_id)

    def label(self, problem) -> str:
        if problem is None or pd.isna(problem):
            return ""
        return self.inp.families.label_sv(str(problem))

    def value(self, frame: pd.DataFrame, col: str) -> list:
        """A column as shown: rounded to the registry's decimals; in the public version a hidden
        number as "<k" or ".."."""
        spec = COLUMNS.get(col)
        dec = spec.decimals if spec is not None else None
        raw = frame[col]
        if col == "trend":
            return [TREND_SV.get(v, "–") if isinstance(v, str) else "" for v in raw]
        if dec is None or not (pd.api.types.is_numeric_dtype(raw) or raw.isna().all()):
            return [None if (not isinstance(v, str) and pd.isna(v)) else v for v in raw]
        num = pd.to_numeric(raw, errors="coerce").round(dec)
        flags = frame.get(f"{col}_suppressed")
        out = []
        for i, v in enumerate(num):
            flag = flags.iloc[i] if flags is not None else ""
            if flag == "primary":
                out.append(f"<{self.min}")
            elif flag == "secondary":
                out.append("..")
            elif pd.isna(v):
                out.append(None)
            else:
                out.append(int(v) if dec == 0 else float(v))
        return out

    def sheet(self, name: str, frame: pd.DataFrame | None, cols: list[str], keys: bool = True,
              extra: dict | None = None) -> Sheet | None:
        """A sheet of ``frame``'s ``cols`` (those present), with area code and name and the
        Swedish problem label in front when ``keys``; ``extra`` adds computed columns."""
        if is_empty(frame):
            return None
        cols = [c for c in cols if c in frame.columns and not (self.public and c in INTERNAL_ONLY)]
        data: dict[str, list] = {}
        if keys and "area_id" in frame.columns:
            data["Områdeskod"] = [self.area_code(a) for a in frame["area_id"]]
            data["Område"] = [self.area_name(a) for a in frame["area_id"]]
        if keys and "problem" in frame.columns:
            data["Problemområde"] = [self.label(p) for p in frame["problem"]]
        formats, widths = {}, {}
        for c in cols:
            h = _header(c, self.year)
            data[h] = self.value(frame, c)
            spec = COLUMNS.get(c)
            if spec is not None and spec.decimals is not None:
                formats[h] = FORMAT.get(spec.decimals, "0.00")
        for h, (values, fmt) in (extra or {}).items():
            data[h] = values
            if fmt:
                formats[h] = fmt
        table = pd.DataFrame(data)
        for h in table.columns:
            longest = max([len(str(h)) * 0.6] + [len(str(v)) for v in table[h].head(500) if v is not None])
            widths[h] = float(min(max(longest + 2, 9), 60))
        return Sheet(name, table, formats, widths)


def about_sheet(inp: ReportInputs) -> Sheet:
    """"Om filen": what the file is, for whom, the period and the suppression rules."""
    k, public = inp.kommun, inp.public
    m, min_n = inp.privacy.min_count, inp.survey_min_n
    survey_years = ", ".join(str(int(y)) for y in sorted(inp.survey_indicators["survey_year"].unique())) \
        if not is_empty(inp.survey_indicators) else "–"
    rows = [
        ("Fil", f"Tabeller till Lägesbild {k.year} för {k.name} kommun och {k.lpo}"),
        ("Version", "Publik: får spridas. Röjandekontrollerad enligt reglerna nedan." if public else
         "Intern: innehåller citat, namngivna platser och små tal. Får inte lämnas ut; använd den publika filen."),
        ("Rapportår", str(k.year)),
        ("Anmälda brott, period", f"{k.first_year}–{k.year}"),
        ("Trygghetsmätning, år", survey_years),
        ("Framtagen", inp.generated_on.isoformat()),
        ("Rapportversion", str(inp.report.version)),
        ("Områdeskod", f"Kommunens områdeskod; {k.code} är hela kommunen."),
        ("Tomma celler", "Uppgiften finns inte (till exempel ingen tidigare mätning)."),
    ]
    if public:
        rows += [
            (f"<{m}", f"Ett antal mellan 1 och {m - 1}. Noll visas som 0."),
            ("..", "Dolt för att skydda ett annat värde, eller beräknat ur ett dolt tal (andel, takt, förändring)."),
            ("Små antal", f"Antal brott, anteckningar, EST-rapporter och svar under {m} visas inte, för varje år och "
                          "område. Fler celler döljs så att inget dolt tal kan räknas fram ur summor, medelvärden, "
                          "andra kolumner eller andra blad."),
            ("Trygghetsmätningen", f"En andel visas bara när minst {min_n} har svarat och minst {m} har svarat ja "
                                   "respektive nej; regeln gäller varje mätår som visas, även förra mätningen."),
            ("Platser och fritext", "Platser som är mindre än ett område och citat ingår inte. Ord ur fritexter visas "
                                    f"bara när minst {m} texter använder dem."),
            ("Granskning", "Före publicering har ett program prövat att räkna fram varje dolt tal ur alla tal i "
                           "filen och i den publika rapporten (linjärprogrammering); inget kunde räknas fram."),
            ("Problembilder", f"Bara de {inp.report.top_n} prioriterade. Ett kriteriums bidrag, och då också poängen, "
                              "visas som .. när det är beräknat ur ett dolt antal."),
            ("Polisens händelser", "Polisens publicerade händelser är redan offentliga och visas som de är."),
        ]
    rows += [(f"Blad: {name}", text) for name, text in SHEET_TEXT.items()]
    frame = pd.DataFrame(rows, columns=["Uppgift", "Värde"])
    return Sheet("Om filen", frame, {}, {"Uppgift": 24.0, "Värde": 100.0})


def workbook_sheets(inp: ReportInputs) -> list[Sheet]:
    """The sheets of the report's Excel file for this version (public when ``inp.public``)."""
    b = _Builder(inp)
    sheets: list[Sheet | None] = [about_sheet(inp)]
    pb = inp.problembilder
    if not is_empty(pb):
        pb = pb.sort_values("rank")
        weights = {c: float(w) for c, w in (inp.weights or {}).items()}
        total = sum(weights.values()) or 1.0
        extra = {}
        for c in COMPONENTS:
            if f"comp_{c}" in pb.columns:
                contrib = (pb[f"comp_{c}"].astype(float) * weights.get(c, 0.0) / total).round(3)
                extra[f"Bidrag: {component_sv(c)}"] = (_hidden_as_dots(contrib, pb.get(f"comp_{c}_suppressed")), "0.000")
        src = {"has_crime": "B", "has_survey": "T", "has_notes": "M", "has_est": "E"}
        extra["Källor (B T M E)"] = ([" ".join(v for c, v in src.items() if bool(r.get(c, False))) for _, r in pb.iterrows()],
                                     None)
        sheets.append(b.sheet("Problembilder", pb, ["rank", "rank_low", "rank_high", "place", "score",
                                                    "n_sources_agree", "explanation"], extra=extra))
    sheets.append(_sensitivity(b, inp))
    if not is_empty(pb):  # Brå's matrix from the score's own components (the same as in the report)
        top = pb.head(inp.report.top_n)
        w = {c: float(v) for c, v in (inp.weights or {}).items()} or \
            {c.removeprefix("comp_"): 1.0 for c in top.columns if str(c).startswith("comp_")}
        total = sum(w.values()) or 1.0
        extra = {f"{component_sv(c)} ({round(100 * v / total)} %)":
                 (_hidden_as_dots(pd.Series(level(top[f"comp_{c}"]), index=top.index), top.get(f"comp_{c}_suppressed")), "0")
                 for c, v in w.items() if f"comp_{c}" in top.columns and v > 0}
        sheets.append(b.sheet("Prioriteringsmatris", top, ["rank", "score"], extra=extra))
    sheets.append(b.sheet("Brott per område", inp.area_trends,
                          ["n_year", "n_prev", "change_pct", "mean_3y", "change_vs_3y_pct", "population", "rate_per_1000",
                           "rate_ratio", "harm_days_year", "verdict_sv" if "verdict_sv" in _cols(inp.area_trends) else "trend",
                           "irr", "irr_low", "irr_high", "irr_q"]))
    sheets.append(b.sheet("Brott per område och år", inp.area_year_counts,
                          ["year", "n_incidents", "population", "rate_per_1000", "harm_days"]))
    sheets.append(b.sheet("Koncentration", inp.concentration,
                          ["n_incidents", "n_cells", "top1_pct", "top5_pct", "top10_pct", "gini_generalised"]))
    sv = inp.survey_indicators
    if not is_empty(sv):
        extra = {"Fråga": ([INDICATOR_SV.get(i, i) for i in sv["indicator"]], None)}
        cols = ["n", "share_pct", "ci_low_pct", "ci_high_pct", "prev_share_pct", "diff_vs_prev_pp"]
        if not inp.public:
            cols += ["rest_share_pct", "diff_vs_rest_pp", "p_vs_rest"]
        sheets.append(_with_first(b.sheet("Trygghetsmätning", sv, ["survey_year"], extra=extra), b, sv, cols))
    pi = inp.survey_problem_index
    if not is_empty(pi):
        extra = {"Fråga": ([INDICATOR_SV.get(f"big_problem_{i}", i) for i in pi["item"]], None)}
        sheets.append(_with_first(b.sheet("Problemindex 0–6", pi, ["survey_year"], extra=extra), b, pi,
                                  ["n", "index_0_6"]))
    sheets.append(b.sheet("Medarbetardialoger", inp.note_themes, ["n_notes", "n_verksamheter", "top_place", "quotes"]))
    sheets.append(b.sheet("Öppna enkätsvar", inp.survey_text_themes, ["n_answers", "n_answers_area", "quotes"]))
    tt = inp.text_topics
    if not is_empty(tt):
        extra = {"Mest i området": ([b.area_name(a) for a in tt["top_area"]], None)}
        sheets.append(b.sheet("Teman i fritexter", tt.assign(topic=tt["topic"].astype(int) + 1),
                              ["topic", "top_terms", "n_docs", "share_untagged_pct"], extra=extra))
    sheets.append(b.sheet("EST", inp.est_summary, ["n_est_reports", "n_weeks", "top_place"]))
    for name, frame, cols in (  # Polisen's published events: public, shown as they are
            ("Händelser per månad", inp.event_month_counts,
             ["month", "n_events", "days_covered", "is_partial_month", "rate_per_10000", "break_ids"]),
            ("Händelser per år", inp.event_year_counts,
             ["year", "n_events", "days_covered", "is_partial_year", "rate_per_10000", "has_break"]),
            ("Händelser, trender", inp.event_trends,
             ["n_events", "n_months", "first_month", "last_month", "trend", "irr", "irr_low", "irr_high",
              "level_shift", "level_shift_low", "level_shift_high", "break_ids", "trend_note"]),
            ("Händelser, brott i källan", inp.event_breaks, ["id", "start", "origin", "label_sv", "evidence"]),
            ("Jämförelse", inp.event_comparison,
             ["unit_label", "n_kommuner", "year", "days_covered", "n_events", "population", "rate_per_10000",
              "rate_low", "rate_high", "rate_ratio", "rr_low", "rr_high", "trend", "trend_note"])):
        sheets.append(b.sheet(name, frame, [c for c in cols if not (inp.public and c in INTERNAL_ONLY)]))
    q = inp.quality
    if not is_empty(q):
        share = views.quarantine_share(q)
        sheets.append(b.sheet("Datakvalitet", q.assign(source=[SOURCE_SV.get(s, s) for s in q["source"]]),
                              ["source", "rows_read", "accepted", "quarantined"],
                              extra={"Andel i karantän, %": (share.round(1).tolist(), "0.0")}))
    qr = inp.quarantine_reasons
    if not is_empty(qr):
        sheets.append(b.sheet("Karantän, orsaker", qr.assign(source=[SOURCE_SV.get(s, s) for s in qr["source"]],
                                                            reason=[reason_sv(r) for r in qr["reason"]]),
                              ["source", "reason", "n_rows"]))
    return [s for s in sheets if s is not None]


def _cols(frame) -> set:
    return set() if frame is None else set(frame.columns)


def _with_first(sheet: Sheet | None, b: _Builder, frame: pd.DataFrame, cols: list[str]) -> Sheet | None:
    """``sheet`` (keys, first columns, extras) followed by ``cols`` of ``frame``."""
    if sheet is None:
        return None
    rest = b.sheet(sheet.name, frame, cols, keys=False)
    table = pd.concat([sheet.frame, rest.frame], axis=1)
    return Sheet(sheet.name, table, {**sheet.formats, **rest.formats}, {**sheet.widths, **rest.widths})


def _hidden_as_dots(values: pd.Series, flags: pd.Series | None) -> list:
    """``values`` as a list, ".." where the public version's flag hides the value it is computed from."""
    if flags is None:
        return values.tolist()
    return [".." if f else v for v, f in zip(values.tolist(), flags.fillna("").astype(str))]


def _sensitivity(b: _Builder, inp: ReportInputs) -> Sheet | None:
    s = inp.sensitivity
    if is_empty(s):
        return None
    if "scenario" not in s.columns and "weight_set_label" in s.columns:
        s = s.rename(columns={"weight_set_label": "scenario"})
    if not {"scenario", "rank", "area_id", "problem"} <= set(s.columns):
        return None
    wide = s.pivot_table(index=["area_id", "problem"], columns="scenario", values="rank", aggfunc="first")
    wide = wide.reindex(columns=list(dict.fromkeys(s["scenario"]))).reset_index()
    order = {} if is_empty(inp.problembilder) else {
        (a, p): r for a, p, r in zip(inp.problembilder["area_id"], inp.problembilder["problem"], inp.problembilder["rank"])}
    wide["_o"] = [order.get((a, p), 1e9) for a, p in zip(wide["area_id"], wide["problem"])]
    wide = wide.sort_values(["_o", "area_id", "problem"]).drop(columns="_o")
    extra = {f"Rang: {c}": ([None if pd.isna(v) else int(v) for v in wide[c]], "0")
             for c in wide.columns if c not in ("area_id", "problem")}
    return b.sheet("Känslighet", wide, [], extra=extra)
