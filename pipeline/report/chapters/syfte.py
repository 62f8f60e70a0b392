"""Syfte och metod: Purpose under Lag (2023:196) and the method in brief."""

from __future__ import annotations


from pipeline.report.doc import Doc

TITLE = "Syfte och metod"


def build(d: Doc) -> None:
    k = d.inp.kommun
    d.h(2, "Syfte")
    d.para(f"Lägesbilden beskriver brottsligheten och tryggheten i {k.name} kommun {k.year}: vilka brott som anmäls, "
           "var och när de sker, hur invånarna upplever tryggheten och vad personal i kommunen och Polisen ser i sitt "
           "arbete. Den är kommunens och lokalpolisområdets gemensamma underlag för att välja vilka problem som ska "
           "prioriteras, analysera deras orsaker och besluta en åtgärdsplan enligt lagen (2023:196) om kommuners "
           "ansvar för brottsförebyggande arbete.")
    d.h(2, "Metod i korthet")
    d.bullets([
        f"Anmälda brott {k.first_year}–{k.year} har grupperats i problemområden och räknats per område, år, månad, veckodag och timme.",
        "Brott per 1 000 invånare jämförs mellan områden. Förändringar och trender räknas som säkra först när de "
        "klarar ett statistiskt test som tar hänsyn till att många områden och brottstyper prövas samtidigt.",
        "Platser där brotten samlas (hotspots) har sökts i ett rutnät över kommunen.",
        "Trygghetsmätningens andelar redovisas med 95 % konfidensintervall; svaret \"Vet ej\" räknas inte med i nämnaren.",
        "Medarbetardialoger och EST-rapporter har kodats till samma problemområden som brotten.",
        "Problembilderna har rangordnats med en viktad poäng där varje kriterium i Brå:s prioriteringsmatris redovisas separat.",
    ])
    d.para("Detaljer, källor och begränsningar finns i kapitlet Metod och källor. Metoderna beskrivs i bilaga A och "
           "facktermerna förklaras i ordlistan i bilaga B.")
