"""The report's tables as Excel sheets (Swedish sheet names, plain numbers for analysts)."""

from __future__ import annotations

import pandas as pd


def excel_tables(inputs) -> dict[str, pd.DataFrame]:
    """Sheet name → table, from a :class:`pipeline.report.document.ReportInputs`.

    Geometry is dropped (the GeoPackage carries the maps); columns keep their code names so a
    number in the report can be traced to the processed table it came from.
    """
    def plain(df):
        return pd.DataFrame(df.drop(columns="geometry", errors="ignore")) if df is not None else pd.DataFrame()

    sheets = {
        "Problembilder": inputs.problembilder,
        "Känslighet": inputs.sensitivity,
        "Prioriteringsmatris": inputs.matrix,
        "Trender per område": inputs.area_trends,
        "Brott per område och år": inputs.area_year_counts,
        "Koncentration": inputs.concentration,
        "Trygghetsmätning": inputs.survey_indicators,
        "Medarbetardialoger": inputs.note_themes,
        "Öppna enkätsvar": inputs.survey_text_themes,
        "Problemindex 0–6": inputs.survey_problem_index,
        "Teman i fritexter": inputs.text_topics,
        "EST": inputs.est_summary,
        "Händelser per månad": inputs.event_month_counts,
        "Händelser per år": inputs.event_year_counts,
        "Händelser, trender": inputs.event_trends,
        "Händelser, brott i källan": inputs.event_breaks,
        "Jämförelse": inputs.event_comparison,
        "Datakvalitet": inputs.quality,
        "Karantän, orsaker": inputs.quarantine_reasons,
    }
    return {name: plain(df) for name, df in sheets.items()}
