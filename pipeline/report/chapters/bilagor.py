"""Bilagor: Definitions of every indicator and method, and references."""

from __future__ import annotations


from pipeline.report.doc import Doc
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int

TITLE = "Bilagor"


def build(d: Doc) -> None:
    d.h(2, "Bilaga A. Indikatorer och metoder")
    defs = [
        ("Anmälda brott per 1 000 invånare", "Antal anmälda brott i området under rapportåret delat med områdets folkmängd, gånger 1 000."),
        ("Förändring", "(antal rapportåret − antal föregående år) / antal föregående år, i procent."),
        ("Kvot mot kommunen", "Områdets brott per 1 000 invånare delat med kommunens."),
        ("Trend", "Incidenskvoten (IRR) per år skattas med negativ binomialregression på månadsantal med "
                  "säsong, där överspridningen skattas och inte sätts till 1. Ett område och problem räknas som ökande "
                  "eller minskande först när IRR är signifikant efter Benjamini–Hochbergs korrektion över alla områden "
                  "och problem (q < 0,05) och Mann–Kendalls test på årsserien (Mann 1945; Kendall 1975) pekar åt "
                  "samma håll."),
        ("Hot spot (Getis–Ord Gi*)", "z-värde för summan av brott i rutan och dess grannar inom ett fast avstånd jämfört med "
                                     "förväntat under slumpmässig fördelning (Getis & Ord 1992; Ord & Getis 1995). "
                                     "p-värdena justeras för många test med Benjamini–Hochberg (1995)."),
        ("Framväxande hot spots", "Gi* per ruta och tidssteg i en rum–tid-kub och Mann–Kendall-trend på rutans z-värden; "
                                  "kategorierna följer Esri (Emerging Hot Spot Analysis)."),
        ("Brottstäthet (kärnskattning)", "Brott per km² och år, utjämnat med en kärnfunktion med fast bandbredd (Silverman 1986)."),
        ("Koncentration", "Andel av brotten i de 1, 5 och 10 % mest belastade rutorna, och Gini-koefficient "
                          "(generaliserad när brotten är färre än rutorna, Bernasco & Steenbeek 2017)."),
        ("Otrygghet ute sen kväll", "Andel som känner sig mycket eller ganska otrygg, eller avstår av otrygghet, bland dem som "
                                    "svarat annat än Vet ej (NTU:s indikator, Brå). 95 % Wilson-intervall (Wilson 1927)."),
        ("Upplevt problem", "Andel som svarar mycket eller ganska stort problem bland dem som svarat annat än Vet ej."),
        ("Skadevärde", "Summan av brottens skadevikter i dagar, efter Swedish Crime Harm Index (Kärrholm, Neyroud & "
                       "Smaaland 2020) och Cambridge Crime Harm Index (Sherman m.fl. 2016); kritik: Sarnecki (2021)."),
        ("Prioriteringspoäng", "Viktad summa av kriterier normerade till 0–1 (Brå:s prioriteringsmatris); intervallet för "
                               "placeringen kommer från bootstrap av underlaget."),
        ("Röjandekontroll (publik version)", f"Antal under {d.min} visas som <{d.min}; kartor aggregeras till rutor om "
                                            f"{fmt_int(d.inp.privacy.public_grid_m)} m."),
    ]
    d.add("\n".join(f"#terms.item[{esc(t)}][{esc(x)}]" for t, x in defs))
    d.h(2, "Bilaga B. Referenser")
    refs = [
        "Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. Journal of the Royal Statistical Society B, 57, 289–300.",
        "Bernasco, W. & Steenbeek, W. (2017). More places than crimes: implications for evaluating the law of crime concentration at place. Journal of Quantitative Criminology, 33, 451–467.",
        "Brå, Polisen & SKR. Samverkan i lokalt brottsförebyggande arbete – en handbok.",
        "Esri. How Emerging Hot Spot Analysis works. ArcGIS Pro-dokumentation.",
        "Getis, A. & Ord, J. K. (1992). The analysis of spatial association by use of distance statistics. Geographical Analysis, 24, 189–206.",
        "Kärrholm, F., Neyroud, P. & Smaaland, J. (2020). Designing the Swedish Crime Harm Index. Cambridge Journal of Evidence-Based Policing, 4, 15–33.",
        "Lag (2023:196) om kommuners ansvar för brottsförebyggande arbete.",
        "Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation statistics. Geographical Analysis, 27, 286–306.",
        "Sarnecki, J. (2021). Kritik av brottsskadeindex. Svensk Juristtidning.",
        "Sherman, L., Neyroud, P. W. & Neyroud, E. (2016). The Cambridge Crime Harm Index. Policing, 10, 171–183.",
        "Silverman, B. W. (1986). Density estimation for statistics and data analysis. Chapman & Hall.",
        "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA, 22, 209–212.",
    ]
    d.bullets(refs)
