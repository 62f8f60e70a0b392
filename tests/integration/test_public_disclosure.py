"""Play the attacker on the demo's public files: the workbook and the PDF's text layer.

The attacker here is written independently of pipeline.report.sdc: it reads only the public
XLSX and PDF (plus, to judge the result, the internal truth), writes down every linear relation
a spreadsheet user would try (area totals, family totals, the kommun's rows, shown rates ×
population, the three-year mean, changes, the same figure in another sheet, companion columns,
"<5" = 1…4) and asks scipy's linprog how far each hidden cell can be narrowed.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest
from scipy import sparse
from scipy.optimize import linprog

from tests.integration.conftest import read_params

pytestmark = pytest.mark.slow
K = 5


def _book(run, version):
    year = read_params(run)["kommun"]["year"]
    return pd.read_excel(run / f"reports/lagesbild-{year}-tabeller-{version}.xlsx", sheet_name=None, engine="calamine")


def _pdf_text(path) -> str:
    doc = pdfium.PdfDocument(path)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    text = re.sub("\\s*[\ufffe\u00ad]\\s*", "", text)  # words hyphenated across lines
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def _num(v):
    """A shown number, or None for "<5", "..", empty."""
    if v is None or isinstance(v, str) or pd.isna(v):
        return None
    return float(v)


class Attacker:
    """Unknown counts keyed by tuples; equalities and inequalities among them; bounds."""

    def __init__(self):
        self.ix: dict[tuple, int] = {}
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.rows: list[tuple[dict, float, float]] = []  # lo ≤ Σ coef·x ≤ hi

    def var(self, key) -> int:
        if key not in self.ix:
            self.ix[key] = len(self.lo)
            self.lo.append(0.0)
            self.hi.append(np.inf)
        return self.ix[key]

    def cell(self, key, shown) -> None:
        """A published cell: a number pins it, "<5" bounds it to 1…4, ".." says nothing."""
        i = self.var(key)
        if isinstance(shown, str) and shown.startswith("<"):
            self.lo[i], self.hi[i] = max(self.lo[i], 1.0), min(self.hi[i], K - 1.0)
        elif _num(shown) is not None:
            self.relation({key: 1.0}, _num(shown), _num(shown))

    def relation(self, coef: dict, lo: float, hi: float) -> None:
        self.rows.append(({self.var(k): c for k, c in coef.items()}, lo, hi))

    def _prepare(self) -> None:
        """Pin cells a relation of one cell fixes, then split the rest into linked blocks."""
        from scipy.sparse.csgraph import connected_components

        self.lo, self.hi = np.array(self.lo), np.array(self.hi)
        for coef, lo, hi in self.rows:
            if len(coef) == 1:
                (i, c), = coef.items()
                bounds = sorted((lo / c, hi / c))
                self.lo[i], self.hi[i] = max(self.lo[i], bounds[0]), min(self.hi[i], bounds[1])
        free = self.hi - self.lo > 1e-9
        edges = [(i, j) for coef, _, _ in self.rows for i in coef for j in coef if free[i] and free[j]]
        n = len(self.lo)
        graph = sparse.csr_matrix((np.ones(len(edges)), ([e[0] for e in edges], [e[1] for e in edges])), shape=(n, n))
        self.block = connected_components(graph, directed=False)[1]
        self.free = free

    def interval(self, key) -> tuple[float, float]:
        if not hasattr(self, "block"):
            self._prepare()
        t = self.ix[key]
        if not self.free[t]:
            return float(self.lo[t]), float(self.hi[t])
        members = np.flatnonzero((self.block == self.block[t]) & self.free)
        local = {int(m): j for j, m in enumerate(members)}
        rows, cols, vals, b = [], [], [], []
        for coef, lo, hi in self.rows:
            if not any(i in local for i in coef):
                continue
            fixed = sum(c * self.lo[i] for i, c in coef.items() if i not in local)
            for sign, bound in ((1.0, hi), (-1.0, lo)):
                if np.isfinite(bound):
                    r = len(b)
                    for i, c in coef.items():
                        if i in local:
                            rows.append(r), cols.append(local[i]), vals.append(sign * c)
                    b.append(sign * (bound - fixed))
        a = sparse.csr_matrix((vals, (rows, cols)), shape=(len(b), len(members)))
        c = np.zeros(len(members))
        c[local[t]] = 1
        bounds = [(self.lo[m], None if not np.isfinite(self.hi[m]) else self.hi[m]) for m in members]
        out = []
        for s in (1, -1):
            r = linprog(s * c, A_ub=a, b_ub=np.array(b), bounds=bounds, method="highs")
            assert r.status in (0, 3), r.message
            out.append(s * r.fun if r.status == 0 else s * np.inf)
        return out[0], out[1]


def _crime_relations(att: Attacker, book: dict, kommun_code: str, year: int) -> None:
    yearly = book["Brott per område och år"]
    for _, r in yearly.iterrows():
        key = ("crime", str(r["Områdeskod"]), r["Problemområde"], int(r["År"]))
        att.cell(key, r["Anmälda brott"])
        rate, pop = _num(r["Per 1 000 invånare"]), _num(r["Folkmängd"])
        if rate is not None and pop:  # rate shown to 0,1: the count within ±0,05 · pop / 1000
            att.relation({key: 1.0}, (rate - 0.05) * pop / 1000, (rate + 0.05) * pop / 1000)
    trends = book["Brott per område"]
    for _, r in trends.iterrows():
        a, p = str(r["Områdeskod"]), r["Problemområde"]
        now, prev = ("crime", a, p, year), ("crime", a, p, year - 1)
        att.cell(now, r[f"Anmälda brott {year}"])
        att.cell(prev, r[f"Anmälda brott {year - 1}"])
        mean = _num(r[f"Medel per år, tre år före {year}"])
        if mean is not None:  # shown to 0,1
            att.relation({("crime", a, p, y): 1.0 for y in (year - 3, year - 2, year - 1)}, 3 * (mean - 0.05), 3 * (mean + 0.05))
        ch = _num(r[f"Förändring mot {year - 1}, %"])
        if ch is not None:  # now − (1 + c/100)·prev within ±0,005·prev (c shown to whole %)
            att.relation({now: 1.0, prev: -(1 + (ch + 0.5) / 100)}, -np.inf, 0.0)
            att.relation({now: 1.0, prev: -(1 + (ch - 0.5) / 100)}, 0.0, np.inf)
        rate, pop = _num(r["Per 1 000 invånare"]), _num(r["Folkmängd"])
        if rate is not None and pop:
            att.relation({now: 1.0}, (rate - 0.05) * pop / 1000, (rate + 0.05) * pop / 1000)
    for _, r in book["Koncentration"].iterrows():
        label = "Alla brott" if r["Problemområde"] == "Alla brott, skadeviktat" else r["Problemområde"]
        att.cell(("crime", kommun_code, label, year), r["Anmälda brott"])
    cells = [k for k in att.ix if k[0] == "crime"]
    areas = sorted({k[1] for k in cells} - {kommun_code})
    labels = sorted({k[2] for k in cells} - {"Alla brott"})
    years = sorted({k[3] for k in cells})
    for y in years:
        for p in labels + ["Alla brott"]:  # kommun = Σ areas
            att.relation({("crime", kommun_code, p, y): 1.0, **{("crime", a, p, y): -1.0 for a in areas}}, 0, 0)
        for a in areas + [kommun_code]:  # all crime = Σ families
            att.relation({("crime", a, "Alla brott", y): 1.0, **{("crime", a, p, y): -1.0 for p in labels}}, 0, 0)


def _survey_relations(att: Attacker, book: dict, kommun_code: str) -> dict:
    """Agreeing answers per group; shown shares pin them (± rounding), kommun = Σ areas."""
    s = book["Trygghetsmätning"]
    n = {}
    for _, r in s.iterrows():
        key = ("survey", str(r["Områdeskod"]), int(r["Mätår"]), r["Fråga"])
        i = att.var(key)
        n[key] = float(r["Svarande"])
        att.hi[i] = n[key]
        share = _num(r["Andel, %"])
        if share is not None:
            att.relation({key: 1.0}, (share - 0.05) * n[key] / 100, (share + 0.05) * n[key] / 100)
    by = defaultdict(list)
    for key in n:
        by[key[2:]].append(key)
    for (y, q), keys in by.items():
        total = ("survey", kommun_code, y, q)
        parts = [k for k in keys if k != total]
        if total in n and abs(n[total] - sum(n[k] for k in parts)) < 0.5:  # everyone answered in an area
            att.relation({total: 1.0, **{k: -1.0 for k in parts}}, 0, 0)
    return n


def _companions(att: Attacker, book: dict) -> None:
    for sheet, count, comp in (("Medarbetardialoger", "Anteckningar", "Verksamheter"),
                               ("EST", "EST-rapporter", "Veckor med rapport"),
                               ("Öppna enkätsvar", "Svar som nämner problemet", None)):
        for _, r in book[sheet].iterrows():
            key = (sheet, str(r["Områdeskod"]), r["Problemområde"])
            att.cell(key, r[count])
            if comp and _num(r[comp]) is not None:  # at least one note per unit, one report per week
                att.relation({key: 1.0}, _num(r[comp]), np.inf)
            if sheet == "Öppna enkätsvar":
                area = (sheet + " området", str(r["Områdeskod"]))
                att.cell(area, r["Öppna svar i området"])
                att.relation({key: 1.0, area: -1.0}, -np.inf, 0)  # answers naming it ≤ answers in the area


def _component_relations(att: Attacker, book: dict, params: dict) -> int:
    """The score's parts: the rate-ratio contribution c (shown to 0,001) gives the rate ratio
    2^(2 · c · Σw / w) and with it the count: rate ratio × the kommun's rate × the area's population."""
    from pipeline.report.labels_sv import component_sv

    year, code = params["kommun"]["year"], str(params["kommun"]["code"])
    w = params["scoring"]["weights"]
    share = w["rate_ratio"] / sum(w.values())
    trends = book["Brott per område"].assign(code=lambda f: f["Områdeskod"].astype(str))
    kom = trends[trends["code"] == code].set_index("Problemområde")
    pops = trends[trends["Problemområde"] == "Alla brott"].set_index("code")["Folkmängd"]
    used = 0
    for _, r in book["Problembilder"].iterrows():
        c, a, p = _num(r[f"Bidrag: {component_sv('rate_ratio')}"]), str(r["Områdeskod"]), r["Problemområde"]
        if c is None or not 0 < c < share or p not in kom.index or _num(pops.get(a)) is None:
            continue
        kommun_n, kommun_pop = _num(kom.loc[p, f"Anmälda brott {year}"]), _num(kom.loc[p, "Folkmängd"])
        if kommun_n is None:
            continue
        lo, hi = (2 ** (2 * x / share) * kommun_n / kommun_pop * _num(pops[a]) for x in (c - 0.0005, c + 0.0005))
        att.relation({("crime", a, p, year): 1.0}, lo, hi)
        used += 1
    return used


COUNT = r"(\d{1,3}(?: \d{3})*|<5|\.\.)"
CHANGE = r"(?:[+−-]?\d+ %|–|\.\.)"


def _segment(text: str, start: str, end: str) -> str:
    """The text from caption ``start`` to the next ``end`` (the table and a little after it)."""
    i = text.index(start)
    j = text.find(end, i + len(start))
    return text[i: j if j > 0 else None]


def _shown(s: str):
    """A count as the PDF prints it: a number, or "<5" / ".." as the string."""
    return s if s in ("<5", "..") else float(s.replace(" ", ""))


def _pdf_relations(att: Attacker, text: str, book: dict, code: str, year: int) -> int:
    """The public PDF's tables, as cells the attacker adds to the workbook's: the kommun's crimes per
    family (this year and last), crimes per area, and the rows of the notes, EST and open-answer
    tables (the harm table repeats the family counts, and "5 683 346 663" cannot be split
    into a count and a harm without knowing one of them). A number the PDF shows for a cell the workbook hides would
    pin that cell; the same cell in both is one unknown, so every relation above applies."""
    names = {r["Område"]: str(r["Områdeskod"]) for _, r in book["Brott per område"].iterrows()}
    families = sorted(set(book["Brott per område"]["Problemområde"]) - {"Alla brott"}, key=len, reverse=True)
    fam = "|".join(re.escape(f) for f in families + ["Alla brott"])
    area = "|".join(re.escape(a) for a in sorted(names, key=len, reverse=True) if names[a] != code)
    found = 0
    seg = _segment(text, f"Anmälda brott i kommunen per problemområde, {year}", "Utveckling över tid")
    for label, now, prev in re.findall(rf"({fam}) {COUNT} {COUNT} {CHANGE}", seg):
        att.cell(("crime", code, label, year), _shown(now))
        att.cell(("crime", code, label, year - 1), _shown(prev))
        found += 1
    seg = _segment(text, f"Alla anmälda brott per område, {year}", "Kvot mot kommunen över 1")
    for name, n in re.findall(rf"({area}) {COUNT} (?:\d{{1,3}},\d|–|\.\.) ", seg):
        att.cell(("crime", names[name], "Alla brott", year), _shown(n))
        found += 1
    for sheet, caption in (("Medarbetardialoger", "Teman i medarbetardialogerna"),
                           ("EST", "EST-rapporter per område och problemområde"),
                           ("Öppna enkätsvar", "Öppna svar per område och problemområde")):
        if caption not in text:
            continue
        seg = _segment(text, caption, "Tabell")
        for name, label, n in re.findall(rf"({area}) ({fam}) {COUNT}", seg):
            att.cell((sheet, names[name], label), _shown(n))
            found += 1
    return found


def test_no_hidden_value_in_the_public_workbook_can_be_derived(demo_run):
    params = read_params(demo_run)
    year, code = params["kommun"]["year"], params["kommun"]["code"]
    book = _book(demo_run, "publik")
    att = Attacker()
    _crime_relations(att, book, code, year)
    n = _survey_relations(att, book, code)
    _companions(att, book)
    assert _component_relations(att, book, params) >= 5  # the prioritised problembilder's rate ratios
    small = {key for key, i in att.ix.items() if att.lo[i] == 1.0 and att.hi[i] == K - 1.0}  # shown "<5"
    assert len(small) > 100  # the demo has plenty of small cells
    narrowed = [(k, att.interval(k)) for k in sorted(small, key=str)]
    narrowed = [(k, iv) for k, iv in narrowed if iv[0] > 1 + 1e-6 or iv[1] < K - 1 - 1e-6]
    assert not narrowed, f"{len(narrowed)} hidden cells narrowed, e.g. {narrowed[:3]}"
    # survey groups: every hidden share stays open over ±(k − 1) agreeing answers around the truth
    truth = pd.read_parquet(demo_run / "data/processed/layers/survey_indicators.parquet")
    from pipeline.report.figures import INDICATOR_SV

    hidden = book["Trygghetsmätning"][book["Trygghetsmätning"]["Andel, %"].map(_num).isna()]
    assert len(hidden) > 10
    for _, r in hidden.iterrows():
        key = ("survey", str(r["Områdeskod"]), int(r["Mätår"]), r["Fråga"])
        t = truth[(truth["area_id"].map(lambda a: code if a == "kommun" else a) == key[1])
                  & (truth["indicator"].map(INDICATOR_SV) == key[3])].iloc[0]
        lo, hi = att.interval(key)
        v = t["share_pct"] * t["n"] / 100
        assert lo <= max(0, v - (K - 1)) + 1e-6 and hi >= min(n[key], v + (K - 1)) - 1e-6, (key, lo, hi, v)
    # a hidden count never has a shown figure computed from it in the same row
    for sheet, count, derived in (("Brott per område och år", "Anmälda brott", ["Per 1 000 invånare", "Skadevärde, dagar"]),
                                  ("Brott per område", f"Anmälda brott {year}",
                                   ["Per 1 000 invånare", "Kvot mot kommunen", f"Skadevärde {year}, dagar"])):
        f = book[sheet]
        rows = f[f[count].map(_num).isna()]
        for col in derived:
            assert rows[col].map(_num).isna().all(), (sheet, col)


def test_score_components_resting_on_a_hidden_count_are_hidden(demo_run):
    """Each component of the score is a function of one source's counts (the notes component of
    the notes and the units that wrote them, the crime components of the area's crimes): where
    the public workbook hides that count, it hides the component, and then the score too."""
    from pipeline.report.labels_sv import component_sv

    params = read_params(demo_run)
    year = params["kommun"]["year"]
    book = _book(demo_run, "publik")
    pb = book["Problembilder"]
    assert len(pb) == params["report"]["top_n"]  # only the prioritised problembilder are published
    sources = {"Brott per område": (f"Anmälda brott {year}", ("harm_volume", "rate_ratio", "trend", "concentration")),
               "Medarbetardialoger": ("Anteckningar", ("notes",)), "EST": ("EST-rapporter", ("est",))}
    blanked = 0
    for sheet, (count, comps) in sources.items():
        f = book[sheet].assign(code=lambda x: x["Områdeskod"].astype(str))
        for _, r in pb.iterrows():
            row = f[(f["code"] == str(r["Områdeskod"])) & (f["Problemområde"] == r["Problemområde"])]
            if len(row) and _num(row.iloc[0][count]) is None:
                cols = [f"Bidrag: {component_sv(c)}" for c in comps] + ["Poäng", "Källor som pekar åt samma håll"]
                assert all(r[c] == ".." for c in cols if c in pb.columns), (sheet, r["Område"], r["Problemområde"])
                blanked += 1
    assert blanked >= 1  # the demo has prioritised problembilder with few notes
    assert pb["Poäng"].map(_num).notna().sum() >= 3  # the others keep their score


def test_no_hidden_value_can_be_derived_from_the_workbook_and_the_pdf_together(demo_run):
    """The attacker holds the workbook and the public PDF: the PDF's tables (the kommun's crimes per
    family, the areas' crimes, notes, EST and open answers) join the same linear system, so a
    number the PDF shows for a cell the workbook hides, or a total the PDF adds, narrows it."""
    params = read_params(demo_run)
    year, code = params["kommun"]["year"], str(params["kommun"]["code"])
    book = _book(demo_run, "publik")
    text = _pdf_text(demo_run / f"reports/lagesbild-{year}-publik.pdf")

    def attacker(pdf_text: str) -> tuple[Attacker, int]:
        att = Attacker()
        _crime_relations(att, book, code, year)
        _survey_relations(att, book, code)
        _companions(att, book)
        _component_relations(att, book, params)
        return att, _pdf_relations(att, pdf_text, book, code, year)

    att, found = attacker(text)
    areas = (book["Brott per område"]["Områdeskod"].astype(str) != code) & (book["Brott per område"]["Problemområde"] == "Alla brott")
    assert found >= areas.sum() + 10  # every area's row and the kommun's family rows were read from the PDF
    small = sorted((k for k, i in att.ix.items() if att.lo[i] == 1.0 and att.hi[i] == K - 1.0), key=str)
    assert len(small) > 100
    narrowed = [(k, iv) for k, iv in ((k, att.interval(k)) for k in small) if iv[0] > 1 + 1e-6 or iv[1] < K - 1 - 1e-6]
    assert not narrowed, f"{len(narrowed)} hidden cells narrowed with the PDF, e.g. {narrowed[:3]}"
    # the attacker would notice: a PDF that printed one hidden EST count gives it away
    est = book["EST"]
    row = est[est["EST-rapporter"].astype(str).str.startswith("<")].iloc[0]
    caption = "EST-rapporter per område och problemområde"
    att2, _ = attacker(text.replace(caption, f"{caption} {row['Område']} {row['Problemområde']} 3 3", 1))
    lo, hi = att2.interval(("EST", str(row["Områdeskod"]), row["Problemområde"]))
    assert lo == hi == 3


def test_previous_survey_shares_respect_the_group_size_of_their_own_year(demo_run):
    params = read_params(demo_run)
    code, min_n = params["kommun"]["code"], params["survey"]["min_n"]
    truth = pd.read_parquet(demo_run / "data/processed/layers/survey_indicators.parquet")
    book = _book(demo_run, "publik")["Trygghetsmätning"]
    from pipeline.report.figures import INDICATOR_SV

    truth = truth.assign(code=truth["area_id"].map(lambda a: str(code) if a == "kommun" else str(a)),
                         q=truth["indicator"].map(INDICATOR_SV))
    merged = book.assign(code=book["Områdeskod"].astype(str)).merge(truth, left_on=["code", "Fråga"],
                                                                     right_on=["code", "q"])
    assert len(merged) == len(book) and merged["prev_n"].notna().any()
    prev_yes = merged["prev_share_pct"] * merged["prev_n"] / 100
    small_then = (merged["prev_n"] < min_n) | (prev_yes < K - 1e-9) | (merged["prev_n"] - prev_yes < K - 1e-9)
    assert small_then.any()  # the demo has groups that were small in the previous survey
    assert merged.loc[small_then, "Förra mätningen, %"].map(_num).isna().all()
    assert merged.loc[~small_then & merged["prev_share_pct"].notna(), "Förra mätningen, %"].map(_num).notna().any()


def test_the_public_pdf_shows_no_number_the_workbook_hides(demo_run):
    params = read_params(demo_run)
    year = params["kommun"]["year"]
    text = _pdf_text(demo_run / f"reports/lagesbild-{year}-publik.pdf")
    internal = _book(demo_run, "intern")
    public = _book(demo_run, "publik")
    checked = 0
    for sheet, count in (("Medarbetardialoger", "Anteckningar"), ("EST", "EST-rapporter"),
                         ("Öppna enkätsvar", "Svar som nämner problemet")):
        pub, inn = public[sheet], internal[sheet]
        for (_, p), (_, i) in zip(pub.iterrows(), inn.iterrows()):
            if _num(p[count]) is not None:
                continue
            head = re.escape(f"{p['Område']} {p['Problemområde']}")
            assert not re.search(rf"{head} {int(i[count])}\b", text), (sheet, p["Område"], p["Problemområde"])
            checked += bool(re.search(rf"{head} (<5|\.\.)", text))
    assert checked >= 5  # the PDF prints some of those rows, hidden the same way
    # Polisen's events: published as they are; the kommun table's family rows and total agree with the workbook
    kom = public["Brott per område"]
    kom = kom[kom["Områdeskod"] == params["kommun"]["code"]]
    for _, r in kom.iterrows():
        v = _num(r[f"Anmälda brott {year}"])
        if v is None:
            assert not re.search(rf"{re.escape(r['Problemområde'])} \d", text)


def test_no_place_finer_than_an_area_and_no_rare_words_in_public_files(demo_run):
    params = read_params(demo_run)
    year = params["kommun"]["year"]
    places = pd.read_parquet(demo_run / "data/processed/gazetteer.parquet")["place_name"].astype(str)
    areas = set(pd.read_parquet(demo_run / "data/processed/areas.parquet")["area_name"].str.casefold())
    finer = [p for p in places if p.casefold() not in areas]
    assert len(finer) > 20
    text = _pdf_text(demo_run / f"reports/lagesbild-{year}-publik.pdf")
    book = _book(demo_run, "publik")
    cells = " | ".join(str(v) for f in book.values() for v in f.astype(str).to_numpy().ravel())
    for blob, what in ((text, "public PDF"), (cells, "public workbook")):
        found = [p for p in finer if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", blob, flags=re.I)]
        assert not found, f"{what} names places finer than an area: {found}"
    assert any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", _pdf_text(demo_run / f"reports/lagesbild-{year}.pdf"))
               for p in finer)  # the internal report does name them
    # theme words: each used by at least k texts, counted here over the processed texts
    docs = pd.concat([pd.read_parquet(demo_run / "data/processed/notes.parquet")["text"],
                      pd.read_parquet(demo_run / "data/processed/est_reports.parquet")["text"],
                      pd.read_parquet(demo_run / "data/processed/survey_responses.parquet")["free_text"]]).dropna()
    tokens = [set(re.findall(r"[^\W\d_]{3,}", d.lower())) for d in docs]
    words = [w.strip() for cell in book["Teman i fritexter"]["Vanligaste ord"].dropna() for w in str(cell).split(",")]
    assert len(words) >= 8
    rare = [w for w in words if sum(w in t for t in tokens) < K]
    assert not rare, f"theme words from fewer than {K} texts: {rare}"
