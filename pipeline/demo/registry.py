"""The demo kommun's registry of the work (handlingsplan.xlsx) and the effect planted for it.

Four problembilder from the previous lägesbild with actions and löften over the report year
and the one before (docs/demo.md, "Handlingsplan och medborgarlöften"):

- L1, April–September of the report year, skadegörelse och klotter in Råby: *worked*. From the
  löfte's start, :func:`plant_promise_effect` removes 55 % of the background vandalism incidents
  in Råby (never a planted pattern's incidents), so the evaluation should say "minskade";
- L2, the same period, våld i offentlig miljö in Centrum: *did not work*; nothing is planted,
  so it should say "ingen säker förändring";
- L3, October–March before it, otrygghet in Råby (survey): the survey's planted rise in Råby
  makes it "ökade";
- L4, October–March after it, EST reports of drug dealing at Bäckby centrum: running;
- action A7 (Centrum) is overdue: planned to end 31 October of the report year, still "pågår".

Every prioritised problembild has its cause tree (three perspectives each), so the lägesbild's
chapters Orsaksanalys, Handlingsplan och medborgarlöften and Uppföljning are all filled from the
registry: only the analysts' summary keeps the demo report a draft.

Dates follow ``report_year`` so the registry fits any demo year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.cycle.registry import HEADERS

DROP = 0.55          # share of Råby's background vandalism removed from L1's start
PROMISE_ID = "L1"


def plant_promise_effect(rng: np.random.Generator, inc: pd.DataFrame, area_idx: int, report_year: int,
                         ) -> tuple[pd.DataFrame, dict]:
    """Remove ``DROP`` of the background vandalism in area ``area_idx`` from 1 April of the
    report year on; returns the thinned incidents and the truth record."""
    start = pd.Timestamp(report_year, 4, 1)
    target = (inc["family"] == "vandalism") & (inc["area_idx"] == area_idx) & (inc["planted"] == "") & \
        (inc["occurred_at"] >= start)
    drop = target & (rng.random(len(inc)) < DROP)
    truth = {"id": "promise_effect", "kind": "crime_drop", "promise_id": PROMISE_ID, "problem": "vandalism",
             "start": start.date().isoformat(), "drop_share": DROP, "n_removed": int(drop.sum()),
             "n_kept": int((target & ~drop).sum()),
             "expected": "evaluate: L1 verdict 'minskade' with ci_high < 1; L2 'ingen säker förändring'; "
                         "A7 overdue"}
    return inc[~drop].reset_index(drop=True), truth


def _sheet(kind: str, rows: list[tuple]) -> pd.DataFrame:
    cols = [h for h in HEADERS[kind] if h != "Frågor att besvara"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


def demo_registry(report_year: int) -> dict[str, pd.DataFrame]:
    """The registry's sheets with Swedish headers, as analysts would have filled them in."""
    y, p = report_year, report_year - 1
    problems = _sheet("problems", [
        ("P1", "5", "Råby", "Skadegörelse och klotter", "ja",
         "Mycket klotter och skadegörelse vid torget i Råby; boende ser det som ett stort problem.", str(p)),
        ("P2", "2", "Centrum", "Våld i offentlig miljö", "ja",
         "Våld kring torgen och parkerna i centrum under helgnätter.", str(p)),
        ("P3", "3", "Råby", "Ordningsstörning och ungdomsgrupper", "ja",
         "Samlingar vid torget i Råby kvällstid gör att många känner sig otrygga.", str(p)),
        ("P4", "1", "Bäckby", "Narkotika", "ja",
         "Öppen narkotikaförsäljning i Bäckbys centrum sedan hösten (EST och medarbetardialog).", str(y)),
        ("P5", "9", "Skälby", "Bostadsinbrott", "nej", "Minskar sedan flera år; följs utan egen åtgärd.", str(p)),
    ])
    actions = _sheet("actions", [
        ("A1", "P1", "L1", "Klotter vid torget i Råby saneras inom ett dygn", "Västerås stad, park och gata",
         "Enhetschef drift", f"{y}-04-01", f"{y}-09-30", "klar", f"{y}-09-30", "Sanerat inom ett dygn i 46 av 49 fall."),
        ("A2", "P1", "L1", "Polisen patrullerar torget i Råby fredag och lördag kväll", "Polisen", "Kommunpolis",
         f"{y}-04-01", f"{y}-09-30", "klar", f"{y}-09-28", ""),
        ("A3", "P1", "", "Ny belysning i gångtunneln vid Råbyskolan", "Västerås stad, park och gata", "Projektledare",
         f"{y}-03-01", f"{y}-06-30", "klar", f"{y}-08-15", "Försenad leverans av armaturer."),
        ("A4", "P1", "", "Trygghetsvandring med boende och bostadsbolaget", "Bostadsbolaget Mimer", "Trygghetsvärd",
         f"{y}-04-01", f"{y}-05-31", "klar", f"{y}-05-20", ""),
        ("A5", "P2", "L2", "Trygghetsvärdar i parkerna i centrum fredag och lördag kväll", "Västerås stad, trygghet",
         "Trygghetssamordnare", f"{y}-04-01", f"{y}-09-30", "klar", f"{y}-09-30", ""),
        ("A6", "P2", "L2", "Ordningsvakter vid torgen i centrum fredag och lördag natt", "Västerås stad, trygghet",
         "Trygghetssamordnare", f"{y}-05-01", f"{y}-09-30", "klar", f"{y}-09-30", ""),
        ("A7", "P2", "", "Översyn av serveringstillstånden i centrum", "Västerås stad, tillstånd",
         "Alkoholhandläggare", f"{y}-03-01", f"{y}-10-31", "pågår", "", "Väntar på underlag från Polisen."),
        ("A8", "P3", "L3", "Fältassistenter vid torget i Råby kvällstid", "Västerås stad, fältgruppen", "Fältsekreterare",
         f"{p}-10-01", f"{y}-03-31", "klar", f"{y}-03-31", ""),
        ("A9", "P3", "L3", "Fritidsgården i Råby öppen till kl. 23 på fredagar", "Västerås stad, fritid",
         "Fritidsledare", f"{p}-10-01", f"{y}-03-31", "klar", f"{y}-03-31", ""),
        ("A10", "P4", "L4", "Samordnade insatser mot narkotikaförsäljningen i Bäckbys centrum", "Polisen",
         "Områdespolis", f"{y}-10-01", f"{y + 1}-03-31", "pågår", "", ""),
        ("A11", "P4", "L4", "Belysning och röjning vid busshållplatsen i Bäckbys centrum", "Västerås stad, park och gata",
         "Enhetschef drift", f"{y}-10-01", f"{y}-11-30", "klar", f"{y}-11-20", ""),
        ("A12", "P4", "", "Föräldravandringar i Bäckby", "Västerås stad, fältgruppen", "Fältsekreterare",
         f"{y}-10-15", f"{y + 1}-03-31", "planerad", "", ""),
    ])
    promises = _sheet("promises", [
        ("L1", "P1", "Vi lovar att klotter vid torget i Råby tas bort inom ett dygn och att polisen är på plats fredag och "
                     "lördag kväll.", f"april–september {y}", "brott", "Skadegörelse och klotter", "Råby", "", "−20 %"),
        ("L2", "P2", "Vi lovar fler vuxna i parkerna och på torgen i centrum under helgkvällarna.",
         f"{y}H1", "brott", "Våld i offentlig miljö", "Centrum", "", "−15 %"),
        ("L3", "P3", "Vi lovar att fältassistenter och fritidsgården finns på plats vid torget i Råby på kvällarna.",
         f"oktober {p}–mars {y}", "enkät", "Otrygg ute sen kväll", "Råby", "", "−5 procentenheter"),
        ("L4", "P4", "Vi lovar att polis och kommun tillsammans stoppar den öppna narkotikaförsäljningen i Bäckbys "
                     "centrum.", f"{y}H2", "EST", "Misstänkt narkotikaförsäljning", "Bäckby centrum", "", "Inga rapporter"),
    ])
    causes = _sheet("causes", [
        ("P1", "Plats/situation", "Gångtunneln och torget är mörka och saknar naturlig uppsikt",
         "Belysningen är gammal och ingen har tydligt ansvar för torget kvällstid", "Trygghetsvandring; EST-rapporter",
         "A3, A1"),
        ("P1", "Offer", "Samma fastigheter och butiker drabbas gång på gång",
         "Klotter som står kvar lockar till mer klotter", "Bostadsbolagets felanmälningar", "A1"),
        ("P1", "Gärningsperson", "En mindre grupp unga som samlas vid torget på kvällarna",
         "Få öppna verksamheter för unga efter kl. 21", "Fältgruppens iakttagelser", "A2"),
        ("P2", "Plats/situation", "Trängsel och alkohol när krogarna stänger",
         "Många serveringsställen med sena tider kring samma torg", "Anmälda brott per timme; EST", "A6, A7"),
        ("P2", "Offer", "Unga vuxna på väg hem från krogen", "Ont om taxi och nattbussar efter kl. 02",
         "Anmälda brott", "A5"),
        ("P2", "Gärningsperson", "Berusade personer i grupp", "Överservering", "Polisens iakttagelser", "A7"),
        ("P3", "Plats/situation", "Torget saknar vuxennärvaro på kvällarna", "Butikerna stänger tidigt",
         "Medarbetardialog", "A8"),
        ("P3", "Gärningsperson", "Unga som inte har någon annanstans att vara", "Fritidsgården stänger kl. 21",
         "Fältgruppens iakttagelser", "A9"),
        ("P4", "Plats/situation", "Mörk och skymd plats vid busshållplatsen där många passerar",
         "Buskage och trasig belysning; ingen verksamhet med uppsikt efter kl. 19", "EST-rapporter; trygghetsvandring",
         "A11"),
        ("P4", "Offer", "Unga som köper och boende som känner sig otrygga när de passerar",
         "Försäljningen sker öppet och normaliseras", "Medarbetardialog; trygghetsmätningen", "A12"),
        ("P4", "Gärningsperson", "Ett fåtal säljare som återkommer till samma plats",
         "Låg upptäcktsrisk och en stadig kundkrets", "Polisens underrättelser; EST-rapporter", "A10"),
    ])
    return {"Problembilder": problems, "Åtgärder": actions, "Medborgarlöften": promises, "Orsaksanalys": causes}
