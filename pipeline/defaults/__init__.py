"""Packaged reference tables (read through ``importlib.resources``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd


@lru_cache(maxsize=4)
def _table(name: str) -> pd.DataFrame:
    with resources.files(__name__).joinpath(name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#", dtype=str)


def kommuner() -> pd.DataFrame:
    """Sweden's 290 kommuner as SCB lists them: ``kommun_code`` (4 digits), ``kommun_name``."""
    return _table("kommuner.csv").copy()


def lan() -> pd.DataFrame:
    """Sweden's 21 län: ``lan_code`` (2 digits), ``lan_name`` ("Stockholms län")."""
    return _table("lan.csv").copy()
