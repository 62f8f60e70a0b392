"""Bilagor: A the methods and measures (the technical terms live here), B a glossary, C the maps'
numbers as tables, D references."""

from __future__ import annotations


from pipeline.report.chapters.geografi import map_tables
from pipeline.report.doc import Doc
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int

TITLE = "Bilagor"
CELL_LAYERS = ("grid_hotspots", "emerging_hotspots", "kde")  # the tables behind the maps
GLOSSARY = [
    ("Problembild", "Ett problem på en plats: ett problemområde (till exempel narkotika) i ett område."),
    ("Problemområde", "En grupp av brottstyper som hör ihop, till exempel våld i offentlig miljö."),
    ("Hotspot", "En ruta på kartan där rutan och dess grannar har fler brott än slumpen kan förklara."),
    ("Färre brott än väntat", "En ruta där rutan och dess grannar har färre brott än slumpen kan förklara "
                              "(på engelska cold spot)."),
    ("Signalbrott", "Brott som syns för de boende och påverkar tryggheten, som klotter, skadegörelse och öppen "
                    "narkotikahandel."),
    ("Skadevärde", "Ett mått där varje brott vägs med det genomsnittliga straffet för brottstypen, i dagar."),
    ("Konfidensintervall (KI)", "Ett intervall som med 95 % säkerhet innehåller det sanna värdet; det visar hur osäker "
                                "en siffra är."),
    ("Statistiskt säker", "En skillnad eller trend som är för stor för att troligen bero på slumpen, efter korrektion "
                          "för att många skillnader prövas samtidigt."),
    ("Incidenskvot (IRR)", "Hur mycket antalet brott ändras per år i en trend: 1,10 betyder 10 % fler per år."),
    ("Koncentrationsmått (Gini)", "Från 0 (brotten jämnt spridda över rutorna) till 1 (alla brott i en ruta)."),
    ("EST", "Effektiv samordning för trygghet: veckovisa rapporter från kommunens verksamheter, bostadsbolag och polis."),
    ("Medarbetardialog", "Anteckningar från personal som arbetar i områdena."),
    ("Medborgarlöfte", "Ett löfte från kommunen och polisen till invånarna om åtgärder under ett halvår."),
    ("Röjandekontroll", "Regler som hindrar att små antal och enskilda personer kan pekas ut i publika tabeller."),
]


def build(d: Doc) -> None:
    d.h(2, "Bilaga A. Metoder och mått")
    defs = [
        ("Anmälda brott per 1 000 invånare", "Antal anmälda brott i området under rapportåret delat med områdets folkmängd, gånger 1 000."),
        ("Förändring", "(antal rapportåret − antal föregående år) / antal föregående år, i procent."),
        ("Kvot mot kommunen", "Områdets brott per 1 000 invånare delat med kommunens."),
        ("Bedömning: i år och trend", "Två frågor per område och problemområde. I år: rapportårets antal jämförs med "
                                      "föregående års med ett exakt villkorligt test (binomialfördelningen för de två årens "
                                      "summa; beta-binomial när antalen varierar mer mellan år än slumpen ger), med 95 % "
                                      "konfidensintervall för kvoten. Långsiktig trend: förändring per år (IRR) ur en negativ "
                                      "binomialmodell på årsantalen, där variationen mellan år skattas gemensamt för alla "
                                      "områden med samma problemområde. Förändring och trend kallas säkra först när de är "
                                      "signifikanta efter Benjamini–Hochbergs korrektion över alla områden, problemområden och "
                                      "båda testen (q < 0,05); trenden måste också gå åt samma håll som Mann–Kendalls test "
                                      "på årsserien (Mann 1945; Kendall 1975). Minst 20 brott under perioden krävs för en trend."),
        ("Hotspot (Getis–Ord Gi*)", "z-värde för summan av brott i rutan och dess grannar inom ett fast avstånd (Getis & Ord "
                                     "1992; Ord & Getis 1995). Om rutan är en hot spot avgörs med ett exakt test: hur troligt "
                                     "så många brott i rutans grannskap är om årets brott hade placerats slumpmässigt i "
                                     "kommunen, rutorna vägda efter sin yta inom kommunen (binomialfördelningen; för "
                                     "skadevärdet summans exakta fördelning). p-värdena justeras för många test med "
                                     "Benjamini–Hochberg (1995)."),
        ("Hotspots över tid (emerging hot spots)", "Samma exakta test per ruta och månad i en rum–tid-kub, där varje månads brott placeras "
                                  "slumpmässigt (en månad med många brott ger därför inga hot spots), och Mann–Kendall-trend "
                                  "på rutans z-värden; kategorierna följer Esri (Emerging Hot Spot Analysis)."),
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
        ("Textteman (NMF)", "Icke-negativ matrisfaktorisering (NMF) av textens ordvikter (TF-IDF): varje tema är en "
                            "grupp ord som ofta står i samma texter (Lee & Seung 2001)."),
        ("Placeringens osäkerhet (bootstrap)", "Underlaget dras om slumpmässigt och problembilderna rangordnas på nytt; "
                                               "intervallet är 2,5- och 97,5-percentilerna av placeringarna (Efron 1979)."),
        ("Röjandekontroll (publik version)", f"Antal från 1 till {d.min - 1} visas som <{d.min}, noll som 0. Fler celler "
                                            "döljs (..) tills ett program som prövar alla summor, medelvärden och andra "
                                            "kolumner i de publika tabellerna inte kan räkna fram något dolt tal "
                                            "(linjärprogrammering). Andelar i trygghetsmätningen visas bara för grupper "
                                            f"med minst {d.inp.survey_min_n} svar, för varje mätår. Av problembilderna "
                                            "visas bara de prioriterade, och ett kriterium som räknats ur ett dolt tal "
                                            "visas inte (inte heller poängen). Kartor aggregeras "
                                            f"till rutor om {fmt_int(d.inp.privacy.public_grid_m)} m."),
    ]
    d.add("\n".join(f"#terms.item[{esc(t)}][{esc(x)}]" for t, x in defs))
    d.h(2, "Bilaga B. Ordlista")
    d.add("\n".join(f"#terms.item[{esc(t)}][{esc(x)}]" for t, x in GLOSSARY))
    d.h(2, "Bilaga C. Kartornas siffror")
    d.para("Siffrorna bakom kartorna i kapitlet Geografisk fördelning, för den som inte kan eller vill läsa kartan. "
           "Nr är områdets nummer på kartorna.")
    map_tables(d)
    d.h(2, "Bilaga D. Referenser")
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
        "Efron, B. (1979). Bootstrap methods: another look at the jackknife. The Annals of Statistics, 7, 1–26.",
        "Lee, D. D. & Seung, H. S. (2001). Algorithms for non-negative matrix factorization. NIPS 13, 556–562.",
        "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA, 22, 209–212.",
    ]
    d.bullets(refs)
