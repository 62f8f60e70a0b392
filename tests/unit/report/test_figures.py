"""Swedish number formatting and the charts (labels in Swedish, no empty axes)."""

from matplotlib.figure import Figure

from pipeline.report import figures as F
from pipeline.text.format_sv import fmt_num, fmt_pct

from . import make_frames

NB, MINUS = "\u00a0", "\u2212"


def test_report_uses_the_shared_swedish_formatting_with_signs():
    assert F.fmt_num is fmt_num  # one implementation (pipeline.text.format_sv)
    assert fmt_num(1234567.891, 1) == f"1{NB}234{NB}567,9"
    assert fmt_num(-3.25, 1) == f"{MINUS}3,3"  # half away from zero on the decimal string
    assert fmt_num(4, 0, signed=True) == "+4" and fmt_num(-4, 0, signed=True) == f"{MINUS}4"
    assert fmt_num(0.04, 1, signed=True) == "0,0"  # rounds to zero: no sign
    assert fmt_num(float("nan"), signed=True) == "–" and fmt_num(None) == "–"
    assert fmt_pct(12.345, 1) == f"12,3{NB}%" and fmt_pct(3, 0, signed=True) == f"+3{NB}%"


def test_sv_formatter_on_axis():
    assert F.sv_formatter(1)(2500.25, 0) == f"2{NB}500,3"


def test_every_chart_returns_a_figure_with_swedish_labels():
    fr = make_frames(cell_m=1000)
    names = dict(zip(fr["areas"].area_id, fr["areas"].area_name))
    fam = fr["families"]
    figs = [
        F.category_counts(fr["area_trends"], fam), F.yearly_trend(fr["area_year_counts"], fam, ["drugs", "theft"]),
        F.area_rates(fr["area_trends"], names), F.harm_vs_count(fr["area_trends"], fam),
        F.month_profile_chart(fr["month_profile"]), F.hour_weekday_chart(fr["hour_weekday"]),
        F.arshjul(fr["month_profile"], fam, ["drugs", "theft"]), F.survey_by_area(fr["survey_indicators"], names),
        F.survey_items(fr["survey_indicators"]),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        texts = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels() + ax.get_xticklabels()]
        labels = [ax.get_xlabel() + ax.get_ylabel() + ax.get_title() for ax in fig.axes]
        assert any(texts) or any(labels)
        joined = " ".join(texts + labels)
        for english in ("Count", "Month", "Hour", "Share", "Year"):
            assert english not in joined
    cat = figs[0].axes[0]
    assert "Narkotika" in [t.get_text() for t in cat.get_yticklabels()]
    assert cat.get_xlabel() == "Antal anmälda brott"


def _event_months(first: str = "2023-03-01", last: str = "2025-09-01", problems=("all", "drugs", "theft")):
    import numpy as np
    import pandas as pd

    months = pd.date_range(first, last, freq="MS")
    rng = np.random.default_rng(7)
    return pd.concat([pd.DataFrame({"month": months, "problem": p, "rate_per_10000": rng.gamma(4, 0.5, len(months)),
                                    "is_partial_month": months == months[-1]}) for p in problems], ignore_index=True)


def test_event_charts_tick_years_and_quarters_as_matplotlibs_date_locators_do():
    import matplotlib as mpl
    import numpy as np
    import pandas as pd

    from pipeline.report.events import event_family_chart, event_month_chart
    from pipeline.report.svg import svg_bytes
    from pipeline.problems import load_families

    breaks = pd.DataFrame({"start": [pd.Timestamp("2025-01-01")]})
    for first, last in (("2023-03-01", "2025-09-01"), ("2019-01-01", "2025-12-01"), ("2024-11-01", "2025-02-01")):
        monthly = _event_months(first, last)
        for fig in (event_month_chart(monthly, breaks),
                    event_family_chart(monthly, breaks, load_families(), ["drugs", "theft"])):
            svg_bytes(fig)  # drawn: the view limits are final
            for ax in fig.axes:
                if not ax.get_visible():
                    continue
                lo, hi = ax.get_xlim()
                inside = lambda locs: [x for x in locs if lo <= x <= hi]  # noqa: E731
                assert inside(ax.xaxis.get_majorticklocs()) == inside(mpl.dates.YearLocator().tick_values(
                    mpl.dates.num2date(lo), mpl.dates.num2date(hi)))
                minor = mpl.dates.MonthLocator(bymonth=(4, 7, 10)).tick_values(mpl.dates.num2date(lo),
                                                                               mpl.dates.num2date(hi))
                if first.startswith("2024-11"):  # no quarter starts in view: matplotlib falls back to
                    assert np.allclose(minor, [lo, hi])  # ticks at the view's two ends; we draw none
                    assert inside(ax.xaxis.get_minorticklocs()) == []
                else:
                    assert len(minor) >= 3 and np.allclose(inside(ax.xaxis.get_minorticklocs()), inside(minor))


def test_month_ticks_outside_the_view_are_not_made_and_the_chart_is_the_same(monkeypatch):
    """The month axis hands matplotlib only the dates in view: the same bytes as a plain
    FixedLocator of all the dates, with fewer tick objects made."""
    import pandas as pd
    from matplotlib.ticker import FixedLocator

    from pipeline.problems import load_families
    from pipeline.report import events
    from pipeline.report.svg import svg_bytes

    monthly, breaks = _event_months("2023-03-01", "2025-09-01"), pd.DataFrame({"start": [pd.Timestamp("2025-01-01")]})

    def drawn():
        fig = events.event_family_chart(monthly, breaks, load_families(), ["drugs", "theft", "all"])
        svg = svg_bytes(fig)
        return svg, sum(len(ax.xaxis.minorTicks) + len(ax.xaxis.majorTicks) for ax in fig.axes)

    ours, made = drawn()
    monkeypatch.setattr(events, "_DatesInView", FixedLocator)
    theirs, made_all = drawn()
    assert ours == theirs and made < made_all


def test_chart_titles_sit_where_matplotlibs_automatic_placement_puts_them(monkeypatch):
    """Charts fix ``axes.titley`` (no search for ticks above the axes); the bytes must be those
    of matplotlib's own placement."""
    import pandas as pd

    from pipeline.report import events
    from pipeline.report.svg import svg_bytes
    from pipeline.problems import load_families

    monthly, breaks = _event_months(), pd.DataFrame({"start": [pd.Timestamp("2025-01-01")]})
    fam = load_families()
    ours = svg_bytes(events.event_family_chart(monthly, breaks, fam, ["drugs", "theft", "all"]))

    def automatic(height_in, ncols=1, nrows=1, **kw):
        fig = Figure(figsize=(F.WIDTH_IN, height_in), layout="constrained")
        return fig, fig.subplots(nrows, ncols, **kw)

    monkeypatch.setattr(events, "_fig", automatic)
    assert svg_bytes(events.event_family_chart(monthly, breaks, fam, ["drugs", "theft", "all"])) == ours


def test_the_contribution_chart_writes_every_score_tick_once():
    """Ticks of the score axis are distinct as written: matplotlib put them 0.05 apart, which one
    decimal wrote "0,0 0,1 0,1 0,2 0,2" (seen in a national report)."""
    import pandas as pd

    from pipeline.report.figures_ranking import contribution_chart
    from pipeline.report.svg import svg_bytes

    for top_score, expected_first in ((0.06, ["0,00", "0,05"]), (0.25, ["0,00", "0,05", "0,10"]),
                                      (0.35, ["0,0", "0,1", "0,2", "0,3"]), (0.9, ["0,0", "0,1", "0,2"])):
        contrib = pd.DataFrame({"harm_volume": [top_score * 0.7, 0.01], "trend": [top_score * 0.3, 0.01]})
        fig = contribution_chart(["1. Stöld i Centrum", "2. Rån i Norr"], contrib, {})
        svg_bytes(fig)  # draws it: the ticks are placed
        ax = fig.axes[0]
        lo, hi = ax.get_xlim()
        shown = [t.get_text() for t, x in zip(ax.get_xticklabels(), ax.get_xticks()) if lo <= x <= hi]
        assert len(shown) == len(set(shown)) >= 2, (top_score, shown)
        assert shown[:len(expected_first)] == expected_first, (top_score, shown)


def test_axis_numbers_get_the_decimals_that_keep_ticks_apart():
    ticks = F.sv_formatter()
    assert ticks.format_ticks([0, 1, 2, 3]) == ["0", "1", "2", "3"]  # enough as asked
    assert ticks.format_ticks([0, 0.5, 1, 1.5]) == ["0,0", "0,5", "1,0", "1,5"]  # not "0 1 1 2"
    assert F.sv_formatter(1, " %").format_ticks([0.1, 0.101, 0.102]) == ["0,100 %", "0,101 %", "0,102 %"]
    assert ticks(1.5) == "2"  # one number alone: as asked
    # evenly spaced ticks get the decimals that write their step: not "0,0 0,3 0,5 0,8"
    assert F.sv_formatter(1).format_ticks([0, 0.25, 0.5, 0.75]) == ["0,00", "0,25", "0,50", "0,75"]
    assert ticks.format_ticks([0, 2.5, 5, 7.5, 10]) == ["0,0", "2,5", "5,0", "7,5", "10,0"]
    assert F.sv_formatter(1).format_ticks([0, 0.1 + 0.2, 0.6]) == ["0,0", "0,3", "0,6"]  # 0.30000000000000004
    assert ticks.format_ticks([0, 3, 12, 100]) == ["0", "3", "12", "100"]  # uneven (a colour scale's classes)


def test_the_category_counts_axis_marks_whole_numbers_and_keeps_matplotlibs_ticks_for_large_counts(monkeypatch):
    """Few crimes: ticks at whole numbers (matplotlib's AutoLocator put them 0.5 or 2.5 apart:
    "0,0 2,5 5,0"); many: the figure matplotlib's AutoLocator gives."""
    import pandas as pd
    from matplotlib.ticker import AutoLocator

    from pipeline.problems import load_families
    from pipeline.report.svg import svg_bytes

    fam = load_families()

    def chart(top):
        trends = pd.DataFrame({"area_id": "kommun", "problem": ["theft", "drugs", "robbery"],
                               "n_year": [top, 3, 1], "n_prev": [top - 1, 2, 0]})
        fig = F.category_counts(trends, fam)
        svg = svg_bytes(fig)
        lo, hi = fig.axes[0].get_xlim()
        ticks = [x for x in fig.axes[0].get_xticks() if lo <= x <= hi]
        return svg, ticks, [t.get_text() for t in fig.axes[0].get_xticklabels()]

    for top in (4, 20):
        _, ticks, labels = chart(top)
        assert len(ticks) >= 3 and all(float(x).is_integer() for x in ticks), (top, ticks)
        assert not any("," in t for t in labels), (top, labels)
    ours = chart(2400)[0]
    monkeypatch.setattr(F, "MaxNLocator", lambda *a, **k: AutoLocator())
    assert chart(2400)[0] == ours
    assert any("," in t for t in chart(20)[2])  # what AutoLocator gave
