"""The chapters that people write: Orsaksanalys, Handlingsplan och medborgarlöften, Uppföljning.

Each shows the analysts' Markdown from reports/text/ (see docs/report.md), or a placeholder.
"""

from __future__ import annotations

from pipeline.report.doc import Doc


def orsaksanalys(d: Doc) -> None:
    d.analyst("orsaksanalys")


def handlingsplan(d: Doc) -> None:
    d.h(2, "Handlingsplan")
    d.analyst("handlingsplan")
    d.h(2, "Medborgarlöften")
    d.analyst("medborgarloften")


def uppfoljning(d: Doc) -> None:
    d.analyst("uppfoljning")
