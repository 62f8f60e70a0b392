"""Shared fixtures. Real reference data lives beside the checkout in ../shared/data and is never
copied into the repo; tests that need it skip with a reason when it is absent."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "kommuner.geojson").exists():
        pytest.skip(f"real reference data not found at {SHARED_DATA}")
    return SHARED_DATA
