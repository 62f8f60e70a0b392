"""Plain Swedish sentences for the report, built from the rows of its frames.

One place for the wording that several chapters share: the trend of an area and problem (the
one verdict per row, when the trend layer gives it: ``verdict_sv``), confidence intervals that
never collapse to "1,0–1,0", a one-sentence reason for a problembild's place, the runs of
places that are in practice equal, and a comment on the sensitivity table. Every number is a
column of a row, formatted with :mod:`pipeline.text.format_sv`.
"""

from __future__ import annotations

import pandas as pd

from pipeline.report.labels_sv import TREND_SV
from pipeline.scoring.explain import ITEM_SV  # the survey items in words
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

PCT = "\u00a0%"  # a per cent sign after a no-break space, as format_sv writes it
WORDS = {0: "ingen", 1: "en", 2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta", 9: "nio", 10: "tio"}


def _v(row, col):
    x = row.get(col) if hasattr(row, "get") else None
    return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x


def number_word(n: int) -> str:
    return WORDS.get(int(n), fmt_int(n))


def fmt_interval(lo: float, hi: float, decimals: int = 1, suffix: str = "", signed: bool = False) -> str:
    """"lo–hi" with as many decimals (up to three) as it takes for the two ends to differ, so an
    interval never reads "1,0–1,0"; a negative lower end is written "−3 till +5"."""
    for dec in range(decimals, 4):
        a, b = fmt_num(lo, dec, signed=signed), fmt_num(hi, dec, signed=signed)
        if a != b:
            break
    sep = " till " if lo < 0 < hi or signed else "–"
    return f"{a}{suffix}{sep}{b}{suffix}"


def change_per_year(irr: float, lo: float | None = None, hi: float | None = None) -> str:
    """A yearly rate ratio as a change in percent per year, with its 95 % interval:
    "+3 % per år (95 % konfidensintervall −1 till +7 %)"."""
    s = f"{fmt_pct(100 * (irr - 1), 0, signed=True)} per år"
    if lo is not None and hi is not None and not (pd.isna(lo) or pd.isna(hi)):
        s += f" (95 % konfidensintervall {fmt_interval(100 * (lo - 1), 100 * (hi - 1), 0, PCT, signed=True)})"
    return s


def trend_phrase(row, prefix: str = "") -> str:
    """What happened to the problem in the area: the row's verdict (``verdict_sv``, this year's
    change and the long trend side by side) when the trend layer gives one; otherwise this
    year's change and the long-term trend word. Reads after "<problem> i <område>"."""
    verdict = _v(row, f"{prefix}verdict_sv")
    if verdict:
        return str(verdict)
    ch, trend = _v(row, f"{prefix}change_pct"), _v(row, f"{prefix}trend")
    parts = []
    if ch is not None:
        pct = fmt_pct(abs(ch), 0)
        parts.append("var lika många som året innan" if pct == fmt_pct(0, 0) else
                     f"{'ökade' if ch > 0 else 'minskade'} med {pct} mot året innan")
    if trend == "rising":
        parts.append("visar en säker ökande trend över perioden")
    elif trend == "falling":
        parts.append("visar en säker minskande trend över perioden")
    elif trend is not None:
        parts.append("visar ingen säker långsiktig trend")
    return " och ".join(parts) if parts else "–"


def trend_cell(row, prefix: str = "") -> str:
    """The trend for a table cell: the verdict when there is one, else the trend word."""
    return str(_v(row, f"{prefix}verdict_sv") or TREND_SV.get(_v(row, f"{prefix}trend"), "–"))


# ---------------------------------------------------------------- problembilder
def _fact(component: str, row, public: bool) -> str | None:
    """The fact behind a component, in words (None when the row has nothing to say)."""
    n, rr = _v(row, "crime_n_year"), _v(row, "crime_rate_ratio")
    if component == "harm_volume":
        return f"{fmt_int(n)} anmälda brott som tillsammans väger tungt i skadevärde" if n and not public else \
            "många brott som tillsammans väger tungt i skadevärde"
    if component == "rate_ratio":
        return f"{fmt_num(rr, 1)} gånger kommunens nivå per invånare" if rr and not public else \
            "fler brott per invånare än i kommunen som helhet"
    if component == "trend":
        return "ökande brott"
    if component == "concentration":
        place = _v(row, "place")
        if place and not public and place != _v(row, "area"):
            return f"brotten samlas kring {place}"
        return "brotten samlas på få platser (hotspot)"
    if component == "signal":
        return "ett signalbrott som syns för de boende"
    if component == "survey_unsafe":
        su = _v(row, "survey_unsafe_pct")
        return f"{fmt_pct(su, 0)} av de boende känner sig otrygga ute sent" if su and not public else \
            "många boende känner sig otrygga"
    if component == "survey_problem":
        sp, item = _v(row, "survey_problem_pct"), _v(row, "survey_item")
        return f"{fmt_pct(sp, 0)} ser {ITEM_SV.get(item, 'det')} som ett stort problem" if sp and not public else \
            "boende ser det som ett stort problem"
    if component == "notes":
        nn = _v(row, "notes_n")
        return f"personal har skrivit om det i {fmt_int(nn)} anteckningar" if nn and not public else \
            "personal som arbetar i området tar upp det"
    if component == "est":
        ne = _v(row, "est_n")
        return f"{fmt_int(ne)} EST-rapporter" if ne and not public else "veckorapporterna (EST) tar upp det"
    if component == "triangulation":
        agree = _v(row, "n_sources_agree")
        return f"{number_word(agree)} av fyra källor pekar åt samma håll" if agree else None
    if component == "events":
        return "Polisens publicerade händelser pekar åt samma håll"
    return None


def reason(row, contrib: pd.Series, public: bool, k: int = 2) -> str:
    """One sentence on why a problembild ranks where it does: the facts behind the ``k``
    components that added most to its score (``contrib``: component → contribution), then how
    many sources agree when three or four do."""
    top = [c for c in contrib.sort_values(ascending=False, kind="stable").index
           if contrib[c] > 0 and c != "triangulation"]
    facts = [f for f in (_fact(c, row, public) for c in top) if f][:k]
    agree = _v(row, "n_sources_agree")
    tail = f"; {number_word(agree)} av fyra källor pekar åt samma håll" if agree and agree >= 3 else ""
    if not facts:
        return (tail[2:].capitalize() + ".") if tail else "Underlaget räcker inte för en motivering."
    text = facts[0] if len(facts) == 1 else ", ".join(facts[:-1]) + " och " + facts[-1]
    return text[0].upper() + text[1:] + tail + "."


def rank_groups_sentence(groups: list[tuple[int, int]]) -> str:
    """"Plats 1–2 är i praktiken lika, likaså 3–4 och 5–7." ("" without groups)."""
    if not groups:
        return "Osäkerheten är så liten att ordningen mellan platserna håller."
    spans = [f"{a}–{b}" for a, b in groups]
    text = f"Plats {spans[0]} är i praktiken lika"
    if len(spans) > 1:
        text += ", likaså " + (", ".join(spans[1:-1]) + " och " if len(spans) > 2 else "") + spans[-1]
    return text + ": de kan byta plats när underlaget dras om."


def sensitivity_comment(piv: pd.DataFrame, base: str, top_n: int, names: dict) -> list[str]:
    """One line per other weighting on the sensitivity table: how many of the top ``top_n`` stay
    among the first ``top_n``, which fall out and which one moves most. ``piv``: rank per
    problembild (index, in base order) and weighting (columns); ``names``: index → "problem i
    område"."""
    out = []
    base_top = [i for i in piv.index if pd.notna(piv.loc[i, base]) and piv.loc[i, base] <= top_n]
    for scen in [c for c in piv.columns if c != base]:
        ranks = piv[scen]
        stay = [i for i in base_top if pd.notna(ranks.get(i)) and ranks[i] <= top_n]
        text = f"{scen}: {len(stay)} av {len(base_top)} ligger kvar bland de {top_n} första"
        gone = [names[i] for i in base_top if i not in stay]
        if gone:
            text += "; ut faller " + ", ".join(gone[:3]) + (" med flera" if len(gone) > 3 else "")
        moved = [(abs(ranks[i] - piv.loc[i, base]), i) for i in stay if ranks[i] != piv.loc[i, base]]
        if moved:
            _, i = max(moved)
            text += f"; störst flytt: {names[i]} (plats {int(piv.loc[i, base])} → {int(ranks[i])})"
        out.append(text + ".")
    return out
