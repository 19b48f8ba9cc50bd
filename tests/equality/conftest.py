"""Fixtures for the equality tests: the data and R's numbers of results/make_results.R."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from analysis import Design, rake
from tests.equality.r_reference import RESULTS


@pytest.fixture(scope="session")
def r_results() -> dict[str, Any]:
    return json.loads((RESULTS / "equality_results.json").read_text())


@pytest.fixture(scope="session")
def eq_data() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "eq_data.csv")


@pytest.fixture(scope="session")
def eq_designs(eq_data: pd.DataFrame, r_results: dict[str, Any]) -> dict[str, Design]:
    """The design of make_results.R as drawn ("plain") and raked to age and ward ("raked")."""
    plain = Design(eq_data, weights="w", strata="stratum", cluster="psu")
    raked = rake(plain, r_results["margins"], tol=1e-13)
    return {"plain": plain, "raked": raked}
