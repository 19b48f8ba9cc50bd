"""`trend(..., df=)` against R: each wave's interval and the change's interval and p-value.

Numbers from results/make_trend_results.R (two waves stacked as independent samples, each
its own strata; ``svyciprop`` per wave and ``confint(svycontrast(...))`` for the change,
with ``df = degf(stacked)`` for "design" and ``df = Inf`` for normal quantiles).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from analysis import Design, trend
from tests.analysis.r_reference import EST_RTOL, RESULTS, SE_RTOL

CHOICES = {"design": "design", "inf": math.inf}


@pytest.fixture(scope="module")
def r_trend() -> dict[str, Any]:
    return json.loads((RESULTS / "trend_results.json").read_text())


@pytest.mark.parametrize("choice", list(CHOICES))
def test_trend_df_matches_r(
    designs: dict[str, Design], r_trend: dict[str, Any], choice: str
) -> None:
    want = r_trend[choice]
    got = trend({"w1": designs["strat"], "w2": designs["clus1"]}, "hi800", "yes",
                df=CHOICES[choice])  # fmt: skip
    for i, wave in enumerate(("w1", "w2")):
        assert got["estimate"].iloc[i] == pytest.approx(want[wave]["estimate"], rel=EST_RTOL)
        assert got["ci_low"].iloc[i] == pytest.approx(want[wave]["ci_low"], rel=SE_RTOL)
        assert got["ci_high"].iloc[i] == pytest.approx(want[wave]["ci_high"], rel=SE_RTOL)
    change = got.iloc[1]
    assert change["change"] == pytest.approx(r_trend["change"], rel=EST_RTOL)
    assert change["change_se"] == pytest.approx(r_trend["se"], rel=SE_RTOL)
    assert change["change_ci_low"] == pytest.approx(want["change_ci_low"], rel=SE_RTOL)
    assert change["change_ci_high"] == pytest.approx(want["change_ci_high"], rel=SE_RTOL)
    assert change["p_value"] == pytest.approx(want["p_value"], rel=SE_RTOL)


def test_default_df_is_the_stacked_designs_degf(
    designs: dict[str, Design], r_trend: dict[str, Any]
) -> None:
    got = trend({"w1": designs["strat"], "w2": designs["clus1"]}, "hi800", "yes")
    assert got["change_df"].iloc[1] == r_trend["degf"]["stacked"]
    assert list(got["df"]) == [r_trend["degf"]["w1"], r_trend["degf"]["w2"]]
    normal = trend({"w1": designs["strat"], "w2": designs["clus1"]}, "hi800", "yes",
                   df=math.inf)  # fmt: skip
    # normal quantiles are narrower than t with 211 df, never wider
    assert (normal["change_ci_high"] - normal["change_ci_low"]).iloc[1] < (
        got["change_ci_high"] - got["change_ci_low"]
    ).iloc[1]
