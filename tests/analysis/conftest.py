"""Fixtures for the analysis tests: the api data and R's numbers for it.

``results/make_results.R`` wrote both; the tests need no R at run time.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from analysis import Design, rake
from tests.analysis.r_reference import RESULTS


@pytest.fixture(scope="session")
def r_results() -> dict[str, Any]:
    return json.loads((RESULTS / "survey_results.json").read_text())


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    df = pd.read_csv(RESULTS / "api_strat.csv")
    df["rating"] = pd.Categorical(
        df["rating"], categories=["r1", "r2", "r3", "r4", "r5"], ordered=True
    )
    return df


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    df = pd.read_csv(RESULTS / "api_clus1.csv")
    df["rating"] = pd.Categorical(
        df["rating"], categories=["r1", "r2", "r3", "r4", "r5"], ordered=True
    )
    return df


@pytest.fixture(scope="session")
def designs(
    apistrat: pd.DataFrame, apiclus1: pd.DataFrame, r_results: dict[str, Any]
) -> dict[str, Design]:
    """The three designs of make_results.R under the same names."""
    dstrat = Design(apistrat, weights="pw", strata="stype", fpc="fpc")
    dclus1 = Design(apiclus1, weights="pw", cluster="dnum", fpc="fpc")
    margins = r_results["rake_margins"]
    rclus1 = rake(dclus1, {k: margins[k] for k in ("stype", "sch.wide", "comp.imp")}, tol=1e-13)
    return {"strat": dstrat, "clus1": dclus1, "rclus1": rclus1}
