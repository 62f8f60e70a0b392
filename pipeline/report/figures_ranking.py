"""Charts of the ranking: what each component added to each problembild's score and the rank
intervals. Each function takes frames and returns a Figure. (The prioritisation matrix is a
table: :mod:`pipeline.report.matrix_table`.)"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

from pipeline.report.figures import DARK, GREY, STYLE, _fig, sv_formatter
from pipeline.text.format_sv import fmt_num

# components in groups of one hue each (crime reports, residents, staff, agreement, Polisen's events),
# lightness stepping inside a group so neighbours stay apart in greyscale print
GROUP_COLOURS = {
    "harm_volume": "#08306b", "rate_ratio": "#2171b5", "trend": "#6baed6", "concentration": "#9ecae1",
    "signal": "#c6dbef", "survey_unsafe": "#a63603", "survey_problem": "#fd8d3c", "notes": "#006d2c",
    "est": "#74c476", "triangulation": "#525252", "events": "#6a51a3",
}


def contribution_chart(labels: list[str], contrib: pd.DataFrame, names: dict[str, str]) -> Figure:
    """One stacked bar per problembild (``labels``, top to bottom in rank order): the segments
    are what each component added to the score (``contrib``: rows like ``labels``, a column per
    component, summing to the score); the score is written at the end of each bar. A component
    the public version does not show (NaN) is left out of its bar, and that bar ends in ".."
    instead of a score."""
    with mpl.rc_context(STYLE):
        cols = [c for c in contrib.columns if (contrib[c] > 0).any()]
        partial = contrib.isna().any(axis=1).to_numpy()
        fig, ax = _fig(0.3 * len(labels) + 1.9)
        y = np.arange(len(labels))[::-1]
        left = np.zeros(len(labels))
        for c in cols:
            v = np.nan_to_num(contrib[c].to_numpy(float))
            ax.barh(y, v, left=left, height=0.62, color=GROUP_COLOURS.get(c, GREY), edgecolor="white", lw=0.5,
                    label=names.get(c, c))
            left += v
        for yi, total, part in zip(y, left, partial):
            ax.text(total, yi, " .." if part else " " + fmt_num(total, 2), va="center", fontsize=7)
        ax.set_yticks(y, labels)
        top = max(left.max() * 1.12, 0.1)
        ax.set_xlim(0, top)
        # ticks every 0.1, or every 0.05 on a short axis (the formatter writes those with two decimals)
        ax.xaxis.set_major_locator(MultipleLocator(0.1 if top > 0.3 else 0.05))
        ax.xaxis.set_major_formatter(sv_formatter(1))
        ax.set_xlabel("Poäng (0–1): summan av kriteriernas bidrag")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=7)
        return fig


def rank_intervals(labels: list[str], rank: pd.Series, low: pd.Series, high: pd.Series) -> Figure:
    """Each problembild's place (dot) and the places it can take when the data are drawn again
    (line from ``low`` to ``high``), top to bottom in rank order."""
    with mpl.rc_context(STYLE):
        fig, ax = _fig(0.26 * len(labels) + 1.0)
        y = np.arange(len(labels))[::-1]
        ax.hlines(y, low.astype(float), high.astype(float), color=DARK, lw=2.2, alpha=0.45)
        ax.plot(rank.astype(float), y, "o", color=DARK, ms=5)
        ax.set_yticks(y, labels)
        top = int(max(high.max(), rank.max()))
        ax.set_xlim(0.5, top + 0.5)
        ax.set_xticks(range(1, top + 1))
        ax.xaxis.set_major_formatter(sv_formatter())
        ax.set_xlabel("Plats (punkt) och platser den kan hamna på (linje, 95 %)")
        ax.grid(axis="x", color="#e0e0e0", lw=0.5)
        ax.set_axisbelow(True)
        return fig
