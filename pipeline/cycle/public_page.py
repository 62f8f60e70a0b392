"""The public web page ``reports/publik/index.html``: the medborgarlöften and how each is going,
the map at the public grid and the key figures, in plain Swedish (issue 12, Brå 2018: few
residents knew of the löften).

Built only from the public version's inputs (:func:`pipeline.report.public.make_public_inputs`
and :func:`pipeline.cycle.report_data.public_cycle`), so the public rules hold: counts under the
threshold are hidden and written "färre än 5", the map is at the public grid, no place finer
than an area. Self-contained (pipeline/cycle/html.py): styles, maps (SVG, their rasters as data
URIs) and the small script that switches map layers are inline; the page makes no request. The
switch is progressive: without script every map is shown. Accessibility: one h1, landmarks, a
skip link, buttons with ``aria-pressed``, every map with a text alternative and a table of the
same numbers, WCAG AA contrast.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipeline.cycle.html import e, inline_svg, page, table
from pipeline.cycle.labels import is_finite, indicator_label
from pipeline.report.svg import FigureCache
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

CSS = """
.cards { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; background: #fff; }
.card h3 { margin-top: 0; font-size: 1.1rem; } .period { color: var(--muted); font-size: .95rem; }
.figures { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
.figure-box { background: var(--soft); border-radius: .5rem; padding: 1rem; }
.figure-box .big { font-size: 1.8rem; font-weight: bold; color: var(--accent); display: block; }
.layers { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
.layers button { font: inherit; padding: .4rem .8rem; border: 2px solid var(--accent); background: #fff;
                 color: var(--accent); border-radius: .3rem; cursor: pointer; }
.layers button[aria-pressed="true"] { background: var(--accent); color: #fff; }
figure { margin: 0 0 1rem; } figcaption { color: var(--muted); font-size: .95rem; }
"""
SCRIPT = """
(function () {
  var buttons = document.querySelectorAll('.layers button');
  function show(id) {
    document.querySelectorAll('figure.map').forEach(function (f) { f.hidden = f.id !== id; });
    buttons.forEach(function (b) { b.setAttribute('aria-pressed', String(b.dataset.map === id)); });
  }
  buttons.forEach(function (b) { b.addEventListener('click', function () { show(b.dataset.map); }); });
  document.querySelector('.layers').hidden = false;
  if (buttons.length) { show(buttons[0].dataset.map); }
})();
"""
PLAIN = {"minskade": "minskade", "ökade": "ökade", "ingen säker förändring": "ingen säker förändring",
         "kan inte bedömas": "går ännu inte att bedöma"}


def count_text(value, flag, min_count: int) -> str:
    """A count as the public tables show it. ``flag`` is the ``<col>_suppressed`` companion:
    "primary" or True (a small count: "färre än k"), "secondary" (hidden to protect another cell:
    "visas inte", never "färre än k", which would be false and tell an attacker a range), else
    shown; a missing count without a flag is "–"."""
    if isinstance(flag, str) and flag == "secondary":
        return "visas inte"
    if (isinstance(flag, str) and flag == "primary") or (not isinstance(flag, str) and flag is not None
                                                         and not pd.isna(flag) and bool(flag)):
        return f"färre än {min_count}"
    if value is None or pd.isna(value):
        return "–"
    return fmt_int(value)


def _how_it_went(e_row: pd.Series | None, label: str) -> str:
    """One plain sentence on the löfte's indicator."""
    if e_row is None:
        return "Hur det gick följs upp när löftesperioden är slut."
    v = e_row["verdict"]
    what = label[0].lower() + label[1:]
    if v == "kan inte bedömas":
        return f"Det går ännu inte att säga hur {what} har utvecklats."
    if v == "ingen säker förändring":
        return (f"Vi kan inte se någon säker förändring av {what}: skillnaden mot liknande områden är för liten för att "
                "vara säker.")
    big = what[0].upper() + what[1:]
    if e_row["kind"] == "survey":
        d = e_row.get("diff_pp")
        if not is_finite(d):  # no figure in public (few answers): the verdict alone
            return f"{big} {v} jämfört med liknande områden."
        more = "mer" if v == "ökade" else "mindre"
        return f"{big} {v}, med ungefär {fmt_num(abs(d), 0)} procentenheter {more} än i liknande områden."
    rr = e_row.get("rate_ratio")
    if not is_finite(rr):  # no figure in public (a place finer than an area, or few events): the verdict alone
        return f"{big} {v} under löftet jämfört med liknande områden."
    return f"{big} {v} under löftet, med ungefär {fmt_pct(abs(100 * (rr - 1)), 0)} jämfört med liknande områden."


def _promises(inp) -> str:
    cycle = inp.cycle
    reg = cycle.registry if cycle is not None else None
    if reg is None or reg.promises.empty:
        return ("<h2>Våra medborgarlöften</h2><p>Kommunen och polisen har ännu inte beslutat några medborgarlöften för "
                "den här perioden.</p>")
    year = inp.kommun.year
    q = reg.promises[reg.promises["period_end"].map(lambda d: d is not None and not pd.isna(d) and d.year >= year)]
    q = q.sort_values(["period_start", "promise_id"], ascending=[False, True])
    eff = cycle.promise_effects.set_index("key") if cycle.promise_effects is not None and len(cycle.promise_effects) \
        else pd.DataFrame()
    st = cycle.action_status if cycle.action_status is not None else pd.DataFrame()
    cards = []
    for r in q.itertuples():
        label = (indicator_label(r.kind, r.measure_id, r.unit_id, inp.families, _names(inp)).split(": ", 1)[-1]
                 if isinstance(r.measure_id, str) and isinstance(r.unit_id, str) else str(r.measure))
        acts = st[st["promise_id"] == r.promise_id] if len(st) else st
        done = int(acts["is_done"].sum()) if len(acts) else 0
        e_row = eff.loc[r.promise_id] if r.promise_id in eff.index else None
        verdict = PLAIN.get(e_row["verdict"], "") if e_row is not None else ""
        cls = {"minskade": "v-minskade", "ökade": "v-okade"}.get(e_row["verdict"] if e_row is not None else "", "v-ingen")
        cards.append(
            f'<article class="card"><h3>{e(r.text)}</h3>'
            f'<p class="period">{e(_period_label(r))}</p>'
            + (f"<p>Åtgärder: {done} av {len(acts)} genomförda.</p>" if len(acts) else "")
            + (f'<p>Resultat: <span class="verdict {cls}">{e(verdict)}</span></p>' if verdict else "")
            + f"<p>{e(_how_it_went(e_row, label))}</p></article>")
    intro = ("<p>Ett medborgarlöfte är något som kommunen och polisen lovar att göra under ett halvår för att minska ett "
             "problem som invånarna har berättat om. Vi följer upp varje löfte: blev det gjort, och blev det bättre? "
             "Resultatet jämförs med samma tid året före och med liknande områden utan löftet.</p>")
    return "<h2>Våra medborgarlöften</h2>" + intro + '<div class="cards">' + "".join(cards) + "</div>"


def _period_label(r) -> str:
    from pipeline.cycle.periods import parse_period

    try:
        return parse_period(r.period_id).label_sv.capitalize()
    except Exception:  # noqa: BLE001 - the registry validated it; show it as written otherwise
        return str(r.period)


def _names(inp) -> dict[str, str]:
    return dict(zip(inp.areas["area_id"].astype(str), inp.areas["area_name"])) | {"kommun": inp.kommun.name}


def _key_figures(inp) -> str:
    k, m = inp.kommun, inp.privacy.min_count
    boxes = []
    t = inp.area_trends
    if t is not None and len(t):
        r = t[(t["area_id"] == "kommun") & (t["problem"] == "all")]
        if len(r):
            r = r.iloc[0]
            boxes.append(f'<div class="figure-box"><span class="big">{count_text(r["n_year"], r.get("n_year_suppressed"), m)}'
                         f'</span>anmälda brott {k.year}</div>')
            if pd.notna(r.get("rate_per_1000")):
                boxes.append(f'<div class="figure-box"><span class="big">{fmt_num(r["rate_per_1000"], 0)}</span>'
                             "anmälda brott per 1 000 invånare</div>")
            if pd.notna(r.get("change_pct")):
                word = "fler" if r["change_pct"] > 0 else "färre"
                boxes.append(f'<div class="figure-box"><span class="big">{fmt_pct(abs(r["change_pct"]), 0)}</span>'
                             f"{word} anmälda brott än {k.year - 1}</div>")
    s = inp.survey_indicators
    if s is not None and len(s):
        u = s[(s["area_id"] == "kommun") & (s["indicator"] == "unsafe_evening")].sort_values("survey_year")
        if len(u) and pd.notna(u["share_pct"].iloc[-1]):
            boxes.append(f'<div class="figure-box"><span class="big">{fmt_pct(u["share_pct"].iloc[-1], 0)}</span>'
                         f"känner sig otrygga ute ensamma sent en kväll ({int(u['survey_year'].iloc[-1])})</div>")
    return "<h2>Nyckeltal</h2>" + ('<div class="figures">' + "".join(boxes) + "</div>" if boxes else
                                   "<p>Nyckeltalen tas fram när underlaget är komplett.</p>")


def map_figures(inp) -> list[tuple]:
    """The page's maps as (name, drawing function, *arguments), in the order shown: all crime,
    then the top three problem families that have hot-spot cells (none without a grid)."""
    from pipeline.report.maps import hotspot_map

    gh = inp.grid_hotspots
    if gh is None or len(gh) == 0:
        return []
    probs = ["all"] + [p for p in _top_problems(inp) if (gh["problem"] == p).any()][:3]
    return [(f"publik_karta_{p}", hotspot_map, inp.areas, gh, [p], inp.families) for p in probs]


def _maps(inp, figures: FigureCache) -> str:
    maps = map_figures(inp)
    if not maps:
        return ""
    gh = inp.grid_hotspots
    grid_km = fmt_num(inp.privacy.public_grid_m / 1000, 0)
    parts, buttons = [], []
    for i, (name, draw, *args) in enumerate(maps):
        p = args[2][0]
        label = inp.families.label_sv(p)
        hot = gh[(gh["problem"] == p) & gh["hotspot_class"].astype(str).str.startswith("hot")]
        alt = (f"Karta över {inp.kommun.name} i rutor om {grid_km} km. Rutor där {label.lower()} är klart vanligare än "
               f"i resten av kommunen är färgade: {len(hot)} rutor.")
        svg = figures.get(name, draw, *args)
        parts.append(f'<figure class="map" id="karta-{i}"><figcaption>{e(label)}: rutor om {grid_km} km där brotten '
                     f"är klart fler än i resten av kommunen (mörkare färg = säkrare).</figcaption>"
                     f"{inline_svg(svg, alt, f'karta{i}')}</figure>")
        buttons.append(f'<button type="button" data-map="karta-{i}" aria-pressed="{str(i == 0).lower()}" '
                       f'aria-controls="karta-{i}">{e(label)}</button>')
    t = inp.area_trends
    rows = []
    if t is not None and len(t):
        a = t[(t["problem"] == "all") & (t["area_id"] != "kommun")].sort_values("rate_per_1000", ascending=False)
        names = _names(inp)
        rows = [[e(names.get(r.area_id, r.area_id)), count_text(r.n_year, getattr(r, "n_year_suppressed", False),
                                                           inp.privacy.min_count),
                 fmt_num(r.rate_per_1000, 1) if pd.notna(r.rate_per_1000) else "–"] for r in a.itertuples()]
    tab = table(f"Anmälda brott per område {inp.kommun.year} (samma uppgifter som kartan visar, i tabellform)",
                ["Område", "Anmälda brott", "Per 1 000 invånare"], rows, {1, 2}) if rows else ""
    if any(r[1] == "visas inte" for r in rows):
        tab += ("<p>”Visas inte” betyder att talet döljs för att ett litet tal i ett annat område inte ska gå att räkna "
                "fram ur summan.</p>")
    return ("<h2>Var brotten sker</h2><p>Kartan visar var i kommunen brotten är klart fler än annars. För att ingen "
            f"enskild händelse ska gå att känna igen visas kartan i rutor om {grid_km} km.</p>"
            f'<div class="layers" role="group" aria-label="Välj vilka brott kartan visar" hidden>{"".join(buttons)}</div>'
            + "".join(parts) + tab)


def _top_problems(inp) -> list[str]:
    pb = inp.problembilder
    return list(dict.fromkeys(pb.sort_values("rank")["problem"])) if pb is not None and len(pb) else []


def public_page(inp, generated_on: dt.date, figures: FigureCache | None = None) -> str:
    """The page's HTML from the public inputs (``inp.public`` must be True)."""
    if not inp.public:
        raise ValueError("the public page is built only from the public version's inputs")
    figures = figures or FigureCache()
    k = inp.kommun
    body = (
        f"<p>Varje år gör {e(k.name)} kommun och polisen en gemensam lägesbild av brott och trygghet. Utifrån den "
        "väljer vi vilka problem vi ska arbeta mest med, och lovar invånarna att göra något åt dem. Här kan du se vad "
        "vi har lovat, hur det har gått och var brotten sker.</p>"
        + _promises(inp) + _key_figures(inp) + _maps(inp, figures)
        + "<h2>Mer information</h2><p>Hela lägesbilden finns i en publik version: "
        f'<a href="../lagesbild-{k.year}-publik.pdf">Lägesbild {k.year} (PDF)</a>. Små antal visas inte, så att ingen '
        "enskild person eller händelse kan pekas ut.</p>")
    return page(f"Trygghet och brott i {k.name} {k.year}", f"Trygghet och brott i {k.name}",
                f"Lägesbild {k.year} och medborgarlöften – {k.name} kommun och {k.lpo}", body,
                f"Uppdaterad {generated_on.isoformat()}. {e(k.name)} kommun och {e(k.lpo)}.", extra_css=CSS,
                script=SCRIPT)
