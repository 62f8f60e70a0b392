"""``lagesbild check``: everything the tool does not understand, found before the run.

Runs the same reading and ingest as ``lagesbild ingest`` (:func:`pipeline.ingest.run.ingest_sources`)
without writing anything, and turns what it met into findings, each one line: the source, the
file, column or label, how many rows it affects and the config line that fixes it.

Blocking (exit 2): a file that cannot be read or mapped, *configuration losses* above
``ingest.max_config_loss_pct`` of a source, and one quarantine reason taking more than
``ingest.max_row_loss_pct`` of a source's rows (a whole file with dates or coordinates it cannot
read is not a handful of bad rows). A configuration loss is a row lost because of the
config rather than the row itself: an unmapped crime category, an unknown Polisen event type,
an unknown area name that repeats (one row with a typo is a row problem). Labels the user (or
the default taxonomy) excluded on purpose are stated, not blocking. Below the threshold the
same losses are warnings. A coverage summary closes the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from pipeline.context import RunContext
from pipeline.ingest.run import SOURCES, SourcesRun, ingest_sources, unrecognised_columns

SURVEY_ITEMS_N = 8


def _n(x: int) -> str:
    """A count with a space between thousands, as Swedish readers write it."""
    return f"{int(x):,}".replace(",", " ")


@dataclass(frozen=True)
class Finding:
    """One problem: ``level`` is "block" (the run would stop or silently lose data), "warn" or "note"."""

    level: str
    source: str
    what: str
    rows: int | None = None
    fix: str = ""

    def line(self) -> str:
        rows = f" ({_n(self.rows)} rows)" if self.rows is not None else ""
        fix = f" → {self.fix}" if self.fix else ""
        return f"{self.source}: {self.what}{rows}{fix}"


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    coverage: list[str] = field(default_factory=list)
    sources: SourcesRun | None = None

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "block"]


_UNMAPPED = re.compile(r"^unmapped crime category '(.*)'$")
_EXCLUDED = re.compile(r"^excluded crime category '(.*)'$")
_UNKNOWN_AREA = re.compile(r"^unknown area '(.*)'$")
_UNKNOWN_EVENT = re.compile(r"^unknown event type '(.*)'$")
_EXCLUDED_EVENT = re.compile(r"^excluded event type '(.*)'$")
ROW_LOSS_MIN_ROWS = 10  # fewer rows of one reason are row problems, whatever their share of a tiny file
# quarantine reasons that lose no data the user did not choose to leave out: copies of a row,
# rows outside the configured years, and labels (counted as configuration losses above)
_NOT_A_ROW_LOSS = re.compile(r"^(duplicate|date outside|year outside|unmapped |excluded |unknown )")
ROW_LOSS_FIXES = {
    "bad date": "write the dates as YYYY-MM-DD (also read: YYYYMMDD, DD/MM/YYYY, DD.MM.YYYY, Excel dates) "
                "and export the file again",
    "missing date": "map the date column under sources.{source}.columns.date, or fill in the dates",
    "outside the kommun": "set sources.{source}.crs to the export's coordinate system (EPSG:3021 for RT 90, "
                          "EPSG:4326 for WGS 84; SWEREF 99 TM is the default), or check which columns are x and y",
    "missing coordinates": "map the coordinate columns under sources.{source}.columns (x and y, or lat and lon)",
    "missing crime category": "map the category column under sources.crimes.columns.crime_label or crime_code",
}


def config_losses(source: str, summary: dict, reasons: pd.Series) -> list[tuple[str, int, str]]:
    """(what, rows, fix) for each configuration loss of one source, most rows first."""
    out = []
    for reason, n in reasons.value_counts().items():
        if m := _UNMAPPED.match(reason):
            out.append((f"crime category '{m[1]}' maps to no problem family", int(n),
                        f'sources.crimes.labels.crime_categories: {{"{m[1]}": <family id or exclude>}}'))
    for key, n in summary.items():
        if (m := _UNKNOWN_AREA.match(str(key))) and n >= 2:
            out.append((f"area name '{m[1]}' matches no area", int(n),
                        f'sources.{source}.labels.area_names: {{"{m[1]}": <area name>}}'))
        elif m := _UNKNOWN_EVENT.match(str(key)):
            out.append((f"Polisen event type '{m[1]}' is not in the taxonomy", int(n),
                        f'sources.police_events.labels.event_types: {{"{m[1]}": <family id, non_crime or exclude>}}'))
    return sorted(out, key=lambda t: -t[1])


def row_losses(source: str, quarantine: pd.DataFrame, rows_read: int, limit_pct: float) -> list[Finding]:
    """A block for each quarantine reason that takes more than ``limit_pct`` % of a source's rows
    (``ingest.max_row_loss_pct``) and at least :data:`ROW_LOSS_MIN_ROWS` rows, naming the file
    with most of them and the fix. A reason that takes a whole file (dates in a format not
    read, coordinates in another system) is no row problem; its rows may be left out only when
    the user raises the limit. Duplicates, rows outside the configured years and configuration
    losses are not counted here."""
    out = []
    if not len(quarantine):
        return out
    for reason, n in quarantine["reason"].value_counts().items():
        if _NOT_A_ROW_LOSS.match(str(reason)) or n < ROW_LOSS_MIN_ROWS or 100 * n / max(rows_read, 1) <= limit_pct:
            continue
        files = quarantine.loc[quarantine["reason"] == reason, "source_file"].value_counts()
        where = f"{files.index[0]}: {_n(files.iloc[0])}" + (f", and {len(files) - 1} more file(s)" if len(files) > 1
                                                             else "")
        fix = ROW_LOSS_FIXES.get(str(reason), "see the rows in data/processed/quarantine/quarantine.csv after "
                                              "ingest and fix the export").format(source=source)
        out.append(Finding("block", source, f"{_n(n)} of {_n(rows_read)} rows ({100 * n / max(rows_read, 1):.1f} %) "
                                            f"quarantined as '{reason}' ({where}), more than "
                                            f"ingest.max_row_loss_pct = {limit_pct:g} %", None,
                           f"{fix}; or, to leave these rows out, raise ingest.max_row_loss_pct"))
    return out


def lost_areas(quarantine: pd.DataFrame) -> list[Finding]:
    """A block for each reason areas of the kommun were left out of the areas file (areas of other
    kommuner in a national layer are not the kommun's): every other source's rows in
    such an area would be moved to another area by a name mapping, or lost (a crime outside the
    kommun), so no area goes without the user fixing the file."""
    out = []
    lost = quarantine[quarantine["reason"] != "other kommun"]  # a national layer's other kommuner: not ours
    for (file, reason), rows in lost.groupby(["source_file", "reason"], sort=True)["source_row"]:
        listed = ", ".join(str(int(r)) for r in sorted(rows)[:10]) + (" …" if len(rows) > 10 else "")
        fix = ("give it a polygon in the areas' coordinate system" if "geometry" in reason else
               "give it a name" if "name" in reason else "give each area its own id")
        out.append(Finding("block", "areas", f"{file}: {len(rows)} area(s) left out as '{reason}' (data row "
                                             f"{listed})", None,
                           f"{fix} in {file}, or remove the row; other sources' rows in the area would otherwise "
                           "be moved to another area or lost"))
    return out


def population_gaps(areas: pd.DataFrame, population: pd.DataFrame) -> list[Finding]:
    """A warning for each area without inhabitants in the population's latest year (none at
    all, or only in earlier years). The kommun's population is the sum of its areas' (:func:
    `pipeline.stats.trends.population_totals`), so the area's crimes would count in the kommun's
    rates while its people do not, and its own rate could not be computed."""
    from pipeline.stats.trends import population_totals

    if not len(areas) or not len(population):
        return []
    totals = population_totals(population)
    latest = int(totals["year"].max())
    known = set(totals["area_id"])
    current = set(totals.loc[totals["year"] == latest, "area_id"])
    out = []
    for area_id, name in zip(areas["area_id"].astype(str), areas["area_name"].astype(str)):
        if area_id in current:
            continue
        what = (f"area '{name}' has no inhabitants in {latest}" + (" (only in earlier years)" if area_id in known else
                                                                    " (in no year)")
                + ": its crimes count in the kommun's rates but its people do not, and its own rate is not computed")
        out.append(Finding("warn", "population", what, None,
                           "add the area's rows to the population file (0 if nobody lives there), or check its name"))
    return out


def _exclusions(source: str, summary: dict, reasons: pd.Series) -> list[Finding]:
    out = []
    for reason, n in reasons.value_counts().items():
        if m := _EXCLUDED.match(reason):
            out.append(Finding("note", source, f"excluded on purpose: crime category '{m[1]}'", int(n)))
    for key, n in summary.items():
        if m := _EXCLUDED_EVENT.match(str(key)):
            out.append(Finding("note", source, f"excluded on purpose: event type '{m[1]}'", int(n)))
    return out


def _survey_items_by_file(run: SourcesRun, params) -> dict[str, set[str]]:
    """The survey fields (items and free text) each survey file's headers map to."""
    from pipeline.ingest.common import map_columns
    from pipeline.ingest.survey import ITEM_COLUMNS

    return {file: set(map_columns(frame, "survey", params.sources.survey, [], [*ITEM_COLUMNS, "free_text"],
                                  file).attrs["column_map"])
            for file, frame in run.frames.get("survey", [])}


def _survey_coverage(run: SourcesRun, by_file: dict[str, set[str]]) -> list[str]:
    from pipeline.ingest.survey import ITEM_COLUMNS

    res = run.results.get("survey")
    if res is None:
        return []
    found = set().union(*by_file.values()) if by_file else set()
    everywhere = set.intersection(*by_file.values()) if by_file else set()
    items = sum(c in found for c in ITEM_COLUMNS)
    gaps = items - sum(c in everywhere for c in ITEM_COLUMNS)
    return [f"survey: {items} of {SURVEY_ITEMS_N} problem items found" + (f" ({gaps} not in every file)" if gaps
                                                                            else "")
            + ", free text " + ("found" if "free_text" in found else "not found")
            + f", {_n(res.summary.get('free_text_answers', 0))} free-text answers"]


def survey_item_gaps(by_file: dict[str, set[str]]) -> list[Finding]:
    """A warning for each survey item that one file has and another does not (a question reworded
    in one year's export): that year's indicator for it would be empty. ``by_file``: the fields
    each survey file maps to (:func:`_survey_items_by_file`)."""
    from pipeline.ingest.common import default_aliases
    from pipeline.ingest.survey import ITEM_COLUMNS

    if len(by_file) < 2:
        return []
    aliases = default_aliases("survey")
    out = []
    for item in ITEM_COLUMNS:
        having = [f for f, fields in by_file.items() if item in fields]
        if not having:
            continue
        label = (aliases.get(item) or [item])[0]
        for file in (f for f in by_file if f not in having):
            out.append(Finding("warn", "survey", f"{file} has no column for the item '{label}', which {having[0]} "
                                                 "has: its indicator would be empty for that file's year", None,
                               f"map the file's column for it under sources.survey.columns.{item}"))
    return out


def run_checks(run: RunContext, params, families, processes: int | None = None) -> CheckReport:
    """Read and ingest every source (nothing written) and list what needs the user's attention.
    ``processes``: as in :func:`pipeline.ingest.run.ingest_sources`."""
    report = CheckReport()
    sources = ingest_sources(run, params, families, processes)
    report.sources = sources
    limit = params.ingest.max_config_loss_pct
    for source, message in sources.problems:
        report.findings.append(Finding("block", source, message.split(": ", 1)[-1] if message.startswith(
            f"sources.{source}:") else message))
    for source, why in sources.absent.items():
        report.findings.append(Finding("note", source, f"not supplied ({why}): the report says so and scoring "
                                                       "does not count it as evidence"))
    for source in SOURCES:
        res = sources.results.get(source)
        if res is None:
            continue
        reasons = res.quarantine["reason"]
        losses = config_losses(source, res.summary, reasons)
        lost = sum(n for _, n, _ in losses)
        read = max(res.summary.get("rows_read", 0), 1)
        over = 100 * lost / read > limit
        for what, n, fix in losses:
            report.findings.append(Finding("block" if over else "warn", source, what, n, fix))
        if over:
            report.findings.append(Finding(
                "block", source, f"{_n(lost)} of {_n(read)} rows ({100 * lost / read:.1f} %) would be lost to the "
                                 f"configuration, more than ingest.max_config_loss_pct = {limit:g} %", None,
                "map or exclude the labels above (or raise ingest.max_config_loss_pct)"))
        report.findings += row_losses(source, res.quarantine, res.summary.get("rows_read", 0),
                                      params.ingest.max_row_loss_pct)
        report.findings += _exclusions(source, res.summary, reasons)
        for file, cols in unrecognised_columns(sources.frames.get(source, []), source,
                                               getattr(params.sources, source)).items():
            report.findings.append(Finding(
                "warn", source, f"{file}: columns not used: {', '.join(repr(c) for c in cols)}", None,
                f"map one under sources.{source}.columns.<field>, or list them in sources.{source}.ignore_columns"))
        if res.out_of_scope:
            from pipeline.ingest.police_events import other_kommuner_text

            report.findings.append(Finding("note", source, "events of other kommuner (or län-level summaries) left "
                                                           f"out: {other_kommuner_text(res.out_of_scope)}",
                                           sum(res.out_of_scope.values())))
        row_problems = res.summary.get("quarantined", 0) - lost
        if row_problems:
            report.findings.append(Finding("note", source, "rows quarantined for problems of their own "
                                                           "(see data/processed/quarantine/quarantine.csv after ingest)",
                                           int(row_problems)))
    if "areas" in sources.results and len(sources.results["areas"].quarantine):
        report.findings += lost_areas(sources.results["areas"].quarantine)
    survey_fields = _survey_items_by_file(sources, params) if "survey" in sources.results else {}
    report.findings += survey_item_gaps(survey_fields)
    if "areas" in sources.results and "population" in sources.results:
        report.findings += population_gaps(sources.results["areas"].table, sources.results["population"].table)
    report.coverage = coverage(sources, survey_fields)
    return report


def coverage(sources: SourcesRun, survey_fields: dict[str, set[str]]) -> list[str]:
    """The one-line-per-source summary shown when nothing blocks; ``survey_fields`` as for
    :func:`survey_item_gaps`."""
    out = []
    res = sources.results
    if "crimes" in res:
        s = res["crimes"].summary
        out.append(f"crimes: {_n(s['accepted'])} of {_n(s['rows_read'])} rows mapped to a problem family and placed "
                   f"({100 * s['accepted'] / max(s['rows_read'], 1):.1f} %)")
    out += _survey_coverage(sources, survey_fields)
    if "notes" in res:
        s = res["notes"].summary
        out.append(f"notes: {_n(s.get('linked_to_area', 0))} of {_n(s['accepted'])} linked to an area")
    present = [s for s in ("police_events", "survey", "notes", "est", "gazetteer") if s in res]
    out.append(f"optional sources present: {', '.join(present) or 'none'}; absent: "
               f"{', '.join(sources.absent) or 'none'}")
    return out
