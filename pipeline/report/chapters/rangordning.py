"""Så rangordnades problembilderna: the criteria, what each measures, their weights, how the
score and its uncertainty are computed (the formulas are in docs/methods-scoring.md)."""

from __future__ import annotations

from pipeline.report.chapters.problembilder import weights
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.labels_sv import component_sv
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_pct

TITLE = "Så rangordnades problembilderna"
MEASURES_SV = {
    "harm_volume": "Hur många och hur allvarliga brotten är: brottens skadevärde (genomsnittligt straff i dagar). "
                   "Den största problembilden i kommunen får 1, en tiondel av den 0,5.",
    "rate_ratio": "Hur mycket fler brott per invånare området har än kommunen: samma nivå ger 0, dubbelt så många "
                  "0,5 och fyra gånger så många eller fler 1.",
    "trend": "Om brotten ökar över perioden; full vikt bara när ökningen är statistiskt säker.",
    "concentration": "Om brotten samlas i hotspots, och mer om de är nya eller växer.",
    "signal": "1 för signalbrott som syns för de boende (klotter, skadegörelse, öppen narkotikahandel, "
              "ordningsstörning), annars 0.",
    "survey_unsafe": "Andelen boende som känner sig otrygga ute sent en kväll (50 % eller fler ger 1), mer när "
                     "problemet också upplevs som stort.",
    "survey_problem": "Andelen boende som ser problemet som stort i sitt område (50 % eller fler ger 1).",
    "notes": "Hur ofta personal som arbetar i området tar upp problemet, och från hur många verksamheter.",
    "est": "Hur många veckorapporter (EST) som tar upp problemet, och under hur många veckor.",
    "triangulation": "Hur många av de fyra källorna (anmälda brott, trygghetsmätning, personal, EST) som pekar åt "
                     "samma håll.",
    "events": "Polisens publicerade händelser för problemområdet i hela kommunen.",
}


def build(d: Doc) -> None:
    pb = d.inp.problembilder
    if is_empty(pb):
        d.missing("för prioritering (problembilder)")
        return
    w = weights(d)
    total = sum(w.values()) or 1.0
    d.para("Varje möjlig problembild (ett problemområde i ett område med något underlag) får ett värde mellan 0 och 1 "
           "för varje kriterium nedan. Poängen är medelvärdet av kriterierna, vägt med vikterna i tabellen: ett "
           "kriterium med vikten 20 % räknas dubbelt så mycket som ett med 10 %. Problembilderna ordnas efter poängen. "
           "Vikterna är ett val som kommunen och polisen gör; de står i inställningarna till lägesbilden och kan "
           "ändras.")
    rows = [[esc(component_sv(c)), esc(MEASURES_SV.get(c, "–")), fmt_pct(100 * v / total, 0)]
            for c, v in sorted(w.items(), key=lambda kv: -kv[1])]
    d.table("Kriterierna, vad de mäter och deras vikter", ["Kriterium", "Vad det mäter", "Vikt"], rows, "llr",
            widths="(auto, 1fr, auto)")
    d.h(2, "Osäkerhet i placeringen")
    d.para("Underlaget är osäkert: ett år till hade gett något andra antal brott, en annan enkät andra svar. Därför "
           "dras underlaget om slumpmässigt många gånger (bootstrap): brotten varieras som slumpen gör med antal, "
           "enkätsvaren och anteckningarna dras om med återläggning, och problembilderna rangordnas på nytt varje "
           "gång. Intervallet \"kan hamna på\" är de platser en problembild får i 95 av 100 omräkningar. Problembilder "
           "vars intervall överlappar kan i praktiken byta plats.")
    d.h(2, "Andra viktningar")
    d.para("För att se hur mycket ordningen beror på vikterna rangordnas problembilderna också med alla vikter lika, "
           "med bara skadevärdet och med bara invånarnas upplevelse. Resultatet står sist i föregående kapitel.")
