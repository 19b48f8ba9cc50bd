"""Means, totals, proportions, quantiles and group estimates against R's survey.

Numbers come from results/make_results.R (svymean, svytotal, svyby,
svyciprop, svyquantile on the apistrat and apiclus1 textbook designs and on
apiclus1 raked to three margins).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from analysis import Design
from tests.analysis.r_reference import EST_RTOL, SE_RTOL, vec

DESIGNS = ["strat", "clus1", "rclus1"]


@pytest.mark.parametrize("name", DESIGNS)
def test_degrees_of_freedom(
    designs: dict[str, Design], r_results: dict[str, Any], name: str
) -> None:
    assert designs[name].degf == r_results[name]["degf"]


@pytest.mark.parametrize("name", DESIGNS)
def test_mean_and_total(designs: dict[str, Design], r_results: dict[str, Any], name: str) -> None:
    d, r = designs[name], r_results[name]
    for got, want in ((d.mean("api00"), r["mean_api00"]), (d.total("enroll"), r["total_enroll"])):
        np.testing.assert_allclose(got["estimate"], vec(want["estimate"]), rtol=EST_RTOL)
        np.testing.assert_allclose(got["se"], vec(want["se"]), rtol=SE_RTOL)
        np.testing.assert_allclose(got["ci_low"], vec(want["ci_low"]), rtol=SE_RTOL)
        np.testing.assert_allclose(got["ci_high"], vec(want["ci_high"]), rtol=SE_RTOL)
        assert list(got["df"]) == [want["df"]]


@pytest.mark.parametrize("name", DESIGNS)
def test_svyby_groups(designs: dict[str, Design], r_results: dict[str, Any], name: str) -> None:
    d, r = designs[name], r_results[name]
    cases = [
        # R's numbers here are confint(svyby(...), df = degf(d)): df="design"
        # (the default is "domain"; tests/analysis/test_analysis_interval_df.py)
        (d.mean("api00", by="stype", df="design"), r["by_mean_api00_stype"]),
        (d.total("enroll", by="stype", df="design"), r["by_total_enroll_stype"]),
        # R's numbers here are confint(svyby(~hi800n, ~stype, d, svymean), df = degf(d))
        (
            d.proportion("hi800", "yes", by="stype", ci="wald", df="design"),
            r["by_prop_hi800_stype"],
        ),
    ]
    for got, want in cases:
        assert list(got["stype"]) == want["group"]
        assert list(got.columns) == [
            "stype",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "df",
            "n",
            "n_eff",
        ]
        np.testing.assert_allclose(
            got["estimate"], vec(want["estimate"]), rtol=EST_RTOL, atol=1e-12
        )
        np.testing.assert_allclose(got["se"], vec(want["se"]), rtol=SE_RTOL, atol=1e-12)
        np.testing.assert_allclose(got["ci_low"], vec(want["ci_low"]), rtol=SE_RTOL, atol=1e-9)
        np.testing.assert_allclose(got["ci_high"], vec(want["ci_high"]), rtol=SE_RTOL, atol=1e-9)


@pytest.mark.parametrize("name", DESIGNS)
def test_factor_proportions(
    designs: dict[str, Design], r_results: dict[str, Any], name: str
) -> None:
    d, want = designs[name], r_results[name]["mean_stype"]
    got = d.proportions("stype", ci="wald")
    np.testing.assert_allclose(got["estimate"], vec(want["estimate"]), rtol=EST_RTOL)
    if name != "clus1":  # stype is the strata / a raking margin: the true SE is 0
        np.testing.assert_allclose(got["se"], 0, atol=1e-8)
    else:
        np.testing.assert_allclose(got["se"], vec(want["se"]), rtol=SE_RTOL)


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("method", ["logit", "xlogit", "wilson", "wald", "beta"])
@pytest.mark.parametrize("var", ["hi800", "sw"])
def test_svyciprop(
    designs: dict[str, Design], r_results: dict[str, Any], name: str, method: str, var: str
) -> None:
    d, want = designs[name], r_results[name]["props"][var]
    level = "yes" if var == "hi800" else 1
    got = d.proportion(var, level, ci=method)
    ci = want["ci"]["mean" if method == "wald" else method]
    np.testing.assert_allclose(got["estimate"], [want["estimate"]], rtol=EST_RTOL)
    if name == "rclus1" and var == "sw":
        # raked to sch.wide, so the proportion is fixed: R's SE (7e-8) is noise
        assert got["se"].iloc[0] < 1e-7
        return
    np.testing.assert_allclose(got["se"], [want["se"]], rtol=SE_RTOL)
    np.testing.assert_allclose(
        [got["ci_low"].iloc[0], got["ci_high"].iloc[0]], ci["ci"], rtol=SE_RTOL
    )


@pytest.mark.parametrize("name", DESIGNS)
def test_quantiles(designs: dict[str, Design], r_results: dict[str, Any], name: str) -> None:
    d, want = designs[name], r_results[name]["quantile_api00"]
    got = d.quantile("api00", want["q"])
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=EST_RTOL)
    np.testing.assert_allclose(got["ci_low"], want["ci_low"], rtol=EST_RTOL)
    np.testing.assert_allclose(got["ci_high"], want["ci_high"], rtol=EST_RTOL)
    np.testing.assert_allclose(got["se"], want["se"], rtol=SE_RTOL)


def test_raked_weights_match_r(designs: dict[str, Design], r_results: dict[str, Any]) -> None:
    got = designs["rclus1"].weights.to_numpy()
    np.testing.assert_allclose(got, r_results["rclus1"]["weights"], rtol=EST_RTOL)
    report = designs["rclus1"].rake_report
    assert report.converged and report.max_margin_error < 1e-13


def test_kish_effective_sample_size(designs: dict[str, Design]) -> None:
    d = designs["rclus1"]
    w = d.weights.to_numpy()
    assert d.effective_sample_size() == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert d.kish_deff() == pytest.approx(len(w) / d.effective_sample_size())
    assert designs["clus1"].kish_deff() == pytest.approx(1.0)  # apiclus1 is self-weighting


def test_two_by_variables_give_one_row_per_observed_combination(designs: dict[str, Design]) -> None:
    d = designs["rclus1"]
    got = d.mean("api00", by=["stype", "sch.wide"])
    assert list(got.columns[:2]) == ["stype", "sch.wide"]
    data, w = d.data, d.weights
    combos = data.groupby(["stype", "sch.wide"]).size()
    assert len(got) == len(combos)
    for row in got.itertuples(index=False):
        mask = (data["stype"] == row[0]) & (data["sch.wide"] == row[1])
        want = np.average(data.loc[mask, "api00"], weights=w[mask])
        assert row.estimate == pytest.approx(want, rel=1e-12)
        assert row.n == mask.sum()


def test_wilson_is_statsmodels_wilson_on_the_effective_sample_size() -> None:
    """Independent check of the Wilson formula: with infinite df the design interval is the
    textbook Wilson interval for n_eff = p(1-p)/var (statsmodels' implementation)."""
    from statsmodels.stats.proportion import proportion_confint

    from analysis.intervals import proportion_interval

    p, var = np.array([0.07, 0.5, 0.93]), np.array([4e-4, 1e-3, 2e-4])
    low, high = proportion_interval(p, var, np.array([100, 100, 100]), np.inf, "wilson")
    n_eff = p * (1 - p) / var
    want_low, want_high = proportion_confint(p * n_eff, n_eff, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, want_low, rtol=1e-12)
    np.testing.assert_allclose(high, want_high, rtol=1e-12)
