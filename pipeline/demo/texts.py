"""Free text of the demo: staff notes (medarbetardialog), EST reports, survey comments, and the
personal data planted in them.

Notes are assembled from varied Swedish sentence templates with the place in different
inflections ("på Råby torg", "Bäckbys centrum", "i Skälby"); every planted place and every
planted personal-data string is recorded for the truth file. Personnummer are fake but
Luhn-valid (YYMMDD-NNNC, YYYYMMDDNNNC, '+' for age 100+); samordningsnummer have day + 60.
Hand-written: no library generates Swedish staff notes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo.geography import Geography, to_wgs84

FIRST_NAMES = ["Anna", "Erik", "Maria", "Johan", "Sara", "Lars", "Karin", "Mohammed", "Fatima", "Elias",
               "Emma", "Ahmed", "Lena", "Oskar", "Amira", "Peter", "Linnea", "Hassan", "Eva", "Nils"]
SURNAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
            "Svensson", "Gustafsson", "Pettersson", "Lindberg", "Ali", "Hussein", "Berg"]
VERKSAMHETER = ["Fritidsgård", "Skola", "Socialtjänst", "Fältgruppen", "Hemtjänst", "Bostadsbolaget Mimer",
                "Polisen", "Räddningstjänsten", "Trygghetsvärdar"]


# ---------------------------------------------------------------- personal data
def luhn_digit(digits: str) -> int:
    """Luhn check digit of the 9 digits YYMMDDNNN (weights 2,1,2,...; Skatteverket SKV 704)."""
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v // 10 + v % 10
    return (10 - total % 10) % 10


def personnummer(rng: np.random.Generator, style: str, coordination: bool = False) -> str:
    """A fake Luhn-valid personnummer; style in {"short", "long", "plus", "compact"}:
    "850312-1234", "19850312-1234", "121103+1234" (born 100+ years ago), "198503121234".
    ``coordination`` adds 60 to the day (samordningsnummer)."""
    year = 1912 if style == "plus" else int(rng.integers(1950, 2012))
    month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
    serial = int(rng.integers(0, 1000))
    d = day + 60 if coordination else day
    nine = f"{year % 100:02d}{month:02d}{d:02d}{serial:03d}"
    check = luhn_digit(nine)
    tail = f"{serial:03d}{check}"
    if style == "short":
        return f"{nine[:6]}-{tail}"
    if style == "plus":
        return f"{nine[:6]}+{tail}"
    if style == "long":
        return f"{year}{month:02d}{d:02d}-{tail}"
    return f"{year}{month:02d}{d:02d}{tail}"


def phone(rng: np.random.Generator, style: str) -> str:
    """Swedish phone numbers: "070-123 45 67", "+46 70 123 45 67", "021-12 34 56"."""
    a, b, c = (int(rng.integers(100, 1000)), int(rng.integers(10, 100)), int(rng.integers(10, 100)))
    pre = ["70", "72", "73", "76"][int(rng.integers(0, 4))]
    if style == "mobile":
        return f"0{pre}-{a} {b} {c}"
    if style == "intl":
        return f"+46 {pre} {a} {b} {c}"
    return f"021-{int(rng.integers(10, 100))} {b} {c}"


class PersonalData:
    """Draws planted personal data and records every string with where it was put."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.records: list[dict] = []
        self.n_sentences = 0  # the first sentences cycle through every kind, then at random

    def _pick(self, seq):
        return seq[int(self.rng.integers(0, len(seq)))]

    def make(self, kind: str) -> str:
        r = self.rng
        if kind == "personnummer":
            return personnummer(r, self._pick(["short", "long", "plus", "compact", "short"]))
        if kind == "samordningsnummer":
            return personnummer(r, "short", coordination=True)
        if kind == "phone":
            return phone(r, self._pick(["mobile", "intl", "landline"]))
        if kind == "email":
            first, last = self._pick(FIRST_NAMES), self._pick(SURNAMES)
            return f"{first}.{last}@exempelpost.se".lower().translate(str.maketrans("åäö", "aao"))
        if kind == "name":
            return f"{self._pick(FIRST_NAMES)} {self._pick(SURNAMES)}"
        raise ValueError(kind)

    def record(self, kind: str, value: str, source: str, row: int, position: str) -> None:
        self.records.append({"kind": kind, "value": value, "source": source, "row": row, "position": position})


_PII_SENTENCES = {
    "name_start": "{v} ringde och berättade om det som hänt.",
    "name_middle": "Vi pratade med {v} som bor i trappuppgången och hen bekräftade bilden.",
    "name_end": "Kontaktperson för ärendet är {v}",
    "personnummer": "Det gäller en ungdom med personnummer {v}.",
    "samordningsnummer": "Personen har samordningsnummer {v} enligt socialsekreteraren.",
    "phone": "Vårdnadshavaren nås på {v} om det behövs.",
    "email": "Synpunkter kan skickas till {v}.",
}


def pii_sentence(pd_: PersonalData, source: str, row: int) -> str:
    """One sentence carrying one planted personal-data string (recorded in ``pd_``); the first
    seven calls use each template once so every kind and position is planted."""
    keys = list(_PII_SENTENCES)
    key = keys[pd_.n_sentences] if pd_.n_sentences < len(keys) else keys[int(pd_.rng.integers(0, len(keys)))]
    pd_.n_sentences += 1
    kind = "name" if key.startswith("name") else key
    value = pd_.make(kind)
    position = key.split("_")[1] if kind == "name" else "middle"
    pd_.record(kind, value, source, row, position)
    s = _PII_SENTENCES[key].format(v=value)
    return s + "." if key == "name_end" else s


# ---------------------------------------------------------------- staff notes
# topic: (place_name (gazetteer) or area name, problem family, [place forms], [sentences], verksamheter)
TOPICS: dict[str, tuple[str, str, list[str], list[str], list[str]]] = {
    "raby": ("Råby torg", "disorder", ["på Råby torg", "vid Råby torg", "runt Råby torg", "kring Råby torg"], [
        "Stora grupper av ungdomar samlas {p} på kvällarna och stör de som går förbi.",
        "Personalen upplever att ungdomsgäng hänger {p} och att det blir stökigt efter klockan 21.",
        "Flera boende har hört av sig om ungdomar som stör och spelar hög musik {p}.",
        "Det är fortsatt stökigt {p}, framför allt fredagar och lördagar.",
        "Många äldre säger att de undviker att gå {p} när det har blivit mörkt.",
        "Grupper av unga killar samlas {p} och kastar saker efter bussarna.",
        "{P} samlas ungdomar varje kväll och det blir ofta bråk.",
        "Det har varit bråk mellan två grupper {p} och vakterna fick ringa polisen.",
    ], ["Fritidsgård", "Fältgruppen", "Trygghetsvärdar", "Bostadsbolaget Mimer", "Skola", "Hemtjänst"]),
    "backby": ("Bäckby centrum", "drugs", ["i Bäckby centrum", "vid Bäckby centrum", "utanför Bäckby centrum",
                                            "i Bäckbys centrum", "kring Bäckby centrum"], [
        "Sedan i höstas ser vi tydlig narkotikaförsäljning {p}.",
        "{P} säljs det narkotika öppet på eftermiddagarna.",
        "Unga personer langar öppet {p}, ofta vid busshållplatsen.",
        "Flera föräldrar oroar sig för droghandeln {p}.",
        "Personalen har hittat små påsar och sprutor {p} vid flera tillfällen.",
        "Det luktar cannabis {p} på eftermiddagarna och yngre elever blir erbjudna att köpa.",
        "Vi misstänker att narkotikaförsäljningen {p} har flyttat in från andra områden.",
    ], ["Fältgruppen", "Polisen", "Socialtjänst", "Skola", "Fritidsgård"]),
    "vasaparken": ("Vasaparken", "violence", ["i Vasaparken", "vid Vasaparken", "nere i Vasaparken"], [
        "Det har varit flera slagsmål {p} under helgnätterna.",
        "{P} har det varit flera misshandelsfall sent på nätterna.",
        "Vakterna rapporterar misshandel och bråk {p} efter att krogarna stängt.",
        "En man blev slagen och rånad {p} natten till söndag.",
        "Våldet {p} ökar när det är varmt ute och många är berusade.",
    ], ["Polisen", "Trygghetsvärdar", "Räddningstjänsten", "Socialtjänst"]),
    "stora_torget": ("Stora torget", "violence", ["på Stora torget", "vid Stora torget", "runt Stora torget"], [
        "Berusade personer bråkar {p} efter stängningsdags.",
        "Vi har haft flera misshandelsfall {p} fredag och lördag natt.",
        "Ordningsvakterna fick ingripa mot ett slagsmål {p} i helgen.",
    ], ["Polisen", "Trygghetsvärdar", "Räddningstjänsten"]),
    "skalby": ("Skälby", "burglary", ["i Skälby", "i Skälbys villaområden", "ute i Skälby"], [
        "Grannsamverkan {p} fungerar bra och de boende märker färre inbrott än tidigare.",
        "Inbrotten {p} har minskat tydligt de senaste åren.",
        "{P} har antalet bostadsinbrott gått ner jämfört med förra året.",
        "Det var ett bostadsinbrott {p} i veckan men annars är det lugnare än förr.",
    ], ["Polisen", "Hemtjänst", "Bostadsbolaget Mimer"]),
    "erikslund": ("Erikslund köpcentrum", "theft", ["i Erikslund", "vid Erikslund köpcentrum", "på Erikslund"], [
        "Butikerna {p} har många snatterier och cykelstölder.",
        "Flera bilar har fått rutor krossade och saker stulna på parkeringen {p}.",
    ], ["Polisen", "Trygghetsvärdar"]),
    "vallby_litter": ("Vallby centrum", "littering", ["vid Vallby centrum", "i Vallby centrum"], [
        "Det är mycket nedskräpning {p} efter helgerna, glas och pizzakartonger överallt.",
        "Soporna {p} töms för sällan och det ser skräpigt ut.",
    ], ["Hemtjänst", "Bostadsbolaget Mimer", "Trygghetsvärdar"]),
    "viksang_graffiti": ("Viksängsskolan", "vandalism", ["vid Viksängsskolan", "på Viksängsskolan"], [
        "Klotter och taggar på väggarna {p} har ökat på senare tid.",
        "Flera rutor har krossats {p} under helgen.",
    ], ["Skola", "Fritidsgård"]),
    "onsta_moped": ("Önsta-Gryta", "traffic", ["i Önsta-Gryta", "runt Önsta-Gryta centrum"], [
        "Mopeder buskör {p} på gång- och cykelbanorna på kvällarna.",
        "Boende klagar på epa-traktorer och bilar som kör för fort {p}.",
    ], ["Hemtjänst", "Skola", "Polisen"]),
    "bjurhovda_fire": ("Bjurhovda", "fire", ["i Bjurhovda", "vid Bjurhovda centrum"], [
        "Det har brunnit i containrar {p} två gånger den senaste månaden.",
        "Räddningstjänsten har släckt en anlagd brand i ett soprum {p}.",
    ], ["Räddningstjänsten", "Bostadsbolaget Mimer"]),
}
# topics with a planted share of the notes (the rest is spread over the minor topics)
MAJOR_SHARE = {"raby": 0.25, "backby": 0.14, "vasaparken": 0.08, "stora_torget": 0.06, "skalby": 0.06,
               "erikslund": 0.05}

_OPENERS = ["", "", "", "Veckans iakttagelser från kvällspasset.", "Uppföljning från förra mötet.",
            "Kort rapport efter helgen.", "Från arbetsplatsträffen:"]
_FOLLOW = ["Vi har pratat med fastighetsägaren om bättre belysning.",
           "Fältgruppen planerar att vara på plats fler kvällar framöver.",
           "Det behövs fler vuxna ute på kvällarna.",
           "Situationen har lugnat sig något jämfört med förra månaden.",
           "Personalen känner sig otrygg när de går till bilen efter passet.",
           "Vi föreslår att frågan tas upp på nästa EST-möte.",
           "Skolan har informerat föräldrarna via lärplattformen."]


def _capitalise(s: str) -> str:
    return s[:1].upper() + s[1:]


def make_notes(rng: np.random.Generator, geo: Geography, report_year: int, n_notes: int,
               pdata: PersonalData) -> tuple[pd.DataFrame, list[dict]]:
    """Staff notes of the report year: Datum, Verksamhet, Anteckning, plus the container each is
    written to (``file``: xlsx, txt or docx) and the note's place/problem links for the truth.

    Bäckby drug notes are dated from 1 September (the new hotspot); about one note in six
    carries a planted personal-data string.
    """
    major = list(MAJOR_SHARE)
    n_major = {k: max(1, round(v * n_notes)) for k, v in MAJOR_SHARE.items()}
    minor = [k for k in TOPICS if k not in MAJOR_SHARE]
    topics = [k for k in major for _ in range(n_major[k])]
    topics += [minor[int(rng.integers(0, len(minor)))] for _ in range(max(n_notes - len(topics), 0))]
    topics = [topics[i] for i in rng.permutation(len(topics))][:n_notes]
    n = len(topics)
    days, verks_of = [], []
    for topic in topics:
        first = f"{report_year}-09-01" if topic == "backby" else f"{report_year}-01-08"
        start, stop = np.datetime64(first), np.datetime64(f"{report_year}-12-20")
        days.append(start + int(rng.integers(0, int((stop - start).astype(int)) + 1)))
        verks = TOPICS[topic][4]
        verks_of.append(verks[int(rng.integers(0, len(verks)))])
    # containers: a few .txt notes from different verksamheter and topics, some rows in a
    # .docx table, the rest in the xlsx (each file in date order)
    files = np.array(["xlsx"] * n, dtype=object)
    k_txt, k_docx = min(4, max(n // 10, 1)), min(6, max(n // 8, 1))
    used_v, used_t = set(), set()
    for i in rng.permutation(n):
        if (files == "txt").sum() >= k_txt:
            break
        if verks_of[i] not in used_v and topics[i] not in used_t:
            files[i] = "txt"
            used_v.add(verks_of[i])
            used_t.add(topics[i])
    rest = [i for i in rng.permutation(n) if files[i] != "txt"]
    files[rest[:k_docx]] = "docx"
    source, row_no = [None] * n, [0] * n
    for kind in ("xlsx", "docx"):
        idx = sorted(np.flatnonzero(files == kind), key=lambda i: (days[i], i))
        for r, i in enumerate(idx, start=1):
            source[i], row_no[i] = f"medarbetardialog/anteckningar_{report_year}.{kind}", r
    for i in np.flatnonzero(files == "txt"):
        source[i], row_no[i] = f"medarbetardialog/{_slug(verks_of[i])}_{days[i]}.txt", 1
    # guaranteed personal data: the first note of each container (plus ~18 % of all notes)
    forced = {min((i for i in range(n) if files[i] == kind), key=lambda i: row_no[i])
              for kind in ("xlsx", "docx", "txt") if (files == kind).any()}
    others = [i for i in rng.permutation(n) if i not in forced]
    forced |= set(others[: max(len(_PII_SENTENCES) - len(forced), 0)])
    rows, links = [], []
    for i, topic in enumerate(topics):
        place_name, problem, forms, sentences, _ = TOPICS[topic]
        form = forms[int(rng.integers(0, len(forms)))]
        k = rng.choice(len(sentences), size=min(2, len(sentences)), replace=False)
        main = [sentences[j].format(p=form, P=_capitalise(form)) for j in k[: 1 + int(rng.random() < 0.4)]]
        parts = [_OPENERS[int(rng.integers(0, len(_OPENERS)))]] + main
        if rng.random() < 0.4:
            parts.append(_FOLLOW[int(rng.integers(0, len(_FOLLOW)))])
        if rng.random() < 0.18 or i in forced:
            sentence = pii_sentence(pdata, source[i], row_no[i])
            parts.insert(int(rng.integers(1, len(parts) + 1)), sentence)
        text = " ".join(p for p in parts if p)
        rows.append({"Datum": str(days[i]), "Verksamhet": verks_of[i], "Anteckning": text, "file": files[i],
                     "source": source[i], "row": row_no[i]})
        aid = geo.area_id(place_name) if place_name in set(geo.areas["area_name"]) else geo.area_of_place(place_name)[0]
        links.append({"source": source[i], "row": row_no[i], "place_text": form, "place_name": place_name,
                      "area_id": aid, "problem": problem, "date": str(days[i])})
    order = sorted(range(n), key=lambda i: (files[i], row_no[i], source[i]))
    rows = [rows[i] for i in order]
    links = [links[i] for i in order]
    return pd.DataFrame(rows), links


def _slug(s: str) -> str:
    return s.lower().replace(" ", "_").translate(str.maketrans("åäö", "aao"))


# ---------------------------------------------------------------- EST
EST_TYPES = ["Skadegörelse", "Klotter", "Nedskräpning", "Otrygg plats", "Incident mot personal",
             "Buskörning moped", "Buskörning bil", "Samling som skapar otrygghet",
             "Misstänkt narkotikaförsäljning", "Brand", "Evenemang"]
EST_ORGS = ["Västerås stad, fritid", "Bostadsbolaget Mimer", "Polisen", "Trygghetsvärdar", "Fältgruppen",
            "Västerås stad, park och gata", "Räddningstjänsten", "Väktarbolaget"]
_EST_TEXT = {
    "Skadegörelse": ["Krossad ruta i entrén.", "Sönderslagen busskur.", "Trasig belysning, ser avsiktligt ut."],
    "Klotter": ["Nytt klotter på fasaden.", "Taggar på elskåp och skyltar."],
    "Nedskräpning": ["Mycket skräp och glas efter helgen.", "Dumpade sopsäckar vid återvinningen."],
    "Otrygg plats": ["Mörkt och folktomt, boende undviker platsen.", "Trasig belysning gör platsen otrygg."],
    "Incident mot personal": ["Personal blev hotad när de bad ungdomar lämna lokalen.",
                              "Personal utsatt för glåpord och spottloskor."],
    "Buskörning moped": ["Mopeder kör på gångvägen i hög fart.", "Flera mopeder buskör sent på kvällen."],
    "Buskörning bil": ["Bilar kör i hög fart på parkeringen.", "Burnouts på parkeringen på natten."],
    "Samling som skapar otrygghet": ["Grupp om 15-20 ungdomar samlas och stör förbipasserande.",
                                     "Större samling unga, hög musik och bråk."],
    "Misstänkt narkotikaförsäljning": ["Misstänkt langning vid busshållplatsen.",
                                       "Personer som verkar sälja narkotika, många korta möten."],
    "Brand": ["Brand i papperskorg.", "Containerbrand, släckt av räddningstjänsten."],
    "Evenemang": ["Stort evenemang, mycket folk i rörelse.", "Marknad på torget, lugnt."],
}
# (place, types, weight); Bäckby drug reports only from September
_EST_FOCUS = [("Råby torg", ["Samling som skapar otrygghet", "Otrygg plats", "Skadegörelse", "Nedskräpning"], 5.0),
              ("Stora torget", ["Otrygg plats", "Incident mot personal", "Nedskräpning", "Evenemang"], 2.5),
              ("Vasaparken", ["Otrygg plats", "Nedskräpning", "Samling som skapar otrygghet"], 2.5),
              ("Bäckby centrum", ["Klotter", "Nedskräpning", "Skadegörelse"], 1.5)]


def make_est(rng: np.random.Generator, geo: Geography, report_year: int) -> tuple[pd.DataFrame, dict]:
    """Weekly EST reports (5-15 a Monday-Sunday week) for the report year, skewed to the planted places.

    From 1 September Bäckby centrum gets "Misstänkt narkotikaförsäljning" reports every week.
    About 40 % of rows carry WGS84 coordinates (decimal comma, 6 decimals); the rest only a
    place name.
    """
    places = geo.places
    other = places.loc[~places["place"].isin([p for p, _, _ in _EST_FOCUS]), "place"].tolist()
    rows = []
    jan1 = np.datetime64(f"{report_year}-01-01")
    first_monday = jan1 - int((jan1.astype("int64") + 3) % 7)
    n_weeks = int((np.datetime64(f"{report_year}-12-31") - first_monday).astype(int)) // 7 + 1
    for w in range(n_weeks):
        monday = first_monday + 7 * w
        n = int(rng.integers(5, 16))
        sept = monday >= np.datetime64(f"{report_year}-09-01")
        for _ in range(n):
            r = rng.random()
            if sept and r < 0.18:
                place, etype = "Bäckby centrum", "Misstänkt narkotikaförsäljning"
            elif r < 0.6:
                wts = np.array([f[2] for f in _EST_FOCUS])
                f = _EST_FOCUS[rng.choice(len(_EST_FOCUS), p=wts / wts.sum())]
                place, etype = f[0], f[1][int(rng.integers(0, len(f[1])))]
            else:
                place = other[int(rng.integers(0, len(other)))]
                etype = [t for t in EST_TYPES if t != "Misstänkt narkotikaförsäljning"][int(rng.integers(0, 10))]
            day = monday + int(rng.integers(0, 7))
            if day.astype("datetime64[Y]").astype(int) + 1970 != report_year:
                continue  # the part of a week that falls in another year
            txt = _EST_TEXT[etype][int(rng.integers(0, len(_EST_TEXT[etype])))]
            tid = "" if rng.random() < 0.15 else f"{int(rng.choice([15, 17, 19, 20, 21, 22, 23, 14, 10])):02d}:{int(rng.integers(0, 60)):02d}"
            lat = lon = ""
            if rng.random() < 0.4:
                x, y = geo.place_xy(place)
                la, lo = to_wgs84(x + rng.normal(0, 30), y + rng.normal(0, 30))
                lat, lon = f"{la:.6f}".replace(".", ","), f"{lo:.6f}".replace(".", ",")
            rows.append({"Datum": str(day), "Tid": tid, "Händelsetyp": etype, "Plats": place,
                         "Rapporterande organisation": EST_ORGS[int(rng.integers(0, len(EST_ORGS)))],
                         "Beskrivning": txt, "Latitud": lat, "Longitud": lon})
    df = pd.DataFrame(rows).sort_values(["Datum", "Tid"], kind="stable").reset_index(drop=True)
    counts = df.groupby(["Plats", "Händelsetyp"]).size()
    backby_drugs = df[(df["Plats"] == "Bäckby centrum") & (df["Händelsetyp"] == "Misstänkt narkotikaförsäljning")]
    truth = {"rows": int(len(df)), "weeks": n_weeks, "with_coordinates": int((df["Latitud"] != "").sum()),
             "backby_drug_reports": int(len(backby_drugs)),
             "backby_drug_first_date": str(backby_drugs["Datum"].min()) if len(backby_drugs) else None,
             "raby_torg_reports": int((df["Plats"] == "Råby torg").sum()),
             "top_places": {str(k): int(v) for k, v in df["Plats"].value_counts().head(5).items()},
             "by_place_type_top": {f"{p}|{t}": int(v) for (p, t), v in counts.sort_values(ascending=False).head(10).items()}}
    return df, truth


# ---------------------------------------------------------------- survey comments
_COMMENTS_GENERAL = ["Det behövs bättre belysning på gångvägarna.", "Jag känner mig trygg här, det är ett lugnt område.",
                     "Fler poliser syns sällan till.", "Buskörning med mopeder på kvällarna stör mycket.",
                     "Mycket skräp i parken på helgerna.", "Bra med grannsamverkan.",
                     "Busshållplatsen känns otrygg när det är mörkt."]
_COMMENTS_AREA = {
    "Råby": ["Ungdomsgäng vid Råby torg gör att jag inte går ut på kvällen.",
             "Det säljs narkotika öppet vid torget i Råby.",
             "Grupper av ungdomar som stör på torget varje kväll.",
             "Jag undviker Råby torg efter mörkrets inbrott."],
    "Bäckby": ["Det har blivit mer langning i Bäckby centrum.", "Centrum i Bäckby känns stökigare än förut."],
    "Centrum": ["Fylla och bråk kring Stora torget på helgnätterna.", "Vasaparken är otäck att gå igenom sent."],
    "Skälby": ["Inbrotten har blivit färre sedan grannsamverkan startade."],
}


def survey_comment(rng: np.random.Generator, area: str, pdata: PersonalData, source: str, row: int,
                   with_pii: bool) -> str:
    """One free-text answer, area-specific half of the time; ``with_pii`` adds a planted name/phone."""
    pool = _COMMENTS_AREA.get(area, []) if rng.random() < 0.6 else []
    pool = pool or _COMMENTS_GENERAL
    text = pool[int(rng.integers(0, len(pool)))]
    if with_pii:
        kind = ["name", "phone", "email", "name", "personnummer"][int(rng.integers(0, 5))]
        v = pdata.make(kind)
        pdata.record(kind, v, source, row, "end" if kind != "name" else "middle")
        text += {"name": f" Min granne {v} har också sett det.", "phone": f" Ring mig gärna på {v}.",
                 "email": f" Kontakta mig på {v}.", "personnummer": f" Mitt personnummer är {v}."}[kind]
    return text
