"""What the analyst notebooks call: load the processed tables once, then select and show.

Notebooks only call functions from here and from :mod:`pipeline.report`; anything they compute
that the report also needs lives in the package, not in a cell. Everything here except
:func:`load_bundle` is pure: it takes a :class:`Bundle` and returns a new frame or Figure.
Tables keep numbers numeric (so an analyst can sort and filter them) and get Swedish column
names; :func:`show_table` formats them the Swedish way for display only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pipeline.context import RunContext
from pipeline.errors import DataError
from pipeline.report import views, wording
from pipeline.problems import Families, load_families
from pipeline.text.normalise import fold

PRECISION = {"Poäng": 2, "Kvot mot kommunen": 2, "Gini": 2, "p-värde": 3}  # decimals shown by show_table


@dataclass(frozen=True)
class Bundle:
    """The processed tables of one run (report year ``year``); any frame may be empty."""

    year: int
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    incidents: pd.DataFrame = field(default_factory=pd.DataFrame)
    area_trends: pd.DataFrame = field(default_factory=pd.DataFrame)
    area_year_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    grid_hotspots: pd.DataFrame = field(default_factory=pd.DataFrame)
    emerging_hotspots: pd.DataFrame = field(default_factory=pd.DataFrame)
    kde: pd.DataFrame = field(default_factory=pd.DataFrame)
    concentration: pd.DataFrame = field(default_factory=pd.DataFrame)
    hour_weekday: pd.DataFrame = field(default_factory=pd.DataFrame)
    month_profile: pd.DataFrame = field(default_factory=pd.DataFrame)
    hour_weekday_by_area: pd.DataFrame = field(default_factory=pd.DataFrame)
    month_profile_by_area: pd.DataFrame = field(default_factory=pd.DataFrame)
    survey_indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    note_themes: pd.DataFrame = field(default_factory=pd.DataFrame)
    est_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    problembilder: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    quarantine_reasons: pd.DataFrame = field(default_factory=pd.DataFrame)
    families: Families = field(default_factory=load_families)

    @property
    def area_names(self) -> dict[str, str]:
        return views.area_names(self.areas)

    @classmethod
    def from_inputs(cls, inputs, incidents: pd.DataFrame | None = None, families: Families | None = None,
                    **tables: pd.DataFrame) -> Bundle:
        """The notebooks' view of the report's :class:`~pipeline.report.inputs.ReportInputs`
        (plus ``incidents`` and any other Bundle ``tables``, e.g. the by-area time patterns)."""
        own = {f.name for f in fields(cls)} - {"year", "families"}
        frames = {n: getattr(inputs, n) for n in own if hasattr(inputs, n)} | {"incidents": incidents} | tables
        frames = {k: v if v is not None else pd.DataFrame() for k, v in frames.items() if k in own}
        return cls(year=inputs.kommun.year, families=families or inputs.families, **frames)


# Tables a Bundle can hold (besides year and families); load_bundle reads all of them by default.
BUNDLE_TABLES = tuple(f.name for f in fields(Bundle) if f.name not in ("year", "families"))
# Bundle tables that are not among the report's inputs: read by the loader's read_tables
EXTRA_TABLES = ("incidents", "hour_weekday_by_area", "month_profile_by_area")


def load_bundle(root: str | Path | RunContext = ".", categories: str | None = None, tables=None) -> Bundle:
    """Read the processed tables of a run (shell function: reads files) with the report's own
    loader (:func:`pipeline.loader.load_inputs`), so the notebooks and the lägesbild show the
    same frames, plus the incidents and the by-area time patterns.

    ``root`` is the run directory (holding params.yaml) or its
    :class:`~pipeline.context.RunContext`; ``categories`` overrides the problem-family file;
    ``tables`` (names of :data:`BUNDLE_TABLES`) reads only those tables, the others stay empty
    (a notebook reads what it shows: the incidents alone are most of the reading time).
    """
    from pipeline.config import load_params
    from pipeline.loader import load_inputs, read_tables

    run = root if isinstance(root, RunContext) else RunContext.from_root(root)
    if not run.params_file.exists():
        raise DataError(f"{run.params_file}: missing; the notebooks read the run's params.yaml "
                        "(give the run directory as root)")
    wanted = check_tables(BUNDLE_TABLES if tables is None else tables)
    inputs = load_inputs(run, load_params(run.params_file), texts=False,
                         tables=[t for t in wanted if t not in EXTRA_TABLES])
    families = load_families(run.resolve(categories)) if categories else inputs.families
    return Bundle.from_inputs(inputs, families=families, **read_tables(run, [t for t in wanted if t in EXTRA_TABLES]))


def check_tables(tables) -> list[str]:
    """``tables`` as a list when every name is a Bundle table, else DataError listing them."""
    tables = [tables] if isinstance(tables, str) else list(tables)
    bad = [t for t in tables if t not in BUNDLE_TABLES]
    if bad:
        raise DataError(f"load_bundle: no table {', '.join(map(repr, bad))}; choose from: {', '.join(BUNDLE_TABLES)}")
    return tables


# ---------------------------------------------------------------- parameters
def check_year(b: Bundle, year: int) -> None:
    """The notebook's ``year`` parameter must be the run's report year (the layers hold one year)."""
    if str(year) != str(b.year):
        raise DataError(f"notebook parameter year={year!r} does not match the processed tables (report year "
                        f"{b.year}); choose year={b.year}, or set kommun.year: {year} in params.yaml and rerun lagesbild run")


def area_id_for(b: Bundle, area: str) -> str:
    """The area_id of an area name (any case and accents, e.g. "backby" finds Bäckby)."""
    hit = b.areas.loc[b.areas["area_name"].map(fold) == fold(area), "area_id"]
    if hit.empty:
        names = ", ".join(sorted(b.areas["area_name"]))
        raise DataError(f"notebook parameter area={area!r} matches no area; choose one of: {names}")
    return str(hit.iloc[0])


def check_problem(b: Bundle, problem: str) -> str:
    """``problem`` if it is a problem family id (or "all"), else DataError listing the ids."""
    if problem != "all" and problem not in b.families.ids:
        raise DataError(f"notebook parameter problem={problem!r} is not a problem family; "
                        f"choose one of: {', '.join(b.families.ids)}")
    return problem


def pick_problembild(b: Bundle, area: str = "", problem: str = "") -> pd.Series:
    """The problembild for ``area`` (name, any case/accents) and ``problem`` (family id); empty
    arguments fall back to the top-ranked problembild (of that area, if one is given)."""
    pb = b.problembilder
    if problem:
        check_problem(b, problem)
    if area:
        pb = pb[pb["area_id"].astype(str) == area_id_for(b, area)]
    if problem:
        pb = pb[pb["problem"] == problem]
    if pb.empty:
        raise DataError(f"no problembild for area {area!r} and problem {problem!r} (no evidence in any source); "
                        "choose another area or problem")
    return pb.sort_values("rank").iloc[0]


# ---------------------------------------------------------------- tables
def _trend_columns(b: Bundle, t: pd.DataFrame) -> dict:
    y = b.year
    return {
        f"Antal {y}": t["n_year"].to_numpy(), f"Antal {y - 1}": t["n_prev"].to_numpy(),
        "Förändring, %": t["change_pct"].to_numpy(), "Per 1 000 inv.": t["rate_per_1000"].to_numpy(),
        "Kvot mot kommunen": t["rate_ratio"].to_numpy(),
        "Förändring per år, %": 100 * (t["irr"].to_numpy(float) - 1),
        "95 % KI, låg": 100 * (t["irr_low"].to_numpy(float) - 1), "95 % KI, hög": 100 * (t["irr_high"].to_numpy(float) - 1),
        "Bedömning": [wording.trend_cell(r) for _, r in t.iterrows()],  # the report's own wording
    }


def trend_table(b: Bundle, area_id: str = "kommun") -> pd.DataFrame:
    """Every problem family in one area (or "kommun"), most incidents first, "Alla brott" last.

    Columns: Problemområde; Antal <år>, Antal <år − 1>; Förändring, % (this year against last);
    Per 1 000 inv.; Kvot mot kommunen (area rate / kommun rate); Förändring per år, % =
    100·(IRR − 1) from the negative binomial trend model over the years covered, with its 95 %
    interval (KI); Bedömning = the trend as the report words it (:func:`pipeline.report.wording.trend_cell`:
    the one verdict per row when the trend layer has it).
    """
    t = b.area_trends[b.area_trends["area_id"].astype(str) == str(area_id)]
    t = t.assign(_all=t["problem"].eq("all")).sort_values(["_all", "n_year"], ascending=[True, False])
    return pd.DataFrame({"Problemområde": [b.families.label_sv(p) for p in t["problem"]]} | _trend_columns(b, t))


def area_trend_table(b: Bundle, problem: str = "all") -> pd.DataFrame:
    """One problem family in every area, highest rate per 1 000 inhabitants first (columns as
    :func:`trend_table`, with "Område" instead of "Problemområde")."""
    t = b.area_trends[(b.area_trends["problem"] == check_problem(b, problem)) & (b.area_trends["area_id"] != "kommun")]
    t = t.sort_values("rate_per_1000", ascending=False)
    return pd.DataFrame({"Område": [b.area_names.get(a, a) for a in t["area_id"]]} | _trend_columns(b, t))


def problembild_table(b: Bundle, area_id: str | None = None, problem: str | None = None,
                      n: int | None = None) -> pd.DataFrame:
    """Problembilder in rank order, optionally of one area and/or family, the first ``n``.

    "Rangintervall" is the 95 % bootstrap interval of the rank (rank_low–rank_high: the 2.5 and
    97.5 % percentiles of the ranks over the draws, docs/methods-scoring.md); "Poäng" the
    weighted score in [0, 1].
    """
    pb = b.problembilder
    if area_id is not None:
        pb = pb[pb["area_id"].astype(str) == str(area_id)]
    if problem is not None:
        pb = pb[pb["problem"] == check_problem(b, problem)]
    pb = pb.sort_values("rank").head(n if n is not None else len(pb))
    return pd.DataFrame({
        "Rang": pb["rank"].to_numpy(), "Rangintervall": [f"{lo}–{hi}" for lo, hi in zip(pb["rank_low"], pb["rank_high"])],
        "Område": pb["area"].to_numpy(), "Problem": pb["problem_label"].to_numpy(), "Poäng": pb["score"].to_numpy(),
        "Antal källor": pb["n_sources"].to_numpy(), "Motivering": pb["explanation"].to_numpy(),
    })


def top_families(b: Bundle, k: int = 4) -> list[str]:
    """The problem families of the top-ranked problembilder, first ``k`` distinct ones in rank order
    (:func:`pipeline.report.views.top_problems`, as the report picks them)."""
    return views.top_problems(b.problembilder, b.area_trends, k)


def survey_table(b: Bundle, area_id: str = "kommun") -> pd.DataFrame:
    """Latest survey year in one area: share answering yes with its Wilson 95 % interval, the
    difference to the rest of the kommun (percentage points) and the previous survey. Shares of
    suppressed groups (too few respondents) are blank."""
    from pipeline.report.figures import INDICATOR_SV

    s = b.survey_indicators
    if s.empty:
        return pd.DataFrame()
    s = s[(s["area_id"].astype(str) == str(area_id)) & (s["survey_year"] == s["survey_year"].max())]
    hide = s["is_suppressed"].astype(bool).to_numpy()
    masked = lambda col: np.where(hide, np.nan, s[col].to_numpy(float))  # noqa: E731
    out = pd.DataFrame({
        "Fråga": [INDICATOR_SV.get(i, i) for i in s["indicator"]], "Svarande": s["n"].to_numpy(),
        "Andel, %": masked("share_pct"), "95 % KI, låg": masked("ci_low_pct"), "95 % KI, hög": masked("ci_high_pct"),
        "Skillnad mot övriga, p.e.": masked("diff_vs_rest_pp"), "p-värde": masked("p_vs_rest"),
        "Förra mätningen, %": masked("prev_share_pct"),
    })
    if out["Skillnad mot övriga, p.e."].isna().all():  # the kommun has no "rest" to compare with
        out = out.drop(columns=["Skillnad mot övriga, p.e.", "p-värde"])
    return out


def concentration_table(b: Bundle) -> pd.DataFrame:
    """Share of the incidents in the 1, 5 and 10 % most burdened grid cells, and the Gini index."""
    c = b.concentration
    return pd.DataFrame({"Problemområde": [b.families.label_sv(p) for p in c["problem"]],
                         "Antal brott": c["n_incidents"].to_numpy(), "Topp 1 %": c["top1_pct"].to_numpy(),
                         "Topp 5 %": c["top5_pct"].to_numpy(), "Topp 10 %": c["top10_pct"].to_numpy(),
                         "Gini": c["gini_generalised"].to_numpy()})


def ehs_counts(b: Bundle, problem: str = "all", area_id: str | None = None) -> pd.DataFrame:
    """Number of grid cells per emerging-hot-spot pattern ("no_pattern" left out)."""
    from pipeline.report.maps import EHS_SV

    n = views.pattern_counts(b.emerging_hotspots, problem, area_id)
    return pd.DataFrame({"Mönster": [EHS_SV.get(c, c) for c in n.index], "Antal rutor": n.to_numpy()})


def quality_table(b: Bundle) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows read, accepted and quarantined per source; and the quarantined rows per reason."""
    from pipeline.report.labels_sv import SOURCE_SV, reason_sv

    q, r = b.quality, b.quarantine_reasons
    per_source = pd.DataFrame({
        "Källa": [SOURCE_SV.get(s, s) for s in q["source"]], "Inlästa": q["rows_read"].to_numpy(),
        "Godtagna": q["accepted"].to_numpy(), "I karantän": q["quarantined"].to_numpy(),
        "Andel i karantän, %": views.quarantine_share(q).to_numpy(),
    })
    per_reason = pd.DataFrame({"Källa": [SOURCE_SV.get(s, s) for s in r["source"]],
                               "Skäl": [reason_sv(x) for x in r["reason"]], "Rader": r["n_rows"].to_numpy()})
    return per_source, per_reason.sort_values(["Källa", "Rader"], ascending=[True, False], ignore_index=True)


def yearly_counts(b: Bundle, area_id: str, problem: str) -> pd.DataFrame:
    """Incidents and rate per 1,000 inhabitants by year for one area and problem family, beside
    the kommun: columns year, n_incidents_area, n_incidents_kommun, rate_per_1000_area,
    rate_per_1000_kommun."""
    c = b.area_year_counts
    sel = c[(c["problem"] == problem) & c["area_id"].isin([area_id, "kommun"])]
    wide = sel.pivot_table(index="year", columns="area_id", values=["n_incidents", "rate_per_1000"])
    wide.columns = [f"{v}_{'kommun' if a == 'kommun' else 'area'}" for v, a in wide.columns]
    return wide.reset_index()


def yearly_table(b: Bundle, area_id: str, problem: str) -> pd.DataFrame:
    """:func:`yearly_counts` with Swedish column names."""
    t = yearly_counts(b, area_id, problem)
    t = t.assign(year=t["year"].astype(int).astype(str),
                 **{c: t[c].round().astype("Int64") for c in t if c.startswith("n_incidents")})
    names = {"year": "År", "n_incidents_area": "Antal i området", "n_incidents_kommun": "Antal i kommunen",
             "rate_per_1000_area": "Per 1 000 inv., området", "rate_per_1000_kommun": "Per 1 000 inv., kommunen"}
    return t[[c for c in names if c in t]].rename(columns=names)


def notes_table(b: Bundle, area_id: str) -> pd.DataFrame:
    """Staff-dialogue notes per problem family in one area (names already scrubbed at ingest)."""
    n = b.note_themes[b.note_themes["area_id"].astype(str) == str(area_id)].sort_values("n_notes", ascending=False)
    return pd.DataFrame({"Problemområde": [b.families.label_sv(p) for p in n["problem"]],
                         "Anteckningar": n["n_notes"].to_numpy(), "Verksamheter": n["n_verksamheter"].to_numpy(),
                         "Vanligaste plats": n["top_place"].to_numpy(), "Citat": n["quotes"].to_numpy()})


def est_table(b: Bundle, area_id: str) -> pd.DataFrame:
    """EST observations per problem family in one area."""
    e = b.est_summary[b.est_summary["area_id"].astype(str) == str(area_id)].sort_values("n_est_reports", ascending=False)
    return pd.DataFrame({"Problemområde": [b.families.label_sv(p) for p in e["problem"]],
                         "Rapporter": e["n_est_reports"].to_numpy(), "Veckor": e["n_weeks"].to_numpy(),
                         "Vanligaste plats": e["top_place"].to_numpy()})


def describe_bundle(b: Bundle) -> pd.DataFrame:
    """What a bundle holds: one row per table with its number of rows and its columns."""
    rows = [(name, len(df), ", ".join(map(str, df.columns))) for name, df in vars(b).items()
            if isinstance(df, pd.DataFrame)]
    return pd.DataFrame(rows, columns=["Tabell", "Rader", "Kolumner"])


def select_incidents(b: Bundle, area_id: str | None = None, problem: str = "all",
                     years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Incidents of one area (None = the kommun), family ("all" = every family) and year span."""
    i = b.incidents
    keep = np.ones(len(i), bool)
    if area_id is not None:
        keep &= (i["area_id"].astype(str) == str(area_id)).to_numpy()
    if problem != "all":
        keep &= (i["problem"].astype(str) == check_problem(b, problem)).to_numpy()
    if years is not None:
        keep &= i["year"].between(*years).to_numpy()
    return i[keep]


def time_pattern(b: Bundle, area_id: str | None = None, problem: str = "all") -> dict[str, pd.DataFrame]:
    """Hour × weekday counts (report year) and month profile for a selection of incidents, as
    :func:`pipeline.stats.time_patterns.time_patterns` computes them; its "all" rows are the
    selection, so the report's charts draw it as they are.

    From the by-area layers (``hour_weekday_by_area``, ``month_profile_by_area``: the same
    counts per area and family) when the bundle holds them; then only the "all" rows are
    returned. Else computed from the incidents.
    """
    from pipeline.stats.time_patterns import time_patterns

    check_problem(b, problem)
    if len(b.hour_weekday_by_area) and len(b.month_profile_by_area):
        return {"hour_weekday": _layer_selection(b.hour_weekday_by_area, area_id, problem, ["weekday", "hour"]),
                "month_profile": _layer_selection(b.month_profile_by_area, area_id, problem, ["month"])}
    sel = select_incidents(b, area_id, problem)
    first = int(b.incidents["year"].min()) if len(b.incidents) else b.year  # the run's span, not the selection's
    return time_patterns(sel.assign(problem=sel["problem"].astype(str)), b.year, first_year=first)


def _layer_selection(layer: pd.DataFrame, area_id: str | None, problem: str, bins: list[str]) -> pd.DataFrame:
    """The rows of one area ("kommun" for None) and family of a by-area time-pattern layer as
    the "all" rows of a selection; every bin present (zeros where the area has no incidents)."""
    sel = layer[(layer["area_id"].astype(str) == ("kommun" if area_id is None else str(area_id)))
                & (layer["problem"] == problem)]
    full = (pd.MultiIndex.from_product([range(7), range(24)], names=bins) if bins == ["weekday", "hour"]
            else pd.Index(range(1, 13), name="month"))
    values = [c for c in layer.columns if c not in ("area_id", "problem", *bins)]
    out = sel.set_index(bins)[values].reindex(full, fill_value=0).reset_index()
    return out.assign(problem="all")[["problem", *bins, *values]]


# ---------------------------------------------------------------- figures
def _view(b: Bundle, layer: gpd.GeoDataFrame, area_id: str | None, margin_m: float) -> tuple:
    """The areas and grid cells to draw: the kommun, or the box around one area widened by
    ``margin_m`` metres, with the areas clipped to it (the report's map functions zoom to the
    bounds of the areas they are given)."""
    if area_id is None:
        return b.areas, layer
    area = b.areas[b.areas["area_id"].astype(str) == str(area_id)]
    if area.empty:
        raise DataError(f"area_id {area_id!r} not found in areas")
    x0, y0, x1, y1 = area.total_bounds
    x0, y0, x1, y1 = x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m
    near = b.areas.clip((x0, y0, x1, y1))
    near = near[~near.geometry.is_empty]
    return near, layer.cx[x0:x1, y0:y1]


def _problems(b: Bundle, problems: str | list[str]) -> list[str]:
    return [check_problem(b, p) for p in ([problems] if isinstance(problems, str) else problems)]


def hotspot_figure(b: Bundle, problems: str | list[str] = "all", area_id: str | None = None,
                   margin_m: float = 500) -> Figure:
    """The report's Gi* hot-spot map (one panel per problem), of the kommun or around one area."""
    from pipeline.report.maps import hotspot_map

    areas, cells = _view(b, b.grid_hotspots, area_id, margin_m)
    return hotspot_map(areas, cells, _problems(b, problems), b.families)


def emerging_figure(b: Bundle, problems: str | list[str] = "all", area_id: str | None = None,
                    margin_m: float = 500) -> Figure:
    """The report's emerging-hot-spot map, of the kommun or around one area."""
    from pipeline.report.maps import emerging_map

    areas, cells = _view(b, b.emerging_hotspots, area_id, margin_m)
    return emerging_map(areas, cells, _problems(b, problems), b.families)


def kde_figure(b: Bundle, problems: str | list[str] = "all", area_id: str | None = None,
               margin_m: float = 500) -> Figure:
    """The report's kernel-density map (brott per km² och år), of the kommun or around one area."""
    from pipeline.report.maps import kde_map

    areas, cells = _view(b, b.kde, area_id, margin_m)
    return kde_map(areas, cells, _problems(b, problems), b.families)


def trend_figure(b: Bundle, area_id: str, problem: str) -> Figure:
    """Rate per 1,000 inhabitants by year: the area against the kommun (Swedish labels)."""
    import matplotlib as mpl

    from pipeline.report.figures import DARK, GREY, STYLE, WIDTH_IN, sv_formatter

    t = yearly_counts(b, area_id, problem)
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_IN, 3.0), layout="constrained")
        ax = fig.add_subplot()
        if "rate_per_1000_area" in t:
            ax.plot(t["year"], t["rate_per_1000_area"], marker="o", color=DARK, label=b.area_names.get(area_id, area_id))
        if "rate_per_1000_kommun" in t:
            ax.plot(t["year"], t["rate_per_1000_kommun"], marker="s", ls="--", color=GREY, label="Hela kommunen")
        ax.set_xticks(t["year"].astype(int))
        ax.set_ylim(bottom=0)
        ax.set_ylabel("Anmälda brott per 1 000 invånare")
        ax.yaxis.set_major_formatter(sv_formatter(1))
        ax.set_title(f"{b.families.label_sv(problem)}: {b.area_names.get(area_id, area_id)} jämfört med kommunen")
        ax.legend()
        return fig


def show_table(df: pd.DataFrame, decimals: int = 1):
    """``df`` for display: numbers the Swedish way (``1 234,5``, decimal comma, ``−``; integers
    without decimals, the columns in :data:`PRECISION` with their own number of decimals), "–"
    for missing values, no index. The frame itself is not changed."""
    from pipeline.text.format_sv import fmt_num

    def digits(col) -> int:
        return 0 if pd.api.types.is_integer_dtype(df[col]) else PRECISION.get(col, decimals)

    fmt = {c: (lambda x, d=digits(c): fmt_num(x, d)) for c in df.columns
           if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}
    return df.style.format(fmt, na_rep="–").hide(axis="index")
