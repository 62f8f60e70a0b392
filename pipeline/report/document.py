"""Builds the Typst source of the lägesbild and its figure files from the computed frames.

Pure: :func:`build_document` takes a :class:`ReportInputs` and returns the source text of
``main.typ`` plus the figures as SVG bytes by file name; nothing is read or written (render.py
does that). Every chapter says in Swedish when its source was not supplied instead of showing
an empty chart. Counts in tables are emitted through the template's ``#cnt("…")`` so tests can
find every one; in the public version any count under ``privacy.min_count`` is written as
``<5`` (see public.py for the suppression of the inputs themselves).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely

from pipeline.config import KommunParams, PrivacyParams, ReportParams
from pipeline.report import figures as F
from pipeline.report import maps as M
from pipeline.report.markdown import escape as esc
from pipeline.report.markdown import markdown_to_typst
from pipeline.report.labels_sv import SOURCE_SV, reason_sv
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

CHAPTERS = (
    "Sammanfattning", "Syfte och metod", "Om kommunen", "Anmälda brott", "Geografisk fördelning", "Tid",
    "Trygghet", "Dialoger", "EST-iakttagelser", "Skadeviktad brottslighet", "Prioriterade problembilder",
    "Orsaksanalys", "Handlingsplan och medborgarlöften", "Uppföljning av förra periodens åtgärder",
    "Metod och källor", "Bilagor",
)
ANALYST_TEXTS = ("sammanfattning", "orsaksanalys", "handlingsplan", "medborgarloften", "uppfoljning")
CRITERION_SV = {
    "harm_volume": "Skadevärde och volym", "rate_ratio": "Avvikelse mot kommunen", "trend": "Trend",
    "concentration": "Koncentration", "signal": "Signalbrott", "survey_unsafe": "Otrygghet (enkät)",
    "survey_problem": "Upplevt problem (enkät)", "notes": "Medarbetardialog", "est": "EST-iakttagelser",
    "triangulation": "Flera källor", "frequency": "Frekvens", "deviation": "Avvikelse",
}
TREND_SV = {"rising": "ökande", "falling": "minskande", "stable": "ingen säker trend"}


@dataclass(frozen=True, kw_only=True)
class ReportInputs:
    """Everything the report shows (keyword-only). Any frame may be empty (the chapter then says so).

    ``quality`` has columns source, rows_read, accepted, quarantined; ``quarantine_reasons``
    source, reason, n_rows; ``analyst_texts`` maps a name (e.g. "orsaksanalys") to Markdown;
    ``generated_on`` is the report date (passed in, never read from the clock).
    """

    kommun: KommunParams
    report: ReportParams
    privacy: PrivacyParams
    areas: gpd.GeoDataFrame
    area_trends: pd.DataFrame
    area_year_counts: pd.DataFrame
    grid_hotspots: gpd.GeoDataFrame
    emerging_hotspots: gpd.GeoDataFrame
    kde: gpd.GeoDataFrame
    concentration: pd.DataFrame
    hour_weekday: pd.DataFrame
    month_profile: pd.DataFrame
    survey_indicators: pd.DataFrame
    note_themes: pd.DataFrame
    est_summary: pd.DataFrame
    problembilder: pd.DataFrame
    sensitivity: pd.DataFrame
    matrix: pd.DataFrame
    quality: pd.DataFrame
    quarantine_reasons: pd.DataFrame
    families: object
    analyst_texts: dict[str, str] = field(default_factory=dict)
    police_events_summary: pd.DataFrame | None = None
    survey_text_themes: pd.DataFrame | None = None  # residents' free text per area and problem
    text_topics: pd.DataFrame | None = None  # NMF themes over notes, EST and survey text
    survey_problem_index: pd.DataFrame | None = None  # optional 0–6 index (stats.survey.problem_index)
    generated_on: date
    privacy_applied: bool = False  # True once public.make_public_inputs has suppressed the frames


def _empty(df) -> bool:
    return df is None or len(df) == 0


def svg_bytes(fig) -> bytes:
    """A Figure as deterministic SVG (fixed hash salt, no date; rasters at 200 dpi)."""
    buf = io.BytesIO()
    with mpl.rc_context(F.STYLE):
        fig.savefig(buf, format="svg", dpi=200, metadata={"Date": None})
    return buf.getvalue()


_SVG_CACHE: dict[str, bytes] = {}
_SVG_CACHE_MAX = 48


def _digest(*parts) -> str:
    """A content hash of frames and plain values: a frame's non-geometry columns through
    :func:`pandas.util.hash_pandas_object` (numbers compared as float64), its geometry through
    the cells' bounds."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, pd.DataFrame | pd.Series):
            frame = part.to_frame() if isinstance(part, pd.Series) else part
            geo = [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
            companions = [c for c in frame.columns if c.endswith("_suppressed") and c[:-11] in frame.columns]
            plain = frame.drop(columns=geo + companions)  # the flags repeat what the NaN values say
            # numbers as float64: suppression turns int counts into floats without changing a value
            plain = plain.apply(lambda c: c.astype("float64") if pd.api.types.is_numeric_dtype(c)
                                and not pd.api.types.is_bool_dtype(c) else c)
            h.update(repr((list(map(str, plain.columns)), len(frame))).encode())
            h.update(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
            for c in geo:
                h.update(np.ascontiguousarray(shapely.bounds(frame[c].to_numpy())).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.hexdigest()


def _kommun_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The kommun-wide rows (area_id "kommun") without the public version's suppression flags:
    what the kommun-level charts draw, so that they hash alike in both versions."""
    k = df[df["area_id"] == "kommun"]
    return k.drop(columns=[c for c in k.columns if c.endswith("_suppressed") and c[:-11] in k.columns])


def cached_svg(name: str, draw, *args) -> bytes:
    """``svg_bytes(draw(*args))``, drawn once per content: the internal and the public version
    share every figure whose inputs suppression left unchanged (charts of large counts), so a
    report run draws those once. The key is the figure name, the function and a content hash of
    the arguments (:func:`_digest`); the cache holds the last few dozen figures of the process.
    """
    key = f"{name}:{draw.__module__}.{draw.__qualname__}:{_digest(*args)}"
    if key not in _SVG_CACHE:
        fig = draw(*args)
        _SVG_CACHE[key] = svg_bytes(fig)
        while len(_SVG_CACHE) > _SVG_CACHE_MAX:
            _SVG_CACHE.pop(next(iter(_SVG_CACHE)))
    return _SVG_CACHE[key]


def _str(s: str) -> str:
    """A Typst string literal."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Doc:
    def __init__(self, inp: ReportInputs, public: bool):
        self.inp, self.public = inp, public
        self.min = inp.privacy.min_count
        self.parts: list[str] = []
        self.files: dict[str, bytes] = {}
        self.names = dict(zip(inp.areas["area_id"], inp.areas["area_name"])) if not _empty(inp.areas) else {}
        self.names["kommun"] = "Hela kommunen"

    # ---- primitives
    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def h(self, level: int, title: str) -> None:
        self.add(f"{'=' * level} {esc(title)}")

    def para(self, text: str) -> None:
        self.add(esc(text))

    def bullets(self, items: list[str]) -> None:
        if items:
            self.add("\n".join(f"- {esc(i)}" for i in items))

    def notice(self, text: str) -> None:
        self.add(f"#notice[{esc(text)}]")

    def missing(self, what: str) -> None:
        self.notice(f"Underlaget {what} har inte lämnats in för denna lägesbild; avsnittet bygger därför inte på det.")

    def figure(self, name: str, call: tuple, caption: str, alt: str) -> None:
        """Add figure ``name`` drawn by ``call`` = (function, *args); see :func:`cached_svg`."""
        self.files[f"{name}.svg"] = cached_svg(name, call[0], *call[1:])
        self.add(f"#fig({_str(name + '.svg')}, {_str(alt)}, [{esc(caption)}])")

    def count(self, value, flagged: bool = False) -> str:
        """A count cell: ``<min`` when suppressed (or, in the public version, under the threshold)."""
        small = pd.notna(value) and self.public and float(value) < self.min
        if flagged or small:
            return f'#cnt("<{self.min}")'
        return f"#cnt({_str(fmt_int(value))})"

    def cnt(self, row, col: str) -> str:
        return self.count(row.get(col), bool(row.get(f"{col}_suppressed", False)))

    def table(self, caption: str, header: list[str], rows: list[list[str]], align: str, widths: str | None = None) -> None:
        """A table whose header repeats on every page; ``align`` is one letter per column (l/r/c);
        cells are Typst markup (escape plain text first)."""
        al = {"l": "left", "r": "right", "c": "center"}
        cols = widths or "(" + ", ".join("auto" if a != "l" else "1fr" for a in align) + ",)"
        head = ", ".join(f"[{esc(h)}]" for h in header)
        body = ",\n  ".join(", ".join(f"[{c}]" for c in r) for r in rows)
        self.add(f"#figure(kind: table, caption: [{esc(caption)}], table(columns: {cols}, "
                 f"align: ({', '.join(al[a] for a in align)},),\n  table.header({head}),\n  {body},\n))")

    def analyst(self, name: str) -> None:
        texts = self.inp.analyst_texts or {}
        md = texts.get(f"{name}_publik") if self.public else None
        md = md or texts.get(name)
        if md and md.strip():
            self.add(markdown_to_typst(md, base_level=2))
        else:
            self.add(f"#placeholder({_str(f'reports/text/{name}.md')})")

    # ---- shared look-ups
    @property
    def excel_name(self) -> str:
        """The Excel appendix that goes with this version of the report."""
        return f"lagesbild-{self.inp.kommun.year}-tabeller-{'publik' if self.public else 'intern'}.xlsx"

    def label(self, problem) -> str:
        """Swedish label of a problem family; a missing one (e.g. an event type without a family) is "–"."""
        if problem is None or (isinstance(problem, float) and np.isnan(problem)) or pd.isna(problem):
            return "–"
        return F.problem_label(problem, self.inp.families)

    def area(self, area_id) -> str:
        return self.names.get(area_id, str(area_id))

    def top_problems(self, k: int = 3) -> list[str]:
        pb = self.inp.problembilder
        out = [] if _empty(pb) else list(dict.fromkeys(pb.sort_values("rank")["problem"]))
        if len(out) < k and not _empty(self.inp.area_trends):
            t = self.inp.area_trends
            t = t[(t["area_id"] == "kommun") & (t["problem"] != "all")].sort_values("n_year", ascending=False)
            out += [p for p in t["problem"] if p not in out]
        return out[:k]


# ================================================================= chapters
def _sammanfattning(d: _Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    d.h(1, "Sammanfattning")
    facts = []
    t = inp.area_trends
    if not _empty(t):
        tot = t[(t["area_id"] == "kommun") & (t["problem"] == "all")]
        if len(tot):
            r = tot.iloc[0]
            facts.append(f"Under {k.year} anmäldes {fmt_int(r['n_year'])} brott i {k.name}, {fmt_num(r['rate_per_1000'], 1)} "
                         f"per 1 000 invånare. Det är {fmt_pct(r['change_pct'], 0, signed=True)} jämfört med {k.year - 1}.")
        up = t[(t["area_id"] == "kommun") & (t["problem"] != "all") & (t["trend"] == "rising")]
        if len(up):
            facts.append("Brottstyper med ökande trend över perioden: "
                         + ", ".join(d.label(p).lower() for p in up["problem"]) + ".")
    s = inp.survey_indicators
    if not _empty(s):
        u = s[(s["area_id"] == "kommun") & (s["indicator"] == "unsafe_evening")].sort_values("survey_year")
        if len(u) and pd.notna(u["share_pct"].iloc[-1]):
            txt = f"I trygghetsmätningen {int(u['survey_year'].iloc[-1])} kände sig {fmt_pct(u['share_pct'].iloc[-1], 0)} otrygga ute sent en kväll"
            if len(u) > 1 and pd.notna(u["share_pct"].iloc[-2]):
                txt += f" ({fmt_pct(u['share_pct'].iloc[-2], 0)} år {int(u['survey_year'].iloc[-2])})"
            facts.append(txt + ".")
    pb = inp.problembilder
    if not _empty(pb):
        top = pb.sort_values("rank").head(3)
        facts.append("De högst prioriterade problembilderna är " + "; ".join(
            f"{int(r['rank'])}. {d.label(r['problem']).lower()} i {r['area']}" for _, r in top.iterrows()) + ".")
    if facts:
        d.h(2, "Lägesbilden i korthet")
        d.bullets(facts)
    if d.public:
        d.h(2, "Det här vill vi göra något åt")
        _plain_problems(d)
        d.h(2, "Våra löften")
        d.analyst("medborgarloften")
    d.h(2, "Analytikernas sammanfattning")
    d.analyst("sammanfattning")


def _plain_problems(d: _Doc) -> None:
    """Plain-language lines for the public version: what, where, and which sources point at it."""
    pb = d.inp.problembilder
    if _empty(pb):
        d.para("Problembilderna prioriteras när underlaget är komplett.")
        return
    src = {"has_crime": "anmälda brott", "has_survey": "invånarnas svar i trygghetsmätningen",
           "has_notes": "personal som arbetar i området", "has_est": "veckorapporter (EST) från kommun, bostadsbolag och polis"}
    items = []
    for _, r in pb.sort_values("rank").head(d.inp.report.top_n).iterrows():
        said = [v for c, v in src.items() if bool(r.get(c, False))]
        where = ", ".join(said[:-1]) + (" och " if len(said) > 1 else "") + said[-1] if said else "underlaget"
        items.append(f"{d.label(r['problem'])} i {r['area']}. Det syns i {where}.")
    d.add("\n".join(f"+ {esc(i)}" for i in items))


def _syfte(d: _Doc) -> None:
    k = d.inp.kommun
    d.h(1, "Syfte och metod")
    d.h(2, "Syfte")
    d.para(f"Lägesbilden beskriver brottsligheten och tryggheten i {k.name} kommun {k.year}: vilka brott som anmäls, "
           "var och när de sker, hur invånarna upplever tryggheten och vad personal i kommunen och Polisen ser i sitt "
           "arbete. Den är kommunens och lokalpolisområdets gemensamma underlag för att välja vilka problem som ska "
           "prioriteras, analysera deras orsaker och besluta en åtgärdsplan enligt lagen (2023:196) om kommuners "
           "ansvar för brottsförebyggande arbete.")
    d.h(2, "Metod i korthet")
    d.bullets([
        f"Anmälda brott {k.first_year}–{k.year} har grupperats i problemområden och räknats per område, år, månad, veckodag och timme.",
        "Brottstätheten per 1 000 invånare jämförs mellan områden; trender prövas med Mann–Kendalls test och en negativ binomialmodell.",
        "Geografiska koncentrationer (hot spots) har beräknats med Getis–Ord Gi* på ett rutnät med korrigering för många samtidiga test (Benjamini–Hochberg).",
        "Trygghetsmätningens andelar redovisas med 95 % konfidensintervall; svaret \"Vet ej\" räknas inte med i nämnaren.",
        "Medarbetardialoger och EST-rapporter har kodats till samma problemområden som brotten.",
        "Problembilderna har rangordnats med en viktad poäng där varje kriterium i Brå:s prioriteringsmatris redovisas separat.",
    ])
    d.para("Detaljer, källor och begränsningar finns i kapitlet Metod och källor och i bilagan.")


def _om_kommunen(d: _Doc) -> None:
    inp = d.inp
    d.h(1, "Om kommunen")
    ayc = inp.area_year_counts
    if _empty(ayc) or _empty(inp.areas):
        d.missing("om områden och befolkning")
        return
    pop = ayc[(ayc["problem"] == "all") & (ayc["year"] == ayc["year"].max()) & (ayc["area_id"] != "kommun")]
    pop = pop.groupby("area_id", as_index=False)["population"].first().sort_values("population", ascending=False)
    total = pop["population"].sum()
    d.para(f"{inp.kommun.name} kommun (kommunkod {inp.kommun.code}) har {fmt_int(total)} invånare fördelade på "
           f"{len(inp.areas)} områden. Polisen arbetar i kommunen genom {inp.kommun.lpo}"
           + (f" i {inp.kommun.police_region}." if inp.kommun.police_region else "."))
    rows = [[esc(d.area(r.area_id)), d.count(r.population), fmt_pct(100 * r.population / total, 1) if total else "–"]
            for r in pop.itertuples()]
    d.table(f"Invånare per område {int(ayc['year'].max())}", ["Område", "Invånare", "Andel"], rows, "lrr")


def _anmalda_brott(d: _Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    d.h(1, "Anmälda brott")
    t = inp.area_trends
    if _empty(t):
        d.missing("om anmälda brott")
        return
    kt = t[t["area_id"] == "kommun"]
    d.h(2, "Brott per kategori")
    if len(kt[kt["problem"] != "all"]):
        top = kt[kt["problem"] != "all"].sort_values("n_year", ascending=False).iloc[0]
        d.figure("brott_kategori", (F.category_counts, _kommun_rows(t), inp.families),
                 f"Anmälda brott per problemområde i kommunen, {k.year} och {k.year - 1}.",
                 f"Liggande stapeldiagram över anmälda brott per problemområde {k.year} och {k.year - 1}. "
                 f"Flest anmälningar gällde {d.label(top['problem']).lower()} ({fmt_int(top['n_year'])}).")
    rows = []
    for _, r in kt.assign(_o=kt["problem"].eq("all")).sort_values(["_o", "n_year"], ascending=[True, False]).iterrows():
        rows.append([esc(d.label(r["problem"])), d.cnt(r, "n_year"), d.cnt(r, "n_prev"),
                     fmt_pct(r["change_pct"], 0, signed=True), fmt_num(r["rate_per_1000"], 1),
                     esc(TREND_SV.get(r.get("trend"), "–"))])
    d.table(f"Anmälda brott i kommunen per problemområde, {k.year}",
            ["Problemområde", str(k.year), str(k.year - 1), "Förändring", "Per 1 000 inv.", "Trend"], rows, "lrrrrl")
    ayc = inp.area_year_counts
    if not _empty(ayc):
        d.h(2, "Utveckling över tid")
        probs = d.top_problems(4)
        d.figure("brott_trend", (F.yearly_trend, _kommun_rows(ayc), inp.families, probs),
                 f"Anmälda brott per år {k.first_year}–{k.year}: alla brott och de prioriterade problemområdena.",
                 "Stapeldiagram över alla anmälda brott per år med antal per 1 000 invånare, och linjediagram med index "
                 "per år för " + ", ".join(d.label(p).lower() for p in probs) + ".")
    d.h(2, "Jämförelse mellan områden")
    at = t[(t["problem"] == "all") & (t["area_id"] != "kommun")]
    if len(at.dropna(subset=["rate_per_1000"])):
        hi = at.sort_values("rate_per_1000", ascending=False).iloc[0]
        d.figure("brott_omrade", (F.area_rates, t, d.names),
                 "Anmälda brott per 1 000 invånare per område. Streckad linje: kommunen. ▲/▼: ökande/minskande trend.",
                 f"Liggande stapeldiagram över anmälda brott per 1 000 invånare per område. Högst nivå har {d.area(hi['area_id'])} "
                 f"med {fmt_num(hi['rate_per_1000'], 1)} per 1 000 invånare.")
    rows = [[esc(d.area(r["area_id"])), d.cnt(r, "n_year"), fmt_num(r["rate_per_1000"], 1), fmt_num(r["rate_ratio"], 2),
             fmt_pct(r["change_pct"], 0, signed=True), esc(TREND_SV.get(r.get("trend"), "–"))]
            for _, r in at.sort_values("rate_per_1000", ascending=False).iterrows()]
    d.table(f"Alla anmälda brott per område, {k.year}",
            ["Område", "Antal", "Per 1 000 inv.", "Kvot mot kommunen", "Förändring", "Trend"], rows, "lrrrrl")
    d.para("Kvot mot kommunen över 1 betyder fler brott per invånare än i kommunen som helhet. Brott i områden med få "
           "invånare men många besökare (centrum, handelsområden) ger höga tal per invånare.")
    pe_ = inp.police_events_summary
    d.h(2, "Polisens händelser")
    if _empty(pe_):
        d.missing("om Polisens publicerade händelser")
    else:
        d.para("Polisens publicerade händelser anger bara kommun, inte plats, och används därför för nivåer och trender i "
               "kommunen men inte på kartorna.")
        hdr = {"year": "År", "problem": "Problemområde", "event_type": "Händelsetyp", "n_events": "Antal händelser"}
        per_year = {c: c[2:] for c in pe_.columns if c[:2] == "n_" and c[2:].isdigit()}  # n_2025 -> 2025
        if per_year:
            hdr.update(per_year, n_events="Totalt")
        # known columns only (no code names on the page); a single year's column repeats the total
        cols = [c for c in pe_.columns if c in hdr and not (c == "n_events" and len(per_year) == 1)]
        rows = []
        for _, r in pe_.iterrows():
            row = []
            for c in cols:
                if c == "problem":
                    row.append(esc(d.label(r[c])))
                elif c.startswith("n_") or c == "n":
                    row.append(d.cnt(r, c))
                elif c == "year":
                    row.append(str(int(r[c])))
                else:
                    row.append(esc(r[c]))
            rows.append(row)
        d.table("Polisens publicerade händelser", [hdr[c] for c in cols], rows,
                "".join("r" if (c.startswith("n_") or c == "year") else "l" for c in cols))


def _geografi(d: _Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    d.h(1, "Geografisk fördelning")
    if _empty(inp.areas):
        d.missing("om områdesgränser")
        return
    if d.public:
        d.notice(f"Publik version: kartorna visar rutor om {fmt_int(inp.privacy.public_grid_m)} m, inte exakta platser. "
                 "En ruta får den starkaste klassen bland de finare rutor den består av.")
    t = inp.area_trends
    if not _empty(t):
        at = t[(t["problem"] == "all") & (t["area_id"] != "kommun")]
        sup = set(at.loc[at.get("n_year_suppressed", pd.Series(False, index=at.index)).fillna(False).astype(bool), "area_id"])
        d.figure("karta_omraden", (M.area_choropleth, inp.areas, at.set_index("area_id")["rate_per_1000"],
                                                    f"Anmälda brott per 1 000 invånare {k.year}", sup),
                 f"Anmälda brott per 1 000 invånare per område, {k.year}. Klasserna har lika många områden vardera.",
                 "Karta över kommunens områden skuggade efter antal anmälda brott per 1 000 invånare; mörkare färg betyder "
                 "fler brott per invånare.")
    probs = ["all"] + d.top_problems(3)
    gh = inp.grid_hotspots
    d.h(2, "Hot spots")
    if _empty(gh):
        d.missing("om brottens koordinater (hot spot-analys)")
    else:
        d.para("En hot spot är en ruta där rutan och dess grannar tillsammans har betydligt fler brott än kommunens "
               "genomsnitt (Getis–Ord Gi*). Mörkare färg betyder högre statistisk säkerhet.")
        n_hot = gh[(gh["problem"] == "all") & gh["hotspot_class"].astype(str).str.startswith("hot")]
        d.figure("karta_hotspots", (M.hotspot_map, inp.areas, gh, ["all"], inp.families),
                 f"Hot spots för alla anmälda brott {k.year} (Getis–Ord Gi*, Benjamini–Hochberg-korrigerat).",
                 f"Karta över kommunen med {len(n_hot)} rutor markerade som hot spots för alla brott"
                 + (f", flest i {d.area(n_hot['area_id'].mode().iloc[0])}." if len(n_hot) and n_hot['area_id'].notna().any() else "."))
        sub = [p for p in probs[1:] if (gh["problem"] == p).any()]
        if sub:
            d.figure("karta_hotspots_problem", (M.hotspot_map, inp.areas, gh, sub, inp.families),
                     "Hot spots för de prioriterade problemområdena.",
                     "Kartor i rutnät med hot spots för " + ", ".join(d.label(p).lower() for p in sub) + ".")
    eh = inp.emerging_hotspots
    d.h(2, "Nya och bestående hot spots")
    if _empty(eh):
        d.missing("om brottens utveckling i tid och rum (emerging hot spots)")
    else:
        d.para("Analysen av framväxande hot spots följer varje ruta över tid: nya hot spots har tillkommit under den "
               "senaste perioden, bestående har varit hot spots nästan hela tiden och avtagande håller på att försvinna.")
        sub = [p for p in probs if (eh["problem"] == p).any()]
        d.figure("karta_emerging", (M.emerging_map, inp.areas, eh, sub, inp.families),
                 "Framväxande hot spots (emerging hot spot analysis) för alla brott och de prioriterade problemområdena.",
                 "Kartor över kommunen där rutor är färgade efter mönster över tid: nya, bestående, sporadiska eller "
                 "avtagande hot spots, för " + ", ".join(d.label(p).lower() for p in sub) + ".")
        cat = eh[eh["problem"] == "all"]["ehs_category"].astype(str).value_counts()
        cat = cat[cat.index != "no_pattern"]
        if len(cat):
            cell = f"{fmt_int(inp.privacy.public_grid_m if d.public else _cell_size(eh))} m"
            d.table(f"Antal rutor om {cell} per mönster, alla brott", ["Mönster", "Antal rutor"],
                    [[esc(M.EHS_SV.get(c, c)), d.count(n)] for c, n in cat.items()], "lr")
    kd = inp.kde
    d.h(2, "Brottstäthet")
    if _empty(kd):
        d.missing("om brottstäthet (kärnskattning)")
    else:
        sub = [p for p in probs if (kd["problem"] == p).any()]
        d.figure("karta_kde", (M.kde_map, inp.areas, kd, sub, inp.families),
                 "Brottstäthet (kärnskattning), brott per km² och år.",
                 "Värmekartor över brottstätheten för " + ", ".join(d.label(p).lower() for p in sub)
                 + "; mörkare färg betyder fler brott per km².")
    c = inp.concentration
    if not _empty(c):
        rows = [[esc(d.label(r["problem"])), d.cnt(r, "n_incidents"), fmt_pct(r["top1_pct"], 0), fmt_pct(r["top5_pct"], 0),
                 fmt_pct(r["top10_pct"], 0), fmt_num(r["gini_generalised"], 2)] for _, r in c.iterrows()]
        d.table("Hur koncentrerad brottsligheten är: andel av brotten i de 1, 5 och 10 % mest belastade rutorna",
                ["Problemområde", "Antal brott", "Topp 1 %", "Topp 5 %", "Topp 10 %", "Gini"], rows, "lrrrrr")
    if not _empty(gh) and not d.public:  # the public grid's suppressed counts cannot give a curve
        sub = [p for p in probs if (gh["problem"] == p).any()]
        d.figure("lorenz", (F.lorenz, gh, inp.families, sub),
                 "Koncentrationskurvor: andel av brotten i de mest belastade rutorna (Lorenzkurvan läst från den "
                 "mest belastade änden).",
                 "Linjediagram där ju brantare kurvan stiger, desto mer koncentrerade är brotten till få rutor; kurvor för "
                 + ", ".join(d.label(p).lower() for p in sub) + ".")


def _tid(d: _Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    d.h(1, "Tid")
    if _empty(inp.month_profile) and _empty(inp.hour_weekday):
        d.missing("om tidpunkter för brotten")
        return
    mp = inp.month_profile
    if not _empty(mp) and (mp["problem"] == "all").any():
        m = mp[mp["problem"] == "all"].sort_values("mean_per_year", ascending=False)
        d.h(2, "Månad")
        d.figure("tid_manad", (F.month_profile_chart, mp), f"Alla anmälda brott per månad, medel per år {k.first_year}–{k.year}.",
                 f"Stapeldiagram över brott per månad. Flest brott sker i {F.MONTHS_SV[int(m['month'].iloc[0]) - 1]}, "
                 f"färst i {F.MONTHS_SV[int(m['month'].iloc[-1]) - 1]}.")
    hw = inp.hour_weekday
    if not _empty(hw) and (hw["problem"] == "all").any():
        h = hw[hw["problem"] == "all"].dropna(subset=["n_incidents"]).sort_values("n_incidents", ascending=False)
        d.h(2, "Veckodag och timme")
        d.figure("tid_vecka", (F.hour_weekday_chart, hw), "Alla anmälda brott per veckodag och timme."
                 + (" Vita rutor: för få brott för att visas." if d.public else ""),
                 f"Värmekarta med veckodagar som rader och timmar som kolumner. Flest brott: "
                 f"{F.WEEKDAYS_SV[int(h['weekday'].iloc[0])]} klockan {int(h['hour'].iloc[0]):02d}.")
    if not _empty(mp):
        probs = d.top_problems(6)
        d.h(2, "Årshjul")
        d.para("Årshjulet visar återkommande mönster över året: varje ring är ett problemområde och mörkare fält betyder "
               "en månad med fler brott än en genomsnittlig månad för just det problemet.")
        d.figure("tid_arshjul", (F.arshjul, mp, inp.families, probs), "Årshjul över återkommande mönster per problemområde.",
                 "Cirkeldiagram med en ring per problemområde (" + ", ".join(d.label(p).lower() for p in probs)
                 + ") och ett fält per månad, skuggat efter månadens nivå jämfört med ett genomsnitt.")


def _trygghet(d: _Doc) -> None:
    inp = d.inp
    d.h(1, "Trygghet")
    s = inp.survey_indicators
    if _empty(s):
        d.missing("från trygghetsmätningen (medborgardialog)")
        return
    last = int(s["survey_year"].max())
    d.para("Otrygghet mäts som andelen som känner sig mycket eller ganska otrygg ute ensam sent en kväll i sitt "
           "bostadsområde eller som avstår från att gå ut av otrygghet. Svaret \"Vet ej\" räknas inte med. Områden med "
           "för få svar redovisas inte.")
    if (s["indicator"] == "unsafe_evening").any():
        d.figure("trygghet_omrade", (F.survey_by_area, s, d.names), f"Andel otrygga ute sen kväll per område, {last}.",
                 "Liggande stapeldiagram med andelen otrygga per område och konfidensintervall; streckad linje visar kommunen.")
    if s["indicator"].str.startswith("big_problem_").any() and (s["area_id"] == "kommun").any():
        d.figure("trygghet_problem", (F.survey_items, _kommun_rows(s)), "Upplevda problem i bostadsområdet, hela kommunen.",
                 "Liggande stapeldiagram med andelen som ser olika företeelser som ett stort problem, senaste och förra mätningen.")
    k = s[(s["area_id"] == "kommun") & (s["survey_year"] == last)]
    rows = []
    for _, r in k.iterrows():
        sup = bool(r.get("is_suppressed", False)) or pd.isna(r["share_pct"])
        rows.append([esc(F.INDICATOR_SV.get(r["indicator"], r["indicator"])), d.cnt(r, "n"),
                     "för få svar" if sup else fmt_pct(r["share_pct"], 1),
                     "–" if sup else f"{fmt_num(r['ci_low_pct'], 1)}–{fmt_num(r['ci_high_pct'], 1)}",
                     fmt_num(r.get("diff_vs_prev_pp"), 1, signed=True)])
    d.table(f"Trygghetsmätningen {last}, hela kommunen",
            ["Indikator", "Svarande", "Andel", "95 % KI", "Förändring (procentenheter)"], rows, "lrrrr")
    pi = inp.survey_problem_index
    if not _empty(pi) and (pi["area_id"] == "kommun").any():
        kp = pi[(pi["area_id"] == "kommun") & (pi["survey_year"] == pi["survey_year"].max())]
        d.para("Problemindexet (0–6) är ett medelvärde av svarspoängen (mycket stort problem 6, ganska stort 4, ganska "
               "litet 2, inget problem 0; \"Vet ej\" räknas inte). Det är en egen, dokumenterad omräkning och inte "
               "Polisens index; andelarna ovan är huvudmåttet.")
        rows = [[esc(F.INDICATOR_SV.get(f"big_problem_{r['item']}", r["item"])), d.cnt(r, "n"),
                 "–" if bool(r.get("is_suppressed", False)) else fmt_num(r["index_0_6"], 1)] for _, r in kp.iterrows()]
        d.table("Problemindex 0–6, hela kommunen", ["Fråga", "Svarande", "Index"], rows, "lrr")
    st = inp.survey_text_themes
    if not _empty(st):
        d.h(2, "Vad de boende skriver")
        d.para("Svaren på den öppna frågan har kodats till problemområden med samma ordlista som medarbetardialogerna. "
               "Tabellen visar de vanligaste kombinationerna av område och problem.")
        top = st.sort_values(["n_answers", "area_id"], ascending=[False, True]).head(12)
        rows = [[esc(d.area(r["area_id"])), esc(d.label(r["problem"])), d.cnt(r, "n_answers"), d.cnt(r, "n_answers_area")]
                for _, r in top.iterrows()]
        d.table("Öppna svar per område och problemområde", ["Område", "Problemområde", "Svar som nämner det",
                "Öppna svar i området"], rows, "llrr")


def _dialoger(d: _Doc) -> None:
    d.h(1, "Dialoger")
    nt = d.inp.note_themes
    if _empty(nt):
        d.missing("från medarbetardialoger")
        return
    d.para("Anteckningar från personal som arbetar i områdena (fritidsgårdar, skola, socialtjänst, fältgrupp, "
           "bostadsbolag, räddningstjänst, polis m.fl.) har kodats till problemområden. Personuppgifter har tagits bort.")
    shown = nt.sort_values(["n_notes", "area_id"], ascending=[False, True]).head(15)
    rows = [[esc(d.area(r["area_id"])), esc(d.label(r["problem"])), d.cnt(r, "n_notes"), d.cnt(r, "n_verksamheter")]
            + ([] if d.public else [esc(r.get("top_place") if pd.notna(r.get("top_place")) else "–")])
            for _, r in shown.iterrows()]
    hdr = ["Område", "Problemområde", "Anteckningar", "Verksamheter"] + ([] if d.public else ["Vanligaste plats"])
    more = f" (de {len(shown)} vanligaste av {len(nt)}; alla finns i {d.excel_name})" if len(nt) > len(shown) else ""
    d.table(f"Teman i medarbetardialogerna{more}", hdr, rows, "llrr" + ("" if d.public else "l"))
    tt = d.inp.text_topics
    if not _empty(tt):
        d.h(2, "Teman som ordlistan inte fångar")
        d.para("En oövervakad textanalys (NMF över TF-IDF) av anteckningar, EST-rapporter och öppna enkätsvar visar "
               "vilka teman som återkommer. En hög andel okodade texter betyder att ordlistan för problemområden "
               "missar temat och bör ses över.")
        rows = [[esc(str(r["top_terms"])), d.cnt(r, "n_docs"), fmt_pct(r["share_untagged_pct"], 0),
                 esc(d.area(r["top_area"]) if pd.notna(r.get("top_area")) else "–")] for _, r in tt.iterrows()]
        d.table("Återkommande teman i fritexterna", ["Vanligaste ord", "Texter", "Andel okodade", "Mest i området"],
                rows, "lrrl")
    if not d.public and "quotes" in nt.columns:
        d.h(2, "Röster från medarbetardialogerna")
        for _, r in nt.sort_values("n_notes", ascending=False).head(6).iterrows():
            qs = [q for q in str(r.get("quotes") or "").split("\n") if q.strip()]
            if qs:
                d.add(f"#strong[{esc(d.label(r['problem']))}, {esc(d.area(r['area_id']))}]")
                for q in qs[:3]:
                    d.add(f"#quote-note[{esc(q)}]")


def _est(d: _Doc) -> None:
    d.h(1, "EST-iakttagelser")
    es = d.inp.est_summary
    if _empty(es):
        d.missing("från EST (effektiv samordning för trygghet)")
        return
    d.para("EST-rapporterna är veckovisa iakttagelser från kommunens verksamheter, bostadsbolag, väktare och Polisen.")
    shown = es.sort_values(["n_est_reports", "area_id"], ascending=[False, True]).head(15)
    rows = [[esc(d.area(r["area_id"])), esc(d.label(r["problem"])), d.cnt(r, "n_est_reports"), d.cnt(r, "n_weeks")]
            + ([] if d.public else [esc(r.get("top_place") if pd.notna(r.get("top_place")) else "–")])
            for _, r in shown.iterrows()]
    hdr = ["Område", "Problemområde", "Rapporter", "Veckor med rapport"] + ([] if d.public else ["Vanligaste plats"])
    more = f" (de {len(shown)} vanligaste av {len(es)}; alla finns i {d.excel_name})" if len(es) > len(shown) else ""
    d.table(f"EST-rapporter per område och problemområde{more}", hdr, rows, "llrr" + ("" if d.public else "l"))


def _skadeviktad(d: _Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    d.h(1, "Skadeviktad brottslighet")
    t = inp.area_trends
    if _empty(t) or "harm_days_year" not in t.columns:
        d.missing("om skadevikter")
        return
    d.para("Ett skadeviktat mått väger varje brott med det genomsnittliga straff (i dagar) som brottstypen ger (Swedish "
           "Crime Harm Index). Ett fåtal grova brott kan då väga tyngre än många lindriga. Måttet visas alltid bredvid "
           "antalet brott eftersom det missar skador av brott som sällan leder till fängelse.")
    kt = t[(t["area_id"] == "kommun") & (t["problem"] != "all")]
    d.figure("skadeviktad", (F.harm_vs_count, _kommun_rows(t), inp.families), f"Andel av antalet brott och av skadevärdet per problemområde, {k.year}.",
             "Liggande stapeldiagram som jämför varje problemområdes andel av antalet brott med dess andel av skadevärdet.")
    n_tot, h_tot = kt["n_year"].sum(), kt["harm_days_year"].sum()
    rows = [[esc(d.label(r["problem"])), d.cnt(r, "n_year"), fmt_int(r["harm_days_year"]),
             fmt_pct(100 * r["n_year"] / n_tot if n_tot else np.nan, 1), fmt_pct(100 * r["harm_days_year"] / h_tot if h_tot else np.nan, 1)]
            for _, r in kt.sort_values("harm_days_year", ascending=False).iterrows()]
    d.table(f"Antal brott och skadevärde per problemområde, {k.year}",
            ["Problemområde", "Antal brott", "Skadevärde (dagar)", "Andel av antal", "Andel av skadevärde"], rows, "lrrrr")


def _cell_size(cells: gpd.GeoDataFrame) -> float:
    """Side of the (square) grid cells of a layer, in metres."""
    b = cells.geometry.iloc[0].bounds
    return round(b[2] - b[0])


def _matrix_long(d: _Doc) -> pd.DataFrame:
    """The Brå matrix as rows (row_label, criterion_label, value): from ``matrix`` (long with
    criterion/value, or wide with numeric columns), else from problembilder's comp_* columns."""
    m, pb = d.inp.matrix, d.inp.problembilder
    if _empty(m) and not _empty(pb):
        m = pb[["area_id", "problem"] + [c for c in pb.columns if c.startswith("comp_")]]
    if _empty(m):
        return pd.DataFrame(columns=["row_label", "criterion_label", "value"])
    if not {"criterion", "value"} <= set(m.columns):
        num = [c for c in m.columns if c not in ("area_id", "problem", "rank", "Rang")
               and pd.api.types.is_numeric_dtype(m[c])]
        m = m.melt(id_vars=["area_id", "problem"], value_vars=num, var_name="criterion", value_name="value")
    m = m.copy()
    crit = m["criterion"].astype(str).str.removeprefix("comp_")
    m["criterion_label"] = crit.map(lambda c: CRITERION_SV.get(c, c.replace("_", " ")))
    if not _empty(pb):
        order = pb.sort_values("rank")[["area_id", "problem", "rank"]]
        m = m.merge(order, on=["area_id", "problem"], how="inner").sort_values(["rank"], kind="stable")
        m["row_label"] = [f"{int(r)}. {d.label(p)}, {d.area(a)}" for r, p, a in zip(m["rank"], m["problem"], m["area_id"])]
    else:
        m["row_label"] = [f"{d.label(p)}, {d.area(a)}" for p, a in zip(m["problem"], m["area_id"])]
    v = m["value"].astype(float)
    if v.min() >= 0 and v.max() <= 3 and (v == v.round()).all():  # Brå's 0–3 levels (scoring.matrix)
        v = v / 3
    elif v.max() > 1 or v.min() < 0:  # scale per criterion to 0–1 for shading
        g = m.assign(v=v).groupby("criterion_label")["v"]
        v = (v - g.transform("min")) / (g.transform("max") - g.transform("min")).replace(0, np.nan)
    return m.assign(value=v)[["row_label", "criterion_label", "value"]]


def _problembilder(d: _Doc) -> None:
    inp = d.inp
    d.h(1, "Prioriterade problembilder")
    pb = inp.problembilder
    if _empty(pb):
        d.missing("för prioritering (problembilder)")
        return
    top = pb.sort_values("rank").head(inp.report.top_n)
    d.para("En problembild är ett problem på en plats. Problembilderna har rangordnats efter en poäng som väger samman "
           "Brå:s kriterier: frekvens och skadevärde, trend, avvikelse från kommunen, koncentration, signalbrott, "
           "otrygghet och vad medarbetare och EST-rapporter visar. Intervallet anger vilka placeringar som är rimliga "
           "när underlaget dras om slumpmässigt (bootstrap).")
    src = {"has_crime": "B", "has_survey": "T", "has_notes": "M", "has_est": "E"}
    rows = []
    for _, r in top.iterrows():
        where = r["area"] if d.public or pd.isna(r.get("place")) else f"{r['area']} ({r['place']})"
        rows.append([str(int(r["rank"])), f"{int(r['rank_low'])}–{int(r['rank_high'])}", esc(where),
                     esc(d.label(r["problem"])), fmt_num(r["score"], 2),
                     esc(" ".join(v for c, v in src.items() if bool(r.get(c, False))) or "–")])
    d.table("Prioriterade problembilder (B = anmälda brott, T = trygghetsmätning, M = medarbetardialog, E = EST)",
            ["Rang", "Intervall", "Plats", "Problem", "Poäng", "Källor"], rows, "rrllrl")
    mat = _matrix_long(d)
    if len(mat):
        d.h(2, "Brå:s prioriteringsmatris")
        d.figure("matris", (F.bra_matrix, mat), "Prioriteringsmatris: varje kriteriums bidrag (0–1) per problembild.",
                 f"Matris med {mat['row_label'].nunique()} problembilder som rader och {mat['criterion_label'].nunique()} "
                 "kriterier som kolumner; mörkare ruta betyder större bidrag till prioriteringen.")
    d.h(2, "Varför problembilderna valts")
    if d.public:
        _plain_problems(d)
    else:
        items = [f"{int(r['rank'])}. {d.label(r['problem'])} i {r['area']}: {r['explanation']}" for _, r in top.iterrows()
                 if pd.notna(r.get("explanation"))]
        d.bullets(items or ["Förklaringar saknas i underlaget."])
    s = inp.sensitivity
    if not _empty(s) and "scenario" not in s.columns and "weight_set_label" in s.columns:
        s = s.rename(columns={"weight_set_label": "scenario"})  # scoring.rank's long sensitivity table
    if not _empty(s) and {"scenario", "rank", "area_id", "problem"} <= set(s.columns):
        d.h(2, "Känslighet för viktningen")
        piv = s.pivot_table(index=["area_id", "problem"], columns="scenario", values="rank", aggfunc="first")
        scen = list(dict.fromkeys(s["scenario"]))
        piv = piv.reindex(columns=scen)
        keys = [(r["area_id"], r["problem"]) for _, r in top.iterrows() if (r["area_id"], r["problem"]) in piv.index]
        rows = [[esc(f"{d.label(p)}, {d.area(a)}")] + [fmt_int(piv.loc[(a, p), c]) for c in scen] for a, p in keys]
        d.table("Placering med olika viktningar av kriterierna", ["Problembild"] + [str(c) for c in scen], rows,
                "l" + "r" * len(scen))


def _metod(d: _Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    d.h(1, "Metod och källor")
    d.h(2, "Källor och perioder")
    used = {
        "Anmälda brott": not _empty(inp.area_trends), "Trygghetsmätning": not _empty(inp.survey_indicators),
        "Medarbetardialog": not _empty(inp.note_themes), "EST-rapporter": not _empty(inp.est_summary),
        "Polisens händelser": not _empty(inp.police_events_summary),
    }
    periods = {"Anmälda brott": f"{k.first_year}–{k.year}", "Polisens händelser": "enligt underlaget",
               "Medarbetardialog": f"{k.year}", "EST-rapporter": f"{k.year}"}
    if not _empty(inp.survey_indicators):
        periods["Trygghetsmätning"] = ", ".join(str(int(y)) for y in sorted(inp.survey_indicators["survey_year"].unique()))
    rows = [[esc(n), "använd" if u else "saknas", esc(periods.get(n, "–") if u else "–")] for n, u in used.items()]
    d.table("Källor i lägesbilden", ["Källa", "Status", "Period"], rows, "lll")
    d.h(2, "Datakvalitet")
    q = inp.quality
    if _empty(q):
        d.missing("om datakvalitet (inlästa och avvisade rader)")
    else:
        d.para("Varje rad i källfilerna har antingen godtagits eller lagts i karantän med ett skäl. Rader i karantän ingår "
               "inte i analyserna.")
        rows = [[esc(SOURCE_SV.get(r["source"], r["source"])), d.cnt(r, "rows_read"), d.cnt(r, "accepted"),
                 d.cnt(r, "quarantined"), fmt_pct(100 * r["quarantined"] / r["rows_read"] if r["rows_read"] else np.nan, 1)]
                for _, r in q.iterrows()]
        d.table("Inlästa, godtagna och avvisade rader per källa", ["Källa", "Inlästa", "Godtagna", "I karantän", "Andel i karantän"],
                rows, "lrrrr")
        qr = inp.quarantine_reasons
        if not _empty(qr):
            rows = [[esc(SOURCE_SV.get(r["source"], r["source"])), esc(reason_sv(r["reason"])), d.cnt(r, "n_rows")]
                    for _, r in qr.sort_values(["source", "n_rows"], ascending=[True, False]).iterrows()]
            d.table("Rader i karantän per skäl", ["Källa", "Skäl", "Rader"], rows, "llr")
    d.h(2, "Varför problemen valdes")
    d.para("Enligt Brå:s checklista ska det framgå varför varje problem valts. Poängen och varje kriteriums bidrag "
           "redovisas i kapitlet Prioriterade problembilder; kriterierna och deras vikter definieras i bilagan.")
    d.h(2, "Begränsningar")
    lim = [
        "Anmälda brott visar inte all brottslighet: många brott anmäls aldrig (mörkertal), och anmälningsbenägenheten skiljer sig mellan brottstyper och områden.",
        "Brott utan koordinater eller med orimliga uppgifter ingår inte i kartorna (se karantänen ovan).",
        "Tal per invånare blir missvisande i områden med få boende men många besökare, och osäkra i små områden.",
        "Hot spots är statistiska samband i ett rutnät; resultatet beror på rutstorlek och avstånd för grannar.",
        "Skadevikterna bygger på genomsnittliga straff och underskattar skador av brott som sällan leder till fängelse.",
    ]
    lim.append("Trygghetsmätningen har låg svarsfrekvens i vissa områden; andelarna har konfidensintervall och små grupper redovisas inte."
               if used["Trygghetsmätning"] else "Trygghetsmätning saknas: invånarnas upplevelser ingår inte i prioriteringen.")
    lim.append("Medarbetardialoger och EST-rapporter speglar var personal finns och vad de väljer att rapportera; de är inte representativa mätningar."
               if used["Medarbetardialog"] or used["EST-rapporter"] else
               "Medarbetardialoger och EST saknas: problem som inte anmäls syns därför sämre.")
    if used["Polisens händelser"]:
        lim.append("Polisens publicerade händelser anger bara kommun och används inte för platser.")
    d.bullets(lim)


def _bilagor(d: _Doc) -> None:
    d.h(1, "Bilagor")
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


def build_document(inputs: ReportInputs, public: bool) -> tuple[str, dict[str, bytes]]:
    """The Typst source of ``main.typ`` and the figure files (SVG bytes by file name).

    The source imports ``lagesbild.typ`` (the template, copied beside it by render.py). With
    ``public=True`` the inputs are first passed through :func:`public.make_public_inputs` unless
    that was already done (``inputs.privacy_applied``).
    """
    if public and not inputs.privacy_applied:
        from pipeline.report.public import make_public_inputs  # local: public.py imports this module

        inputs = make_public_inputs(inputs, inputs.privacy)
    d = _Doc(inputs, public)
    k = inputs.kommun
    head = (f'#import "lagesbild.typ": *\n#show: lagesbild.with(kommun: {_str(k.name)}, lpo: {_str(k.lpo)}, '
            f'year: {_str(k.year)}, date: {_str(inputs.generated_on.isoformat())}, '
            f'version: {_str(inputs.report.version)}, public: {"true" if public else "false"})\n')
    for chapter in (_sammanfattning, _syfte, _om_kommunen, _anmalda_brott, _geografi, _tid, _trygghet, _dialoger, _est,
                    _skadeviktad, _problembilder):
        chapter(d)
    d.h(1, "Orsaksanalys")
    d.analyst("orsaksanalys")
    d.h(1, "Handlingsplan och medborgarlöften")
    d.h(2, "Handlingsplan")
    d.analyst("handlingsplan")
    d.h(2, "Medborgarlöften")
    d.analyst("medborgarloften")
    d.h(1, "Uppföljning av förra periodens åtgärder")
    d.analyst("uppfoljning")
    _metod(d)
    _bilagor(d)
    return head + "\n\n".join(d.parts) + "\n", d.files
