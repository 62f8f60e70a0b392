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
