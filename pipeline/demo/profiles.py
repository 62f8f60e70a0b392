"""Demo profiles: the same synthetic kommun exported the way another kommun's systems would.

``vasteras`` is the demo as :func:`pipeline.demo.build_demo` makes it. ``annan`` takes that
data (same areas, incidents, planted patterns and personal data) and writes it in other
conventions, to test that ``init`` → ``check`` → ``run`` works on exports the pipeline was not
shaped on: other crime headers and labels (Brå's and other police systems' wording), every
year as UTF-8 CSV with commas, a survey in Excel on a sheet named "Enkätsvar" whose headers are
the questions written out in full, population in one file per year without a year column, no
EST and no gazetteer. The kommun code and name are the params' own.
"""

from __future__ import annotations

import pandas as pd

from pipeline.demo.writer import DemoData

PROFILES = ("vasteras", "annan")
CRIME_HEADERS = {"Diarienummer": "Ärendenummer", "Brottsdatum": "Händelsedatum", "Klockslag": "Tidpunkt",
                 "Brottsbenämning": "Brottsrubricering", "Brottsplats": "Adress", "Stadsdel": "Område",
                 "X-koordinat": "Easting", "Y-koordinat": "Northing"}
# the same crimes as other systems name them (every one known to the default taxonomy)
CRIME_LABELS = {
    "Stöld i butik": "Butiksstöld", "Stöld ur/från motorfordon": "Inbrott i bil", "Stöld, övrig": "Stöld och tillgreppsbrott",
    "Skadegörelse genom klotter": "Klotter", "Skadegörelse, övrig": "Skadegörelsebrott",
    "Misshandel, utomhus, obekant med offret": "Misshandel inkl. grov",
    "Misshandel, inomhus, bekant med offret": "Misshandel inkl. grov",
    "Misshandel, utomhus, bekant med offret": "Misshandel inkl. grov",
    "Grov misshandel, utomhus, obekant med offret": "Grov misshandel", "Våldsamt motstånd": "Våld mot tjänsteman",
    "Olaga hot mot tjänsteman": "Hot mot tjänsteman",
    "Narkotikabrott, innehav": "Brott mot narkotikastrafflagen", "Narkotikabrott, eget bruk": "Narkotikabrott",
    "Bostadsinbrott i villa/radhus": "Inbrottsstöld i villa", "Bostadsinbrott i lägenhet": "Inbrottsstöld i lägenhet",
    "Brott mot ordningslagen": "Ordningslagen", "Rån mot person": "Personrån", "Vapenbrott": "Vapen/knivlagen",
    "Allmänfarlig ödeläggelse genom brand": "Mordbrand",
}
SURVEY_QUESTION = "Hur stort problem är {item} i ditt bostadsområde?"
SURVEY_HEADERS = {
    "Löpnummer": "Respondent", "Område": "I vilket område bor du?", "Kön": "Kön", "Åldersgrupp": "Ålder",
    "Hur trygg eller otrygg skulle du känna dig om du gick ut ensam sent en kväll i ditt bostadsområde?":
        "Hur trygg känner du dig när du går ut ensam sent på kvällen där du bor?",
    "Övriga synpunkter om tryggheten i ditt område": "Vill du berätta något mer om tryggheten där du bor?",
}


def _survey(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        if col.endswith("]") and "[" in col:  # "… [Nedskräpning]" → the question written out
            item = col[col.rindex("[") + 1:-1]
            out[col] = SURVEY_QUESTION.format(item=item[:1].lower() + item[1:])
        else:
            out[col] = SURVEY_HEADERS.get(col, col)
    return df.rename(columns=out)


def other_conventions(data: DemoData, kommun_name: str) -> dict[str, object]:
    """Relative path → content of the ``annan`` profile (see the module docstring)."""
    files: dict[str, object] = {"omraden.gpkg": data.areas}
    for year, df in sorted(data.crimes.items()):
        crimes = df.rename(columns=CRIME_HEADERS)
        crimes["Brottsrubricering"] = crimes["Brottsrubricering"].replace(CRIME_LABELS)
        files[f"polisen/brott_{year}.csv"] = crimes
    pop = data.population
    for year in sorted(pop["År"].unique()):
        files[f"scb/befolkning_{year}.csv"] = pop[pop["År"] == year].drop(columns="År").reset_index(drop=True)
    files["handelser.jsonl"] = [ev | {"name": ev["name"].replace(ev["location"]["name"], kommun_name)}
                                | {"location": ev["location"] | {"name": kommun_name}} for ev in data.police_events]
    for year, df in sorted(data.surveys.items()):
        files[f"enkat/trygghetsenkat_{year}.xlsx"] = _survey(df)
    files["dialog/anteckningar.xlsx"] = pd.concat([data.notes, data.notes_docx], ignore_index=True)
    files["demo_truth.json"] = data.truth
    return files


def write_profile(files: dict[str, object], raw_dir) -> list:
    """Write a profile's files: CSV as UTF-8 with commas, Excel on the sheet "Enkätsvar"
    (surveys) or "Anteckningar", GeoPackage, JSON lines."""
    import json
    from pathlib import Path

    from pipeline.demo.writer import _write_xlsx

    raw_dir = Path(raw_dir)
    written = []
    for rel, content in files.items():
        path = raw_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".gpkg"):
            content.to_file(path, layer="omraden", driver="GPKG", engine="pyogrio")
        elif rel.endswith(".jsonl"):
            path.write_text("".join(json.dumps(ev, ensure_ascii=False) + "\n" for ev in content), encoding="utf-8")
        elif rel.endswith(".json"):
            path.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        elif rel.endswith(".xlsx"):
            _write_xlsx(content, path, "Enkätsvar" if rel.startswith("enkat/") else "Anteckningar")
        else:
            content.to_csv(path, index=False, sep=",", encoding="utf-8", lineterminator="\n")
        written.append(path)
    return written
