"""The plain statistics shown beside the design-based ones, against R.

Numbers come from results/make_classical_results.R: ``prop.test(correct =
FALSE)`` beside `difference`, ``chisq.test(correct = FALSE)`` beside the
Rao–Scott `chisq`, and ``summary(svyglm)$dispersion`` and ``naive.cov`` for
`logit`'s dispersion and model-based standard errors.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from analysis import Design
from tests.analysis.r_reference import EST_RTOL, RESULTS, SE_RTOL, vec

DESIGNS = ["strat", "clus1", "rclus1"]


@pytest.fixture(scope="module")
def r_plain() -> dict[str, Any]:
    return json.loads((RESULTS / "classical_results.json").read_text())


@pytest.mark.parametrize("name", DESIGNS)
def test_prop_test_beside_the_design_based_difference(
    designs: dict[str, Design], r_plain: dict[str, Any], name: str
) -> None:
    r = r_plain[name]
    got = designs[name].difference("hi800", "yes", "stype", "E", "M", df=math.inf).iloc[0]
    pt = r["prop_test_hi800_E_M"]
    np.testing.assert_allclose(
        [got["classical_estimate_a"], got["classical_estimate_b"]],
        vec(pt["estimate"]),
        rtol=EST_RTOL,
    )
    np.testing.assert_allclose(
        [got["classical_ci_low"], got["classical_ci_high"]], vec(pt["conf_int"]), rtol=SE_RTOL
    )
    np.testing.assert_allclose(got["classical_p_value"], pt["p_value"], rtol=SE_RTOL)
    want = r["difference_hi800_E_M"]
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=EST_RTOL)
    np.testing.assert_allclose(got["se"], want["se"], rtol=SE_RTOL)
    np.testing.assert_allclose([got["ci_low"], got["ci_high"]], vec(want["ci_inf"]), rtol=SE_RTOL)
    assert math.isinf(got["df"])
    # weighting and clustering matter: the design-based SE is not the classical one
    assert not np.isclose(got["se"], got["classical_se"], rtol=1e-3)


def test_difference_df_choices(designs: dict[str, Design]) -> None:
    d = designs["clus1"]
    design = d.difference("hi800", "yes", "stype", "E", "M").iloc[0]
    domain = d.difference("hi800", "yes", "stype", "E", "M", df="domain").iloc[0]
    assert design["df"] == d.degf
    both = d.data["stype"].isin(["E", "M"]).to_numpy()
    assert domain["df"] == d.domain_degf(both)


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("table", ["schwide_stype", "rating_stype"])
def test_plain_pearson_beside_rao_scott(
    designs: dict[str, Design], r_plain: dict[str, Any], name: str, table: str
) -> None:
    row = "sch.wide" if table == "schwide_stype" else "rating"
    want = r_plain[name]["plain_chisq"][table]
    for statistic in ("F", "Chisq"):
        got = designs[name].chisq(row, "stype", statistic=statistic)
        np.testing.assert_allclose(got.plain_pearson, want["statistic"], rtol=EST_RTOL)
        assert got.plain_df == want["parameter"]
        np.testing.assert_allclose(got.plain_p_value, want["p_value"], rtol=SE_RTOL)


@pytest.mark.parametrize("name", DESIGNS)
def test_logit_dispersion_and_model_based_se(
    designs: dict[str, Design], r_plain: dict[str, Any], name: str
) -> None:
    want = r_plain[name]["logit"]
    got = designs[name].logit("sw ~ ell + meals + stype")
    np.testing.assert_allclose(got.dispersion, want["dispersion"], rtol=SE_RTOL)
    np.testing.assert_allclose(
        np.sqrt(np.diag(got.naive_cov_params.to_numpy())), vec(want["naive_se"]), rtol=SE_RTOL
    )
    np.testing.assert_allclose(got.model_bse, vec(want["model_se"]), rtol=SE_RTOL)
    assert not np.allclose(got.model_bse, got.bse, rtol=1e-3)
    normal = got.conf_int(df=math.inf)
    np.testing.assert_allclose(normal["lower"], vec(want["ci_inf_low"]), rtol=SE_RTOL)
    np.testing.assert_allclose(normal["upper"], vec(want["ci_inf_high"]), rtol=SE_RTOL)
