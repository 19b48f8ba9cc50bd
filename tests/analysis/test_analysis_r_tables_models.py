"""svychisq, group differences, crosstab cells, svyglm and svyolr against R."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from analysis import Design
from tests.analysis.r_reference import EST_RTOL, SE_RTOL, vec

DESIGNS = ["strat", "clus1", "rclus1"]
R_TERM = {"(Intercept)": "Intercept", "stypeH": "stype[T.H]", "stypeM": "stype[T.M]"}


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("statistic", ["F", "Chisq"])
@pytest.mark.parametrize(
    ("key", "row", "col"),
    [("schwide_stype", "sch.wide", "stype"), ("rating_stype", "rating", "stype")],
)
def test_svychisq(
    designs: dict[str, Design],
    r_results: dict[str, Any],
    name: str,
    statistic: str,
    key: str,
    row: str,
    col: str,
) -> None:
    want = r_results[name]["chisq"][statistic][key]
    got = designs[name].chisq(row, col, statistic=statistic)
    assert got.statistic == pytest.approx(want["statistic"], rel=SE_RTOL)
    assert got.p_value == pytest.approx(want["p_value"], rel=SE_RTOL)
    params = vec(want["parameter"])
    if statistic == "F":
        np.testing.assert_allclose([got.ndf, got.ddf], params, rtol=SE_RTOL)
    else:
        assert got.ndf == params[0] and got.ddf == float("inf")


@pytest.mark.parametrize("name", DESIGNS)
def test_difference_of_group_proportions(
    designs: dict[str, Design], r_results: dict[str, Any], name: str
) -> None:
    want = r_results[name]["difference_hi800_E_H"]
    got = designs[name].difference("hi800", "yes", by="stype", a="E", b="H")
    assert got["estimate"].iloc[0] == pytest.approx(want["estimate"], rel=EST_RTOL)
    assert got["se"].iloc[0] == pytest.approx(want["se"], rel=SE_RTOL)
    assert got["df"].iloc[0] == want["df"]
    t = got["estimate"].iloc[0] / got["se"].iloc[0]
    assert got["significant"].iloc[0] == (got["p_value"].iloc[0] < 0.05)
    assert (got["ci_low"].iloc[0] > 0) == (got["p_value"].iloc[0] < 0.05 and t > 0)


@pytest.mark.parametrize("name", DESIGNS)
def test_crosstab_column_percentages_are_svyby(
    designs: dict[str, Design], r_results: dict[str, Any], name: str
) -> None:
    want = r_results[name]["by_prop_hi800_stype"]
    tab = designs[name].crosstab("hi800", "stype")
    np.testing.assert_allclose(tab.percent.loc["yes"] / 100, vec(want["estimate"]), rtol=EST_RTOL)
    np.testing.assert_allclose(tab.se.loc["yes"] / 100, vec(want["se"]), rtol=SE_RTOL, atol=1e-12)
    np.testing.assert_allclose(tab.percent.sum(axis=0), 100)
    # weighted counts add up to the weighted total
    assert tab.counts.to_numpy().sum() == pytest.approx(designs[name].weights.sum())


def test_crosstab_letters_follow_the_pairwise_tests(designs: dict[str, Design]) -> None:
    d = designs["strat"]
    tab = d.crosstab("hi800", "stype")
    diff = d.difference("hi800", "yes", by="stype", a="E", b="H")
    p = tab.p_values[("yes", "E", "H")]
    assert p == pytest.approx(diff["p_value"].iloc[0], rel=1e-9)
    assert ("B" in tab.letters.loc["yes", "E"]) == (p < 0.05 and diff["estimate"].iloc[0] > 0)
    for (r, a, b), pv in tab.p_values.items():
        higher = tab.percent.loc[r, a] > tab.percent.loc[r, b]
        assert (tab.column_letters[b] in tab.letters.loc[r, a]) == (pv < tab.alpha and higher)
    formatted = tab.formatted()
    assert list(formatted.columns) == ["E (A)", "H (B)", "M (C)"]
    assert formatted.loc["Base (unweighted n)"].tolist() == ["100", "50", "50"]


@pytest.mark.parametrize("name", DESIGNS)
def test_svyglm_quasibinomial(
    designs: dict[str, Design], r_results: dict[str, Any], name: str
) -> None:
    want = r_results[name]["logit"]
    got = designs[name].logit("sw ~ ell + meals + stype")
    assert list(got.params.index) == [R_TERM.get(t, t) for t in want["terms"]]
    assert got.df_resid == want["df_resid"]
    np.testing.assert_allclose(got.params, vec(want["params"]), rtol=EST_RTOL)
    np.testing.assert_allclose(got.bse, vec(want["bse"]), rtol=SE_RTOL)
    np.testing.assert_allclose(got.pvalues, vec(want["pvalues"]), rtol=SE_RTOL)
    ci = got.conf_int()
    np.testing.assert_allclose(ci["lower"], vec(want["ci_low"]), rtol=SE_RTOL)
    np.testing.assert_allclose(ci["upper"], vec(want["ci_high"]), rtol=SE_RTOL)


@pytest.mark.parametrize("name", DESIGNS)
def test_svyolr_proportional_odds(
    designs: dict[str, Design], r_results: dict[str, Any], name: str
) -> None:
    want = r_results[name]["ordinal"]
    got = designs[name].ordinal("rating ~ ell + meals")
    assert list(got.params.index) == want["terms"]
    np.testing.assert_allclose(got.params, vec(want["params"]), rtol=EST_RTOL)
    np.testing.assert_allclose(got.bse, vec(want["bse"]), rtol=SE_RTOL)
    # a factor predictor: treatment coding with the cut-points standing in for the intercept
    want = r_results[name]["ordinal_factor"]
    got = designs[name].ordinal("rating ~ meals + stype")
    assert list(got.params.index) == [R_TERM.get(t, t) for t in want["terms"]]
    np.testing.assert_allclose(got.params, vec(want["params"]), rtol=EST_RTOL)
    np.testing.assert_allclose(got.bse, vec(want["bse"]), rtol=SE_RTOL)


def test_trend_matches_stacked_waves_in_r(
    designs: dict[str, Design], r_results: dict[str, Any]
) -> None:
    from analysis import trend

    want = r_results["trend_hi800"]
    got = trend({"w1": designs["strat"], "w2": designs["clus1"]}, "hi800", "yes")
    assert list(got["wave"]) == ["w1", "w2"]
    assert np.isnan(got["change"].iloc[0])
    assert got["change"].iloc[1] == pytest.approx(want["change"], rel=EST_RTOL)
    assert got["change_se"].iloc[1] == pytest.approx(want["se"], rel=SE_RTOL)
    assert got["change_df"].iloc[1] == want["df"]
    assert bool(got["significant"].iloc[1]) == (got["p_value"].iloc[1] < 0.05)


@pytest.mark.parametrize("raked", [False, True])
def test_crosstab_fast_path_equals_the_general_linearisation(
    designs: dict[str, Design], r_results: dict[str, Any], raked: bool
) -> None:
    """Unclustered designs use cell sums for crosstab SEs; they must equal the sparse
    influence route (which the svyby comparisons above check against R)."""
    from analysis import rake
    from analysis.crosstabs import _cell_covariance, _cell_influence, _levels

    d = designs["strat"]
    if raked:
        m = r_results["rake_margins"]
        d = rake(d, {"sch.wide": m["sch.wide"], "comp.imp": m["comp.imp"]})
    rlev, rc = _levels(d, "rating")
    clev, cc = _levels(d, "awards")
    ok = np.flatnonzero((rc >= 0) & (cc >= 0))
    w = d.weights.to_numpy()[ok]
    counts = np.bincount(rc[ok] * len(clev) + cc[ok], weights=w, minlength=len(rlev) * len(clev))
    counts = counts.reshape(len(rlev), len(clev))
    wcol = counts.sum(axis=0)
    p = counts / wcol
    fast = _cell_covariance(d._lin, ok, rc[ok], cc[ok], w, p, wcol)
    slow = d.influence_covariance(_cell_influence(len(d.data), ok, rc[ok], cc[ok], w, p, wcol))
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-14)
    assert d.is_raked == raked
