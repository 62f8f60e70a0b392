"""The registry workbook on disk: the template analysts start from, and reading it back.

The template (``lagesbild registry-template``) is built from the ranked problembilder: the top
rows become problembilder P1…Pn (the first ``prioritised`` marked "ja"), each with its
one-sentence reason; the Orsaksanalys sheet gets one row per perspective of Brå's orsaksanalys
(plats/situation, offer, gärningsperson) for every prioritised problembild, with guiding
questions and the facts of its deep-dive profile; Åtgärder and Medborgarlöften are empty with
drop-down lists (status, indicator type, period, measure). Every text cell is written as an
explicit string cell, so nothing an analyst or a resident wrote can become a formula
(OWASP CSV injection).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.cycle.periods import Period
from pipeline.cycle.registry import HEADERS, SHEETS
from pipeline.errors import DataError
from pipeline.io import atomic_path

GUIDANCE = {
    "Plats/situation": "Vad på platsen gör brotten möjliga? Belysning, siktlinjer, gömställen, tillsyn, vem som äger "
                       "och ansvarar för platsen, öppettider, hur folk rör sig där.",
    "Offer": "Vilka drabbas och varför just de? Upprepad utsatthet, vad gör dem sårbara, anmäler de?",
    "Gärningsperson": "Vilka begår brotten, hur många, i vilken ålder? Motiv, vad som drar dem hit, vilka vuxna eller "
                      "verksamheter som har kontakt med dem.",
}
INSTRUCTIONS = [
    "Handlingsplan och medborgarlöften – registret som lagesbild följer upp.",
    "",
    "Problembilder: en rad per problembild (område × problemområde). Ändra Prioriterad till ja/nej.",
    "Åtgärder: en rad per åtgärd. Ansvarig organisation är obligatorisk; Ansvarig roll är en roll, inte ett namn.",
    "  Status: planerad, pågår, klar eller inställd. Klar datum fylls i när åtgärden är klar (ÅÅÅÅ-MM-DD).",
    "  Löfte-id kopplar åtgärden till ett medborgarlöfte (kan lämnas tomt).",
    "Medborgarlöften: Period är april–september eller oktober–mars, skriv t.ex. 2026H1 (april–september 2026)",
    "  eller 2026H2 (oktober 2026–mars 2027).",
    "  Indikatortyp: brott (Mått = problemområde, Område eller plats = område),",
    "  EST (Mått = EST-typ, Område eller plats = plats eller område),",
    "  enkät (Mått = enkätfråga, Område eller plats = område).",
    "Orsaksanalys: en rad per orsak. Perspektiv: Plats/situation, Offer eller Gärningsperson (Brå:s orsaksanalys).",
    "  Orsak är det direkta skälet, Bakomliggande orsak varför det finns, Belägg var det syns (källa).",
    "  Åtgärd-id kopplar orsaken till åtgärder som angriper den (flera åtskiljs med komma).",
    "",
    "Skriv inga personuppgifter (namn, personnummer, telefonnummer) i filen.",
    "Kontrollera filen med: lagesbild status",
]


def template_sheets(problembilder: pd.DataFrame, facts: dict[tuple[str, str], list[str]], year: int, top_n: int,
                    prioritised: int) -> dict[str, pd.DataFrame]:
    """The template's sheets as frames of text with Swedish headers (pure).

    ``problembilder`` is the ranked table (rank, area, problem_label, area_id, problem,
    explanation); ``facts`` maps (area_id, problem) to profile sentences.
    """
    top = problembilder.sort_values("rank").head(top_n).reset_index(drop=True)
    ids = [f"P{i + 1}" for i in range(len(top))]
    prob = pd.DataFrame({
        "Problem-id": ids, "Rang": top["rank"].astype(int).astype(str), "Område": top["area"],
        "Problemområde": top["problem_label"], "Prioriterad": ["ja" if i < prioritised else "nej" for i in range(len(top))],
        "Motivering": top["explanation"].fillna("") if "explanation" in top else "", "Lägesbild år": str(year)})
    causes = []
    for pid, r in zip(ids[:prioritised], top.head(prioritised).itertuples()):
        fact = " ".join(facts.get((str(r.area_id), r.problem), []))
        for perspective, question in GUIDANCE.items():
            causes.append({"Problem-id": pid, "Perspektiv": perspective, "Orsak": "", "Bakomliggande orsak": "",
                           "Belägg": "", "Åtgärd-id": "", "Frågor att besvara": question,
                           "Underlag från data": fact if perspective == "Plats/situation" else ""})
    empty = {k: pd.DataFrame(columns=list(HEADERS[k])) for k in ("actions", "promises")}
    return {"Instruktioner": pd.DataFrame({"Instruktioner": INSTRUCTIONS}), SHEETS["problems"]: prob,
            SHEETS["actions"]: empty["actions"], SHEETS["promises"]: empty["promises"],
            SHEETS["causes"]: pd.DataFrame(causes, columns=[*HEADERS["causes"], "Underlag från data"])}


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, lists: dict[str, list[str]] | None = None) -> Path:
    """Write ``sheets`` as an XLSX workbook with bold frozen headers, widths and drop-down lists.

    ``lists`` maps a header (e.g. "Status") to its allowed values; they go to a hidden sheet
    "Listor" and every column with that header gets a list validation. Text cells are written
    as string cells (never formulas); dates stay ISO text.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(list(frame.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([None for _ in row])
            for j, v in enumerate(row, start=1):
                if v is None or (isinstance(v, float) and v != v) or v == "":
                    continue
                c = ws.cell(row=ws.max_row, column=j)
                c.value, c.data_type = str(v), "s"  # explicit string: "=…" stays text
                c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        for j, col in enumerate(frame.columns, start=1):
            longest = max([len(str(col))] + [len(str(v)) for v in frame[col].head(50)])
            ws.column_dimensions[get_column_letter(j)].width = min(max(12, longest + 2), 70)
    if lists:
        ls = wb.create_sheet("Listor")
        ls.sheet_state = "hidden"
        for j, (header, values) in enumerate(lists.items(), start=1):
            ls.cell(row=1, column=j, value=header)
            for i, v in enumerate(values, start=2):
                c = ls.cell(row=i, column=j)
                c.value, c.data_type = str(v), "s"
            ref = f"Listor!${get_column_letter(j)}$2:${get_column_letter(j)}${len(values) + 1}"
            for ws in wb.worksheets:
                if ws.title == "Listor":
                    continue
                for k, cell in enumerate(ws[1], start=1):
                    if cell.value == header:
                        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=False)
                        ws.add_data_validation(dv)
                        dv.add(f"{get_column_letter(k)}2:{get_column_letter(k)}500")
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def template_lists(families: list[str], est_types: list[str], survey_items: list[str], periods: list[Period],
                   problem_ids: list[str]) -> dict[str, list[str]]:
    """The drop-down lists of the template."""
    return {"Status": ["planerad", "pågår", "klar", "inställd"], "Indikatortyp": ["brott", "EST", "enkät"],
            "Period": [p.id for p in periods], "Perspektiv": list(GUIDANCE), "Problem-id": problem_ids,
            "Mått": [*families, *est_types, *survey_items], "Prioriterad": ["ja", "nej"]}


def read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of the registry as text cells (empty cells NA). DataError naming the file when
    it is not a readable XLSX."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: registry not found; create it with `lagesbild registry-template` "
                        "or fix cycle.registry in params.yaml")
    try:
        return pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine")
    except Exception as exc:  # noqa: BLE001 - any reader failure is the same user message
        raise DataError(f"{path}: could not be read as an Excel workbook ({type(exc).__name__}: {exc}); "
                        "save it as .xlsx") from exc
