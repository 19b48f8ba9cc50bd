"""The ``df=`` choice of every interval, and the Korn–Graubard group interval, against R.

Numbers come from results/make_domain_results.R: ``svyby(..., svyciprop)`` with
its default df (the group's own, "domain"), with ``df = degf(design)``
("design") and with ``df = Inf``; ``confint`` of ``svyby(..., svymean)`` and
``svytotal`` likewise.  Groups where R's answer is not a number are skipped
(for p = 0, R's logit interval is a numerical artefact around 1e-11 and its
beta interval NaN; ours is the exact one-sided Clopper–Pearson-style bound).
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np
import pytest

from analysis import AnalysisError, Design
from tests.analysis.r_reference import EST_RTOL, RESULTS, SE_RTOL, vec

DESIGNS = ["strat", "clus1", "rclus1"]
DF = {"domain": "domain", "design": "design", "inf": math.inf}


@pytest.fixture(scope="module")
def r_domain() -> dict[str, Any]:
    return json.loads((RESULTS / "domain_results.json").read_text())


def _close(got: Any, want: Any, rtol: float = SE_RTOL) -> None:
    w = np.array([np.nan if v == "NaN" else v for v in np.atleast_1d(want)], dtype=float)
    g = np.asarray(got, dtype=float)
    keep = np.isfinite(w) & (w > 1e-9)
    np.testing.assert_allclose(g[keep], w[keep], rtol=rtol)


@pytest.mark.parametrize("name", DESIGNS)
def test_group_degrees_of_freedom_match_r(
    designs: dict[str, Design], r_domain: dict[str, Any], name: str
) -> None:
    got = designs[name].proportion("hi800", "yes", by="stype")
    assert list(got["df"]) == r_domain[name]["domain_degf"]
    assert (
        list(designs[name].proportion("hi800", "yes", by="stype", df="design")["df"])
        == [r_domain[name]["degf"]] * 3
    )


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("ci", ["logit", "xlogit", "wald"])
@pytest.mark.parametrize("df", list(DF))
def test_group_proportion_intervals_follow_df(
    designs: dict[str, Design], r_domain: dict[str, Any], name: str, ci: str, df: str
) -> None:
    want = r_domain[name]["by_prop_hi800_stype"]["mean" if ci == "wald" else ci][df]
    got = designs[name].proportion("hi800", "yes", by="stype", ci=ci, df=DF[df])
    assert list(got["stype"]) == want["group"]
    _close(got["estimate"], want["estimate"], EST_RTOL)
    _close(got["ci_low"], want["ci_low"])
    _close(got["ci_high"], want["ci_high"])


def test_default_group_interval_is_rs_svyby_svyciprop(designs: dict[str, Design]) -> None:
    d = designs["clus1"]
    default = d.proportion("hi800", "yes", by="stype")
    domain = d.proportion("hi800", "yes", by="stype", df="domain")
    design = d.proportion("hi800", "yes", by="stype", df="design")
    np.testing.assert_array_equal(default["ci_low"], domain["ci_low"])
    # group M sits in 12 of the 15 districts: fewer df, so a wider interval than "design"
    m = default["stype"] == "M"
    width = (default["ci_high"] - default["ci_low"])[m].iloc[0]
    assert width > (design["ci_high"] - design["ci_low"])[m].iloc[0]


@pytest.mark.parametrize("name", DESIGNS)
def test_korn_graubard_group_interval_matches_r(
    designs: dict[str, Design], r_domain: dict[str, Any], name: str
) -> None:
    """R scales n_eff by (t(nrow(subset) − 1)/t(degf(subset)))²: group rows for fixed
    weights, every row for a raked design."""
    want = r_domain[name]["by_prop_hi800_stype"]["beta"]["domain"]
    got = designs[name].proportion("hi800", "yes", by="stype", ci="beta")
    _close(got["ci_low"], want["ci_low"])
    _close(got["ci_high"], want["ci_high"])
    assert name == "rclus1" or r_domain[name]["domain_nrow"] == list(
        designs[name].data.groupby("stype").size()
    )


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("df", list(DF))
@pytest.mark.parametrize("statistic", ["mean", "total"])
@pytest.mark.parametrize("by", ["stype", "sch.wide"])
def test_group_mean_and_total_intervals_follow_df(
    designs: dict[str, Design],
    r_domain: dict[str, Any],
    name: str,
    df: str,
    statistic: str,
    by: str,
) -> None:
    """Every df= choice against R, for groups that are strata (stype in strat) and groups
    that cut across strata and clusters (sch.wide, at 90%)."""
    d = designs[name]
    var = "api00" if statistic == "mean" else "enroll"
    if by == "stype":
        want = r_domain[name][f"by_{statistic}_{var}_stype"]
        confidence = 0.95
    else:
        want = r_domain[name][f"by_{statistic}_schwide_90"]
        confidence = 0.9
    got = getattr(d, statistic)(var, by=by, df=DF[df], confidence=confidence)
    assert [str(g) for g in got[by]] == want["group"]
    _close(got["estimate"], want["estimate"], EST_RTOL)
    _close(got["se"], want["se"])
    _close(got["ci_low"], want[df]["ci_low"])
    _close(got["ci_high"], want[df]["ci_high"])
    if df == "domain":
        key = "domain_degf" if by == "stype" else "sch_wide_domain_degf"
        assert list(got["df"]) == vec(r_domain[name][key]).astype(int).tolist()
    elif df == "design":
        assert list(got["df"]) == [r_domain[name]["degf"]] * len(got)
    else:
        assert np.isinf(got["df"]).all()


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("statistic", ["mean", "total"])
def test_group_mean_and_total_default_to_the_domain_df(
    designs: dict[str, Design], r_domain: dict[str, Any], name: str, statistic: str
) -> None:
    """The default is R's subset convention (as svyby + svyciprop), not confint's Inf."""
    d = designs[name]
    var = "api00" if statistic == "mean" else "enroll"
    want = r_domain[name][f"by_{statistic}_{var}_stype"]["domain"]
    got = getattr(d, statistic)(var, by="stype")
    _close(got["ci_low"], want["ci_low"])
    _close(got["ci_high"], want["ci_high"])
    assert list(got["df"]) == r_domain[name]["domain_degf"]
    # and the overall estimate keeps the design's df (the domain of everyone)
    assert list(getattr(d, statistic)(var)["df"]) == [d.degf]


@pytest.mark.parametrize("name", DESIGNS)
def test_confidence_is_the_one_name_and_level_still_works(
    designs: dict[str, Design], r_domain: dict[str, Any], name: str
) -> None:
    d = designs[name]
    got = d.mean("api00", confidence=0.9)
    _close([got["ci_low"].iloc[0], got["ci_high"].iloc[0]], r_domain[name]["mean_api00_90"])
    with pytest.warns(DeprecationWarning, match="confidence="):
        old = d.mean("api00", level=0.9)
    np.testing.assert_array_equal(old["ci_low"], got["ci_low"])
    with pytest.warns(DeprecationWarning):
        old_total = d.total("enroll", level=0.9)
    np.testing.assert_array_equal(old_total["ci_low"], d.total("enroll", confidence=0.9)["ci_low"])
    with pytest.warns(DeprecationWarning):
        d.quantile("api00", 0.5, level=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d.proportion("hi800", "yes", confidence=0.9)  # level is the answer here: no warning


def test_bad_df_names_the_argument(designs: dict[str, Design]) -> None:
    for bad in ("group", 0, -1.0, True):
        with pytest.raises(AnalysisError, match="df="):
            designs["strat"].proportion("hi800", "yes", by="stype", df=bad)  # type: ignore[arg-type]


def test_overall_domain_df_is_the_design_df(designs: dict[str, Design]) -> None:
    for d in designs.values():
        assert list(d.proportion("hi800", "yes")["df"]) == [d.degf]
        assert list(d.quantile("api00", 0.5, df="domain")["df"]) == [d.degf]
        np.testing.assert_array_equal(
            vec(d.mean("api00", df="domain")["ci_low"]), vec(d.mean("api00")["ci_low"])
        )


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("ci", ["logit", "beta"])
def test_crosstab_cell_intervals_use_each_columns_df(
    designs: dict[str, Design], r_domain: dict[str, Any], name: str, ci: str
) -> None:
    want = r_domain[name]["by_prop_hi800_stype"][ci]["domain"]
    tab = designs[name].crosstab("hi800", "stype", ci=ci)
    _close(tab.ci_low.loc["yes"].to_numpy() / 100, want["ci_low"])
    _close(tab.ci_high.loc["yes"].to_numpy() / 100, want["ci_high"])
    design = designs[name].crosstab("hi800", "stype", ci=ci, df="design")
    assert tab.df == design.df == designs[name].degf
