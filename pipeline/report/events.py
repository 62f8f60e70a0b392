"""The report's section on Polisen's published events: monthly series per problem family with
rates per 10,000 inhabitants, breaks in the source, partial years and the trend per series.

:func:`event_section` writes through a :class:`pipeline.report.doc.Doc` (chapter Anmälda
brott); the figure functions return matplotlib Figures (nothing is saved here).
"""

from __future__ import annotations

import textwrap

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator

from pipeline.report.figures import ACCENT, DARK, MONTHS_SHORT, MONTHS_SV, STYLE, _fig, sv_formatter
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_num, fmt_pct

TREND_SV = {"rising": "ökande", "falling": "minskande", "stable": "ingen säker trend"}
EVENTS_ONLY_TITLE_SV = "Byggd enbart på Polisens publicerade händelser"
EVENTS_ONLY_SV = (
    "Den här lägesbilden bygger enbart på Polisens publicerade händelser på polisen.se. Kommunens egna underlag – "
    "anmälda brott från Polisen, trygghetsmätning, medarbetardialoger och EST – har inte lämnats in. Händelserna är "
    "ett urval som Polisen väljer att publicera och anger bara kommun, inte plats: lägesbilden visar därför nivåer "
    "och trender för kommunen som helhet, inte var i kommunen problemen finns, och problembilderna gäller hela "
    "kommunen.")
MAX_FAMILY_PANELS = 6


def _empty(df) -> bool:
    return df is None or len(df) == 0


def month_sv(ts, short: bool = False) -> str:
    """"oktober 2025" (or "okt 2025")."""
    ts = pd.Timestamp(ts)
    return f"{(MONTHS_SHORT if short else MONTHS_SV)[ts.month - 1]} {ts.year}"


def date_sv(ts) -> str:
    """"20 mars 2023"."""
    ts = pd.Timestamp(ts)
    return f"{ts.day} {MONTHS_SV[ts.month - 1]} {ts.year}"


def _draw_series(ax, s: pd.DataFrame, breaks: pd.DataFrame, colour: str, marker_size: float) -> None:
    s = s.sort_values("month")
    x = pd.to_datetime(s["month"]) + pd.Timedelta(days=14)
    y = s["rate_per_10000"].astype(float)
    ax.plot(x, y, color=colour, lw=1.2)
    partial = s["is_partial_month"].astype(bool).to_numpy()
    ax.plot(x[~partial], y[~partial], "o", color=colour, ms=marker_size)
    if partial.any():
        ax.plot(x[partial], y[partial], "o", mfc="white", mec=colour, ms=marker_size + 0.5)
    for b in breaks.itertuples():
        ax.axvline(pd.Timestamp(b.start), color=ACCENT, lw=1.0, ls="--")
        ax.axvspan(pd.Timestamp(b.start), x.max() + pd.Timedelta(days=16), color=ACCENT, alpha=0.06, lw=0)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    top = float(np.nanmax(y)) if len(y) and np.isfinite(y).any() else 1.0
    ax.yaxis.set_major_formatter(sv_formatter(2 if top < 0.5 else 1))


class _DatesInView(FixedLocator):
    """A :class:`~matplotlib.ticker.FixedLocator` that hands matplotlib only the dates inside the
    axis' view (with a millionth of its span to spare): matplotlib makes a tick object, two tick
    marks and two labels for every location a locator returns and then draws only those in
    view, and a small-multiples figure of twelve panels spent half its time making ticks."""

    def __call__(self):
        lo, hi = sorted(self.axis.get_view_interval())
        spare = 1e-6 * (hi - lo)
        return [x for x in super().__call__() if lo - spare <= x <= hi + spare]


def _month_axis(ax, months: pd.Series) -> None:
    """Years labelled at 1 January, quarters (1 April, July, October) as minor ticks.

    The tick dates are listed once, for the years of the plotted months and one either side
    (more than the axis margins reach; ticks outside the view are not drawn), in a ``FixedLocator``:
    the same ticks as ``YearLocator()`` and ``MonthLocator(bymonth=(4, 7, 10))``, which run
    dateutil's rrule at every draw, a third of a small-multiples figure's drawing time. (Where
    no quarter starts in view, ``MonthLocator`` falls back to ticks at the view's two ends;
    here there are none.)"""
    first, last = pd.Timestamp(months.min()).year - 1, pd.Timestamp(months.max()).year + 1
    years = range(first, last + 1)
    ax.xaxis.set_major_formatter(mpl.dates.DateFormatter("%Y"))
    ax.xaxis.set_major_locator(_DatesInView(mpl.dates.date2num([pd.Timestamp(y, 1, 1) for y in years])))
    ax.xaxis.set_minor_locator(_DatesInView(mpl.dates.date2num(
        [pd.Timestamp(y, m, 1) for y in years for m in (4, 7, 10)])))


def event_month_chart(monthly: pd.DataFrame, breaks: pd.DataFrame) -> Figure:
    """All crime events in the kommun per month, per 10,000 inhabitants. Hollow markers: months
    the files cover only in part (scaled to a whole month). Dashed line and shading: from a
    break in the source on."""
    with mpl.rc_context(STYLE):
        fig, ax = _fig(2.6)
        _draw_series(ax, monthly[monthly["problem"] == "all"], breaks, DARK, 3.0)
        _month_axis(ax, monthly["month"])
        ax.set_ylabel("Händelser per 10 000 inv. och månad")
        for b in breaks.itertuples():
            ax.text(pd.Timestamp(b.start), ax.get_ylim()[1], f" källan ändras {month_sv(b.start, short=True)}",
                    color=ACCENT, fontsize=6.5, va="top", ha="left")
        return fig


def event_family_chart(monthly: pd.DataFrame, breaks: pd.DataFrame, families, problems: list[str]) -> Figure:
    """Small multiples: one panel per problem family (rates per 10,000 per month, own scale)."""
    with mpl.rc_context(STYLE):
        n = len(problems)
        ncols = 3 if n > 2 else max(n, 1)
        nrows = int(np.ceil(n / ncols)) if n else 1
        fig, axes = _fig(1.55 * nrows + 0.4, ncols=ncols, nrows=nrows, squeeze=False, sharex=True)
        for ax, p in zip(axes.ravel(), problems):
            _draw_series(ax, monthly[monthly["problem"] == p], breaks, DARK, 1.8)
            ax.set_title(textwrap.fill(families.label_sv(p), 28), fontsize=7)
            _month_axis(ax, monthly["month"])
            ax.tick_params(labelsize=6.5)
        for ax in axes.ravel()[n:]:
            ax.set_visible(False)
        fig.supylabel("Per 10 000 inv. och månad", fontsize=7)
        return fig


def _count(value) -> str:
    """A count cell shown as it is in both versions: Polisen publishes every event on
    polisen.se, so counts of them reveal nothing that is not public. Written as plain text, not
    through ``#cnt`` (which marks the counts that public-version suppression applies to)."""
    return esc(fmt_num(value, 0))


def _irr_text(r) -> str:
    if pd.isna(r.get("irr")):
        return esc(r.get("trend_note") or "–")
    return (f"{fmt_pct(100 * (r['irr'] - 1), 0, signed=True)} "
            f"({fmt_pct(100 * (r['irr_low'] - 1), 0, signed=True)} till {fmt_pct(100 * (r['irr_high'] - 1), 0, signed=True)})")


def event_facts(inp) -> list[str]:
    """One summary line on Polisen's events: the rate of the report year and the trend."""
    yc, tr = inp.event_year_counts, inp.event_trends
    if _empty(yc) or not (yc["problem"] == "all").any():
        return []
    r = yc[yc["problem"] == "all"].sort_values("year").iloc[-1]
    part = " (delår, uppräknat till helt år)" if bool(r["is_partial_year"]) else ""
    txt = (f"Polisen publicerade {fmt_num(r['rate_per_10000'], 1)} händelser om brott per 10 000 invånare "
           f"{int(r['year'])}{part}")
    t = tr[tr["problem"] == "all"] if not _empty(tr) else tr
    if t is not None and len(t) and pd.notna(t["irr"].iloc[0]):
        t = t.iloc[0]
        txt += (f"; trenden {month_sv(t['first_month'])}–{month_sv(t['last_month'])} är "
                f"{TREND_SV.get(t['trend'], '–')} ({fmt_pct(100 * (t['irr'] - 1), 0, signed=True)} per år)")
    rising = tr[(tr["problem"] != "all") & (tr["trend"] == "rising")] if not _empty(tr) else []
    if len(rising):
        txt += ". Ökande enligt händelserna: " + ", ".join(inp.families.label_sv(p).lower() for p in rising["problem"])
    return [txt + "."]


def event_section(d, monthly: pd.DataFrame | None, yearly: pd.DataFrame | None, trends: pd.DataFrame | None,
                  breaks: pd.DataFrame | None, coverage: tuple | None, type_summary: pd.DataFrame | None) -> None:
    """The "Polisens händelser" section (level-2 heading) of the chapter Anmälda brott, or of the
    whole report when it is built from public events only."""
    k = d.inp.kommun
    d.h(2, "Polisens händelser")
    if _empty(monthly) and _empty(type_summary):
        d.missing("om Polisens publicerade händelser")
        return
    breaks = breaks if breaks is not None else pd.DataFrame(columns=["id", "start", "origin", "label_sv", "evidence"])
    span = f"Underlaget täcker {date_sv(coverage[0])}–{date_sv(coverage[1])}; l" if coverage else "L"
    d.para("Polisen publicerar löpande händelser på polisen.se. De anger bara kommun, inte plats, och används här för "
           "nivåer och trender för kommunen som helhet, inte på kartorna. Bara händelsetyper som är brott räknas: "
           "trafikolyckor, bränder, sammanfattningar och liknande ingår inte. Händelserna är ett urval som Polisen "
           "väljer att publicera, inte alla anmälda brott. "
           f"{span}ägesbildens period är {k.first_year}–{k.year}, och bara den delen visas.")
    if not _empty(yearly):
        partial = yearly[(yearly["problem"] == "all") & yearly["is_partial_year"].astype(bool)]
        if len(partial):
            years = ", ".join(str(int(y)) for y in partial["year"])
            d.para(f"Delår: {years}. Underlaget täcker bara en del av " + ("året" if len(partial) == 1 else "dessa år")
                   + "; antalen gäller den täckta delen och takten per 10 000 invånare är uppräknad till helt år.")
    for b in breaks.itertuples():
        how = {"declared": "känd förändring", "detected": "upptäckt i underlaget",
               "declared+detected": "känd förändring, bekräftad i underlaget"}.get(b.origin, b.origin)
        label = str(b.label_sv).rstrip(". ")
        ev = f" ({b.evidence})" if isinstance(b.evidence, str) and b.evidence else ""
        d.notice(f"Brott i källan från {month_sv(b.start)} ({how}): {label}{ev}. Serierna markerar brottet, och "
                 "trenden skattas med en nivåförändring från den månaden så att förändringen inte läses som en trend.")
    if not _empty(monthly):
        alltr = trends[trends["problem"] == "all"].iloc[0] if not _empty(trends) and (trends["problem"] == "all").any() else None
        trend_txt = (f" Trend för alla brottshändelser: {TREND_SV.get(alltr['trend'], '–')}, "
                     f"{_irr_text(alltr)} per år." if alltr is not None and pd.notna(alltr["irr"]) else "")
        first, last = monthly["month"].min(), monthly["month"].max()
        d.figure("handelser_manad", (event_month_chart, monthly, breaks),
                 f"Polisens händelser om brott per 10 000 invånare och månad, {month_sv(first)}–{month_sv(last)}. "
                 "Ofyllda punkter: månader som underlaget bara delvis täcker (uppräknade till hel månad)."
                 + (" Streckad linje: brott i källan." if len(breaks) else "") + trend_txt,
                 f"Linjediagram över Polisens publicerade brottshändelser i {k.name} per 10 000 invånare och månad från "
                 f"{month_sv(first)} till {month_sv(last)}." + trend_txt)
        per_family = (monthly[monthly["problem"] != "all"].groupby("problem")["n_events"].sum()
                      .sort_values(ascending=False, kind="stable"))
        fams = [p for p in per_family.index if per_family[p] > 0][:MAX_FAMILY_PANELS]
        if fams:
            d.figure("handelser_problem", (event_family_chart, monthly, breaks, d.inp.families, fams),
                     "Polisens händelser per problemområde, per 10 000 invånare och månad (varje panel har egen skala).",
                     "Små linjediagram per problemområde: " + ", ".join(d.label(p).lower() for p in fams) + ".")
    if not _empty(yearly):
        years = sorted(int(y) for y in yearly["year"].unique())
        part = set(int(y) for y in yearly.loc[yearly["is_partial_year"].astype(bool), "year"])
        last_year = years[-1]
        tr = trends.set_index("problem") if not _empty(trends) else pd.DataFrame()
        rows = []
        order = yearly[yearly["year"] == last_year].assign(_o=lambda f: f["problem"].eq("all"))
        for _, r in order.sort_values(["_o", "n_events"], ascending=[True, False], kind="stable").iterrows():
            p = r["problem"]
            cells = [esc("Alla brottshändelser" if p == "all" else d.label(p))]
            for y in years:
                v = yearly[(yearly["problem"] == p) & (yearly["year"] == y)]["n_events"]
                cells.append(_count(v.iloc[0]) if len(v) else "–")
            cells.append(fmt_num(r["rate_per_10000"], 1))
            t = tr.loc[p] if p in tr.index else None
            cells.append(_irr_text(t) if t is not None else "–")
            cells.append(esc(TREND_SV.get(t["trend"], "–")) if t is not None and pd.notna(t["irr"]) else "–")
            rows.append(cells)
        head = ["Problemområde"] + [f"{y}{'*' if y in part else ''}" for y in years] + [
            f"Per 10 000 inv. {last_year}", "Förändring per år (95 % KI)", "Trend"]
        d.table(f"Polisens händelser om brott per problemområde, {years[0]}{f'–{last_year}' if last_year != years[0] else ''}", head, rows,
                "l" + "r" * (len(years) + 2) + "l")
        notes = []
        if part:
            notes.append("* delår (antal för den täckta delen; takten uppräknad till helt år).")
        notes.append("Förändring per år: skattad med negativ binomialregression på månadsantal med folkmängd som "
                     "exponering" + (", säsong" if not _empty(monthly) and monthly["month"].nunique() >= 24 else "")
                     + (" och en nivåförändring vid brottet i källan" if len(breaks) else "")
                     + "; trenden räknas som ökande eller minskande först när den är statistiskt säker efter "
                     "korrektion för att många trender prövas samtidigt (bilaga A).")
        d.para(" ".join(notes))
    if not _empty(type_summary):
        _type_table(d, type_summary)


def _type_table(d, pe_: pd.DataFrame) -> None:
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
            elif c.startswith("n_"):
                row.append(_count(r[c]))
            elif c == "year":
                row.append(str(int(r[c])))
            else:
                row.append(esc(r[c]))
        rows.append(row)
    d.table("Polisens publicerade händelser per typ (alla typer, även sådana som inte är brott)",
            [hdr[c] for c in cols], rows, "".join("r" if (c.startswith("n_") or c == "year") else "l" for c in cols))
