"""Self-contained HTML pages: every style, figure and script inline, no external request.

A small writer (escaping every text with :func:`html.escape`) shared by the weekly EST page and
the public page (pipeline/cycle/public_page.py). Figures are matplotlib SVG with their ``<title>``
and ``role="img"``/``aria-label`` set so screen readers get the alt text.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from pipeline.cycle.weekly import TertialPicture, WeeklyPicture
from pipeline.text.format_sv import fmt_int, fmt_num

BASE_CSS = """
:root { --accent: #1f3f66; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --bg: #ffffff; --soft: #eef3f8; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink); background: var(--bg);
       line-height: 1.5; font-size: 100%; }
body { margin: 0; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
header.top { background: var(--accent); color: #fff; padding: 1.2rem 1rem; }
header.top h1 { margin: 0; font-size: 1.6rem; } header.top p { margin: .3rem 0 0; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h2 { color: var(--accent); border-bottom: 2px solid var(--accent); padding-bottom: .2rem; margin-top: 2rem; }
h3 { margin-bottom: .3rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.figure svg { width: 100%; height: auto; } .figure { margin: .5rem 0 1rem; }
.note { background: #f2f2f2; padding: .6rem .8rem; border-left: 4px solid var(--muted); }
.verdict { display: inline-block; padding: .1rem .5rem; border: 2px solid; border-radius: .3rem; font-weight: bold; }
.v-minskade { color: #1a6b33; } .v-okade { color: #a1111f; } .v-ingen { color: #3d3d3d; }
footer { max-width: 62rem; margin: 2rem auto; padding: 1rem; color: var(--muted); font-size: .9rem;
         border-top: 1px solid var(--line); }
a { color: #0b4f8a; } :focus-visible { outline: 3px solid #d4a000; outline-offset: 2px; }
"""


def e(text) -> str:
    """Text as HTML (escaped)."""
    return escape("" if text is None else str(text), quote=True)


def inline_svg(svg: bytes, alt: str, ident: str) -> str:
    """A matplotlib SVG as inline markup with ``role="img"`` and an ``aria-label``; the XML
    prolog and DOCTYPE are dropped and ids are prefixed so several figures can share a page."""
    text = svg.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)  # matplotlib's RDF block
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{ident}-{m.group(1)}"', text)
    text = re.sub(r'(href|clip-path|mask|fill|stroke)="url\(#([^)]+)\)"',
                  lambda m: f'{m.group(1)}="url(#{ident}-{m.group(2)})"', text)
    text = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{ident}-{m.group(1)}"', text)
    text = re.sub(r"<svg ", f'<svg role="img" aria-label="{e(alt)}" focusable="false" ', text, count=1)
    return f'<div class="figure">{text}</div>'


def table(caption: str, header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """An accessible table: caption, ``th scope="col"`` header; cells are already-escaped HTML."""
    head = "".join(f'<th scope="col"{" class=num" if i in numeric else ""}>{e(h)}</th>' for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f'<td{" class=num" if i in numeric else ""}>{c}</td>' for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    return f"<table><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, heading: str, lead: str, body: str, footer: str, extra_css: str = "", script: str = "") -> str:
    """A whole page (lang sv, viewport, skip link, one h1)."""
    js = f"<script>{script}</script>" if script else ""
    return (f'<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>{BASE_CSS}{extra_css}</style></head><body>"
            f'<a class="skip" href="#innehall">Till innehållet</a>'
            f'<header class="top"><h1>{e(heading)}</h1><p>{e(lead)}</p></header>'
            f'<main id="innehall">{body}</main><footer>{footer}</footer>{js}</body></html>\n')


def weekly_html(wp: WeeklyPicture, kommun, families, area_names: dict[str, str], map_svg: bytes, map_alt: str,
                generated_on: dt.date) -> str:
    """The weekly EST picture as one self-contained page (the same content as the PDF)."""
    w = wp.monday.isocalendar()
    parts = ["<h2>Att ta upp</h2><ul>" + "".join(f"<li>{e(p)}</li>" for p in
                                                 (wp.points or ["Inget sticker ut jämfört med de fyra veckorna före."]))
             + "</ul>"]
    rows = [[e(r.est_type), fmt_int(r.n_week), fmt_num(r.mean_prev4, 1),
             fmt_int(r.n_last_year) if wp.has_last_year_est else "–"] for r in wp.by_type.itertuples()]
    parts.append(table("EST-rapporter per typ", ["Typ", "Veckan", "Snitt fyra veckor före", "Samma vecka i fjol"],
                       rows, {1, 2, 3}))
    top = wp.by_place[wp.by_place["n_week"] > 0].head(10)
    rows = [[e(r.place_name) + (" (ny)" if r.is_new else ""), e(area_names.get(r.area_id, "–")), fmt_int(r.n_week),
             fmt_num(r.mean_prev4, 1), f"{r.weeks_prev4} av 4"] for r in top.itertuples()]
    parts.append(table("Platser med flest rapporter", ["Plats", "Område", "Veckan", "Snitt fyra veckor före",
                                                       "Veckor med rapporter före"], rows, {2, 3}))
    parts.append("<h2>Karta</h2>" + inline_svg(map_svg, map_alt, "karta"))
    if wp.has_crimes:
        rows = [[e(families.label_sv(r.problem)), fmt_int(r.n_week), fmt_num(r.mean_prev4, 1), fmt_int(r.n_last_year)]
                for r in wp.by_family.itertuples()]
        parts.append(table("Anmälda brott per problemområde", ["Problemområde", "Veckan", "Snitt fyra veckor före",
                                                               "Samma vecka i fjol"], rows, {1, 2, 3}))
    else:
        parts.append('<p class="note">Anmälda brott täcker inte hela veckan ännu.</p>')
    sunday = wp.monday + dt.timedelta(days=6)
    return page(f"EST-veckobild vecka {w[1]} {w[0]} – {kommun.name}", f"EST-veckobild vecka {w[1]}, {w[0]}",
                f"{kommun.name} · {wp.monday.isoformat()}–{sunday.isoformat()}", "".join(parts),
                f"Internt arbetsmaterial för EST-mötet · framtagen {generated_on.isoformat()} med lagesbild.")


def tertial_html(tp: TertialPicture, kommun, svg: bytes, generated_on: dt.date) -> str:
    """The tertial roll-up's page: the weekly chart, or the line saying there were no reports."""
    body = (f'<p class="note">{e(tp.note)}</p>' if tp.note else "") + \
        (inline_svg(svg, "Rapporter per vecka", "t") if svg else "")
    return page(f"EST tertial {tp.label} – {kommun.name}", f"EST tertialsammanställning {tp.label}",
                f"{kommun.name} · {tp.start}–{tp.end}", body, f"Internt arbetsmaterial · framtagen {generated_on}")
