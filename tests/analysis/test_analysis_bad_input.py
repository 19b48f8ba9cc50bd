"""Bad input raises an exception that names the problem, never a NaN table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import (
    AnalysisError,
    ConvergenceError,
    DesignError,
    RakingError,
    SingularModelError,
    UnknownLevelError,
    UnknownVariableError,
    WeightsError,
)


@pytest.fixture
def df() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 200
    return pd.DataFrame(
        {
            "w": rng.uniform(0.5, 2, n),
            "sex": rng.choice(["f", "m"], n),
            "age": rng.choice(["young", "old"], n),
            "sat": pd.Categorical(
                rng.choice(["good", "bad"], n), categories=["good", "bad", "ugly"]
            ),
            "score": rng.normal(size=n),
            "st": np.repeat(["a", "b"], n // 2),
        }
    )


def test_missing_weights(df: pd.DataFrame) -> None:
    df.loc[5, "w"] = np.nan
    with pytest.raises(WeightsError, match=r"'w' has 1 missing"):
        analysis.Design(df, weights="w")


def test_negative_and_zero_weights(df: pd.DataFrame) -> None:
    df.loc[[3, 4], "w"] = -1.0
    with pytest.raises(WeightsError, match="2 negative"):
        analysis.Design(df, weights="w")
    df.loc[[3, 4], "w"] = 0.0
    with pytest.raises(WeightsError, match="2 zero"):
        analysis.Design(df, weights="w")


def test_weights_column_absent(df: pd.DataFrame) -> None:
    with pytest.raises(UnknownVariableError, match=r"weights column 'wt'.*did you mean 'w'"):
        analysis.Design(df, weights="wt")


def test_unknown_variable(df: pd.DataFrame) -> None:
    d = analysis.Design(df, weights="w")
    for call in (
        lambda: d.mean("scor"),
        lambda: d.proportion("satt", "good"),
        lambda: d.mean("score", by="sexx"),
        lambda: d.crosstab("sat", "agee"),
    ):
        with pytest.raises(UnknownVariableError, match="is not a column"):
            call()


def test_level_not_present(df: pd.DataFrame) -> None:
    d = analysis.Design(df, weights="w")
    with pytest.raises(UnknownLevelError, match=r"'excellent' is not present in variable 'sat'"):
        d.proportion("sat", "excellent")
    with pytest.raises(UnknownLevelError, match=r"group 'x' is not present in variable 'sex'"):
        d.difference("sat", "good", by="sex", a="f", b="x")


def test_categorical_mean_and_bad_ci(df: pd.DataFrame) -> None:
    d = analysis.Design(df, weights="w")
    with pytest.raises(AnalysisError, match=r"'sat' is not numeric; use proportion"):
        d.mean("sat")
    with pytest.raises(AnalysisError, match="ci='exact' is not one of"):
        d.proportion("sat", "good", ci="exact")


def test_no_answers_in_a_group(df: pd.DataFrame) -> None:
    df.loc[df["sex"] == "m", "score"] = np.nan
    d = analysis.Design(df, weights="w")
    with pytest.raises(AnalysisError, match=r"no non-missing answers in group \{'sex': 'm'\}"):
        d.mean("score", by="sex")


def test_margins_that_do_not_sum_consistently(df: pd.DataFrame) -> None:
    d = analysis.Design(df, weights="w")
    with pytest.raises(
        RakingError, match=r"do not sum to the same population total \(sex: 1000, age: 1200\)"
    ):
        analysis.rake(d, {"sex": {"f": 500, "m": 500}, "age": {"young": 600, "old": 600}})


def test_margin_category_problems(df: pd.DataFrame) -> None:
    d = analysis.Design(df, weights="w")
    with pytest.raises(RakingError, match=r"sex='m'.*not a category of the 'sex' margin"):
        analysis.rake(d, {"sex": {"f": 500, "male": 500}})
    with pytest.raises(
        RakingError, match=r"margin sex='other' has a population of 10 but no respondents"
    ):
        analysis.rake(d, {"sex": {"f": 500, "m": 490, "other": 10}})
    with pytest.raises(UnknownVariableError, match="raking variable 'gender'"):
        analysis.rake(d, {"gender": {"f": 1}})
    with pytest.raises(RakingError, match="already raked"):
        analysis.rake(analysis.rake(d, {"sex": {"f": 1, "m": 1}}), {"age": {"young": 1, "old": 1}})


def test_bounds_that_cannot_be_met(df: pd.DataFrame) -> None:
    d = analysis.Design(df, weights="w")
    with pytest.raises(
        RakingError, match=r"sex='f' \(900\) cannot be reached with weights between"
    ):
        analysis.rake(d, {"sex": {"f": 900, "m": 100}}, bounds=(0.9, 1.1))
    with pytest.raises(ConvergenceError, match="did not converge after 1 iterations"):
        analysis.rake(d, {"sex": {"f": 90, "m": 110}, "age": {"young": 120, "old": 80}}, max_iter=1)


def test_singular_and_separated_models(df: pd.DataFrame) -> None:
    df["sex_copy"] = df["sex"]
    df["y"] = (df["sat"] == "good").astype(int)
    d = analysis.Design(df, weights="w")
    with pytest.raises(SingularModelError, match=r"sex_copy\[T\.m\].*collinear"):
        d.logit("y ~ sex + sex_copy")
    df["perfect"] = (df["sex"] == "m").astype(int)
    with pytest.raises(SingularModelError, match="separated"):
        analysis.Design(df, weights="w").logit("perfect ~ sex")
    with pytest.raises(AnalysisError, match="must be 0/1"):
        d.logit("score ~ sex")


def test_design_structure_problems(df: pd.DataFrame) -> None:
    df.loc[0, "st"] = "lonely"
    with pytest.raises(DesignError, match="stratum 'lonely' has only one PSU"):
        analysis.Design(df, weights="w", strata="st").mean("score")
    df["fpc"] = np.where(df["st"] == "a", 500, 5)
    with pytest.raises(DesignError, match=r"fpc for stratum 'b' is smaller than the 100 PSUs"):
        analysis.Design(df[df["st"] != "lonely"], weights="w", strata="st", fpc="fpc")


def test_zero_proportion_gets_an_honest_interval(df: pd.DataFrame) -> None:
    df.loc[df["sex"] == "m", "sat"] = "good"
    d = analysis.Design(df, weights="w")
    got = d.proportion("sat", "bad", by="sex", ci="logit").set_index("sex")
    assert got.loc["m", "estimate"] == 0 and got.loc["m", "ci_low"] == 0
    assert 0 < got.loc["m", "ci_high"] < 0.1  # Korn-Graubard upper limit, not a zero-width CI
    assert np.isfinite(got.to_numpy(dtype=float)).all()
